/**
 * How fast the MLflow importers read a large store: 10,000 runs x 10 params x 5 metrics x 100
 * steps (5M metric points), in each of MLflow's two stores, then the follow-up read after 100 runs
 * were added. Each figure is set against a floor measured in the same run on the same files:
 *   mlflow.db  the raw read floor: read the file, open it with sql.js and step through every row
 *              of every table the importer reads (`SELECT *`), doing nothing with them;
 *   mlruns/    read every file's bytes (readdirSync + readFileSync), parsing nothing;
 *   follow-up  a full import of the same store, which is what the follow-up saves.
 * Each figure is the median of three measurements (an import and its floor taken in turn).
 * The stores are written to a RAM disk where there is one (/dev/shm; RUNLENS_BENCH_TMP overrides),
 * so that the figures measure the importer rather than the disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileStore, setMlflowReaderWorker } from '../src/core/mlflow/fileStore';
import type { MlflowSnapshot, StoreFingerprint } from '../src/core/mlflow/model';
import { loadSqlJs, setSqlJsWasmPath } from '../src/core/store/sqljs';
import { readSqliteStore } from '../src/core/mlflow/sqliteStore';
import { MLFLOW_FIXTURE } from '../test/unit/mlflow-fixtures';
import type { Figure } from './figure';
import { median, rawReadTables, round, scratchParent, seconds } from './measure';
import { METRICS_PER_RUN, STEPS, addFileStoreRuns, addSqliteRuns, createSqliteStore, schemaSql } from './mlflow-stores';

const RUNS = 10_000;
const ADDED = 100;
const MLFLOW_TABLES = ['alembic_version', 'experiments', 'experiment_tags', 'runs', 'params', 'tags', 'latest_metrics', 'metrics'];

/** `ctx.wasm`: the sql-wasm.wasm to load (bench/run.mjs passes the packaged one). */
export async function run(ctx: { wasm?: string; root?: string } = {}): Promise<Record<string, Figure>> {
  const scratch = fs.mkdtempSync(path.join(scratchParent(), 'runlens-bench-mlflow-'));
  const dbPath = path.join(scratch, 'mlflow.db');
  const mlruns = path.join(scratch, 'mlruns');
  if (ctx.wasm) setSqlJsWasmPath(ctx.wasm);
  // As the extension's store thread reads: a large first read shares its runs with a second thread.
  if (ctx.root) setMlflowReaderWorker(path.join(ctx.root, 'dist', 'mlflowReader.js'));
  try {
    const SQL = await loadSqlJs();
    const generation = await seconds(async () => {
      createSqliteStore(SQL, schemaSql(MLFLOW_FIXTURE), dbPath, RUNS);
      addFileStoreRuns(mlruns, 0, RUNS);
    });
    const where = `${RUNS} runs, ${RUNS * METRICS_PER_RUN * STEPS / 1e6}M points, on ${path.dirname(scratch)}; generated in ${generation.toFixed(1)} s`;

    // Each import and its floor are measured in turn, REPEAT times, and the medians compared: on a
    // shared machine one measurement of several seconds can take twice as long as the next.
    const [dbFloor, dbImport, dbFingerprint] = await pairs(() => rawReadTables(SQL, dbPath, MLFLOW_TABLES), () => readSqliteStore(dbPath));
    const [mlrunsFloor, mlrunsImport, mlrunsFingerprint] = await pairs(() => rawReadFiles(mlruns), () => readFileStore(mlruns));

    addSqliteRuns(SQL, dbPath, RUNS, ADDED);
    addFileStoreRuns(mlruns, RUNS, ADDED);
    const dbFollowUp = await followUps(() => readSqliteStore(dbPath, { previous: dbFingerprint }));
    const mlrunsFollowUp = await followUps(() => readFileStore(mlruns, { previous: mlrunsFingerprint }));

    return {
      mlflow_import_db_10k_s: figure(dbImport, 's', dbFloor, `floor: read the file and SELECT * every MLflow table with sql.js; ${where}`),
      mlflow_import_db_10k_runs_per_s: figure(RUNS / dbImport, 'runs/s', RUNS / dbFloor, 'baseline: the raw read floor, in runs/s'),
      mlflow_import_mlruns_10k_s: figure(mlrunsImport, 's', mlrunsFloor, `floor: readFileSync of every file; ${where}`),
      mlflow_import_mlruns_10k_runs_per_s: figure(RUNS / mlrunsImport, 'runs/s', RUNS / mlrunsFloor, 'baseline: the raw read floor, in runs/s'),
      mlflow_followup_db_100_s: figure(dbFollowUp, 's', dbImport, `${ADDED} runs added; baseline: the full import`),
      mlflow_followup_mlruns_100_s: figure(mlrunsFollowUp, 's', mlrunsImport, `${ADDED} runs added; baseline: the full import`),
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const REPEAT = 3;

/** The median times of `floor` and `read`, measured in turn REPEAT times, and the fingerprint of the last read. */
async function pairs(floor: () => void, read: () => Promise<MlflowSnapshot>): Promise<[number, number, StoreFingerprint]> {
  const floors: number[] = [];
  const reads: number[] = [];
  let fingerprint: StoreFingerprint | undefined;
  for (let i = 0; i < REPEAT; i++) {
    floors.push(await seconds(async () => floor()));
    let snapshot: MlflowSnapshot | undefined;
    reads.push(await seconds(async () => { snapshot = await read(); }));
    fingerprint = checked(snapshot, RUNS).fingerprint;
    snapshot = undefined; // five million points: let them go before the next measurement
  }
  return [median(floors), median(reads), fingerprint as StoreFingerprint];
}

/** The median time of the same follow-up read, REPEAT times (each reads what the first did). */
async function followUps(read: () => Promise<MlflowSnapshot>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    let snapshot: MlflowSnapshot | undefined;
    times.push(await seconds(async () => { snapshot = await read(); }));
    checked(snapshot, ADDED);
  }
  return median(times);
}

function figure(value: number, unit: string, baseline: number, note: string): Figure {
  return { value: round(value), unit, baseline: round(baseline), ratio: round(value / baseline), note };
}

/** A benchmark that read nothing would be fast: make sure each read read what it should. */
function checked(snapshot: MlflowSnapshot | undefined, runs: number): MlflowSnapshot {
  if (!snapshot || snapshot.runs.length !== runs || snapshot.problems.length) {
    throw new Error(`expected ${runs} runs read without problems, got ${snapshot?.runs.length} (${JSON.stringify(snapshot?.problems.slice(0, 3))})`);
  }
  const points = snapshot.runs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, h) => m + h.length, 0), 0);
  if (points !== runs * METRICS_PER_RUN * STEPS) throw new Error(`expected ${runs * METRICS_PER_RUN * STEPS} points, got ${points}`);
  return snapshot;
}

function rawReadFiles(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) rawReadFiles(full);
    else fs.readFileSync(full);
  }
}
