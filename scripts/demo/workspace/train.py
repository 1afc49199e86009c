"""Sweep the learning rate and the batch size, and log every run with RunLens.

Open the RunLens view (activity bar) to see the runs. The CodeLens above the loop says which
combinations already have a result, before you pay for them again; "Run the missing
combinations" runs this file once, skipping every combination that has one.
"""
import math
import random

import runlens


class Diverged(Exception):
    """The loss blew up: this combination has no result."""


def train(lr, bs, epochs=5):
    """Stands in for real training: a made-up, deterministic accuracy curve, one point per epoch."""
    rng = random.Random(f"{lr}/{bs}")
    ceiling = 0.9 - 0.12 * abs(math.log10(lr / 0.01)) - bs / 2000
    for epoch in range(epochs):
        if lr >= 0.1 and bs < 64 and epoch == 2:
            raise Diverged(f"loss diverged at epoch {epoch} (lr={lr}, bs={bs})")
        yield epoch, ceiling * (1 - math.exp(-(epoch + 1) / 1.5)) + rng.uniform(-0.01, 0.01)


for lr in [0.001, 0.01, 0.1]:
    for bs in [32, 64]:
        try:
            with runlens.start_run(params={"lr": lr, "bs": bs}):
                for epoch, accuracy in train(lr, bs):
                    runlens.log_metric("accuracy", accuracy, step=epoch)
        except Diverged as e:
            print(e)  # recorded as a failed run, with this error; the sweep goes on
