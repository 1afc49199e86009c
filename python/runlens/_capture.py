"""What a run's start line records about the code and the machine that ran it."""

import getpass
import hashlib
import os
import platform
import socket
import subprocess
import sys

GIT_TIMEOUT_S = 2.0
# Scripts larger than this are not copied (RUNLENS_CODE_MAX_BYTES sets another cap).
CODE_MAX_BYTES = 1000000

_script = []  # computed once: the file being run does not change under a running process
_kept = set()  # the contents this process already copied (or found copied)


def script():
    """{"path", "sha256"} of the __main__ file, or None (a notebook, `python -c`, the REPL)."""
    if not _script:
        _script.append(_read_script())
    return _script[0]


def _read_script():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return None
    path = os.path.abspath(path)
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None
    return {"path": path, "sha256": digest}


def keep_code(root):
    """Copies the __main__ script to ROOT/code/<sha256>, once per distinct content.

    What `RunLens: Compare Code` diffs. Skipped when RUNLENS_KEEP_CODE is 0 (the setting
    runlens.pythonClient.keepScriptCopies), for scripts over the size cap, and when the file on
    disk no longer has the content the run recorded. Never fails a run: a copy that cannot be
    written is simply not there.
    """
    found = script()
    if not found or os.environ.get("RUNLENS_KEEP_CODE", "1").strip() == "0":
        return None
    sha = found["sha256"]
    if sha in _kept:
        return None
    _kept.add(sha)
    folder = os.path.join(root, "code")
    target = os.path.join(folder, sha)
    if os.path.exists(target):
        return target
    try:
        cap = int(os.environ.get("RUNLENS_CODE_MAX_BYTES", CODE_MAX_BYTES))
    except ValueError:
        cap = CODE_MAX_BYTES
    temp = None
    try:
        if os.path.getsize(found["path"]) > cap:
            return None
        with open(found["path"], "rb") as f:
            data = f.read(cap + 1)
        if len(data) > cap or hashlib.sha256(data).hexdigest() != sha:
            return None
        os.makedirs(folder, exist_ok=True)
        # Written whole under another name, then renamed: a reader never sees half a copy.
        temp = os.path.join(folder, ".%s.%d.tmp" % (sha, os.getpid()))
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, target)
        return target
    except OSError:
        if temp:
            try:
                os.unlink(temp)
            except OSError:
                pass
        return None


def git(directory):
    """{"commit", "branch", "dirty"} of the repository holding `directory`, or None.

    Asked afresh for each top-level run: a notebook kernel outlives commits. One `git status`
    call answers all three, and a slow or missing git costs at most the timeout.
    """
    env = dict(os.environ)
    # Without this, git status refreshes the index and takes index.lock, which can make the
    # user's own git commands fail while a sweep of many processes is starting.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    commit = branch = None
    dirty = False
    for text in out.stdout.decode("utf-8", "replace").splitlines():
        if text.startswith("# branch.oid "):
            commit = text[len("# branch.oid "):]
        elif text.startswith("# branch.head "):
            branch = text[len("# branch.head "):]
        elif not text.startswith("#"):
            dirty = True
    return {
        "commit": None if commit == "(initial)" else commit,
        "branch": None if branch == "(detached)" else branch,
        "dirty": dirty,
    }


def code_directory():
    found = script()
    return os.path.dirname(found["path"]) if found else os.getcwd()


def process():
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "argv": list(sys.argv),
        "user": user(),
    }


def user():
    """The login name, as MLflow records it in mlflow.user; None when the system has none."""
    try:
        return getpass.getuser()
    except Exception:  # no LOGNAME/USER and no password entry (a container's random uid)
        return None
