/**
 * MLflow's REST answers, read into the same picture of runs the store importers produce
 * (src/core/mlflow/model.ts). Read leniently, as a newer server's answers carry fields this one
 * does not know: unknown fields are ignored, a malformed run is reported and skipped, the rest kept.
 *
 * Numbers as a 2.17.2 server sends them: NaN as the string "NaN" (and "Infinity"/"-Infinity" where
 * a store keeps them), +/-inf as +/-1.7976931348623157e308 from a SQL store (kept so, as the
 * importer of `mlflow.db` keeps them). A run created without a start time comes back with
 * `start_time: 0`, which RunLens reads as unknown.
 */
import {
  PARENT_RUN_TAG, RUN_NAME_TAG, parseLifecycle, parseRunStatus, put,
  type MetricPoint, type MlflowExperiment, type MlflowRun,
} from '../mlflow/model';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** A JSON number as MLflow writes it: a number, or the strings "NaN", "Infinity", "-Infinity". */
export function metricValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, nan: NaN, inf: Infinity, '-inf': -Infinity };
  if (v in special) return special[v];
  const n = Number(v);
  return v.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

/** A time or step: MLflow's int64 fields come as numbers, or as strings from some encoders. */
function int(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
}

export function parseExperiment(raw: unknown): MlflowExperiment | undefined {
  if (!isObject(raw)) return undefined;
  const id = str(raw.experiment_id);
  const name = str(raw.name);
  if (id === undefined || name === undefined) return undefined;
  const e: MlflowExperiment = { id, name, lifecycle: parseLifecycle(str(raw.lifecycle_stage) ?? 'active') ?? 'active', tags: {} };
  if (str(raw.artifact_location) !== undefined) e.artifactLocation = str(raw.artifact_location);
  const created = int(raw.creation_time);
  const updated = int(raw.last_update_time);
  if (created !== null) e.creationTime = created;
  if (updated !== null) e.lastUpdateTime = updated;
  for (const t of Array.isArray(raw.tags) ? raw.tags : []) {
    if (isObject(t) && str(t.key) !== undefined) put(e.tags, str(t.key)!, str(t.value) ?? '');
  }
  return e;
}

/** A run of `runs/search` or `runs/get`; a string saying what is wrong when it cannot be read. */
export function parseRun(raw: unknown): MlflowRun | string {
  if (!isObject(raw) || !isObject(raw.info)) return 'a run without info';
  const info = raw.info;
  const runId = str(info.run_id) ?? str(info.run_uuid);
  if (!runId) return 'a run without run_id';
  const experimentId = str(info.experiment_id);
  if (experimentId === undefined) return `run ${runId} has no experiment_id`;
  const data = isObject(raw.data) ? raw.data : {};
  const params: Record<string, string> = {};
  const tags: Record<string, string> = {};
  const latest: Record<string, MetricPoint> = {};
  for (const p of Array.isArray(data.params) ? data.params : []) {
    if (isObject(p) && str(p.key) !== undefined) put(params, str(p.key)!, str(p.value) ?? '');
  }
  for (const t of Array.isArray(data.tags) ? data.tags : []) {
    if (isObject(t) && str(t.key) !== undefined) put(tags, str(t.key)!, str(t.value) ?? '');
  }
  let lastUpdate = 0;
  for (const m of Array.isArray(data.metrics) ? data.metrics : []) {
    if (!isObject(m) || str(m.key) === undefined) continue;
    const point = { step: int(m.step) ?? 0, value: metricValue(m.value) ?? NaN, timestamp: int(m.timestamp) ?? 0 };
    put(latest, str(m.key)!, point);
    lastUpdate = Math.max(lastUpdate, point.timestamp);
  }
  const start = int(info.start_time);
  const end = int(info.end_time);
  const run: MlflowRun = {
    runId,
    experimentId,
    name: str(info.run_name) || tags[RUN_NAME_TAG] || '',
    status: parseRunStatus(str(info.status) ?? '') ?? 'RUNNING',
    lifecycle: parseLifecycle(str(info.lifecycle_stage) ?? 'active') ?? 'active',
    startTime: start === 0 ? null : start,
    endTime: end === 0 ? null : end,
    params, tags, metrics: {}, latest,
    lastUpdate: Math.max(lastUpdate, start ?? 0, end ?? 0),
  };
  if (str(info.user_id) !== undefined) run.userId = str(info.user_id);
  if (str(info.artifact_uri) !== undefined) run.artifactUri = str(info.artifact_uri);
  if (tags[PARENT_RUN_TAG]) run.parentRunId = tags[PARENT_RUN_TAG];
  return run;
}

/** What a server's run is compared by between polls: the same digest the local stores use. */
export { runDigest } from '../mlflow/model';

/** Points of `metrics/get-history` (or the bulk endpoints, which add `run_id`). */
export function parsePoints(raw: unknown): MetricPoint[] {
  const list = isObject(raw) && Array.isArray(raw.metrics) ? raw.metrics : [];
  const points: MetricPoint[] = [];
  for (const m of list) {
    if (!isObject(m)) continue;
    points.push({ step: int(m.step) ?? 0, value: metricValue(m.value) ?? NaN, timestamp: int(m.timestamp) ?? 0 });
  }
  return points;
}

export function pageToken(raw: unknown): string | undefined {
  const t = isObject(raw) ? raw.next_page_token : undefined;
  return typeof t === 'string' && t ? t : undefined;
}
