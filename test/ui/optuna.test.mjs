import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, useWorkbench } from './helpers.mjs';
import { pickRunsToCompare, webviewWithHeading } from './support/webviews.mjs';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'optuna');

describe('An Optuna study, imported: in the tree, and on its GridSampler search', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  before(function () {
    // A study made by real Optuna (Debian's python3-optuna), and the script a person has for it.
    const made = spawnSync('/usr/bin/python3', [path.join(FIXTURE, 'make_grid_study.py'), path.join(wb.workspace, 'tuning.db')], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } });
    assert.equal(made.status, 0, made.stderr);
    fs.copyFileSync(path.join(FIXTURE, 'search.py'), path.join(wb.workspace, 'search.py'));
  });

  it('RunLens: Import Optuna Studies… lists the storage it found; the study shows with its trials, and the lens counts its grid points', async function () {
    await wb.openFile('search.py');
    await wb.runCommand('RunLens: Import Optuna Studies');
    const found = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'tuning.db' }).first();
    await found.waitFor({ timeout: 30000 });
    assert.match(await found.innerText(), /Optuna SQLite storage/);
    await found.click();

    const expected = 'RunLens: 4 of 6 grid points done · best value 0.8990 (lr=0.001, optimizer=adam) · 1 pruned';
    await wb.page.locator('.codelens-decoration a', { hasText: expected }).first().waitFor({ timeout: 30000 });
    assert.deepEqual((await wb.codeLenses()).filter((l) => l.startsWith('RunLens')), [expected]);

    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'optuna-grid-lens');
    const rows = await wb.treeRows('Runs', { min: 6 });
    assert.ok(rows.includes('optuna-grid-lens 5 trials · Optuna study'), rows.join('\n'));
    assert.equal(rows.filter((r) => /^trial \d /.test(r)).length, 5, rows.join('\n'));
    await wb.screenshot('optuna-study', { readme: true });
  });

  it("hovering a trial.suggest_* call shows the values its study tried, and the best trial's", async function () {
    // The cursor onto `suggest_float` (line 7, column 20), then Show Hover (Ctrl+K Ctrl+I).
    await wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('Control+G');
    await wb.page.keyboard.type('7:20');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.press('Control+K');
    await wb.page.keyboard.press('Control+I');
    const hover = wb.page.locator('.monaco-hover', { hasText: 'RunLens' }).first();
    await hover.waitFor({ timeout: 15000 });
    assert.match(await hover.innerText(), /lr in study optuna-grid-lens: 5 trials tried 3 values, from 0\.001 to 0\.1\./);
    assert.match(await hover.innerText(), /Best: trial \d with lr=0\.001 · value 0\.8990/);
    await wb.screenshot('optuna-suggest-hover', { readme: true });
  });

  it('its trials in the views people decide with: compared on their intermediate values, smoothed, on a log scale, with which parameters matter', async function () {
    await (await pickRunsToCompare(wb, 'optuna-grid-lens', 5)).click();
    const frame = await webviewWithHeading(wb, '5 runs', 60000);
    // The trials' intermediate values are the objective's history by step: a chart to smooth.
    await frame.locator('.chart canvas').first().waitFor();
    await frame.locator('.chart-controls').scrollIntoViewIfNeeded();
    await frame.locator('main').evaluate((el) => el.removeAttribute('data-redraw-ms'));
    await frame.locator('input[aria-label="Smoothing"]').fill('0.6');
    await frame.locator('main[data-redraw-ms]').waitFor();
    await frame.locator('label', { hasText: 'Log scale' }).locator('input').check();
    // Five trials with a value: the pruned one's is its last intermediate value. lr and the optimizer both vary.
    const bars = frame.locator('.importance .importance-row');
    await bars.first().waitFor();
    assert.deepEqual((await bars.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).sort(), ['lr', 'optimizer']);
    assert.match(await frame.locator('.importance-method').innerText(), /fitted to 5 runs with a value of value \(each run's last value\)/);
    await wb.screenshot('optuna-compare');
  });
});
