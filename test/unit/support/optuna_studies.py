"""Optuna studies for the tests, made by real Optuna (Debian's python3-optuna, /usr/bin/python3).

    /usr/bin/python3 optuna_studies.py build DIR   # DIR/studies.db (RDB) and DIR/journal.log, the same studies in each
    /usr/bin/python3 optuna_studies.py more DIR    # what a later session adds: new trials, the running one ends, the queue runs
    /usr/bin/python3 optuna_studies.py drop DIR    # deletes the study "multi"
    /usr/bin/python3 optuna_studies.py dump DIR    # prints what Optuna's own API reports of both storages, as JSON

The studies: "tpe" (TPE, every kind of parameter, intermediate values, pruned and failed trials,
user attributes, a trial left running); "grid" (GridSampler, maximised, 4 of its 6 points run);
"multi" (two objectives, with metric names as Optuna 3.2's set_metric_names keeps them); "queue"
(trials enqueued, one left waiting).
"""

import json
import math
import os
import sys
import warnings

import optuna
from optuna.trial import TrialState

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)

GRID = {"lr": [0.001, 0.01, 0.1], "optimizer": ["adam", "sgd"]}


def storages(root):
    yield "db", "sqlite:///" + os.path.join(root, "studies.db")
    yield "journal", optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(os.path.join(root, "journal.log")))


def tpe_objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.25)
    choice = trial.suggest_categorical("choice", [None, True, 3.0, 2, "adam", "ünï"])
    units = trial.suggest_int("units", 8, 128, log=True)
    trial.set_user_attr("note", "try %d" % trial.number)
    trial.set_user_attr("scale", 1.0)
    trial.set_user_attr("shape", [layers, "wide"])
    trial.set_user_attr("meta", {"ok": True, "name": "é"})
    if trial.number % 5 == 3:
        raise ValueError("diverged")
    loss = lr * 100 + layers / 10 + dropout + units / 1000
    for step in range(4):
        value = loss + 1.0 / (step + 1)
        trial.report(float("nan") if trial.number == 2 and step == 1 else value, step)
        if trial.number % 4 == 1 and step == 2:
            raise optuna.TrialPruned()
    return loss if trial.number != 6 else float("inf")


def grid_objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    opt = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    return (0.9 if opt == "adam" else 0.8) - lr


def multi_objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    return x * x, 1.0 - x


def queue_objective(trial):
    return trial.suggest_float("lr", 1e-4, 1.0, log=True) + trial.suggest_int("bs", 16, 128)


def build(root):
    for _, storage in storages(root):
        tpe = optuna.create_study(study_name="tpe", storage=storage, sampler=optuna.samplers.TPESampler(seed=1, n_startup_trials=4))
        tpe.enqueue_trial({"choice": 3.0, "layers": 2})  # a float choice, and a trial run from the queue
        tpe.optimize(tpe_objective, n_trials=12, catch=(ValueError,))
        running = tpe.ask()  # asked, never told: RUNNING, with what it reported so far
        running.report(float("nan"), 0)
        running.report(float("inf"), 1)
        grid = optuna.create_study(study_name="grid", storage=storage, direction="maximize", sampler=optuna.samplers.GridSampler(GRID, seed=0))
        grid.optimize(grid_objective, n_trials=4)
        multi = optuna.create_study(study_name="multi", storage=storage, directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=2))
        multi._storage.set_study_system_attr(multi._study_id, "study:metric_names", ["loss", "accuracy"])
        multi.optimize(multi_objective, n_trials=3)
        queue = optuna.create_study(study_name="queue", storage=storage, sampler=optuna.samplers.RandomSampler(seed=3))
        queue.enqueue_trial({"lr": 0.01, "bs": 32})
        queue.enqueue_trial({"lr": 0.1, "bs": 64}, user_attrs={"from": "queue"})
        queue.optimize(queue_objective, n_trials=1)


def more(root):
    for _, storage in storages(root):
        tpe = optuna.load_study(study_name="tpe", storage=storage, sampler=optuna.samplers.TPESampler(seed=4, n_startup_trials=4))
        running = [t for t in tpe.trials if t.state == TrialState.RUNNING][0]
        tpe.tell(running.number, state=TrialState.FAIL)
        tpe.optimize(tpe_objective, n_trials=3, catch=(ValueError,))
        grid = optuna.load_study(study_name="grid", storage=storage, sampler=optuna.samplers.GridSampler(GRID, seed=0))
        grid.optimize(grid_objective, n_trials=1)
        queue = optuna.load_study(study_name="queue", storage=storage, sampler=optuna.samplers.RandomSampler(seed=3))
        queue.optimize(queue_objective, n_trials=1)


def drop(root):
    for _, storage in storages(root):
        optuna.delete_study(study_name="multi", storage=storage)


def best_trial(study):
    if len(study.directions) > 1 or not any(t.state == TrialState.COMPLETE for t in study.trials):
        return None
    return study.best_trial.number


def number(v):
    if v is None:
        return None
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def ms(dt):
    return None if dt is None else dt.timestamp() * 1000


def dump(root):
    out = {}
    for kind, storage in storages(root):
        studies = {}
        for summary in optuna.get_all_study_summaries(storage):
            study = optuna.load_study(study_name=summary.study_name, storage=storage)
            studies[study.study_name] = {
                "directions": [d.name.lower() for d in study.directions],
                "metric_names": study._storage.get_study_system_attrs(study._study_id).get("study:metric_names"),
                "best_trial": best_trial(study),
                "trials": [{
                    "number": t.number,
                    "state": t.state.name,
                    "params": {k: str(v) for k, v in t.params.items()},
                    "fixed_params": {k: str(v) for k, v in t.system_attrs.get("fixed_params", {}).items()},
                    "values": None if t.values is None else [number(v) for v in t.values],
                    "intermediate_values": {str(k): number(v) for k, v in t.intermediate_values.items()},
                    "user_attrs": {k: v if isinstance(v, str) else json.dumps(v) for k, v in t.user_attrs.items()},
                    "datetime_start": ms(t.datetime_start),
                    "datetime_complete": ms(t.datetime_complete),
                } for t in study.trials],
            }
        out[kind] = studies
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    {"build": build, "more": more, "drop": drop, "dump": dump}[sys.argv[1]](sys.argv[2])
