"""Artifacts: files a run keeps, copied to .runlens/artifacts/<run id>/<artifact path> and
recorded by an `artifact` line in the run's log (docs/run-log.md, "Artifacts").

A copy streams through one buffer (a 1 GB model costs a megabyte of memory, not a gigabyte),
hashing as it goes, into a hidden temporary file beside its destination. The `artifact` line is
written next, then the file is renamed into place. A copy that fails (a full disk, a source that
vanished) leaves no file and no line; a line that cannot be written leaves no file either, and
an earlier version of the same path stays as it was.

Nothing under artifacts/ is reached through a symbolic link (as under runs/, see _logfiles), and
no source that is one is copied: a link could stand for anything, and the copy would not be what
the user looked at.
"""

import errno
import hashlib
import mimetypes
import os
import stat
import uuid

from . import _log, _logfiles, _logline
from ._errors import RunLensError
from ._log import now_ms

ARTIFACTS = "artifacts"
CHUNK = 1 << 20
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_TEMP_PREFIX = ".runlens-part-"

# The media types readers decide previews by; the rest from Python's own table (not the
# system's mime.types, which differs from machine to machine).
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".bmp": "image/bmp",
    ".csv": "text/csv", ".tsv": "text/tab-separated-values", ".txt": "text/plain",
    ".log": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
    ".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml",
    ".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf",
    ".pkl": "application/octet-stream", ".pickle": "application/octet-stream",
    ".py": "text/x-python",
}
_TABLE = []  # Python's own table, made on first use (making it reads the system's, ~10 ms)


def media_type(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in MEDIA_TYPES:
        return MEDIA_TYPES[ext]
    if not _TABLE:
        _TABLE.append(mimetypes.MimeTypes())
    return _TABLE[0].guess_type("x" + ext, strict=False)[0] or "application/octet-stream"


def check_path(path):
    """An artifact path as recorded: relative, '/'-separated, inside the run's folder.

    The rule every reader keeps too (docs/run-log.md, "Artifacts"): no empty, '.' or '..'
    segment, no backslash and no NUL, at most 1,024 characters. Raises ValueError naming what
    is wrong.
    """
    if not isinstance(path, str):
        raise TypeError("an artifact path is a string, not %s (%r)" % (type(path).__name__, path))
    why = _logline.artifact_path_problem(path)
    if why:
        raise ValueError("artifact path %r %s: artifacts stay inside the run's folder "
                         "(.runlens/artifacts/<run id>/), so a path is relative, with '/' "
                         "between folders and no '..'" % (path, why))
    return path


def join(artifact_path, name):
    """MLflow's `artifact_path` (a folder, or None) and a file name, as one artifact path."""
    if artifact_path in (None, "", "."):
        return check_path(name)
    if not isinstance(artifact_path, str):
        raise TypeError("artifact_path is a string, not %s" % type(artifact_path).__name__)
    return check_path(artifact_path.strip("/") + "/" + name) if artifact_path.strip("/") \
        else check_path(name)


def folder(root, run_id):
    return os.path.join(root, ARTIFACTS, run_id)


def uri(root, run_id):
    """The run's artifact folder as a file: URI (MLflow's `artifact_uri`)."""
    from pathlib import Path  # noqa: PLC0415 (pathlib costs a few ms at import; rarely needed)
    return Path(os.path.abspath(folder(root, run_id))).as_uri()


def source_file(local_path):
    """(path, size) of a file the user asks to log; a clear error for anything else."""
    path = os.fspath(local_path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "RunLens cannot log the artifact %r: there is no "
                                "such file" % path, path) from None
    if stat.S_ISLNK(st.st_mode):
        raise RunLensError(
            "RunLens does not log %s: it is a symbolic link, and RunLens copies files, not "
            "links. Log the file it points to (%s)." % (path, os.path.realpath(path)))
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "%r is a folder: log a folder with "
                                "log_artifacts()" % path, path)
    if not stat.S_ISREG(st.st_mode):
        raise RunLensError("RunLens logs regular files; %s is not one" % path)
    return path, st.st_size


def folder_files(local_dir):
    """[(file path, path relative to local_dir with '/')] of every file under local_dir, sorted.

    Checked whole before anything is copied: a link or another special file anywhere in it is
    an error naming it, and nothing is copied.
    """
    top = os.fspath(local_dir)
    try:
        st = os.lstat(top)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "RunLens cannot log the folder %r: there is no "
                                "such folder" % top, top) from None
    if stat.S_ISLNK(st.st_mode):
        raise RunLensError("RunLens does not log %s: it is a symbolic link; log the folder it "
                           "points to (%s)" % (top, os.path.realpath(top)))
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "%r is not a folder: log a file with "
                                 "log_artifact()" % top, top)
    found = []

    def walk(path, prefix):
        with os.scandir(path) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
        for entry in listed:
            rel = prefix + entry.name
            if entry.is_symlink():
                raise RunLensError(
                    "RunLens does not log the folder %s: %s in it is a symbolic link, and "
                    "RunLens copies files, not links. Nothing was logged." % (top, entry.path))
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, rel + "/")
            elif entry.is_file(follow_symlinks=False):
                found.append((entry.path, rel))
            else:
                raise RunLensError("RunLens does not log the folder %s: %s in it is not a "
                                   "regular file. Nothing was logged." % (top, entry.path))

    walk(top, "")
    return found


class Stored:
    """What an `artifact` line records: path, size, sha256 and media type."""

    __slots__ = ("path", "size", "sha256", "media_type")

    def __init__(self, path, size, sha256, media):
        self.path, self.size, self.sha256, self.media_type = path, size, sha256, media

    def event(self):
        return {"e": "artifact", "t": now_ms(), "path": self.path, "size": self.size,
                "sha256": self.sha256, "media_type": self.media_type}

    def __repr__(self):
        return "<artifact %s %d bytes>" % (self.path, self.size)


def store(root, run_id, path, read, record):
    """Copies what `read(buffer) -> count` gives (until 0) to the run's artifact `path`.

    `record(Stored)` writes the artifact line; it runs after the bytes are safely in a
    temporary file and before that file takes its place. Whatever fails, nothing half-written
    is left: no temporary file, and no line for a file that is not there.
    """
    parts = check_path(path).split("/")
    where = os.path.join(folder(root, run_id), *parts)
    try:
        dir_fd = _logfiles.folder_fd(root, [ARTIFACTS, run_id] + parts[:-1], make_folders=True)
    except _logfiles.LinkRefused as e:
        raise RunLensError(
            "RunLens will not write the artifact %s: %s is a symbolic link, and artifacts stay "
            "inside the .runlens folder. Remove the link." % (where, e.filename)) from None
    except OSError as e:
        raise _unwritable(where, e) from e
    folder_path = os.path.dirname(where)
    temp = _TEMP_PREFIX + uuid.uuid4().hex
    made = False
    try:
        if _is_folder(dir_fd, folder_path, parts[-1]):
            raise _unwritable(where, OSError(errno.EISDIR, os.strerror(errno.EISDIR)))
        fd = _open_new(dir_fd, folder_path, temp)
        made = True
        try:
            size, digest = _copy(read, fd)
        finally:
            os.close(fd)
        stored = Stored(path, size, digest, media_type(path))
        record(stored)
        _rename(dir_fd, folder_path, temp, parts[-1])
        made = False
        return stored
    except OSError as e:
        raise _unwritable(where, e) from e
    finally:
        if made:
            _remove(dir_fd, folder_path, temp)
        if dir_fd is not None:
            os.close(dir_fd)


def store_file(root, run_id, path, source, record):
    """Copies the file `source` (checked by source_file) to the run's artifact `path`."""
    fd = os.open(source, os.O_RDONLY | _BINARY | _NOFOLLOW | _CLOEXEC)
    with open(fd, "rb", buffering=0) as f:
        return store(root, run_id, path, f.readinto, record)


def open_stored(root, run_id, path):
    """The run's artifact file at `path`, open for reading (binary, unbuffered), reached without
    following a symbolic link; FileNotFoundError when it is not there, LinkRefused for a link on
    the way."""
    parts = check_path(path).split("/")
    dir_fd = _logfiles.folder_fd(root, [ARTIFACTS, run_id] + parts[:-1])
    flags = os.O_RDONLY | _BINARY | _NOFOLLOW | _CLOEXEC
    try:
        if dir_fd is None:
            where = os.path.join(folder(root, run_id), *parts)
            if _logfiles.is_link(where):
                raise _logfiles.LinkRefused(where)
            fd = os.open(where, flags)
        else:
            fd = os.open(parts[-1], flags, dir_fd=dir_fd)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)
    return open(fd, "rb", buffering=0)


def bytes_reader(data):
    """A `read` for store() over bytes in memory."""
    view = memoryview(data)
    position = [0]

    def read(buf):
        n = min(len(buf), len(view) - position[0])
        buf[:n] = view[position[0]:position[0] + n]
        position[0] += n
        return n
    return read


def _is_folder(dir_fd, folder_path, name):
    try:
        if dir_fd is None:
            st = os.lstat(os.path.join(folder_path, name))
        else:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(st.st_mode)


def _copy(read, fd):
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    digest = hashlib.sha256()
    size = 0
    while True:
        n = read(buf)
        if not n:
            return size, digest.hexdigest()
        chunk = view[:n]
        digest.update(chunk)
        _log.write_fully(fd, chunk)
        size += n


def _open_new(dir_fd, folder_path, name):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY | _NOFOLLOW | _CLOEXEC
    if dir_fd is None:
        return os.open(os.path.join(folder_path, name), flags, 0o644)
    return os.open(name, flags, 0o644, dir_fd=dir_fd)


def _rename(dir_fd, folder_path, temp, name):
    if dir_fd is None:
        os.replace(os.path.join(folder_path, temp), os.path.join(folder_path, name))
    else:
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def _remove(dir_fd, folder_path, temp):
    try:
        if dir_fd is None:
            os.unlink(os.path.join(folder_path, temp))
        else:
            os.unlink(temp, dir_fd=dir_fd)
    except OSError:
        pass


def _unwritable(where, e):
    if getattr(e, "errno", None) == errno.ENOSPC:
        why = "the disk is full"
    elif getattr(e, "errno", None) == errno.EISDIR:
        why = "a folder of that name is there"
    else:
        why = getattr(e, "strerror", None) or str(e)
    return RunLensError("RunLens could not write the artifact %s (%s); nothing was logged"
                        % (where, why))
