"""One run being logged: its buffered metrics, what it refuses, and how it ends."""

import os
import sys
import threading
import time
import traceback
from types import SimpleNamespace

from . import _artifacts, _lifecycle, _logread
from ._active import end_with_inner
from ._canonical import canonical_param
from ._env import experiment_id_of
from ._errors import RunLensError
from ._log import POINTS_PER_LINE, now_ms
from ._validate import MAX_PARAM_VALUE, MAX_TAG_VALUE, check_key, text_value

MAX_TRACEBACK = 100000  # characters kept from the end; a RecursionError's can be megabytes
LOST_POINTS_TAG = "runlens.lost_points"


class Run:
    """A run being logged; what start_run returns, and a context manager that ends it."""

    def __init__(self, run_id, name, experiment, parent_id, log, start_s):
        self.id = run_id
        self.name = name
        self.experiment = experiment
        self.parent_id = parent_id
        self.start_time = int(start_s * 1000)
        self.end_time = None
        self.status = "running"
        self.params = {}
        self.tags = {}
        self.artifacts = {}  # artifact path -> _artifacts.Stored, as logged by this process
        self.root = log.root
        self.log_path = log.path
        self._log = log
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._points = []
        self._append = self._points.append
        self._beat = time.monotonic()
        self._end_line = None  # the end event while it waits for room on the disk
        self._trouble = None  # why the log refuses writes, while it does
        self.git = None  # captured once per top-level run; nested runs share their parent's

    def __repr__(self):
        return "<runlens.Run %s %r in %r, %s>" % (self.id, self.name, self.experiment, self.status)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        status, error = outcome(exc_type, exc, tb)
        try:
            end_with_inner(self, status, error)
        except RunLensError as e:
            if exc_type is None:
                raise
            # The user's own exception is the one to see; the lost record still gets a line.
            print("runlens: %s" % e, file=sys.stderr)
        return False

    # MLflow's shape, so that `mlflow.active_run().info.run_id` ports unchanged.
    @property
    def info(self):
        return SimpleNamespace(
            run_id=self.id, run_uuid=self.id, run_name=self.name,
            experiment_id=experiment_id_of(self.experiment), user_id=self.tags.get("mlflow.user", ""),
            status=self.status.upper(), start_time=self.start_time, end_time=self.end_time,
            artifact_uri=self.artifact_uri, lifecycle_stage="active")

    @property
    def data(self):
        return SimpleNamespace(params=dict(self.params), tags=dict(self.tags),
                               metrics=self.latest_metrics())

    @property
    def artifact_uri(self):
        return _artifacts.uri(self.root, self.id)

    def latest_metrics(self):
        """{key: latest value} (highest step, then latest time), from the log and the buffer."""
        with self._lock:
            points = list(self._points)
        logged = _logread.read(self.log_path, self.id, True)
        latest = dict(logged.metrics) if logged is not None else {}
        for key, value, step, t in points:
            point = (step, int(t * 1000), value)
            if key not in latest or point[:2] >= latest[key][:2]:
                latest[key] = point
        return {key: point[2] for key, point in latest.items()}

    def _log_artifact(self, path, read):
        """Copies what `read` gives to the artifact `path` and records it (see _artifacts)."""
        if self.status != "running":
            raise RunLensError("run %s has ended; artifact %r was not logged" % (self.id, path))
        stored = _artifacts.store(self.root, self.id, path, read, self._record_artifact)
        return stored

    def _log_artifact_file(self, path, source):
        if self.status != "running":
            raise RunLensError("run %s has ended; artifact %r was not logged" % (self.id, path))
        return _artifacts.store_file(self.root, self.id, path, source, self._record_artifact)

    def _record_artifact(self, stored):
        # Only the line takes the run's lock: a copy of gigabytes must not hold up the
        # background thread's heartbeats, or the run would look crashed meanwhile.
        with self._lock:
            self._write(stored.event(), "artifact %s" % stored.path)
            self.artifacts[stored.path] = stored

    def _delete_tag(self, key):
        check_key(key, "Tag")
        with self._lock:
            self._write({"e": "untag", "t": now_ms(), "key": key}, "deleted tag")
            self.tags.pop(key, None)

    def _log_params(self, params):
        with self._lock:
            fresh = checked_params(params, self.params, self.id)
            if fresh:
                self._write({"e": "params", "t": now_ms(), "params": fresh}, "params")
                self.params.update(fresh)

    def _set_tags(self, tags):
        checked = checked_tags(tags)
        if checked:
            with self._lock:
                self._write({"e": "tags", "t": now_ms(), "tags": checked}, "tags")
                self.tags.update(checked)

    def _write(self, event, what):
        try:
            self._log.write(event)
        except OSError as e:
            raise RunLensError("RunLens could not write the %s of run %s to %s (%s); they were "
                               "not logged" % (what, self.id, self.log_path, e.strerror or e)) from e

    def _note_upload(self, event):
        """Writes an upload line through the run's own log while it is open (the uploader and
        this process's other writers then share one writer); False once it is closed."""
        with self._lock:
            if not self._log.is_open:
                return False
            self._log.write(event)
            return True

    def flush(self):
        """Writes the buffered metric points; raises if the log cannot take them (kept for later)."""
        with self._lock:
            points = self._points
            while points:
                count = min(len(points), POINTS_PER_LINE)
                try:
                    self._log.write_points(points[:count])
                except OSError as e:
                    raise RunLensError(
                        "RunLens could not write metrics to %s (%s); %d points are kept in memory"
                        % (self.log_path, e.strerror or e, len(points))) from e
                # Appends from other threads go to the end of the same list, so the first
                # `count` points are exactly the ones written.
                del points[:count]

    def _tick(self, now):
        """The background thread's visit: flush, a heartbeat every HEARTBEAT_S, or the end."""
        with self._lock:
            if self._end_line is not None:
                self._finish()
                return
            if self.status != "running":
                return
            try:
                self.flush()
                if now - self._beat >= _lifecycle.HEARTBEAT_S:
                    self._log.write({"e": "heartbeat", "t": now_ms()})
                    self._beat = now
            except (OSError, RunLensError) as e:
                self._in_trouble(e, "its buffered metric points are kept in memory")
                return
            self._out_of_trouble()

    def _end(self, status, error, end_ms=None):
        """Ends the run. False when its end waits for room on the disk: see _finish."""
        with self._lock:
            if self.status != "running":
                return True
            self.end_time = now_ms() if end_ms is None else int(end_ms)
            if self._pid != os.getpid():
                # Inherited through fork: the process that started it ends it.
                self.status = status
                return True
            self._append = self._ended  # from here on, logging to it is an error, not a loss
            self.status = status
            self._end_line = {"e": "end", "t": self.end_time, "status": status, "error": error}
            return self._finish()

    def _finish(self):
        """Writes the buffered points, then the end line, and closes the log.

        When the disk refuses, everything stays in memory, the log stays open and False is
        returned: the background thread tries again, and so does the process at exit (_settle).
        The end line is only ever written after every point, so a run never reads as finished
        while points it acknowledged are missing.
        """
        try:
            self.flush()
            self._log.write(self._end_line)
        except (OSError, RunLensError) as e:
            self._in_trouble(e, "its end and its %d buffered metric points are kept in memory"
                             % len(self._points))
            return False
        self._end_line = None
        try:
            if self._points:
                self.flush()  # appended by another thread as the run was ending
        except RunLensError as e:
            print("runlens: run %s: %s" % (self.id, e), file=sys.stderr)
        finally:
            self._log.close()
        self._out_of_trouble()
        return True

    def _settle(self):
        """At exit, the last try to end the run; what still cannot be written is lost, and said so.

        The points that did not fit are counted in the tag runlens.lost_points, written before
        the end line when the disk takes that much; when it does not, the run has no end and shows
        as crashed. Either way stderr says what was lost.
        """
        with self._lock:
            if self._end_line is None or self._finish():
                return
            lost = len(self._points)
            del self._points[:]
            ended = True
            try:
                if lost:
                    tags = {LOST_POINTS_TAG: str(lost)}
                    self._log.write({"e": "tags", "t": now_ms(), "tags": tags})
                    self.tags.update(tags)
                self._log.write(self._end_line)
            except OSError:
                ended = False
            finally:
                self._end_line = None
                self._log.close()
            if not lost:
                said = "its end could not be written to %s (%s), so it shows as crashed" % (
                    self.log_path, self._trouble)
            else:
                said = "%s metric points could not be written to %s (%s) and are lost; %s" % (
                    "{:,}".format(lost), self.log_path, self._trouble,
                    "the run is tagged %s=%d" % (LOST_POINTS_TAG, lost) if ended else
                    "its end could not be written either, so it shows as crashed")
            print("runlens: run %s: %s" % (self.id, said), file=sys.stderr)

    def _in_trouble(self, error, kept):
        if self._trouble is None:
            cause = error.__cause__ if isinstance(error, RunLensError) and error.__cause__ else error
            self._trouble = getattr(cause, "strerror", None) or str(cause)
            print("runlens: run %s: cannot write to %s (%s); %s and written when it can be "
                  "(tried again every %.1f s, and at exit)"
                  % (self.id, self.log_path, self._trouble, kept, _lifecycle.FLUSH_S),
                  file=sys.stderr)

    def _out_of_trouble(self):
        if self._trouble is not None:
            self._trouble = None
            print("runlens: run %s: %s takes writes again; nothing was lost"
                  % (self.id, self.log_path), file=sys.stderr)

    def _ended(self, point):
        raise RunLensError("run %s has ended; metric %r was not logged" % (self.id, point[0]))

    def _forked(self):
        """In a child made by fork: the parent writes what it buffered; the child writes through."""
        self._lock = threading.RLock()
        self._points = []
        self._append = self._write_through

    def _write_through(self, point):
        with self._lock:
            try:
                self._log.write_points([point])
            except OSError as e:
                raise RunLensError("RunLens could not write metric %r to %s (%s); it was not "
                                   "logged" % (point[0], self.log_path, e.strerror or e)) from e


def checked_params(params, known, run_id):
    """The {key: str value} of `params` still to write; raises on a changed value, as MLflow does.

    The same value spelled differently (32 and 32.0) is the same parameter, as everywhere in
    RunLens: it is kept as first written, like a repeat of the same string.
    """
    fresh = {}
    for key, value in params.items():
        check_key(key, "Param")
        text = text_value(key, value, "Param", MAX_PARAM_VALUE)
        first = known.get(key)
        if first is None:
            fresh[key] = text
        elif first != text and canonical_param(first) != canonical_param(text):
            raise ValueError(
                "Changing param values is not allowed. Param with key=%r was already logged "
                "with value=%r for run ID=%r. Attempted logging new value %r."
                % (key, first, run_id, text))
    return fresh


def checked_tags(tags):
    checked = {}
    for key, value in tags.items():
        check_key(key, "Tag")
        checked[key] = text_value(key, value, "Tag", MAX_TAG_VALUE)
    return checked


def outcome(exc_type, exc, tb):
    """The status and error summary a run ends with, given how its block was left."""
    if _lifecycle.terminated():
        return "killed", None
    if exc_type is None:
        return "finished", None
    if issubclass(exc_type, KeyboardInterrupt):
        return "killed", None
    if issubclass(exc_type, SystemExit) and getattr(exc, "code", None) in (None, 0):
        return "finished", None
    return "failed", error_summary(exc_type, exc, tb)


def error_summary(exc_type, exc, tb):
    module = getattr(exc_type, "__module__", "builtins")
    name = exc_type.__qualname__ if module == "builtins" else module + "." + exc_type.__qualname__
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the failure itself
        message = "<unprintable %s>" % name
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    return {"type": name, "message": message, "traceback": text[-MAX_TRACEBACK:]}
