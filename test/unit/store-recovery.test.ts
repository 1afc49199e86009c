import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { Catalog } from '../../src/core/store/catalog';
import { WriterLock } from '../../src/core/store/writerLock';
import { getRun, listRuns } from '../../src/core/store/queries';
import { CollectingReporter, tempWorkspace, writeRun } from './support/workspace';
import { cli } from './support/cli';
import { FaultyFs } from './support/faults';
import { FIXTURE_MLRUNS } from './mlflow-fixtures';

const RUNS = 300;

/** Everything a person could see of the store, by run uid. */
function content(c: Catalog): unknown {
  return listRuns(c, { limit: 1e6, includeDeleted: true }).map((r) => getRun(c, r.uid)).sort((a, b) => a!.uid.localeCompare(b!.uid))
    .map((r) => ({ ...r, id: undefined, experimentId: undefined }));
}

/** A workspace of RUNS logged runs, edits in the journal and an imported MLflow store, saved. */
async function savedWorkspace(): Promise<{ ws: string; before: unknown; runs: number }> {
  const ws = tempWorkspace();
  for (let i = 0; i < RUNS; i++) {
    writeRun(ws, { id: `r${i}`, experiment: `exp${i % 3}`, params: { lr: String(i / 1000), bs: String(16 << (i % 4)), seed: String(i) }, metrics: [['acc', i / RUNS, 0], ['loss', 1 - i / RUNS, 1]] });
  }
  fs.cpSync(FIXTURE_MLRUNS, path.join(ws, 'mlruns'), { recursive: true });
  const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
  await store.importSource('mlflow-file', path.join(ws, 'mlruns'));
  await store.edit({ e: 'tag', run: 'r7', key: 'best', value: 'yes' });
  await store.edit({ e: 'delete', run: 'r8' });
  const before = content(store.catalog);
  const runs = listRuns(store.catalog, { limit: 1e6, includeDeleted: true }).length;
  await store.close();
  return { ws, before, runs };
}

/** Overwrites one page (1-based) of an SQLite file with bytes that are not a page. */
function garblePage(file: string, page: number): Buffer {
  const bytes = fs.readFileSync(file);
  const size = bytes.readUInt16BE(16);
  let x = page * 2654435761;
  for (let i = (page - 1) * size; i < page * size; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
  fs.writeFileSync(file, bytes);
  return bytes;
}

function pages(file: string): number {
  const bytes = fs.readFileSync(file);
  return bytes.length / bytes.readUInt16BE(16);
}

const setAside = (ws: string) => fs.readdirSync(path.join(ws, '.runlens')).filter((f) => f.startsWith('runlens.db.unreadable-'));

describe('a database with a damaged page', function () {
  this.timeout(60_000);
  let saved: Awaited<ReturnType<typeof savedWorkspace>>;
  let good: Buffer;
  before(async () => {
    saved = await savedWorkspace();
    good = fs.readFileSync(path.join(saved.ws, '.runlens', 'runlens.db'));
  });

  /** The saved workspace, its database as saved but for one page (1-based), garbled. */
  function damaged(page: (count: number) => number): { ws: string; garbled: Buffer; page: number } {
    const dir = path.join(saved.ws, '.runlens');
    for (const f of setAside(saved.ws)) fs.rmSync(path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'runlens.db'), good);
    const p = page(pages(path.join(dir, 'runlens.db')));
    return { ws: saved.ws, garbled: garblePage(path.join(dir, 'runlens.db'), p), page: p };
  }

  it('is set aside and rebuilt from the logs, the journal and the imported store, with every run back (4 pages)', async () => {
    const recovered: string[] = [];
    for (const pick of [() => 2, (n: number) => Math.floor(n / 3), (n: number) => Math.floor(n / 2), (n: number) => n]) {
      const { ws, garbled, page } = damaged(pick);
      const reporter = new CollectingReporter();
      const store = await WorkspaceStore.open(ws, { reporter });
      assert.deepEqual(content(store.catalog), saved.before, `page ${page}`);
      assert.equal(reporter.problems.length, 1, reporter.problems.join('\n'));
      assert.match(reporter.problems[0], /^The RunLens store .*runlens\.db could not be read \(database disk image is malformed(?:: .*)?\)\. It was moved to runlens\.db\.unreadable-[-\dTZ]+ and rebuilt from the run logs, the edits journal and the imported sources \(MLflow stores, Optuna storages\); no run log was touched\.$/);
      const aside = setAside(ws);
      assert.equal(aside.length, 1);
      assert.deepEqual(fs.readFileSync(path.join(ws, '.runlens', aside[0])), garbled, 'the damaged file is kept as it was');
      await store.close();
      const again = new CollectingReporter();
      const reopened = await WorkspaceStore.open(ws, { reporter: again });
      assert.deepEqual(again.problems, [], 'the rebuilt database opens cleanly');
      assert.equal(listRuns(reopened.catalog, { limit: 1e6, includeDeleted: true }).length, saved.runs);
      await reopened.close();
      recovered.push(`page ${page}`);
    }
    console.log(`      corrupt page: recovered at ${recovered.length} pages (${recovered.join(', ')} of ${pages(path.join(saved.ws, '.runlens', 'runlens.db'))}), ${saved.runs} of ${saved.runs} runs each`);
  });

  it('a page that goes bad after the check at open is found by the query that reads it, which still gets its answer', async () => {
    const { ws } = await savedWorkspace();
    const writer = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
    const reporter = new CollectingReporter();
    const follower = await WorkspaceStore.open(ws, { reporter });
    assert.equal(follower.role, 'reader');
    // The writer's next snapshot reaches the disk with a bad page where the tags are; the follower reloads it unchecked.
    const tagsPage = Number(writer.catalog.one("SELECT rootpage FROM sqlite_master WHERE name = 'tags'")![0]);
    await writer.edit({ e: 'tag', run: 'r9', key: 'late', value: 'yes' });
    await writer.save();
    garblePage(writer.dbFile, tagsPage);
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(writer.dbFile, t, t);
    await follower.refresh();
    assert.deepEqual(reporter.problems, [], 'following the logs does not read the tags');
    const seen = await follower.guard(() => content(follower.catalog));
    assert.deepEqual(seen, content(writer.catalog));
    assert.equal(reporter.problems.length, 1, reporter.problems.join('\n'));
    assert.match(reporter.problems[0], /could not be read \(database disk image is malformed\)\. It was moved to runlens\.db\.unreadable-/);
    await follower.close();
    await writer.close();
  });

  it('runlens runs, exists and rebuild answer, say it once, and leave no lock behind', async () => {
    const { ws } = damaged((n) => n);
    const runs = await cli(['runs', '--workspace', ws, '--all', '--json']);
    assert.equal(runs.code, 0, runs.err);
    assert.equal(JSON.parse(runs.out).runs.filter((r: { run_id: string }) => r.run_id.startsWith('r')).length, RUNS);
    assert.equal(runs.err.split('\n').filter(Boolean).length, 1, runs.err);
    assert.match(runs.err, /^problem: The RunLens store .* could not be read \(database disk image is malformed[^()]*\); RunLens read the run logs, the edits journal and the imported sources \(MLflow stores, Optuna storages\) instead\. Opening the folder in VS Code or 'runlens rebuild' sets it aside and rebuilds it\.\n$/);
    const exists = await cli(['exists', 'lr=0.007 bs=128', '--workspace', ws]);
    assert.equal(exists.code, 0, exists.err);
    assert.match(exists.out, /^finished \(r7 finished\)\n$/);
    assert.deepEqual(setAside(ws), [], 'a reading command writes nothing');
    const rebuild = await cli(['rebuild', '--workspace', ws]);
    assert.equal(rebuild.code, 0, rebuild.err);
    assert.match(rebuild.out, new RegExp(`^Rebuilt from ${RUNS} run logs: ${RUNS} runs, ${2 * RUNS} metric points, 0 problems\\.\\n$`));
    assert.equal(rebuild.err.split('\n').filter(Boolean).length, 1, rebuild.err);
    assert.equal(setAside(ws).length, 1);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens')).filter((f) => f.startsWith('runlens.lock')), []);
    const after = await cli(['runs', '--workspace', ws]);
    assert.equal(after.err, '', 'the rebuilt database reads cleanly');
  });
});

describe('runlens rebuild, said in sentences', () => {
  it('with no database, reports each problem of the logs once', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'ok' });
    fs.appendFileSync(writeRun(ws, { id: 'bad' }), 'not json\n');
    const r = await cli(['rebuild', '--workspace', ws]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Rebuilt from 2 run logs: 2 runs, 0 metric points, 1 problems\.\n$/);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
  });

  it('while another process writes the store: refused in a sentence, exit 2, its lock untouched', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    fs.mkdirSync(path.join(ws, '.runlens'), { recursive: true });
    const other = new WriterLock(path.join(ws, '.runlens', 'runlens.lock'));
    assert.ok(other.tryAcquire());
    const r = await cli(['rebuild', '--workspace', ws]);
    assert.equal(r.code, 2);
    assert.equal(r.err, `runlens rebuild: another process (pid ${process.pid} on ${os.hostname()}) is writing this store; try again when it has finished\n`);
    assert.equal(other.renew(), true, 'the other process still holds its lock');
    other.release();
  });

  it('on a full disk: a sentence, exit 2, and nothing left behind', async () => {
    for (const [what, where] of [['lock', 'runlens.lock'], ['snapshot', 'runlens.db']] as const) {
      const ws = tempWorkspace();
      writeRun(ws, { id: 'r1' });
      const full = new FaultyFs((f) => f.includes(where));
      full.failCall(1, 'short', { staysFull: true });
      const r = await cli(['rebuild', '--workspace', ws], full);
      assert.equal(r.code, 2, what);
      assert.equal(r.err, what === 'lock'
        ? `runlens rebuild: cannot take the writer's lock ${path.join(ws, '.runlens', 'runlens.lock')}: the disk is full\n`
        : 'runlens rebuild: Could not save the RunLens store (the disk is full). Nothing is lost: the run logs hold every run.\n');
      assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens')), ['runs'], what);
    }
  });
});
