"""What a run's log says for its upload to a tracking server, and where that upload stands.

The log is the outbox (docs/run-log.md, "Uploads"): RunUpload reads a run's params, tags and
metric points in the log's order, as readers read them (_logline), each with its place in the log
([line offset, index in the line]), and the `upload` lines that say how far the server has them.
It writes the next `upload` lines too. What is sent, and how: _upload.
"""

import collections
import json
import math
import os
import socket
import time

from . import _launched, _logfiles, _logline
from ._errors import RunLensError
from ._log import RunLog, now_ms

BUFFERED = 5000  # items read ahead of what was sent; the rest of the log waits on disk
QUIET_S = 5.0  # a run with no end whose log is still for this long, and nobody uploading it, crashed
FOREIGN_QUIET_S = 30.0  # the same for a run of another host (docs/run-log.md: six heartbeats)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_SPECIAL = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}
_MAX_DOUBLE = 1.7976931348623157e308  # what MLflow's SQL store returns for an infinity


class Waiting(Exception):
    """This run cannot go on now (its parent is not on the server yet, or its log cannot record
    progress); nothing is wrong with the server, and the run is tried again later."""


class Item:
    """One param, tag or metric point of the log, where it is (line offset, index in the line),
    and its JSON as a batch sends it."""

    __slots__ = ("offset", "index", "kind", "key", "json", "point")

    def __init__(self, offset, index, kind, key, json_text, point=None):
        self.offset, self.index, self.kind, self.key = offset, index, kind, key
        self.json = json_text
        self.point = point  # (step, timestamp, value) of a metric point, as logged

    @property
    def after(self):
        return [self.offset, self.index + 1]


class Artifact:
    """A file of the run as its latest `artifact` line records it, and where that line is."""

    __slots__ = ("offset", "path", "size", "media_type")

    def __init__(self, offset, path, size, media_type):
        self.offset, self.path, self.size, self.media_type = offset, path, size, media_type


class RunUpload:
    """What one run's log says, for its upload to one server; read on as the log grows."""

    def __init__(self, root, run_id, day, server_uri):
        self.root, self.run_id, self.day, self.server_uri = root, run_id, day, server_uri
        self.path = _logfiles.log_path(root, day, run_id + ".jsonl")
        self.cursor = 0  # bytes of whole lines read
        self.scanned = False  # the upload lines of the log were read once
        self.start = {}
        self.started = False
        self.end = None
        self.last_t = None
        self.params = {}  # the first value of each param, as readers keep it
        self.items = collections.deque()  # read and not uploaded yet, in the log's order
        self.through = [0, 0]  # everything before this [line offset, item] is on the server
        self.sending = None  # a batch up to here was sent without an answer
        self.ambiguous = False  # and it may have arrived (a new process cannot tell: True)
        self.queued_for = None
        self.server_run_id = None
        self.experiment_id = None
        self.creating = False
        self.done = False
        self.stopped = None
        self.refused = {}  # (kind, key) -> count of items not sent
        # Artifacts (_uploadfiles): the latest `artifact` line of each path, in the log's order,
        # and the offset of the line whose file the server has (put) or was sent (putting).
        self.artifacts = collections.OrderedDict()  # path -> Artifact
        self.put = {}
        self.putting = {}
        self.artifact_uri = None  # the server's artifact_uri of the run (`created`, else asked)
        self.artifacts_kept = None  # why the server does not get them (it serves no artifacts)
        self.size = -1
        self.still_since = None  # monotonic time the log was last seen to change
        self.writer = None  # writes an upload line: the live run's, else an appender of ours
        self._appender = None
        self._keys = {}  # metric key -> its JSON

    def __repr__(self):
        return "<runlens upload of %s to %s>" % (self.run_id, self.server_uri)

    @classmethod
    def find(cls, root, run_id, server_uri):
        """The upload state of the run with that id, from its log's upload lines; None if no
        log has that id."""
        day = _launched.existing_log_day(root, run_id)
        if day is None:
            return None
        found = cls(root, run_id, day, server_uri)
        found.scan()
        return found

    def scan(self):
        """Reads the log's upload lines (not its data): where a previous uploader stopped."""
        try:
            size = os.stat(self.path, follow_symlinks=False).st_size
        except OSError:
            return
        self._scan_uploads(size)
        self.scanned = True

    # -- reading the log ----------------------------------------------------------------------

    def read(self):
        """Reads what the log gained (up to BUFFERED items ahead); the first call also reads the
        upload lines, to know where a previous uploader stopped."""
        try:
            st = os.stat(self.path, follow_symlinks=False)
        except OSError:
            return
        if st.st_size != self.size:
            self.size = st.st_size
            self.still_since = time.monotonic()
        if not self.scanned:
            self.scan()
        if self.cursor >= st.st_size or len(self.items) >= BUFFERED:
            return
        for offset, data in self._lines(self.cursor, st.st_size):
            self._apply(offset, data)
            if len(self.items) >= BUFFERED:
                break
            # A line can be 10,000 points: between lines the thread logging them gets the
            # interpreter back, so reading for an upload never holds log_metric up for long.
            time.sleep(0)

    def _lines(self, start, size):
        fd = _logfiles.open_log(self.root, self.day, self.run_id + ".jsonl",
                                os.O_RDONLY | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            lines = _logline.Lines(f, start, size)
            for offset, data in lines:
                if data is not None:
                    # Past this line before it is handed out: a caller that stops after it
                    # (BUFFERED) must not read it again.
                    self.cursor = offset + len(data) + 1
                yield offset, data
            self.cursor = lines.offset

    def _scan_uploads(self, size):
        for _, data in self._lines(0, size):
            if data is not None and (b'"upload"' in data or b'"resume":true' in data):
                reading = _logline.read_line(data)
                if reading[0] != "event":
                    continue
                if reading[1]["e"] == "upload":
                    self._apply_upload(reading[1])
                elif reading[1]["e"] == "start" and reading[1]["resume"]:
                    self.done = False  # taken up again after its upload was done: more to send
        self.cursor = 0

    def _apply(self, offset, data):
        if data is None:
            return
        if offset < self.through[0] and data.startswith(b'{"e":"metrics"') \
                and data.find(b'"e"', 5) < 0 and data.find(b"\\u") < 0:
            return  # points already on the server: not even parsed (as _logread skips them)
        reading = _logline.read_line(data)
        if reading[0] != "event":
            return  # skipped as the store skips it (and reports it: not our place)
        event = reading[1]
        kind = event["e"]
        t = event["t"]
        self.last_t = t if self.last_t is None else max(self.last_t, t)
        if kind == "start" and event["resume"] and self.started:
            self.end = None  # running again (docs/run-log.md, "Resuming"): its new end comes later
        elif kind == "start":
            # A later start line completes a launcher's (docs/run-log.md): its fields stand, as
            # in the store. What readers do not keep (script, git, argv, user) is read here.
            raw = _raw(data)
            self.started = True
            self.start = dict(event, script=raw.get("script"), git=raw.get("git"),
                              argv=raw.get("argv"), user=raw.get("user"))
        elif kind == "params":
            for index, (key, value) in enumerate(event["params"].items()):
                if key in self.params:
                    continue  # the first value stands (a reader reports the second)
                self.params[key] = value
                self._add(offset, index, "param", key, value)
        elif kind == "tags":
            for index, (key, value) in enumerate(event["tags"].items()):
                self._add(offset, index, "tag", key, value)
        elif kind == "metrics":
            points = event["points"]
            done_offset, done_items = self.through
            first = 0 if offset > done_offset else done_items if offset == done_offset \
                else len(points)
            keys = self._keys
            for index in range(first, len(points)):
                key, v, step, point_t = points[index]
                stamp = int(point_t)
                encoded = keys.get(key)
                if encoded is None:
                    encoded = keys[key] = _ENCODE(key)
                # The hot path of an upload: the point's JSON as log-batch sends it, made once.
                self.items.append(Item(offset, index, "metric", key, '{"key":%s,"value":%s,'
                                       '"timestamp":%d,"step":%d}' % (
                                           encoded, float.__repr__(v) if v - v == 0
                                           else _SPECIAL[repr(v)], stamp, step), (step, stamp, v)))
        elif kind == "end":
            self.end = event
        elif kind == "artifact":
            path = event["path"]
            self.artifacts.pop(path, None)  # a path logged again goes to the end, as the last one
            self.artifacts[path] = Artifact(offset, path, event["size"], event["media_type"])
        elif kind == "upload" and not self.scanned:
            self._apply_upload(event)

    def _add(self, offset, index, kind, key, value):
        """A param or a tag (metric points are added in _apply, the hot path)."""
        if [offset, index] < self.through:
            return
        text = '{"key":%s,"value":%s}' % (_ENCODE(key), _ENCODE(value))
        self.items.append(Item(offset, index, kind, key, text))

    def _apply_upload(self, event):
        if self.queued_for is None and event["step"] == "queued":
            self.queued_for = event["server"]
        if event["server"] != self.server_uri:
            return
        step = event["step"]
        if step == "creating":
            self.creating = True
        elif step == "created" and event["run_id"]:
            self.server_run_id, self.experiment_id = event["run_id"], event["experiment_id"]
            self.artifact_uri = event["artifact_uri"]  # None in a log of an older client
            self.creating = False
        elif step == "sending" and event["through"]:
            self.sending, self.ambiguous = event["through"], True
        elif step == "sent" and event["through"]:
            self.through = max(self.through, event["through"])
            self.sending = None
        elif step == "refused" and event["key"]:
            self.refused.setdefault((event["kind"], event["key"]), 0)
        elif step == "putting" and event["key"] and event["through"]:
            self.putting[event["key"]] = event["through"][0]
        elif step in ("put", "missing") and event["key"] and event["through"]:
            self.put[event["key"]] = max(self.put.get(event["key"], -1), event["through"][0])
        elif step == "artifacts-kept":
            self.artifacts_kept = event["message"] or "the server does not store artifacts"
        elif step == "done":
            self.done = True
        elif step == "stopped":
            self.stopped = event["message"] or "stopped"

    # -- what the run is --------------------------------------------------------------------

    def artifacts_waiting(self):
        """The artifacts whose latest version the server does not have, in the log's order
        (none when the server keeps no artifacts, or refused that path)."""
        if self.artifacts_kept is not None:
            return []
        return [a for a in self.artifacts.values() if self.put.get(a.path, -1) < a.offset
                and ("artifact", a.path) not in self.refused]

    @property
    def at_end_of_log(self):
        return self.cursor >= self.size and not self.items

    def quiet_for(self):
        return 0.0 if self.still_since is None else time.monotonic() - self.still_since

    def crashed(self, live):
        """A run with no end whose own process is gone: nobody else holds its upload (the caller
        checked), and its log has been still long enough for a launcher to add an end it owes."""
        if live or self.end is not None:
            return False
        foreign = self.start.get("host") not in (None, _host())
        return self.quiet_for() >= (FOREIGN_QUIET_S if foreign else QUIET_S)

    # -- writing progress -------------------------------------------------------------------

    def note(self, step, **fields):
        event = {"e": "upload", "t": now_ms(), "server": self.server_uri, "step": step}
        event.update((k, v) for k, v in fields.items() if v is not None)
        try:
            if self.writer is None or not self.writer(event):
                if self._appender is None:
                    self._appender = RunLog(self.root, self.run_id, 0, existing_day=self.day)
                self._appender.write(event)
        except (OSError, RunLensError) as e:
            raise Waiting("its log %s cannot record the upload's progress (%s)"
                          % (self.path, getattr(e, "strerror", None) or e)) from e

    def close(self):
        appender, self._appender = self._appender, None
        if appender is not None:
            appender.close()


def comparable(value):
    """A metric value as the server gives it back: NaN as "NaN", infinities as the largest
    double (MLflow's SQL store), -0.0 as 0.0."""
    if value != value:
        return "nan"
    if math.isinf(value) or abs(value) >= _MAX_DOUBLE:
        return "inf" if value > 0 else "-inf"
    return value + 0.0


def _raw(data):
    """The JSON object of a line read_line accepted, all of it."""
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return _logline.loads(text[:-1] if text.endswith("\r") else text)


def _host():
    return socket.gethostname()
