/**
 * What the MLflow importers produce: a neutral picture of an MLflow store, the same shape for the
 * file store (`mlruns/`), the SQLite store (`mlflow.db`) and a tracking server, holding values exactly as MLflow's own
 * client returns them for that store (so the SQLite store's +/-inf arrive as +/-1.797e308, as
 * MLflow reports them there). Turning this into RunLens runs is the caller's business.
 */

import { createHash } from 'node:crypto';
import type { ArtifactEntry } from '../store/types';
import type { MetricHistory, MetricPoint } from './metricHistory';

export { MetricHistory, type MetricPoint } from './metricHistory';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type Lifecycle = 'active' | 'deleted';
export type StoreKind = 'mlflow-file' | 'mlflow-db' | 'mlflow-server';

export interface MlflowExperiment {
  id: string;
  name: string;
  lifecycle: Lifecycle;
  artifactLocation?: string;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

export interface MlflowRun {
  runId: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  lifecycle: Lifecycle;
  startTime: number | null;
  endTime: number | null;
  userId?: string;
  artifactUri?: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Full history of each metric, in the order MLflow's `get_metric_history` returns it. */
  metrics: Record<string, MetricHistory>;
  /** Each metric's latest point as MLflow reports it (`run.data.metrics`). */
  latest: Record<string, MetricPoint>;
  /** From the `mlflow.parentRunId` tag. */
  parentRunId?: string;
  /** ms: the latest of start and end time, metric timestamps and (file store) file mtimes. */
  lastUpdate: number;
  /** The files of its artifact location, when that is a folder on this machine (MLflow keeps no list). */
  artifacts?: ArtifactEntry[];
}

export interface ImportProblem {
  /** The file (or `file:line`, or the database path) the problem was found in. */
  path: string;
  message: string;
}

/**
 * What to pass back to the next read of the same store so that it re-reads only what changed.
 * Plain JSON, so a caller may persist it.
 */
export interface StoreFingerprint {
  kind: StoreKind;
  /** Per run id, a digest of everything that changes when the run changes. */
  runs: Record<string, string>;
  /** SQLite only: the highest `metrics` rowid seen; points logged later have higher rowids. */
  metricsRowid?: number;
  /** A tracking server only: what its reader remembers (src/core/mlflowServer/sync.ts). */
  server?: ServerWatermark;
  /**
   * File store only: each experiment folder's mtime (a run created in it changes it), the folders
   * of the runs that were running (relative to the store), and when the last full read was.
   */
  folders?: Record<string, number>;
  running?: string[];
  lastFull?: number;
  /** SQLite only: what a follow-up compares to read only the runs that changed (src/core/mlflow/sqliteFollow.ts). */
  db?: DbWatermark;
}

/**
 * What the reader of an `mlflow.db` remembers between two reads: the highest rowid of each table
 * MLflow appends to (new rows, so new runs, params, tags and latest values, are found above it),
 * the runs that were running or scheduled (read again each time), a digest of the rows of runs and
 * tags of every other run (a late edit in place, a deletion, shows as a different digest), and when
 * everything was last read.
 */
export interface DbWatermark {
  rowids: { runs: number; params: number; tags: number; latest_metrics: number };
  running: string[];
  settled: string;
  lastFull: number;
}

/** What the reader of a tracking server remembers between two syncs (src/core/mlflowServer/sync.ts). */
export interface ServerWatermark {
  /** The followed experiments by id, as last seen. */
  experiments: Record<string, { name: string; lifecycle: Lifecycle }>;
  /** The highest start time among the runs seen (ms, the server's). */
  maxStart: number;
  /** Runs that were active and running at the last sync. */
  running: string[];
  /** Runs that were deleted at the last sync. */
  deleted: string[];
  /** When (this machine's clock) the last full pass and the last check of deletions were. */
  lastFull: number;
  lastDeletedCheck: number;
  /** When the last sync that reached the server began. */
  syncedAt: number;
}

export interface MlflowSnapshot {
  kind: StoreKind;
  path: string;
  /** Every experiment of the store, on every read. */
  experiments: MlflowExperiment[];
  /** The runs read in this pass: all of them, or on a follow-up read the new and changed ones. */
  runs: MlflowRun[];
  /** Follow-up read: runs that did not change since `previous` and were not read again. */
  unchangedRunIds: string[];
  /** Follow-up read: runs of `previous` that are gone from the store. */
  removedRunIds: string[];
  problems: ImportProblem[];
  /** SQLite: the alembic version of the schema. */
  schemaVersion?: string;
  fingerprint: StoreFingerprint;
}

/** Options common to both readers. */
export interface ReadOptions {
  /** The fingerprint of an earlier read of the same store: unchanged runs are skipped. */
  previous?: StoreFingerprint;
  /**
   * How often a follow-up read looks at every run: for a file store, to find late edits of ended
   * runs and deletions (in between it reads only new runs and the runs that were running); for an
   * `mlflow.db`, which finds those between times too, as a safety net. 0: every time.
   */
  fullEveryMs?: number;
  now?: () => number;
}

const STATUS_BY_NUMBER: Record<string, RunStatus> = {
  '1': 'RUNNING', '2': 'SCHEDULED', '3': 'FINISHED', '4': 'FAILED', '5': 'KILLED',
};
const STATUS_NAMES = new Set<string>(Object.values(STATUS_BY_NUMBER));

/** A status as either store writes it (integer enum in `meta.yaml`, name in SQLite). */
export function parseRunStatus(raw: string): RunStatus | undefined {
  if (STATUS_NAMES.has(raw)) return raw as RunStatus;
  return STATUS_BY_NUMBER[raw];
}

export function parseLifecycle(raw: string): Lifecycle | undefined {
  return raw === 'active' || raw === 'deleted' ? raw : undefined;
}

export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const RUN_NAME_TAG = 'mlflow.runName';

/**
 * Sets `record[key]`, also when the key is `__proto__` (a valid MLflow key, which a plain
 * assignment would silently drop).
 */
export function put<T>(record: Record<string, T>, key: string, value: T): T {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
  return value;
}

/** The runs of `previous` that neither this read nor its skip list mention. */
export function removedRuns(previous: StoreFingerprint | undefined, present: Iterable<string>): string[] {
  if (!previous) return [];
  const seen = new Set(present);
  return Object.keys(previous.runs).filter(id => !seen.has(id));
}

/** A short digest of strings: enough to notice that any of them changed. */
export function digest(parts: readonly string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('base64').slice(0, 16);
}

/**
 * Everything that changes when MLflow changes a run, short of its metric histories: what a store's
 * or a server's reader compares to tell a changed run from one it already has. Sorted, so the order
 * rows come back in (which a VACUUM, or a server, may change) does not matter.
 */
export function runDigest(run: MlflowRun): string {
  const parts = [run.experimentId, run.name, run.status, run.lifecycle, String(run.startTime), String(run.endTime)];
  for (const key of Object.keys(run.params).sort()) parts.push('p', key, run.params[key]);
  for (const key of Object.keys(run.tags).sort()) parts.push('t', key, run.tags[key]);
  for (const key of Object.keys(run.latest).sort()) {
    const p = run.latest[key];
    parts.push('m', key, String(p.step), String(p.timestamp), String(p.value));
  }
  return digest(parts);
}
