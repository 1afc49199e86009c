import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorFromStderr, exitOutcome, LaunchLog, newRunId } from '../../src/core/launch/runLog';
import { alive, descendants, signalTree } from '../../src/core/launch/processTree';
import { tempWorkspace } from './support/workspace';

const REPO = path.resolve(__dirname, '../../..');
const events = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const POSIX = process.platform !== 'win32';
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('the launcher\'s part of a run log', () => {
  it('writes start and params before the process exists, and never reuses an id', () => {
    const dir = path.join(tempWorkspace(), '.runlens');
    const runId = newRunId();
    assert.match(runId, /^[0-9a-f]{32}$/);
    const log = LaunchLog.create({ dir, runId, experiment: 'sweep', script: '/nowhere/train.py', argv: ['/nowhere/train.py', '--lr', '0.001'], params: { lr: 0.001, bs: 32.5, opt: 'adam' }, tags: { 'runlens.sweep': 'ab12' }, t: Date.UTC(2026, 10, 27, 23, 59) });
    assert.equal(log.file, path.join(dir, 'runs', '2026-11-27', `${runId}.jsonl`));
    const [start, params, tags] = events(log.file);
    assert.deepEqual([start.e, start.run, start.experiment, start.launcher, start.pid, start.argv[2]], ['start', runId, 'sweep', 'runlens', null, '0.001']);
    assert.deepEqual(params.params, { lr: '0.001', bs: '32.5', opt: 'adam' });
    assert.deepEqual(tags.tags, { 'runlens.sweep': 'ab12' });
    assert.throws(() => LaunchLog.create({ dir, runId, experiment: 'x', script: 's', argv: [], params: {}, t: Date.UTC(2026, 10, 27, 23, 59) }), /EEXIST/);
  });

  it('heartbeats until someone else writes, and ends the run only if nobody did', () => {
    const dir = path.join(tempWorkspace(), '.runlens');
    const log = LaunchLog.create({ dir, runId: 'r1', experiment: 'e', script: 's', argv: [], params: {} });
    log.heartbeat();
    assert.equal(log.taken(), false);
    fs.appendFileSync(log.file, JSON.stringify({ e: 'start', t: 1, run: 'r1', pid: 42 }) + '\n');
    assert.equal(log.taken(), true);
    assert.equal(log.end(), undefined);
    fs.appendFileSync(log.file, JSON.stringify({ e: 'end', t: 2, status: 'failed', error: { type: 'ValueError', message: 'diverged' } }) + '\n');
    const end = log.finish('failed', { type: 'exit code 1', message: 'x' });
    assert.equal(end.error?.type, 'ValueError', "the process's own end stands");
    assert.equal(events(log.file).filter((e) => e.e === 'end').length, 1);

    const silent = LaunchLog.create({ dir, runId: 'r2', experiment: 'e', script: 's', argv: [], params: {} });
    assert.equal(silent.finish('killed', null).status, 'killed');
    assert.equal(events(silent.file).at(-1).status, 'killed');
  });

  it('gives an exit its meaning: 0 finished, a signal killed, anything else failed with the error printed', () => {
    assert.deepEqual(exitOutcome(0, null, ''), { status: 'finished', error: null });
    assert.deepEqual(exitOutcome(null, 'SIGTERM', ''), { status: 'killed', error: null });
    const tb = 'Traceback (most recent call last):\n  File "t.py", line 1, in <module>\n    import torchx\nModuleNotFoundError: No module named \'torchx\'\n';
    assert.deepEqual(exitOutcome(1, null, 'noise\n' + tb).error, { type: 'ModuleNotFoundError', message: "No module named 'torchx'", traceback: tb });
    assert.deepEqual(errorFromStderr(1, '  File "t.py", line 1\n    def (\n        ^\nSyntaxError: invalid syntax\n').type, 'SyntaxError');
    assert.deepEqual(errorFromStderr(2, 'usage: t.py [-h]\nt.py: error: unrecognized arguments: --x 1\n'),
      { type: 'exit code 2', message: 't.py: error: unrecognized arguments: --x 1', traceback: 'usage: t.py [-h]\nt.py: error: unrecognized arguments: --x 1\n' });
    assert.equal(errorFromStderr(3, '').message, 'the process printed nothing on stderr');
  });

  (hasPython ? it : it.skip)('the Python client appends to the launcher\'s log instead of making its own', () => {
    const folder = tempWorkspace();
    const dir = path.join(folder, '.runlens');
    const script = path.join(folder, 'train.py');
    fs.writeFileSync(script, 'import runlens\nwith runlens.start_run():\n    runlens.log_metric("accuracy", 0.5)\n');
    const log = LaunchLog.create({ dir, runId: 'launched', experiment: 'sweep', script, argv: [script], params: { lr: 0.01 } });
    const r = spawnSync('python3', [script], { env: { ...process.env, PYTHONPATH: path.join(REPO, 'python'), RUNLENS_DIR: dir, RUNLENS_RUN_ID: 'launched', RUNLENS_PARAMS: '{"lr": 0.01}' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readdirSync(path.dirname(log.file)).length, 1);
    const kinds = events(log.file).map((e) => e.e);
    assert.deepEqual(kinds.slice(0, 3), ['start', 'params', 'start']);
    assert.equal(log.finish('failed', null).status, 'finished', 'the client ended it');
  });
});

describe('ending a process tree', () => {
  (POSIX ? it : it.skip)('reaches the children and grandchildren, even one that left the process group', async () => {
    // A shell (its own group leader) that starts a child which starts a grandchild in a new session.
    const root = spawn('sh', ['-c', 'sleep 60 & setsid sh -c "sleep 60 & wait" & wait'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const tree = descendants(root.pid!);
    assert.ok(tree.length >= 3, `found ${tree}`);
    const exited = new Promise((r) => root.once('exit', r));
    signalTree(root.pid!, 'SIGTERM');
    await exited;
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(tree.filter(alive), [], 'every process of the tree ended');
  });
});
