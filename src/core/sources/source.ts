/**
 * The one shape of every source RunLens follows but did not log itself (an MLflow store, an Optuna
 * storage): a reader that, given the watermark its last read returned, reads what is new or
 * changed since, at a cost in proportion to that change. ImportedSources is the one scheduler
 * that follows them all; SourcePolicy the one place that decides which a workspace may follow.
 */
import type { Catalog } from '../store/catalog';
import type { ImportProblem, MetricPoint } from '../mlflow/model';

export type SourceKind = 'mlflow-file' | 'mlflow-db' | 'optuna-db' | 'optuna-journal';

export const SOURCE_KINDS: readonly SourceKind[] = ['mlflow-file', 'mlflow-db', 'optuna-db', 'optuna-journal'];

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
  /** What changed in the source at `path` since `watermark` (everything, without one). Throws only when it is missing. */
  read(kind: SourceKind, path: string, watermark: unknown): Promise<SourceRead>;
  /** The source a run's `source` column names, when the run came from one of these. */
  storageOf(runSource: string): string | undefined;
  /** A run's full metric histories, read from its source. */
  history(runSource: string): Promise<Record<string, MetricPoint[]>>;
}
