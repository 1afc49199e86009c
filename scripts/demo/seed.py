"""Logs the runs the demo workspace starts with, as if train.py had been run before and stopped
part-way: four of its six combinations, one of which failed.

Run by scripts/demo/prepare.mjs with the demo workspace as the working directory, RUNLENS_DIR
pointing into it and the repository's python/ folder on PYTHONPATH (the real client).
"""
import os
import sys

import runlens

# These runs stand for earlier runs of train.py: let the client record that script (path and
# hash) as theirs, as it would have, so the CodeLens does not report the code as changed since.
sys.modules["__main__"].__file__ = sys.argv[0] = os.path.abspath("train.py")

EARLIER_RUNS = [
    # params, accuracy per epoch, why it failed (None: it finished)
    ({"lr": 0.001, "bs": 32}, [0.31, 0.52, 0.63, 0.69, 0.71], None),
    ({"lr": 0.001, "bs": 64}, [0.29, 0.50, 0.61, 0.66, 0.69], None),
    ({"lr": 0.01, "bs": 32}, [0.42, 0.66, 0.76, 0.80, 0.81], None),
    ({"lr": 0.1, "bs": 32}, [0.38, 0.21], "loss diverged at epoch 2"),
]


class Diverged(Exception):
    pass


for params, curve, failure in EARLIER_RUNS:
    try:
        with runlens.start_run(params=params):
            for epoch, accuracy in enumerate(curve):
                runlens.log_metric("accuracy", accuracy, step=epoch)
            if failure:
                raise Diverged(failure)
    except Diverged:
        pass  # the run is logged as failed, with this error; the demo goes on
print("logged %d runs" % len(EARLIER_RUNS))
