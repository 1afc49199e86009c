import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, keepScreenshot, lensesSaying as lensesAt } from './helpers.mjs';
import { openWorkbench } from '../harness/workbench.mjs';
import { prepareDemo } from '../../scripts/demo/prepare.mjs';

/** Puts `line` of the active editor on screen (a lens is drawn only where its line is visible). */
async function goToLine(wb, line) {
  await wb.focusEditorArea();
  await wb.page.keyboard.press('Control+G');
  await wb.page.keyboard.type(String(line));
  await wb.page.keyboard.press('Enter');
}

/** The lenses once one says `text`, keeping the loop in view (the terminal a run opens shrinks the editor). */
const lensesSaying = (wb, text) => lensesAt(wb, text, { before: () => goToLine(wb, LOOP_LINE) });

const LOOP_LINE = 27;

// `npm start` opens this workspace: its headline action must work there, on the first try.
describe('The demo npm start opens', function () {
  this.timeout(240000);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-demo-test-'));
  const dir = path.join(parent, 'runlens-demo');
  let wb;

  before(async function () {
    prepareDemo(dir);
    wb = await openWorkbench({ folder: dir, extensionDevelopmentPath: REPO });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(path.join(REPO, 'test/screenshots/failed-demo.png')).catch(() => {});
  });
  after(async () => { await wb?.close(); fs.rmSync(parent, { recursive: true, force: true }); });

  it('runs the missing combinations of train.py from its lens, leaving the one that diverges out when asked', async function () {
    await wb.openFile('train.py');
    const lenses = await lensesSaying(wb, 'RunLens: 3 of 6 combinations logged');
    assert.ok(lenses.some((l) => l.includes('1 failed')), lenses.join(' | '));
    await wb.clickCodeLens('Run the 3 missing combinations');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    assert.match(await dialog.innerText(), /6 combinations: 3 already logged \(best accuracy 0\.8475\), 1 failed before; run 3\?/);
    await dialog.getByRole('button', { name: 'Run 2, Skip the Failed' }).click();
    const afterRun = await lensesSaying(wb, 'RunLens: 5 of 6 combinations logged');
    // What is left is the one the person chose to skip: offered as a retry, not as "missing".
    assert.ok(afterRun.some((l) => l.includes('Retry the 1 failed combination')), afterRun.join(' | '));
    await wb.openView('RunLens');
    const shot = await wb.screenshot(path.join(REPO, 'test/screenshots/demo-after-run.png'));
    keepScreenshot(shot, 'demo-after-run');

    const runs = JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'runs', '--json', '--workspace', dir], { encoding: 'utf8' })).runs;
    const combos = runs.map((r) => `${r.params.lr}/${r.params.bs}:${r.status}`).sort();
    assert.deepEqual(combos, ['0.001/32:finished', '0.001/64:finished', '0.01/32:finished', '0.01/64:finished', '0.1/32:failed', '0.1/64:finished'],
      'the two missing ran once each, the failed one was left alone, nothing ran twice');
    const failed = runs.find((r) => r.status === 'failed');
    const detail = execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'runs', '--json', '--all', '--workspace', dir], { encoding: 'utf8' });
    assert.ok(failed, 'the seeded failure is there');
    assert.match(detail, /train\.py/, "the failed run's traceback points at the demo's own train.py");
  });
});
