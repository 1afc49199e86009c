import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, useWorkbench } from './helpers.mjs';
import { contextMenu, treeRow, webviewWithHeading } from './support/webviews.mjs';
import { mlflowStoresWithArtifacts, RUNS_WITH_ARTIFACTS } from '../harness/mlflowArtifacts.mjs';

const EXPERIMENT = 'iris-artifacts';
const IMPORTED = 'mlflow-artifacts';
const FIXTURE = path.join(process.env.RUNLENS_FIXTURES ?? path.join(REPO, '..', 'shared', 'fixtures'), 'mlflow-2.17.2');

// Three runs logged by the real client through runlens.mlflow, with scikit-learn autologging:
// each gets MLflow's training_confusion_matrix.png; a CSV of per-class scores is logged by hand.
const SCRIPT = `
import runlens.mlflow as mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support

mlflow.set_experiment("${EXPERIMENT}")
mlflow.sklearn.autolog(log_post_training_metrics=False)
X, y = load_iris(return_X_y=True)
for C in [0.01, 0.1, 1.0]:
    with mlflow.start_run(run_name="C=%s" % C):
        model = LogisticRegression(C=C, max_iter=500).fit(X, y)
        p, r, f, n = precision_recall_fscore_support(y, model.predict(X))
        rows = ["class,precision,recall,f1,support"] + [
            "%s,%.3f,%.3f,%.3f,%d" % (name, p[i], r[i], f[i], n[i])
            for i, name in enumerate(["setosa", "versicolor", "virginica"])]
        mlflow.log_text("\\n".join(rows) + "\\n", "eval/per_class.csv")
`;

describe('Artifacts in run details and comparison, in the real workbench', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  before(async function () {
    this.timeout(180_000);
    const script = path.join(wb.workspace, 'iris_artifacts.py');
    fs.writeFileSync(script, SCRIPT);
    execFileSync('/usr/bin/python3', [script], { cwd: wb.workspace, env: { ...process.env, PYTHONPATH: path.join(REPO, 'python'), RUNLENS_DIR: path.join(wb.workspace, '.runlens') }, stdio: 'pipe' });
    // MLflow's own stores (the shared 2.17.2 fixture, with artifacts): imported by the command
    // line, which hands the import to this window, the store's writer.
    const initSqlJs = (await import('sql.js')).default;
    const project = path.join(wb.workspace, 'mlflow-project');
    mlflowStoresWithArtifacts(FIXTURE, project, await initSqlJs(), IMPORTED);
    for (const store of ['mlruns', 'mlflow.db']) {
      execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'import', path.join(project, store), '--workspace', wb.workspace], { stdio: 'pipe' });
    }
  });

  async function showArtifacts(frame) {
    const section = frame.locator('section.artifacts');
    await section.waitFor({ timeout: 20000 });
    await section.scrollIntoViewIfNeeded();
    return section;
  }

  /** Waits until an <img> in `scope` has drawn its picture. */
  async function drawn(scope, count = 1) {
    await scope.locator('img.artifact-image').nth(count - 1).waitFor({ timeout: 20000 });
    const widths = await scope.locator('img.artifact-image').evaluateAll((imgs) => imgs.map((i) => (i.complete ? i.naturalWidth : 0)));
    assert.equal(widths.filter((w) => w > 0).length, count, `pictures drawn: ${widths}`);
  }

  it('shows a run\'s files as a tree, its confusion matrix inline and its CSV as a table', async function () {
    await wb.openView('RunLens');
    await (await wb.view('Runs')).locator('.monaco-list-row', { hasText: EXPERIMENT }).waitFor({ timeout: 60000 });
    await wb.expandTreeRow('Runs', EXPERIMENT);
    await (await treeRow(wb, 'Runs', 'C=1.0')).click();
    const frame = await webviewWithHeading(wb, 'C=1.0');
    const section = await showArtifacts(frame);
    assert.deepEqual(await section.locator('.artifact-file').allInnerTexts(), [
      '▦ per_class.csv', '≡ MLmodel', '≡ conda.yaml', '· model.pkl', '≡ python_env.yaml', '≡ requirements.txt',
      '≡ estimator.html', '▣ training_confusion_matrix.png',
    ], 'folders first (eval/, model/), then files, by name');
    await drawn(section);
    assert.equal(await section.locator('.artifact-path').innerText(), 'training_confusion_matrix.png');
    await wb.screenshot('artifacts-details', { readme: true });

    await section.locator('.artifact-file', { hasText: 'per_class.csv' }).click();
    const table = section.locator('table.csv');
    await table.waitFor({ timeout: 10000 });
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['class', 'precision', 'recall', 'f1', 'support']);
    assert.equal(await table.locator('tbody tr').count(), 3);
    assert.equal(await frame.locator('img.artifact-image').count(), 0, 'the preview shows one file at a time');
    await wb.screenshot('artifacts-details-csv');
  });

  it('puts the confusion matrices of three runs side by side in the comparison', async function () {
    await (await treeRow(wb, 'Runs', 'C=0.1')).click({ modifiers: ['Control'] });
    const third = await treeRow(wb, 'Runs', 'C=0.01');
    await third.click({ modifiers: ['Control'] });
    await third.click({ button: 'right' });
    await contextMenu(wb, 'Compare Runs');
    const frame = await webviewWithHeading(wb, '3 runs');
    const section = await showArtifacts(frame);
    assert.equal(await section.locator('select').inputValue(), 'training_confusion_matrix.png', 'the first shared image');
    await drawn(section, 3);
    assert.deepEqual((await section.locator('figcaption').allInnerTexts()).map((t) => t.split(' · ')[0].trim()).sort(), ['C=0.01', 'C=0.1', 'C=1.0']);
    await wb.screenshot('artifacts-compare', { readme: true });

    await section.locator('select').selectOption('eval/per_class.csv');
    await section.locator('table.csv').nth(2).waitFor({ timeout: 10000 });
    assert.equal(await section.locator('table.csv').count(), 3, 'a table per run, next to each other');
  });

  it('shows an imported MLflow run\'s artifacts, and compares them side by side', async function () {
    await wb.openView('RunLens');
    await (await wb.view('Runs')).locator('.monaco-list-row', { hasText: IMPORTED }).waitFor({ timeout: 60000 });
    await wb.expandTreeRow('Runs', IMPORTED);
    const row = await treeRow(wb, 'Runs', RUNS_WITH_ARTIFACTS[1]);
    await row.click();
    const frame = await webviewWithHeading(wb, RUNS_WITH_ARTIFACTS[1]);
    const section = await showArtifacts(frame);
    await drawn(section);
    await section.locator('.artifact-file', { hasText: 'metrics.csv' }).click();
    await section.locator('table.csv thead th', { hasText: 'loss' }).waitFor({ timeout: 10000 });
    await wb.screenshot('artifacts-mlflow-details');

    for (const name of [RUNS_WITH_ARTIFACTS[0], RUNS_WITH_ARTIFACTS[2]]) await (await treeRow(wb, 'Runs', name)).click({ modifiers: ['Control'] });
    await (await treeRow(wb, 'Runs', RUNS_WITH_ARTIFACTS[2])).click({ button: 'right' });
    await contextMenu(wb, 'Compare Runs');
    const compare = await webviewWithHeading(wb, '3 runs');
    const side = await showArtifacts(compare);
    await drawn(side, 3);
    await wb.screenshot('artifacts-mlflow-compare');
  });

  it('compares imported MLflow runs in the views people decide with: smoothed charts, best per run, which parameters matter', async function () {
    const compare = await webviewWithHeading(wb, '3 runs');
    await compare.locator('.chart canvas').first().waitFor();
    await compare.locator('.chart-controls').scrollIntoViewIfNeeded();
    await compare.locator('main').evaluate((el) => el.removeAttribute('data-redraw-ms'));
    await compare.locator('input[aria-label="Smoothing"]').fill('0.6');
    await compare.locator('main[data-redraw-ms]').waitFor();
    await compare.locator('select[aria-label="Metric value"]').selectOption('best');
    await compare.locator('table.metrics[data-stat="best"]').waitFor();
    const bars = compare.locator('.importance .importance-row');
    await bars.first().waitFor();
    assert.ok((await bars.count()) >= 1);
    assert.match(await compare.locator('.importance-method').innerText(), /fitted to 3 runs/);
    await wb.screenshot('mlflow-compare-views');
  });
});
