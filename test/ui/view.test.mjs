import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';
import { logRun } from './support/runLogs.mjs';

// VS Code's own text for a tree view that no extension has given a data provider (yet).
const ORPHAN = 'There is no data provider registered';

describe('The RunLens view in a new project', function () {
  // A folder with a Python script and no `.runlens/`: nothing has activated RunLens yet.
  const wb = useWorkbench({ workspace: 'python-project' });

  it('opened from the activity bar, says how to log the first run, never an error', async function () {
    // Watches the whole time for VS Code's "no data provider" text, however briefly it shows.
    await wb.page.evaluate((orphan) => {
      window.__orphanShownMs = 0;
      let since = 0;
      const check = () => {
        const shown = [...document.querySelectorAll('.part.sidebar .message')].some((m) => m.offsetParent && m.textContent.includes(orphan));
        if (shown && !since) since = performance.now();
        if (!shown && since) { window.__orphanShownMs += performance.now() - since; since = 0; }
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      window.__orphanStillShown = () => (since ? performance.now() - since : 0);
    }, ORPHAN);
    const opened = Date.now();
    await wb.openView('RunLens');
    const pane = await wb.view('Runs');
    await pane.locator('.welcome-view-content', { hasText: 'No runs logged yet' }).waitFor({ timeout: 30000 });
    const shownAfter = Date.now() - opened;
    const welcome = await wb.welcomeText('Runs');
    assert.match(welcome, /No runs logged yet in this workspace\.\s+Log runs from Python with the RunLens client/);
    assert.match(welcome, /Open a Terminal/);
    assert.doesNotMatch(welcome, /could not open/);
    assert.equal(await pane.getByText(ORPHAN).isVisible(), false);
    const orphanMs = await wb.page.evaluate(() => window.__orphanShownMs + window.__orphanStillShown());
    console.log(`      welcome ${shownAfter} ms after opening the view; VS Code's "no data provider" text shown for ${Math.round(orphanMs)} ms`);
    // Until the extension host has loaded RunLens (on this machine 0.3 to 1 s after the view shows,
    // nearly all of it VS Code's), the view has no provider; RunLens registers it first thing.
    assert.ok(orphanMs < 2000, `"${ORPHAN}" was on screen for ${Math.round(orphanMs)} ms`);
    await wb.screenshot('view-welcome');
  });

  it('lists the first runs as they are logged: the status as the icon, the key metric in full', async function () {
    const params = [['0.001', '32'], ['0.01', '32'], ['0.001', '64'], ['0.1', '32']];
    params.forEach(([lr, bs], i) => logRun(wb.workspace, {
      id: `first${i}`, experiment: 'sweep', params: { lr, bs }, history: { accuracy: [0.3, [0.71, 0.8123, 0.69, 0.21][i]] }, status: i === 3 ? 'failed' : 'finished',
    }));
    const pane = await wb.view('Runs');
    await pane.locator('.monaco-list-row', { hasText: '4 runs' }).waitFor({ timeout: 30000 });
    await wb.expandTreeRow('Runs', 'sweep');
    const runs = (await wb.treeItems('Runs', { min: 5 })).filter((i) => i.level === 2);
    assert.deepEqual(runs.map((r) => r.description.replace(/ · \d+[smhd] ago$/, '')).sort(), ['0.2100 accuracy', '0.6900 accuracy', '0.7100 accuracy', '0.8123 accuracy']);
    // At the side bar's default width every run's label and key metric value are on screen: none of
    // it falls under the ellipsis VS Code draws where a row is cut.
    const hidden = await pane.locator('.monaco-list-row[aria-level="2"]').evaluateAll((rows) => rows.flatMap((row) => {
      const clip = row.querySelector('.monaco-icon-label-container');
      const text = row.querySelector('.label-description').firstChild;
      const range = document.createRange();
      range.setStart(text, 0);
      range.setEnd(text, text.textContent.indexOf(' '));
      const ellipsis = document.createElement('span');
      ellipsis.textContent = '…';
      row.querySelector('.label-description').append(ellipsis);
      const room = clip.getBoundingClientRect().right - (clip.scrollWidth > clip.clientWidth ? ellipsis.getBoundingClientRect().width : 0);
      ellipsis.remove();
      return range.getBoundingClientRect().right <= room ? [] : [row.innerText];
    }));
    await wb.screenshot('view-first-runs');
    assert.deepEqual(hidden, []);
    const failed = pane.locator('.monaco-list-row[aria-level="2"]', { hasText: '0.2100 accuracy' });
    assert.equal(await failed.locator('.codicon-error').count(), 1, 'the failed run shows the error icon');
  });

  it('with a filter that matches nothing, says so: the filter, "0 of 4 runs match", and a way to clear it', async function () {
    const pane = await wb.view('Runs');
    await pane.hover();
    await wb.page.locator('.part.sidebar .title-actions .action-label[aria-label="Filter Runs…"], .part.sidebar .pane-header .action-label[aria-label="Filter Runs…"]').first().click();
    const input = wb.page.locator('.quick-input-widget input:not([type="checkbox"])');
    await input.waitFor();
    await input.fill('params.lr = 0.5');
    await wb.page.keyboard.press('Enter');
    const message = pane.locator('.message', { hasText: 'runs match' });
    await message.waitFor({ timeout: 15000 });
    assert.equal((await message.innerText()).trim(), 'Filter: params.lr = 0.5 · 0 of 4 runs match');
    const clear = pane.locator('.monaco-list-row', { hasText: 'Clear the filter' });
    await clear.waitFor();
    // The title keeps its whole name beside its buttons, the filter's Clear button among them.
    await wb.page.locator('.part.sidebar .title-actions .action-label[aria-label="Clear Runs Filter"]').waitFor();
    const title = wb.page.locator('.part.sidebar .composite.title .title-label h2');
    assert.equal((await title.innerText()).trim().toLowerCase(), 'runlens: runs');
    // The text's own width against the box that clips it (scrollWidth rounds a cut of a few tenths of a pixel away).
    const [textWidth, boxWidth] = await title.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return [range.getBoundingClientRect().width, el.getBoundingClientRect().width];
    });
    assert.ok(textWidth <= boxWidth, `the title is cut: ${textWidth.toFixed(1)} px of text in ${boxWidth.toFixed(1)} px`);
    await wb.screenshot('view-filtered');

    await clear.click();
    await message.waitFor({ state: 'hidden', timeout: 15000 });
    await pane.locator('.monaco-list-row', { hasText: '4 runs' }).waitFor();
    await wb.screenshot('view-runs');
  });
});

describe('The RunLens view when a folder\'s store cannot be opened', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  it('says so, the output says why, and Rebuild the Store brings it back once the cause is gone', async function () {
    // A file where the store's folder belongs: RunLens cannot make `.runlens/runs` there.
    const blocker = path.join(wb.workspace, '.runlens');
    fs.writeFileSync(blocker, 'not a folder\n');
    await wb.openView('RunLens');
    const pane = await wb.view('Runs');
    const welcome = pane.locator('.welcome-view-content');
    await welcome.filter({ hasText: 'could not open' }).waitFor({ timeout: 30000 });
    await welcome.getByRole('button', { name: 'Show RunLens Output' }).click();
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: 'is not available' }).waitFor({ timeout: 15000 });
    assert.match((await output.innerText()).replace(/\s+/g, ' '), /The RunLens store of python-project is not available: ENOTDIR: not a directory/);
    await wb.screenshot('view-store-failed');

    fs.rmSync(blocker);
    await welcome.getByRole('button', { name: 'Rebuild the Store from the Run Logs' }).click();
    await wb.notifications({ waitFor: 'RunLens rebuilt python-project: 0 runs from 0 run logs', timeout: 30000 });
    assert.equal(fs.statSync(path.join(wb.workspace, '.runlens', 'runs')).isDirectory(), true, 'the store was made');
    await welcome.filter({ hasText: 'No runs logged yet' }).waitFor({ timeout: 15000 });
  });
});
