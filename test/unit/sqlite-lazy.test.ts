import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { openSqlite } from '../../src/core/sources/sqliteFile';
import type { ImportProblem } from '../../src/core/mlflow/model';
import { readSqliteStore } from '../../src/core/mlflow/sqliteStore';
import { FIXTURE_DB, removeScratch, scratchCopy } from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('an SQLite source read page by page', () => {
  let scratch: string;
  let db: string;
  beforeEach(() => {
    scratch = tempWorkspace();
    db = scratchCopy(FIXTURE_DB, scratch);
  });
  afterEach(() => removeScratch(scratch));

  it('reads only the pages a query needs', async () => {
    const problems: ImportProblem[] = [];
    const opened = await openSqlite(db, problems, { lazy: true });
    assert.ok(opened);
    try {
      assert.equal(opened.tables.first('SELECT count(*) FROM runs'), 24);
      assert.ok(opened.bytesRead() < fs.statSync(db).size / 2, `${opened.bytesRead()} of ${fs.statSync(db).size} bytes read`);
      assert.ok(opened.unchanged());
    } finally {
      opened.close();
    }
    assert.deepEqual(problems, []);
  });

  it('says so when the file changed while it was open, and is never written', async () => {
    const opened = await openSqlite(db, [], { lazy: true });
    assert.ok(opened);
    const before = sha256(db);
    try {
      assert.throws(() => opened.db.run("UPDATE tags SET value = 'x'"));
      assert.equal(sha256(db), before, 'the file is as it was');
      fs.appendFileSync(db, Buffer.alloc(4096));
      assert.equal(opened.unchanged(), false);
    } finally {
      opened.close();
    }
  });

  it('a follow-up reads the file whole only when it changed while being read page by page', async () => {
    const first = await readSqliteStore(db);
    // The module objects themselves (what the reader's imports read through), not this file's namespace copies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('node:fs') as { statSync: typeof fs.statSync; promises: { open: typeof fs.promises.open } };
    const realStat = nodeFs.statSync;
    const realOpen = nodeFs.promises.open;
    let changing = false;
    let wholeReads = 0;
    nodeFs.statSync = ((...args: Parameters<typeof fs.statSync>) => {
      const s = realStat(...args) as fs.Stats;
      if (changing && args[0] === db) s.mtimeMs += 1; // as if MLflow wrote meanwhile
      return s;
    }) as typeof fs.statSync;
    nodeFs.promises.open = ((...args: Parameters<typeof fs.promises.open>) => {
      if (args[0] === db) wholeReads++;
      return realOpen(...args);
    }) as typeof fs.promises.open;
    try {
      const quiet = await readSqliteStore(db, { previous: first.fingerprint });
      assert.equal(wholeReads, 0, 'an unchanged file is read page by page only');
      assert.equal(quiet.unchangedRunIds.length, 24);
      changing = true;
      const again = await readSqliteStore(db, { previous: first.fingerprint });
      assert.equal(wholeReads, 1, 'read again whole');
      assert.deepEqual(again.runs, []);
      assert.equal(again.unchangedRunIds.length, 24);
    } finally {
      nodeFs.statSync = realStat;
      nodeFs.promises.open = realOpen;
    }
  });
});
