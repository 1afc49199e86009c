/**
 * The one shape of every source RunLens follows but did not log itself (an MLflow store, an MLflow
 * tracking server, an Optuna storage): a reader that, given the watermark its last read returned,
 * reads what is new or changed since, at a cost in proportion to that change. ImportedSources is
 * the one scheduler that follows them all (a server on its own clock, ServerFollow); SourcePolicy
 * the one place that decides which a workspace may follow.
 */
import type { Catalog } from '../store/catalog';
import type { ImportProblem, MetricPoint } from '../mlflow/model';
import type { MlflowRestApi } from '../mlflowServer/api';
import type { ServerHistoryCache } from '../mlflowServer/history';

export type SourceKind = 'mlflow-file' | 'mlflow-db' | 'mlflow-server' | 'optuna-db' | 'optuna-journal';

/** The sources that are files or folders on this machine (a server is a URI). */
export type FileSourceKind = Exclude<SourceKind, 'mlflow-server'>;

export const FILE_SOURCE_KINDS: readonly FileSourceKind[] = ['mlflow-file', 'mlflow-db', 'optuna-db', 'optuna-journal'];

/** What a read needs besides the source and its watermark: only a tracking server needs any of it. */
export interface ReadContext {
  /** The experiments to follow, by name; none: all of them. */
  experiments?: string[];
  /** Read everything again, not only what changed since the watermark (which finds late edits). */
  full?: boolean;
  /** How to reach a tracking server (its credentials are in `api`, in memory only). */
  server?: { api: MlflowRestApi; pageSize?: number; histories: ServerHistoryCache };
}

/** What one read of a source brought. */
export interface SourceRead {
  /** Plain JSON, handed back to the next read so that it reads only what changed since. */
  watermark: unknown;
  problems: ImportProblem[];
  /** Writes what was read into the catalog: the runs written (by uid) and how many were removed. */
  apply(catalog: Catalog): { runs: number; removed: number; uids: string[] };
}

export interface SourceReader {
  /** What a person calls such a source: `MLflow store`, `Optuna storage`. */
  noun: string;
  /** The editor's command that imports one, as the palette names it. */
  command: string;
  kinds: readonly SourceKind[];
  /**
   * What changed in the source at `path` (a file, a folder, a server's URI) since `watermark`
   * (everything, without one). Throws when it is missing or cannot be reached.
   */
  read(kind: SourceKind, path: string, watermark: unknown, context?: ReadContext): Promise<SourceRead>;
  /** The source a run's `source` column names, when the run came from one of these. */
  storageOf(runSource: string): string | undefined;
  /** A run's metric histories (those of `keys`), read from its source. */
  history(runSource: string, keys: string[], context?: ReadContext): Promise<Record<string, MetricPoint[]>>;
}
