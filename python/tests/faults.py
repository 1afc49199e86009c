"""Fault injection for the client's writes, and what a user checks afterwards.

`Disk` stands in for the two primitives every byte of a run log goes through
(runlens._log._os_write and _os_ftruncate): it writes for real, and fails where a test says, as a
full disk does (a short count, then ENOSPC) or as a signal does (a short count, then success).
"""

import contextlib
import errno
import os
import time
from unittest import mock

from runlens import _log, _logline
from runlens._run import Run

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
REAL_TICK = Run._tick


class Disk:
    """The log's writes, with faults: `at` maps a write's number (from 1) to what happens to it.

    "short": half the bytes are written and the count returned (then the writer goes on);
    "full": ENOSPC, nothing written; "short+full": half written, then this and every later
    write fails until `free()`. With `room`, a disk holding that many more bytes: a write gets
    what fits (a short count) and ENOSPC when nothing does; cutting a file back frees its bytes.
    """

    def __init__(self, at=None, room=None):
        self.at = dict(at or {})
        self.room = room
        self.full = False
        self.writes = 0

    def free(self, room=None):
        self.full = False
        self.room = room

    def write(self, fd, data):
        self.writes += 1
        fault = self.at.get(self.writes)
        if self.full or fault == "full" or self.room == 0:
            raise ENOSPC
        n = len(data)
        if fault in ("short", "short+full"):
            n = max(1, len(data) // 2)
            self.full = fault == "short+full"
        if self.room is not None:
            n = min(n, self.room)
        done = os.write(fd, data[:n])
        if self.room is not None:
            self.room -= done
        return done

    def ftruncate(self, fd, length):
        before = os.fstat(fd).st_size
        os.ftruncate(fd, length)
        if self.room is not None:
            self.room += before - length

    @contextlib.contextmanager
    def installed(self):
        with mock.patch.object(_log, "_os_write", self.write), \
                mock.patch.object(_log, "_os_ftruncate", self.ftruncate):
            yield self


@contextlib.contextmanager
def writes_only_where_the_test_makes_them():
    """The background thread leaves runs alone, so each write happens at a known place.

    The test ticks a run itself with tick(run) (a flush, a heartbeat or a retried end).
    """
    with mock.patch.object(Run, "_tick", lambda run, now: None):
        yield


def tick(run, later_s=0.0):
    REAL_TICK(run, time.monotonic() + later_s)


def store_reading(path, whole=True):
    """[event] of a log as the store reads it; raises if any line is one the store would skip.

    With whole=False a partial last line is allowed (a writer is still at work): not yet read.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        lines = _logline.Lines(f, 0, size)
        readings = [_logline.read_line(data) for _, data in lines]
    if whole and lines.offset != size:
        raise AssertionError("%s ends inside a line (%d of %d bytes read)" % (path, lines.offset, size))
    bad = [r for r in readings if r[0] != "event"]
    if bad:
        raise AssertionError("%s holds lines the store skips: %r" % (path, bad[:3]))
    return [r[1] for r in readings]


def points_of(events):
    return [(key, value, step) for event in events if event["e"] == "metrics"
            for key, value, step, _ in event["points"]]


def merged(events, kind):
    out = {}
    for event in events:
        if event["e"] == kind:
            for key, value in event[kind].items():
                out.setdefault(key, value) if kind == "params" else out.__setitem__(key, value)
    return out
