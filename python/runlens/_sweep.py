"""grid() and sweep(): the combinations still to run, and what was skipped."""

import itertools
import sys

from . import _env
from ._lookup import View, experiment_or_current, mapping


class Sweep:
    """The combinations still to run; iterate over it. Says what it skipped, and why."""

    def __init__(self, combinations, experiment=None):
        combinations = [mapping(combo) for combo in combinations]
        self.experiment = experiment_or_current(experiment)
        self.total = len(combinations)
        self.combinations = []  # still to run
        self.skipped_runs = []  # for each skipped combination, the finished run it has
        self.unchecked = 0  # combinations the tracking server could not be asked about
        view = View(_env.runlens_dir(), False)
        try:
            for combo, runs in zip(combinations, view.many(combinations, self.experiment)):
                done = [run for run in runs if run.status == "finished"]
                if done:
                    self.skipped_runs.append(done[0])
                else:
                    self.combinations.append(combo)
            self.unchecked = view.unchecked
        finally:
            view.close()
        self.skipped = len(self.skipped_runs)
        self.skipped_seconds = sum(run.duration or 0.0 for run in self.skipped_runs)
        self._next = iter([dict(combo) for combo in self.combinations])
        print("runlens: %s" % self.summary(), file=sys.stderr)

    def summary(self):
        text = "%d of %d combinations already finished" % (self.skipped, self.total)
        if self.skipped and self.skipped_seconds >= 1:
            text += ", skipped (saving %s of compute, as logged)" % _span(self.skipped_seconds)
        elif self.skipped:
            text += ", skipped"
        text += "; %d to run" % len(self.combinations)
        if self.unchecked:
            text += " (%d of them not checked on the tracking server, which cannot be asked)" \
                % self.unchecked
        return text

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._next)

    def __len__(self):
        return len(self.combinations)

    def __repr__(self):
        return "<runlens.Sweep %s>" % self.summary()


def sweep(combinations, experiment=None):
    """The combinations (dicts of params) that have no finished run yet."""
    return Sweep(combinations, experiment)


def grid(*axes, **named_axes):
    """The product of the axes (like nested loops, last one fastest), less what has finished.

    grid(lr=[1e-3, 1e-2], bs=[32, 64]); or grid({"lr": [...]}) for names that are not Python
    identifiers. A single value (a string, a number) is an axis of one.
    """
    merged = {}
    for axes_mapping in axes:
        merged.update(mapping(axes_mapping))
    merged.update(named_axes)
    keys = list(merged)
    values = [_axis(merged[key]) for key in keys]
    return Sweep(dict(zip(keys, combo)) for combo in itertools.product(*values))


def _axis(values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        return [values]
    return list(values)


def _span(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm %02ds" % (seconds // 60, seconds % 60)
    return "%dh %02dm" % (seconds // 3600, seconds % 3600 // 60)
