/**
 * Following a tracking server at the cost of what changed. The reader owns its watermark: the
 * experiments followed, the highest start time seen, the runs that were running, and a digest of
 * each run as `runs/search` showed it. From that:
 *
 * - the first sync pages through `runs/search` (1,000 a page, deleted runs included);
 * - each later one asks for the runs started since the newest start seen, and for the runs that
 *   were running then (their state and latest values, whatever it is now);
 * - every `deletedEveryMs` it lists the deleted runs (usually few): deletions and restores;
 * - every `fullEveryMs` it pages through everything again and keeps only what differs from the
 *   digests: late edits (a tag on an old run, points on a finished one: a run has no "last
 *   updated" time to ask for), and runs that no start-time query finds (created with no start time).
 *
 * An experiment that appears among those followed is read whole; one deleted between two polls is
 * reported as deleted, its runs kept. Errors of the server are thrown as `ServerError`s for the
 * caller, who keeps what was synced and tries again later.
 */
import type { Lifecycle, MlflowExperiment, MlflowRun, MlflowSnapshot, StoreFingerprint } from '../mlflow/model';

export type { ServerWatermark } from '../mlflow/model';
import type { MlflowRestApi, RunSearch } from './api';
import { parseRun, runDigest } from './parse';

export interface FollowSpec {
  /** Experiment names to follow; none: every experiment. */
  experiments?: string[];
}

export interface SyncOptions {
  /** Runs per `runs/search` page: 1,000, the most a page of 2.17.2's UI asks for. */
  pageSize?: number;
  now?: () => number;
  fullEveryMs?: number;
  deletedEveryMs?: number;
  /** How far before the newest start seen to ask again (clocks of logging machines differ). */
  overlapMs?: number;
  /** Force a full pass now. */
  full?: boolean;
}

export const DEFAULT_PAGE_SIZE = 1000;
const IN_BATCH = 100;
const ORDER = ['attributes.start_time DESC'];

export async function syncServer(api: MlflowRestApi, follow: FollowSpec, previous: StoreFingerprint | undefined, opts: SyncOptions = {}): Promise<MlflowSnapshot> {
  const now = (opts.now ?? Date.now)();
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const problems: MlflowSnapshot['problems'] = [];
  const say = (message: string) => problems.push({ path: api.uri, message });
  const prev = previous?.kind === 'mlflow-server' ? previous : undefined;
  const before = prev?.server;

  const all = await api.experiments(say);
  const followed = chooseExperiments(all, follow, say);
  const ids = followed.map((e) => e.id);
  // Runs the digests know, by experiment: an experiment gone from the server keeps its runs.
  const digests: Record<string, string> = { ...(prev?.runs ?? {}) };
  const known = new Set(Object.keys(digests));
  for (const [id, e] of Object.entries(before?.experiments ?? {})) {
    if (!all.some((x) => x.id === id)) say(`experiment ${e.name} is no longer on the server; its runs stay in RunLens`);
  }

  const changed = new Map<string, MlflowRun>();
  const seen = new Set<string>();
  /** Whether each run seen in this sync is active and running. */
  const isRunning = new Map<string, boolean>();
  let maxStart = before?.maxStart ?? 0;
  const take = (raw: unknown) => {
    const run = parseRun(raw);
    if (typeof run === 'string') { say(`${run}: skipped`); return; }
    seen.add(run.runId);
    isRunning.set(run.runId, run.lifecycle === 'active' && (run.status === 'RUNNING' || run.status === 'SCHEDULED'));
    if (run.startTime !== null && run.startTime > maxStart) maxStart = run.startTime;
    const d = `${run.experimentId} ${runDigest(run)}`;
    if (digests[run.runId] !== d) changed.set(run.runId, run);
    digests[run.runId] = d;
  };
  const search = async (q: RunSearch) => {
    if (!q.experimentIds.length) return;
    for await (const page of api.searchRuns({ pageSize, ...q })) for (const raw of page) take(raw);
  };

  const full = !before || opts.full || now - before.lastFull >= (opts.fullEveryMs ?? 15 * 60_000);
  const checkDeleted = full || !before || now - before.lastDeletedCheck >= (opts.deletedEveryMs ?? 60_000);
  const removed: string[] = [];
  let deleted = new Set(before?.deleted ?? []);
  if (full) {
    await search({ experimentIds: ids, viewType: 'ALL', orderBy: ORDER });
    const followedIds = new Set(ids);
    for (const runId of known) {
      if (!seen.has(runId) && followedIds.has(digests[runId].split(' ')[0])) { removed.push(runId); delete digests[runId]; }
    }
    deleted = new Set([...seen].filter((id) => changedOrKnownLifecycle(id, changed, prev) === 'deleted'));
  } else {
    const fresh = ids.filter((id) => !before.experiments[id]);
    const old = ids.filter((id) => before.experiments[id]);
    await search({ experimentIds: fresh, viewType: 'ALL', orderBy: ORDER });
    const since = Math.max(0, before.maxStart - (opts.overlapMs ?? 0));
    await search({ experimentIds: old, viewType: 'ALL', orderBy: ORDER, filter: `attributes.start_time > ${since}` });
    const stillToAsk = before.running.filter((id) => !seen.has(id));
    await byIds(stillToAsk, old, search);
    for (const id of stillToAsk) if (!seen.has(id) && digests[id]) { removed.push(id); delete digests[id]; }
    if (checkDeleted) {
      const nowDeleted = new Set<string>();
      for await (const page of api.searchRuns({ experimentIds: old, viewType: 'DELETED_ONLY', pageSize })) {
        for (const raw of page) {
          take(raw);
          const run = parseRun(raw);
          if (typeof run !== 'string') nowDeleted.add(run.runId);
        }
      }
      // Deleted before, not now: restored (or gone; runs/search tells which).
      await byIds([...deleted].filter((id) => !nowDeleted.has(id) && !seen.has(id)), old, search);
      for (const id of deleted) if (!nowDeleted.has(id) && !seen.has(id) && digests[id]) { removed.push(id); delete digests[id]; }
      deleted = nowDeleted;
    }
    for (const r of changed.values()) if (r.lifecycle === 'deleted') deleted.add(r.runId); else deleted.delete(r.runId);
  }

  const running = new Set(before?.running ?? []);
  for (const id of removed) running.delete(id);
  for (const [id, yes] of isRunning) if (yes) running.add(id); else running.delete(id);
  if (full) for (const id of running) if (!seen.has(id)) running.delete(id);

  const experiments: Record<string, { name: string; lifecycle: Lifecycle }> = {};
  for (const e of followed) experiments[e.id] = { name: e.name, lifecycle: e.lifecycle };
  return {
    kind: 'mlflow-server',
    path: api.uri,
    experiments: followed,
    runs: [...changed.values()],
    unchangedRunIds: [],
    removedRunIds: removed,
    problems,
    fingerprint: {
      kind: 'mlflow-server',
      runs: digests,
      server: {
        experiments, maxStart, running: [...running], deleted: [...deleted],
        lastFull: full ? now : before!.lastFull,
        lastDeletedCheck: checkDeleted ? now : before!.lastDeletedCheck,
        syncedAt: now,
      },
    },
  };
}

function changedOrKnownLifecycle(id: string, changed: Map<string, MlflowRun>, prev: StoreFingerprint | undefined): Lifecycle {
  const run = changed.get(id);
  if (run) return run.lifecycle;
  return prev?.server?.deleted.includes(id) ? 'deleted' : 'active';
}

/** `attributes.run_id IN (...)`, a hundred at a time. */
async function byIds(runIds: string[], experimentIds: string[], search: (q: RunSearch) => Promise<void>): Promise<void> {
  for (let i = 0; i < runIds.length; i += IN_BATCH) {
    const list = runIds.slice(i, i + IN_BATCH).map((id) => `'${id.replace(/'/g, '')}'`).join(',');
    // At most a hundred runs: one page at the server's default size.
    await search({ experimentIds, viewType: 'ALL', filter: `attributes.run_id IN (${list})`, pageSize: undefined });
  }
}

/** The experiments to follow, in id order; names asked for that the server lacks are said. */
export function chooseExperiments(all: MlflowExperiment[], follow: FollowSpec, say: (m: string) => void): MlflowExperiment[] {
  const wanted = follow.experiments?.filter(Boolean) ?? [];
  let chosen = all;
  if (wanted.length) {
    chosen = all.filter((e) => wanted.includes(e.name));
    for (const name of wanted) if (!chosen.some((e) => e.name === name)) say(`the server has no experiment named ${name}`);
  }
  return [...chosen].sort((a, b) => compareIds(a.id, b.id));
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
