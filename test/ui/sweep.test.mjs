import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';
import { logRun } from './support/runLogs.mjs';
import { webviewWithHeading } from './support/webviews.mjs';

// A sweep file and the script it names; each run takes two seconds, long enough to watch.
const SWEEP = `program: sweep_train.py
method: grid
experiment: ui-sweep
metric: {name: accuracy, goal: maximize}
parameters:
  lr: {values: [0.001, 0.01, 0.1]}
  batch_size: {values: [32, 64]}
`;
const SCRIPT = `import argparse, time
import runlens

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float)
parser.add_argument("--batch_size", type=int)
args = parser.parse_args()
with runlens.start_run():
    for step in range(4):
        time.sleep(0.5)
        runlens.log_metric("accuracy", round(0.9 - abs(args.lr - 0.01) - args.batch_size / 2000 - 0.1 / (step + 1), 4), step=step)
`;

describe('Running a sweep from the command palette', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  it('says what it will run, skipping what is logged, and asks first', async function () {
    fs.writeFileSync(path.join(wb.workspace, 'sweep.yaml'), SWEEP);
    fs.writeFileSync(path.join(wb.workspace, 'sweep_train.py'), SCRIPT);
    logRun(wb.workspace, { id: 'done-1', experiment: 'ui-sweep', params: { lr: '0.01', batch_size: '32' }, history: { accuracy: [0.81] } });
    logRun(wb.workspace, { id: 'done-2', experiment: 'ui-sweep', params: { lr: '1e-3', batch_size: '64' }, history: { accuracy: [0.74] } });
    logRun(wb.workspace, { id: 'failed-1', experiment: 'ui-sweep', params: { lr: '0.1', batch_size: '64' }, status: 'failed' });
    await wb.openFile('sweep.yaml');
    // The tab is on screen before the extension host hears of the new active editor.
    await new Promise((r) => setTimeout(r, 1500));
    await wb.runCommand('RunLens: Run Sweep');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    assert.match(await dialog.innerText(), /6 combinations: 2 already logged \(best accuracy 0\.8100\), 1 failed before; run 4\?/);
    assert.ok(await dialog.getByRole('button', { name: 'Run 3, Skip the Failed' }).isVisible(), 'a choice to leave the failed one out');
    await wb.screenshot('sweep-confirm');
    await dialog.getByRole('button', { name: 'Run 4', exact: true }).click();
  });

  it('shows its progress in a notification with Cancel, and each run in a terminal', async function () {
    // The smoke-test workbench shows no toasts: the notification is read in the notifications centre.
    const bell = wb.page.locator('.statusbar [id="status.notifications"] a, .statusbar .statusbar-item[id="status.notifications"]').first();
    await bell.click();
    const progress = wb.page.locator('.notifications-center .notification-list-item', { hasText: 'sweep of sweep_train.py' }).first();
    await progress.waitFor({ timeout: 30000 });
    // Once one has finished, so the terminal shows a run's command and exit.
    await wb.page.locator('.notifications-center .notification-list-item', { hasText: /[1-3] done · 1 running · \d left/ }).first().waitFor({ timeout: 30000 });
    assert.ok(await progress.getByRole('button', { name: 'Cancel' }).count(), 'the notification can cancel the sweep');
    await wb.page.locator('.terminal-tab, .terminal-tabs-entry, .single-terminal-tab', { hasText: 'sweep_train.py' }).first().waitFor({ timeout: 30000 }).catch(() => {});
    await wb.screenshot('sweep-progress', { readme: true });
    await wb.page.keyboard.press('Escape');
    // Closed for sure before the next test looks at it (the helper opens it only when it is closed).
    await wb.page.locator('.notifications-center').waitFor({ state: 'hidden', timeout: 10000 }).catch(() => bell.click());
  });

  it('ends with what it saved, and the tree lists the sweep\'s runs', async function () {
    // Looked at afresh every few seconds: a notification added while the centre is open may not show in it.
    let summary;
    for (const deadline = Date.now() + 90000; !summary && Date.now() < deadline; await new Promise((r) => setTimeout(r, 2000))) {
      const texts = await wb.notifications();
      summary = texts.find((t) => t.includes('Sweep of sweep_train.py done'));
    }
    assert.match(summary, /4 ran \(4 finished\), 2 skipped as already logged or running; skipping saved about 2m 0s of compute/);
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'ui-sweep');
    const rows = (await wb.treeItems('Runs', { min: 8 })).filter((r) => r.level === 2);
    assert.equal(rows.length, 7, rows.map((r) => `${r.label} ${r.description}`).join('\n'));
    assert.equal(rows.filter((r) => /accuracy/.test(r.description) && !/failed|running/.test(r.description)).length, 6);
    await wb.screenshot('sweep-tree');
  });

  it('offers to compare the sweep\'s runs: the four it ran and the two it skipped', async function () {
    const bell = wb.page.locator('.statusbar [id="status.notifications"] a, .statusbar .statusbar-item[id="status.notifications"]').first();
    await bell.click();
    const summary = wb.page.locator('.notifications-center .notification-list-item', { hasText: 'Sweep of sweep_train.py done' }).first();
    await summary.waitFor({ timeout: 15000 });
    await summary.getByRole('button', { name: 'Compare Runs' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'Compare 6 runs' }).first().waitFor({ timeout: 30000 });
    const frame = await webviewWithHeading(wb, '6 runs');
    assert.deepEqual(await frame.locator('tr.differs th').allInnerTexts(), ['batch_size', 'lr']);
    await wb.screenshot('sweep-compare');
  });
});
