import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, lensesSaying, useWorkbench } from './helpers.mjs';

/** Answers the sweep's question with `button`, after checking what it says. */
async function confirm(wb, says, button, screenshot) {
  const dialog = wb.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30000 });
  const text = await dialog.innerText();
  assert.match(text, says);
  if (screenshot) await wb.screenshot(screenshot, { readme: true });
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10000 });
  return text;
}

/** Every run of the workspace, as the command line lists them from the store. */
function runsOf(workspace, experiment) {
  const out = execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'runs', '--json', '--all', '--workspace', workspace], { encoding: 'utf8' });
  return JSON.parse(out).runs.filter((r) => r.experiment === experiment && r.lifecycle_stage === 'active');
}

/**
 * The loop a new user lives in: the lens says what is logged, "Run all" runs the script once,
 * then two combinations are added to the loop and "Run the 2 missing combinations" runs exactly
 * those. Returns the dialog texts it answered.
 */
async function walk(wb, { file, experiment, total, edit, keys, shot }) {
  await wb.openFile(file);
  const first = await lensesSaying(wb, `RunLens: ${total} combinations, none logged yet`);
  assert.ok(first.some((l) => l.includes(`Run all ${total}`)), first.join(' | '));
  if (shot) await wb.screenshot(`${shot}-none-logged`, { readme: true });
  await wb.clickCodeLens(`Run all ${total}`);
  const asked = await confirm(wb, new RegExp(`${total} combinations, none logged yet; run ${total}\\?[\\s\\S]*in one process`), `Run ${total}`, shot && `${shot}-confirm`);
  assert.match(asked, new RegExp(`experiment "${experiment}"`), 'the question names where the runs go');
  if (shot) {
    // The runs arrive in the tree while the script is still running.
    await wb.openView('RunLens');
    const live = await wb.treeItems('Runs', { min: 1, timeout: 30000 });
    assert.ok(live.length >= 1);
    await wb.screenshot(`${shot}-running`, { readme: true });
  }
  await lensesSaying(wb, `RunLens: all ${total} combinations logged`);
  const before = runsOf(wb.workspace, experiment);
  assert.equal(before.length, total);

  const full = path.join(wb.workspace, file);
  fs.writeFileSync(full, edit(fs.readFileSync(full, 'utf8')));
  const after = await lensesSaying(wb, `RunLens: ${total} of ${total + 2} combinations logged`);
  assert.ok(after.some((l) => l.includes('Run the 2 missing combinations')), after.join(' | '));
  if (shot) await wb.screenshot(`${shot}-two-missing`, { readme: true });
  await wb.clickCodeLens('Run the 2 missing combinations');
  await confirm(wb, new RegExp(`${total + 2} combinations: ${total} already logged.*; run 2\\?`), 'Run 2');
  await lensesSaying(wb, `RunLens: all ${total + 2} combinations logged`);
  if (shot) await wb.screenshot(`${shot}-all-logged`, { readme: true });

  const runs = runsOf(wb.workspace, experiment);
  const combination = (r) => keys.map((k) => `${k}=${r.params[k]}`).join(' ');
  assert.equal(runs.length, total + 2, 'exactly two more runs');
  assert.equal(new Set(runs.map(combination)).size, total + 2, 'each combination once');
  assert.deepEqual(runs.filter((r) => r.status !== 'finished'), [], 'nothing failed');
  const added = runs.filter((r) => !before.some((b) => b.run_id === r.run_id)).map(combination).sort();
  return added;
}

// A new user, a fresh folder: no .runlens/ yet, four scripts written the ways people write them.
describe('The first five minutes, in a fresh folder', function () {
  this.timeout(300000);
  const wb = useWorkbench({ workspace: 'fresh-project' });

  it('greets a fresh folder with what to do, not an error', async function () {
    await wb.openView('RunLens');
    let welcome = '';
    for (const deadline = Date.now() + 30000; !/No runs logged yet/.test(welcome) && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      welcome = await wb.welcomeText('Runs');
    }
    assert.match(welcome, /No runs logged yet/);
    assert.doesNotMatch(welcome, /could not open/);
    assert.ok(!fs.existsSync(path.join(wb.workspace, '.runlens')), 'looking creates nothing in the folder');
    await wb.screenshot('first-welcome', { readme: true });
  });

  it('a literal nested loop: Run all, then the two combinations added to it', async function () {
    const added = await walk(wb, {
      file: 'train.py', experiment: 'Default', total: 4, keys: ['lr', 'bs'], shot: 'first',
      edit: (s) => s.replace('for bs in [32, 64]:', 'for bs in [32, 64, 128]:'),
    });
    assert.deepEqual(added, ['lr=0.001 bs=128', 'lr=0.01 bs=128']);
  });

  it('a script that reads argparse arguments', async function () {
    const added = await walk(wb, {
      file: 'train_args.py', experiment: 'args-walk', total: 4, keys: ['lr', 'bs'],
      edit: (s) => s.replace('for bs in [8, 16]:', 'for bs in [8, 16, 32]:'),
    });
    assert.deepEqual(added, ['lr=0.1 bs=32', 'lr=0.2 bs=32']);
  });

  it('a loop over itertools.product', async function () {
    const added = await walk(wb, {
      file: 'product.py', experiment: 'product-walk', total: 4, keys: ['lr', 'depth'],
      edit: (s) => s.replace('[0.1, 0.2], [1, 2]', '[0.1, 0.2], [1, 2, 3]'),
    });
    assert.deepEqual(added, ['lr=0.1 depth=3', 'lr=0.2 depth=3']);
  });

  it('a loop over a list of config dicts', async function () {
    const added = await walk(wb, {
      file: 'configs.py', experiment: 'configs-walk', total: 3, keys: ['model', 'width'],
      edit: (s) => s.replace('    {"model": "cnn", "width": 64},\n', '    {"model": "cnn", "width": 64},\n    {"model": "cnn", "width": 128},\n    {"model": "gru", "width": 64},\n'),
    });
    assert.deepEqual(added, ['model=cnn width=128', 'model=gru width=64']);
  });
});
