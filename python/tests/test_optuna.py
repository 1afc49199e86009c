"""Trials of an Optuna study the store follows count for exists(), find(), failed(), grid() and sweep().

The study is made by real Optuna (Debian's python3-optuna: this tier runs on /usr/bin/python3), the
store by the extension's own importer (`runlens import`, the command line in dist/), as a person's
workspace would have them.
"""

import contextlib
import io
import os
import shutil
import subprocess
import unittest
import warnings

import optuna
from optuna.trial import TrialState

import runlens
import runlens.mlflow

from .support import REPO, RunLensTestCase

CLI = os.path.join(REPO, "dist", "cli.js")
GRID = {"lr": [0.001, 0.01, 0.1], "optimizer": ["adam", "sgd"]}


def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    if lr == 0.1 and optimizer == "sgd":
        raise optuna.TrialPruned()
    return (0.9 if optimizer == "adam" else 0.8) - lr


class ImportedStudies(RunLensTestCase):
    """A GridSampler study, 5 of its 6 points tried (one pruned), imported into the workspace's store."""

    def setUp(self):
        super().setUp()
        if not shutil.which("node") or not os.path.exists(CLI):
            self.fail("%s is missing: build it with `node esbuild.mjs` (the test tiers do)" % CLI)
        warnings.simplefilter("ignore")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self.storage = os.path.join(self.tmp, "study.db")
        study = optuna.create_study(study_name="grid", storage="sqlite:///" + self.storage, direction="maximize",
                                    sampler=optuna.samplers.GridSampler(GRID, seed=0))
        study.optimize(objective, n_trials=5)
        self.trials = study.trials
        imported = subprocess.run(["node", CLI, "import", self.storage, "--workspace", self.tmp],
                                  capture_output=True, text=True, timeout=120)
        self.assertEqual(imported.returncode, 0, imported.stderr)

    def params_of(self, state):
        return [t.params for t in self.trials if t.state == state]

    def test_a_finished_trial_counts_as_a_result_and_a_pruned_one_does_not(self):
        for params in self.params_of(TrialState.COMPLETE):
            self.assertTrue(runlens.exists(params), params)
            self.assertTrue(runlens.exists(params, experiment="grid"), params)
            self.assertFalse(runlens.exists(params, experiment="elsewhere"), params)
        [pruned] = self.params_of(TrialState.PRUNED)
        self.assertFalse(runlens.exists(pruned))
        self.assertEqual([run.status for run in runlens.failed(pruned)], ["pruned"])

    def test_find_gives_each_trial_as_optuna_reports_it(self):
        for trial in self.trials:
            [found] = runlens.find(trial.params, experiment="grid")
            self.assertEqual(found.name, "trial %d" % trial.number)
            self.assertEqual(found.experiment, "grid")
            self.assertEqual(found.params, {k: str(v) for k, v in trial.params.items()})
            self.assertEqual(found.status, {TrialState.COMPLETE: "finished", TrialState.PRUNED: "pruned"}[trial.state])
            if trial.state == TrialState.COMPLETE:
                self.assertEqual(found.metrics, {"value": trial.value})

    def test_grid_and_sweep_skip_the_points_the_study_has_done(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            todo = runlens.grid(lr=GRID["lr"], optimizer=GRID["optimizer"])
        done = [dict(p) for p in self.params_of(TrialState.COMPLETE)]
        self.assertEqual(todo.skipped, len(done))
        self.assertEqual(sorted(map(sorted, (c.items() for c in todo))), sorted(
            sorted(c.items()) for c in ({"lr": lr, "optimizer": o} for lr in GRID["lr"] for o in GRID["optimizer"]) if c not in done))
        self.assertIn("4 of 6 combinations already finished", err.getvalue())
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(len(runlens.sweep(done, experiment="grid")), 0)

    def test_the_mlflow_drop_in_gives_each_trial_a_status_mlflow_knows(self):
        study = optuna.load_study(study_name="grid", storage="sqlite:///" + self.storage,
                                  sampler=optuna.samplers.GridSampler(GRID, seed=0))
        study.enqueue_trial({"lr": 0.01, "optimizer": "sgd"})
        again = subprocess.run(["node", CLI, "import", self.storage, "--workspace", self.tmp],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(again.returncode, 0, again.stderr)
        runs = runlens.mlflow.search_runs(experiment_names=["grid"], output_format="list")
        statuses = {run.info.run_name: run.info.status for run in runs}
        # MLflow has no word for a pruned trial: it ended without a result, as a failed run did.
        # An enqueued one waits to run, as an MLflow run SCHEDULED does.
        want = {"trial %d" % t.number: {TrialState.COMPLETE: "FINISHED", TrialState.PRUNED: "FAILED",
                                        TrialState.WAITING: "SCHEDULED"}[t.state] for t in study.trials}
        self.assertEqual(statuses, want)
        self.assertIn("SCHEDULED", statuses.values())
        self.assertIn("FAILED", statuses.values())

    def test_a_trial_added_later_counts_once_the_store_has_followed_it(self):
        study = optuna.load_study(study_name="grid", storage="sqlite:///" + self.storage,
                                  sampler=optuna.samplers.GridSampler(GRID, seed=0))
        study.optimize(objective, n_trials=1)
        [last] = study.trials[-1:]
        self.assertFalse(runlens.exists(last.params), "not followed yet")
        # What a window that writes the store does every few seconds; here, the command line's import again.
        again = subprocess.run(["node", CLI, "import", self.storage, "--workspace", self.tmp],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertTrue(runlens.exists(last.params))


if __name__ == "__main__":
    unittest.main()
