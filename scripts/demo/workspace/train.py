"""Sweep the learning rate and the batch size, and log every run with RunLens.

Open the RunLens view (activity bar) to see the runs. The CodeLens above the loop says which
combinations already have a result, before you pay for them again.
"""
import math
import random

import runlens


def train(lr, bs, epochs=5):
    """Stands in for real training: a made-up, deterministic accuracy curve, one point per epoch."""
    rng = random.Random(f"{lr}/{bs}")
    ceiling = 0.9 - 0.12 * abs(math.log10(lr / 0.01)) - bs / 2000
    for epoch in range(epochs):
        yield epoch, ceiling * (1 - math.exp(-(epoch + 1) / 1.5)) + rng.uniform(-0.01, 0.01)


for lr in [0.001, 0.01, 0.1]:
    for bs in [32, 64]:
        with runlens.start_run(params={"lr": lr, "bs": bs}):
            for epoch, accuracy in train(lr, bs):
                runlens.log_metric("accuracy", accuracy, step=epoch)
