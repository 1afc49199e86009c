/**
 * Turning what an MLflow store holds into RunLens runs. MLflow's values are kept as its client
 * reports them for that store; a run keeps a link to where it came from (`source`), which is also
 * where its full metric histories are read from on demand (src/core/mlflow/history.ts).
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../store/catalog';
import type { StatusName } from '../store/types';
import type { MetricHistory, MlflowRun, MlflowSnapshot, RunStatus, StoreKind } from './model';

const STATUS: Record<RunStatus, StatusName> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

/** A short, stable name for a store, so the same MLflow run id in two stores stays two runs. */
export function storeKey(storePath: string): string {
  return createHash('sha1').update(storePath).digest('hex').slice(0, 8);
}

export function importedUid(storePath: string, runId: string): string {
  return `mlflow-${storeKey(storePath)}-${runId}`;
}

/**
 * `mlflow-file:/abs/mlruns#<experiment id>/<run id>`, `mlflow-db:/abs/mlflow.db#<run id>` or
 * `mlflow-server:http://host:5000#<run id>`.
 */
export function importedSource(kind: StoreKind, storePath: string, run: Pick<MlflowRun, 'experimentId' | 'runId'>): string {
  return kind === 'mlflow-file' ? `mlflow-file:${storePath}#${run.experimentId}/${run.runId}` : `${kind}:${storePath}#${run.runId}`;
}

export function parseImportedSource(source: string): { kind: StoreKind; storePath: string; experimentId?: string; runId: string } | undefined {
  const m = /^(mlflow-file|mlflow-db|mlflow-server):(.*)#(?:([^/#]+)\/)?([^/#]+)$/.exec(source);
  if (!m) return undefined;
  return { kind: m[1] as StoreKind, storePath: m[2], experimentId: m[3], runId: m[4] };
}

export interface ApplyStats { runs: number; removed: number }

/** Records a snapshot's experiments and runs in the catalog. Importing the same runs again changes nothing. */
export function applySnapshot(catalog: Catalog, snap: MlflowSnapshot): ApplyStats {
  const names = new Map(snap.experiments.map((e) => [e.id, e.name]));
  return catalog.transaction(() => {
    for (const e of snap.experiments) {
      catalog.setExperimentDeleted(e.name, e.lifecycle === 'deleted');
    }
    for (const run of snap.runs) applyRun(catalog, snap, run, names.get(run.experimentId) ?? `MLflow experiment ${run.experimentId}`);
    let removed = 0;
    for (const runId of snap.removedRunIds) {
      const id = catalog.runId(importedUid(snap.path, runId));
      if (id !== undefined) { catalog.setDeleted(id, true); removed++; }
    }
    return { runs: snap.runs.length, removed };
  });
}

function applyRun(catalog: Catalog, snap: MlflowSnapshot, run: MlflowRun, experiment: string): void {
  const t = run.tags;
  const id = catalog.upsertRun({
    uid: importedUid(snap.path, run.runId),
    experiment,
    name: run.name || null,
    parentUid: run.parentRunId ? importedUid(snap.path, run.parentRunId) : null,
    status: STATUS[run.status],
    startTime: run.startTime,
    endTime: run.endTime,
    lastUpdate: run.lastUpdate,
    scriptPath: t['mlflow.source.name'] ?? null,
    scriptSha256: null,
    git: t['mlflow.source.git.commit'] ? { commit: t['mlflow.source.git.commit'], branch: t['mlflow.source.git.branch'] ?? null, dirty: null } : null,
    host: null,
    pid: null,
    source: importedSource(snap.kind, snap.path, run),
  });
  catalog.setDeleted(id, run.lifecycle === 'deleted');
  catalog.setArtifactUri(id, run.artifactUri ?? null);
  if (run.artifacts) catalog.setArtifacts(id, run.artifacts, run.lastUpdate);
  catalog.setParams(id, run.params);
  catalog.setTags(id, run.tags);
  for (const [key, points] of Object.entries(run.metrics)) {
    catalog.setMetricSummary(id, key, summarized(points), run.latest[key]);
  }
  // A tracking server's search reports each metric's latest point only: its history is read on demand.
  for (const [key, latest] of Object.entries(run.latest)) {
    if (!Object.hasOwn(run.metrics, key)) catalog.setMetricSummary(id, key, [], latest);
  }
}

function* summarized(history: MetricHistory): Iterable<{ value: number; step: number; t: number }> {
  for (let i = 0; i < history.length; i++) yield { value: history.value(i), step: history.step(i), t: history.timestamp(i) };
}
