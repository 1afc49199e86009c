// Syntax that must not change what the analysis reads: comments and blank lines inside calls,
// lists, dicts and definitions; line continuations; trailing commas; parentheses.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { only } from './support/analysis';

describe('analysis: comments, blank lines, continuations and trailing commas anywhere', () => {
  it('reads every keyword of a multi-line call with comments and blank lines between them', () => {
    const loop = only(`
import wandb
for lr in [0.1, 0.01]:
    wandb.init(
        project="p",  # grouped

        # what the sweep compares
        config={"lr": lr},
    )
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.01 }]);
    assert.equal(loop.experiment, 'p');
  });

  it('reads the items of lists, tuples and dicts with comments after any of them', () => {
    const loop = only(`
import mlflow
for lr in [  # from the last round
    3e-4,  # the default

    1e-3,
]:
    for heads in (4,  # small
                  8,):
        mlflow.log_params({
            "lr": lr,  # per step
            # heads per layer
            "heads": heads,
            "layers": \\
                6,
        })
`);
    assert.deepEqual(loop.combinations, [
      { lr: 3e-4, heads: 4, layers: 6 }, { lr: 3e-4, heads: 8, layers: 6 },
      { lr: 1e-3, heads: 4, layers: 6 }, { lr: 1e-3, heads: 8, layers: 6 },
    ]);
  });

  it('reads positional arguments with comments between them, and parenthesised values', () => {
    const loop = only(`
import mlflow
for m in (0.9, 0.99):
    with mlflow.start_run():
        mlflow.log_param(
            # the name first
            ("momentum"),
            (m),  # parenthesised
        )
`);
    assert.deepEqual(loop.combinations, [{ momentum: 0.9 }, { momentum: 0.99 }]);
  });

  it('reads the arguments of iterables (product, range, ParameterGrid, dict) with comments inside', () => {
    const loop = only(`
import itertools, mlflow
from sklearn.model_selection import ParameterGrid
for a, b in itertools.product(
    [1, 2],  # a
    # b
    range(
        3,  # start
        5,
    ),
):
    for p in ParameterGrid({
        "c": [0],  # c
    }):
        mlflow.log_params(dict(
            a=a,  # first
            # second
            b=b,
            **p,
        ))
`);
    assert.deepEqual(loop.combinations, [
      { a: 1, b: 3, c: 0 }, { a: 1, b: 4, c: 0 }, { a: 2, b: 3, c: 0 }, { a: 2, b: 4, c: 0 },
    ]);
  });

  it('binds the arguments of a function it follows, and its parameters, across comments', () => {
    const loop = only(`
import runlens
def train(
    lr,  # learning rate
    # the batch size
    bs=32,
):
    with runlens.start_run(params={"lr": lr, "bs": bs}):
        pass
for lr in [0.1, 0.2]:
    train(
        # only lr varies
        lr,
    )
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 32 }, { lr: 0.2, bs: 32 }]);
  });

  it('reads the experiment, a filter condition and an assignment split over lines with comments', () => {
    const loop = only(`
import mlflow
mlflow.set_experiment(
    # named here
    "tune",
)
grid = [0.1,
        # no 0.15 this time
        0.2,
        0.3]
for lr in grid:
    if (lr > 0.25  # too high
            ):
        continue
    with mlflow.start_run():
        mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
    assert.equal(loop.experiment, 'tune');
  });

  it('reads a loop target and iterable with a comment after the colon and in a trailing comma tuple', () => {
    const loops = analyzePython(`
import mlflow
for lr, in [(0.1,), (0.2,),]:  # one-element rows
    mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loops[0]?.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
  });
});
