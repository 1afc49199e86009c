import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun, listRuns } from '../../src/core/store/queries';
import { FIXTURE_DB, FIXTURE_MLRUNS } from './mlflow-fixtures';
import { CollectingReporter, tempWorkspace } from './support/workspace';

async function importedWorkspace(kind: 'mlflow-file' | 'mlflow-db') {
  const ws = tempWorkspace();
  const source = kind === 'mlflow-file' ? path.join(ws, 'mlruns') : path.join(ws, 'mlflow.db');
  if (kind === 'mlflow-file') fs.cpSync(FIXTURE_MLRUNS, source, { recursive: true });
  else fs.copyFileSync(FIXTURE_DB, source);
  for (const f of [source]) fs.chmodSync(f, 0o755);
  const reporter = new CollectingReporter();
  const store = await WorkspaceStore.open(ws, { reporter, followEveryMs: 0 });
  await store.importSource(kind, source);
  return { ws, store, source, reporter };
}

const uidOf = (store: WorkspaceStore, name: string) => listRuns(store.catalog, { limit: 1000 }).find((r) => r.name === name)!.uid;

describe('edits made in the editor to imported MLflow runs', function () {
  this.timeout(30_000);

  for (const kind of ['mlflow-file', 'mlflow-db'] as const) {
    it(`survive a rebuild (${kind})`, async () => {
      const { store } = await importedWorkspace(kind);
      const uid = uidOf(store, 'lr0.003-bs16-adamw');
      await store.edit({ e: 'tag', run: uid, key: 'reviewed', value: 'yes' });
      await store.edit({ e: 'note', run: uid, text: 'the baseline' });
      const other = uidOf(store, 'lr0.0003-bs16-adamw');
      await store.edit({ e: 'delete', run: other });
      await store.rebuild();
      const run = getRun(store.catalog, uid)!;
      assert.equal(run.tags.reviewed, 'yes');
      assert.equal(run.note, 'the baseline');
      assert.equal(getRun(store.catalog, other)!.deleted, true);
      await store.close();
    });
  }

  it('survive MLflow changing the run later', async () => {
    const { store, source } = await importedWorkspace('mlflow-file');
    const uid = uidOf(store, 'lr0.03-bs16-rmsprop'); // left RUNNING by MLflow
    await store.edit({ e: 'delete', run: uid });
    await store.edit({ e: 'tag', run: uid, key: 'why', value: 'abandoned' });
    // MLflow writes to the run again: a new metric point in its file.
    const runDir = fs.readdirSync(source).flatMap((e) => fs.existsSync(path.join(source, e, uid.split('-').pop()!)) ? [path.join(source, e, uid.split('-').pop()!)] : [])[0];
    fs.appendFileSync(path.join(runDir, 'metrics', 'loss'), `${Date.now()} 0.01 99\n`);
    await store.imported.follow(true);
    const run = getRun(store.catalog, uid)!;
    assert.equal(run.metrics.loss.lastStep, 99, 'the change was read');
    assert.equal(run.deleted, true);
    assert.equal(run.tags.why, 'abandoned');
    await store.close();
  });

  it('are read again from the start when the journal is replaced by an older copy', async () => {
    const { ws, store } = await importedWorkspace('mlflow-db');
    const journal = path.join(ws, '.runlens', 'journal.jsonl');
    const uid = uidOf(store, 'default-run-1');
    await store.edit({ e: 'tag', run: uid, key: 'first', value: '1' });
    const older = fs.readFileSync(journal);
    await store.edit({ e: 'tag', run: uid, key: 'second', value: '2' });
    fs.writeFileSync(journal, older);
    await store.edit({ e: 'tag', run: uid, key: 'third', value: '3' });
    const tags = getRun(store.catalog, uid)!.tags;
    assert.deepEqual([tags.first, tags.second, tags.third], ['1', '2', '3']);
    await store.close();
  });
});

describe('following an imported mlflow.db', function () {
  this.timeout(30_000);
  it('does not read the database again while its file is unchanged', async () => {
    const { store } = await importedWorkspace('mlflow-db');
    const revision = store.catalog.revision;
    await store.imported.follow(true);
    await store.imported.follow(true);
    assert.equal(store.catalog.revision, revision);
    await store.close();
  });
});
