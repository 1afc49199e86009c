import { WorkspaceStore } from '../core/store/workspaceStore';
import type { Reporter } from '../core/store/ingest';
import { getRun, listRuns, lookupCombinations } from '../core/store/queries';
import { jsonNumber, readRunLogHistory } from '../core/store/history';
import type { RunDetail } from '../core/store/types';
import { type CliContext, CliError } from './args';

export interface Command { args: string; summary: string; run(ctx: CliContext): Promise<number> }

function reporterFor(ctx: CliContext): Reporter & { problems: number } {
  return {
    problems: 0,
    problem(m) { this.problems++; ctx.err(`problem: ${m}\n`); },
    info(m) { ctx.err(`note: ${m}\n`); },
  };
}

/** Opens the store; a CLI follows a running VS Code window read-only rather than fight it for writing. */
async function withStore<T>(ctx: CliContext, fn: (s: WorkspaceStore) => Promise<T>, role: 'auto' | 'writer' = 'auto'): Promise<T> {
  const store = await WorkspaceStore.open(ctx.workspace, { reporter: reporterFor(ctx), role });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function runJson(store: WorkspaceStore, r: RunDetail, history: boolean): Record<string, unknown> {
  const hist = history && r.source.startsWith('runs/') ? readRunLogHistory(store.dir, r.source) : {};
  const metrics: Record<string, unknown> = {};
  for (const [k, m] of Object.entries(r.metrics)) {
    metrics[k] = {
      final: jsonNumber(m.last), step: m.lastStep, min: m.min === null ? null : jsonNumber(m.min), max: m.max === null ? null : jsonNumber(m.max), count: m.count,
      ...(history ? { history: (hist[k] ?? []).map((p) => ({ step: p.step, value: jsonNumber(p.value), timestamp: p.timestamp })) } : {}),
    };
  }
  return {
    run_id: r.uid, experiment: r.experiment, name: r.name, status: r.status, lifecycle_stage: r.deleted ? 'deleted' : 'active',
    start_time: r.startTime, end_time: r.endTime, parent_run_id: r.parentUid, params: r.params, tags: r.tags, metrics,
    code: { script: r.scriptPath, sha256: r.scriptSha256, git_commit: r.git.commit, git_branch: r.git.branch, git_dirty: r.git.dirty },
    error: r.error, source: r.source,
  };
}

function parseCombination(text: string): Record<string, unknown> {
  // `lr=0.001 bs=32` or a JSON object: values keep their written form, compared by meaning later.
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try { return JSON.parse(trimmed); } catch (e) { throw new CliError(`not a JSON object: ${(e as Error).message}`); }
  }
  const out: Record<string, unknown> = {};
  for (const part of trimmed.split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CliError(`'${part}' is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export const COMMANDS: Record<string, Command> = {
  runs: {
    args: '[--all] [--history]',
    summary: 'list runs with experiment, name, status, params, tags and latest metrics (--all: deleted too, with histories)',
    run: (ctx) => withStore(ctx, async (store) => {
      const all = ctx.flags.has('all');
      const history = all || ctx.flags.has('history');
      const experiment = ctx.options.get('experiment');
      const rows = listRuns(store.catalog, { limit: Number.MAX_SAFE_INTEGER, includeDeleted: all, sort: { by: 'start_time', descending: false } })
        .filter((r) => !experiment || r.experiment === experiment)
        .map((r) => getRun(store.catalog, r.id)!);
      if (ctx.json) {
        ctx.out(JSON.stringify({ runs: rows.map((r) => runJson(store, r, history)) }, null, 1) + '\n');
        return 0;
      }
      if (!rows.length) { ctx.out('No runs yet.\n'); return 0; }
      for (const r of rows) {
        const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ');
        const metrics = Object.values(r.metrics).map((m) => `${m.key}=${formatNumber(m.last)}`).join(' ');
        ctx.out(`${r.uid.slice(0, 8)}  ${r.experiment} / ${r.name ?? '-'}  ${r.status}${r.deleted ? ' (deleted)' : ''}  ${params}  ${metrics}\n`);
      }
      return 0;
    }),
  },
  exists: {
    args: "'k=v k2=v2' | JSON",
    summary: 'whether a combination of parameters already has a finished run (exit 0 yes, 1 no)',
    run: (ctx) => withStore(ctx, async (store) => {
      if (!ctx.positional.length) throw new CliError("give the combination, e.g. runlens exists 'lr=0.001 batch_size=32'");
      const combo = parseCombination(ctx.positional.join(' '));
      const keys = Object.keys(combo);
      const experiment = ctx.options.get('experiment');
      const experimentId = experiment === undefined ? undefined : store.catalog.experimentIds.get(experiment) ?? -1;
      const [state] = lookupCombinations(store.catalog, keys, [combo], { experimentId, metric: ctx.options.get('metric') });
      if (ctx.json) ctx.out(JSON.stringify({ combination: combo, state: state.state, runs: state.runs.map((r) => ({ run_id: r.uid, status: r.status, metric: r.metric })) }) + '\n');
      else ctx.out(`${state.state}${state.runs.length ? ` (${state.runs.map((r) => `${r.uid.slice(0, 8)} ${r.status}`).join(', ')})` : ''}\n`);
      return state.state === 'finished' ? 0 : 1;
    }),
  },
  rebuild: {
    args: '',
    summary: 'rebuild the store from the run logs (and the edits journal)',
    run: (ctx) => withStore(ctx, async (store) => {
      const stats = await store.rebuild();
      if (ctx.json) ctx.out(JSON.stringify(stats) + '\n');
      else ctx.out(`Rebuilt from ${stats.files} run logs: ${stats.runs} runs, ${stats.points} metric points, ${stats.problems} problems.\n`);
      return 0;
    }, 'writer'),
  },
};

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 1e-3 && Math.abs(n) < 1e6 ? String(Number(n.toPrecision(4))) : n.toExponential(3);
}
