"""A full disk or an interrupted write at every place the client writes: nothing acknowledged is lost.

What is checked is what a user would check: the log, read as the store reads it, holds every
param, tag and metric point whose call returned, each once, and only those; or the run says
what it lost. The faults are injected (tests/faults.py); test_full_disk.py does the same on a
real disk that fills and frees.
"""

import contextlib
import errno
import io
import json
import os
from unittest import mock

import runlens
from runlens import _fluent, _logfiles, _run

from .faults import (ENOSPC, Disk, merged, points_of, store_reading, tick,
                     writes_only_where_the_test_makes_them)
from .support import RunLensTestCase

KINDS = ("short", "full", "short+full")
POINTS = 250  # with lines of 100 points, as many metric lines as a run of 25,000 points writes


class Scenario:
    """A run that goes through every write site, noting what each call acknowledged."""

    def __init__(self):
        self.params, self.tags, self.points = {}, {}, []
        self.run = self.error = None
        self.raised = []  # the calls that raised: the user was told there and then
        self.stderr = ""

    def play(self, disk):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self._play(disk)
        self.stderr = err.getvalue()
        return self

    def _play(self, disk):
        try:
            self.run = runlens.start_run(params={"lr": 0.1}, tags={"stage": "dev"})  # start, params, tags
        except runlens.RunLensError as e:
            self.error = e
            return
        self.params["lr"], self.tags["stage"] = "0.1", "dev"
        if self.call("log_param", runlens.log_param, "bs", 32):  # params
            self.params["bs"] = "32"
        if self.call("set_tag", runlens.set_tag, "note", "x"):  # tags
            self.tags["note"] = "x"
        self.log_points(0, POINTS)
        self.call("flush", self.run.flush)  # metrics, three lines (kept when refused)
        tick(self.run, later_s=60)  # the background thread: a flush, and a heartbeat
        self.log_points(POINTS, POINTS + 10)
        runlens.end_run()  # metrics, end: kept when the disk refuses, never raised
        disk.free()
        for run in _fluent.live_runs():  # the background thread, once the disk has room
            tick(run)

    def call(self, name, fn, *args):
        try:
            fn(*args)
        except runlens.RunLensError:
            self.raised.append(name)
            return False
        return True

    def log_points(self, first, last):
        for step in range(first, last):
            runlens.log_metric("loss", step / 7, step=step)
            self.points.append(("loss", step / 7, step))


class EveryWriteSite(RunLensTestCase):
    def setUp(self):
        super().setUp()
        for patcher in (writes_only_where_the_test_makes_them(),
                        mock.patch.object(_run, "POINTS_PER_LINE", 100)):
            patcher.__enter__()
            self.addCleanup(patcher.__exit__, None, None, None)

    def play(self, name, disk):
        os.environ["RUNLENS_DIR"] = os.path.join(self.tmp, name, ".runlens")
        with disk.installed():
            return Scenario().play(disk)

    def logs(self):
        runs = os.path.join(os.environ["RUNLENS_DIR"], "runs")
        return [os.path.join(d, f) for d, _, files in os.walk(runs) for f in files]

    def assert_kept_what_was_acknowledged(self, s):
        if s.run is None:
            self.assertRegex(str(s.error), r"could not start a run: writing its log .* failed "
                                           r"\(No space left on device\)\. Nothing was recorded\.")
            self.assertEqual(self.logs(), [], "a run that did not start left a file")
            self.assertIsNone(runlens.active_run())
            return
        events = store_reading(s.run.log_path)
        self.assertEqual(merged(events, "params"), s.params)
        self.assertEqual(merged(events, "tags"), s.tags)
        self.assertEqual(points_of(events), s.points, "every acknowledged point, once, in order")
        self.assertEqual([e["e"] for e in events if e["e"] in ("start", "end")], ["start", "end"])
        self.assertEqual(events[-1]["status"], "finished")

    def test_a_run_without_faults_writes_at_every_site(self):
        disk = Disk()
        s = self.play("clean", disk)
        self.assert_kept_what_was_acknowledged(s)
        kinds = [e["e"] for e in store_reading(s.run.log_path)]
        self.assertEqual(kinds, ["start", "params", "tags", "params", "tags", "metrics", "metrics",
                                 "metrics", "heartbeat", "metrics", "end"])
        self.assertEqual(disk.writes, len(kinds))
        self.assertEqual(s.stderr, "")

    def test_a_fault_at_any_write_loses_nothing_acknowledged(self):
        writes = len(store_reading(self.play("count", Disk()).run.log_path))
        trials = 0
        for kind in KINDS:
            for at in range(1, writes + 1):
                with self.subTest(fault=kind, write=at):
                    s = self.play("%s-%d" % (kind, at), Disk(at={at: kind}))
                    self.assert_kept_what_was_acknowledged(s)
                    if kind == "short":  # finished at once, as after a signal: nothing to say
                        self.assertEqual(s.stderr, "")
                        self.assertEqual(len(s.points), POINTS + 10)
                    elif s.run is not None:  # told by the call that failed, or on stderr
                        self.assertTrue(s.raised or "No space left on device" in s.stderr)
                    trials += 1
        self.assertEqual(trials, 3 * writes)

    def test_a_short_write_is_finished_not_repeated(self):
        disk = Disk(at={1: "short", 6: "short"})
        s = self.play("short", disk)
        self.assert_kept_what_was_acknowledged(s)
        self.assertEqual(disk.writes, 11 + 2, "two writes finished two halves; none wrote twice")

    def test_a_line_cut_off_by_a_full_disk_is_cut_back_before_the_next_write(self):
        disk = Disk(at={6: "short+full"})  # the first metrics line
        s = self.play("cut", disk)
        self.assert_kept_what_was_acknowledged(s)
        self.assertIn("cannot write to %s (No space left on device)" % s.run.log_path, s.stderr)
        self.assertIn("takes writes again; nothing was lost", s.stderr)

    def test_when_the_cut_back_fails_too_the_next_write_makes_it_first(self):
        disk = Disk(at={6: "short+full"})
        real = disk.ftruncate
        failures = [ENOSPC]

        def ftruncate_once_failing(fd, length):
            if failures:
                raise failures.pop()
            real(fd, length)

        disk.ftruncate = ftruncate_once_failing
        s = self.play("cut-twice", disk)
        self.assert_kept_what_was_acknowledged(s)

    def test_start_run_on_a_full_disk_raises_and_leaves_no_file(self):
        for at in (1, 2, 3):  # the start line, the params line, the tags line
            with self.subTest(write=at):
                s = self.play("start-%d" % at, Disk(at={at: "short+full"}))
                self.assertIsNone(s.run)
                self.assert_kept_what_was_acknowledged(s)

    def test_start_run_when_no_file_can_be_made_raises(self):
        real_open = os.open

        def no_room_for_a_file(path, flags, *args, **kwargs):
            if flags & os.O_CREAT:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
            return real_open(path, flags, *args, **kwargs)

        with mock.patch.object(_logfiles.os, "open", no_room_for_a_file):
            with self.assertRaisesRegex(runlens.RunLensError, "cannot create the run log .*"
                                                              r"\(No space left on device\)"):
                runlens.start_run()
        self.assertEqual(self.logs(), [])

    def test_a_launchers_log_is_cut_back_to_what_the_launcher_wrote(self):
        folder = os.path.join(self.root, "runs", "2030-01-02")
        os.makedirs(folder)
        path = os.path.join(folder, "launched1.jsonl")
        launcher = (json.dumps({"e": "start", "t": 1, "v": 1, "run": "launched1", "pid": None,
                                "launcher": "runlens"}) + "\n").encode()
        with open(path, "wb") as f:
            f.write(launcher)
        with mock.patch.object(_fluent, "_launcher_id", ["launched1"]), \
                Disk(at={2: "short+full"}).installed():
            with self.assertRaisesRegex(runlens.RunLensError, "Nothing was recorded"):
                runlens.start_run(params={"lr": 1})
        with open(path, "rb") as f:
            self.assertEqual(f.read(), launcher)

    def test_a_forked_child_writing_through_raises_and_leaves_whole_lines(self):
        disk = Disk()
        with disk.installed():
            run = runlens.start_run()
            run._forked()  # as the child after fork
            disk.at = {disk.writes + 1: "short+full"}
            with self.assertRaisesRegex(runlens.RunLensError, "metric 'a' .* it was not logged"):
                runlens.log_metric("a", 1.0)
            disk.free()
            runlens.log_metric("b", 2.0)
            runlens.end_run()
        events = store_reading(run.log_path)
        self.assertEqual(points_of(events), [("b", 2.0, 0)])


class AtExit(RunLensTestCase):
    """The last try: a disk still full when the process ends."""

    def setUp(self):
        super().setUp()
        patcher = writes_only_where_the_test_makes_them()
        patcher.__enter__()
        self.addCleanup(patcher.__exit__, None, None, None)

    def end_on_a_full_disk(self, room):
        disk = Disk()
        err = io.StringIO()
        with disk.installed(), contextlib.redirect_stderr(err):
            run = runlens.start_run(params={"lr": 0.1})
            for step in range(500):
                runlens.log_metric("loss", 1.0, step=step)
            disk.room = room
            runlens.end_run()  # the points do not fit: kept, retried
            self.assertIn(run, _fluent.live_runs())
            _fluent.end_all("finished", None)  # what atexit does
        self.assertNotIn(run, _fluent.live_runs())
        return run, err.getvalue()

    def test_points_that_never_fit_are_counted_in_a_tag_the_editor_shows(self):
        run, err = self.end_on_a_full_disk(room=400)  # a tag line and an end line
        events = store_reading(run.log_path)
        self.assertEqual(points_of(events), [])
        self.assertEqual(merged(events, "tags"), {"runlens.lost_points": "500"})
        self.assertEqual(events[-1]["e"], "end")
        self.assertIn("run %s: 500 metric points could not be written to %s (No space left on "
                      "device) and are lost; the run is tagged runlens.lost_points=500"
                      % (run.id, run.log_path), err)

    def test_with_no_room_at_all_the_run_has_no_end_and_reads_as_crashed(self):
        run, err = self.end_on_a_full_disk(room=0)
        events = store_reading(run.log_path)
        self.assertNotIn("end", [e["e"] for e in events])
        self.assertIn("its end could not be written either, so it shows as crashed", err)

    def test_a_disk_that_frees_before_exit_loses_nothing(self):
        disk = Disk()
        err = io.StringIO()
        with disk.installed(), contextlib.redirect_stderr(err):
            run = runlens.start_run()
            for step in range(500):
                runlens.log_metric("loss", 1.0, step=step)
            disk.room = 0
            runlens.end_run()
            disk.free()
            _fluent.end_all("finished", None)
        events = store_reading(run.log_path)
        self.assertEqual(len(points_of(events)), 500)
        self.assertEqual(merged(events, "tags"), {})
        self.assertEqual(events[-1]["status"], "finished")
        self.assertIn("its end and its 500 buffered metric points are kept in memory", err.getvalue())
