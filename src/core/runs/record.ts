/**
 * Where a run is recorded, from the `source` the store keeps for it: the one place that decodes
 * it, for the tree's and the details panel's "Reveal Run Log" alike. `source` comes from the
 * database, which users copy and commit, so it may only ever name a run log under `.runlens/` or
 * a store RunLens imported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseImportedSource } from '../mlflow/apply';
import { RUN_LOG_SOURCE } from '../store/history';
import { runPageUrl } from '../mlflowServer/uri';

export type RunRecord =
  | { kind: 'run-log'; file: string }
  /** The run's folder in an MLflow file store: its meta.yaml. */
  | { kind: 'mlflow-run'; file: string }
  /** An MLflow SQLite store: the run has no file of its own. */
  | { kind: 'mlflow-db'; file: string }
  /** A tracking server's run: its page in the server's UI. */
  | { kind: 'mlflow-server'; url: string }
  | { kind: 'missing'; why: string };

export function runRecord(folder: string, source: string, exists: (f: string) => boolean = fs.existsSync): RunRecord {
  if (RUN_LOG_SOURCE.test(source)) {
    const file = path.join(folder, '.runlens', source);
    return exists(file) ? { kind: 'run-log', file } : { kind: 'missing', why: `${source} is gone from .runlens/` };
  }
  const imported = parseImportedSource(source);
  if (!imported) return { kind: 'missing', why: `${source} names no run log and no imported store` };
  if (imported.kind === 'mlflow-server') return { kind: 'mlflow-server', url: runPageUrl(imported.storePath, imported.runId) };
  if (imported.kind === 'mlflow-db') return exists(imported.storePath) ? { kind: 'mlflow-db', file: imported.storePath } : { kind: 'missing', why: `${imported.storePath} is gone` };
  const file = [path.join(imported.storePath, imported.experimentId ?? '', imported.runId, 'meta.yaml'),
    path.join(imported.storePath, '.trash', imported.experimentId ?? '', imported.runId, 'meta.yaml')].find((f) => exists(f));
  return file ? { kind: 'mlflow-run', file } : { kind: 'missing', why: `the MLflow run ${imported.runId} is no longer in ${imported.storePath}` };
}
