// Values computed from literals, as experiment scripts compute them, known exactly as Python
// would compute them; anything that depends on run time stays unknown.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { only } from './support/analysis';

const valuesOf = (source: string, key: string) => only(source).combinations.map((c) => c[key]);

describe('analysis: values computed from literals', () => {
  it('maps a lambda or a builtin over a range, directly, through list() or sorted(), or a name bound to a lambda', () => {
    assert.deepEqual(valuesOf(`
import mlflow
for lr in list(map(lambda k: 10 ** -k, range(2, 5))):
    mlflow.log_param("lr", lr)
`, 'lr'), [0.01, 0.001, 0.0001]);
    assert.deepEqual(valuesOf(`
import mlflow
for bs in sorted(map(int, ["64", "16", "32"]), reverse=True):
    mlflow.log_param("bs", bs)
`, 'bs'), [64, 32, 16]);
    assert.deepEqual(valuesOf(`
import mlflow
scale = lambda k, base=2: base ** k
for width in [scale(k) for k in range(4, 7)]:
    mlflow.log_param("width", width)
`, 'width'), [16, 32, 64]);
    assert.deepEqual(valuesOf(`
import mlflow
for p in filter(lambda x: x > 0.1, [0.0, 0.2, 0.5]):
    mlflow.log_param("p", p)
`, 'p'), [0.2, 0.5]);
  });

  it('rounds as Python does, ties to even on the exact binary value', () => {
    assert.deepEqual(valuesOf(`
import mlflow
for p in [round(0.05 * k, 2) for k in range(1, 6)] + [round(2.675, 2), round(2.5)]:
    mlflow.log_param("p", p)
`, 'p'), [0.05, 0.1, 0.15, 0.2, 0.25, 2.67, 2]);
  });

  it('formats f-string fields with format specs, conversions and =, str.format and % as Python prints them', () => {
    const loop = only(`
import mlflow
for lr in [1e-3, 0.125]:
    for n in (5, 1234567):
        mlflow.log_params({
            "tag": f"lr{lr:.0e}-n{n:03d}-{lr:.2f}-{n:,}-{'x'!r}-{lr=}",
            "name": "run_{}_{:>4}".format(n, "ab"),
            "cmd": "--lr %f --n %d %s" % (lr, n, "end"),
        })
`);
    assert.deepEqual(loop.combinations.map((c) => [c.tag, c.name, c.cmd]), [
      ["lr1e-03-n005-0.00-5-'x'-lr=0.001", 'run_5_  ab', '--lr 0.001000 --n 5 end'],
      ["lr1e-03-n1234567-0.00-1,234,567-'x'-lr=0.001", 'run_1234567_  ab', '--lr 0.001000 --n 1234567 end'],
      ["lr1e-01-n005-0.12-5-'x'-lr=0.125", 'run_5_  ab', '--lr 0.125000 --n 5 end'],
      ["lr1e-01-n1234567-0.12-1,234,567-'x'-lr=0.125", 'run_1234567_  ab', '--lr 0.125000 --n 1234567 end'],
    ]);
  });

  it('builds dicts with dict(zip(..)), **base merges, | merges and dict(base, k=v), with the varied keys first', () => {
    const loop = only(`
import mlflow
BASE = {"epochs": 30, "optimizer": "adamw"}
for lr, p in zip([0.1, 0.01], [0.2, 0.3]):
    a = dict(zip(["lr", "dropout"], [lr, p]))
    b = {**BASE, **a} | {"optimizer": "sgd"}
    mlflow.log_params(dict(b, steps=100))
`);
    assert.deepEqual(loop.keys, ['lr', 'dropout', 'epochs', 'optimizer', 'steps']);
    assert.deepEqual(loop.combinations, [
      { lr: 0.1, dropout: 0.2, epochs: 30, optimizer: 'sgd', steps: 100 },
      { lr: 0.01, dropout: 0.3, epochs: 30, optimizer: 'sgd', steps: 100 },
    ]);
  });

  it('follows a copy of a base config changed in place with [k] = v, update() and +=', () => {
    const loop = only(`
import copy, wandb
BASE = {"epochs": 30, "optimizer": "adamw"}
for lr in [1e-4, 3e-4]:
    cfg = copy.deepcopy(BASE)
    cfg["lr"] = lr
    cfg.update(optimizer="sgd", warmup=10)
    cfg["epochs"] += 5
    name = "run"
    name += f"-{lr}"
    with wandb.init(project="p", config=cfg, name=name):
        pass
`);
    assert.deepEqual(loop.combinations, [
      { epochs: 35, optimizer: 'sgd', lr: 1e-4, warmup: 10 },
      { epochs: 35, optimizer: 'sgd', lr: 3e-4, warmup: 10 },
    ]);
  });

  it('follows a list built with append and extend before the loop', () => {
    assert.deepEqual(valuesOf(`
import mlflow
lrs = []
lrs.append(0.1)
lrs.extend([0.01, 0.001])
for lr in lrs:
    mlflow.log_param("lr", lr)
`, 'lr'), [0.1, 0.01, 0.001]);
  });

  it('sees a change made through another name that holds the same dict, or no value at all', () => {
    const loop = only(`
import wandb
config = {"method": "grid"}
params = {"lr": [0.1]}
config["parameters"] = params
params["lr"] = [0.2]
params.update(bs=[8])
for lr in config["parameters"]["lr"]:
    for bs in config["parameters"]["bs"]:
        wandb.init(config={"lr": lr, "bs": bs})
`);
    // config holds params itself, so changing params changes config.
    assert.deepEqual(loop.combinations, [{ lr: 0.2, bs: 8 }]);
    const stale = only(`
import wandb
params = {"lr": [0.1]}
config = {"parameters": params}
config["method"] = "grid"
params["lr"] = [0.2]
for lr in config["parameters"]["lr"]:
    wandb.init(config={"lr": lr})
`);
    // config changed itself after taking params: which value it now holds is not followed.
    assert.deepEqual(stale.combinations, []);
  });

  it('keeps values that depend on run time unknown: a changed value inside a branch, a call into user code', () => {
    const loops = analyzePython(`
import mlflow, sys
cfg = {"lr": 0.1}
if len(sys.argv) > 1:
    cfg["lr"] = 0.2
for bs in [8, 16]:
    mlflow.log_params({"bs": bs, "lr": cfg["lr"], "wd": make_wd(bs), "tag": f"{bs:{width}}"})
`);
    assert.deepEqual(loops[0].combinations, [{ bs: 8 }, { bs: 16 }]);
    assert.deepEqual(loops[0].unknown, ['wd', 'tag', 'lr']);
  });
});
