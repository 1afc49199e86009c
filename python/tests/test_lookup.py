"""exists(), find(), failed(), grid() and sweep() against a real database file and real logs."""

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time

import runlens
from runlens._canonical import canonical_param

from .storefixture import StoreBuilder
from .support import RunLensTestCase

NOW_MS = int(time.time() * 1000)
TODAY = time.strftime("%Y-%m-%d", time.gmtime())
OLD_DAY = "2023-11-14"
OLD_MS = 1_700_000_000_000  # in OLD_DAY


def quiet(fn, *args, **kwargs):
    """Calls fn with stderr captured; returns (result, what it printed)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = fn(*args, **kwargs)
    return result, err.getvalue()


class LookupTestCase(RunLensTestCase):
    def store(self):
        return StoreBuilder(self.root)

    def write_log(self, run_id, lines, day=TODAY, experiment="Default", pid=None, host=None,
                  start=None, end=None):
        """A run log as another process (or an earlier one) left it."""
        folder = os.path.join(self.root, "runs", day)
        os.makedirs(folder, exist_ok=True)
        start = NOW_MS if start is None else start
        events = [{"e": "start", "t": start, "v": 1, "run": run_id, "experiment": experiment,
                   "name": None, "parent": None, "script": None, "git": None,
                   "host": host or "elsewhere", "pid": pid or 1, "python": "3.11", "argv": []}]
        events += lines
        if end is not None:
            events.append({"e": "end", "t": start + 1000, "status": end, "error": None})
        path = os.path.join(folder, run_id + ".jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for event in events:
                f.write(json.dumps(event) + "\n")
        return path


def params_line(**params):
    return {"e": "params", "t": NOW_MS, "params": params}


class FromTheDatabase(LookupTestCase):
    def setUp(self):
        super().setUp()
        db = self.store()
        # Canonical forms as docs/store.md writes them, not computed by the code under test.
        db.run("done", {"lr": "1e-3", "bs": "32", "seed": "7"},
               canon={"lr": "n:1e-3", "bs": "n:32e0", "seed": "n:7e0"},
               metrics={"acc": 0.81, "loss": None}, start=OLD_MS, end=OLD_MS + 90_000)
        db.run("broke", {"lr": "0.01", "bs": "32"}, status="failed", start=OLD_MS + 1,
               error={"type": "ValueError", "message": "nan loss", "traceback": "..."})
        db.run("gone", {"lr": "0.1", "bs": "32"}, deleted=True)
        db.run("other-exp", {"lr": "0.5", "bs": "32"}, experiment="sweeps")
        db.run("killed", {"lr": "0.2", "bs": "64"}, status="killed")
        db.run("crashed", {"lr": "0.2", "bs": "64"}, status="crashed", start=OLD_MS + 2)
        db.save(NOW_MS)

    def test_values_match_by_meaning(self):
        self.assertTrue(runlens.exists({"lr": 0.001, "bs": 32}))
        self.assertTrue(runlens.exists({"lr": "0.0010", "bs": 32.0}))
        self.assertTrue(runlens.exists({"lr": 1e-3, "bs": "3.2e1"}))
        self.assertFalse(runlens.exists({"lr": 0.001, "bs": 64}))

    def test_a_subset_of_keys_matches_and_a_missing_key_does_not(self):
        self.assertTrue(runlens.exists({"lr": 0.001}))
        self.assertTrue(runlens.exists({}))
        self.assertFalse(runlens.exists({"lr": 0.001, "momentum": 0.9}))

    def test_only_finished_runs_count_and_the_others_are_reported(self):
        self.assertFalse(runlens.exists({"lr": 0.01}))
        [broke] = runlens.failed({"lr": 0.01})
        self.assertEqual(broke.id, "broke")
        self.assertEqual(broke.error["message"], "nan loss")
        self.assertEqual([r.status for r in runlens.failed({"lr": 0.2})], ["crashed", "killed"])
        self.assertEqual(runlens.failed({"lr": 0.001}), [])

    def test_find_returns_params_metrics_status_and_duration(self):
        [run] = runlens.find({"lr": 0.001})
        self.assertEqual(run.id, "done")
        self.assertEqual(run.status, "finished")
        self.assertEqual(run.params, {"lr": "1e-3", "bs": "32", "seed": "7"})
        self.assertEqual(run.metrics["acc"], 0.81)
        self.assertNotEqual(run.metrics["loss"], run.metrics["loss"])  # NULL is NaN
        self.assertEqual(run.duration, 90.0)
        self.assertEqual(run.experiment, "Default")

    def test_deleted_runs_do_not_count(self):
        self.assertFalse(runlens.exists({"lr": 0.1}))
        self.assertEqual(runlens.find({"lr": 0.1}), [])

    def test_the_experiment_is_the_chosen_one_else_any(self):
        self.assertTrue(runlens.exists({"lr": 0.5}))
        self.assertFalse(runlens.exists({"lr": 0.5}, experiment="Default"))
        self.assertTrue(runlens.exists({"lr": 0.5}, experiment="sweeps"))
        os.environ["RUNLENS_EXPERIMENT"] = "sweeps"
        self.assertTrue(runlens.exists({"lr": 0.5}))
        runlens.set_experiment("elsewhere")
        self.assertFalse(runlens.exists({"lr": 0.5}))

    def test_the_database_is_only_read(self):
        path = os.path.join(self.root, "runlens.db")
        with open(path, "rb") as f:
            before = f.read()
        mtime = os.stat(path).st_mtime_ns
        runlens.find({"lr": 0.001})
        runlens.exists({"lr": 0.001})
        quiet(runlens.grid, lr=[0.001, 0.002])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(os.stat(path).st_mtime_ns, mtime)
        self.assertEqual(sorted(os.listdir(self.root)), ["runlens.db"])

    def test_the_journal_has_the_last_word_on_deletes(self):
        with open(os.path.join(self.root, "journal.jsonl"), "w") as f:
            f.write(json.dumps({"e": "delete", "run": "done", "t": NOW_MS}) + "\n")
            f.write(json.dumps({"e": "restore", "run": "gone", "t": NOW_MS}) + "\n")
        self.assertFalse(runlens.exists({"lr": 0.001}))
        self.assertTrue(runlens.exists({"lr": 0.1}))
        with open(os.path.join(self.root, "journal.jsonl"), "a") as f:
            f.write(json.dumps({"e": "restore", "run": "done", "t": NOW_MS}) + "\n")
        self.assertTrue(runlens.exists({"lr": 0.001}))


class WithLogsNotYetIngested(LookupTestCase):
    def test_a_log_the_database_has_not_seen_counts(self):
        db = self.store()
        db.run("old", {"lr": "0.1"})
        db.save(NOW_MS - 60_000)
        self.write_log("fresh", [params_line(lr="0.3")], end="finished")
        self.assertTrue(runlens.exists({"lr": 0.3}))
        self.assertTrue(runlens.exists({"lr": 0.1}))

    def test_a_run_the_database_saw_running_is_read_from_its_log(self):
        db = self.store()
        db.run("was-running", {"lr": "0.1"}, status="running",
               source="runs/%s/was-running.jsonl" % OLD_DAY, log_offset=10)
        db.save(NOW_MS)
        self.assertFalse(runlens.exists({"lr": 0.1}))
        # The log has ended since (and grew a param), though it lives in a day before the snapshot.
        self.write_log("was-running", [params_line(lr="0.1", bs="16")], day=OLD_DAY,
                       start=OLD_MS, end="finished")
        self.assertTrue(runlens.exists({"lr": 0.1, "bs": 16}))

    def test_a_run_the_database_took_for_crashed_that_finished_after_all(self):
        db = self.store()
        db.run("late", {"lr": "0.1"}, status="crashed", source="runs/%s/late.jsonl" % OLD_DAY)
        db.save(NOW_MS)
        self.write_log("late", [params_line(lr="0.1")], day=OLD_DAY, start=OLD_MS, end="finished")
        self.assertTrue(runlens.exists({"lr": 0.1}))

    def test_a_run_the_database_saw_end_is_answered_from_the_database(self):
        path = self.write_log("ended", [params_line(lr="0.1")], end="failed")
        db = self.store()
        db.run("ended", {"lr": "0.1"}, status="finished", start=NOW_MS,
               source="runs/%s/ended.jsonl" % TODAY, log_offset=os.path.getsize(path))
        db.save(NOW_MS)
        # Nothing after an end line changes a run, so its log is not read again (here it is
        # made to disagree, to tell which was read).
        self.assertTrue(runlens.exists({"lr": 0.1}))

    def test_a_crashed_run_whose_log_did_not_move_stays_crashed(self):
        path = self.write_log("stuck", [params_line(lr="0.1")], day=OLD_DAY, start=OLD_MS)
        db = self.store()
        db.run("stuck", {"lr": "0.1"}, status="crashed", source="runs/%s/stuck.jsonl" % OLD_DAY,
               log_offset=os.path.getsize(path))
        db.save(NOW_MS)
        self.assertEqual([r.status for r in runlens.failed({"lr": 0.1})], ["crashed"])

    def test_a_crashed_run_that_came_back_is_running(self):
        path = self.write_log("back", [params_line(lr="0.1")], day=OLD_DAY, start=OLD_MS)
        db = self.store()
        db.run("back", {"lr": "0.1"}, status="crashed", source="runs/%s/back.jsonl" % OLD_DAY,
               log_offset=os.path.getsize(path) - 10)
        db.save(NOW_MS)
        self.assertEqual([r.status for r in runlens.find({"lr": 0.1})], ["running"])

    def test_without_a_database_every_log_is_read(self):
        self.write_log("a", [params_line(lr="1e-3", bs="32")], day=OLD_DAY, start=OLD_MS,
                       end="finished")
        self.write_log("b", [params_line(lr="0.01")], end="failed")
        self.assertTrue(runlens.exists({"lr": 0.001, "bs": 32.0}))
        self.assertEqual([r.id for r in runlens.failed({"lr": "0.010"})], ["b"])

    def test_a_corrupt_database_falls_back_to_the_logs(self):
        os.makedirs(self.root)
        with open(os.path.join(self.root, "runlens.db"), "wb") as f:
            f.write(b"this is not sqlite" * 100)
        self.write_log("a", [params_line(lr="0.1")], end="finished")
        found, err = quiet(runlens.exists, {"lr": 0.1})
        self.assertTrue(found)

    def test_the_first_value_of_a_param_stands_and_bad_lines_are_skipped(self):
        path = self.write_log("a", [params_line(lr="0.1"), params_line(lr="0.2")], end="finished")
        with open(path, "r+", encoding="utf-8") as f:
            lines = f.readlines()
            lines.insert(1, "not json\n")
            f.seek(0)
            f.writelines(lines + ['{"e":"params","t":1,"params":{"half":'])  # partial last line
        found, err = quiet(runlens.exists, {"lr": 0.1})
        self.assertTrue(found)
        self.assertFalse(runlens.exists({"lr": 0.2}))
        # Reported as the extension reports it; the partial last line is waited for, not reported.
        self.assertRegex(err, r"a\.jsonl:2 \(byte \d+\): not JSON .*; the line was skipped\n$")

    def test_metrics_of_a_log_are_the_latest_points(self):
        self.write_log("a", [
            params_line(lr="0.1"),
            {"e": "metrics", "t": NOW_MS, "points": [["loss", 0.9, 0, NOW_MS], ["loss", 0.5, 2, NOW_MS],
                                                      ["loss", 0.7, 1, NOW_MS + 5]]},
            {"e": "metric", "t": NOW_MS, "key": "acc", "value": "NaN", "step": 3},
        ], end="finished")
        [run] = runlens.find({"lr": 0.1})
        self.assertEqual(run.metrics["loss"], 0.5)
        self.assertNotEqual(run.metrics["acc"], run.metrics["acc"])


class UnfinishedLogs(LookupTestCase):
    def test_a_run_without_end_is_running_while_its_process_lives(self):
        self.write_log("alive", [params_line(lr="0.1")], host=socket.gethostname(),
                       pid=os.getpid())
        self.assertEqual([r.status for r in runlens.find({"lr": 0.1})], ["running"])
        self.assertFalse(runlens.exists({"lr": 0.1}))

    def test_a_run_whose_process_is_gone_from_this_host_crashed(self):
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        self.write_log("dead", [params_line(lr="0.1")], host=socket.gethostname(), pid=dead.pid)
        self.assertEqual([r.status for r in runlens.failed({"lr": 0.1})], ["crashed"])

    def test_a_run_silent_for_thirty_seconds_crashed(self):
        path = self.write_log("silent", [params_line(lr="0.1")], host="other-host")
        self.assertEqual([r.status for r in runlens.find({"lr": 0.1})], ["running"])
        old = time.time() - 31
        os.utime(path, (old, old))
        self.assertEqual([r.status for r in runlens.find({"lr": 0.1})], ["crashed"])

    def test_runs_logged_by_this_process_count_at_once(self):
        db = self.store()
        db.save(NOW_MS)
        with runlens.start_run(params={"lr": 0.1, "bs": 32}):
            self.assertEqual([r.status for r in runlens.find({"lr": 0.1})], ["running"])
            self.assertFalse(runlens.exists({"lr": 0.1}))
        self.assertTrue(runlens.exists({"lr": "1e-1", "bs": 32.0}))
        with self.assertRaises(RuntimeError):
            with runlens.start_run(params={"lr": 0.2}):
                raise RuntimeError("boom")
        self.assertFalse(runlens.exists({"lr": 0.2}))
        [failed] = runlens.failed({"lr": 0.2})
        self.assertEqual(failed.error["type"], "RuntimeError")


class DayFolders(LookupTestCase):
    def test_a_new_log_is_seen_even_when_its_folder_mtime_did_not_move(self):
        # A file created in the same clock tick as a listing leaves the folder's mtime as it was;
        # a listing taken that close to the mtime is never reused.
        self.write_log("one", [params_line(lr="0.1")], end="finished")
        folder = os.path.join(self.root, "runs", TODAY)
        tick = time.time()
        os.utime(folder, (tick, tick))
        self.assertTrue(runlens.exists({"lr": 0.1}))
        self.write_log("two", [params_line(lr="0.2")], end="finished")
        os.utime(folder, (tick, tick))
        self.assertTrue(runlens.exists({"lr": 0.2}))


class Sweeps(LookupTestCase):
    def setUp(self):
        super().setUp()
        db = self.store()
        db.run("a", {"lr": "0.001", "bs": "32"}, end=OLD_MS + 3_600_000)  # an hour
        db.run("b", {"lr": "0.01", "bs": "32"}, end=OLD_MS + 120_000)  # two minutes
        db.run("c", {"lr": "0.01", "bs": "64"}, status="failed")
        db.save(NOW_MS)

    def test_grid_yields_only_what_has_no_finished_run(self):
        sweep, err = quiet(runlens.grid, lr=[1e-3, 1e-2], bs=[32, 64])
        self.assertEqual(sweep.total, 4)
        self.assertEqual(sweep.skipped, 2)
        self.assertEqual(sweep.skipped_seconds, 3720.0)
        self.assertEqual(len(sweep), 2)
        self.assertEqual([r.id for r in sweep.skipped_runs], ["a", "b"])
        self.assertEqual(list(sweep), [{"lr": 1e-3, "bs": 64}, {"lr": 1e-2, "bs": 64}])
        self.assertEqual(err, "runlens: 2 of 4 combinations already finished, skipped "
                              "(saving 1h 02m of compute, as logged); 2 to run\n")

    def test_grid_order_is_that_of_nested_loops(self):
        sweep, _ = quiet(runlens.grid, {"opt": ["sgd", "adam"]}, epochs=3, seed=[1, 2])
        self.assertEqual(list(sweep), [
            {"opt": "sgd", "epochs": 3, "seed": 1}, {"opt": "sgd", "epochs": 3, "seed": 2},
            {"opt": "adam", "epochs": 3, "seed": 1}, {"opt": "adam", "epochs": 3, "seed": 2}])

    def test_sweep_takes_a_list_of_combinations(self):
        combos = [{"lr": "1e-3", "bs": 32}, {"lr": 0.5, "bs": 32}]
        sweep, err = quiet(runlens.sweep, combos)
        self.assertEqual(list(sweep), [{"lr": 0.5, "bs": 32}])
        self.assertEqual(sweep.skipped, 1)
        self.assertIn("1 of 2 combinations already finished", err)

    def test_a_sweep_resumes_after_what_this_process_finished(self):
        sweep, _ = quiet(runlens.grid, lr=[0.1, 0.2])
        first = next(sweep)
        with runlens.start_run(params=first):
            pass
        again, err = quiet(runlens.grid, lr=[0.1, 0.2])
        self.assertEqual(list(again), [{"lr": 0.2}])
        self.assertIn("1 of 2", err)

    def test_nothing_skipped_says_so(self):
        sweep, err = quiet(runlens.grid, lr=[5, 6])
        self.assertEqual((sweep.skipped, sweep.skipped_seconds), (0, 0))
        self.assertEqual(err, "runlens: 0 of 2 combinations already finished; 2 to run\n")


class LargeSweeps(LookupTestCase):
    def test_a_large_sweep_answers_as_one_lookup_per_combination_would(self):
        lrs, sizes = [0.001, 0.01, 0.1, 0.2, 0.3], [32, 64, 128, 256, 512]
        self.assertLessEqual(len(lrs) * len(sizes), 25)
        self.assertLessEqual(runlens._lookup.PROJECT_FROM, 25)  # so the one-pass path is taken
        db = self.store()
        db.run("a", {"lr": "1e-3", "bs": "32", "seed": "1"}, end=OLD_MS + 60_000)
        db.run("b", {"lr": "0.01", "bs": "64.0"}, end=OLD_MS + 30_000)
        db.run("c", {"lr": "0.1", "bs": "32"}, status="failed")
        db.run("d", {"lr": "0.1", "bs": "64"}, deleted=True)
        db.run("e", {"lr": "0.3", "bs": "32"}, experiment="other")
        db.run("f", {"lr": "0.3", "bs": "64"}, status="crashed",
               source="runs/%s/f.jsonl" % OLD_DAY, log_offset=10)
        db.run("g", {"lr": "0.3"}, status="finished")
        db.save(NOW_MS)
        self.write_log("f", [params_line(lr="0.3", bs="64")], day=OLD_DAY, start=OLD_MS,
                       end="finished")  # finished after the database took it for crashed
        self.write_log("h", [params_line(lr="0.2", bs="512")], end="finished")

        runlens.set_experiment("Default")  # so that "e", of another experiment, does not count
        one_each = [{"lr": lr, "bs": bs} for lr in lrs for bs in sizes]
        one_each = [combo for combo in one_each if not runlens.exists(combo)]
        sweep, err = quiet(runlens.grid, lr=lrs, bs=sizes)
        self.assertEqual(sweep.combinations, one_each)
        self.assertEqual(sorted(r.id for r in sweep.skipped_runs), ["a", "b", "f", "h"])
        self.assertEqual(sweep.skipped_seconds, 60 + 30 + 1 + 1)
        self.assertIn("4 of 25 combinations already finished", err)


class AtScale(LookupTestCase):
    def test_exists_is_right_among_many_runs(self):
        db = self.store()
        experiment = db.experiment("Default")
        runs, params, metrics = [], [], []
        for i in range(1, 20001):
            runs.append((i, "run%d" % i, experiment, None, "finished" if i % 7 else "failed",
                         OLD_MS + i, OLD_MS + i + 1000, OLD_MS + i, "runs/%s/run%d.jsonl"
                         % (OLD_DAY, i), 100))
            lr, bs = "%g" % (i % 100 * 1e-4), str(16 << (i % 4))
            params += [(i, key, value, canonical_param(value))
                       for key, value in (("lr", lr), ("bs", bs), ("seed", str(i)))]
            metrics.append((i, "acc", i / 20000.0, i / 20000.0, i / 20000.0))
        db.bulk(runs, params, metrics)
        db.save(NOW_MS)
        self.assertTrue(runlens.exists({"lr": 0.0042, "bs": 64}))
        self.assertTrue(runlens.exists({"seed": 12345}))
        self.assertFalse(runlens.exists({"seed": 14}))  # run 14 failed (14 % 7 == 0)
        self.assertFalse(runlens.exists({"seed": 20001}))
        [run] = runlens.find({"seed": 12345})
        self.assertEqual(run.params, {"lr": "%g" % (45 * 1e-4), "bs": "32", "seed": "12345"})
