"""Symbolic links under .runlens/runs/ are never followed: not to write, not to read."""

import calendar
import io
import json
import os
import unittest
from unittest import mock

import runlens
from runlens import _fluent, _logfiles

from .support import RunLensTestCase

DAY = "2030-01-02"
NOON = calendar.timegm((2030, 1, 2, 12, 0, 0))  # the day a run started at NOON is logged under


def a_finished_log(run_id, lr):
    return "".join(json.dumps(e) + "\n" for e in [
        {"e": "start", "t": NOON * 1000, "v": 1, "run": run_id, "experiment": "Default",
         "host": "elsewhere", "pid": 1},
        {"e": "params", "t": NOON * 1000, "params": {"lr": lr}},
        {"e": "end", "t": NOON * 1000, "status": "finished", "error": None}])


@unittest.skipUnless(hasattr(os, "symlink"), "no symbolic links here")
class Links(RunLensTestCase):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.outside)
        os.makedirs(os.path.join(self.root, "runs"))
        patcher = mock.patch.object(_fluent, "_now", lambda: NOON)
        patcher.start()
        self.addCleanup(patcher.stop)

    def outside_files(self):
        return sorted(os.listdir(self.outside))

    def test_a_day_folder_that_is_a_link_is_refused_with_a_reason(self):
        os.symlink(self.outside, os.path.join(self.root, "runs", DAY))
        with self.assertRaisesRegex(runlens.RunLensError, r"will not write the run log .*: .*"
                                    + DAY + r" is a symbolic link, and run logs stay inside the "
                                    r"\.runlens folder"):
            runlens.start_run()
        self.assertEqual(self.outside_files(), [])

    def test_a_runs_folder_that_is_a_link_is_refused(self):
        os.rmdir(os.path.join(self.root, "runs"))
        os.symlink(self.outside, os.path.join(self.root, "runs"))
        with self.assertRaisesRegex(runlens.RunLensError, "runs is a symbolic link"):
            runlens.start_run()
        self.assertEqual(self.outside_files(), [])

    def test_a_launched_log_that_is_a_link_is_not_written_through(self):
        target = os.path.join(self.outside, "victim.txt")
        with open(target, "w") as f:
            f.write("untouched\n")
        os.makedirs(os.path.join(self.root, "runs", DAY))
        os.symlink(target, os.path.join(self.root, "runs", DAY, "launched1.jsonl"))
        err = io.StringIO()
        with mock.patch.object(_fluent, "_launcher_id", ["launched1"]), \
                mock.patch("sys.stderr", err):
            with runlens.start_run() as run:
                runlens.log_param("lr", 1)
        self.assertNotEqual(run.id, "launched1")
        self.assertIn("exists already; this run gets a new id", err.getvalue())
        with open(target) as f:
            self.assertEqual(f.read(), "untouched\n")

    def test_a_runlens_folder_that_is_itself_a_link_is_the_users_choice(self):
        elsewhere = os.path.join(self.outside, ".runlens")
        os.makedirs(elsewhere)
        os.environ["RUNLENS_DIR"] = os.path.join(self.tmp, "linked")
        os.symlink(elsewhere, os.environ["RUNLENS_DIR"])
        with runlens.start_run(params={"lr": 0.5}) as run:
            pass
        self.assertEqual(os.listdir(os.path.join(elsewhere, "runs", DAY)), [run.id + ".jsonl"])
        self.assertTrue(runlens.exists({"lr": 0.5}))

    def test_logs_behind_links_are_not_read(self):
        # A day folder that is a link, and a log that is a link, each to a finished run.
        with open(os.path.join(self.outside, "a.jsonl"), "w") as f:
            f.write(a_finished_log("a", "0.1"))
        os.symlink(self.outside, os.path.join(self.root, "runs", "2030-01-01"))
        os.makedirs(os.path.join(self.root, "runs", DAY))
        with open(os.path.join(self.outside, "b.txt"), "w") as f:
            f.write(a_finished_log("b", "0.2"))
        os.symlink(os.path.join(self.outside, "b.txt"), os.path.join(self.root, "runs", DAY, "b.jsonl"))
        with open(os.path.join(self.root, "runs", DAY, "c.jsonl"), "w") as f:
            f.write(a_finished_log("c", "0.3"))
        self.assertFalse(runlens.exists({"lr": 0.1}))
        self.assertFalse(runlens.exists({"lr": 0.2}))
        self.assertTrue(runlens.exists({"lr": 0.3}))

    def test_the_checks_hold_without_dir_fd_too(self):
        # Windows has no dir_fd: each part is checked with lstat before it is used.
        with mock.patch.object(_logfiles, "BY_DIR_FD", False):
            os.symlink(self.outside, os.path.join(self.root, "runs", DAY))
            with self.assertRaisesRegex(runlens.RunLensError, "is a symbolic link"):
                runlens.start_run()
            os.remove(os.path.join(self.root, "runs", DAY))
            with runlens.start_run(params={"lr": 0.7}) as run:
                pass
        self.assertTrue(run.log_path.startswith(os.path.join(self.root, "runs", DAY)))
        self.assertEqual(self.outside_files(), [])


if __name__ == "__main__":
    unittest.main()
