/**
 * What the editor says about an experiment loop, given the state of each of its combinations.
 * Pure text and arithmetic: the CodeLens, the hover, the diagnostics and `runlens analyze` share it.
 */
import type { ExperimentLoop, LiteralValue } from '../analysis';
import type { CombinationState, MatchedRun, MetricTally } from '../store/types';
import { canonicalValue, pythonStr } from '../params/canonical';
import { formatMetric } from '../runs/format';
import { isSeedLike } from '../runs/groups';

export interface LoopSummary {
  total: number;
  logged: number;
  failed: number;
  crashed: number;
  killed: number;
  running: number;
  /** Optuna trials its pruner stopped early: no result, like a failed run. */
  pruned: number;
  /** Waiting to run (an enqueued Optuna trial). */
  queued: number;
  /**
   * The best combination. Where a setting is run several times (over seeds, or repeated), it is
   * ranked by the mean of its runs: `value` is that mean, `spread` their standard deviation and `n`
   * how many runs it is over.
   */
  best: { value: number; combination: Record<string, unknown>; uid: string; spread?: number; n?: number } | null;
  /** Logged combinations whose runs came from another version of this script. */
  codeChanged: number;
  /** The newest of the matching runs logged from another version of this script (to compare its code with this one). */
  changedRun?: string;
  /**
   * For a loop over seeds: its settings, each the combinations that differ by seed only. `total`
   * and `logged` count settings then (a setting is logged when all of its seeds are); the other
   * counts stay per run.
   */
  seeds?: { keys: string[]; total: number; logged: number; partly: number; least: number; most: number };
}

/** A tally's mean and (sample) standard deviation; the deviation is 0 for a single value. */
export function meanOf(t: MetricTally): { mean: number; std: number } {
  const mean = t.sum / t.n;
  const variance = t.n > 1 ? Math.max(0, (t.sumSq - t.n * mean * mean) / (t.n - 1)) : 0;
  return { mean, std: Math.sqrt(variance) };
}

export function summarize(loop: ExperimentLoop, states: CombinationState[], higherIsBetter: boolean, scriptSha256?: string): LoopSummary {
  const s: LoopSummary = { total: states.length, logged: 0, failed: 0, crashed: 0, killed: 0, running: 0, pruned: 0, queued: 0, best: null, codeChanged: 0 };
  const better = (a: number, b: number) => (higherIsBetter ? a > b : a < b);
  const repeated = (loop.repeats ?? []).some((r) => r > 1);
  let newest: MatchedRun | undefined;
  states.forEach((st, i) => {
    if (st.state === 'finished') s.logged++;
    else if (st.state !== 'never-run') s[st.state]++;
    // A combination run several times over (unlogged seeds) is ranked by the mean of its runs.
    const t = repeated && st.results && st.results.n > 1 ? meanOf(st.results) : undefined;
    const value = t ? t.mean : st.best;
    if (value !== null && (s.best === null || better(value, s.best.value))) {
      s.best = { value, combination: loop.combinations[i], uid: st.runs[0]?.uid ?? '' };
      if (t) Object.assign(s.best, { spread: t.std, n: st.results!.n });
    }
    if (scriptSha256 && st.state !== 'never-run' && codeChangedSince(st, scriptSha256)) {
      s.codeChanged++;
      for (const r of st.runs) {
        if (!r.scriptSha256 || r.scriptSha256 === scriptSha256) continue;
        if (newest === undefined || (r.startTime ?? 0) > (newest.startTime ?? 0)) newest = r;
      }
    }
  });
  if (newest) s.changedRun = newest.uid;
  const seeds = seedGroups(loop, states, better);
  if (seeds) {
    s.seeds = seeds.summary;
    s.best = seeds.best;
  }
  return s;
}

/**
 * A loop whose keys include a seed with more than one value: its combinations grouped into settings
 * (the same values but for the seeds), how many of those are logged, and the best by its mean over
 * every finished run of the setting.
 */
function seedGroups(loop: ExperimentLoop, states: CombinationState[], better: (a: number, b: number) => boolean): { summary: NonNullable<LoopSummary['seeds']>; best: LoopSummary['best'] } | undefined {
  const seedKeys = loop.keys.filter((k) => isSeedLike(k) && new Set(loop.combinations.map((c) => canonicalValue(c[k]))).size > 1);
  // A loop over seeds alone has nothing else to group by: its combinations are its seeds.
  if (!seedKeys.length || seedKeys.length === loop.keys.length) return undefined;
  const rest = loop.keys.filter((k) => !seedKeys.includes(k));
  const groups = new Map<string, { combination: Record<string, unknown>; members: number[] }>();
  loop.combinations.forEach((combo, i) => {
    const sig = rest.map((k) => (k in combo ? canonicalValue(combo[k]) : '\u0000')).join('\u0001');
    let g = groups.get(sig);
    if (!g) groups.set(sig, g = { combination: Object.fromEntries(rest.filter((k) => k in combo).map((k) => [k, combo[k]])), members: [] });
    g.members.push(i);
  });
  const summary = { keys: seedKeys, total: groups.size, logged: 0, partly: 0, least: Infinity, most: 0 };
  let best: LoopSummary['best'] = null;
  for (const g of groups.values()) {
    const finished = g.members.filter((i) => states[i]?.state === 'finished').length;
    if (finished === g.members.length) summary.logged++;
    else if (finished) summary.partly++;
    summary.least = Math.min(summary.least, g.members.length);
    summary.most = Math.max(summary.most, g.members.length);
    const pooled = { n: 0, sum: 0, sumSq: 0 };
    for (const i of g.members) {
      const t = states[i]?.results;
      if (t) { pooled.n += t.n; pooled.sum += t.sum; pooled.sumSq += t.sumSq; }
    }
    if (!pooled.n) continue;
    const { mean, std } = meanOf(pooled);
    if (best === null || better(mean, best.value)) {
      const uid = g.members.map((i) => states[i]?.runs[0]?.uid).find((u) => u) ?? '';
      best = { value: mean, combination: g.combination, uid, spread: std, n: pooled.n };
    }
  }
  return { summary, best };
}

/** Whether every matching run with a known script hash was logged from other code than `sha256`. */
export function codeChangedSince(st: CombinationState, sha256: string): boolean {
  const known = st.runs.filter((r) => r.scriptSha256);
  return known.length > 0 && known.every((r) => r.scriptSha256 !== sha256);
}

export function formatCombination(combo: Record<string, unknown>, keys = Object.keys(combo)): string {
  return keys.filter((k) => k in combo).map((k) => `${k}=${pythonStr(combo[k])}`).join(', ');
}

/** Combinations some run holds, whatever its state. */
function touched(s: LoopSummary): number {
  return s.logged + s.failed + s.crashed + s.killed + s.running + s.pruned + s.queued;
}

/**
 * `RunLens: 3 of 4 combinations logged · best accuracy 0.81 (lr=0.01, bs=32) · 1 failed`;
 * `RunLens: 6 combinations, none logged yet`; `RunLens: all 6 combinations logged · best …`;
 * `RunLens: 9 combinations, none tracked` for a loop that logs to no tracker; an Optuna
 * GridSampler's `RunLens: 4 of 6 grid points done · best value 0.12 (…) · 2 pruned`.
 */
export function lensTitle(loop: ExperimentLoop, s: LoopSummary, metric: string | undefined): string {
  const grid = loop.optuna?.kind === 'grid';
  const combinations = grid ? `grid point${s.total === 1 ? '' : 's'}` : `combination${s.total === 1 ? '' : 's'}`;
  const done = grid ? 'done' : 'logged';
  // Over seeds, the combinations counted are the settings, each run once per seed.
  const total = s.seeds ? s.seeds.total : s.total;
  const logged = s.seeds ? s.seeds.logged : s.logged;
  const seeds = s.seeds ? ` (${seedsText(s.seeds)})` : '';
  const head = !loop.tracked ? `RunLens: ${total} ${combinations}, none tracked${seeds}`
    : touched(s) === 0 ? `RunLens: ${total} ${combinations}, none ${done} yet${seeds}`
      : logged === total && total > 1 ? `RunLens: all ${total} ${combinations} ${done}${seeds}`
        : `RunLens: ${logged} of ${total} ${combinations} ${done}${seeds}`;
  const parts = [head];
  if (s.seeds?.partly) parts.push(`${s.seeds.partly} partly logged`);
  const repeats = s.seeds ? undefined : repeatsText(loop);
  if (repeats) parts.push(repeats);
  if (s.best && metric) parts.push(bestText(s.best, metric, loop));
  for (const state of ['failed', 'pruned', 'crashed', 'killed', 'running', 'queued'] as const) {
    if (s[state]) parts.push(`${s[state]} ${state}`);
  }
  if (s.codeChanged) parts.push(`code changed since ${s.codeChanged === touched(s) ? 'all of them' : s.codeChanged}`);
  if (loop.unknown.length) parts.push(`${loop.unknown.join(', ')} unknown until run time`);
  if (loop.runtimeSkip) parts.push('skips logged combinations at run time');
  return parts.join(' · ');
}

/** `2 seeds each`, or `2 to 3 seeds each` when settings differ in how many they have. */
function seedsText(seeds: NonNullable<LoopSummary['seeds']>): string {
  return `${seeds.least === seeds.most ? seeds.most : `${seeds.least} to ${seeds.most}`} seeds each`;
}

/**
 * `best accuracy 0.8100 (lr=0.01, bs=32)`; ranked by a mean over several runs,
 * `best mean accuracy 0.8100 ± 0.0141 (lr=0.01)`.
 */
function bestText(best: NonNullable<LoopSummary['best']>, metric: string, loop: ExperimentLoop): string {
  const keys = loop.keys.filter((k) => k in best.combination);
  if (best.n === undefined || best.n < 2) return `best ${metric} ${formatMetric(best.value)} (${formatCombination(best.combination, keys)})`;
  const mean = formatMetric(best.value);
  // The spread to the mean's decimals (`0.8100 ± 0.0141`), unless the mean is in exponent form.
  const decimals = /^-?\d+\.(\d+)$/.exec(mean)?.[1].length;
  const spread = best.n > 1 ? ` ± ${decimals === undefined ? formatMetric(best.spread ?? 0) : (best.spread ?? 0).toFixed(decimals)}` : '';
  return `best mean ${metric} ${mean}${spread} (${formatCombination(best.combination, keys)})`;
}

/** `3 runs each` when every combination runs more than once alike; `1 to 4 runs each` when they differ. */
function repeatsText(loop: ExperimentLoop): string | undefined {
  const r = loop.repeats ?? [];
  const most = Math.max(0, ...r), least = Math.min(...r);
  if (most < 2) return undefined;
  return least === most ? `${most} runs each` : `${least} to ${most} runs each`;
}

export interface ValueSummary {
  key: string;
  value: unknown;
  site: LiteralValue;
  combinations: number;
  logged: number;
  /** Failed or crashed. */
  failed: number;
  pruned: number;
  best: number | null;
  runs: { uid: string; status: string; metric: number | null }[];
}

/** For each literal value of the loop: how many of the combinations that use it have results. */
export function valueSummaries(loop: ExperimentLoop, states: CombinationState[], higherIsBetter: boolean): ValueSummary[] {
  return loop.valueSites.map(({ key, value, site }) => {
    const canon = canonicalValue(value);
    const v: ValueSummary = { key, value, site, combinations: 0, logged: 0, failed: 0, pruned: 0, best: null, runs: [] };
    loop.combinations.forEach((combo, i) => {
      if (!(key in combo) || canonicalValue(combo[key]) !== canon) return;
      const st = states[i];
      v.combinations++;
      if (st.state === 'finished') v.logged++;
      if (st.state === 'failed' || st.state === 'crashed') v.failed++;
      if (st.state === 'pruned') v.pruned++;
      if (st.best !== null && (v.best === null || (higherIsBetter ? st.best > v.best : st.best < v.best))) v.best = st.best;
      for (const r of st.runs) if (v.runs.length < 5 && !v.runs.some((x) => x.uid === r.uid)) v.runs.push({ uid: r.uid, status: r.status, metric: r.metric });
    });
    return v;
  });
}

/**
 * What an inlay hint after a literal value says: the best key-metric result of the runs with that
 * value and how many of its combinations are logged, `▸ accuracy 0.8100 · 2/2`, or `▸ 0/2`.
 * `detail` drops the metric's name (`▸ 0.8100 · 2/2`), or the result too (`▸ 2/2`).
 */
export function inlayLabel(v: ValueSummary, metric: string | undefined, detail: 'full' | 'value' | 'count' = 'full'): string {
  const best = v.best !== null && metric && detail !== 'count' ? `${detail === 'full' ? metric + ' ' : ''}${formatMetric(v.best)} · ` : '';
  return `▸ ${best}${v.logged}/${v.combinations}`;
}

/**
 * The labels of the hints on one line, as detailed as fits `budget` characters in all (VS Code cuts
 * the hints of a line past `editor.inlayHints.maximumLength`; 0 is no limit).
 */
export function inlayLabels(values: ValueSummary[], metric: string | undefined, budget: number): string[] {
  for (const detail of ['full', 'value', 'count'] as const) {
    const labels = values.map((v) => inlayLabel(v, metric, detail));
    // Each hint also takes the space before it.
    if (!budget || labels.reduce((n, l) => n + l.length + 1, 0) <= budget || detail === 'count') return labels;
  }
  return [];
}
