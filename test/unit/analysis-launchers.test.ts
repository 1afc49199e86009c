// Runs started by other means than a start_run call: MLflow's client API, MLflow Projects, and a
// script launched once per combination with its parameters on the command line.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { planLoopRun } from '../../src/core/launch/loopRun';
import { only } from './support/analysis';

describe('analysis: MlflowClient, mlflow.run and launched scripts', () => {
  it('reads MlflowClient: a run per create_run, log_param(run_id, k, v) and log_batch(params=[Param(..)])', () => {
    const loop = only(`
from mlflow.tracking import MlflowClient
from mlflow.entities import Param
client = MlflowClient()
exp = client.create_experiment("baselines")
for model in ["logreg", "forest"]:
    for scale in (True, False):
        run = client.create_run(exp)
        client.log_param(run.info.run_id, "model", model)
        client.log_batch(run.info.run_id, params=[Param("scale", str(scale)), Param(key="folds", value="5")])
        client.set_terminated(run.info.run_id)
`);
    assert.deepEqual(loop.keys, ['model', 'scale', 'folds']);
    assert.deepEqual(loop.combinations, [
      { model: 'logreg', scale: 'True', folds: '5' }, { model: 'logreg', scale: 'False', folds: '5' },
      { model: 'forest', scale: 'True', folds: '5' }, { model: 'forest', scale: 'False', folds: '5' },
    ]);
    assert.equal(loop.experiment, undefined, 'create_run names its experiment by id');
    assert.deepEqual(loop.guard?.reads, { model: 'model', scale: 'scale' });
  });

  it('reads an MLflow Projects run per call, with its parameters and experiment name', () => {
    for (const call of ['mlflow.run(".", "train", parameters=params, experiment_name="mlp")',
      'mlflow.projects.run(uri=".", entry_point="train", parameters=params, experiment_name="mlp")']) {
      const loop = only(`
import mlflow
import mlflow.projects
for layers in [1, 2]:
    for units in [64, 256]:
        params = {"layers": layers, "units": units, "seed": 7}
        ${call}
`);
      assert.equal(loop.combinations.length, 4, call);
      assert.deepEqual(loop.combinations[3], { layers: 2, units: 256, seed: 7 });
      assert.equal(loop.experiment, 'mlp');
    }
  });

  it('reads the options of a script launched with subprocess from a list, with str() values keeping their literal', () => {
    const loop = only(`
import subprocess, sys
from itertools import product
for width, lr in product([0.5, 1.0], [1e-3]):
    subprocess.run([sys.executable, "scripts/train.py", "--model", "mobilenet", "--batch-size", "64",
                    "--width", str(width), f"--lr={lr}", "--amp"], check=True)
`);
    assert.deepEqual(loop.keys, ['width', 'lr', 'model', 'batch_size']);
    assert.deepEqual(loop.combinations, [
      { width: 0.5, lr: 0.001, model: 'mobilenet', batch_size: '64' },
      { width: 1.0, lr: 0.001, model: 'mobilenet', batch_size: '64' },
    ]);
    assert.deepEqual(loop.valueSites.filter((v) => v.key === 'width').map((v) => v.site.text), ['0.5', '1.0']);
    assert.deepEqual(loop.guard?.reads, { width: 'width' });
  });

  it('reads os.system with an f-string, a command built with +=, %, and python -m with short options', () => {
    const fstring = only(`
import os
for alpha in [0.2, 0.4]:
    os.system(f"python elasticnet.py --alpha {alpha} --l1-ratio 0.5 -v")
`);
    assert.deepEqual(fstring.combinations, [{ alpha: 0.2, l1_ratio: '0.5' }, { alpha: 0.4, l1_ratio: '0.5' }]);
    const built = only(`
import os
for lr in [0.1, 0.01]:
    cmd = "python -u main.py"
    cmd += f" --lr {lr}"
    cmd += " --bs " + str(64)
    os.system(cmd + " -e %d" % 5)
`);
    assert.deepEqual(built.combinations, [{ lr: 0.1, bs: 64, e: '5' }, { lr: 0.01, bs: 64, e: '5' }]);
    const module = only(`
import subprocess
for k in [1, 2]:
    subprocess.call("python -m pkg.train -k %s" % k, shell=True)
`);
    assert.deepEqual(module.combinations, [{ k: '1' }, { k: '2' }]);
  });

  it('reads Hydra overrides (a.b=value) as keys with their dotted names', () => {
    const loop = only(`
import subprocess
for depth in [1, 2]:
    subprocess.run(["python", "run.py", f"model.depth={depth}", "+trainer.max_epochs=50", "-m"])
`);
    assert.deepEqual(loop.combinations, [{ 'model.depth': 1, 'trainer.max_epochs': '50' }, { 'model.depth': 2, 'trainer.max_epochs': '50' }]);
  });

  it('is no experiment loop: a command with no options, or single-dash options of a program that is not a Python script', () => {
    const loops = analyzePython(`
import os, subprocess
for name in ["a", "b"]:
    subprocess.run(["rm", "-f", name])
for branch in ["main", "dev"]:
    os.system(f"git checkout {branch} && git log -n 1")
for path in ["x.csv", "y.csv"]:
    os.system(f"gzip {path}")
`);
    assert.deepEqual(loops.filter((l) => l.combinations.length), []);
  });
});

describe('running some combinations of a launching loop', () => {
  it('guards the loop that launches the script, reading its variables', () => {
    const [loop] = analyzePython(`import subprocess
for lr in [0.1, 0.01]:
    for bs in [32, 64]:
        subprocess.run(["python", "train.py", "--lr", str(lr), "--bs", str(bs)])
`);
    const plan = planLoopRun(loop);
    assert.ok(plan.ok);
    assert.deepEqual([plan.line, plan.reads], [3, { lr: 'lr', bs: 'bs' }]);
  });
});
