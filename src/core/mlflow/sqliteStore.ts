/**
 * Reader of MLflow's SQLite store (`mlflow.db`), with sql.js, strictly read-only: the file's bytes
 * are read into memory and the database is opened from them, so the file itself is never opened
 * for writing (nor locked) and a running MLflow is not disturbed.
 *
 * Values come out as MLflow's client returns them for this store: NaN is `is_nan = 1` (stored as
 * 0), +/-inf were stored by MLflow as +/-1.7976931348623157e308 and stay so, -0.0 was stored as 0.
 * Metric histories are ordered the way MLflow's `get_metric_history` query returns them (by
 * timestamp, then step, then value), and each metric's latest value is taken from
 * `latest_metrics`, which is what MLflow reports as `run.data.metrics`.
 */
import {
  PARENT_RUN_TAG, RUN_NAME_TAG, parseLifecycle, parseRunStatus, put, removedRuns,
  type ImportProblem, type MetricPoint, type MlflowExperiment, type MlflowRun, type MlflowSnapshot,
  type DbWatermark, type ReadOptions,
  runDigest,
} from './model';
import { TableReader, num, text, type Row } from './sqliteTables';
import { highestMetricsRowid, metricPoint, readMetricHistories, runsWithPointsAbove } from './sqliteMetrics';
import { highestRowids, onlyGrew, runsToRead, settledDigest } from './sqliteFollow';
import { openSqlite } from '../sources/sqliteFile';
import { importedArtifactFolder, listArtifactFolder } from '../artifacts/files';

/** How often a follow-up reads every run again, whatever the digests say (ReadOptions.fullEveryMs). */
const FULL_EVERY_MS = 10 * 60_000;

/** Alembic revisions whose schema this reader was checked against. */
export const KNOWN_SCHEMA_VERSIONS: Record<string, string> = { f5a4f2784254: 'MLflow 2.17.2' };

/**
 * Reads an `mlflow.db`. Throws only when `dbPath` does not exist. sql.js is loaded the one way
 * RunLens loads it (src/core/store/sqljs.ts, told where the bundled WASM is by the extension).
 */
export async function readSqliteStore(dbPath: string, options: ReadOptions = {}): Promise<MlflowSnapshot> {
  // A follow-up reads the file page by page, only what its queries need; if the file changed while
  // it was read (MLflow wrote meanwhile), it is read again whole, as a first read always is.
  if (options.previous) {
    const snapshot = await readOnce(dbPath, options, true);
    if (snapshot) return snapshot;
  }
  return (await readOnce(dbPath, options, false)) as MlflowSnapshot;
}

/** One read; undefined when read `lazy` and the file changed meanwhile. */
async function readOnce(dbPath: string, options: ReadOptions, lazy: boolean): Promise<MlflowSnapshot | undefined> {
  const problems: ImportProblem[] = [];
  const snapshot: MlflowSnapshot = {
    kind: 'mlflow-db', path: dbPath, experiments: [], runs: [], unchangedRunIds: [], removedRunIds: [],
    problems, fingerprint: { kind: 'mlflow-db', runs: {} },
  };
  const opened = await openSqlite(dbPath, problems, { lazy });
  if (!opened) return snapshot;
  const { tables } = opened;
  try {
    if (!tables.columns('experiments', true) && !tables.columns('runs', true)) {
      problems.push({ path: dbPath, message: 'no MLflow tables (experiments, runs): not an MLflow database' });
      return snapshot;
    }
    snapshot.schemaVersion = readSchemaVersion(tables);
    snapshot.experiments = readExperiments(tables);
    const previous = options.previous?.kind === 'mlflow-db' ? options.previous : undefined;
    const now = (options.now ?? Date.now)();
    const rowids = highestRowids(tables);
    // Between full reads, only the runs with new rows and the runs that were running are read,
    // unless the digest of every other run's rows says one was edited in place or deleted.
    const before = previous?.db;
    const pointsSince = previous?.metricsRowid;
    let incremental = !!before && !!rowids && pointsSince !== undefined && (highestMetricsRowid(tables) ?? -1) >= pointsSince
      && now - before.lastFull < (options.fullEveryMs ?? FULL_EVERY_MS) && onlyGrew(before.rowids, rowids)
      && settledDigest(tables, before.rowids, before.running) === before.settled;
    const withNewPoints = incremental ? runsWithPointsAbove(tables, pointsSince as number) : undefined;
    let runs = readRuns(tables, withNewPoints ? [...runsToRead(tables, before as DbWatermark, withNewPoints)] : undefined);
    if (incremental && (before as DbWatermark).running.some(id => !runs.has(id))) {
      // A running run deleted for good: its rowid may be a new run's now, which no rowid would show.
      incremental = false;
      runs = readRuns(tables);
    }
    if (incremental) Object.assign(snapshot.fingerprint.runs, previous?.runs);
    for (const run of runs.values()) {
      snapshot.fingerprint.runs[run.runId] = runDigest(run);
    }
    const history = await readMetricHistories(tables, runs, snapshot.fingerprint, previous, Object.keys(snapshot.fingerprint.runs).length,
      incremental ? withNewPoints : undefined);
    for (const run of runs.values()) {
      if (!history.readRunIds.has(run.runId)) {
        snapshot.unchangedRunIds.push(run.runId);
        continue;
      }
      finishRun(run);
      const folder = importedArtifactFolder('mlflow-db', dbPath, undefined, run.runId, run.artifactUri);
      // Artifacts MLflow logs later do not change the database: they are listed again with the run's next change.
      run.artifacts = folder.dir ? listArtifactFolder(folder.dir, problems) : [];
      snapshot.runs.push(run);
    }
    if (incremental) {
      for (const runId of Object.keys(snapshot.fingerprint.runs)) if (!runs.has(runId)) snapshot.unchangedRunIds.push(runId);
    } else {
      snapshot.removedRunIds = removedRuns(previous, runs.keys());
    }
    if (rowids && !problems.length) {
      // (A follow-up read every run that was running, or fell back to a full read: all of them are in `runs`.)
      const running: string[] = [];
      for (const run of runs.values()) if (run.status === 'RUNNING' || run.status === 'SCHEDULED') running.push(run.runId);
      const settled = settledDigest(tables, rowids, running);
      if (settled !== undefined) snapshot.fingerprint.db = { rowids, running, settled, lastFull: incremental ? (before as DbWatermark).lastFull : now };
    }
    if (problems.length) {
      // What was read from a damaged or unexpected database is not to be trusted as unchanged
      // next time: everything is read again (and its problems reported again).
      for (const runId of Object.keys(snapshot.fingerprint.runs)) snapshot.fingerprint.runs[runId] = '!' + snapshot.fingerprint.runs[runId];
    }
  } finally {
    opened.close();
  }
  return opened.unchanged() ? snapshot : undefined;
}

function readSchemaVersion(tables: TableReader): string | undefined {
  let version: string | undefined;
  const rows = tables.scan({ table: 'alembic_version', wanted: ['version_num'], required: ['version_num'] },
    row => { version = text(row[0]); });
  if (version === undefined) {
    if (rows === 0) tables.report('no alembic version recorded: read what matched MLflow\'s tables');
  } else if (!(version in KNOWN_SCHEMA_VERSIONS)) {
    const known = Object.entries(KNOWN_SCHEMA_VERSIONS).map(([v, what]) => `${v} (${what})`).join(', ');
    tables.report(`schema version ${version} is not one RunLens knows (${known}): read what matched`);
  }
  return version;
}

function readExperiments(tables: TableReader): MlflowExperiment[] {
  const experiments = new Map<string, MlflowExperiment>();
  tables.scan({
    table: 'experiments',
    wanted: ['experiment_id', 'name', 'lifecycle_stage', 'artifact_location', 'creation_time', 'last_update_time'],
    required: ['experiment_id', 'name'],
    tail: 'ORDER BY experiment_id',
  }, ([id, name, lifecycle, artifactLocation, creationTime, lastUpdateTime]) => {
    const experiment: MlflowExperiment = {
      id: text(id) ?? '',
      name: text(name) ?? '',
      lifecycle: parseLifecycle(text(lifecycle) ?? 'active') ?? 'active',
      tags: {},
    };
    if (artifactLocation !== null) experiment.artifactLocation = text(artifactLocation);
    if (num(creationTime) !== null) experiment.creationTime = num(creationTime) as number;
    if (num(lastUpdateTime) !== null) experiment.lastUpdateTime = num(lastUpdateTime) as number;
    experiments.set(experiment.id, experiment);
  });
  tables.scan({ table: 'experiment_tags', wanted: ['experiment_id', 'key', 'value'], required: ['experiment_id', 'key'], optional: true },
    ([id, key, value]) => {
      const experiment = experiments.get(text(id) ?? '');
      if (experiment) put(experiment.tags, text(key) ?? '', text(value) ?? '');
    });
  return [...experiments.values()];
}

/**
 * Every run with its params, tags and latest metric values (histories come later); with `only`,
 * just those runs, found through the indexes MLflow keeps on run_uuid.
 */
function readRuns(tables: TableReader, only?: readonly string[]): Map<string, MlflowRun> {
  const runs = new Map<string, MlflowRun>();
  const filter = only ? { where: 'WHERE run_uuid IN (SELECT value FROM json_each(?))', params: [JSON.stringify(only)] } : { where: '', params: [] };
  tables.scan({
    table: 'runs',
    wanted: ['run_uuid', 'experiment_id', 'name', 'status', 'lifecycle_stage', 'start_time', 'end_time', 'user_id', 'artifact_uri'],
    required: ['run_uuid'],
    tail: `${filter.where} ORDER BY experiment_id, start_time, run_uuid`,
    params: filter.params,
  }, ([runId, experimentId, name, status, lifecycle, startTime, endTime, userId, artifactUri]) => {
    const id = text(runId) ?? '';
    const run: MlflowRun = {
      runId: id,
      experimentId: text(experimentId) ?? '',
      name: text(name) ?? '',
      status: parseRunStatus(text(status) ?? '') ?? reportStatus(tables, id, status),
      lifecycle: parseLifecycle(text(lifecycle) ?? 'active') ?? 'active',
      startTime: num(startTime),
      endTime: num(endTime),
      params: {}, tags: {}, metrics: {}, latest: {}, lastUpdate: 0,
    };
    if (userId !== null) run.userId = text(userId);
    if (artifactUri !== null) run.artifactUri = text(artifactUri);
    runs.set(id, run);
  });
  const attach = (table: string, into: (run: MlflowRun, key: string, row: Row) => unknown, wanted: string[]) => {
    let orphans = 0;
    tables.scan({ table, wanted: ['run_uuid', 'key', ...wanted], required: ['run_uuid', 'key', ...wanted.slice(0, 1)], tail: filter.where, params: filter.params }, row => {
      const run = runs.get(text(row[0]) ?? '');
      if (run) into(run, text(row[1]) ?? '', row);
      else orphans++;
    });
    if (orphans) tables.report(`table ${table}: ${orphans} rows of runs missing from the runs table were not imported`);
  };
  attach('params', (run, key, row) => put(run.params, key, text(row[2]) ?? ''), ['value']);
  attach('tags', (run, key, row) => put(run.tags, key, text(row[2]) ?? ''), ['value']);
  attach('latest_metrics', (run, key, [, , value, timestamp, step, isNan]) => put(run.latest, key, metricPoint(value, timestamp, step, isNan)),
    ['value', 'timestamp', 'step', 'is_nan']);
  return runs;
}

function reportStatus(tables: TableReader, runId: string, status: unknown): 'RUNNING' {
  tables.report(`run ${runId}: status ${JSON.stringify(status)} is not a run status: read as RUNNING`);
  return 'RUNNING';
}

function finishRun(run: MlflowRun): void {
  if (!run.name && run.tags[RUN_NAME_TAG]) run.name = run.tags[RUN_NAME_TAG];
  if (run.tags[PARENT_RUN_TAG]) run.parentRunId = run.tags[PARENT_RUN_TAG];
  let lastUpdate = Math.max(run.startTime ?? 0, run.endTime ?? 0);
  for (const [key, history] of Object.entries(run.metrics)) {
    // Runs logged before MLflow kept latest_metrics have histories only.
    if (!Object.hasOwn(run.latest, key)) put(run.latest, key, history.latest() as MetricPoint);
    lastUpdate = Math.max(lastUpdate, history.lastTimestamp());
  }
  for (const p of Object.values(run.latest)) if (p.timestamp > lastUpdate) lastUpdate = p.timestamp;
  run.lastUpdate = lastUpdate;
}
