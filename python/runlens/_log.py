"""Writing one run's log (docs/run-log.md).

Each run has its own file and one writer, and every line goes out in one os.write on a descriptor
opened with O_APPEND, so a reader never sees two writers' bytes mixed. A line is written whole or
not at all: a short write (a full disk) is finished, and when the rest cannot be written the file
is cut back to the end of the last whole line before anything else is written to it. What the
caller was writing is then still its own to keep and retry.
"""

import errno
import json
import os
import time

from . import _logfiles
from ._errors import RunLensError

FORMAT_VERSION = 2  # 2: artifact and untag events, resumed runs (docs/run-log.md)
# Keeps a second of fast logging from becoming one line of many megabytes for readers to hold.
POINTS_PER_LINE = 10000

_APPEND = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)
_CREATE = _APPEND | os.O_CREAT | os.O_EXCL
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_encode_ascii = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
# The primitives every byte of a log goes through; the fault-injection tests replace them.
_os_write = os.write
_os_ftruncate = os.ftruncate


def write_fully(fd, data, done=0):
    """Writes data[done:] to fd, through as many writes as a disk that fills needs; raises
    OSError (ENOSPC when a write makes no progress) with what was written unknown to the caller
    beyond `done`. Every byte RunLens writes goes through here (or _os_write directly)."""
    view = memoryview(data)
    while done < len(view):
        wrote = _os_write(fd, view[done:])
        if wrote <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done += wrote
    return done


def now_ms():
    return int(time.time() * 1000)


def line(event):
    text = _encode(event)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (say, from a file name decoded with surrogateescape, in argv) have no
        # UTF-8 form; JSON's \u escapes keep them instead of losing the line.
        return (_encode_ascii(event) + "\n").encode("ascii")


def points_line(chunk):
    """The `metrics` line of (key, value, step, seconds) points."""
    return line({
        "e": "metrics",
        "t": now_ms(),
        "points": [[k, v if v - v == 0 else _SPECIAL[repr(v)], s, int(t * 1000)]
                   for k, v, s, t in chunk],
    })


class RunLog:
    def __init__(self, root, run_id, start_seconds, existing_day=None):
        """A new log for run_id; or, with `existing_day`, the launcher's log in that day folder."""
        self._root = root
        self._day = existing_day or time.strftime("%Y-%m-%d", time.gmtime(start_seconds))
        self._name = run_id + ".jsonl"
        self.path = _logfiles.log_path(root, self._day, self._name)
        self._created = existing_day is None
        self._torn = None  # where a line that could not be finished began: cut back to there
        try:
            self._fd = _logfiles.open_log(root, self._day, self._name,
                                          _CREATE if self._created else _APPEND,
                                          make_folders=self._created)
        except FileExistsError:
            raise  # the id is taken, which the caller handles; not a permissions problem
        except _logfiles.LinkRefused as e:
            raise RunLensError(
                "RunLens will not write the run log %s: %s is a symbolic link, and run logs "
                "stay inside the .runlens folder. Remove the link (a .runlens folder kept "
                "elsewhere can be linked as a whole, or named with RUNLENS_DIR)."
                % (self.path, e.filename)) from None
        except OSError as e:
            raise self._unwritable(e) from e
        self._start_size = os.fstat(self._fd).st_size

    @property
    def root(self):
        """The .runlens folder the log is in."""
        return self._root

    @property
    def day(self):
        return self._day

    def _unwritable(self, e):
        return RunLensError(
            "RunLens cannot create the run log %s (%s). Runs are recorded under the .runlens "
            "folder: make it writable, or point RUNLENS_DIR at a writable folder."
            % (self.path, e.strerror or e))

    def write(self, event):
        self._write(line(event))

    def write_points(self, chunk):
        """Writes up to POINTS_PER_LINE buffered (key, value, step, seconds) points as one line."""
        self._write(points_line(chunk))

    @property
    def is_open(self):
        return self._fd >= 0

    def close(self):
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def discard(self):
        """Undoes the log of a run that could not start: a new file is removed, and a launcher's
        log is cut back to what the launcher wrote. Returns whether that worked."""
        try:
            if not self._created and self._fd >= 0:
                _os_ftruncate(self._fd, self._start_size)
        except OSError:
            return False
        finally:
            self.close()
        if self._created:
            return _logfiles.remove_log(self._root, self._day, self._name)
        return True

    def _write(self, data):
        if self._fd < 0:
            raise RunLensError("the run log %s is already closed" % self.path)
        if self._torn is not None:
            _os_ftruncate(self._fd, self._torn)  # raises, and the caller keeps its data
            self._torn = None
        done = _os_write(self._fd, data)
        if done == len(data):
            return
        # A short write: the disk is full, or a signal came. Finish the line, or cut it off.
        self._torn = os.lseek(self._fd, 0, os.SEEK_CUR) - done  # O_APPEND: the end of the file
        try:
            write_fully(self._fd, data, done)
        except OSError:
            try:
                _os_ftruncate(self._fd, self._torn)
                self._torn = None
            except OSError:
                pass  # the next write cuts it back first, or fails without writing
            raise
        self._torn = None
