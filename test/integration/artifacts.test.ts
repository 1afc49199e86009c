import * as assert from 'assert';
import { posted } from './support/panels';
import { api } from './support/launch';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, waitFor, workspaceFolder } from './support/host';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { ARTIFACT_PATHS, mlflowStoresWithArtifacts, RUNS_WITH_ARTIFACTS } from '../harness/mlflowArtifacts.mjs';
import type { CompareToWebview, DetailsToWebview } from '../../src/webview/protocol';

// Names no other test uses: the workspace is shared by every integration test.
const EXPERIMENT = 'artifacts-int';
const IMPORTED = 'artifacts-int-mlflow';

function fixture(): string {
  const dir = process.env.RUNLENS_FIXTURES ?? path.join(runlensExtension().extensionPath, '..', 'shared', 'fixtures');
  return path.join(dir, 'mlflow-2.17.2');
}

/** Runs logged by the real Python client (Debian's interpreter, as the Python tier uses). */
const SCRIPT = `
import numpy as np
import runlens

runlens.set_experiment("${EXPERIMENT}")
for i, name in enumerate(["small", "large"]):
    with runlens.start_run(name=name, params={"width": 64 * (i + 1)}):
        image = np.zeros((60, 90, 3))
        image[:, : 30 * (i + 1)] = [0.2, 0.4, 0.9]
        runlens.log_image(image, "plots/confusion_matrix.png")
        runlens.log_table({"epoch": [0, 1, 2], "loss": [1.0, 0.6 - 0.1 * i, 0.4 - 0.1 * i]}, "eval/table.json")
        runlens.log_text("epoch,loss\\n0,1.0\\n1,%s\\n" % (0.6 - 0.1 * i), "data/metrics.csv")
        runlens.log_text("# Notes\\n\\nA **bold** claim, and <b>not html</b>.", "notes.md")
        runlens.log_text('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><script>alert(1)</script><rect width="20" height="20" fill="red"/></svg>', "plots/drawing.svg")
`;

describe('artifacts in run details and comparison', () => {
  before(async function () {
    this.timeout(120_000);
    const ws = workspaceFolder().uri.fsPath;
    const script = path.join(ws, 'log_artifacts_int.py');
    fs.writeFileSync(script, SCRIPT);
    execFileSync('/usr/bin/python3', [script], {
      cwd: ws, env: { ...process.env, PYTHONPATH: path.join(runlensExtension().extensionPath, 'python'), RUNLENS_DIR: path.join(ws, '.runlens') },
    });
    const project = path.join(ws, 'mlflow-artifacts-int');
    mlflowStoresWithArtifacts(fixture(), project, await loadSqlJs(), IMPORTED);
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(path.join(project, 'mlruns')));
    await vscode.commands.executeCommand('runlens.importMlflow', vscode.Uri.file(path.join(project, 'mlflow.db')));
  });

  after(async () => {
    for (const p of (await api()).panels.open()) (p as unknown as vscode.Disposable).dispose();
  });

  afterEach(async () => {
    for (const p of (await api()).panels.open()) assert.deepStrictEqual(p.cspViolations, [], `the ${p.kind} page loads within its Content-Security-Policy`);
  });

  async function runsOf(experiment: string, count: number) {
    const { tree } = await api();
    const node = await waitFor(`${experiment} with ${count} runs in the tree`, async () =>
      (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === experiment && n.experiment.runs === count));
    return (await tree.getChildren(node)).filter((n) => n.kind === 'run');
  }

  it('lists a RunLens run\'s artifacts in its details, and previews an image and a CSV', async () => {
    const [large] = (await runsOf(EXPERIMENT, 2)).filter((n) => n.kind === 'run' && n.run.name === 'large');
    await vscode.commands.executeCommand('runlens.openRunDetails', large);
    const { panel, message } = await posted<DetailsToWebview & { type: 'details' }>('details', 'details', (m) => m.run.title === 'large');
    assert.deepStrictEqual(message.run.artifacts.files.map((f) => [f.path, f.kind]), [
      ['data/metrics.csv', 'csv'], ['eval/table.json', 'json'], ['notes.md', 'markdown'], ['plots/confusion_matrix.png', 'image'], ['plots/drawing.svg', 'image'],
    ]);
    assert.strictEqual(message.run.artifacts.unavailable, null);
    // The page asks for the first image itself.
    const image = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.preview.path === 'plots/confusion_matrix.png');
    assert.strictEqual(image.message.preview.kind, 'image');
    assert.match((image.message.preview as { src: string }).src, /^data:image\/png;base64,iVBORw0KGgo/);
    await panel.deliver({ type: 'previewArtifact', path: 'data/metrics.csv' });
    const csv = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.preview.path === 'data/metrics.csv');
    assert.deepStrictEqual(csv.message.preview, { path: 'data/metrics.csv', size: 23, kind: 'csv', rows: [['epoch', 'loss'], ['0', '1.0'], ['1', '0.5']], truncated: false });
    // An SVG goes to the page as an image to put in <img>, never as markup to insert.
    await panel.deliver({ type: 'previewArtifact', path: 'plots/drawing.svg' });
    const svg = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.preview.path === 'plots/drawing.svg');
    assert.match((svg.message.preview as { src: string }).src, /^data:image\/svg\+xml;base64,/);
    await panel.deliver({ type: 'previewArtifact', path: '../../runs' });
    const refused = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.preview.path === '../../runs');
    assert.strictEqual(refused.message.preview.kind, 'none', 'a path the run does not list is not read');
  });

  it('opens an artifact in an editor', async () => {
    const { panel } = await posted('details', 'details');
    await panel.deliver({ type: 'openArtifact', path: 'data/metrics.csv' });
    await waitFor('the CSV in an editor', () => vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath.endsWith(path.join('data', 'metrics.csv'))
      && e.document.uri.fsPath.includes(path.join('.runlens', 'artifacts'))));
  });

  it('shows an imported MLflow run\'s artifacts, from a file store and from mlflow.db\'s artifact root', async () => {
    const store = (await (await api()).stores.all())[0];
    const named = (await runsOf(IMPORTED, 6)).filter((n) => n.kind === 'run' && n.run.name === RUNS_WITH_ARTIFACTS[1]);
    assert.strictEqual(named.length, 2, 'one from each store');
    for (const node of named) {
      if (node.kind !== 'run') continue;
      const detail = (await store.client.api.run(node.run.uid))!;
      await vscode.commands.executeCommand('runlens.openRunDetails', node);
      const { panel, message } = await posted<DetailsToWebview & { type: 'details' }>('details', 'details', (m) => m.run.uid === detail.uid);
      assert.deepStrictEqual(message.run.artifacts.files.map((f) => f.path), ARTIFACT_PATHS, detail.source);
      const image = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.uid === detail.uid && m.preview.path === 'plots/confusion_matrix.png');
      assert.strictEqual(image.message.preview.kind, 'image');
      await panel.deliver({ type: 'previewArtifact', path: 'data/metrics.csv' });
      const csv = await posted<DetailsToWebview & { type: 'artifact' }>('details', 'artifact', (m) => m.uid === detail.uid && m.preview.path === 'data/metrics.csv');
      assert.deepStrictEqual((csv.message.preview as { rows: string[][] }).rows[0], ['step', 'loss'], detail.source);
    }
  });

  it('puts the same artifact of several runs side by side in the comparison', async () => {
    const own = (await runsOf(EXPERIMENT, 2));
    await vscode.commands.executeCommand('runlens.compareRuns', own[0], own);
    const { panel, message } = await posted<CompareToWebview & { type: 'compare' }>('compare', 'compare', (m) => m.view.runs.length === 2);
    assert.deepStrictEqual(message.view.artifacts.map((a) => [a.path, a.sizes.every((s) => s !== null)]).slice(0, 2), [['plots/confusion_matrix.png', true], ['plots/drawing.svg', true]]);
    const side = await posted<CompareToWebview & { type: 'artifacts' }>('compare', 'artifacts', (m) => m.path === 'plots/confusion_matrix.png');
    assert.deepStrictEqual(side.message.previews.map((p) => p?.kind), ['image', 'image']);
    assert.notStrictEqual((side.message.previews[0] as { src: string }).src, (side.message.previews[1] as { src: string }).src, 'each run its own image');
    await panel.deliver({ type: 'compareArtifact', path: 'data/metrics.csv' });
    const csvs = await posted<CompareToWebview & { type: 'artifacts' }>('compare', 'artifacts', (m) => m.path === 'data/metrics.csv');
    assert.deepStrictEqual(csvs.message.previews.map((p) => (p as { rows: string[][] }).rows[2]), [['1', '0.5'], ['1', '0.6']]);

    const imported = (await runsOf(IMPORTED, 6)).slice(0, 3);
    await vscode.commands.executeCommand('runlens.compareRuns', imported[0], imported);
    await posted<CompareToWebview & { type: 'compare' }>('compare', 'compare', (m) => m.view.runs.every((r) => r.uid.startsWith('mlflow-')));
    const matrices = await posted<CompareToWebview & { type: 'artifacts' }>('compare', 'artifacts', (m) => m.path === 'plots/confusion_matrix.png' && m.previews.length === 3);
    assert.deepStrictEqual(matrices.message.previews.map((p) => p?.kind), ['image', 'image', 'image']);
  });
});
