// MLflow stores with artifacts, for the tests of imported runs' artifacts (unit, integration, UI).
//
// The shared MLflow 2.17.2 fixture (shared/fixtures/mlflow-2.17.2) holds runs but no artifact
// files. This copies its mlruns/ and mlflow.db into a folder and gives three tune-mlp runs of
// each store artifacts laid out as MLflow 2.17.2 lays them out: in the file store under
// mlruns/<experiment id>/<run id>/artifacts/, and for mlflow.db under a local artifact root
// (sqlite-artifact-root/<experiment id>/<run id>/artifacts/, which the copied database's
// runs.artifact_uri is pointed at, as `mlflow server --default-artifact-root` would have).
// summary.json and data/metrics.csv of the first run are the bytes a real MLflow 2.17.2 client
// uploaded in the fixture's recorded REST traffic (rest/173, rest/174); the confusion matrices
// are drawn here, one per run, so that runs compared side by side differ.
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

/** The tune-mlp runs that get artifacts, by name (the same names in both stores). */
export const RUNS_WITH_ARTIFACTS = ['lr0.0003-bs128-adamw', 'lr0.003-bs128-rmsprop', 'lr0.03-bs128-adamw'];
export const ARTIFACT_PATHS = ['data/metrics.csv', 'plots/confusion_matrix.png', 'summary.json'];

function recorded(fixture, name) {
  const request = JSON.parse(fs.readFileSync(path.join(fixture, 'rest', name), 'utf8'));
  return request.body_kind === 'json' ? Buffer.from(JSON.stringify(request.body)) : Buffer.from(request.body, request.body_kind === 'base64' ? 'base64' : 'utf8');
}

/** The files of run `i` (0, 1, 2 of RUNS_WITH_ARTIFACTS). */
export function artifactFiles(fixture, i) {
  const csv = i === 0 ? recorded(fixture, '173-artifacts-put-data-metrics-csv.request.json')
    : Buffer.from(`step,loss\n${[0, 250, 500, 750, 1000].map((s) => `${s},${(2 / (1 + s / (100 * (i + 1)))).toFixed(6)}`).join('\n')}\n`);
  return {
    'data/metrics.csv': csv,
    'plots/confusion_matrix.png': confusionMatrixPng(i),
    'summary.json': recorded(fixture, '174-artifacts-put-summary-json.request.json'),
  };
}

function write(dir, files) {
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
}

/**
 * Copies the fixture's stores into `into` (mlruns/, mlflow.db) with artifacts; returns where the
 * artifacts went, by store and run name. `SQL` is sql.js, loaded (`await initSqlJs()`).
 * With `only`, the copies keep just the three runs with artifacts, in an experiment renamed
 * `only` (tests that share a workspace with other MLflow imports count no run twice).
 */
export function mlflowStoresWithArtifacts(fixture, into, SQL, only) {
  fs.mkdirSync(into, { recursive: true });
  fs.cpSync(path.join(fixture, 'mlruns'), path.join(into, 'mlruns'), { recursive: true });
  const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8')).stores;
  const made = { file: {}, sqlite: {} };
  RUNS_WITH_ARTIFACTS.forEach((name, i) => {
    const run = expected.file.runs.find((r) => r.run_name === name);
    const dir = path.join(into, 'mlruns', run.experiment_id, run.run_id, 'artifacts');
    write(dir, artifactFiles(fixture, i));
    made.file[name] = { runId: run.run_id, dir };
  });
  if (only) {
    const keep = new Set(Object.values(made.file).map((m) => m.runId));
    const experimentId = expected.file.runs.find((r) => r.run_name === RUNS_WITH_ARTIFACTS[0]).experiment_id;
    const root = path.join(into, 'mlruns');
    for (const entry of fs.readdirSync(root)) {
      if (entry !== experimentId) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
    }
    for (const entry of fs.readdirSync(path.join(root, experimentId))) {
      if (/^[0-9a-f]{32}$/.test(entry) && !keep.has(entry)) fs.rmSync(path.join(root, experimentId, entry), { recursive: true, force: true });
    }
    const meta = path.join(root, experimentId, 'meta.yaml');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace(/^name: .*$/m, `name: ${only}`));
  }
  // mlflow.db: its copy's artifact_uri points at a local artifact root next to it.
  const db = new SQL.Database(fs.readFileSync(path.join(fixture, 'mlflow.db')));
  try {
    RUNS_WITH_ARTIFACTS.forEach((name, i) => {
      const run = expected.sqlite.runs.find((r) => r.run_name === name);
      const dir = path.join(into, 'sqlite-artifact-root', run.experiment_id, run.run_id, 'artifacts');
      write(dir, artifactFiles(fixture, i));
      db.run('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?', [dir, run.run_id]);
      made.sqlite[name] = { runId: run.run_id, dir };
    });
    if (only) {
      const ids = Object.values(made.sqlite).map((m) => m.runId);
      const marks = ids.map(() => '?').join(',');
      for (const table of ['params', 'tags', 'metrics', 'latest_metrics', 'runs']) db.run(`DELETE FROM ${table} WHERE run_uuid NOT IN (${marks})`, ids);
      db.run(`DELETE FROM experiment_tags WHERE experiment_id NOT IN (SELECT experiment_id FROM runs)`);
      db.run(`DELETE FROM experiments WHERE experiment_id NOT IN (SELECT experiment_id FROM runs)`);
      db.run('UPDATE experiments SET name = ?', [only]);
    }
    fs.writeFileSync(path.join(into, 'mlflow.db'), db.export());
  } finally {
    db.close();
  }
  return made;
}

/** A 3-class normalised confusion matrix as a 150x150 PNG (blues, darker for more), one per run. */
export function confusionMatrixPng(i) {
  const diag = [0.62, 0.81, 0.93][i % 3];
  const off = (1 - diag) / 2;
  const cell = 50;
  const size = cell * 3;
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const r = Math.floor(y / cell);
      const c = Math.floor(x / cell);
      const v = r === c ? diag : off * (1 + ((r + c) % 2) * 0.4);
      const border = x % cell === 0 || y % cell === 0;
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = border ? 255 : Math.round(247 - v * 239);
      raw[o + 1] = border ? 255 : Math.round(251 - v * 203);
      raw[o + 2] = border ? 255 : Math.round(255 - v * 148);
    }
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
