/**
 * Synthetic MLflow stores for the import benchmark: the same runs written both ways MLflow 2.17.2
 * writes them, an `mlflow.db` (created from the real schema, sqlite-schema.sql, with sql.js) and
 * an `mlruns/` folder. Each run has 10 params, 5 tags, and 5 metrics logged together at each of
 * 100 steps, as a training loop logs them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';

export const PARAMS_PER_RUN = 10;
export const METRICS_PER_RUN = 5;
export const STEPS = 100;
export const METRIC_KEYS = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'learning_rate'].slice(0, METRICS_PER_RUN);
const EXPERIMENT_ID = '1';
const T0 = 1_795_000_000_000;

export interface SyntheticRun {
  id: string;
  name: string;
  start: number;
  end: number;
  params: [string, string][];
  tags: [string, string][];
  /** Per step, per metric key: [timestamp, value]. */
  point(step: number, metric: number): [number, number];
}

export function syntheticRun(index: number): SyntheticRun {
  const start = T0 + index * 10_000;
  const name = `run-${index}`;
  return {
    id: index.toString(16).padStart(32, '0'),
    name,
    start,
    end: start + STEPS * 10 + 5,
    params: Array.from({ length: PARAMS_PER_RUN }, (_, p) => [`param_${p}`, p === 0 ? String(10 ** -(index % 5)) : `${(index * 7 + p) % 97}`]),
    tags: [['mlflow.runName', name], ['mlflow.user', 'bench'], ['mlflow.source.name', 'train.py'],
      ['mlflow.source.type', 'LOCAL'], ['team', `team-${index % 4}`]],
    point: (step, metric) => [start + step * 10 + 1, ((index * 7919 + step * 104729 + metric * 31) % 1000) / 1000 + metric],
  };
}

/** Creates `dbPath` holding runs [0, count), from MLflow's own schema. */
export function createSqliteStore(SQL: SqlJsStatic, schemaSql: string, dbPath: string, count: number): void {
  const db = new SQL.Database();
  db.run(schemaSql);
  db.run(`INSERT INTO alembic_version VALUES ('f5a4f2784254');
    INSERT INTO experiments VALUES (0, 'Default', '/bench/mlruns/0', 'active', ${T0}, ${T0});
    INSERT INTO experiments VALUES (${EXPERIMENT_ID}, 'bench', '/bench/mlruns/${EXPERIMENT_ID}', 'active', ${T0}, ${T0});`);
  insertRuns(db, 0, count);
  save(db, dbPath);
}

/** Adds runs [from, from + count) to the database at `dbPath`, as MLflow would log them. */
export function addSqliteRuns(SQL: SqlJsStatic, dbPath: string, from: number, count: number): void {
  const db = new SQL.Database(fs.readFileSync(dbPath));
  insertRuns(db, from, count);
  save(db, dbPath);
}

function save(db: Database, dbPath: string): void {
  fs.writeFileSync(dbPath, db.export());
  db.close();
}

/** Runs logged the way MLflow logs them: a run's points arrive step by step, all metrics at each. */
function insertRuns(db: Database, from: number, count: number): void {
  const insertRun = db.prepare(`INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,
    user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
    VALUES (?, ?, 'UNKNOWN', '', '', 'bench', 'FINISHED', ?, ?, '', 'active', ?, ${EXPERIMENT_ID})`);
  const insertParam = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertTag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertMetric = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
  const insertLatest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)');
  db.run('BEGIN');
  for (let i = from; i < from + count; i++) {
    const run = syntheticRun(i);
    insertRun.run([run.id, run.name, run.start, run.end, `/bench/mlruns/${EXPERIMENT_ID}/${run.id}/artifacts`]);
    for (const [key, value] of run.params) insertParam.run([key, value, run.id]);
    for (const [key, value] of run.tags) insertTag.run([key, value, run.id]);
    for (let step = 0; step < STEPS; step++) {
      METRIC_KEYS.forEach((key, m) => {
        const [timestamp, value] = run.point(step, m);
        insertMetric.run([key, value, timestamp, run.id, step]);
      });
    }
    METRIC_KEYS.forEach((key, m) => {
      const [timestamp, value] = run.point(STEPS - 1, m);
      insertLatest.run([key, value, timestamp, STEPS - 1, run.id]);
    });
  }
  db.run('COMMIT');
  for (const statement of [insertRun, insertParam, insertTag, insertMetric, insertLatest]) statement.free();
}

/** Writes runs [from, from + count) into `mlruns` as MLflow's file store lays them out. */
export function addFileStoreRuns(mlruns: string, from: number, count: number): void {
  const experiment = path.join(mlruns, EXPERIMENT_ID);
  if (from === 0) {
    fs.mkdirSync(path.join(mlruns, '.trash'), { recursive: true });
    fs.mkdirSync(experiment, { recursive: true });
    fs.writeFileSync(path.join(experiment, 'meta.yaml'), [
      `artifact_location: file:///bench/mlruns/${EXPERIMENT_ID}`, `creation_time: ${T0}`,
      `experiment_id: '${EXPERIMENT_ID}'`, `last_update_time: ${T0}`, 'lifecycle_stage: active', 'name: bench', ''].join('\n'));
  }
  for (let i = from; i < from + count; i++) {
    const run = syntheticRun(i);
    const dir = path.join(experiment, run.id);
    fs.mkdirSync(dir);
    for (const part of ['params', 'tags', 'metrics']) fs.mkdirSync(path.join(dir, part));
    fs.writeFileSync(path.join(dir, 'meta.yaml'), [
      `artifact_uri: file:///bench/mlruns/${EXPERIMENT_ID}/${run.id}/artifacts`, `end_time: ${run.end}`,
      "entry_point_name: ''", `experiment_id: '${EXPERIMENT_ID}'`, 'lifecycle_stage: active', `run_id: ${run.id}`,
      `run_name: ${run.name}`, `run_uuid: ${run.id}`, "source_name: ''", 'source_type: 4', "source_version: ''",
      `start_time: ${run.start}`, 'status: 3', 'tags: []', 'user_id: bench', ''].join('\n'));
    for (const [key, value] of run.params) fs.writeFileSync(path.join(dir, 'params', key), value);
    for (const [key, value] of run.tags) fs.writeFileSync(path.join(dir, 'tags', key), value);
    METRIC_KEYS.forEach((key, m) => {
      let lines = '';
      for (let step = 0; step < STEPS; step++) {
        const [timestamp, value] = run.point(step, m);
        lines += `${timestamp} ${value} ${step}\n`;
      }
      fs.writeFileSync(path.join(dir, 'metrics', key), lines);
    });
  }
}

export function schemaSql(fixture: string): string {
  return fs.readFileSync(path.join(fixture, 'sqlite-schema.sql'), 'utf8');
}
