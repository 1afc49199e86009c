"""Helpers for the tests: a fresh .runlens folder per test, reading logs, running child scripts."""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock

import runlens
from runlens import _fluent, _remote, _tracking, _uploads

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)
LAUNCHER_VARS = ("RUNLENS_DIR", "RUNLENS_EXPERIMENT", "RUNLENS_PARAMS", "RUNLENS_RUN_ID")
# A tracking server in the developer's environment must not receive the tests' runs.
TRACKING_VARS = ("RUNLENS_TRACKING_URI", "MLFLOW_TRACKING_URI", "RUNLENS_REQUIRE_SERVER",
                 "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")


def read_log(path):
    """The events of a run log, checking that every line is whole, valid UTF-8 JSON."""
    with open(path, "rb") as f:
        data = f.read()
    assert data == b"" or data.endswith(b"\n"), "log %s ends inside a line" % path
    return [json.loads(line.decode("utf-8")) for line in data.splitlines()]


def logs_in(root):
    """{run id: [events]} of every run log under root/runs."""
    found = {}
    runs = os.path.join(root, "runs")
    for day in sorted(os.listdir(runs)) if os.path.isdir(runs) else []:
        for name in os.listdir(os.path.join(runs, day)):
            found[name[:-len(".jsonl")]] = read_log(os.path.join(runs, day, name))
    return found


def events(log, kind):
    return [event for event in log if event["e"] == kind]


def metric_points(log):
    """[(key, value, step)] in the order written, from both metric events."""
    points = []
    for event in log:
        if event["e"] == "metrics":
            points += [(p[0], p[1], p[2]) for p in event["points"]]
        elif event["e"] == "metric":
            points.append((event["key"], event["value"], event.get("step", 0)))
    return points


class RunLensTestCase(unittest.TestCase):
    """Each test gets its own .runlens folder, a clean environment and no run left open."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="runlens-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, ".runlens")
        patcher = mock.patch.dict(os.environ)  # restores the whole environment afterwards
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in LAUNCHER_VARS + TRACKING_VARS:
            os.environ.pop(name, None)
        os.environ["RUNLENS_DIR"] = self.root
        del _fluent._experiment[:]
        self.addCleanup(forget_tracking)
        self.addCleanup(self._no_run_left_open)

    def _no_run_left_open(self):
        left = list(_fluent._stack)
        while _fluent._stack:
            runlens.end_run()
        del _fluent._experiment[:]
        waiting = [run for run in _fluent.live_runs() if run._end_line is not None]
        with mock.patch("sys.stderr", io.StringIO()):
            _fluent.end_all("killed", None)  # the last try for ends kept for a full disk
        self.assertEqual(left, [], "a test left runs open")
        self.assertEqual(waiting, [], "a test left runs waiting for room to write their end")

    def only_log(self):
        logs = logs_in(self.root)
        self.assertEqual(len(logs), 1, "expected exactly one run log, found %s" % list(logs))
        return next(iter(logs.values()))


def forget_tracking():
    """Back to no tracking server: this process's uploads let go (their runs stay in the outbox,
    as when a process exits), and what lookups remembered of servers is forgotten."""
    _tracking.set_tracking_uri(None)
    del _tracking._required[:]
    _tracking._warned.clear()
    with _uploads._lock:
        leftover = list(_uploads._own) + list(_uploads._others.values())
        servers = list(_uploads._servers.values())
        del _uploads._own[:]
        _uploads._others.clear()
        _uploads._servers.clear()
    for entry in servers:
        entry.uploader.client.close()
    for up in leftover:
        if up.claim is not None:
            up.claim.release()
        up.log.close()
    _remote._cache.clear()
    _remote._failed.clear()
    _remote._asked.clear()
    _remote._unnarrowed.clear()


def child_env(root, **extra):
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS + TRACKING_VARS}
    # What the test run itself had on PYTHONPATH (the clock tier's clock) reaches the child too.
    env["PYTHONPATH"] = os.pathsep.join(p for p in [PYTHON_DIR, os.environ.get("PYTHONPATH")] if p)
    env["RUNLENS_DIR"] = root
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def write_script(directory, source, name="experiment.py"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(source))
    return path


def start_child(directory, root, source, **env):
    """Starts a Python script as its own process; its stdout is a pipe to read 'ready' from."""
    path = write_script(directory, source)
    return subprocess.Popen([sys.executable, path], cwd=directory, env=child_env(root, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_child(directory, root, source, timeout=60, **env):
    proc = start_child(directory, root, source, **env)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(), err.decode()


def wait_for(predicate, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
