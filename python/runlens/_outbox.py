"""The runs waiting to be uploaded: .runlens/outbox/<run id>.json, one small file per run.

The run log is the record of what was uploaded (its `upload` lines, docs/run-log.md); the outbox
only says which logs to look at, so that an uploader (this client, the extension, `python -m
runlens.upload`) need not read every log, and the extension can count the runs waiting from a
folder listing. A file is added before the run's `queued` line is written and removed after its
`done` (or `stopped`) line, so every run whose log says it waits has one.

Each file is also the run's upload lock: whoever uploads a run holds an exclusive lock on it
(flock; on Windows, a byte range), which the system lets go when the process ends, however it ends.
A run's own process holds it from start_run until its upload is done or the process exits.
"""

import json
import os
import re

OUTBOX = "outbox"
_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.json")
_LOG = re.compile(r"runs/[0-9]{4}-[0-9]{2}-[0-9]{2}/([A-Za-z0-9_-]{1,64})\.jsonl")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class Claimed(OSError):
    """Another process holds the run's upload."""


class Waiting:
    """One run in the outbox: its id, the server it goes to and its log (relative to .runlens)."""

    __slots__ = ("run_id", "server", "log")

    def __init__(self, run_id, server, log):
        self.run_id, self.server, self.log = run_id, server, log

    def __repr__(self):
        return "<runlens waiting upload %s to %s>" % (self.run_id, self.server)


class Claim:
    """The lock on one run's upload. release() lets it go; done() also takes the run off the list."""

    def __init__(self, root, run_id, fd):
        self.root, self.run_id, self._fd = root, run_id, fd

    @property
    def held(self):
        return self._fd >= 0

    def release(self):
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)  # closing lets the lock go, on every platform

    def done(self):
        """Removes the run from the outbox, then lets the lock go (in that order: nobody can take
        the lock of a run that is finished and still listed)."""
        if self._fd >= 0:
            try:
                os.unlink(_path(self.root, self.run_id))
            except OSError:
                pass
        self.release()

    def forget(self):
        """In a child made by fork: the parent holds the lock; the child's copy is closed."""
        self.release()


def folder(root):
    return os.path.join(root, OUTBOX)


def _path(root, run_id):
    return os.path.join(root, OUTBOX, run_id + ".json")


def add(root, run_id, server, log):
    """Lists the run as waiting for `server` and claims it. Returns the Claim; raises OSError."""
    directory = folder(root)
    os.makedirs(directory, exist_ok=True)
    if os.path.islink(directory):
        raise OSError("%s is a symbolic link, which RunLens does not follow" % directory)
    data = json.dumps({"server": server, "log": log}, separators=(",", ":")).encode("utf-8")
    fd = os.open(_path(root, run_id), os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC | _BINARY,
                 0o644)
    try:
        if not _lock(fd):
            raise Claimed("the upload of run %s is claimed by another process" % run_id)
        os.ftruncate(fd, 0)
        os.write(fd, data)
    except BaseException:
        os.close(fd)
        raise
    return Claim(root, run_id, fd)


def claim(root, run_id):
    """The Claim of a run that nobody is uploading, or None (another process holds it, or it is
    no longer listed)."""
    path = _path(root, run_id)
    try:
        fd = os.open(path, os.O_RDWR | _NOFOLLOW | _CLOEXEC | _BINARY)
    except OSError:
        return None
    try:
        if not _lock(fd):
            os.close(fd)
            return None
        # Removed between the open and the lock by the one who finished it: not listed any more.
        if not os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False)):
            os.close(fd)
            return None
    except OSError:
        os.close(fd)
        return None
    return Claim(root, run_id, fd)


def waiting(root):
    """Every run in the outbox, oldest file first, whether or not someone is uploading it."""
    directory = folder(root)
    if os.path.islink(directory):
        return []
    found = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        run_id = match.group(1)
        try:
            with open(entry.path, "rb") as f:
                record = json.loads(f.read(65536).decode("utf-8"))
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except (OSError, ValueError):  # being written, or locked (Windows): listed without detail
            record, mtime = {}, 0.0
        server = record.get("server") if isinstance(record, dict) else None
        log = record.get("log") if isinstance(record, dict) else None
        if not (isinstance(log, str) and _LOG.fullmatch(log) and _LOG.fullmatch(log).group(1) == run_id):
            log = None  # never a path outside runs/, whatever the file says
        found.append((mtime, run_id, Waiting(run_id, server if isinstance(server, str) else None,
                                             log)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found]


def _lock(fd):
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
    # Windows: a lock on one byte far past the end, so that reading the file is never blocked.
    try:
        os.lseek(fd, 1 << 30, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
