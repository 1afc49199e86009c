"""Reading run logs that the store has not caught up with, as docs/run-log.md tells a reader to."""

import json
import os
import re
import socket
import time

from ._canonical import canonical_param
from ._env import DEFAULT_EXPERIMENT

CRASHED_AFTER_S = 30.0  # six missed heartbeats
END_STATUSES = ("finished", "failed", "killed")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LOG_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.jsonl")
_SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_METRIC_LINE = b'{"e":"metric'  # how this client's writer begins one; others are parsed anyway
_HOST = socket.gethostname()
_cache = {}  # path -> LogRun, read on from its offset as the file grows
_CACHE_LIMIT = 100000
_journal = {}  # journal.jsonl path -> [offset, {run id: deleted?}], read on as it grows
_listings = {}  # runs/<day>/ folder -> (its mtime, when listed, {run id: path})
RACY_NS = 2 * 10**9


class LogRun:
    """What a run log says so far: enough to match a combination and report its result."""

    def __init__(self, uid, with_metrics):
        self.uid = uid
        self.with_metrics = with_metrics
        self.offset = 0
        self.started = False
        self.experiment = self.name = self.parent = self.host = self.pid = None
        self.start_time = self.end_time = self.ended = self.error = None
        self.params = {}
        self.metrics = {}  # key -> (step, time, value) of the latest point
        self.mtime = 0.0
        self._canon = None

    def canon(self, key):
        if self._canon is None or len(self._canon) != len(self.params):
            self._canon = {k: canonical_param(v) for k, v in self.params.items()}
        return self._canon.get(key)

    def status(self, now=None):
        if self.ended:
            return self.ended
        if self.host == _HOST and _pid_alive(self.pid) is False:
            return "crashed"
        if (now or time.time()) - self.mtime > CRASHED_AFTER_S:
            return "crashed"
        return "running"


def read(path, uid, with_metrics):
    """The LogRun of the log at `path`, reading only what was appended since the last call."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    run = _cache.get(path)
    if run is None or st.st_size < run.offset or (with_metrics and not run.with_metrics):
        run = LogRun(uid, with_metrics)
    run.mtime = st.st_mtime
    if st.st_size > run.offset:
        try:
            with open(path, "rb") as f:
                f.seek(run.offset)
                data = f.read(st.st_size - run.offset)
        except OSError:
            return None
        complete = data.rfind(b"\n") + 1  # a partial last line is waited for
        _apply_lines(run, data[:complete])
        run.offset += complete
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[path] = run
    return run


def _apply_lines(run, data):
    for raw in data.split(b"\n"):
        if not raw or (not run.with_metrics and raw.startswith(_METRIC_LINE)):
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # reported by the extension; the lines around it still count
        if type(event) is dict:
            _apply(run, event)


def _apply(run, event):
    # Read as src/core/runlog/events.ts reads it, so both sides see the same run.
    kind = event.get("e")
    t = event.get("t")
    if not isinstance(t, (int, float)) or isinstance(t, bool):
        return
    if kind == "start":
        run.started = True
        run.experiment = _text(event.get("experiment")) or DEFAULT_EXPERIMENT
        run.name = _text(event.get("name"))
        run.parent = _text(event.get("parent"))
        run.host = _text(event.get("host"))
        run.pid = event.get("pid")
        run.start_time = t
    elif kind == "params" and isinstance(event.get("params"), dict):
        for key, value in event["params"].items():
            if not isinstance(value, str):
                if isinstance(value, (dict, list)):
                    continue
                value = json.dumps(value)
            run.params.setdefault(key, value)  # the first value stands
    elif kind == "end" and event.get("status") in END_STATUSES:
        run.ended = event["status"]
        run.error = event.get("error") if isinstance(event.get("error"), dict) else None
        run.end_time = t
    elif not run.with_metrics:
        return
    elif kind == "metrics" and isinstance(event.get("points"), list):
        for point in event["points"]:
            if isinstance(point, list) and len(point) >= 2:
                _point(run, point[0], point[1], point[2] if len(point) > 2 else 0,
                       point[3] if len(point) > 3 else event.get("t"))
    elif kind == "metric":
        _point(run, event.get("key"), event.get("value"), event.get("step", 0), event.get("t"))


def _text(value):
    return value if isinstance(value, str) else None


def _point(run, key, value, step, t):
    if not isinstance(key, str):
        return
    value = _SPECIAL.get(value, value) if isinstance(value, str) else value
    if not isinstance(value, (int, float)) or not isinstance(step, int):
        return
    t = t if isinstance(t, (int, float)) else 0
    latest = run.metrics.get(key)
    if latest is None or (step, t) >= latest[:2]:
        run.metrics[key] = (step, t, float(value))


def _pid_alive(pid):
    """True, False, or None where it cannot be told."""
    if not isinstance(pid, int) or pid <= 0 or os.name == "nt":
        return None  # on Windows os.kill(pid, 0) would send CTRL_C_EVENT, not a probe
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def day_logs(root, days):
    """{run id: path} of the logs under runs/<day>/ for each of `days`."""
    found = {}
    for day in days:
        found.update(_day_logs(os.path.join(root, "runs", day, "")))
    return found


def _day_logs(folder):
    # A folder's listing is kept while its mtime stands, unless it was listed within RACY_NS of
    # that mtime: a file added in the same clock tick as the listing would not move it.
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return {}
    cached = _listings.get(folder)
    if cached is not None and cached[0] == mtime and cached[1] - mtime > RACY_NS:
        return cached[2]
    listed_at = time.time_ns()
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    logs = {}
    for name in names:
        if name.endswith(".jsonl") and LOG_NAME.fullmatch(name):
            logs[name[:-6]] = folder + name
    _listings[folder] = (mtime, listed_at, logs)
    return logs


def days(root):
    try:
        return sorted(name for name in os.listdir(os.path.join(root, "runs")) if DAY.fullmatch(name))
    except OSError:
        return []


def journal_deletes(root):
    """{run id: True if deleted, False if restored} by the journal's last word on each."""
    path = os.path.join(root, "journal.jsonl")
    try:
        size = os.stat(path).st_size
    except OSError:
        return {}
    entry = _journal.get(path)
    if entry is None or size < entry[0]:
        entry = _journal[path] = [0, {}]
    if size > entry[0]:
        try:
            with open(path, "rb") as f:
                f.seek(entry[0])
                data = f.read(size - entry[0])
        except OSError:
            return entry[1]
        complete = data.rfind(b"\n") + 1
        for raw in data[:complete].split(b"\n"):
            if b'"delete"' not in raw and b'"restore"' not in raw:
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if (type(event) is dict and event.get("e") in ("delete", "restore")
                    and isinstance(event.get("run"), str)):
                entry[1][event.get("run")] = event["e"] == "delete"
        entry[0] += complete
    return entry[1]
