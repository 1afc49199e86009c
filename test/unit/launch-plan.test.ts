import * as assert from 'node:assert/strict';
import { commandLine, renderArguments } from '../../src/core/launch/args';
import { confirmText, nothingToRunText, planSweep, progressText, runLensTitle, summaryText, toRun } from '../../src/core/launch/plan';
import { runQueue } from '../../src/core/launch/queue';
import type { CombinationState, MatchedRun } from '../../src/core/store/types';

const run = (status: MatchedRun['status'], metric: number | null, seconds = 0): MatchedRun =>
  ({ id: 1, uid: `u-${status}`, status, metric, scriptSha256: null, gitCommit: null, startTime: 1000, endTime: 1000 + seconds * 1000 });
const st = (state: CombinationState['state'], runs: MatchedRun[] = [], best: number | null = null): CombinationState => ({ state, runs, best, counts: {} });

describe('a sweep plan: what runs, what is skipped, and what the skipping saved', () => {
  const states = [
    st('finished', [run('finished', 0.81, 60)], 0.81), st('never-run'), st('finished', [run('finished', 0.7, 90)], 0.7),
    st('failed', [run('failed', null)]), st('killed', [run('killed', null)]), st('crashed'), st('running', [run('running', null)]),
    st('finished', [run('finished', 0.5, 30)], 0.5),
  ];
  const plan = planSweep(states, true);

  it('skips what finished or is running, runs again what was killed or crashed, lets the person choose for failures', () => {
    assert.deepEqual(plan.finished, [0, 2, 7]);
    assert.deepEqual(plan.running, [6]);
    assert.deepEqual(plan.failed, [3]);
    assert.deepEqual(toRun(plan, false), [1, 4, 5]);
    assert.deepEqual(toRun(plan, true), [1, 3, 4, 5]);
    assert.equal(plan.savedMs, 180_000);
    assert.deepEqual(plan.best, { value: 0.81, index: 0 });
  });

  it("names the lens's offer by what it would run: all, the missing ones, or only failures to retry", () => {
    assert.deepEqual(runLensTitle(plan), { title: 'Run the 4 missing combinations', n: 4 });
    assert.deepEqual(runLensTitle(planSweep([st('never-run'), st('never-run')], true)), { title: 'Run all 2', n: 2 });
    assert.deepEqual(runLensTitle(planSweep([st('never-run')], true)), { title: 'Run the 1 missing combination', n: 1 });
    const done = st('finished', [run('finished', 0.8)], 0.8);
    assert.deepEqual(runLensTitle(planSweep([done, st('failed', [run('failed', null)])], true)), { title: 'Retry the 1 failed combination', n: 1 });
    assert.deepEqual(runLensTitle(planSweep([done, st('pruned'), st('pruned')], true)), { title: 'Retry the 2 pruned combinations', n: 2 });
    assert.deepEqual(runLensTitle(planSweep([done, st('pruned'), st('failed')], true)), { title: 'Retry the 2 failed or pruned combinations', n: 2 });
    assert.deepEqual(runLensTitle(planSweep([st('failed'), st('failed')], true)), { title: 'Retry the 2 failed combinations', n: 2 });
    assert.equal(runLensTitle(planSweep([done], true)).n, 0);
  });

  it('says what it will do before it starts', () => {
    assert.equal(confirmText(plan, 'accuracy'), '8 combinations: 3 already logged (best accuracy 0.8100), 1 failed before, 1 running now (left alone); run 4?');
    assert.equal(confirmText(planSweep([st('never-run'), st('never-run')], true), undefined), '2 combinations, none logged yet; run 2?');
    const lower = planSweep([st('finished', [run('finished', 0.3)], 0.3), st('finished', [run('finished', 0.2)], 0.2), st('never-run')], false);
    assert.match(confirmText(lower, 'loss'), /best loss 0\.2000\)/);
  });

  it('treats a pruned trial like a failure (the person chooses) and a queued one like a running one', () => {
    const optuna = planSweep([st('pruned', [run('pruned', null)]), st('queued', [run('queued', null)]), st('failed', [run('failed', null)]), st('never-run')], true);
    assert.deepEqual([optuna.failed, optuna.pruned, optuna.running, optuna.queued], [[0, 2], [0], [1], [1]]);
    assert.deepEqual(toRun(optuna, false), [3]);
    assert.deepEqual(toRun(optuna, true), [0, 2, 3]);
    assert.equal(confirmText(optuna, undefined), '4 combinations: 1 failed before, 1 pruned before, 1 queued (left alone); run 3?');
  });

  it('says when there is nothing left to run', () => {
    assert.equal(nothingToRunText(planSweep([st('finished', [], 0.9), st('running')], true), 'acc'), 'All 2 combinations are already logged (1 still running); best acc 0.9000. Nothing to run.');
  });

  it('closes with what ran and the compute saved; a cancelled sweep says how to resume', () => {
    const done = summaryText('train.py', plan, { finished: 3, failed: 1, killed: 0, notStarted: 0, skippedLate: 0 }, false);
    assert.equal(done, 'Sweep of train.py done: 4 ran (3 finished, 1 failed), 4 skipped as already logged or running; skipping saved about 3m 0s of compute.');
    const cancelled = summaryText('train.py', plan, { finished: 1, failed: 0, killed: 1, notStarted: 2, skippedLate: 0 }, true);
    assert.match(cancelled, /cancelled: 2 ran \(1 finished, 1 killed\), 4 skipped .*, 2 not started; .*Run the sweep again to run only what is still missing\.$/);
    assert.equal(progressText(2, 1, 3, 0), '2 done · 1 running · 3 left');
  });
});

describe('a combination on the command line', () => {
  it('argparse style: --key value, values as Python str() writes them', () => {
    assert.deepEqual(renderArguments({ lr: 0.001, bs: 32, opt: 'adam w', flag: true, none: null, big: 1e20 }, 'argparse'),
      ['--lr', '0.001', '--bs', '32', '--opt', 'adam w', '--flag', 'True', '--none', 'None', '--big', '1e+20']);
  });

  it('hydra style: key=value, with null, lists and quoting for its grammar', () => {
    assert.deepEqual(renderArguments({ lr: 1e-5, opt: 'sgd,momentum', none: null, layers: [64, 32], name: "it's", path: 'a/b.txt' }, 'hydra'),
      ['lr=1e-05', "opt='sgd,momentum'", 'none=null', 'layers=[64,32]', "name='it\\'s'", 'path=a/b.txt']);
  });

  it('shows the command as it would be typed in a shell', () => {
    assert.equal(commandLine(['python3', 'train.py', '--opt', 'adam w', '--x', '']), "python3 train.py --opt 'adam w' --x ''");
  });
});

describe('the sweep queue', () => {
  it('runs at most N at a time, in order, and starts nothing after a stop', async () => {
    let live = 0;
    let peak = 0;
    const started: number[] = [];
    let stop = false;
    const left = await runQueue([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      live++;
      peak = Math.max(peak, live);
      await new Promise((r) => setTimeout(r, 5));
      live--;
      if (n === 3) stop = true;
    }, () => stop);
    assert.equal(peak, 2);
    assert.deepEqual(started, [1, 2, 3, 4]);
    assert.deepEqual(left, [5, 6]);
  });

  it('lets running items settle before it reports an error', async () => {
    let settled = false;
    await assert.rejects(runQueue([1, 2], 2, async (n) => {
      if (n === 1) throw new Error('boom');
      await new Promise((r) => setTimeout(r, 20));
      settled = true;
    }, () => false), /boom/);
    assert.equal(settled, true);
  });
});
