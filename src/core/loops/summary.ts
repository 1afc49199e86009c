/**
 * What the editor says about an experiment loop, given the state of each of its combinations.
 * Pure text and arithmetic: the CodeLens, the hover, the diagnostics and `runlens analyze` share it.
 */
import type { ExperimentLoop, LiteralValue } from '../analysis';
import type { CombinationState } from '../store/types';
import { canonicalValue, pythonStr } from '../params/canonical';
import { formatMetric } from '../runs/format';

export interface LoopSummary {
  total: number;
  logged: number;
  failed: number;
  crashed: number;
  killed: number;
  running: number;
  best: { value: number; combination: Record<string, unknown>; uid: string } | null;
  /** Logged combinations whose runs came from another version of this script. */
  codeChanged: number;
}

export function summarize(loop: ExperimentLoop, states: CombinationState[], higherIsBetter: boolean, scriptSha256?: string): LoopSummary {
  const s: LoopSummary = { total: states.length, logged: 0, failed: 0, crashed: 0, killed: 0, running: 0, best: null, codeChanged: 0 };
  states.forEach((st, i) => {
    if (st.state === 'finished') s.logged++;
    else if (st.state === 'failed') s.failed++;
    else if (st.state === 'crashed') s.crashed++;
    else if (st.state === 'running') s.running++;
    else if (st.state === 'killed') s.killed++;
    if (st.best !== null && (s.best === null || (higherIsBetter ? st.best > s.best.value : st.best < s.best.value))) {
      s.best = { value: st.best, combination: loop.combinations[i], uid: st.runs[0]?.uid ?? '' };
    }
    if (scriptSha256 && st.state !== 'never-run' && codeChangedSince(st, scriptSha256)) s.codeChanged++;
  });
  return s;
}

/** Whether every matching run with a known script hash was logged from other code than `sha256`. */
export function codeChangedSince(st: CombinationState, sha256: string): boolean {
  const known = st.runs.filter((r) => r.scriptSha256);
  return known.length > 0 && known.every((r) => r.scriptSha256 !== sha256);
}

export function formatCombination(combo: Record<string, unknown>, keys = Object.keys(combo)): string {
  return keys.filter((k) => k in combo).map((k) => `${k}=${pythonStr(combo[k])}`).join(', ');
}

/**
 * `RunLens: 3 of 4 combinations logged · best accuracy 0.81 (lr=0.01, bs=32) · 1 failed`;
 * `RunLens: 6 combinations, none logged yet`; `RunLens: all 6 combinations logged · best …`;
 * `RunLens: 9 combinations, none tracked` for a loop that logs to no tracker.
 */
export function lensTitle(loop: ExperimentLoop, s: LoopSummary, metric: string | undefined): string {
  const combinations = `combination${s.total === 1 ? '' : 's'}`;
  const untouched = s.logged + s.failed + s.crashed + s.killed + s.running === 0;
  const head = !loop.tracked ? `RunLens: ${s.total} ${combinations}, none tracked`
    : untouched ? `RunLens: ${s.total} ${combinations}, none logged yet`
      : s.logged === s.total && s.total > 1 ? `RunLens: all ${s.total} ${combinations} logged`
        : `RunLens: ${s.logged} of ${s.total} ${combinations} logged`;
  const parts = [head];
  const repeats = repeatsText(loop);
  if (repeats) parts.push(repeats);
  if (s.best && metric) parts.push(`best ${metric} ${formatMetric(s.best.value)} (${formatCombination(s.best.combination, loop.keys)})`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.crashed) parts.push(`${s.crashed} crashed`);
  if (s.killed) parts.push(`${s.killed} killed`);
  if (s.running) parts.push(`${s.running} running`);
  if (s.codeChanged) parts.push(`code changed since ${s.codeChanged === s.logged + s.failed + s.crashed + s.killed + s.running ? 'all of them' : s.codeChanged}`);
  if (loop.unknown.length) parts.push(`${loop.unknown.join(', ')} unknown until run time`);
  if (loop.runtimeSkip) parts.push('skips logged combinations at run time');
  return parts.join(' · ');
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
  failed: number;
  best: number | null;
  runs: { uid: string; status: string; metric: number | null }[];
}

/** For each literal value of the loop: how many of the combinations that use it have results. */
export function valueSummaries(loop: ExperimentLoop, states: CombinationState[], higherIsBetter: boolean): ValueSummary[] {
  return loop.valueSites.map(({ key, value, site }) => {
    const canon = canonicalValue(value);
    const v: ValueSummary = { key, value, site, combinations: 0, logged: 0, failed: 0, best: null, runs: [] };
    loop.combinations.forEach((combo, i) => {
      if (!(key in combo) || canonicalValue(combo[key]) !== canon) return;
      const st = states[i];
      v.combinations++;
      if (st.state === 'finished') v.logged++;
      if (st.state === 'failed' || st.state === 'crashed') v.failed++;
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
