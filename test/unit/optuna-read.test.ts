import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOptunaDb } from '../../src/core/optuna/rdb';
import { readOptunaJournal } from '../../src/core/optuna/journal';
import type { JournalWatermark, OptunaChanges, RdbWatermark } from '../../src/core/optuna/model';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { assertSameTrial, builtStudies, copyOf, optunaStudies, type OptunaDump } from './support/optuna';
import { tempWorkspace } from './support/workspace';
import { detectSources, sourceKindOf } from '../../src/core/sources/detect';
import { sqliteUrlPath } from '../../src/core/optuna/detect';
import { parsePyJson, pyDumps, PyJsonError, pyStr, rawMember, type PyJson } from '../../src/core/optuna/pyJson';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every study and trial of a read against what Optuna's own API reports. */
function assertSameAsOptuna(read: OptunaChanges, want: OptunaDump['db']): void {
  assert.deepEqual(read.studies.map((s) => s.name).sort(), Object.keys(want).sort());
  for (const study of read.studies) {
    const w = want[study.name];
    assert.deepEqual(study.directions, w.directions, `${study.name}: directions`);
    assert.deepEqual(study.metricNames, w.metric_names ?? undefined, `${study.name}: metric names`);
    const trials = read.trials.filter((t) => t.studyId === study.id).sort((a, b) => a.number - b.number);
    assert.deepEqual(trials.map((t) => t.number), w.trials.map((t) => t.number), `${study.name}: trial numbers`);
    trials.forEach((t, i) => assertSameTrial(t, w.trials[i], `${read.kind} ${study.name}`));
  }
}

/** The studies most tests read, made once for the file. */
let shared: ReturnType<typeof builtStudies> | undefined;
const studies = () => (shared ??= builtStudies());

const readers = {
  db: (file: string, since?: OptunaChanges['watermark']) => readOptunaDb(file, since?.kind === 'optuna-db' ? since : undefined),
  journal: (file: string, since?: OptunaChanges['watermark']) => readOptunaJournal(file, since?.kind === 'optuna-journal' ? since : undefined),
};

describe('Optuna storages written by real Optuna (TPE, GridSampler, two objectives, a queue; SQLite and journal)', function () {
  this.timeout(120_000);
  let built: ReturnType<typeof builtStudies>;
  let want: OptunaDump;
  before(() => {
    built = studies();
    want = built.dump();
  });

  for (const kind of ['db', 'journal'] as const) {
    it(`${kind}: every study and trial as Optuna's API reports it, field by field`, async () => {
      const file = kind === 'db' ? built.db : built.journal;
      const before = sha256(file);
      const read = await readers[kind](file);
      assert.deepEqual(read.problems, []);
      assert.equal(read.full, true);
      assertSameAsOptuna(read, want[kind]);
      if (kind === 'db') assert.equal(read.schemaVersion, 'v3.0.0.d');
      assert.equal(sha256(file), before, 'the storage is byte for byte as it was');
    });
  }

  it('reads the states, values and parameters Optuna tells apart', async () => {
    const read = await readOptunaDb(built.db);
    const tpe = read.studies.find((s) => s.name === 'tpe')!;
    const trials = read.trials.filter((t) => t.studyId === tpe.id);
    assert.deepEqual([...new Set(trials.map((t) => t.state))].sort(), ['COMPLETE', 'FAIL', 'PRUNED', 'RUNNING']);
    assert.equal(trials[0].params.choice, '3.0', 'a categorical choice by its value, a float as Python prints it');
    assert.equal(trials[0].params.layers, '2', 'an int as an int');
    assert.ok(trials.some((t) => t.values?.[0] === Infinity), 'an infinite objective value');
    assert.ok(trials.some((t) => t.intermediate.values.some((v) => Number.isNaN(v))), 'a NaN intermediate value');
    assert.equal(trials[1].userAttrs.meta, '{"ok": true, "name": "\\u00e9"}', 'a user attribute that is not a string: its JSON as Optuna stored it');
  });

  describe('following', () => {
    type Reads = { first: OptunaChanges; again: OptunaChanges; next: OptunaChanges; idle: OptunaChanges; removed: OptunaChanges };
    const reads: Partial<Record<'db' | 'journal', Reads>> = {};
    let after: OptunaDump;
    let afterDrop: OptunaDump;
    before(async () => {
      const later = builtStudies();
      const r: Record<string, Partial<Reads>> = { db: {}, journal: {} };
      for (const kind of ['db', 'journal'] as const) {
        r[kind].first = await readers[kind](later[kind]);
        r[kind].again = await readers[kind](later[kind], r[kind].first!.watermark);
      }
      optunaStudies('more', later.dir);
      after = later.dump();
      for (const kind of ['db', 'journal'] as const) {
        // Through JSON, as the store keeps a watermark.
        r[kind].next = await readers[kind](later[kind], JSON.parse(JSON.stringify(r[kind].first!.watermark)));
        r[kind].idle = await readers[kind](later[kind], r[kind].next!.watermark);
      }
      optunaStudies('drop', later.dir);
      afterDrop = later.dump();
      for (const kind of ['db', 'journal'] as const) {
        r[kind].removed = await readers[kind](later[kind], r[kind].idle!.watermark);
        reads[kind] = r[kind] as Reads;
      }
    });

    for (const kind of ['db', 'journal'] as const) {
      it(`${kind}: a follow-up reads the trials added and those that were not finished, and agrees with Optuna again`, () => {
        const { first, again, next, idle } = reads[kind]!;
        // Unchanged: the database's running and waiting trials are read again; the journal has no new line.
        assert.deepEqual([again.full, again.trials.length], [false, kind === 'db' ? 2 : 0]);
        assert.deepEqual(next.problems, []);
        // The trials read: 3 + 1 new ones, the one that was running and the one that was waiting (now run).
        assert.deepEqual([next.full, next.trials.length], [false, 6]);
        const merged = new Map(first.trials.map((t) => [t.id, t]));
        for (const t of next.trials) merged.set(t.id, t);
        assertSameAsOptuna({ ...next, trials: [...merged.values()] }, after[kind]);
        assert.deepEqual([idle.full, idle.trials.length], [false, 0], 'nothing open, nothing new: nothing read');
      });

      it(`${kind}: a study deleted in Optuna is gone from the next read`, () => {
        const { first, removed } = reads[kind]!;
        assert.deepEqual(removed.problems, []);
        // The database reads again from the start (a deleted study's trial ids may be given again); the journal reads the deletion.
        if (kind === 'db') {
          assert.equal(removed.full, true);
          assertSameAsOptuna(removed, afterDrop[kind]);
        } else {
          assert.deepEqual([removed.full, removed.trials.length, removed.removedStudies], [false, 0, [first.studies.find((s) => s.name === 'multi')!.id]]);
          assert.deepEqual(removed.studies.map((s) => s.name).sort(), Object.keys(afterDrop[kind]).sort());
        }
      });
    }
  });

  it('db: a schema version RunLens does not know is read as far as it goes, and named', async () => {
    const SQL = await loadSqlJs();
    const copy = copyOf(built.db, path.join(tempWorkspace(), 'newer.db'));
    // The real database, as a later Optuna might have left it: another revision, a column more.
    const db = new SQL.Database(fs.readFileSync(copy));
    db.run("UPDATE alembic_version SET version_num = 'v9.1.0.a'; ALTER TABLE trials ADD COLUMN later TEXT;");
    fs.writeFileSync(copy, db.export());
    db.close();
    const read = await readOptunaDb(copy);
    assert.deepEqual(read.problems.map((p) => p.message), ["schema version v9.1.0.a (written by Optuna 3.1.0) is not one RunLens knows (v3.0.0.d (Optuna 3.0 and 3.1)): read what matched"]);
    assertSameAsOptuna(read, want.db);
    const next = await readOptunaDb(copy, read.watermark as RdbWatermark);
    assert.deepEqual([next.full, next.problems.length], [false, 1], 'said again, but a follow-up still reads only what changed');
  });

  it('journal: one replaced by another file is read again from the start', async () => {
    const copy = copyOf(built.journal, path.join(tempWorkspace(), 'journal.log'));
    const first = await readOptunaJournal(copy);
    // Another journal, longer, whose bytes at the old offset are the middle of a line.
    fs.writeFileSync(copy, '{"op_code": 0, "worker_id": "w", "study_name": "other", "directions": [2]}\n' + fs.readFileSync(built.journal, 'utf8'));
    const again = await readOptunaJournal(copy, first.watermark as JournalWatermark);
    assert.equal(again.full, true);
    assert.deepEqual(again.problems.map((p) => p.message), ['the journal is not the one read before (shorter, or another file): read again from the start']);
    assert.deepEqual(again.studies.map((s) => s.name).sort(), ['grid', 'multi', 'other', 'queue', 'tpe']);
  });

  it('a file that is not an Optuna storage says so', async () => {
    const other = path.join(tempWorkspace(), 'other.db');
    fs.writeFileSync(other, 'not a database');
    assert.deepEqual((await readOptunaDb(other)).problems.map((p) => p.message), ['not an SQLite database (no SQLite header)']);
    const log = path.join(tempWorkspace(), 'other.log');
    fs.writeFileSync(log, '{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}\nnot json\n');
    const read = await readOptunaJournal(log);
    assert.deepEqual(read.problems.map((p) => `${path.basename(p.path)}: ${p.message}`), ["other.log:2: not JSON (Unexpected token 'o', \"not json\" is not valid JSON); skipped"]);
    assert.deepEqual(read.studies.map((s) => s.name), ['s']);
  });
});

describe('finding Optuna storages in a workspace folder', function () {
  this.timeout(60_000);
  it('finds SQLite storages and journals by what they hold, not by their names alone', async () => {
    const { dir, db, journal } = studies();
    const ws = tempWorkspace();
    copyOf(db, path.join(ws, 'tuning', 'study.db'));
    copyOf(journal, path.join(ws, 'optuna_journal.log'));
    copyOf(db, path.join(ws, 'a', 'b', 'c', 'deep.db')); // three down: too deep
    copyOf(db, path.join(ws, 'node_modules', 'x.db'));
    fs.writeFileSync(path.join(ws, 'other.db'), 'not a database');
    fs.writeFileSync(path.join(ws, 'server.log'), 'started\n');
    assert.deepEqual(await detectSources(ws), [
      { path: path.join(ws, 'optuna_journal.log'), kind: 'optuna-journal' },
      { path: path.join(ws, 'tuning', 'study.db'), kind: 'optuna-db' },
    ]);
    assert.deepEqual([await sourceKindOf(db), await sourceKindOf(journal), await sourceKindOf(dir), await sourceKindOf(path.join(ws, 'server.log'))],
      ['optuna-db', 'optuna-journal', 'mlflow-file', undefined]);
  });

  it("reads sqlite:/// URLs as SQLAlchemy does", () => {
    assert.deepEqual([sqliteUrlPath('sqlite:///study.db'), sqliteUrlPath('sqlite:////abs/study%20one.db'), sqliteUrlPath('postgresql://h/db')],
      ['study.db', '/abs/study one.db', undefined]);
  });
});

describe("JSON as Python's json.dumps writes it", () => {
  it('keeps floats apart from ints, and reads NaN and Infinity', () => {
    const v = parsePyJson('{"a": [1, 1.0, 1e-05, NaN, -Infinity, null, true, "\\u00e9"]}');
    assert.equal(v.t, 'dict');
    const items = (v as { entries: [string, PyJson][] }).entries[0][1] as { items: PyJson[] };
    assert.deepEqual(items.items.map(pyStr), ['1', '1.0', '1e-05', 'nan', '-inf', 'None', 'True', 'é']);
    assert.equal(pyDumps(v), '{"a": [1, 1.0, 1e-05, NaN, -Infinity, null, true, "\\u00e9"]}');
    assert.throws(() => parsePyJson('{"a": 1,}'), PyJsonError);
  });

  it("finds one member of a long line's top level without parsing the rest", () => {
    const line = '{"op_code": 4, "worker_id": "a,b", "params": {"user_attrs": 1.0}, "user_attrs": {"s": "x}y\\"", "f": 1.0}, "system_attrs": {}, "iv": [1, 2]}';
    assert.deepEqual(['user_attrs', 'system_attrs', 'iv', 'op_code', 'params', 'missing'].map((k) => rawMember(line, k)),
      ['{"s": "x}y\\"", "f": 1.0}', '{}', '[1, 2]', '4', '{"user_attrs": 1.0}', undefined]);
  });
});
