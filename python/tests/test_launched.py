"""Runs the extension launched: the process appends to the log the launcher began for it."""

import json
import os

from .support import RunLensTestCase, events, logs_in, run_child

SCRIPT = """
    import runlens
    with runlens.start_run() as run:
        runlens.log_metric("accuracy", 0.5)
    print(run.id)
"""


class LaunchedRuns(RunLensTestCase):
    def launcher_log(self, run_id, day="2026-11-27", extra=()):
        """Writes what the launcher writes before it starts the process."""
        directory = os.path.join(self.root, "runs", day)
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, run_id + ".jsonl")
        lines = [{"e": "start", "t": 1, "v": 1, "run": run_id, "experiment": "sweep", "name": None,
                  "parent": None, "script": None, "git": None, "host": "h", "pid": None,
                  "launcher": "runlens"},
                 {"e": "params", "t": 1, "params": {"lr": "0.01"}}]
        lines += list(extra)
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(line) + "\n" for line in lines))
        return path

    def test_the_first_run_appends_to_the_launchers_log(self):
        path = self.launcher_log("launched1", day="2020-01-01")  # another day than today's
        code, out, err = run_child(self.tmp, self.root, SCRIPT, RUNLENS_RUN_ID="launched1",
                                   RUNLENS_PARAMS='{"lr": 0.01}', RUNLENS_EXPERIMENT="sweep")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), "launched1")
        self.assertNotIn("exists already", err)
        logs = logs_in(self.root)
        self.assertEqual(list(logs), ["launched1"], "one log, no second file for the same id")
        log = logs["launched1"]
        self.assertEqual([e["e"] for e in log][:3], ["start", "params", "start"])
        self.assertEqual(log[2]["pid"] > 0, True)  # the process's start completes the launcher's
        self.assertEqual(events(log, "end")[-1]["status"], "finished")
        with open(path, encoding="utf-8") as f:
            self.assertTrue(f.read().endswith("\n"))

    def test_a_launcher_log_that_has_ended_is_left_alone(self):
        self.launcher_log("ended1", extra=[{"e": "end", "t": 2, "status": "killed", "error": None}])
        code, out, err = run_child(self.tmp, self.root, SCRIPT, RUNLENS_RUN_ID="ended1")
        self.assertEqual(code, 0, err)
        self.assertNotEqual(out.strip(), "ended1")
        self.assertIn("a run log for RUNLENS_RUN_ID ended1 exists already", err)
        self.assertEqual(len(events(logs_in(self.root)["ended1"], "start")), 1)

    def test_a_log_another_process_took_is_left_alone(self):
        self.launcher_log("taken1", extra=[{"e": "start", "t": 2, "v": 1, "run": "taken1",
                                            "experiment": "sweep", "pid": 1}])
        code, out, err = run_child(self.tmp, self.root, SCRIPT, RUNLENS_RUN_ID="taken1")
        self.assertEqual(code, 0, err)
        self.assertNotEqual(out.strip(), "taken1")
        self.assertEqual(len(logs_in(self.root)), 2)

    def test_a_log_no_launcher_wrote_is_left_alone(self):
        directory = os.path.join(self.root, "runs", "2020-01-01")
        os.makedirs(directory)
        with open(os.path.join(directory, "manual1.jsonl"), "w") as f:
            f.write(json.dumps({"e": "start", "t": 1, "v": 1, "run": "manual1", "pid": 1}) + "\n")
        code, out, err = run_child(self.tmp, self.root, SCRIPT, RUNLENS_RUN_ID="manual1")
        self.assertEqual(code, 0, err)
        self.assertNotEqual(out.strip(), "manual1")
        self.assertIn("exists already", err)
