"""Run logs the extension's launcher made (docs/run-log.md, "Launched runs").

The launcher writes a run's first lines before it starts the process, with the id it passes as
RUNLENS_RUN_ID, so the run shows at once. The process's first top-level run appends to that log
instead of making its own; a log with that id that is not waiting for a process (it has ended, or
a process already took it) is left alone, and the run gets a new id.
"""

import os
import stat

from . import _logfiles, _logline, _logread


def existing_log_day(root, run_id):
    """The day folder holding a log of run_id, or None. Links are not followed (_logfiles)."""
    for day in reversed(_logread.days(root)):  # a launch is usually today's
        try:
            st = os.lstat(_logfiles.log_path(root, day, run_id + ".jsonl"))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return day
    return None


def waiting_for_process(root, day, run_id):
    """Whether the log is a launcher's, with no process's start or end in it yet."""
    try:
        fd = _logfiles.open_log(root, day, run_id + ".jsonl", os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            data = f.read(1 << 20)  # a launcher's lines are a few hundred bytes and heartbeats
    except OSError:
        return False
    # The last piece has no newline yet (or is empty): only whole lines count.
    lines = [raw for raw in data.split(b"\n")[:-1] if raw.strip()]
    if not lines:
        return False
    for number, raw in enumerate(lines):
        try:
            event = _logline.loads(raw.decode("utf-8"))
        except ValueError:
            return False
        kind = event.get("e") if isinstance(event, dict) else None
        if number == 0 and not (kind == "start" and event.get("launcher")
                                and event.get("run") == run_id):
            return False
        if kind == "end" or (kind == "start" and number > 0):
            return False
    return True
