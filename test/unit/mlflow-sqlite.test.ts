import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileStore } from '../../src/core/mlflow/fileStore';
import type { MlflowSnapshot } from '../../src/core/mlflow/model';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { readSqliteStore } from '../../src/core/mlflow/sqliteStore';
import {
  FIXTURE_DB, FIXTURE_MLRUNS, assertSameNumber, expectedStores, itMatchesExpected,
  fixtureKey, removeScratch, scratchCopy,
} from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

const expected = expectedStores().sqlite;
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('MLflow SQLite store (mlflow.db written by MLflow 2.17.2)', () => {
  let snapshot: MlflowSnapshot;
  let hashBefore: string;
  before(async () => {
    hashBefore = sha256(FIXTURE_DB);
    snapshot = await readSqliteStore(FIXTURE_DB);
  });

  it('reads a store MLflow wrote without a single problem, and knows its schema', () => {
    assert.deepEqual(snapshot.problems, []);
    assert.equal(snapshot.schemaVersion, expected.alembic_version);
    assert.equal(snapshot.kind, 'mlflow-db');
  });

  it('leaves the database file byte for byte as it was', () => {
    assert.equal(sha256(FIXTURE_DB), hashBefore);
  });

  itMatchesExpected(() => snapshot, expected);

  it('gives NaN for is_nan, and +/-inf and -0.0 as MLflow stored them', () => {
    const odd = snapshot.runs.find(r => r.tags.fixture_id === 'edge-cases/unicode');
    assert.ok(odd);
    assertSameNumber(odd.latest.nan_metric.value, NaN, 'nan_metric');
    assertSameNumber(odd.latest.pos_inf.value, 1.7976931348623157e308, 'pos_inf');
    assertSameNumber(odd.latest.neg_inf.value, -1.7976931348623157e308, 'neg_inf');
    assertSameNumber(odd.latest.negative_zero.value, 0, 'negative_zero');
    assertSameNumber(odd.metrics.mixed_history.value(1), NaN, 'NaN inside a history');
  });

  it('holds the same params, names, statuses and histories as the file store', async () => {
    const file = await readFileStore(FIXTURE_MLRUNS);
    const fileRuns = new Map(file.runs.map(r => [fixtureKey(r), r]));
    for (const run of snapshot.runs) {
      const twin = fileRuns.get(fixtureKey(run));
      assert.ok(twin, fixtureKey(run));
      assert.deepEqual([run.name, run.status, run.lifecycle, run.params], [twin.name, twin.status, twin.lifecycle, twin.params]);
      assert.deepEqual(
        Object.fromEntries(Object.entries(run.metrics).map(([k, h]) => [k, h.toArray().map(p => p.step)])),
        Object.fromEntries(Object.entries(twin.metrics).map(([k, h]) => [k, h.toArray().map(p => p.step)])), fixtureKey(run));
    }
  });
});

describe('MLflow SQLite store follow-up reads', () => {
  let scratch: string;
  let db: string;
  let first: MlflowSnapshot;

  /** Changes the scratch database the way MLflow would, through sql.js on a copy. */
  async function change(sql: string): Promise<void> {
    const SQL = await loadSqlJs();
    const database = new SQL.Database(fs.readFileSync(db));
    database.run(sql);
    fs.writeFileSync(db, database.export());
    database.close();
  }
  const runId = (fixtureId: string) => {
    const run = first.runs.find(r => r.tags.fixture_id === fixtureId);
    assert.ok(run);
    return run.runId;
  };

  beforeEach(async () => {
    scratch = tempWorkspace();
    db = scratchCopy(FIXTURE_DB, scratch);
    first = await readSqliteStore(db);
  });
  afterEach(() => removeScratch(scratch));

  it('reads no run again when nothing changed', async () => {
    const again = await readSqliteStore(db, { previous: first.fingerprint });
    assert.deepEqual(again.runs, []);
    assert.equal(again.unchangedRunIds.length, 24);
    assert.equal(again.experiments.length, 4);
  });

  it('reads again only the run that got a metric point, even one that does not move its latest value', async () => {
    const running = runId('tune-mlp/09');
    // A point for an early step: MLflow leaves latest_metrics alone, only the history grows.
    await change(`INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)
      VALUES ('loss', 9.5, 1795744999999, '${running}', 0, 0)`);
    const again = await readSqliteStore(db, { previous: first.fingerprint });
    assert.deepEqual(again.runs.map(r => r.runId), [running]);
    const loss = again.runs[0].metrics.loss;
    assert.deepEqual(loss.point(loss.length - 1), { step: 0, value: 9.5, timestamp: 1795744999999 });
    assert.deepEqual(again.runs[0].latest.loss, first.runs.find(r => r.runId === running)?.latest.loss);
  });

  it('notices a finished run, an edited tag and a removed run', async () => {
    const running = runId('tune-mlp/09');
    const tagged = runId('Default/01');
    const removed = runId('Default/02');
    await change(`UPDATE runs SET status = 'FINISHED', end_time = 1795745000000 WHERE run_uuid = '${running}';
      UPDATE tags SET value = 'edited' WHERE run_uuid = '${tagged}' AND key = 'mlflow.source.name';
      DELETE FROM metrics WHERE run_uuid = '${removed}'; DELETE FROM latest_metrics WHERE run_uuid = '${removed}';
      DELETE FROM params WHERE run_uuid = '${removed}'; DELETE FROM tags WHERE run_uuid = '${removed}';
      DELETE FROM runs WHERE run_uuid = '${removed}';`);
    const again = await readSqliteStore(db, { previous: first.fingerprint });
    assert.deepEqual(again.runs.map(r => r.runId).sort(), [running, tagged].sort());
    assert.equal(again.runs.find(r => r.runId === running)?.status, 'FINISHED');
    assert.equal(again.runs.find(r => r.runId === tagged)?.tags['mlflow.source.name'], 'edited');
    assert.deepEqual(again.removedRunIds, [removed]);
  });

  it('reads a run MLflow added, with its history', async () => {
    const source = runId('Default/01');
    await change(`INSERT INTO runs SELECT 'ffffffffffffffffffffffffffffffff', name, source_type, source_name,
        entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri,
        experiment_id, deleted_time FROM runs WHERE run_uuid = '${source}';
      INSERT INTO metrics SELECT key, value, timestamp, 'ffffffffffffffffffffffffffffffff', step, is_nan
        FROM metrics WHERE run_uuid = '${source}';`);
    const again = await readSqliteStore(db, { previous: first.fingerprint });
    assert.deepEqual(again.runs.map(r => r.runId), ['f'.repeat(32)]);
    assert.equal(again.runs[0].metrics.score.length, 5);
    assert.equal(again.runs[0].latest.score.value, 3.75, 'latest from the history when latest_metrics has none');
  });

  describe('between full reads, finding what changed without reading every run', () => {
    // Each change alone, on a run that ended long ago: the follow-up must read that run again, and
    // only it. A change these checks missed would wait for the next full read (every 10 minutes).
    const follow = () => readSqliteStore(db, { previous: first.fingerprint });
    const finished = () => runId('Default/01');

    it('remembers, after a first read, what a follow-up compares', () => {
      assert.ok(first.fingerprint.db, 'an mlflow.db read without problems gives a watermark');
      assert.deepEqual(first.fingerprint.db.running, [runId('tune-mlp/09')]);
    });

    it('a tag set again on a finished run (a row changed in place)', async () => {
      await change(`UPDATE tags SET value = 'late' WHERE run_uuid = '${finished()}' AND key = 'mlflow.source.name'`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.equal(again.runs[0].tags['mlflow.source.name'], 'late');
    });

    it('a tag added to a finished run', async () => {
      await change(`INSERT INTO tags (key, value, run_uuid) VALUES ('reviewed', 'yes', '${finished()}')`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.equal(again.runs[0].tags.reviewed, 'yes');
      assert.equal(again.unchangedRunIds.length, 23);
    });

    it('a tag deleted from a finished run', async () => {
      await change(`DELETE FROM tags WHERE run_uuid = '${finished()}' AND key = 'mlflow.source.name'`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.equal(again.runs[0].tags['mlflow.source.name'], undefined);
    });

    it('a param added to a finished run', async () => {
      await change(`INSERT INTO params (key, value, run_uuid) VALUES ('late_param', '0.5', '${finished()}')`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.equal(again.runs[0].params.late_param, '0.5');
    });

    it('a metric point logged to a finished run, moving its latest value', async () => {
      await change(`INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ('late_metric', 0.25, 1795745000000, '${finished()}', 7, 0);
        INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ('late_metric', 0.25, 1795745000000, 7, 0, '${finished()}')`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.deepEqual(again.runs[0].metrics.late_metric.toArray(), [{ step: 7, value: 0.25, timestamp: 1795745000000 }]);
      assert.equal(again.runs[0].latest.late_metric.value, 0.25);
    });

    it('a finished run deleted, and one deleted for good', async () => {
      const gone = runId('Default/02');
      await change(`UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = 1795745000000 WHERE run_uuid = '${finished()}';
        DELETE FROM metrics WHERE run_uuid = '${gone}'; DELETE FROM latest_metrics WHERE run_uuid = '${gone}';
        DELETE FROM params WHERE run_uuid = '${gone}'; DELETE FROM tags WHERE run_uuid = '${gone}';
        DELETE FROM runs WHERE run_uuid = '${gone}'`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [finished()]);
      assert.equal(again.runs[0].lifecycle, 'deleted');
      assert.deepEqual(again.removedRunIds, [gone]);
    });

    it('a running run that ends, then is edited as a finished one', async () => {
      const running = runId('tune-mlp/09');
      await change(`UPDATE runs SET status = 'FINISHED', end_time = 1795745000000 WHERE run_uuid = '${running}'`);
      const ended = await follow();
      assert.deepEqual(ended.runs.map(r => r.runId), [running]);
      assert.deepEqual(ended.fingerprint.db?.running, [], 'no longer read each time');
      await change(`UPDATE tags SET value = 'after' WHERE run_uuid = '${running}' AND key = 'mlflow.source.name'`);
      const edited = await readSqliteStore(db, { previous: ended.fingerprint });
      assert.deepEqual(edited.runs.map(r => r.runId), [running]);
      assert.equal(edited.runs[0].tags['mlflow.source.name'], 'after');
    });

    it('a run added, then a tag set on it in place', async () => {
      const source = finished();
      const added = 'e'.repeat(32);
      await change(`INSERT INTO runs SELECT '${added}', name, source_type, source_name, entry_point_name, user_id, status,
          start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time FROM runs WHERE run_uuid = '${source}';
        INSERT INTO tags SELECT key, value, '${added}' FROM tags WHERE run_uuid = '${source}'`);
      const withRun = await follow();
      assert.deepEqual(withRun.runs.map(r => r.runId), [added]);
      await change(`UPDATE tags SET value = 'renamed' WHERE run_uuid = '${added}' AND key = 'mlflow.source.name'`);
      const edited = await readSqliteStore(db, { previous: withRun.fingerprint });
      assert.deepEqual(edited.runs.map(r => r.runId), [added]);
      assert.equal(edited.runs[0].tags['mlflow.source.name'], 'renamed');
    });

    it('a running run deleted for good while a run is added', async () => {
      const running = runId('tune-mlp/09');
      const added = 'd'.repeat(32);
      await change(`DELETE FROM metrics WHERE run_uuid = '${running}'; DELETE FROM latest_metrics WHERE run_uuid = '${running}';
        DELETE FROM params WHERE run_uuid = '${running}'; DELETE FROM tags WHERE run_uuid = '${running}';
        DELETE FROM runs WHERE run_uuid = '${running}';
        INSERT INTO runs SELECT '${added}', name, source_type, source_name, entry_point_name, user_id, 'FINISHED',
          start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time FROM runs WHERE run_uuid = '${finished()}'`);
      const again = await follow();
      assert.deepEqual(again.runs.map(r => r.runId), [added]);
      assert.deepEqual(again.removedRunIds, [running]);
    });

    it('reads every run again once fullEveryMs has passed, finding what no digest covers', async () => {
      // MLflow never changes latest_metrics without logging a point; a hand edit is found by the full read only.
      await change(`UPDATE latest_metrics SET value = 42 WHERE run_uuid = '${finished()}'`);
      const soon = await readSqliteStore(db, { previous: first.fingerprint, now: () => first.fingerprint.db!.lastFull + 1000 });
      assert.deepEqual(soon.runs, [], 'between full reads, only what MLflow changes is looked for');
      const later = await readSqliteStore(db, { previous: first.fingerprint, now: () => first.fingerprint.db!.lastFull + 10 * 60_000 });
      assert.deepEqual(later.runs.map(r => r.runId), [finished()]);
      assert.ok(Object.values(later.runs[0].latest).every(p => p.value === 42));
    });
  });

  it('never writes the database it reads, nor leaves files next to it', async () => {
    const before = sha256(db);
    await readSqliteStore(db, { previous: first.fingerprint });
    assert.equal(sha256(db), before);
    assert.deepEqual(fs.readdirSync(path.dirname(db)), ['mlflow.db']);
  });
});
