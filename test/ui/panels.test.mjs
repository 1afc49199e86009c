import assert from 'node:assert/strict';
import { useWorkbench } from './helpers.mjs';
import { logRun, logSweep } from './support/runLogs.mjs';
import { contextMenu, treeRow, visibleWebview, webviewWithHeading } from './support/webviews.mjs';

const XSS = '<img src=x onerror=alert(1)>';
const BIG = 3000;

describe('Run details, comparison and the runs table in the real workbench', function () {
  const wb = useWorkbench({ workspace: 'python-project' });
  const dialogs = [];

  before(function () {
    logSweep(wb.workspace);
    logRun(wb.workspace, { id: 'x1', experiment: 'security', params: { comment: XSS, lr: '0.1' }, history: { loss: [1, 0.5] } });
    const t0 = Date.now() - 86_400_000;
    for (let i = 0; i < BIG; i++) {
      logRun(wb.workspace, { id: `b${String(i).padStart(5, '0')}`, experiment: 'big', t: t0 + i * 1000, params: { seed: String(i), width: String(64 << (i % 4)) }, history: { score: [(i * 7919) % 1000 / 1000] } });
    }
    wb.page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  });

  it('opens a run\'s details from the tree, with a chart per metric that shows values on hover', async function () {
    await wb.openView('RunLens');
    // Once every run is in, so the tree stops refreshing under the clicks that follow.
    await (await wb.view('Runs')).locator('.monaco-list-row', { hasText: `${BIG} runs` }).waitFor({ timeout: 60000 });
    await wb.expandTreeRow('Runs', 'mnist');
    await (await treeRow(wb, 'Runs', 'depth=4, lr=0.01')).click();
    const frame = await webviewWithHeading(wb, 'depth=4, lr=0.01, optimizer=adam');
    assert.equal(await frame.locator('.chart canvas').count() >= 2, true, 'a chart for loss and one for accuracy');
    assert.deepEqual(await frame.locator('.chart-title').allInnerTexts(), ['accuracy', 'loss']);
    assert.match(await frame.locator('section[aria-label="Parameters"]').innerText(), /lr\s+0\.01/);
    const over = frame.locator('.chart .u-over').first();
    const box = await over.boundingBox();
    await wb.page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2);
    const tooltip = frame.locator('.chart-tooltip').first();
    await tooltip.waitFor({ state: 'visible' });
    assert.match(await tooltip.innerText(), /step \d+\s+accuracy\s+0\.\d+/);
    await wb.screenshot('run-details', { readme: true });

    // Zoom: drag across the middle of the chart; its left edge then shows a later step. Double-click resets.
    const stepAtLeftEdge = async () => {
      await wb.page.mouse.move(box.x + 3, box.y + box.height / 2);
      return Number(/step (\d+)/.exec(await tooltip.innerText())[1]);
    };
    assert.ok(await stepAtLeftEdge() <= 1);
    await wb.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    await wb.page.mouse.up();
    assert.ok(await stepAtLeftEdge() >= 12, 'zoomed in on the middle steps');
    await over.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    assert.ok(await stepAtLeftEdge() <= 1, 'zoomed out again');
  });

  it('compares three runs selected in the tree: differing parameters marked, metrics overlaid, parallel coordinates', async function () {
    await (await treeRow(wb, 'Runs', 'depth=2, lr=0.1')).click({ modifiers: ['Control'] });
    const third = await treeRow(wb, 'Runs', 'depth=2, lr=0.001');
    await third.click({ modifiers: ['Control'] });
    await third.click({ button: 'right' });
    await contextMenu(wb, 'Compare Runs');
    const frame = await webviewWithHeading(wb, '3 runs');
    assert.deepEqual(await frame.locator('tr.differs th').allInnerTexts(), ['depth', 'lr', 'optimizer']);
    assert.equal(await frame.locator('svg.parallel path.parallel-line').count(), 3);
    await frame.locator('.chart canvas').first().waitFor();
    assert.deepEqual(await frame.locator('.chart-title').allInnerTexts(), ['accuracy', 'loss']);
    await wb.screenshot('compare', { readme: true });
    await frame.locator('.charts').scrollIntoViewIfNeeded();
    const over = frame.locator('.chart .u-over').last();
    const box = await over.boundingBox();
    await wb.page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await frame.locator('.chart-tooltip-row').nth(2).waitFor({ timeout: 5000 }); // every run at the hovered step
    await wb.screenshot('compare-charts');

    // Back to the details: VS Code reloaded its hidden page, which asks for its state again.
    await wb.page.locator('.tabs-container .tab', { hasText: 'Run depth=4, lr=0.01' }).click();
    const details = await webviewWithHeading(wb, 'depth=4, lr=0.01, optimizer=adam');
    await details.locator('.chart canvas').first().waitFor();
  });

  it('opens the runs table of an experiment and sorts it by clicking a column, filters by clicking a value', async function () {
    const experiment = await treeRow(wb, 'Runs', 'mnist');
    await experiment.hover();
    await experiment.locator('.action-label[aria-label="Open Runs Table"]').click();
    const frame = await webviewWithHeading(wb, 'Runs of mnist');
    const firstRow = frame.locator('.rows .row[aria-rowindex="2"]');
    const accuracyOf = async (row) => Number(await row.locator('.cell.num').first().innerText());
    await frame.locator('button.sort', { hasText: 'accuracy' }).click();
    await frame.locator('.row.header [aria-sort="descending"]', { hasText: 'accuracy' }).waitFor();
    await firstRow.locator('.cell.num', { hasText: '0.9822' }).waitFor();
    assert.equal(await firstRow.locator('.cell.name').innerText(), 'depth=4, lr=0.01, optimizer=adam', 'named as in the tree');
    await frame.locator('button.sort', { hasText: 'accuracy' }).click();
    await firstRow.locator('.cell.num', { hasText: '0.7054' }).waitFor();
    assert.equal(await accuracyOf(firstRow), 0.7054, 'lowest first');
    await firstRow.locator('button.value', { hasText: 'sgd' }).click();
    await frame.locator('.count', { hasText: '3 runs match' }).waitFor();
    assert.equal(await frame.locator('input.filter').inputValue(), "params.optimizer = 'sgd'");
    // Still named as in the tree, though among the sgd runs only lr differs.
    await firstRow.locator('.cell.name', { hasText: 'depth=2, lr=0.001, optimizer=sgd' }).waitFor();
    await wb.screenshot('runs-table');
  });

  it(`scrolls ${BIG} runs with only the rows on screen in the page`, async function () {
    // From the palette, which asks for the experiment (wb.runCommand would wait for the palette to close).
    await wb.focusEditorArea();
    await wb.page.keyboard.press('F1');
    await wb.page.locator('.quick-input-widget input:not([type="checkbox"])').fill('>RunLens: Open Runs Table');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'RunLens: Open Runs Table' }).first().click();
    const pick = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: `${BIG} runs` }).first();
    await pick.waitFor();
    const started = Date.now();
    await pick.click();
    const frame = await webviewWithHeading(wb, 'Runs of big');
    // Runs are named as the tree names them: by the parameters that tell them apart, not by id.
    await frame.locator('.rows .row[aria-rowindex="2"] .cell.name', { hasText: `seed=${BIG - 1}, width=` }).waitFor();
    const opened = Date.now() - started;
    await frame.locator('.viewport').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    const t1 = Date.now();
    await frame.locator('.rows .row .cell.name', { hasText: 'seed=0, width=64' }).waitFor();
    const scrolled = Date.now() - t1;
    const inDom = await frame.locator('.rows .row').count();
    console.log(`      table of ${BIG} runs: first rows ${opened} ms after picking the experiment, last rows ${scrolled} ms after jumping to the end, ${inDom} rows in the DOM`);
    assert.ok(inDom < 120, `${inDom} rows in the DOM`);
  });

  it('shows a parameter value that looks like HTML as text, and runs nothing', async function () {
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'security');
    await (await treeRow(wb, 'Runs', 'comment=')).click();
    const frame = await webviewWithHeading(wb, 'comment=<img src=x');
    await frame.getByText(XSS, { exact: true }).waitFor({ state: 'visible' });
    assert.equal(await frame.locator('img').count(), 0, 'the value did not become an element');
    assert.deepEqual(dialogs, [], 'no alert or other dialog');
    assert.equal(await visibleWebview(wb).locator('section[aria-label="Parameters"] .param-value', { hasText: XSS }).count(), 1);
  });
});
