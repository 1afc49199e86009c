"""Writes the Optuna study the import benchmark reads, with real Optuna (Debian's python3-optuna):

    /usr/bin/python3 bench/optuna_study.py STORAGE FIRST COUNT

adds trials FIRST .. FIRST+COUNT-1 to the study "bench" in STORAGE (an sqlite:/// URL, or a path
ending in .log for a JournalFileStorage), creating the study if needed. Each trial has 5 params
(a log-scaled float, an int, a stepped float, a categorical, a log-scaled int), 100 intermediate
values and a user attribute; every 50th is pruned and every 97th failed, as a real search has some.
The trials are added with `Study.add_trials` (Optuna's own API for finished trials): running them
through `optimize` would write the same rows, one transaction per reported value, for hours.
"""

import sys

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

STEPS = 100
DISTRIBUTIONS = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "layers": IntDistribution(1, 8),
    "dropout": FloatDistribution(0.0, 0.5, step=0.05),
    "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    "units": IntDistribution(16, 512, log=True),
}


def trial(i):
    params = {
        "lr": 10 ** -(1 + (i % 40) / 10),
        "layers": 1 + i % 8,
        "dropout": (i % 11) * 0.05,
        "optimizer": ["adam", "sgd", "rmsprop"][i % 3],
        "units": 16 + (i * 7) % 400,
    }
    curve = {s: 1.0 / (s + 1) + (i % 13) / 100 for s in range(STEPS)}
    state = TrialState.FAIL if i % 97 == 96 else TrialState.PRUNED if i % 50 == 49 else TrialState.COMPLETE
    if state == TrialState.PRUNED:
        curve = {s: v for s, v in curve.items() if s < 40}
    value = curve[max(curve)] if state != TrialState.FAIL else None
    return create_trial(state=state, value=value, params=params, distributions=DISTRIBUTIONS,
                        intermediate_values=curve, user_attrs={"index": i})


def storage_of(target):
    if target.startswith("sqlite:"):
        return target
    return optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(target))


def main():
    target, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="bench", storage=storage_of(target), direction="minimize", load_if_exists=True)
    study.add_trials([trial(i) for i in range(first, first + count)])


if __name__ == "__main__":
    main()
