// A combination run several times (over seeds, or `_`), and loops over one of several literal
// lists chosen at run time.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { planLoopRun } from '../../src/core/launch/loopRun';
import { only } from './support/analysis';

describe('analysis: repeats of a combination', () => {
  it('reports the loop at the outermost for, and counts the runs of each combination over unlogged seeds or _', () => {
    for (const inner of ['for seed in range(3):\n        random.seed(seed)', 'for _ in range(3):']) {
      const loop = only(`
import mlflow, random
for lr in [0.1, 0.01]:
    ${inner}
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
`);
      assert.equal(loop.line, 3);
      assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.01 }]);
      assert.deepEqual(loop.repeats, [3, 3], inner);
      const plan = planLoopRun(loop);
      assert.ok(plan.ok, inner);
      assert.deepEqual(plan.reads, { lr: 'lr' });
    }
  });

  it('counts a seed that is logged as a parameter, not as a repeat', () => {
    const loop = only(`
import wandb
for opt in ["adam", "sgd"]:
    for seed in [0, 1]:
        wandb.init(config={"optimizer": opt, "seed": seed})
`);
    assert.deepEqual(loop.repeats, [1, 1, 1, 1]);
    assert.deepEqual(loop.keys, ['optimizer', 'seed']);
  });

  it('counts repeats that differ between combinations (a filter on the seed)', () => {
    const loop = only(`
import mlflow
for lr in [0.1, 0.01]:
    for seed in range(4):
        if lr == 0.1 and seed >= 2:
            continue
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.repeats, [2, 4]);
  });
});

describe('analysis: one of several literal lists, chosen at run time', () => {
  it('knows the values the lists agree on and marks the rest unknown, for if/else and a dict of lists', () => {
    const loop = only(`
import argparse, mlflow
args = argparse.ArgumentParser().parse_args()
if args.quick:
    lrs = [1e-3, 1e-2]
else:
    lrs = [1e-3, 1e-2, 1e-1]
BATCHES = {"small": [16, 32], "large": [16, 128]}
for lr in lrs:
    for bs in BATCHES[args.size]:
        with mlflow.start_run():
            mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.deepEqual(loop.unknown, ['lr', 'bs']);
    assert.deepEqual(loop.combinations.filter((c) => 'lr' in c && 'bs' in c), [{ lr: 1e-3, bs: 16 }, { lr: 1e-2, bs: 16 }]);
    const plan = planLoopRun(loop);
    assert.equal(plan.ok, false);
    assert.match(!plan.ok ? plan.reason : '', /only known when the script runs/);
  });

  it('uses the one value the branches agree on, and nothing when they share none', () => {
    const loops = analyzePython(`
import mlflow, sys
if len(sys.argv) > 1:
    opt, grid = "adam", [1, 2]
else:
    opt, grid = "adam", [3]
for x in grid:
    mlflow.log_params({"x": x, "opt": opt})
`);
    assert.deepEqual(loops[0].combinations, [{ opt: 'adam' }]);
    assert.deepEqual(loops[0].unknown, ['x']);
  });
});
