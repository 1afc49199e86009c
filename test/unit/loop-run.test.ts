import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { parseRunnerReport, planLoopRun, runnerSpec } from '../../src/core/launch/loopRun';
import { runDestination } from '../../src/core/launch/destination';
import { lensTitle, summarize } from '../../src/core/loops/summary';
import type { CombinationState } from '../../src/core/store/types';

const loopOf = (source: string) => {
  const [loop] = analyzePython(source);
  assert.ok(loop, 'an experiment loop');
  return loop;
};

describe('running only some combinations of a loop: where the runner guards it, and what it reads', () => {
  it('reads nested loops\' variables at the innermost loop, leaving out keys that never vary', () => {
    const loop = loopOf(`import runlens
for lr in [0.001, 0.01]:
    for bs in [32, 64]:
        with runlens.start_run(params={"lr": lr, "bs": bs, "epochs": 5}):
            pass
`);
    assert.deepEqual(loop.guard, { line: 3, col: 4, reads: { lr: 'lr', bs: 'bs' } });
    const plan = planLoopRun(loop);
    assert.ok(plan.ok);
    const spec = runnerSpec('/w/train.py', plan, loop, [1, 3], '/tmp/r.json');
    assert.deepEqual(spec.todo, [{ index: 1, values: { lr: 0.001, bs: 64 } }, { index: 3, values: { lr: 0.01, bs: 64 } }]);
    assert.deepEqual([spec.line, spec.col, spec.args, spec.report], [3, 4, [], '/tmp/r.json']);
  });

  it('reads a dict of a list of configs by its keys, and a product\'s tuple by its names', () => {
    assert.deepEqual(loopOf(`import runlens
configs = [{"lr": 0.1, "depth": 3}, {"lr": 0.01, "depth": 5}]
for cfg in configs:
    with runlens.start_run(params=cfg):
        pass
`).guard?.reads, { lr: 'cfg["lr"]', depth: 'cfg["depth"]' });
    assert.deepEqual(loopOf(`import itertools, runlens
for lr, bs in itertools.product([1e-3, 1e-2], [32, 64]):
    with runlens.start_run(params={"lr": lr, "bs": bs}):
        pass
`).guard?.reads, { lr: 'lr', bs: 'bs' });
    assert.deepEqual(loopOf(`import runlens
for i, (lr, bs) in enumerate([(0.1, 1), (0.2, 2)]):
    with runlens.start_run(params={"lr": lr, "bs": bs}):
        pass
`).guard?.reads, { lr: 'lr', bs: 'bs' });
  });

  it('reads the loop variables even when the run is logged from a dict built in the body or a function', () => {
    const inBody = loopOf(`import mlflow
for lr in [0.1, 0.2]:
    for bs in [1, 2]:
        cfg = {"lr": lr, "bs": bs}
        with mlflow.start_run():
            mlflow.log_params(cfg)
`);
    assert.deepEqual(inBody.guard?.reads, { lr: 'lr', bs: 'bs' });
    const inFunction = loopOf(`import runlens
def train(lr, bs):
    with runlens.start_run(params={"lr": lr, "bs": bs}):
        pass
for lr in [0.1, 0.2]:
    for bs in [1, 2]:
        train(lr, bs)
`);
    assert.deepEqual([inFunction.guard?.line, inFunction.guard?.reads], [6, { lr: 'lr', bs: 'bs' }]);
  });

  it('sends a tuple value to the runner as the text str() gives it, which is what it compares', () => {
    const loop = loopOf(`import runlens
for shape in [(64, 64), (128, 128)]:
    with runlens.start_run(params={"shape": shape}):
        pass
`);
    const plan = planLoopRun(loop);
    assert.ok(plan.ok);
    assert.deepEqual(runnerSpec('/w/t.py', plan, loop, [1]).todo, [{ index: 1, values: { shape: '(128, 128)' } }]);
  });

  it('refuses, with a reason, a key whose value is computed in the body from something else', () => {
    const loop = loopOf(`import runlens
for k in [1, 2, 3]:
    lr = 10 ** -k
    with runlens.start_run(params={"lr": lr}):
        pass
`);
    assert.equal(loop.combinations.length, 3);
    // 10 ** -k is not any target's value: there is no read for lr at the top of the body.
    const plan = planLoopRun(loop);
    assert.equal(plan.ok, false);
    assert.match(!plan.ok ? plan.reason : '', /'lr' is computed inside the loop/);
  });

  it('refuses loops side by side inside the nest', () => {
    const loop = loopOf(`import runlens
for lr in [0.1, 0.2]:
    for bs in [1, 2]:
        with runlens.start_run(params={"lr": lr, "bs": bs}):
            pass
    for wd in [0.0, 0.1]:
        with runlens.start_run(params={"lr": lr, "wd": wd}):
            pass
`);
    assert.equal(loop.guard, undefined);
    assert.equal(planLoopRun(loop).ok, false);
  });

  it('reads only well-formed runner reports', () => {
    assert.deepEqual(parseRunnerReport('{"reached":[1],"unreached":[3],"skipped":2}'), { reached: [1], unreached: [3], skipped: 2 });
    assert.equal(parseRunnerReport('{"reached":"x"}'), undefined);
    assert.equal(parseRunnerReport('not json'), undefined);
  });
});

describe('the experiment launched runs go to', () => {
  it('is the one the code names, else the one the earlier runs are in, else the client\'s default', () => {
    assert.deepEqual(runDestination('tune', 'Default'), { name: 'tune', from: 'code' });
    assert.deepEqual(runDestination(undefined, 'older'), { name: 'older', from: 'earlier runs' });
    assert.deepEqual(runDestination(undefined, undefined), { name: 'Default', from: 'default' });
  });
});

describe('the lens before the first run and when everything is logged', () => {
  const loop = loopOf(`import runlens
for lr in [0.001, 0.01, 0.1]:
    for bs in [32, 64]:
        with runlens.start_run(params={"lr": lr, "bs": bs}):
            pass
`);
  const st = (state: CombinationState['state'], best: number | null = null): CombinationState => ({ state, counts: {}, runs: [], best });
  it('says none is logged yet', () => {
    assert.equal(lensTitle(loop, summarize(loop, loop.combinations.map(() => st('never-run')), true), undefined), 'RunLens: 6 combinations, none logged yet');
  });
  it('says all are logged, with the best', () => {
    const states = loop.combinations.map((_, i) => st('finished', i / 10));
    assert.equal(lensTitle(loop, summarize(loop, states, true), 'accuracy'), 'RunLens: all 6 combinations logged · best accuracy 0.5000 (lr=0.1, bs=64)');
  });
});
