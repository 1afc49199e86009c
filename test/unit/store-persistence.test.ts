import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { Catalog } from '../../src/core/store/catalog';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../src/core/store/schema';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { getRun, listRuns } from '../../src/core/store/queries';
import { realFs, type WriteFs } from '../../src/core/store/atomicFile';
import { CollectingReporter, line, T0, tempWorkspace, writeRun } from './support/workspace';

const open = (folder: string, reporter = new CollectingReporter(), extra: Partial<Parameters<typeof WorkspaceStore.open>[1]> = {}) =>
  WorkspaceStore.open(folder, { reporter, saveDelayMs: 10, ...extra });

/** Everything a user could see of the store, by run uid (row ids may differ between builds). */
function content(c: Catalog): unknown {
  return listRuns(c, { limit: 1e6, includeDeleted: true }).map((r) => getRun(c, r.uid)).sort((a, b) => a!.uid.localeCompare(b!.uid))
    .map((r) => ({ ...r, id: undefined, experimentId: undefined }));
}

describe('saving the store', () => {
  it('writes an atomic snapshot that another process can open read-only', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', params: { lr: '0.1' } });
    const store = await open(ws);
    await store.save();
    const file = path.join(ws, '.runlens', 'runlens.db');
    const copy = await Catalog.open(fs.readFileSync(file));
    assert.equal(getRun(copy, 'r1')!.params.lr, '0.1');
    assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens')).filter((f) => f.endsWith('.tmp')), []);
    copy.close();
    await store.close();
  });

  it('coalesces many changes into one save', async () => {
    const ws = tempWorkspace();
    const store = await open(ws, new CollectingReporter(), { saveDelayMs: 50 });
    let writes = 0;
    const counting: WriteFs = { ...realFs, rename: (a, b) => { if (b.endsWith('runlens.db')) writes++; realFs.rename(a, b); } };
    await store.close();
    const s2 = await open(ws, new CollectingReporter(), { saveDelayMs: 50, writeFs: counting });
    for (let i = 0; i < 20; i++) { writeRun(ws, { id: `r${i}` }); await s2.refresh(); }
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(writes, 1);
    await s2.close();
  });

  it('survives a full disk: the old snapshot stays intact, nothing is lost, and the next save succeeds', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'before' });
    const reporter = new CollectingReporter();
    let full = true;
    const diskFull: WriteFs = {
      ...realFs,
      write: (fd, data, offset, length) => {
        if (!full) return realFs.write(fd, data, offset, length);
        const e = new Error('ENOSPC: no space left on device') as NodeJS.ErrnoException; e.code = 'ENOSPC'; throw e;
      },
    };
    full = false;
    const store = await open(ws, reporter, { writeFs: diskFull });
    await store.save();
    const snapshot = fs.readFileSync(store.dbFile);
    full = true;
    writeRun(ws, { id: 'after' });
    await store.refresh();
    await assert.rejects(store.save(), /Could not save the RunLens store \(the disk is full\)\. Nothing is lost/);
    assert.deepEqual(fs.readFileSync(store.dbFile), snapshot);
    assert.deepEqual(fs.readdirSync(store.dir).filter((f) => f.endsWith('.tmp')), []);
    assert.ok(getRun(store.catalog, 'after'));
    full = false;
    await store.save();
    const reopened = await Catalog.open(fs.readFileSync(store.dbFile));
    assert.ok(getRun(reopened, 'after'));
    reopened.close();
    await store.close();
  });
});

describe('a damaged or lost store', () => {
  it('sets a garbage database aside with a clear message and rebuilds it from the run logs', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', params: { lr: '0.1' }, metrics: [['acc', 0.9, 0]] });
    let store = await open(ws);
    await store.close();
    fs.writeFileSync(path.join(ws, '.runlens', 'runlens.db'), 'this is not a database'.repeat(100));
    const reporter = new CollectingReporter();
    store = await open(ws, reporter);
    assert.equal(getRun(store.catalog, 'r1')!.metrics.acc.last, 0.9);
    assert.match(reporter.problems[0], /could not be read .* moved to runlens\.db\.unreadable-.* rebuilt from the run logs/);
    assert.equal(reporter.problems.length, 1);
    assert.equal(fs.readdirSync(store.dir).filter((f) => f.startsWith('runlens.db.unreadable-')).length, 1);
    await store.close();
  });

  it('a truncated database is set aside too', async () => {
    const ws = tempWorkspace();
    for (let i = 0; i < 50; i++) writeRun(ws, { id: `r${i}`, params: { i: String(i) } });
    let store = await open(ws);
    await store.close();
    const file = path.join(ws, '.runlens', 'runlens.db');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const reporter = new CollectingReporter();
    store = await open(ws, reporter);
    assert.equal(listRuns(store.catalog, { limit: 100 }).length, 50);
    await store.close();
  });

  it('rebuild from the logs reproduces the same content, edits included', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a', params: { lr: '1e-3', bs: '32' }, metrics: [['loss', 0.5, 0], ['loss', 0.25, 1]] });
    writeRun(ws, { id: 'b', experiment: 'other', params: { lr: '0.01' }, status: 'failed' });
    writeRun(ws, { id: 'c', status: null, t: Date.now() - 60_000 });
    const store = await open(ws);
    await store.edit({ e: 'tag', run: 'a', key: 'best', value: 'yes' });
    await store.edit({ e: 'note', run: 'b', text: 'diverged' });
    await store.edit({ e: 'delete', run: 'b' });
    const before = content(store.catalog);
    await store.rebuild();
    assert.deepEqual(content(store.catalog), before);
    assert.equal(getRun(store.catalog, 'b')!.deleted, true);
    assert.equal(getRun(store.catalog, 'b')!.note, 'diverged');
    await store.close();
  });
});

describe('schema migrations', () => {
  it('carry a database of an older schema forward with its data', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    migrate(db, 1);
    assert.equal(schemaVersion(db), 1);
    db.run("INSERT INTO experiments (id, name) VALUES (1, 'old')");
    db.run("INSERT INTO runs (id, uid, experiment_id, status, source, start_time) VALUES (1, 'r-old', 1, 'finished', 'runs/x.jsonl', 5)");
    db.run("INSERT INTO params VALUES (1, 'lr', '0.1', 'n:1e-1')");
    const c = await Catalog.open(db.export());
    db.close();
    assert.equal(schemaVersion(c.db), SCHEMA_VERSION);
    assert.ok(SCHEMA_VERSION >= 2 && MIGRATIONS.length === SCHEMA_VERSION);
    assert.equal(getRun(c, 'r-old')!.params.lr, '0.1');
    assert.ok(c.all("SELECT name FROM sqlite_master WHERE name = 'metrics_by_value'").length === 1);
    c.close();
  });

  it('carry a schema 4 database (artifacts) to 5, keeping its artifacts and gaining experiment_tags for Optuna studies', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    migrate(db, 4);
    db.run("INSERT INTO experiments (id, name) VALUES (1, 'old')");
    db.run("INSERT INTO runs (id, uid, experiment_id, status, source, start_time) VALUES (1, 'r-old', 1, 'finished', 'runs/x.jsonl', 5)");
    db.run("INSERT INTO artifacts (run_id, path, size) VALUES (1, 'model.pkl', 42)");
    assert.equal(db.exec("SELECT 1 FROM sqlite_master WHERE name = 'experiment_tags'").length, 0);
    const c = await Catalog.open(db.export());
    db.close();
    assert.equal(SCHEMA_VERSION, 5);
    assert.equal(schemaVersion(c.db), 5);
    assert.deepEqual(c.all('SELECT path, size FROM artifacts'), [['model.pkl', 42]]);
    c.run("INSERT INTO experiment_tags (experiment_id, key, value) VALUES (1, 'optuna.directions', 'minimize')");
    assert.deepEqual(c.all('SELECT key, value FROM experiment_tags'), [['optuna.directions', 'minimize']]);
    c.close();
  });

  it('refuse a database from a newer RunLens instead of damaging it', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    migrate(db);
    db.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    await assert.rejects(Catalog.open(db.export()), /newer RunLens \(schema 99/);
    db.close();
  });
});

describe('one writer per workspace folder', () => {
  it('a second store on the same folder follows read-only and picks up changes', async () => {
    const ws = tempWorkspace();
    const writer = await open(ws);
    const reader = await open(ws);
    assert.equal(writer.role, 'writer');
    assert.equal(reader.role, 'reader');
    writeRun(ws, { id: 'r1', params: { lr: '0.1' } });
    await writer.refresh();
    await writer.save();
    let changed = 0;
    reader.onChange(() => changed++);
    await reader.refresh();
    assert.equal(getRun(reader.catalog, 'r1')!.params.lr, '0.1');
    assert.equal(changed, 1);
    await reader.close();
    await writer.close();
  });

  it('an edit made in a following window reaches the store through the journal', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    const writer = await open(ws);
    const reader = await open(ws);
    await reader.edit({ e: 'tag', run: 'r1', key: 'from', value: 'reader' });
    await writer.refresh();
    assert.equal(getRun(writer.catalog, 'r1')!.tags.from, 'reader');
    await reader.close();
    await writer.close();
  });

  it('a follower takes over when the writer goes away', async () => {
    const ws = tempWorkspace();
    const writer = await open(ws);
    const reader = await open(ws);
    await writer.close();
    writeRun(ws, { id: 'late' });
    await reader.refresh();
    assert.equal(reader.role, 'writer');
    assert.ok(getRun(reader.catalog, 'late'));
    await reader.close();
  });

  it('the lock of a dead process is taken over', async () => {
    const ws = tempWorkspace();
    fs.mkdirSync(path.join(ws, '.runlens'), { recursive: true });
    const os = await import('node:os');
    fs.writeFileSync(path.join(ws, '.runlens', 'runlens.lock'), JSON.stringify({ token: 'x', pid: 2 ** 22 + 99, host: os.hostname(), since: Date.now(), beat: Date.now() }));
    const store = await open(ws);
    assert.equal(store.role, 'writer');
    await store.close();
  });
});

describe('edits journal', () => {
  it('reports a malformed or dangling edit and applies the rest', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    fs.mkdirSync(path.join(ws, '.runlens'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.runlens', 'journal.jsonl'),
      line({ e: 'tag', run: 'r1', key: 'k', value: 'v', t: T0 }) + 'garbage\n' + line({ e: 'delete', run: 'nope', t: T0 }) + line({ e: 'frobnicate', t: T0 }));
    const reporter = new CollectingReporter();
    const store = await open(ws, reporter);
    assert.equal(getRun(store.catalog, 'r1')!.tags.k, 'v');
    assert.equal(reporter.problems.length, 3, reporter.problems.join('\n'));
    await store.close();
  });
});
