import assert from 'node:assert/strict';
import { useWorkbench } from './helpers.mjs';
import { logSweep } from './support/runLogs.mjs';
import { treeRow, visibleWebview, webviewWithHeading } from './support/webviews.mjs';

// A window reload (Developer: Reload Window, an extension update, a crashed renderer) must not
// close the runs a person was looking at.
describe('Panels survive a window reload', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  before(() => logSweep(wb.workspace));

  it('brings back run details and the runs table, showing what they showed', async function () {
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'mnist');
    // The expanded row's hover would lie over the next row: move away from it first.
    await wb.page.mouse.move(700, 400);
    await wb.page.keyboard.press('Escape');
    await (await treeRow(wb, 'Runs', 'depth=4, lr=0.01')).click();
    await webviewWithHeading(wb, 'depth=4, lr=0.01, optimizer=adam');
    await wb.runCommand('RunLens: Open Runs Table');
    await wb.page.locator('.tabs-container .tab', { hasText: 'Runs: mnist' }).first().waitFor({ timeout: 30000 });
    await visibleWebview(wb).locator('table, [role="grid"]').first().waitFor({ timeout: 30000 });
    const before = (await wb.page.locator('.tabs-container .tab').allInnerTexts()).map((t) => t.trim()).sort();

    await wb.runCommand('Developer: Reload Window');
    const tabs = wb.page.locator('.tabs-container .tab');
    await tabs.filter({ hasText: 'Runs: mnist' }).first().waitFor({ timeout: 60000 });
    const details = tabs.filter({ hasText: /^Run / }).first();
    await details.waitFor({ timeout: 60000 });
    // The table is in front: its rows come back from the store.
    await visibleWebview(wb).getByText('adam').first().waitFor({ timeout: 60000 });
    assert.deepEqual((await tabs.allInnerTexts()).map((t) => t.trim()).sort(), before, 'the same tabs, with the same titles');
    await wb.screenshot('panels-after-reload');
    await details.click();
    await webviewWithHeading(wb, 'depth=4, lr=0.01, optimizer=adam', 60000);
  });
});
