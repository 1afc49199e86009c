"""Writing one run's log (docs/run-log.md).

Each run has its own file and its own writer, and every line goes out in one os.write on a
descriptor opened with O_APPEND: parallel processes cannot interleave bytes, and a reader never
sees half a line unless a process died inside a write.
"""

import json
import os
import time

from . import _logfiles
from ._errors import RunLensError

FORMAT_VERSION = 1
# Keeps a second of fast logging from becoming one line of many megabytes for readers to hold.
POINTS_PER_LINE = 10000

_APPEND = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)
_CREATE = _APPEND | os.O_CREAT | os.O_EXCL
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_encode_ascii = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def now_ms():
    return int(time.time() * 1000)


def line(event):
    text = _encode(event)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (say, from a file name decoded with surrogateescape) have no UTF-8
        # form; JSON's \u escapes keep them instead of losing the line.
        return (_encode_ascii(event) + "\n").encode("ascii")


class RunLog:
    def __init__(self, root, run_id, start_seconds, existing_day=None):
        """A new log for run_id; or, with `existing_day`, the launcher's log in that day folder."""
        day = existing_day or time.strftime("%Y-%m-%d", time.gmtime(start_seconds))
        name = run_id + ".jsonl"
        self.path = _logfiles.log_path(root, day, name)
        try:
            self._fd = _logfiles.open_log(root, day, name, _APPEND if existing_day else _CREATE,
                                          make_folders=existing_day is None)
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

    def _unwritable(self, e):
        return RunLensError(
            "RunLens cannot create the run log %s (%s). Runs are recorded under the .runlens "
            "folder: make it writable, or point RUNLENS_DIR at a writable folder."
            % (self.path, e.strerror or e))

    def write(self, event):
        self._write(line(event))

    def write_points(self, points):
        """Writes buffered (key, value, step, seconds) points; returns how many reached the file."""
        written = 0
        for first in range(0, len(points), POINTS_PER_LINE):
            chunk = points[first:first + POINTS_PER_LINE]
            self._write(line({
                "e": "metrics",
                "t": now_ms(),
                "points": [[k, v if v - v == 0 else _SPECIAL[repr(v)], s, int(t * 1000)]
                           for k, v, s, t in chunk],
            }))
            written += len(chunk)
        return written

    def close(self):
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def _write(self, data):
        if self._fd < 0:
            raise RunLensError("the run log %s is already closed" % self.path)
        done = os.write(self._fd, data)
        while done < len(data):
            # Only after a short write (a full disk, a signal): finish the line rather than
            # leave half of it for the reader to trip over.
            done += os.write(self._fd, data[done:])
