import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { listRuns } from '../../src/core/store/queries';
import { CollectingReporter, line, T0, tempWorkspace, writeRun } from './support/workspace';
import { cli } from './support/cli';
import { FIXTURE_MLRUNS } from './mlflow-fixtures';

/** A copy of the MLflow fixture store at `dir`/mlruns, somewhere a workspace may name. */
function mlflowStore(dir: string): string {
  const store = path.join(dir, 'mlruns');
  fs.cpSync(FIXTURE_MLRUNS, store, { recursive: true });
  return store;
}

/** The journal line a workspace could carry to make RunLens read a store. */
function plantSource(ws: string, source: string): void {
  fs.mkdirSync(path.join(ws, '.runlens'), { recursive: true });
  fs.appendFileSync(path.join(ws, '.runlens', 'journal.jsonl'), line({ e: 'source', kind: 'mlflow-file', path: source, t: T0 }));
}

const imported = (store: WorkspaceStore) => listRuns(store.catalog, { limit: 1e6, includeDeleted: true }).filter((r) => r.uid.startsWith('mlflow-')).length;

describe('which MLflow stores a workspace may make RunLens read', () => {
  let elsewhere: string;
  let configHome: string | undefined;
  before(() => {
    elsewhere = mlflowStore(tempWorkspace());
    // The command line's own list lives in $XDG_CONFIG_HOME/runlens: a scratch one here.
    configHome = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = tempWorkspace();
  });
  after(() => {
    if (configHome === undefined) delete process.env.XDG_CONFIG_HOME; else process.env.XDG_CONFIG_HOME = configHome;
  });

  it('a store outside the folder named by a planted journal line is not read, and that is said once', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    plantSource(ws, elsewhere);
    const reporter = new CollectingReporter();
    const store = await WorkspaceStore.open(ws, { reporter, followEveryMs: 0 });
    await store.refresh();
    await store.imported.follow(true);
    assert.equal(imported(store), 0);
    assert.deepEqual(store.refusedSources(), [{ path: elsewhere, kind: 'mlflow-file' }]);
    assert.deepEqual(reporter.problems, [`Not reading the MLflow store ${elsewhere}: the workspace names it, but it is outside the workspace folder, and only you can allow that (in VS Code when asked, or with RunLens: Import MLflow Runs…; in a terminal with 'runlens import ${elsewhere} --allow-outside').`]);
    await store.close();
  });

  it('the same line naming a store inside the folder is followed as before, also by a relative path', async () => {
    const ws = tempWorkspace();
    mlflowStore(ws);
    plantSource(ws, 'mlruns');
    const reporter = new CollectingReporter();
    const store = await WorkspaceStore.open(ws, { reporter });
    assert.ok(imported(store) > 0);
    assert.deepEqual(store.refusedSources(), []);
    assert.deepEqual(Object.keys(store.sources()), [path.join(ws, 'mlruns')]);
    await store.close();
  });

  it('a link inside the folder to a store outside it counts as outside', async () => {
    const ws = tempWorkspace();
    fs.symlinkSync(elsewhere, path.join(ws, 'mlruns'));
    plantSource(ws, path.join(ws, 'mlruns'));
    const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
    assert.equal(imported(store), 0);
    assert.equal(store.refusedSources().length, 1);
    await store.close();
  });

  it("a store named by a planted database is not read either, nor a run's metric history from it", async () => {
    const ws = tempWorkspace();
    let store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
    store.catalog.setMeta('mlflow_sources', JSON.stringify({ [elsewhere]: { kind: 'mlflow-file' } }));
    await store.close();
    const reporter = new CollectingReporter();
    store = await WorkspaceStore.open(ws, { reporter });
    await store.imported.follow(true);
    assert.equal(imported(store), 0);
    const experiment = '276027354910446424';
    const run = fs.readdirSync(path.join(elsewhere, experiment), { withFileTypes: true }).find((d) => d.isDirectory())!.name;
    assert.ok(fs.existsSync(path.join(elsewhere, experiment, run, 'metrics')), 'a run with metric histories to read');
    assert.deepEqual(await store.history(`mlflow-file:${elsewhere}#${experiment}/${run}`), {});
    assert.equal(reporter.problems.length, 1, reporter.problems.join('\n'));
    await store.close();
  });

  it('a store this user allowed for this folder is followed; the same store planted in another folder is not', async () => {
    const ws = tempWorkspace();
    plantSource(ws, elsewhere);
    const allowedSources = { list: (folder: string) => (folder === ws ? [elsewhere] : []) };
    const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter(), allowedSources });
    assert.ok(imported(store) > 0);
    await store.close();
    const other = tempWorkspace();
    plantSource(other, elsewhere);
    const planted = await WorkspaceStore.open(other, { reporter: new CollectingReporter(), allowedSources });
    assert.equal(imported(planted), 0);
    await planted.close();
  });

  it('importing a store outside the folder is refused unless the caller allowed it', async () => {
    const ws = tempWorkspace();
    const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
    await assert.rejects(store.importSource('mlflow-file', elsewhere), /is outside the workspace folder .*: RunLens imports it only once you allow it/);
    assert.equal(fs.existsSync(path.join(ws, '.runlens', 'journal.jsonl')), false, 'nothing is recorded');
    await store.close();
  });

  it('runlens import asks for --allow-outside, remembers it outside the workspace, and later commands follow the store', async () => {
    const ws = tempWorkspace();
    const refused = await cli(['import', elsewhere, '--workspace', ws]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /is outside the workspace folder .*; its runs \(their parameters included\) would be copied into this workspace's store\. To import it and follow it from then on, run again with --allow-outside/);
    assert.equal(fs.existsSync(path.join(ws, '.runlens')), false, 'nothing is written');
    const done = await cli(['import', elsewhere, '--workspace', ws, '--allow-outside', '--json']);
    assert.equal(done.code, 0, done.err);
    const runs = JSON.parse(done.out).runs;
    assert.ok(runs > 0);
    const list = JSON.parse(fs.readFileSync(path.join(process.env.XDG_CONFIG_HOME!, 'runlens', 'allowed-sources.json'), 'utf8'));
    assert.deepEqual(list, { [ws]: [elsewhere] });
    assert.deepEqual(fs.readdirSync(ws), ['.runlens'], 'the list is not in the workspace');
    // A rebuild reads the store again, without the flag: this user allowed it for this folder.
    const rebuilt = await cli(['rebuild', '--workspace', ws]);
    assert.equal(rebuilt.code, 0, rebuilt.err);
    assert.equal(rebuilt.err, '');
    const listed = await cli(['runs', '--workspace', ws, '--all', '--json']);
    assert.equal(JSON.parse(listed.out).runs.length, runs);
  });

  it('runlens rebuild in a workspace whose journal names a store outside it: not read, said once', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    plantSource(ws, mlflowStore(tempWorkspace()));
    const r = await cli(['rebuild', '--workspace', ws]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
    assert.match(r.err, /^problem: Not reading the MLflow store .*: the workspace names it, but it is outside the workspace folder/);
    const listed = await cli(['runs', '--workspace', ws, '--all', '--json']);
    assert.deepEqual(JSON.parse(listed.out).runs.map((x: { run_id: string }) => x.run_id), ['r1']);
  });
});
