// What is not an experiment loop gets no lens: one run's parameters logged in parts, loops over
// data, epochs, batches, files and metrics, the items of one config, and commands that are no runs.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { describable } from '../../src/core/loops/describe';

const lensed = (source: string) => analyzePython(source).filter(describable).map((l) => l.line);

describe('analysis: loops that are not experiment loops', () => {
  it('a helper logging one run\'s many parameters in slices, and a loop over stages, inside that run', () => {
    assert.deepEqual(lensed(`
import mlflow
CONFIG = {"lr": 0.01, "epochs": 3, "arch": "cnn", "dropout": 0.2, "wd": 0}
def log_all(params, size=2):
    items = list(params.items())
    for i in range(0, len(items), size):
        mlflow.log_params(dict(items[i:i + size]))
with mlflow.start_run():
    log_all(CONFIG)
    for stage in ["pretrain", "finetune"]:
        mlflow.log_param("stage", stage)
`), []);
  });

  it('the items of one config, and metrics to log, in one run', () => {
    assert.deepEqual(lensed(`
import mlflow
cfg = {"lr": 0.1, "bs": 32}
with mlflow.start_run():
    for k, v in cfg.items():
        mlflow.log_param(k, v)
    for name, value in {"precision": 0.8, "recall": 0.7}.items():
        mlflow.log_metric(name, value)
`), []);
  });

  it('data, batches, epochs and files, tracked or not', () => {
    assert.deepEqual(lensed(`
import glob, mlflow
with mlflow.start_run():
    mlflow.log_param("lr", 0.1)
    for epoch in range(10):
        for batch in loader:
            loss = step(batch)
        mlflow.log_metric("loss", loss, step=epoch)
frames = []
for path in glob.glob("data/*.csv"):
    frames.append(load(path))
history = []
for epoch in range(5):
    history.append({"epoch": epoch, "loss": train_epoch(epoch)})
for f in ["a.csv", "b.csv"]:
    frames.append(read(f))
`), []);
  });

  it('a DataFrame that grows per combination is a record (so its loop is one), a print is not', () => {
    const loops = analyzePython(`
import pandas as pd
df = pd.DataFrame()
for lr in [0.1, 0.01]:
    df = pd.concat([df, pd.DataFrame([{"lr": lr, "acc": train(lr)}])])
for lr in [0.1, 0.01]:
    print(lr, train(lr))
`);
    assert.deepEqual(loops.map((l) => [l.line, l.tracked, l.combinations.length]), [[4, false, 2]]);
  });
});
