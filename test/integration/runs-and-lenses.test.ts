import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { openWorkspaceFile, runlensExtension, waitFor, workspaceFolder } from './support/host';
import type { RunsNode } from '../../src/runs/tree';

const DAY = new Date().toISOString().slice(0, 10);

/** Writes a finished (or failed) run's log the way the Python client does. */
function logRun(id: string, experiment: string, params: Record<string, string>, metrics: Record<string, number>, status = 'finished'): void {
  const dir = path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs', DAY);
  fs.mkdirSync(dir, { recursive: true });
  const t = Date.now();
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment, name: null, parent: null, script: null, git: null, host: 'test', pid: 1 },
    { e: 'params', t, params },
    { e: 'metrics', t, points: Object.entries(metrics).map(([k, v]) => [k, v, 0, t]) },
    { e: 'end', t: t + 1, status, error: status === 'failed' ? { type: 'ValueError', message: 'diverged' } : null },
  ];
  fs.writeFileSync(path.join(dir, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

async function api() {
  const ext = runlensExtension();
  return ext.isActive ? ext.exports : ext.activate();
}

async function treeLabels(nodes: RunsNode[]): Promise<string[]> {
  const tree = (await api()).tree;
  return nodes.map((n) => {
    const item = tree.getTreeItem(n);
    return `${typeof item.label === 'string' ? item.label : item.label?.label} | ${item.description ?? ''}`;
  });
}

async function lensTitles(file: string): Promise<string[]> {
  const uri = vscode.Uri.joinPath(workspaceFolder().uri, file);
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
  return lenses.map((l) => l.command?.title ?? '').filter((t) => t.startsWith('RunLens'));
}

describe('runs in the tree and warnings on the loop, from real run logs', () => {
  before(async () => {
    await openWorkspaceFile('train.py');
    logRun('a1', 'sweep', { lr: '0.001', bs: '32', seed: '1' }, { accuracy: 0.81 });
    logRun('a2', 'sweep', { lr: '1e-3', bs: '64.0' }, { accuracy: 0.77 });
    logRun('a3', 'sweep', { lr: '0.1', bs: '32' }, { accuracy: 0.2 }, 'failed');
  });

  it('the tree shows the experiment, its runs with status and key metric, and their params', async () => {
    const { tree } = await api();
    const experiments = await waitFor('the sweep experiment in the tree', async () => {
      const roots = await tree.getChildren();
      return roots.length && (await treeLabels(roots)).some((l) => l.startsWith('sweep | 3 runs')) ? roots : undefined;
    });
    const runs = await tree.getChildren(experiments.find((n) => n.kind === 'experiment' && n.experiment.name === 'sweep'));
    const labels = await treeLabels(runs);
    assert.strictEqual(labels.length, 3, labels.join('\n'));
    // The key metric first in the description; the status is the icon, not words that push it off the row.
    assert.ok(labels.some((l) => /^bs=32, lr=0\.001, seed=1 \| 0\.8100 accuracy · \d+[smhd] ago$/.test(l)), labels.join('\n'));
    assert.ok(labels.some((l) => /^bs=32, lr=0\.1 \| 0\.2000 accuracy · \d+[smhd] ago$/.test(l)), labels.join('\n'));
    const failed = runs.find((n) => n.kind === 'run' && n.run.uid === 'a3')!;
    assert.strictEqual((tree.getTreeItem(failed).iconPath as vscode.ThemeIcon).id, 'error');
    const groups = await tree.getChildren(failed);
    const params = await tree.getChildren(groups.find((g) => g.kind === 'group' && g.group === 'params'));
    assert.deepStrictEqual(await treeLabels(params), ['bs | 32', 'lr | 0.1']);
  });

  it('the tree filters runs with the query language (params by meaning, metrics by value, or)', async () => {
    const { tree } = await api();
    const experiment = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'sweep');
    try {
      tree.options.filter = 'params.lr = 1e-3 and metrics.accuracy > 0.8 or status = failed';
      assert.ok((await treeLabels(await tree.getChildren())).includes('sweep | 2 of 3 runs match'));
      const runs = await tree.getChildren(experiment);
      assert.deepStrictEqual(runs.map((n) => (n.kind === 'run' ? n.run.uid : n.kind)).sort(), ['a1', 'a3']);
      tree.options.filter = 'params.lr = 0.5';
      assert.deepStrictEqual((await treeLabels(await tree.getChildren(experiment))), ['No run matches the filter | ']);
    } finally {
      tree.options.filter = '';
    }
  });

  it('the view says which filter is on and how many runs it leaves, and offers to clear it', async () => {
    const { view, tree, stores } = await api();
    // Earlier test files logged runs into this workspace too: every run counts.
    const total = (await Promise.all((await stores.all()).map((s) => s.client.api.countRuns()))).reduce((a, b) => a + b, 0);
    try {
      await view.setFilter('params.lr = 0.5');
      assert.strictEqual(view.view.message, `Filter: params.lr = 0.5 · 0 of ${total} runs match`);
      assert.deepStrictEqual(await treeLabels(await tree.getChildren()), ['Clear the filter | ']);
      await view.setFilter(" experiment = 'sweep' and status = failed ");
      assert.strictEqual(view.view.message, `Filter: experiment = 'sweep' and status = failed · 1 of ${total} runs match`);
      assert.strictEqual(view.view.description, undefined, 'the title stays short: the filter is in the message');
    } finally {
      await vscode.commands.executeCommand('runlens.clearFilter');
    }
    assert.strictEqual(view.view.message, undefined);
    assert.strictEqual(tree.options.filter, '');
    assert.strictEqual(view.state, 'ready');
  });

  it('the CodeLens on the loop counts logged combinations by meaning (1e-3 == 0.001, 64.0 == 64)', async () => {
    const titles = await waitFor('the lens to count the runs', async () => {
      const t = await lensTitles('train.py');
      return t.length && t[0].includes('2 of 6') ? t : undefined;
    });
    assert.deepStrictEqual(titles, ['RunLens: 2 of 6 combinations logged · best accuracy 0.8100 (lr=0.001, bs=32) · 1 failed']);
  });

  it('a literal value with results has a hover naming the runs', async () => {
    const editor = await openWorkspaceFile('train.py');
    const text = editor.document.getText();
    const at = editor.document.positionAt(text.indexOf('0.001') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, at);
    const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(md, /lr=0\.001.*2 of 2 combinations logged, best accuracy 0\.8100/);
    assert.match(md, /a1/);
  });

  it('a value whose every combination is logged gets a diagnostic', async () => {
    const uri = vscode.Uri.joinPath(workspaceFolder().uri, 'train.py');
    const diags = await waitFor('the diagnostic', () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'RunLens').length ? vscode.languages.getDiagnostics(uri) : undefined);
    assert.deepStrictEqual(diags.map((d) => d.message), ['Every combination with lr=0.001 is already logged (2); best accuracy 0.8100.']);
    assert.strictEqual(diags[0].severity, vscode.DiagnosticSeverity.Information);
  });

  it('a new run shows in the lens within seconds', async () => {
    logRun('a4', 'sweep', { lr: '0.01', bs: '32' }, { accuracy: 0.9 });
    const titles = await waitFor('the lens to see the new run', async () => {
      const t = await lensTitles('train.py');
      return t.length && t[0].includes('3 of 6') ? t : undefined;
    }, 10_000);
    assert.match(titles[0], /best accuracy 0\.9000 \(lr=0\.01, bs=32\)/);
  });

  it('works in a notebook: a loop in one cell over a list defined in an earlier cell', async () => {
    const nb = path.join(workspaceFolder().uri.fsPath, 'sweep.ipynb');
    const cell = (source: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: source.split(/(?<=\n)/) });
    fs.writeFileSync(nb, JSON.stringify({
      cells: [cell('import mlflow\nrates = [0.001, 0.01, 0.5]\n'), { cell_type: 'markdown', metadata: {}, source: ['# Sweep'] },
        cell('for lr in rates:\n    with mlflow.start_run():\n        mlflow.log_param("lr", lr)\n        mlflow.log_param("bs", 32)\n')],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5,
    }));
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(nb));
    await vscode.window.showNotebookDocument(doc);
    const loopCell = doc.cellAt(2).document;
    const titles = await waitFor('the lens in the notebook cell', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', loopCell.uri);
      const t = lenses.map((l) => l.command?.title ?? '').filter((x) => x.startsWith('RunLens'));
      return t.length ? t : undefined;
    });
    assert.deepStrictEqual(titles, ['RunLens: 2 of 3 combinations logged · best accuracy 0.9000 (lr=0.01, bs=32)']);
  });
});
