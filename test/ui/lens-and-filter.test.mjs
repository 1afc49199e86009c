import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useWorkbench } from './helpers.mjs';

/** A finished (or failed) run's log, as the Python client writes it. */
function logRun(workspace, id, params, accuracy, status = 'finished') {
  const dir = path.join(workspace, '.runlens', 'runs', new Date().toISOString().slice(0, 10));
  fs.mkdirSync(dir, { recursive: true });
  const t = Date.now();
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment: 'sweep', name: null, parent: null, script: null, git: null, host: 'ui-test', pid: 1 },
    { e: 'params', t, params },
    { e: 'metrics', t, points: [['accuracy', accuracy, 0, t]] },
    { e: 'end', t: t + 1, status, error: null },
  ];
  fs.writeFileSync(path.join(dir, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

describe('What a person sees on an experiment loop, and filtering runs', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  it('the CodeLens counts logged combinations, and a value hovers with its runs', async function () {
    logRun(wb.workspace, 'run-a', { lr: '0.001', bs: '32' }, 0.81);
    logRun(wb.workspace, 'run-b', { lr: '1e-3', bs: '64' }, 0.77);
    logRun(wb.workspace, 'run-c', { lr: '0.1', bs: '32' }, 0.2, 'failed');
    await wb.openFile('train.py');
    const expected = 'RunLens: 2 of 6 combinations logged · best accuracy 0.8100 (lr=0.001, bs=32) · 1 failed';
    // The lens is redrawn as each of the three runs is read: wait for the one that counts them all.
    await wb.page.locator('.codelens-decoration a', { hasText: expected }).first().waitFor({ timeout: 30000 });
    // The editor may be drawing the lenses again (a refresh after the last run was read): read them
    // once they have settled.
    let shown = [];
    for (let i = 0; i < 20 && shown.length !== 1; i++) {
      shown = (await wb.codeLenses()).filter((l) => l.startsWith('RunLens'));
      if (shown.length !== 1) await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(shown, [expected]);
    await wb.page.locator('.view-line span', { hasText: /^0\.001$/ }).first().hover();
    const hover = wb.page.locator('.monaco-hover', { hasText: 'RunLens' }).first();
    await hover.waitFor({ timeout: 15000 });
    assert.match(await hover.innerText(), /lr=0\.001.*2 of 2 combinations logged, best accuracy 0\.8100/s);
    await wb.screenshot('lens-hover', { readme: true });
  });

  it('clicking the lens lists every combination with its state', async function () {
    await wb.page.keyboard.press('Escape');
    await wb.clickCodeLens('2 of 6');
    const rows = wb.page.locator('.quick-input-list .monaco-list-row');
    await rows.nth(5).waitFor({ timeout: 15000 });
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(texts.length, 6);
    assert.ok(texts.some((t) => /lr=0\.001, bs=32\s*accuracy 0\.8100/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /lr=0\.1, bs=32\s*failed/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /lr=0\.01, bs=64\s*never run/.test(t)), texts.join('\n'));
    await wb.screenshot('lens-combinations');
    await wb.page.keyboard.press('Escape');
  });

  it('the filter narrows the tree to matching runs', async function () {
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'sweep');
    assert.equal((await wb.treeItems('Runs', { min: 4 })).filter((i) => i.level === 2).length, 3);
    const pane = await wb.view('Runs');
    await pane.hover();
    await wb.page.locator('.part.sidebar .pane-header .action-label[aria-label="Filter Runs…"], .part.sidebar .title-actions .action-label[aria-label="Filter Runs…"]').first().click();
    const input = wb.page.locator('.quick-input-widget input:not([type="checkbox"])');
    await input.waitFor({ timeout: 15000 });
    await input.fill('params.lr = 0.001 and');
    await wb.page.locator('.quick-input-message', { hasText: 'expected a field' }).waitFor({ timeout: 10000 });
    await input.fill('params.lr = 1e-3 and metrics.accuracy > 0.8');
    await wb.page.keyboard.press('Enter');
    await wb.page.waitForFunction(() => document.querySelectorAll('.part.sidebar .monaco-list-row[aria-level="2"]').length === 1, null, { timeout: 15000 });
    // The view says which filter is on, and how many runs it leaves.
    await pane.locator('.message', { hasText: 'Filter: params.lr = 1e-3 and metrics.accuracy > 0.8 · 1 of 3 runs match' }).waitFor({ timeout: 15000 });
    // The view's title now carries the filter, so read the rows straight off the side bar.
    const runs = await wb.page.locator('.part.sidebar .monaco-list-row[aria-level="2"]').allInnerTexts();
    assert.equal(runs.length, 1);
    assert.match(runs[0], /0\.8100 accuracy/);
    await wb.screenshot('filter');
  });
});
