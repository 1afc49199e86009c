"""Loops that are not experiment loops: inside one run, over data, epochs, batches, files, metrics."""
import glob
import json
import mlflow

CONFIG = {"lr": 0.01, "epochs": 3, "batch_size": 64, "arch": "cnn", "dropout": 0.2}


def log_in_slices(params, size=2):
    items = list(params.items())
    for start in range(0, len(items), size):
        mlflow.log_params(dict(items[start:start + size]))


with mlflow.start_run():
    log_in_slices(CONFIG)
    for key, value in CONFIG.items():
        mlflow.set_tag(f"cfg.{key}", value)
    for epoch in range(CONFIG["epochs"]):
        for batch in loader:
            loss = step(batch)
        mlflow.log_metric("loss", loss, step=epoch)
    for name, value in {"precision": 0.8, "recall": 0.7}.items():
        mlflow.log_metric(name, value)
    for path in glob.glob("outputs/*.png"):
        mlflow.log_artifact(path)

with mlflow.start_run():
    for stage in ["pretrain", "finetune"]:
        mlflow.log_param(f"{stage}_epochs", CONFIG["epochs"])

for path in sorted(glob.glob("configs/*.json")):
    with open(path) as f:
        cfg = json.load(f)
    with mlflow.start_run():
        mlflow.log_params(cfg)
