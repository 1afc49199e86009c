// How loop variables become parameter keys: through MLflow, the RunLens client and W&B calls,
// under any alias; and which loops are not experiment loops at all.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { only } from './support/analysis';


describe('analysis: mapping loop variables to parameter keys', () => {
  it('uses the key a variable is logged under, not the variable name', () => {
    const loop = only(`
import mlflow
for lr in [0.1, 0.01]:
    mlflow.log_param("learning_rate", lr)
`);
    assert.deepEqual(loop.keys, ['learning_rate']);
    assert.deepEqual(loop.combinations, [{ learning_rate: 0.1 }, { learning_rate: 0.01 }]);
  });

  it('reads keyword arguments of log_param', () => {
    const loop = only(`
import mlflow
for lr in [0.1]:
    mlflow.log_param(value=lr, key="lr")
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }]);
  });

  it('reads a dict passed to log_params, written inline, through a variable, or with dict()', () => {
    for (const body of [
      'mlflow.log_params({"lr": lr, "bs": bs})',
      'params = {"lr": lr, "bs": bs}\n        mlflow.log_params(params)',
      'mlflow.log_params(dict(lr=lr, bs=bs))',
    ]) {
      const loop = only(`
import mlflow
for lr in [0.1, 0.2]:
    for bs in [8]:
        ${body}
`);
      assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 8 }, { lr: 0.2, bs: 8 }], body);
    }
  });

  it('adds constants logged in the body to every combination, after the varied keys', () => {
    const loop = only(`
import mlflow
EPOCHS = 10
for lr in [0.1, 0.2]:
    with mlflow.start_run():
        mlflow.log_param("optimizer", "adam")
        mlflow.log_params({"epochs": EPOCHS, "lr": lr})
`);
    assert.deepEqual(loop.keys, ['lr', 'optimizer', 'epochs']);
    assert.deepEqual(loop.combinations, [
      { lr: 0.1, optimizer: 'adam', epochs: 10 }, { lr: 0.2, optimizer: 'adam', epochs: 10 },
    ]);
  });

  it('orders keys by loop nesting, then by the loop target they come from', () => {
    const loop = only(`
import mlflow
from itertools import product
for model in ["a"]:
    for wd, lr in product([0.0], [0.1]):
        mlflow.log_params({"lr": lr, "wd": wd, "model": model, "seed": 0})
`);
    assert.deepEqual(loop.keys, ['model', 'wd', 'lr', 'seed']);
  });

  it('follows import aliases: import mlflow as mf, from mlflow import log_param, import runlens as rl', () => {
    const loops = analyzePython(`
import mlflow as mf
from mlflow import log_param as lp
import runlens as rl
for a in [1]:
    mf.log_param("a", a)
for b in [2]:
    lp("b", b)
for c in [3]:
    rl.log_params({"c": c})
`);
    assert.deepEqual(loops.map(l => l.combinations), [[{ a: 1 }], [{ b: 2 }], [{ c: 3 }]]);
  });

  it('follows names brought in by from mlflow import *', () => {
    const loop = only(`
from mlflow import *
for x in [1]:
    log_param("x", x)
`);
    assert.deepEqual(loop.combinations, [{ x: 1 }]);
  });

  it('reads the params of runlens.start_run, by keyword or position', () => {
    const loops = analyzePython(`
import runlens
for lr in [0.1, 0.2]:
    with runlens.start_run(params={"lr": lr}):
        runlens.log_param("arch", "mlp")
for bs in [8]:
    with runlens.start_run(f"bs{bs}", "sweeps", {"bs": bs}):
        pass
`);
    assert.deepEqual(loops.map(l => l.combinations), [
      [{ lr: 0.1, arch: 'mlp' }, { lr: 0.2, arch: 'mlp' }], [{ bs: 8 }],
    ]);
  });

  it('reads MLflow calls made through runlens.mlflow', () => {
    const loop = only(`
import runlens.mlflow as mlflow
for lr in [0.1]:
    with mlflow.start_run():
        mlflow.log_params({"lr": lr})
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }]);
  });

  it('does not take run_name of mlflow.start_run for a parameter', () => {
    const loop = only(`
import mlflow
for lr in [0.1]:
    with mlflow.start_run(run_name=f"lr={lr}"):
        mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.keys, ['lr']);
  });

  it('reads wandb.init(config=...), wandb.config.update(...) and wandb.config assignments', () => {
    const loops = analyzePython(`
import wandb
for lr in [0.1, 0.2]:
    wandb.init(project="p", config={"lr": lr})
for bs in [16]:
    run = wandb.init(project="p")
    run.config.update({"bs": bs})
for wd in [0.01]:
    wandb.init()
    wandb.config.wd = wd
    wandb.config["seed"] = 7
`);
    assert.deepEqual(loops.map(l => l.combinations), [
      [{ lr: 0.1 }, { lr: 0.2 }], [{ bs: 16 }], [{ wd: 0.01, seed: 7 }],
    ]);
  });

  it('follows the arguments into a training function defined in the same file', () => {
    const loop = only(`
import mlflow

def train(lr, batch_size=32, epochs=5):
    with mlflow.start_run():
        mlflow.log_params({"lr": lr, "batch_size": batch_size, "epochs": epochs})
        for epoch in range(epochs):
            mlflow.log_metric("loss", 0.0, step=epoch)

for lr in [0.1, 0.01]:
    train(lr, epochs=3)
`);
    assert.deepEqual(loop.line, 10);
    assert.deepEqual(loop.combinations, [
      { lr: 0.1, batch_size: 32, epochs: 3 }, { lr: 0.01, batch_size: 32, epochs: 3 },
    ]);
  });

  it('crosses a loop with the loop inside a function it calls', () => {
    const loops = analyzePython(`
import mlflow
LRS = [0.1, 0.2]
def run_grid(seed):
    for lr in LRS:
        mlflow.log_params({"seed": seed, "lr": lr})
for seed in [0, 1]:
    run_grid(seed)
`);
    // The caller's loop knows both; the function's own loop, reached only from there, says nothing more.
    assert.deepEqual(loops.map(l => [l.line, l.unknown]), [[7, []]]);
    assert.deepEqual(loops[0].combinations, [
      { seed: 0, lr: 0.1 }, { seed: 0, lr: 0.2 }, { seed: 1, lr: 0.1 }, { seed: 1, lr: 0.2 },
    ]);
  });

  it('does not follow a function into itself', () => {
    const loop = only(`
import mlflow
def step(x):
    mlflow.log_param("x", x)
    step(x + 1)
for x in [1, 2]:
    step(x)
`);
    assert.deepEqual(loop.combinations, [{ x: 1 }, { x: 2 }]);
  });

  it('spreads a dict logged key by key over its items, without making combinations of them', () => {
    const loop = only(`
import mlflow
configs = [{"lr": 0.1, "bs": 8}, {"lr": 0.2, "bs": 8}]
for cfg in configs:
    with mlflow.start_run():
        for k, v in cfg.items():
            mlflow.log_param(k, v)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 8 }, { lr: 0.2, bs: 8 }]);
  });

  it('decides if/else assignments in the body per combination', () => {
    const loop = only(`
import mlflow
for model in ["resnet", "vit"]:
    if model == "vit":
        lr = 3e-4
    elif model == "mlp":
        lr = 1.0
    else:
        lr = 0.1
    mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.0003 }]);
    assert.deepEqual(loop.valueSites.map(v => v.site.text), ['3e-4', '0.1']);
  });

  it('counts a combination once when several iterations log the same parameters', () => {
    const loop = only(`
import mlflow
for seed in range(3):
    with mlflow.start_run():
        mlflow.log_param("lr", 0.01)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.01 }]);
    assert.ok(loop.notes.some(n => n.includes('listed once')));
  });
});

describe('analysis: what cannot be known is unknown, never guessed', () => {
  it('reports values from argparse, sys.argv, random and function calls as unknown', () => {
    const loop = only(`
import argparse, random, sys
import mlflow
args = argparse.ArgumentParser().parse_args()
for lr in [0.1, 0.2]:
    with mlflow.start_run():
        mlflow.log_params({"lr": lr, "bs": args.batch_size, "seed": random.randint(0, 9),
                           "data": sys.argv[1], "width": compute_width()})
`);
    assert.deepEqual(loop.keys, ['lr', 'bs', 'seed', 'data', 'width']);
    assert.deepEqual(loop.unknown, ['bs', 'seed', 'data', 'width']);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
  });

  it('reports a loop over values not known statically, with no guessed combinations', () => {
    const loop = only(`
import mlflow, sys
for lr in sys.argv[1:]:
    mlflow.log_param("lr", float(lr))
`);
    assert.deepEqual(loop.keys, ['lr']);
    assert.deepEqual(loop.unknown, ['lr']);
    assert.deepEqual(loop.combinations, []);
  });

  it('keeps what is known when one level of the nest is not', () => {
    const loop = only(`
import mlflow
for seed in load_seeds():
    for lr in [0.1, 0.2]:
        mlflow.log_params({"seed": seed, "lr": lr})
`);
    assert.deepEqual(loop.unknown, ['seed']);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
  });

  it('says so when a whole dict of parameters is not known', () => {
    const loop = only(`
import mlflow
for trial in range(2):
    with mlflow.start_run():
        mlflow.log_params(vars(args))
`);
    assert.deepEqual(loop.keys, []);
    assert.ok(loop.notes.some(n => n.includes('names are unknown')));
  });
});

describe('analysis: loops that are not experiment loops', () => {
  it('gives no lens to loops over data, batches, epochs and files', () => {
    const loops = analyzePython(`
import glob
import mlflow
with mlflow.start_run():
    mlflow.log_param("lr", 0.1)
    for epoch in range(10):
        for batch in loader:
            loss = step(batch)
            mlflow.log_metric("loss", loss, step=epoch)
    for path in glob.glob("data/*.csv"):
        rows = open(path).read()
for x in [1, 2, 3]:
    print(x)
`);
    assert.deepEqual(loops, []);
  });

  it('does not count an epoch loop inside an experiment loop as a dimension', () => {
    const loop = only(`
import mlflow
for lr in [0.1, 0.2]:
    with mlflow.start_run():
        mlflow.log_param("lr", lr)
        for epoch in range(100):
            mlflow.log_metric("acc", 0.5, step=epoch)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1 }, { lr: 0.2 }]);
  });

  it('reports the experiment loop inside a loop over datasets that are not logged', () => {
    const loops = analyzePython(`
import mlflow
for dataset in ["a.csv", "b.csv"]:
    data = load(dataset)
    for lr in [0.1]:
        mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loops.map(l => l.line), [5]);
  });
});

describe('analysis: nested runs', () => {
  it('what a child run logs (nested=True) is not part of the combination of the loop', () => {
    const loop = only(`
import mlflow
for lr in [0.01, 0.1]:
    with mlflow.start_run():
        mlflow.log_params({"lr": lr, "epochs": 3})
        for fold in range(3):
            with mlflow.start_run(run_name="child", nested=True):
                mlflow.log_param("fold", fold)
`);
    assert.deepEqual(loop.keys, ['lr', 'epochs']);
    assert.deepEqual(loop.combinations, [{ lr: 0.01, epochs: 3 }, { lr: 0.1, epochs: 3 }]);
  });

  it('a loop of child runs inside one parent run is still a loop of experiments', () => {
    const loop = only(`
import mlflow
with mlflow.start_run(run_name="search"):
    for lr in [0.01, 0.1]:
        with mlflow.start_run(nested=True):
            mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.01 }, { lr: 0.1 }]);
  });
});
