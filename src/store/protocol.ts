import type { CombinationState, ExperimentSummary, RunDetail, RunQuery, RunSummary } from '../core/store/types';
import type { JournalEvent } from '../core/store/journal';
import type { IngestStats } from '../core/store/ingest';
import type { LookupOptions } from '../core/store/queries';
import type { HistoryPoint } from '../core/store/history';
import type { TablePage, TableQuery } from '../core/store/runTable';
import type { SourceKind } from '../core/sources/source';
import type { TriedOptions, TriedValues } from '../core/store/triedValues';
import type { ServerStatus } from '../core/store/serverFollow';
import type { Credentials } from '../core/mlflowServer/credentials';

/** A tracking server the editor's settings or environment name for a folder, with how to reach it. */
export interface ServerConfig {
  uri: string;
  /** Experiment names to follow; none: all. */
  experiments?: string[];
  /** Whether the policy lets this folder contact it (sourcePolicy.mayContactServer). */
  allowed: boolean;
  /** Named by settings or the environment; otherwise by the store's journal (Connect…, `runlens import`). */
  configured: boolean;
  /** In memory only: never written to the store, a log or a message. */
  credentials?: Credentials;
  pageSize?: number;
}

/**
 * What the extension asks of the store. The store lives in a worker thread (src/store/worker.ts) so
 * that ingesting, querying and above all exporting snapshots never block the extension host.
 */
export interface StoreApi {
  experiments(includeDeleted?: boolean): ExperimentSummary[];
  runs(query: RunQuery): RunSummary[];
  countRuns(experimentId?: number, includeDeleted?: boolean, filter?: string): number;
  run(uid: string): RunDetail | undefined;
  /** Full metric histories of a run (from its run log or its MLflow store), for the panels' charts. */
  history(uid: string, keys?: string[]): Promise<Record<string, HistoryPoint[]>>;
  /** A page of the runs table (any column's order), with its total and, on request, its columns. */
  runsTable(query: TableQuery): TablePage;
  lookup(keys: string[], combinations: Record<string, unknown>[], opts: LookupOptions): CombinationState[];
  metricNames(): string[];
  /** The values a parameter was tried with, and the best run's (the hover on an Optuna `trial.suggest_*`). */
  triedValues(key: string, opts: TriedOptions): TriedValues;
  /** Which way a metric is better as its source says (an Optuna study's direction), in one experiment or in all. */
  declaredGoal(metric: string, experimentId?: number): 'maximize' | 'minimize' | undefined;
  importSource(kind: SourceKind, sourcePath: string, experiments?: string[]): Promise<{ runs: number; removed: number; problems: { path: string; message: string }[] }>;
  sources(): Record<string, { kind: SourceKind }>;
  /** Sources the workspace's own files name, outside the folder, that the user has not allowed: not read. */
  refusedSources(): { path: string; kind: SourceKind }[];
  /** The tracking servers the settings and the environment name (replacing the previous list), and how to reach them. */
  configureServers(servers: ServerConfig[]): void;
  /** The followed tracking servers and their state (synced, offline since when, needing credentials). */
  servers(): ServerStatus[];
  /** Catches up every followed source now, the tracking servers included. */
  syncSources(): Promise<void>;
  /** The user allowed this folder's store to follow a source outside it (kept in the extension's global state). */
  allowSource(sourcePath: string): Promise<void>;
  experimentId(name: string): number | undefined;
  edit(ev: JournalEvent): Promise<void>;
  refresh(): Promise<IngestStats | undefined>;
  rebuild(): Promise<IngestStats>;
  role(): 'writer' | 'reader';
  save(): Promise<void>;
}

export type Method = keyof StoreApi;

export type ToWorker =
  | { kind: 'open'; folder: string; wasm: string; pollMs: number; allowed: string[]; serverPollMs?: number }
  | { kind: 'call'; id: number; method: Method; args: unknown[] }
  | { kind: 'close' };

export type FromWorker =
  | { kind: 'opened'; role: 'writer' | 'reader' }
  | { kind: 'open-failed'; message: string }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; message: string }
  | { kind: 'changed' }
  | { kind: 'report'; level: 'problem' | 'info'; message: string }
  | { kind: 'closed' };
