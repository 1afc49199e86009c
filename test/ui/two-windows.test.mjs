import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, SCREENSHOTS, copyFixture, keepScreenshot } from './helpers.mjs';
import { openWorkbench } from '../harness/workbench.mjs';

// Two windows on one folder: two pages of one code-server, each a workbench with its own
// extension host. The first writes the store; the second follows it read-only while a real Python
// sweep logs runs, and takes over when the first window is closed in the middle of a run.

const EXPERIMENT = 'two-windows';
const RUNS = 10;
/** The run that is half-way through when the writing window closes. */
const PAUSE_AT = 5;
const STEPS = 4;
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// Run PAUSE_AT stops after two of its steps until the gate file exists: however slow the machine,
// the writer closes with runs behind it, one half-logged and more to come.
const SWEEP = `import os, sys, time
import runlens

runs, pause_at, steps, gate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
runlens.set_experiment(${JSON.stringify(EXPERIMENT)})
for trial in range(runs):
    with runlens.start_run(name="trial-%02d" % trial, params={"trial": trial}) as run:
        print(run.id, flush=True)
        for step in range(steps):
            if trial == pause_at and step == 2:
                waited = time.monotonic()
                while not os.path.exists(gate):
                    if time.monotonic() - waited > 300:
                        raise TimeoutError("the test never opened the gate")
                    time.sleep(0.1)
            runlens.log_metric("loss", round(1 / (trial + step + 1), 4), step=step)
            time.sleep(0.6)
`;

const trialName = (i) => `trial-${String(i).padStart(2, '0')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns something truthy other than `{ notYet: what it saw }`; fails after
 * `timeout` ms saying what was awaited and what was last seen.
 */
async function until(what, probe, { timeout = 60000, every = 250 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const last = await probe();
    const waiting = !last || (typeof last === 'object' && 'notYet' in last);
    if (!waiting) return last;
    const seen = last && typeof last === 'object' ? last.notYet : last;
    if (Date.now() > deadline) throw new Error(`waited ${timeout / 1000} s for ${what}; last seen: ${JSON.stringify(seen) ?? 'nothing'}`);
    await sleep(every);
  }
}

/** The writer's lock as it is on disk, if there is one. */
function readLock(dir) {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'runlens.lock'), 'utf8')); } catch { return undefined; }
}

/** The runs of the database file as a reader that is not RunLens sees them (SQLite, read-only). */
function databaseRuns(dir) {
  const db = path.join(dir, 'runlens.db');
  if (!fs.existsSync(db)) return [];
  const r = spawnSync(PYTHON, ['-c', `import json, sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(json.dumps(c.execute("""SELECT r.uid, r.name, r.status, (SELECT count FROM metrics m WHERE m.run_id = r.id AND m.key = 'loss')
  FROM runs r ORDER BY r.name, r.uid""").fetchall()))`, db], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).map(([uid, name, status, points]) => ({ uid, name, status, points }));
}

/** test/screenshots/NAME.png of one window, brought to the front as a person would look at it. */
async function shot(wb, name) {
  await wb.page.bringToFront();
  return keepScreenshot(await wb.screenshot(path.join(SCREENSHOTS, `${name}.png`)), name);
}

/** The run rows of the Runs view (level 2, under the experiment), as a person reads them. */
async function runRows(wb) {
  await wb.page.bringToFront();
  const items = await wb.treeItems('Runs', { min: 0 });
  return items.filter((i) => i.level === 2).map((i) => ({
    name: i.label,
    // The status is the row's icon, which a screen reader says right after the name.
    status: /, (running|finished|failed|killed|crashed)\b/.exec(i.ariaLabel)?.[1] ?? 'unknown',
    description: i.description,
  }));
}

/** The experiment's row, expanded, once its first run has reached the window's tree. */
async function expandExperiment(wb) {
  await wb.page.bringToFront();
  await until(`${EXPERIMENT} in the Runs view`, async () => (await wb.treeItems('Runs', { min: 0 })).some((i) => i.level === 1 && i.label === EXPERIMENT));
  await wb.expandTreeRow('Runs', EXPERIMENT);
}

describe('Two windows on one folder', function () {
  it('one writes while a sweep logs, the other follows and takes over when the writer closes: no run lost, none written twice', async function () {
    // Two workbenches, two extension hosts and a sweep on a shared 2-core machine.
    this.timeout(420000);
    const started = Date.now();
    const timings = [];
    const mark = (what) => timings.push(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const fixture = copyFixture('python-project');
    const workspace = fixture.dir;
    const dir = path.join(workspace, '.runlens');
    const gate = path.join(fixture.dir, '..', 'gate');
    // A folder RunLens already tracks: its store opens with the window, before anything is logged.
    fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'sweep.py'), SWEEP);
    let first;
    let second;
    let sweep;
    try {
      // The first window opens alone: its extension host, the only one, takes the lock.
      first = await openWorkbench({ folder: workspace, extensionDevelopmentPath: REPO });
      const writer = await until('the first window to take the writer\'s lock', () => readLock(dir));
      assert.deepEqual(first.cs.extensionHosts(), [writer.pid], 'the lock is held by the first window\'s extension host');
      await first.runCommand('RunLens: Show Output');
      await first.outputLines({ waitFor: /Store of python-project open in \d+ ms \(this window writes it\)/, timeout: 60000 });
      await first.openView('RunLens');
      mark('first window writing');

      // The second window, a second tab on the same folder, has an extension host of its own and follows.
      second = await first.openWindow();
      const hosts = await until('a second extension host', () => { const h = first.cs.extensionHosts(); return h.length === 2 ? h : { notYet: h }; });
      const secondHost = hosts.find((pid) => pid !== writer.pid);
      await second.runCommand('RunLens: Show Output');
      await second.outputLines({ waitFor: /Store of python-project open in \d+ ms \(following another window read-only\)/, timeout: 60000 });
      await second.openView('RunLens');
      assert.equal(readLock(dir)?.token, writer.token, 'the second window left the lock to the first');
      mark('second window following');

      // A real sweep, logging with the real client; it prints each run's id as the run starts.
      sweep = spawn(PYTHON, ['sweep.py', String(RUNS), String(PAUSE_AT), String(STEPS), gate], {
        cwd: workspace,
        env: { ...process.env, PYTHONPATH: path.join(REPO, 'python'), RUNLENS_DIR: dir, PYTHONDONTWRITEBYTECODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      sweep.stdout.on('data', (d) => { out += d; });
      sweep.stderr.on('data', (d) => { err += d; });
      const sweepEnded = new Promise((resolve) => sweep.on('close', (code) => resolve(code)));

      // The follower's tree shows the runs as they arrive, up to the half-logged one.
      await expandExperiment(second);
      const counts = new Set();
      const beforeClose = await until(`the second window to show ${PAUSE_AT} finished runs and ${trialName(PAUSE_AT)} running`, async () => {
        const rows = await runRows(second);
        counts.add(rows.length);
        const done = rows.filter((r) => r.status === 'finished').length;
        return rows.length === PAUSE_AT + 1 && done === PAUSE_AT && rows.some((r) => r.name === trialName(PAUSE_AT) && r.status === 'running') ? rows : { notYet: rows };
      }, { timeout: 120000 });
      assert.ok([...counts].filter((n) => n > 0 && n <= PAUSE_AT).length >= 2,
        `the follower's tree grew run by run while the sweep logged (counts seen: ${[...counts].join(', ')})`);
      assert.deepEqual(beforeClose.map((r) => r.name).sort(), Array.from({ length: PAUSE_AT + 1 }, (_, i) => trialName(i)));
      // What the follower shows, the writer has written: the database holds the same runs.
      await until('the first window\'s snapshot to hold the runs so far', () => {
        const runs = databaseRuns(dir);
        return runs.length === PAUSE_AT + 1 && runs.filter((r) => r.status === 'finished').length === PAUSE_AT ? runs : { notYet: runs };
      });
      assert.equal(readLock(dir)?.token, writer.token, 'the first window still writes');
      mark(`follower showing the sweep so far (its tree held ${[...counts].join(', ')} runs)`);
      await expandExperiment(first);
      await until('the first window\'s tree to show the same runs', async () => { const r = await runRows(first); return r.length === PAUSE_AT + 1 ? r : { notYet: r }; });
      await shot(first, 'two-windows-writer');
      await shot(second, 'two-windows-follower');

      // The writer's window closes with a run half-logged; the other takes the lock.
      await first.closeWindow();
      const closedAt = Date.now();
      const taken = await until('another window to take the lock', () => {
        const lock = readLock(dir);
        return lock && lock.token !== writer.token ? lock : { notYet: lock };
      });
      mark(`writer closed; the lock moved in ${((Date.now() - closedAt) / 1000).toFixed(1)} s`);
      assert.equal(taken.pid, secondHost, 'the second window\'s extension host holds the lock');
      await second.page.bringToFront();
      await second.outputLines({ waitFor: /The window that wrote this store has gone; this one writes it now\./ });
      await until('the first window\'s extension host to end', () => (first.cs.extensionHosts().includes(writer.pid) ? { notYet: first.cs.extensionHosts() } : true));

      // The sweep goes on: the rest of the half-logged run, and the runs after it, reach the new writer only.
      fs.writeFileSync(gate, '');
      const code = await Promise.race([sweepEnded, sleep(180000).then(() => 'still running after 180 s')]);
      assert.equal(code, 0, `the sweep failed:\n${err}`);
      const logged = out.split('\n').filter(Boolean);
      assert.equal(logged.length, RUNS, out);
      assert.equal(new Set(logged).size, RUNS, 'the client logged each run once');
      mark('sweep done');

      // The store: every run once, finished, each metric point counted once.
      const expected = logged.map((uid, i) => ({ uid, name: trialName(i), status: 'finished', points: STEPS }));
      const inDatabase = await until(`the database to hold all ${RUNS} runs, finished`, () => {
        const runs = databaseRuns(dir);
        return runs.length === RUNS && runs.every((r) => r.status === 'finished') ? runs : { notYet: runs };
      });
      assert.deepEqual(inDatabase, expected);
      assert.equal(readLock(dir)?.token, taken.token, 'the second window wrote it');
      const cli = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'runs', '--json', '--all', '--workspace', workspace], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      const listed = JSON.parse(cli.stdout).runs.map((r) => ({ uid: r.run_id, name: r.name, status: r.status, points: r.metrics.loss?.count }));
      assert.deepEqual(listed.sort((a, b) => a.name.localeCompare(b.name)), expected);
      mark('store checked');

      // The user's side: the surviving window lists every run once, finished.
      const rows = await until(`the second window to show all ${RUNS} runs, finished`, async () => {
        const r = await runRows(second);
        return r.length === RUNS && r.every((row) => row.status === 'finished') ? r : { notYet: r };
      });
      assert.deepEqual(rows.map((r) => r.name).sort(), expected.map((r) => r.name));
      const experiment = (await second.treeItems('Runs')).find((i) => i.level === 1 && i.label === EXPERIMENT);
      assert.equal(experiment?.description, `${RUNS} runs`);
      await shot(second, 'two-windows-takeover');
      mark('tree checked');
      console.log(`      ${timings.join('; ')}`);
    } catch (e) {
      for (const [name, wb] of [['first', first], ['second', second]]) {
        if (wb && !wb.page.isClosed()) await shot(wb, `failed-two-windows-${name}`).catch(() => {});
      }
      console.log(`      ${timings.join('; ')}`);
      throw e;
    } finally {
      if (sweep && sweep.exitCode === null && sweep.signalCode === null) sweep.kill();
      if (second) await second.close().catch(() => {});
      if (first) await first.close();
      fixture.cleanup();
    }
  });
});
