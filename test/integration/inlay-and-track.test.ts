// Inlay hints after a loop's values, and "Track This Loop with RunLens" on a loop that records its
// results without a tracker, on a real file and a real notebook in the extension host. Keys and
// experiments here (i19_*) are this file's own: the workspace is shared with the other tests.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { openWorkspaceFile, waitFor, workspaceFolder } from './support/host';
import { logRun } from './support/runLogs';

const TRACKED = `import runlens

for i19_lr in [0.001, 0.01]:
    for i19_depth in [2, 4]:
        with runlens.start_run(experiment="i19-hints", params={"i19_lr": i19_lr, "i19_depth": i19_depth}):
            runlens.log_metric("accuracy", 0.5)
`;

const UNTRACKED = `"""Tree depths, compared without a tracker."""
scores = {}
for i19_n in [10, 20]:
    for i19_crit in ["gini", "entropy"]:
        model = make_model(i19_n, i19_crit)
        scores[(i19_n, i19_crit)] = model.score()
`;

/** The inlay hints of a document (or cell), with the text they follow. */
async function hintsOf(doc: vscode.TextDocument): Promise<string[]> {
  const range = new vscode.Range(0, 0, doc.lineCount, 0);
  const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range);
  return hints.filter((h) => String(typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')).startsWith('▸'))
    .map((h) => {
      const line = doc.lineAt(h.position.line).text.slice(0, h.position.character);
      const literal = /[\w."'-]+$/.exec(line)?.[0] ?? '';
      return `${literal} ${typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')}`;
    });
}

async function lensTitles(doc: vscode.TextDocument): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
  return lenses.map((l) => l.command?.title ?? '');
}

/** Runs the "Track This Loop with RunLens" code action at a line, as one edit, and gives its title. */
async function track(doc: vscode.TextDocument, line: number): Promise<string[]> {
  const actions = await waitFor('the Track This Loop action', async () => {
    const found = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri,
      new vscode.Range(line, 0, line, 0), vscode.CodeActionKind.RefactorRewrite.value);
    const mine = found.filter((a) => a.title.startsWith('Track This Loop with RunLens'));
    return mine.length ? mine : undefined;
  });
  const [first] = actions;
  assert.ok(first.edit && first.isPreferred, 'the preferred action carries its edit (the Refactor menu previews it on request)');
  assert.ok(await vscode.workspace.applyEdit(first.edit));
  return actions.map((a) => a.title);
}

const FULL_HINTS = ['0.001 ▸ accuracy 0.7000 · 2/2', '0.01 ▸ accuracy 0.8100 · 1/2', '2 ▸ accuracy 0.8100 · 2/2', '4 ▸ accuracy 0.7000 · 1/2'];
const SHORT_HINTS = ['0.001 ▸ 0.7000 · 2/2', '0.01 ▸ 0.8100 · 1/2', '2 ▸ 0.8100 · 2/2', '4 ▸ 0.7000 · 1/2'];

/** VS Code cuts a line's hints past `editor.inlayHints.maximumLength` in the VS Codes that have that setting; 1.90 has none and cuts nothing and the hints say it all. */
function cutsHints(): boolean {
  return vscode.workspace.getConfiguration('editor').inspect('inlayHints.maximumLength')?.defaultValue !== undefined;
}

describe('inlay hints and Track This Loop with RunLens', () => {
  before(() => {
    for (const [id, lr, depth, acc] of [['i19a', '0.001', '2', 0.61], ['i19b', '0.001', '4', 0.7], ['i19c', '0.01', '2', 0.81]] as const) {
      logRun({ id, experiment: 'i19-hints', params: { i19_lr: lr, i19_depth: depth }, history: { accuracy: [acc] } });
    }
  });

  it('a file: a hint after each value says the best result of its runs and how many combinations are logged, and a setting turns them off', async () => {
    fs.writeFileSync(path.join(workspaceFolder().uri.fsPath, 'i19_hints.py'), TRACKED);
    const doc = (await openWorkspaceFile('i19_hints.py')).document;
    const hints = await waitFor('the hints to count the runs', async () => {
      const h = await hintsOf(doc);
      return h.some((x) => x.endsWith('· 2/2')) ? h : undefined;
    });
    const editor = vscode.workspace.getConfiguration('editor');
    if (!cutsHints()) {
      assert.deepStrictEqual(hints, FULL_HINTS);
    } else {
      // Two values on a line: all they would say, with the metric's name, is more than VS Code shows
      // of a line's hints (43 characters), so they say the result and the count.
      assert.deepStrictEqual(hints, SHORT_HINTS);
      await editor.update('inlayHints.maximumLength', 0, vscode.ConfigurationTarget.Workspace);
      try {
        await waitFor('the hints to name the metric', async () => (await hintsOf(doc)).includes('0.001 ▸ accuracy 0.7000 · 2/2'));
      } finally {
        await editor.update('inlayHints.maximumLength', undefined, vscode.ConfigurationTarget.Workspace);
      }
    }
    const config = vscode.workspace.getConfiguration('runlens');
    await config.update('inlayHints.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the hints to go', async () => (await hintsOf(doc)).length === 0);
    } finally {
      await config.update('inlayHints.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the hints to come back', async () => (await hintsOf(doc)).length === 4);
  });

  it('a file: an untracked loop reads "none tracked"; the action runs its body inside runlens.start_run, and one undo takes it back', async () => {
    fs.writeFileSync(path.join(workspaceFolder().uri.fsPath, 'i19_untracked.py'), UNTRACKED);
    const editor = await openWorkspaceFile('i19_untracked.py');
    const doc = editor.document;
    const titles = await waitFor('the untracked lens', async () => {
      const t = await lensTitles(doc);
      return t.some((x) => x.startsWith('RunLens')) ? t : undefined;
    });
    assert.deepStrictEqual(titles, ['RunLens: 4 combinations, none tracked', '$(add) Track This Loop with RunLens']);
    assert.deepStrictEqual(await hintsOf(doc), [], 'no hints on a loop nothing of which can be logged');
    const offered = await track(doc, 2);
    assert.deepStrictEqual(offered, ['Track This Loop with RunLens', 'Track This Loop with RunLens, Skipping Logged Combinations (runlens.grid)']);
    assert.strictEqual(doc.getText(), `"""Tree depths, compared without a tracker."""
import runlens
scores = {}
for i19_n in [10, 20]:
    for i19_crit in ["gini", "entropy"]:
        with runlens.start_run(params={"i19_n": i19_n, "i19_crit": i19_crit}):
            model = make_model(i19_n, i19_crit)
            scores[(i19_n, i19_crit)] = model.score()
`);
    await waitFor('the lens to count what is logged', async () => (await lensTitles(doc)).includes('RunLens: 4 combinations, none logged yet'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(doc.getText(), UNTRACKED, 'one undo takes the whole change back');
  });

  it('a notebook: hints in a cell whose loop is logged, and the action on an untracked loop in another cell', async () => {
    const nb = path.join(workspaceFolder().uri.fsPath, 'i19_track.ipynb');
    const cell = (source: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: source.split(/(?<=\n)/) });
    fs.writeFileSync(nb, JSON.stringify({
      cells: [
        cell('import runlens\nrates = [0.001, 0.01]\ndepths = [2, 4]\n'),
        { cell_type: 'markdown', metadata: {}, source: ['# Logged'] },
        cell(TRACKED.replace('for i19_lr in [0.001, 0.01]:', 'for i19_lr in rates:').replace('[2, 4]', 'depths').replace('import runlens\n\n', '')),
        cell('records = []\nfor i19_k in [3, 5, 7]:\n    records.append((i19_k, fit(i19_k)))\n'),
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5,
    }));
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(nb));
    await vscode.window.showNotebookDocument(notebook);
    // The logged loop's values are in the first cell: their hints are there.
    const hints = await waitFor('the hints in the first cell', async () => {
      const h = await hintsOf(notebook.cellAt(0).document);
      return h.some((x) => x.endsWith('· 2/2')) ? h : undefined;
    });
    assert.deepStrictEqual(hints, cutsHints() ? SHORT_HINTS : FULL_HINTS);
    const untracked = notebook.cellAt(3).document;
    assert.deepStrictEqual((await lensTitles(untracked)).filter((t) => t.startsWith('RunLens')), ['RunLens: 3 combinations, none tracked']);
    await track(untracked, 1);
    // The first cell imports runlens already: the tracked cell does not import it again.
    assert.strictEqual(untracked.getText(), 'records = []\nfor i19_k in [3, 5, 7]:\n    with runlens.start_run(params={"i19_k": i19_k}):\n        records.append((i19_k, fit(i19_k)))\n');
    await waitFor('the cell\'s lens to count what is logged', async () => (await lensTitles(untracked)).includes('RunLens: 3 combinations, none logged yet'));
  });
});
