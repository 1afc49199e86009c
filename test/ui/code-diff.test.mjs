import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';
import { logRun } from './support/runLogs.mjs';
import { contextMenu, treeRow, webviewWithHeading } from './support/webviews.mjs';

const BEFORE = 'import runlens\n\nlr = 0.1\nfor epoch in range(10):\n    loss = 1 / (epoch + 1)\n';
const AFTER = 'import runlens\n\nlr = 0.2\nfor epoch in range(20):\n    loss = 1 / (epoch + 1) ** 2\n';

/** A run whose script the Python client kept under .runlens/code/<sha256>, as it does. */
function runWithCode(workspace, id, lr, source, t) {
  const sha256 = crypto.createHash('sha256').update(source).digest('hex');
  fs.mkdirSync(path.join(workspace, '.runlens', 'code'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.runlens', 'code', sha256), source);
  logRun(workspace, { id, experiment: 'code', t, params: { lr }, history: { loss: [1, 0.5] }, script: { path: path.join(workspace, 'train.py'), sha256 } });
}

describe('Compare Code: the scripts of two runs in the diff editor', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  before(function () {
    const t = Date.now() - 3600_000;
    runWithCode(wb.workspace, 'c1', '0.1', BEFORE, t);
    runWithCode(wb.workspace, 'c2', '0.2', AFTER, t + 60_000);
  });

  const diffShown = async () => {
    const diff = wb.page.locator('.monaco-diff-editor').first();
    await diff.waitFor({ timeout: 20000 });
    await diff.locator('.view-line', { hasText: 'range(20)' }).first().waitFor();
    await diff.locator('.view-line', { hasText: 'range(10)' }).first().waitFor();
    return diff;
  };

  it('opens from the tree on two selected runs, read-only, each version named by its run', async function () {
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'code');
    await wb.page.mouse.move(700, 400);
    await (await treeRow(wb, 'Runs', 'lr=0.1')).click();
    const second = await treeRow(wb, 'Runs', 'lr=0.2');
    await second.click({ modifiers: ['Control'] });
    await second.click({ button: 'right' });
    await contextMenu(wb, 'Compare Code');
    const diff = await diffShown();
    const tab = wb.page.locator('.tabs-container .tab', { hasText: '↔' }).first();
    assert.match(await tab.innerText(), /lr=0\.\d.*↔.*lr=0\.\d/s);
    // Read-only: typing changes nothing.
    await diff.locator('.modified-in-monaco-diff-editor .view-lines').click();
    await wb.page.keyboard.type('XYZ');
    assert.equal(await diff.locator('.view-line', { hasText: 'XYZ' }).count(), 0);
    await wb.screenshot('code-diff', { readme: true });
    await wb.runCommand('View: Close All Editors');
  });

  it('opens from the comparison of the two runs', async function () {
    const second = await treeRow(wb, 'Runs', 'lr=0.2');
    await (await treeRow(wb, 'Runs', 'lr=0.1')).click();
    await second.click({ modifiers: ['Control'] });
    await second.click({ button: 'right' });
    await contextMenu(wb, 'Compare Runs');
    const frame = await webviewWithHeading(wb, '2 runs');
    await frame.locator('button', { hasText: 'Compare Code' }).click();
    await diffShown();
  });

  it("from a loop's lens when its runs were logged from other code: the newest run's code beside the file as it is now", async function () {
    // The same two runs (lr 0.1 and 0.2, experiment "code"), from a loop in a file that has changed since.
    fs.writeFileSync(path.join(wb.workspace, 'sweep_code.py'), [
      'import runlens', '',
      'for lr in [0.1, 0.2]:',
      '    with runlens.start_run(experiment="code", params={"lr": lr}):',
      '        runlens.log_metric("loss", 1 / (1 + lr) ** 3)', '',
    ].join('\n'));
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('sweep_code.py');
    await wb.page.locator('.codelens-decoration a', { hasText: /all 2 combinations logged.*code changed since all of them/ }).first().waitFor({ timeout: 30000 });
    const lens = wb.page.locator('.codelens-decoration a', { hasText: 'Compare Code' }).first();
    await lens.waitFor({ timeout: 15000 });
    await lens.click();
    const diff = wb.page.locator('.monaco-diff-editor').first();
    await diff.waitFor({ timeout: 20000 });
    // The newest run (lr=0.2) ran AFTER; the right side is the file itself.
    await diff.locator('.original-in-monaco-diff-editor .view-line', { hasText: 'range(20)' }).first().waitFor();
    await diff.locator('.modified-in-monaco-diff-editor .view-line', { hasText: 'log_metric' }).first().waitFor();
    const tab = wb.page.locator('.tabs-container .tab', { hasText: '↔' }).first();
    assert.match(await tab.innerText(), /lr=0\.2.*↔.*sweep_code\.py \(now\)/s);
    await wb.screenshot('lens-compare-code');
  });
});
