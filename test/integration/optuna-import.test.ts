import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, waitFor, workspaceFolder } from './support/host';

/** The study (made by real Optuna) and the script a person has for it: test/fixtures/optuna. */
function fixture(name: string): string {
  return path.join(process.env.RUNLENS_TEST_FIXTURES!, 'optuna', name);
}

describe('An Optuna study in the workspace', () => {
  let project: string;
  let storage: string;

  before(function () {
    this.timeout(120_000);
    project = path.join(workspaceFolder().uri.fsPath, 'optuna-project');
    fs.mkdirSync(project, { recursive: true });
    storage = path.join(project, 'tuning.db');
    const made = spawnSync('/usr/bin/python3', [fixture('make_grid_study.py'), storage], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } });
    assert.strictEqual(made.status, 0, made.stderr);
    fs.copyFileSync(fixture('search.py'), path.join(project, 'search.py'));
  });

  it('imports the storage read-only and shows the study in the tree, its trials as runs', async function () {
    this.timeout(60_000);
    const before = crypto.createHash('sha256').update(fs.readFileSync(storage)).digest('hex');
    await vscode.commands.executeCommand('runlens.importOptuna', vscode.Uri.file(storage));
    assert.strictEqual(crypto.createHash('sha256').update(fs.readFileSync(storage)).digest('hex'), before, 'the storage is only read');
    const { tree } = await runlensExtension().activate();
    const study = await waitFor('the study in the tree', async () => (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'optuna-grid-lens'));
    const item = tree.getTreeItem(study);
    assert.strictEqual(item.description, '5 trials · Optuna study');
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'graph-scatter');
    const trials = (await tree.getChildren(study)).filter((n) => n.kind === 'run');
    const rows = trials.map((n) => {
      const t = tree.getTreeItem(n);
      return `${t.label} ${(t.iconPath as vscode.ThemeIcon).id}`;
    }).sort();
    // Each trial by its number, finished, but the pruned one, whose icon is its own.
    assert.deepStrictEqual(rows, ['trial 0 pass', 'trial 1 pass', 'trial 2 pass', 'trial 3 pass', 'trial 4 stop-circle']);
  });

  it("counts the GridSampler's points its study has done on study.optimize, with the best by the study's direction", async function () {
    this.timeout(60_000);
    const uri = vscode.Uri.file(path.join(project, 'search.py'));
    await vscode.window.showTextDocument(uri);
    const title = await waitFor('the lens on study.optimize', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return lenses.map((l) => l.command?.title ?? '').find((t) => t.startsWith('RunLens: 4 of 6'));
    }, 30_000);
    assert.strictEqual(title, 'RunLens: 4 of 6 grid points done · best value 0.8990 (lr=0.001, optimizer=adam) · 1 pruned');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(!lenses.some((l) => /Run (the|all)/.test(l.command?.title ?? '')), 'the sampler runs its own points: no Run lens');
  });

  it("a trial.suggest_* call hovers with the values its study tried and the best trial's", async function () {
    this.timeout(30_000);
    const uri = vscode.Uri.file(path.join(project, 'search.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = doc.positionAt(doc.getText().indexOf('suggest_float') + 3);
    const hovers = await waitFor('the hover on suggest_float', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
      const text = h.flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return text.includes('RunLens') ? text : undefined;
    });
    assert.match(hovers, /`lr` in study `optuna-grid-lens`: 5 trials tried 3 values, from `0\.001` to `0\.1`\./);
    assert.match(hovers, /Best: trial \d with `lr=0\.001` · value 0\.8990/);
  });
});
