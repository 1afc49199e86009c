import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';
import { logRun } from './support/runLogs.mjs';
import { pickRunsToCompare, webviewWithHeading } from './support/webviews.mjs';

describe('A comparison exported to a file through VS Code\'s save dialog', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  before(function () {
    const t = Date.now() - 3600_000;
    // A value with a comma (quoted in CSV), one a spreadsheet would run as a formula (defused), and
    // the same rate written two ways (the same value: not a differing parameter).
    logRun(wb.workspace, { id: 'e1', experiment: 'export', t, params: { lr: '0.001', optimizer: 'adam, amsgrad' }, history: { loss: [0.9, 0.4], accuracy: [0.6, 0.8] } });
    logRun(wb.workspace, { id: 'e2', experiment: 'export', t: t + 1000, params: { lr: '1e-3', optimizer: '=cmd|calc' }, history: { loss: [0.7, 0.5] }, status: 'failed' });
  });

  /** Clicks an export button of the panel and answers the save dialog with `file`; returns the dialog's title and the path it offered. */
  async function exportThrough(frame, buttonName, file) {
    await frame.getByRole('button', { name: buttonName }).click();
    // In the browser the save dialog is VS Code's own, in the quick input: a path to edit.
    const dialog = wb.page.locator('.quick-input-widget');
    const input = dialog.locator('input:not([type="checkbox"])');
    await input.waitFor({ timeout: 15000 });
    await wb.page.waitForFunction(() => document.querySelector('.quick-input-widget input:not([type="checkbox"])')?.value.includes('runs-comparison'), null, { timeout: 15000 });
    const offered = { title: (await dialog.locator('.quick-input-title').innerText()).trim(), path: await input.inputValue() };
    await input.fill(file);
    await wb.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden', timeout: 15000 });
    return offered;
  }

  it('writes the runs as CSV and as JSON where the person typed, one row per run', async function () {
    await wb.openView('RunLens');
    await (await wb.view('Runs')).locator('.monaco-list-row', { hasText: 'export' }).waitFor({ timeout: 30000 });
    await (await pickRunsToCompare(wb, 'export', 2)).click();
    const frame = await webviewWithHeading(wb, '2 runs');

    const csvFile = path.join(wb.workspace, 'out-runs.csv');
    const jsonFile = path.join(wb.workspace, 'out-runs.json');
    for (const f of [csvFile, jsonFile]) fs.rmSync(f, { force: true }); // a retry starts afresh
    const offered = await exportThrough(frame, 'Export CSV', csvFile);
    assert.deepEqual(offered, { title: 'Export the comparison of 2 runs', path: path.join(wb.workspace, 'runs-comparison.csv') });
    await waitForFile(csvFile);
    assert.equal(fs.readFileSync(csvFile, 'utf8'), [
      'run_id,name,experiment,status,params.lr,params.optimizer,metrics.accuracy,metrics.loss',
      'e2,optimizer==cmd|calc,export,failed,1e-3,\'=cmd|calc,,0.5',
      'e1,"optimizer=adam, amsgrad",export,finished,0.001,"adam, amsgrad",0.8,0.4',
      '',
    ].join('\r\n'));

    await exportThrough(frame, 'Export JSON', jsonFile);
    await waitForFile(jsonFile);
    assert.deepEqual(JSON.parse(fs.readFileSync(jsonFile, 'utf8')), {
      runs: [
        { run_id: 'e2', name: 'optimizer==cmd|calc', experiment: 'export', status: 'failed', params: { lr: '1e-3', optimizer: '=cmd|calc' }, metrics: { loss: 0.5 } },
        { run_id: 'e1', name: 'optimizer=adam, amsgrad', experiment: 'export', status: 'finished', params: { lr: '0.001', optimizer: 'adam, amsgrad' }, metrics: { accuracy: 0.8, loss: 0.4 } },
      ],
      differing_params: ['optimizer'],
    });
    assert.deepEqual(fs.readdirSync(wb.workspace).filter((f) => f.startsWith('runs-comparison')), [], 'nothing written where the dialog first pointed');
  });
});

/** The file, once written (the host writes it just after the dialog closes). */
async function waitForFile(file, timeout = 10000) {
  for (const deadline = Date.now() + timeout; !fs.existsSync(file);) {
    if (Date.now() > deadline) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
