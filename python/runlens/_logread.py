"""Reading run logs that the store has not caught up with, as docs/run-log.md tells a reader to."""

import os
import re
import socket
import stat
import time

from . import _logfiles, _logline
from ._canonical import canonical_param

CRASHED_AFTER_S = 30.0  # six missed heartbeats
END_STATUSES = ("finished", "failed", "killed")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LOG_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.jsonl")
_METRIC_LINE = b'{"e":"metric'  # how this client's writer begins one; others are parsed anyway
_BINARY = getattr(os, "O_BINARY", 0)
MAX_PROBLEMS = 20  # kept per log, with their line numbers; the rest are counted
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
        self.line = 0  # complete lines read, as the store numbers them
        self.skipped = 0  # lines the store skips too
        self.problems = []  # (line, byte offset, reason) of the first MAX_PROBLEMS of them
        self.reported = 0  # of those, how many new_problems() has told
        self.reported_more = False
        self.started = False
        self.experiment = self.name = self.parent = self.host = self.pid = None
        self.start_time = self.end_time = self.ended = self.error = None
        self.params = {}
        self.tags = {}
        self.artifacts = {}  # path -> (size, sha256, media type, time) of its latest line
        self.resumed = False  # taken up again after it ended (a `start` line with resume)
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
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None  # a link, say: never followed out of .runlens/ (see _logfiles)
    run = _cache.get(path)
    if run is None or st.st_size < run.offset or (with_metrics and not run.with_metrics):
        run = LogRun(uid, with_metrics)
    run.mtime = st.st_mtime
    if st.st_size > run.offset:
        try:
            fd = _logfiles.open_log(*_logfiles.split(path), os.O_RDONLY | _BINARY)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            lines = _logline.Lines(f, run.offset, st.st_size)
            try:
                for offset, data in lines:
                    run.line += 1
                    _apply_line(run, data, offset)
            except OSError:
                _cache.pop(path, None)  # read again from the start: some lines may have counted
                return None
        run.offset = lines.offset
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[path] = run
    return run


def _apply_line(run, data, offset):
    if not run.with_metrics and _only_metrics(data):
        return
    outcome = _logline.read_line(data)
    if outcome[0] == "event":
        _apply(run, outcome[1])
    elif outcome[0] == "problem":
        run.skipped += 1
        if len(run.problems) < MAX_PROBLEMS:
            run.problems.append((run.line, offset, outcome[1]))


def new_problems(path, run):
    """What the lines skipped since the last call were, worded as the store reports them."""
    _, day, name = _logfiles.split(path)
    where = "%s/%s/%s" % (_logfiles.RUNS, day, name)
    messages = ["%s:%d (byte %d): %s; the line was skipped" % ((where,) + problem)
                for problem in run.problems[run.reported:]]
    run.reported = len(run.problems)
    if run.skipped > MAX_PROBLEMS and not run.reported_more:
        run.reported_more = True
        messages.append("%s: more lines skipped (%d in all); the extension's output lists each"
                        % (where, run.skipped))
    return messages


def _only_metrics(data):
    """Whether the line is this client's metric event, which a reader without metrics skips unread.

    Only when nothing else in the line could be an "e" key: JSON keeps the last of two, so
    {"e":"metric",...,"e":"end"} is an end line to the store, and one for this reader too.
    """
    return (data is not None and data.startswith(_METRIC_LINE) and data.find(b'"e"', 5) < 0
            and data.find(b"\\u") < 0)


def _apply(run, event):
    # The event as src/core/runlog/events.ts reads it (see _logline), so both see the same run.
    kind = event["e"]
    t = event["t"]
    if kind == "start" and event["resume"] and run.started:
        run.resumed = True
        run.ended = run.error = run.end_time = None  # running again, as in the store
        run.host = event["host"] or run.host
        run.pid = event["pid"] if event["pid"] is not None else run.pid
    elif kind == "start":
        run.started = True
        run.experiment = event["experiment"]
        run.name = event["name"]
        run.parent = event["parent"]
        run.host = event["host"]
        run.pid = event["pid"]
        run.start_time = t
    elif kind == "params":
        for key, value in event["params"].items():
            run.params.setdefault(key, value)  # the first value stands
    elif kind == "tags":
        run.tags.update(event["tags"])
    elif kind == "untag":
        run.tags.pop(event["key"], None)
    elif kind == "artifact":
        run.artifacts[event["path"]] = (event["size"], event["sha256"], event["media_type"],
                                        event["t"])
    elif kind == "end":
        run.ended = event["status"]
        run.error = event["error"]
        run.end_time = t
    elif kind == "metrics" and run.with_metrics:
        for key, value, step, point_t in event["points"]:
            latest = run.metrics.get(key)
            if latest is None or (step, point_t) >= latest[:2]:
                run.metrics[key] = (step, point_t, value)


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
    logs = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                # Links are not followed out of .runlens/ (the store skips them too).
                if LOG_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    logs[entry.name[:-6]] = folder + entry.name
    except OSError:
        return {}
    _listings[folder] = (mtime, listed_at, logs)
    return logs


def days(root):
    """The day folders under runs/, less any that is a link (or runs/ itself being one)."""
    runs = os.path.join(root, _logfiles.RUNS)
    if _logfiles.is_link(runs):
        return []
    try:
        with os.scandir(runs) as entries:
            return sorted(entry.name for entry in entries
                          if DAY.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
                          and not _logfiles.is_link(entry.path))
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
                event = _logline.loads(raw.decode("utf-8"))
            except ValueError:  # UnicodeDecodeError too
                continue
            if (type(event) is dict and event.get("e") in ("delete", "restore")
                    and isinstance(event.get("run"), str)):
                entry[1][event.get("run")] = event["e"] == "delete"
        entry[0] += complete
    return entry[1]


def history(path, key):
    """[(step, value, ms)] of every point of metric `key` in the log at `path`, in logged order."""
    points = []
    try:
        fd = _logfiles.open_log(*_logfiles.split(path), os.O_RDONLY | _BINARY)
    except OSError:
        return points
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        for _, data in _logline.Lines(f, 0, size):
            if data is None or b'"metric' not in data:
                continue
            outcome = _logline.read_line(data)
            if outcome[0] == "event" and outcome[1]["e"] == "metrics":
                points += [(step, value, int(t)) for k, value, step, t in outcome[1]["points"]
                           if k == key]
    return points
