"""Where run logs are, .runlens/runs/<day>/<run id>.jsonl, reached without following a link;
and the folders of artifacts, .runlens/artifacts/<run id>/..., reached the same way.

A symbolic link under runs/ (the runs folder, a day folder, a log) would send a writer's lines,
or a reader's attention, outside .runlens/; so neither side follows one (docs/run-log.md,
"Where"). The same holds under artifacts/. The .runlens folder itself may be a link: where it
lives is the user's choice.

Where the platform allows it (Linux, macOS, the BSDs), each folder is opened relative to the one
above it with O_NOFOLLOW, so nothing can swap a folder for a link between a check and its use.
Elsewhere (Windows) each part is checked with lstat before it is used.
"""

import errno
import os
import stat

RUNS = "runs"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_OPEN_DIR = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
# errno of opening a link with O_NOFOLLOW: ELOOP (Linux, macOS), EMLINK (FreeBSD); ENOTDIR when
# O_DIRECTORY is checked first.
_LINK_ERRNOS = (errno.ELOOP, errno.EMLINK, errno.ENOTDIR)
BY_DIR_FD = bool(_NOFOLLOW and _DIRECTORY) and {os.open, os.mkdir, os.unlink, os.stat} <= os.supports_dir_fd


class LinkRefused(OSError):
    """A part of a run log's path under .runlens/runs/ is a symbolic link."""

    def __init__(self, path):
        super().__init__(errno.ELOOP, "a symbolic link, which RunLens does not follow", path)


def log_path(root, day, name):
    return os.path.join(root, RUNS, day, name)


def is_link(path):
    """Whether `path` is a symbolic link (or, on Windows, a junction or other reparse point)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return _is_link_stat(st)


def _is_link_stat(st):
    return stat.S_ISLNK(st.st_mode) or bool(
        getattr(st, "st_file_attributes", 0) & getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0))


def open_log(root, day, name, flags, make_folders=False):
    """The descriptor of runs/<day>/<name> under `root`, opened with `flags` (os.open's).

    Raises LinkRefused when runs/, the day folder or the log is a symbolic link, and OSError
    when it cannot be opened. With make_folders, missing folders are made on the way.
    """
    if not BY_DIR_FD:
        return _open_by_path(root, day, name, flags, make_folders)
    if make_folders:
        os.makedirs(root, exist_ok=True)
    root_fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        runs_fd = _subfolder(root_fd, RUNS, root, make_folders)
    finally:
        os.close(root_fd)
    try:
        day_fd = _subfolder(runs_fd, day, os.path.join(root, RUNS), make_folders)
    finally:
        os.close(runs_fd)
    try:
        return os.open(name, flags | _NOFOLLOW | _CLOEXEC, 0o644, dir_fd=day_fd)
    except OSError as e:
        if e.errno in _LINK_ERRNOS and _is_link_at(day_fd, name):
            raise LinkRefused(log_path(root, day, name)) from None
        raise
    finally:
        os.close(day_fd)


def folder_fd(root, parts, make_folders=False):
    """A descriptor of the folder root/parts[0]/parts[1]/..., reached without following a link
    (LinkRefused names the part that is one); with make_folders, missing ones are made.

    Where the platform cannot open folders relative to each other, None is returned after each
    part was checked with lstat: the caller then works with the path.
    """
    if make_folders and not os.path.isdir(root):
        os.makedirs(root, exist_ok=True)
    if not BY_DIR_FD:
        path = root
        for part in parts:
            path = os.path.join(path, part)
            if make_folders:
                try:
                    os.mkdir(path)
                except FileExistsError:
                    pass
            if is_link(path):
                raise LinkRefused(path)
            if not os.path.isdir(path):
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
        return None
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    path = root
    try:
        for part in parts:
            try:  # the folder is usually there: open it first, make it only when it is not
                inner = _subfolder(fd, part, path, False)
            except FileNotFoundError:
                if not make_folders:
                    raise
                inner = _subfolder(fd, part, path, True)
            os.close(fd)
            fd = inner
            path = os.path.join(path, part)
    except BaseException:
        os.close(fd)
        raise
    return fd


def touch_folder(root, day):
    """Moves the mtime of runs/<day>/ (an entry made and removed in it), which is how readers
    notice that an ended log there grew again: a resumed run (docs/run-log.md, "Resuming")."""
    name = ".resumed-%d" % os.getpid()
    try:
        if BY_DIR_FD:
            fd = folder_fd(root, [RUNS, day])
            try:
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644,
                                 dir_fd=fd))
                os.unlink(name, dir_fd=fd)
            finally:
                os.close(fd)
        else:
            path = os.path.join(root, RUNS, day, name)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | _BINARY, 0o644))
            os.unlink(path)
    except OSError:
        pass  # then readers notice the resumed run with the folder's next change


def remove_log(root, day, name):
    """Deletes runs/<day>/<name>, never what a link points to; False if it could not."""
    try:
        if BY_DIR_FD:
            fd = os.open(os.path.join(root, RUNS), _OPEN_DIR)
            try:
                day_fd = os.open(day, _OPEN_DIR, dir_fd=fd)
            finally:
                os.close(fd)
            try:
                os.unlink(name, dir_fd=day_fd)  # unlink removes a link itself, not its target
            finally:
                os.close(day_fd)
        else:
            _check_folders(root, day, False)
            os.unlink(log_path(root, day, name))
    except OSError:
        return False
    return True


def _subfolder(parent_fd, name, parent_path, make):
    if make:
        try:
            os.mkdir(name, 0o777, dir_fd=parent_fd)
        except FileExistsError:
            pass
    try:
        return os.open(name, _OPEN_DIR, dir_fd=parent_fd)
    except OSError as e:
        if e.errno in _LINK_ERRNOS and _is_link_at(parent_fd, name):
            raise LinkRefused(os.path.join(parent_path, name)) from None
        raise


def _is_link_at(dir_fd, name):
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _check_folders(root, day, make):
    for folder in (os.path.join(root, RUNS), os.path.join(root, RUNS, day)):
        if make:
            try:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass  # a link to a file, say: refused just below
        if is_link(folder):
            raise LinkRefused(folder)


def _open_by_path(root, day, name, flags, make):
    _check_folders(root, day, make)
    path = log_path(root, day, name)
    if is_link(path):
        raise LinkRefused(path)
    return os.open(path, flags | _NOFOLLOW | _CLOEXEC | _BINARY, 0o644)


def split(path):
    """(root, day, name) of a path root/runs/<day>/<name>, as the code in this package builds them."""
    folder, name = os.path.split(path)
    runs, day = os.path.split(folder)
    return os.path.dirname(runs), day, name


def read_bytes(path, offset, limit):
    """Up to `limit` bytes of the log at `path` from `offset`, read without following a link."""
    fd = open_log(*split(path), os.O_RDONLY | _BINARY)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, limit)
    finally:
        os.close(fd)
