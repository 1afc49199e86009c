// What an experiment loop iterates over: literals, names bound earlier, range, product,
// ParameterGrid, config lists, zip, enumerate, numpy ranges, and where the loop may sit.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { only } from './support/analysis';


describe('analysis: what a loop iterates over', () => {
  it('crosses nested for loops over a literal list and a literal tuple', () => {
    const loop = only(`
import mlflow
for lr in [0.1, 0.01]:
    for bs in (16, 32):
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
            mlflow.log_param("bs", bs)
`);
    assert.equal(loop.line, 3);
    assert.deepEqual(loop.keys, ['lr', 'bs']);
    assert.deepEqual(loop.combinations, [
      { lr: 0.1, bs: 16 }, { lr: 0.1, bs: 32 }, { lr: 0.01, bs: 16 }, { lr: 0.01, bs: 32 },
    ]);
    assert.deepEqual(loop.unknown, []);
    assert.equal(loop.runtimeSkip, false);
  });

  it('expands range with start, stop and step', () => {
    const loop = only(`
import mlflow
for depth in range(2, 9, 3):
    mlflow.log_param("depth", depth)
`);
    assert.deepEqual(loop.combinations, [{ depth: 2 }, { depth: 5 }, { depth: 8 }]);
  });

  it('follows a name bound to a literal earlier in the file', () => {
    const loop = only(`
import mlflow
LEARNING_RATES = [3e-4, 1e-3]
for lr in LEARNING_RATES:
    mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.0003 }, { lr: 0.001 }]);
  });

  it('follows a name bound in the enclosing function, and module names from inside a function', () => {
    const loop = only(`
import mlflow
SEEDS = (0, 1)
def sweep():
    dropouts = [0.1, 0.5]
    for seed in SEEDS:
        for p in dropouts:
            mlflow.log_params({"seed": seed, "dropout": p})
`);
    assert.deepEqual(loop.combinations, [
      { seed: 0, dropout: 0.1 }, { seed: 0, dropout: 0.5 }, { seed: 1, dropout: 0.1 }, { seed: 1, dropout: 0.5 },
    ]);
  });

  it('uses the binding in force at the loop, not a later one', () => {
    const loop = only(`
import mlflow
lrs = [1, 2]
for lr in lrs:
    mlflow.log_param("lr", lr)
lrs = [3, 4]
`);
    assert.deepEqual(loop.combinations, [{ lr: 1 }, { lr: 2 }]);
  });

  it('treats a name changed in place or bound only under a condition as unknown', () => {
    const loops = analyzePython(`
import mlflow, sys
lrs = [1, 2]
lrs.insert(0, 3)
for lr in lrs:
    mlflow.log_param("lr", lr)
if len(sys.argv) > 1:
    bss = [8]
for bs in bss:
    mlflow.log_param("bs", bs)
`);
    assert.equal(loops.length, 2);
    for (const loop of loops) {
      assert.deepEqual(loop.combinations, []);
      assert.equal(loop.unknown.length, 1);
    }
  });

  it('crosses itertools.product, imported either way, in product order', () => {
    for (const header of ['import itertools\nP = itertools.product', 'from itertools import product as P']) {
      const loop = only(`
import mlflow
${header}
for opt, wd in P(["adam", "sgd"], [0.0, 1e-4]):
    mlflow.log_params({"optimizer": opt, "weight_decay": wd})
`);
      assert.deepEqual(loop.combinations, [
        { optimizer: 'adam', weight_decay: 0 }, { optimizer: 'adam', weight_decay: 0.0001 },
        { optimizer: 'sgd', weight_decay: 0 }, { optimizer: 'sgd', weight_decay: 0.0001 },
      ], header);
    }
  });

  it('understands product over names, with repeat=, and with a starred list of lists', () => {
    const loop = only(`
import mlflow, itertools
grid = {"a": [1, 2], "b": [3]}
for a, b in itertools.product(*grid.values()):
    mlflow.log_params({"a": a, "b": b})
`);
    assert.deepEqual(loop.combinations, [{ a: 1, b: 3 }, { a: 2, b: 3 }]);
    const repeated = only(`
import mlflow
from itertools import product
for x, y in product([0, 1], repeat=2):
    mlflow.log_params({"x": x, "y": y})
`);
    assert.equal(repeated.combinations.length, 4);
  });

  it('expands sklearn ParameterGrid from a dict of lists, with sorted keys', () => {
    const loop = only(`
import mlflow
from sklearn.model_selection import ParameterGrid
for params in ParameterGrid({"n_estimators": [100, 200], "max_depth": [3, None]}):
    with mlflow.start_run():
        mlflow.log_params(params)
`);
    assert.deepEqual(loop.keys, ['max_depth', 'n_estimators']);
    assert.deepEqual(loop.combinations, [
      { max_depth: 3, n_estimators: 100 }, { max_depth: 3, n_estimators: 200 },
      { max_depth: null, n_estimators: 100 }, { max_depth: null, n_estimators: 200 },
    ]);
  });

  it('expands ParameterGrid from a list of dicts, one grid after another', () => {
    const loop = only(`
import mlflow
import sklearn.model_selection as ms
grid = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "gamma": [0.1]}]
for p in ms.ParameterGrid(grid):
    mlflow.log_params(p)
`);
    assert.deepEqual(loop.combinations, [
      { kernel: 'linear', C: 1 }, { kernel: 'linear', C: 10 }, { kernel: 'rbf', gamma: 0.1 },
    ]);
  });

  it('walks a list of config dicts logged whole', () => {
    const loop = only(`
import mlflow
configs = [
    {"model": "resnet18", "lr": 0.1},
    {"model": "vit", "lr": 3e-4, "warmup": 500},
]
for cfg in configs:
    with mlflow.start_run():
        mlflow.log_params(cfg)
`);
    assert.deepEqual(loop.keys, ['model', 'lr', 'warmup']);
    assert.deepEqual(loop.combinations, [
      { model: 'resnet18', lr: 0.1 }, { model: 'vit', lr: 0.0003, warmup: 500 },
    ]);
  });

  it('pairs zip arguments instead of crossing them', () => {
    const loop = only(`
import mlflow
for lr, bs in zip([0.1, 0.2, 0.3], [16, 32]):
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 16 }, { lr: 0.2, bs: 32 }]);
  });

  it('does not take the enumerate index for a parameter', () => {
    const loop = only(`
import mlflow
for i, cfg in enumerate([{"lr": 0.1}, {"lr": 0.2}]):
    with mlflow.start_run(run_name=f"trial-{i}"):
        mlflow.log_params(cfg)
`);
    assert.deepEqual(loop.keys, ['lr']);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
  });

  it('finds loops inside def main() and under if __name__ == "__main__"', () => {
    const loops = analyzePython(`
import mlflow
def main():
    for lr in [0.1, 0.2]:
        mlflow.log_param("lr", lr)

if __name__ == "__main__":
    widths = [64, 128]
    for w in widths:
        mlflow.log_param("width", w)
    main()
`);
    assert.deepEqual(loops.map(l => l.line), [4, 9]);
    assert.deepEqual(loops[0].combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
    assert.deepEqual(loops[1].combinations, [{ width: 64 }, { width: 128 }]);
  });

  it('computes numpy linspace like numpy (endpoint included, num defaults to 50)', () => {
    const loop = only(`
import mlflow
import numpy as np
for x in np.linspace(0, 1, 11):
    mlflow.log_param("x", x)
`);
    assert.deepEqual(loop.combinations.map(c => c.x),
      [0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1.0]);
    const dflt = only(`
from numpy import linspace
import mlflow
for x in linspace(2, 3):
    mlflow.log_param("x", x)
`);
    assert.equal(dflt.combinations.length, 50);
    assert.equal(dflt.combinations[17].x, 2.3469387755102042);
    const open = only(`
import mlflow, numpy
for x in numpy.linspace(0, 1, num=4, endpoint=False).tolist():
    mlflow.log_param("x", x)
`);
    assert.deepEqual(open.combinations.map(c => c.x), [0, 0.25, 0.5, 0.75]);
  });

  it('computes numpy logspace with base 10 by default, and another base when given', () => {
    const loop = only(`
import mlflow
import numpy as np
for lr in np.logspace(-5, -1, 9):
    mlflow.log_param("lr", lr)
`);
    // The C library's pow (CPython's math.pow; numpy without AVX-512) gives these.
    assert.deepEqual(loop.combinations.map(c => c.lr), [1e-05, 3.1622776601683795e-05, 0.0001,
      0.00031622776601683794, 0.001, 0.0031622776601683794, 0.01, 0.03162277660168379, 0.1]);
    assert.ok(loop.notes.some(n => n.includes('logspace')));
    const base2 = only(`
import mlflow
import numpy as np
for b in np.logspace(0, 4, 5, base=2):
    mlflow.log_param("b", b)
`);
    assert.deepEqual(base2.combinations.map(c => c.b), [1, 2, 4, 8, 16]);
  });

  it('computes numpy arange on floats the way numpy fills it, and on ints exactly', () => {
    const loop = only(`
import mlflow
import numpy as np
for m in np.arange(0.1, 1.0, 0.1):
    mlflow.log_param("momentum", m)
`);
    assert.deepEqual(loop.combinations.map(c => c.momentum),
      [0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6, 0.7000000000000001, 0.8, 0.9]);
    const ints = only(`
import mlflow
import numpy as np
for k in np.arange(1, 10, 3):
    mlflow.log_param("k", k)
`);
    assert.deepEqual(ints.combinations.map(c => c.k), [1, 4, 7]);
  });

  it('evaluates list comprehensions and simple arithmetic over literals', () => {
    const loop = only(`
import mlflow
lrs = [10 ** -i for i in range(1, 4)]
for lr in lrs:
    mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.combinations.map(c => c.lr), [0.1, 0.01, 0.001]);
  });

  it('lets an inner loop iterate over something chosen by the outer loop', () => {
    const loop = only(`
import mlflow
sizes = {"small": [16, 32], "large": [64]}
for model in ["small", "large"]:
    for width in sizes[model]:
        mlflow.log_params({"model": model, "width": width})
`);
    assert.deepEqual(loop.combinations, [
      { model: 'small', width: 16 }, { model: 'small', width: 32 }, { model: 'large', width: 64 },
    ]);
  });

  it('evaluates sorted, reversed and list over literals', () => {
    const loops = analyzePython(`
import mlflow
for x in sorted({3, 1, 2}, reverse=True):
    mlflow.log_param("x", x)
for y in reversed(list(range(2))):
    mlflow.log_param("y", y)
`);
    assert.deepEqual(loops.map(l => l.combinations), [[{ x: 3 }, { x: 2 }, { x: 1 }], [{ y: 1 }, { y: 0 }]]);
  });
});
