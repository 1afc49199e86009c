// A grid that reaches the loop as a function argument: the function's loop is enumerated through
// each call in the file (or a later notebook cell), with keywords and defaults.
import * as assert from 'node:assert/strict';
import { analyzeNotebook, analyzePython } from '../../src/core/analysis';
import { planLoopRun } from '../../src/core/launch/loopRun';
import { only } from './support/analysis';

describe('analysis: a grid passed to the function whose loop runs it', () => {
  it('follows a call under if __name__ == "__main__" with a module-level name and a keyword, and a default', () => {
    const loop = only(`
import mlflow
from sklearn.model_selection import ParameterGrid
GRID = {"max_depth": [3, 6], "eta": [0.1]}

def run_grid(grid, rounds=100, booster="gbtree"):
    for params in ParameterGrid(grid):
        with mlflow.start_run():
            mlflow.log_params({**params, "rounds": rounds, "booster": booster})

if __name__ == "__main__":
    run_grid(GRID, rounds=300)
`);
    assert.equal(loop.line, 7);
    assert.deepEqual(loop.combinations, [
      { eta: 0.1, max_depth: 3, rounds: 300, booster: 'gbtree' }, { eta: 0.1, max_depth: 6, rounds: 300, booster: 'gbtree' },
    ]);
    assert.deepEqual(loop.calls, [{ line: 12, combinations: [0, 1] }]);
  });

  it('takes the union of several calls, each combination with its call, and reads what varies between calls', () => {
    const loop = only(`
import runlens
def sweep(model, lrs=(1e-3, 3e-4)):
    for lr in lrs:
        with runlens.start_run(params={"model": model, "lr": lr}):
            pass
sweep("resnet")
sweep("vit", lrs=[1e-4, 1e-3])
sweep("resnet")
`);
    assert.deepEqual(loop.combinations, [
      { lr: 1e-3, model: 'resnet' }, { lr: 3e-4, model: 'resnet' }, { lr: 1e-4, model: 'vit' }, { lr: 1e-3, model: 'vit' },
    ]);
    assert.deepEqual(loop.repeats, [2, 2, 1, 1], 'the same call twice runs its combinations twice');
    assert.deepEqual(loop.calls?.map((c) => [c.line, c.combinations]), [[7, [0, 1]], [8, [2, 3]], [9, [0, 1]]]);
    const plan = planLoopRun(loop);
    assert.ok(plan.ok, !plan.ok ? plan.reason : '');
    assert.deepEqual(plan.reads, { lr: 'lr', model: 'model' });
  });

  it('follows a chain of calls: main() calls the function with literals', () => {
    const loop = only(`
import wandb
DEPTHS = [2, 4]
def experiment(learning_rates, depths):
    for lr in learning_rates:
        for depth in depths:
            wandb.init(project="p", config={"lr": lr, "depth": depth})
def main():
    experiment(learning_rates=[0.01, 0.001], depths=DEPTHS)
main()
`);
    assert.equal(loop.combinations.length, 4);
    assert.equal(loop.experiment, 'p');
    assert.deepEqual(loop.calls, [{ line: 10, combinations: [0, 1, 2, 3] }]);
  });

  it('follows a call in a later notebook cell, with the literal sites in that cell', () => {
    const [first, second] = analyzeNotebook([
      'import mlflow\ndef tune(grid):\n    for cfg in grid:\n        with mlflow.start_run():\n            mlflow.log_params(cfg)\n',
      'tune([{"lr": 0.1}, {"lr": 0.01}])\n',
    ]);
    assert.deepEqual(first.loops[0].combinations, [{ lr: 0.1 }, { lr: 0.01 }]);
    assert.deepEqual(first.loops[0].calls, [{ line: 1, cell: 1, combinations: [0, 1] }]);
    assert.deepEqual(first.loops[0].valueSites.map((v) => [v.site.cell, v.site.text]), [[1, '0.1'], [1, '0.01']]);
    assert.deepEqual(second.loops, []);
  });

  it('does not read a parameter the function assigns again before its loop', () => {
    const loop = only(`
import runlens
def sweep(model, lrs):
    model = model.upper()
    for lr in lrs:
        with runlens.start_run(params={"model": model, "lr": lr}):
            pass
sweep("a", [0.1])
sweep("b", [0.1])
`);
    assert.ok(!loop.guard || !('model' in loop.guard.reads));
  });

  it('is unknown for a function nothing in the file calls; a call inside a loop is that loop\'s, crossed with it', () => {
    const loops = analyzePython(`
import mlflow
def sweep(lrs):
    for lr in lrs:
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
def sweep2(lrs):
    for lr in lrs:
        with mlflow.start_run():
            mlflow.log_params({"lr": lr, "wd": 0})
for lrs in ([0.1], [0.2]):
    sweep2(lrs)
`);
    assert.deepEqual(loops.map((l) => [l.line, l.combinations.length]), [[4, 0], [11, 2]]);
    assert.deepEqual(loops[1].combinations, [{ lr: 0.1, wd: 0 }, { lr: 0.2, wd: 0 }]);
    assert.deepEqual(loops[1].guard, { line: 8, col: 4, reads: { lr: 'lr' } });
  });

  it('is no experiment loop: a helper that logs one run\'s parameters in slices, called inside that run', () => {
    const loops = analyzePython(`
import mlflow
CONFIG = {"lr": 0.01, "epochs": 3, "arch": "cnn"}
def log_in_slices(params, size=2):
    items = list(params.items())
    for start in range(0, len(items), size):
        mlflow.log_params(dict(items[start:start + size]))
with mlflow.start_run():
    log_in_slices(CONFIG)
with mlflow.start_run():
    for stage in ["pretrain", "finetune"]:
        mlflow.log_param("stage", stage)
`);
    assert.deepEqual(loops.filter((l) => l.combinations.length), []);
  });
});
