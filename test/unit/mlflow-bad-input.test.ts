import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileStore } from '../../src/core/mlflow/fileStore';
import type { ImportProblem, MlflowSnapshot } from '../../src/core/mlflow/model';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { readSqliteStore } from '../../src/core/mlflow/sqliteStore';
import {
  FIXTURE_DB, FIXTURE_MLRUNS, assertRunMatches, expectedStores, fixtureKey, removeScratch,
  scratchCopy,
} from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

const expected = expectedStores();

/** The problems whose path and message match, so a test names the problem it expects. */
function problemsAbout(snapshot: MlflowSnapshot, pathPart: string, message: RegExp): ImportProblem[] {
  return snapshot.problems.filter(p => p.path.includes(pathPart) && message.test(p.message));
}

describe('MLflow SQLite store, damaged or unexpected', () => {
  let scratch: string;
  let db: string;
  beforeEach(() => {
    scratch = tempWorkspace();
    db = scratchCopy(FIXTURE_DB, scratch);
  });
  afterEach(() => removeScratch(scratch));

  async function alter(sql: string): Promise<void> {
    const SQL = await loadSqlJs();
    const database = new SQL.Database(fs.readFileSync(db));
    database.run(sql);
    fs.writeFileSync(db, database.export());
    database.close();
  }

  it('reads what survives of a database cut off at three quarters, and names what did not', async () => {
    const bytes = fs.readFileSync(db);
    fs.writeFileSync(db, bytes.subarray(0, Math.floor(bytes.length * 0.75)));
    const snapshot = await readSqliteStore(db);
    assert.equal(snapshot.experiments.length, 4);
    assert.equal(snapshot.runs.length, 24);
    assert.equal(snapshot.runs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, h) => m + h.length, 0), 0), 649);
    assert.equal(problemsAbout(snapshot, db, /^table params: database disk image is malformed/).length, 1);
    assert.equal(problemsAbout(snapshot, db, /^table tags: database disk image is malformed/).length, 1);
  });

  it('reports a database cut off at half, without throwing', async () => {
    const bytes = fs.readFileSync(db);
    fs.writeFileSync(db, bytes.subarray(0, bytes.length >> 1));
    const snapshot = await readSqliteStore(db);
    assert.ok(snapshot.problems.length > 0);
    assert.ok(snapshot.problems.every(p => p.path === db));
    assert.equal(problemsAbout(snapshot, db, /^table runs: database disk image is malformed/).length, 1);
  });

  it('reports a file that is not a database at all', async () => {
    fs.writeFileSync(db, 'runs,params\n1,2\n');
    const snapshot = await readSqliteStore(db);
    assert.deepEqual(snapshot.problems, [{ path: db, message: 'not an SQLite database (no SQLite header)' }]);
    assert.deepEqual([snapshot.experiments, snapshot.runs], [[], []]);
  });

  it('reports an SQLite database without MLflow\'s tables', async () => {
    fs.writeFileSync(db, '');
    const snapshot = await readSqliteStore(db);
    assert.equal(problemsAbout(snapshot, db, /no MLflow tables/).length, 1);
  });

  it('reads a schema version it does not know, naming the version', async () => {
    await alter(`UPDATE alembic_version SET version_num = 'abc123def456'`);
    const snapshot = await readSqliteStore(db);
    assert.equal(snapshot.schemaVersion, 'abc123def456');
    assert.equal(problemsAbout(snapshot, db, /schema version abc123def456 is not one RunLens knows/).length, 1);
    assert.equal(snapshot.problems.length, 1);
    for (const run of expected.sqlite.runs) {
      assertRunMatches(snapshot.runs.find(r => fixtureKey(r) === fixtureKey(run)) as never, run);
    }
  });

  it('reads a schema with a column gone and one added, as another MLflow version might have', async () => {
    await alter('ALTER TABLE runs DROP COLUMN user_id; ALTER TABLE runs ADD COLUMN future TEXT');
    const snapshot = await readSqliteStore(db);
    assert.deepEqual(snapshot.problems, []);
    assert.equal(snapshot.runs.length, 24);
    assert.ok(snapshot.runs.every(r => r.userId === undefined));
  });

  it('takes latest values from the histories when latest_metrics is gone', async () => {
    await alter('DROP TABLE latest_metrics');
    const snapshot = await readSqliteStore(db);
    assert.equal(problemsAbout(snapshot, db, /table latest_metrics is missing/).length, 1);
    for (const run of expected.sqlite.runs) {
      assertRunMatches(snapshot.runs.find(r => fixtureKey(r) === fixtureKey(run)) as never, run);
    }
  });

  it('keeps a parameter named __proto__', async () => {
    const run = expected.sqlite.runs.find(r => r.fixture_id === 'Default/01');
    await alter(`INSERT INTO params (key, value, run_uuid) VALUES ('__proto__', 'kept', '${run?.run_id}')`);
    const snapshot = await readSqliteStore(db);
    assert.equal(Object.getOwnPropertyDescriptor(snapshot.runs.find(r => r.runId === run?.run_id)?.params, '__proto__')?.value, 'kept');
  });

  it('warns that changes still in a WAL file are not imported', async () => {
    fs.writeFileSync(db + '-wal', 'pending');
    const snapshot = await readSqliteStore(db);
    assert.equal(problemsAbout(snapshot, db + '-wal', /not yet checkpointed/).length, 1);
    assert.equal(snapshot.runs.length, 24);
  });

  it('reports a folder where the database should be', async () => {
    const folder = path.join(scratch, 'folder.db');
    fs.mkdirSync(folder);
    assert.deepEqual((await readSqliteStore(folder)).problems, [{ path: folder, message: 'not a file' }]);
  });

  it('throws only for a database that does not exist', async () => {
    await assert.rejects(readSqliteStore(path.join(scratch, 'nowhere.db')), { code: 'ENOENT' });
  });
});

describe('MLflow file store, damaged or unexpected', () => {
  let scratch: string;
  let mlruns: string;
  let clean: MlflowSnapshot;
  before(async () => { clean = await readFileStore(FIXTURE_MLRUNS); });
  beforeEach(() => {
    scratch = tempWorkspace();
    mlruns = scratchCopy(FIXTURE_MLRUNS, scratch);
  });
  afterEach(() => removeScratch(scratch));

  /** The folder of a fixture run in the scratch copy. */
  function runFolder(fixtureId: string): string {
    const run = clean.runs.find(r => r.tags.fixture_id === fixtureId);
    assert.ok(run);
    const parent = fs.existsSync(path.join(mlruns, run.experimentId)) ? mlruns : path.join(mlruns, '.trash');
    return path.join(parent, run.experimentId, run.runId);
  }
  const runOf = (snapshot: MlflowSnapshot, fixtureId: string) => snapshot.runs.find(r => r.tags.fixture_id === fixtureId);

  it('skips a garbage metric line, reporting file and line, and keeps the other points', async () => {
    const loss = path.join(runFolder('tune-mlp/00'), 'metrics', 'loss');
    const lines = fs.readFileSync(loss, 'utf8').split('\n');
    lines.splice(2, 0, '17957449 not-a-number 3', '\u0000\u0001garbage');
    fs.writeFileSync(loss, lines.join('\n'));
    const snapshot = await readFileStore(mlruns);
    assert.deepEqual(snapshot.problems.map(p => p.path), [`${loss}:3`, `${loss}:4`]);
    assert.equal(runOf(snapshot, 'tune-mlp/00')?.metrics.loss.length, lines.length - 3);
    assert.equal(snapshot.runs.length, 24);
  });

  it('reports a parameter that is an empty folder, and keeps the other parameters', async () => {
    const params = path.join(runFolder('tune-mlp/01'), 'params');
    fs.mkdirSync(path.join(params, 'dropout'));
    const snapshot = await readFileStore(mlruns);
    assert.equal(problemsAbout(snapshot, path.join(params, 'dropout'), /folder where a value file was expected/).length, 1);
    assert.equal(snapshot.problems.length, 1);
    assert.deepEqual(Object.keys(runOf(snapshot, 'tune-mlp/01')?.params ?? {}).sort(),
      ['batch_size', 'epochs', 'learning_rate', 'optimizer', 'seed']);
  });

  it('reads a run whose meta.yaml lacks fields, saying which and what it assumed', async () => {
    const meta = path.join(runFolder('Default/01'), 'meta.yaml');
    const kept = fs.readFileSync(meta, 'utf8').split('\n')
      .filter(line => !/^(status|lifecycle_stage|run_id|run_uuid|experiment_id|start_time):/.test(line));
    fs.writeFileSync(meta, [...kept, 'surprise: [1, 2]', 'start_time: yesterday'].join('\n'));
    const snapshot = await readFileStore(mlruns);
    const run = runOf(snapshot, 'Default/01');
    assert.ok(run);
    assert.deepEqual([run.status, run.lifecycle, run.experimentId, run.startTime], ['RUNNING', 'active', '0', null]);
    assert.deepEqual(snapshot.problems.filter(p => p.path === meta).map(p => p.message), [
      `field 'run_id' is missing: read as ${path.basename(path.dirname(meta))}, the folder's name`,
      "field 'experiment_id' is missing: read as 0, the folder's name",
      "field 'start_time' is not an integer: \"yesterday\"",
      "field 'status' is missing: read as RUNNING",
      "field 'lifecycle_stage' is missing: read as active",
    ]);
  });

  it('skips a run whose meta.yaml is not YAML, and reads all the others', async () => {
    const meta = path.join(runFolder('edge-cases/parent'), 'meta.yaml');
    fs.writeFileSync(meta, 'run_id: [unclosed\n  status: 3\n');
    const snapshot = await readFileStore(mlruns);
    assert.equal(problemsAbout(snapshot, meta, /^not valid YAML/).length, 1);
    assert.equal(snapshot.runs.length, 23);
  });

  it('reports a run folder without meta.yaml, but not a stray folder without run data', async () => {
    const folder = runFolder('edge-cases/child-a');
    fs.rmSync(path.join(folder, 'meta.yaml'));
    fs.mkdirSync(path.join(mlruns, '0', 'artifacts-of-something'));
    const snapshot = await readFileStore(mlruns);
    assert.deepEqual(snapshot.problems, [{ path: path.join(folder, 'meta.yaml'), message: 'missing or not a file: the run in this folder is not imported' }]);
    assert.equal(snapshot.runs.length, 23);
  });

  it('reports an experiment folder without meta.yaml', async () => {
    const experiment = path.dirname(runFolder('Default/01'));
    fs.rmSync(path.join(experiment, 'meta.yaml'));
    const snapshot = await readFileStore(mlruns);
    assert.deepEqual(snapshot.problems, [{ path: experiment, message: 'folder without meta.yaml: not read as an experiment' }]);
    assert.deepEqual([snapshot.experiments.length, snapshot.runs.length], [3, 22]);
  });

  it('reports a file it cannot read, and reads the rest of the run', async () => {
    const tag = path.join(runFolder('Default/02'), 'tags', 'broken');
    fs.symlinkSync(path.join(scratch, 'gone'), tag); // a link to nothing: unreadable even by root
    const snapshot = await readFileStore(mlruns);
    assert.equal(problemsAbout(snapshot, tag, /^unreadable: ENOENT/).length, 1);
    assert.deepEqual(runOf(snapshot, 'Default/02')?.tags, expected.file.runs.find(r => r.fixture_id === 'Default/02')?.tags);
  });

  it('reports a file without read permission', async function () {
    if (process.getuid?.() === 0) this.skip(); // root reads everything
    const param = path.join(runFolder('Default/02'), 'params', 'alpha');
    fs.chmodSync(param, 0);
    const snapshot = await readFileStore(mlruns);
    assert.equal(problemsAbout(snapshot, param, /^unreadable: EACCES/).length, 1);
  });

  it('reads a value that is not UTF-8 with replacement characters, and says so', async () => {
    const param = path.join(runFolder('Default/02'), 'params', 'alpha');
    fs.writeFileSync(param, Buffer.from([0x30, 0x2e, 0xff, 0x35]));
    const snapshot = await readFileStore(mlruns);
    assert.equal(runOf(snapshot, 'Default/02')?.params.alpha, '0.\ufffd5');
    assert.equal(problemsAbout(snapshot, param, /not valid UTF-8/).length, 1);
  });

  it('keeps a parameter named __proto__', async () => {
    fs.writeFileSync(path.join(runFolder('Default/02'), 'params', '__proto__'), 'kept');
    const snapshot = await readFileStore(mlruns);
    assert.equal(Object.getOwnPropertyDescriptor(runOf(snapshot, 'Default/02')?.params, '__proto__')?.value, 'kept');
  });

  it('reports an empty metric file', async () => {
    const score = path.join(runFolder('Default/02'), 'metrics', 'score');
    fs.writeFileSync(score, '');
    const snapshot = await readFileStore(mlruns);
    assert.deepEqual(snapshot.problems, [{ path: score, message: 'empty metric file' }]);
    assert.deepEqual(runOf(snapshot, 'Default/02')?.metrics, {});
  });

  it('reports the problems of a run again on a follow-up read', async () => {
    const score = path.join(runFolder('Default/02'), 'metrics', 'score');
    fs.appendFileSync(score, 'garbage\n');
    const first = await readFileStore(mlruns);
    const again = await readFileStore(mlruns, { previous: first.fingerprint });
    assert.deepEqual(again.problems, first.problems);
    assert.deepEqual(again.runs.map(r => r.tags.fixture_id), ['Default/02']);
  });

  it('reports a file where the mlruns folder should be', async () => {
    const file = path.join(scratch, 'mlruns.txt');
    fs.writeFileSync(file, '');
    assert.equal((await readFileStore(file)).problems.length, 1);
  });

  it('throws only for a folder that does not exist', async () => {
    await assert.rejects(readFileStore(path.join(scratch, 'nowhere')), { code: 'ENOENT' });
  });
});
