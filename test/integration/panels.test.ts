import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { posted } from './support/panels';
import { api } from './support/launch';
import { waitFor, workspaceFolder } from './support/host';
import { logRun } from './support/runLogs';
import type { RunsNode } from '../../src/runs/tree';
import type { CompareToWebview, DetailsToWebview, TableToWebview } from '../../src/webview/protocol';

const EXPERIMENT = 'panels';
const XSS = '<img src=x onerror=alert(1)>';

async function runNodes(): Promise<(RunsNode & { kind: 'run' })[]> {
  const { tree } = await api();
  const experiment = await waitFor('the panels experiment in the tree', async () =>
    (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === EXPERIMENT && n.experiment.runs === 3));
  return (await tree.getChildren(experiment)).filter((n): n is RunsNode & { kind: 'run' } => n.kind === 'run');
}

describe('run details, comparison and the runs table, in editor panels', () => {
  const t = Date.now() - 60_000;
  let script: string;

  before(async () => {
    await api();
    script = path.join(workspaceFolder().uri.fsPath, 'model.py');
    fs.writeFileSync(script, 'print("train")\n');
    const sha = crypto.createHash('sha256').update(fs.readFileSync(script)).digest('hex');
    // Keys that train.py's loop does not log, so its lens counts stay what the other tests expect.
    logRun({ id: 'p1', experiment: EXPERIMENT, name: 'small', t, params: { depth: '2', rate: '0.001', note: XSS }, history: { loss: [1, 0.6, 0.4, 'NaN', 0.3], acc: [0.5, 0.7] },
      script: { path: script, sha256: sha }, git: { commit: 'abc123def4567890', branch: 'main', dirty: true }, tags: { team: 'vision' } });
    logRun({ id: 'p2', experiment: EXPERIMENT, name: 'medium', t: t + 1, params: { depth: '4', rate: '1e-3', note: 'plain' }, history: { loss: [1, 0.5, 0.2], acc: [0.6, 0.8, 0.85] },
      script: { path: script, sha256: 'f'.repeat(64) } });
    logRun({ id: 'p3', experiment: EXPERIMENT, name: 'large', t: t + 2, params: { depth: '8', rate: '0.001', note: 'plain' }, history: { acc: [0.9] }, status: 'failed' });
  });

  after(async () => {
    for (const p of (await api()).panels.open()) (p as unknown as vscode.Disposable).dispose();
  });

  afterEach(async () => {
    for (const p of (await api()).panels.open()) assert.deepStrictEqual(p.cspViolations, [], `the ${p.kind} page loads within its Content-Security-Policy`);
  });

  it('opens a run\'s details from the tree: params as given, metric histories, tags, code version', async () => {
    const node = (await runNodes()).find((n) => n.run.uid === 'p1')!;
    await vscode.commands.executeCommand('runlens.openRunDetails', node);
    const { panel, message } = await posted<DetailsToWebview & { type: 'details' }>('details', 'details');
    const run = message.run;
    assert.strictEqual(panel.title, 'Run small');
    assert.deepStrictEqual(run.params, [['depth', '2'], ['note', XSS], ['rate', '0.001']], 'values go to the webview as data, unescaped: it shows them as text');
    const { times, ...loss } = run.history.loss;
    assert.deepStrictEqual(loss, { steps: [0, 1, 2, 3, 4], values: [1, 0.6, 0.4, null, 0.3], logged: 5 });
    assert.strictEqual(times.length, 5, 'each point\'s time, for charts by relative or wall time');
    const lossRow = run.metrics.find((m) => m.key === 'loss')!;
    assert.deepStrictEqual([lossRow.best, lossRow.higherIsBetter], [lossRow.min, false], 'a loss is best at its minimum');
    assert.deepStrictEqual(message.charts, { smoothing: 0, logY: false, x: 'step', ignoreOutliers: false }, 'a new panel draws charts plainly');
    assert.deepStrictEqual(run.history.acc.values, [0.5, 0.7]);
    assert.deepStrictEqual(run.tags, [['team', 'vision']]);
    assert.deepStrictEqual(run.code, { scriptPath: script, scriptSha256: run.code.scriptSha256, script: 'same', commit: 'abc123def4567890', branch: 'main', dirty: true });
  });

  it('edits the note and tags from the details panel, and opens the script', async () => {
    const { panel } = await posted('details', 'details');
    await panel.deliver({ type: 'saveNote', text: 'baseline for the depth sweep' });
    await panel.deliver({ type: 'addTag', key: 'reviewed', value: 'yes' });
    await panel.deliver({ type: 'removeTag', key: 'team' });
    const { message } = await posted<DetailsToWebview & { type: 'details' }>('details', 'details', (m) => m.run.note === 'baseline for the depth sweep' && m.run.tags.length === 1);
    assert.deepStrictEqual(message.run.tags, [['reviewed', 'yes']]);
    const detail = await (await (await api()).stores.all())[0].client.api.run('p1');
    assert.strictEqual(detail?.note, 'baseline for the depth sweep', 'the edit reached the store');
    await panel.deliver({ type: 'openScript' });
    await waitFor('the script in an editor', () => vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === script));
  });

  it('shows another run in the same details panel when opened by a run reference (the CodeLens quick pick\'s way), and says when a script changed', async () => {
    await vscode.commands.executeCommand('runlens.openRunDetails', { folder: workspaceFolder().uri.toString(), uid: 'p2' });
    const { panel, message } = await posted<DetailsToWebview & { type: 'details' }>('details', 'details', (m) => m.run.uid === 'p2');
    assert.strictEqual(message.run.code.script, 'changed');
    assert.strictEqual(panel.title, 'Run medium');
    assert.strictEqual((await api()).panels.open().filter((p) => p.kind === 'details').length, 1, 'clicking through runs does not pile up tabs');
  });

  it('compares the runs selected in the tree: params by meaning, metrics overlaid', async () => {
    // Its export, through VS Code's save dialog, is driven in the real workbench: test/ui/compare-export.test.mjs.
    const nodes = await runNodes();
    await vscode.commands.executeCommand('runlens.compareRuns', nodes[0], nodes);
    const { panel, message } = await posted<CompareToWebview & { type: 'compare' }>('compare', 'compare');
    const view = message.view;
    assert.deepStrictEqual(view.runs.map((r) => r.uid), ['p3', 'p2', 'p1']);
    assert.deepStrictEqual(view.params, [{ key: 'depth', differs: true }, { key: 'note', differs: true }, { key: 'rate', differs: false }], '1e-3 and 0.001 are the same rate');
    assert.deepStrictEqual(view.metrics.map((m) => [m.key, m.higherIsBetter]), [['acc', true], ['loss', false]]);
    assert.deepStrictEqual(view.history.loss.map((s) => s?.values ?? null), [null, [1, 0.5, 0.2], [1, 0.6, 0.4, null, 0.3]]);
    assert.strictEqual(panel.title, 'Compare 3 runs');
  });

  it('opens the runs table of an experiment; the host sends the total, the columns and rows on demand, sorted and filtered', async () => {
    const { tree } = await api();
    const experiment = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === EXPERIMENT);
    await vscode.commands.executeCommand('runlens.openRunsTable', experiment);
    const { panel, message: reset } = await posted<TableToWebview & { type: 'reset' }>('table', 'reset');
    assert.strictEqual(reset.total, 3);
    assert.deepStrictEqual(reset.columns, { params: ['depth', 'note', 'rate'], metrics: ['acc', 'loss'] });
    assert.strictEqual(panel.title, `Runs: ${EXPERIMENT}`);

    await panel.deliver({ type: 'query', state: { sort: { kind: 'metric', key: 'acc', descending: true }, filter: '' } });
    const sorted = await posted<TableToWebview & { type: 'reset' }>('table', 'reset', (m) => m.state.sort?.key === 'acc');
    const rows = await posted<TableToWebview & { type: 'rows' }>('table', 'rows', (m) => m.generation === sorted.message.generation);
    assert.deepStrictEqual(rows.message.rows.map((r) => [r.uid, r.metrics[0]]), [['p3', 0.9], ['p2', 0.85], ['p1', 0.7]]);

    await panel.deliver({ type: 'rows', generation: sorted.message.generation, offset: 1, limit: 1 });
    await posted<TableToWebview & { type: 'rows' }>('table', 'rows', (m) => m.offset === 1 && m.rows.length === 1 && m.rows[0].uid === 'p2');

    await panel.deliver({ type: 'query', state: { sort: null, filter: 'params.rate = 1e-3 and status = finished' } });
    const filtered = await posted<TableToWebview & { type: 'reset' }>('table', 'reset', (m) => m.state.filter !== '');
    assert.strictEqual(filtered.message.total, 2);

    await panel.deliver({ type: 'query', state: { sort: null, filter: 'params.rate = = 1' } });
    const bad = await posted<TableToWebview & { type: 'reset' }>('table', 'reset', (m) => !!m.error);
    assert.match(bad.message.error!, /The filter does not read: expected a value/);
    assert.strictEqual(bad.message.state.filter, filtered.message.state.filter, 'a bad filter leaves the last good one in force');
  });
});
