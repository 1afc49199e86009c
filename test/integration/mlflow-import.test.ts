import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, waitFor, workspaceFolder } from './support/host';
import { addFileStoreRuns } from '../../bench/mlflow-stores';

/** The shared MLflow 2.17.2 fixture: beside the checkout in CI and on developer machines. */
function fixture(): string {
  const dir = process.env.RUNLENS_FIXTURES ?? path.join(runlensExtension().extensionPath, '..', 'shared', 'fixtures');
  return path.join(dir, 'mlflow-2.17.2');
}

describe('MLflow runs already in the workspace', () => {
  let project: string;

  before(async () => {
    project = path.join(workspaceFolder().uri.fsPath, 'mlflow-project');
    fs.cpSync(path.join(fixture(), 'mlruns'), path.join(project, 'mlruns'), { recursive: true });
    fs.copyFileSync(path.join(fixture(), 'mlflow.db'), path.join(project, 'mlflow.db'));
    fs.writeFileSync(path.join(project, 'grid.py'), [
      'import mlflow', '',
      'for learning_rate in [3e-4, 0.003, 0.03]:',
      '    for batch_size in [16, 128]:',
      '        for optimizer in ["adamw", "rmsprop"]:',
      '            with mlflow.start_run():',
      '                mlflow.log_params({"learning_rate": learning_rate, "batch_size": batch_size, "optimizer": optimizer})', '',
    ].join('\n'));
    for (const d of fs.readdirSync(project)) fs.chmodSync(path.join(project, d), 0o755);
  });

  it('imports mlflow.db read-only: its bytes are unchanged', async () => {
    const db = path.join(project, 'mlflow.db');
    const before = crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex');
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(db));
    assert.strictEqual(crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex'), before);
  });

  it('shows the imported experiments and runs in the tree, deleted ones hidden', async () => {
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(path.join(project, 'mlruns')));
    const { tree } = await runlensExtension().activate();
    const roots = await waitFor('tune-mlp in the tree', async () => {
      const r = await tree.getChildren();
      return r.some((n) => n.kind === 'experiment' && n.experiment.name === 'tune-mlp') ? r : undefined;
    });
    const names = roots.filter((n) => n.kind === 'experiment').map((n) => (n.kind === 'experiment' ? `${n.experiment.name}:${n.experiment.runs}` : ''));
    // Both stores hold the same 24 runs: each shows twice (one per store), the deleted run and experiment not at all.
    assert.ok(names.includes('tune-mlp:26'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('abandoned')), names.join(', '));
  });

  it('shows a run MLflow left RUNNING as running, with a hint that it looks abandoned', async () => {
    await vscode.workspace.getConfiguration('runlens').update('mlflow.abandonedAfterHours', 0, vscode.ConfigurationTarget.Workspace);
    const { tree } = await runlensExtension().activate();
    const experiment = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'tune-mlp');
    const runs = await tree.getChildren(experiment);
    const stale = runs.filter((n) => n.kind === 'run' && n.run.name === 'lr0.03-bs16-rmsprop').map((n) => tree.getTreeItem(n));
    assert.strictEqual(stale.length, 2);
    // A question mark for an icon; the tooltip says what it means.
    for (const item of stale) {
      assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'question');
      assert.match((item.tooltip as vscode.MarkdownString).value, /running\? no update for .*, looks abandoned/);
    }
    await vscode.workspace.getConfiguration('runlens').update('mlflow.abandonedAfterHours', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('recognises the tune-mlp grid as logged in a loop over the same values', async () => {
    const uri = vscode.Uri.file(path.join(project, 'grid.py'));
    await vscode.window.showTextDocument(uri);
    const titles = await waitFor('the lens on the grid', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const t = lenses.map((l) => l.command?.title ?? '').filter((x) => x.startsWith('RunLens'));
      return t.length ? t : undefined;
    });
    assert.deepStrictEqual(titles, ['RunLens: 9 of 12 combinations logged · best accuracy 0.9633 (learning_rate=0.03, batch_size=128, optimizer=adamw) · 1 failed · 1 killed · 1 running']);
  });

  it('imports a large mlruns/ folder, its store thread sharing the reading with a second one', async function () {
    this.timeout(180_000);
    // 1,500 runs (31,500 files, 750,000 points): past the size at which a first read takes a second thread.
    const big = path.join(project, 'big', 'mlruns');
    for (let from = 0; from < 1500; from += 50) {
      addFileStoreRuns(big, from, 50); // this test runs in the extension host: a little at a time
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { tree, stores } = await runlensExtension().activate();
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(big));
    const [store] = await stores.all();
    const bench = await waitFor('the bench experiment with its 1,500 runs', async () => {
      for (const n of await tree.getChildren()) if (n.kind === 'experiment' && n.experiment.name === 'bench' && n.experiment.runs === 1500) return n.experiment;
      return undefined;
    }, 120_000);
    // The last runs are the second thread's share: their params and metrics are there too.
    const last = (await store.client.api.runs({ experimentId: bench.id, limit: 2000 })).find((r) => r.name === 'run-1499');
    assert.ok(last, 'run-1499 is in the store');
    assert.ok(Object.keys(last.params).length === 10 && Object.keys(last.metrics).length === 5, JSON.stringify(last));
  });

  it('follows a store outside the folder only when the person imports it, not because the journal names it', async () => {
    const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-elsewhere-')), 'mlruns');
    fs.cpSync(path.join(fixture(), 'mlruns'), outside, { recursive: true });
    const { stores } = await runlensExtension().activate();
    const [store] = await stores.all();
    const runsBefore = await store.client.api.countRuns(undefined, true);
    fs.appendFileSync(path.join(workspaceFolder().uri.fsPath, '.runlens', 'journal.jsonl'), JSON.stringify({ e: 'source', kind: 'mlflow-file', path: outside, t: 1 }) + '\n');
    await waitFor('the planted source to be seen and refused', async () => (await store.client.api.refusedSources()).some((r) => r.path === outside));
    await store.client.api.refresh();
    assert.strictEqual(await store.client.api.countRuns(undefined, true), runsBefore, 'nothing was read from it');
    assert.deepStrictEqual(stores.allowedSources.list(workspaceFolder().uri.fsPath), []);
    // The person's own import of it: remembered in the global state, and followed.
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(outside));
    assert.deepStrictEqual(stores.allowedSources.list(workspaceFolder().uri.fsPath), [outside]);
    assert.deepStrictEqual(await store.client.api.refusedSources(), []);
    assert.ok(await store.client.api.countRuns(undefined, true) > runsBefore);
  });
});
