import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';

/** A finished run's log, as the Python client writes it. */
function logRun(workspace, id, experiment, params, accuracy) {
  const dir = path.join(workspace, '.runlens', 'runs', new Date().toISOString().slice(0, 10));
  fs.mkdirSync(dir, { recursive: true });
  const t = Date.now();
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment, name: null, parent: null, script: null, git: null, host: 'ui-test', pid: 1 },
    { e: 'params', t, params },
    { e: 'metrics', t, points: [['accuracy', accuracy, 0, t]] },
    { e: 'end', t: t + 1, status: 'finished', error: null },
  ];
  fs.writeFileSync(path.join(dir, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

const TRACKED = `import runlens

for lr in [0.001, 0.01, 0.1]:
    for depth in [2, 4]:
        with runlens.start_run(experiment="depths", params={"lr": lr, "depth": depth}):
            runlens.log_metric("accuracy", fit(lr, depth))
`;

const UNTRACKED = `"""Tree sizes, compared without a tracker."""
scores = {}
for n_trees in [50, 100]:
    for criterion in ["gini", "entropy"]:
        model = make_forest(n_trees, criterion)
        scores[(n_trees, criterion)] = model.score()
`;

/** A line's text as a pattern: the editor draws spaces as no-break spaces, and hints with padding. */
const shown = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ +/g, '\\s*'));

const cell = (source) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: source.split(/(?<=\n)/) });

describe('Results inline and tracking a loop, as a person sees them', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  /** Waits until the active editor shows text matching `re` on some line (inlay hints are injected text). */
  async function lineWith(re) {
    await wb.page.locator('.editor-group-container.active .view-line', { hasText: re }).first().waitFor({ timeout: 30000 });
  }

  /**
   * From the lens: the Refactor menu on the loop offers the rewrites; Ctrl+Enter on the first previews
   * it in the Refactor Preview. Returns the preview's Apply button once the change is listed there.
   */
  async function previewTracking(lens, screenshot) {
    await lens.click();
    const item = wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Track This Loop with RunLens' }).first();
    await item.waitFor({ timeout: 30000 });
    if (screenshot) await wb.screenshot(screenshot);
    await wb.page.keyboard.press('Control+Enter');
    const preview = wb.page.locator('.part.panel', { hasText: 'with runlens.start_run(params=' }).first();
    await preview.waitFor({ timeout: 30000 });
    const apply = wb.page.locator('.part.panel .monaco-button', { hasText: /^Apply$/ }).first();
    await apply.waitFor({ timeout: 15000 });
    return apply;
  }

  it('a file: each value of the loop says how it did, and an untracked loop is tracked through a preview', async function () {
    for (const [id, lr, depth, acc] of [['h1', '0.001', '2', 0.62], ['h2', '0.001', '4', 0.7], ['h3', '0.01', '2', 0.81], ['h4', '0.01', '4', 0.79]]) {
      logRun(wb.workspace, id, 'depths', { lr, depth }, acc);
    }
    fs.writeFileSync(path.join(wb.workspace, 'depths.py'), TRACKED);
    fs.writeFileSync(path.join(wb.workspace, 'forest.py'), UNTRACKED);
    // The next test's notebook, written now: Quick Open finds files once the workbench has listed them.
    for (const [id, k, acc] of [['n1', '3', 0.71], ['n2', '5', 0.75]]) logRun(wb.workspace, id, 'neighbours', { k }, acc);
    fs.writeFileSync(path.join(wb.workspace, 'neighbours.ipynb'), JSON.stringify({
      cells: [
        cell('import runlens\nneighbours = [3, 5, 7]\n'),
        cell('for k in neighbours:\n    with runlens.start_run(experiment="neighbours", params={"k": k}):\n        runlens.log_metric("accuracy", knn(k))\n'),
        { cell_type: 'markdown', metadata: {}, source: ['Weights, not tracked yet:'] },
        cell('results = []\nfor weights in ["uniform", "distance"]:\n    results.append((weights, knn(5, weights)))\n'),
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5,
    }));
    await wb.openFile('depths.py');
    // Three values on a line: each says its best result and how many of its combinations are logged.
    await lineWith(shown('[0.001 ▸ 0.7000 · 2/2, 0.01 ▸ 0.8100 · 2/2, 0.1 ▸ 0/2]'));
    await lineWith(shown('[2 ▸ 0.8100 · 2/3, 4 ▸ 0.7900 · 2/3]'));
    await wb.screenshot('loop-inlay-hints', { readme: true });

    await wb.openFile('forest.py');
    await wb.page.locator('.codelens-decoration a', { hasText: 'RunLens: 4 combinations, none tracked' }).first().waitFor({ timeout: 30000 });
    const lens = wb.page.locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Track This Loop with RunLens' }).first();
    const apply = await previewTracking(lens, 'track-loop-menu');
    // The preview lists the change before anything is written.
    await wb.screenshot('track-loop-preview', { readme: true });
    await apply.click();
    await lineWith(shown('with runlens.start_run(params={"n_trees": n_trees, "criterion": criterion}):'));
    await wb.page.locator('.codelens-decoration a', { hasText: 'RunLens: 4 combinations, none logged yet' }).first().waitFor({ timeout: 30000 });
    const saved = fs.readFileSync(path.join(wb.workspace, 'forest.py'), 'utf8');
    assert.equal(saved, UNTRACKED, 'applied in the editor, not saved behind the person\'s back');
  });

  it('a notebook: hints in the cell where the values are, and the Track action in another cell', async function () {
    await wb.openFile('neighbours.ipynb');
    await wb.page.locator('.editor-group-container.active .notebook-editor').waitFor({ timeout: 30000 });
    // The notebook's cells are drawn in an overlay above the editor group.
    const notebook = wb.page.locator('.notebookOverlay').first();
    await notebook.locator('.view-line', { hasText: shown('[3 ▸ 0.7100 · 1/1, 5 ▸ 0.7500 · 1/1, 7 ▸ 0/1]') }).first().waitFor({ timeout: 30000 });
    const track = notebook.locator('.codelens-decoration a', { hasText: 'Track This Loop with RunLens' }).first();
    await track.waitFor({ timeout: 30000 });
    await notebook.locator('.codelens-decoration a', { hasText: 'RunLens: 2 combinations, none tracked' }).first().waitFor({ timeout: 15000 });
    await wb.screenshot('notebook-inlay-hints');
    const apply = await previewTracking(track);
    await wb.screenshot('notebook-track-preview');
    await apply.click();
    await notebook.locator('.view-line', { hasText: shown('with runlens.start_run(params={"weights": weights}):') }).first().waitFor({ timeout: 15000 });
    assert.ok(await notebook.locator('.codelens-decoration a', { hasText: 'RunLens: 2 combinations, none logged yet' }).first().isVisible().catch(() => false)
      || await notebook.locator('.codelens-decoration a', { hasText: 'RunLens: 2 combinations, none logged yet' }).first().waitFor({ timeout: 30000 }).then(() => true));
  });
});
