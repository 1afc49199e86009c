"""Runs taken up again by id: MLflow's start_run(run_id=...), and MlflowClient calls that log to
a run this process does not have open (docs/run-log.md, "Resuming").

The run's own log takes the new lines: a `start` line with "resume": true (the run is running
again), then what is logged, then its end. A run log has one writer, so a run that another live
process is logging is refused; an imported MLflow run has no RunLens log and is refused too.
"""

import contextlib
import sys
import time

from . import (_active, _capture, _catalog, _env, _fluent, _lifecycle, _logfiles, _logread,
               _tracking, _uploads)
from ._errors import RunLensError
from ._log import FORMAT_VERSION, RunLog, now_ms
from ._run import Run


def open_here(run_id):
    """The run of this process with that id that is still open (active or not), or None."""
    with _active.lock:
        for run in _active.stack + _active.detached:
            if run.id == run_id and run.status == "running":
                return run
    return None


class Previously:
    """How a resumed run had ended, to end it that way again (MlflowClient logging to it)."""

    def __init__(self, status, end_time, error):
        self.status, self.end_time, self.error = status, end_time, error


def resume(run_id, on_stack):
    """Takes up the ended (or crashed) run run_id; returns (its Run, how it had ended)."""
    root = _env.runlens_dir()
    path = _catalog.find_log(root, run_id)
    if path is None:
        record = _catalog.get(run_id)
        if record is not None:
            raise RunLensError(
                "run %s was imported from %s: RunLens reads it from there and cannot log to it. "
                "Log to a run of your own (start_run)." % (run_id, record.source))
        raise RunLensError("no run %s in %s" % (run_id, root))
    logged = _logread.read(path, run_id, True)
    if logged is None or not logged.started:
        raise RunLensError("the log of run %s (%s) has no start: it cannot be resumed" % (run_id, path))
    status = logged.status(time.time())
    if status == "running":
        raise RunLensError(
            "run %s is being logged by process %s on %s: a run log has one writer. End it "
            "there first (or wait until it ends)." % (run_id, logged.pid, logged.host))
    previously = Previously(status, logged.end_time, logged.error)
    _, day, _ = _logfiles.split(path)
    t = time.time()
    log = RunLog(root, run_id, t, existing_day=day)
    run = Run(run_id, logged.name, logged.experiment or "Default", logged.parent, log,
              (logged.start_time or t * 1000) / 1000.0)
    run.params = dict(logged.params)
    run.tags = dict(logged.tags)
    start = {"e": "start", "t": now_ms(), "v": FORMAT_VERSION, "run": run_id,
             "experiment": run.experiment, "resume": True}
    start.update(_capture.process())
    try:
        log.write(start)
    except OSError as e:
        log.discard()
        raise RunLensError("RunLens could not resume run %s: writing its log %s failed (%s)"
                           % (run_id, path, e.strerror or e)) from e
    server = _tracking.server()
    if server is not None:
        # Its upload goes on from where it stopped: what the resumed run logs, and its new end.
        try:
            _uploads.queue(run, server)
        except RunLensError as e:
            print("runlens: %s; the resumed run is not uploaded" % e, file=sys.stderr)
    _logfiles.touch_folder(root, day)
    with _active.lock:
        (_active.stack if on_stack else _active.detached).append(run)
    _lifecycle.ensure(_fluent.live_runs, _fluent.end_all, _fluent.forked, _fluent.outcome)
    return run, previously


@contextlib.contextmanager
def logging_to(run_id):
    """The run to log to by id: one of this process's, or an ended one taken up for the call and
    ended again as it was (its status and end time), as MLflow lets a client log to any run."""
    run = open_here(run_id)
    if run is not None:
        yield run
        return
    run, previously = resume(run_id, on_stack=False)
    try:
        yield run
    finally:
        if previously.status == "crashed":
            # It never ended: it is left so (seen as crashed again once this process is gone).
            with _active.lock:
                if run in _active.detached:
                    _active.detached.remove(run)
            run.flush()
            run._log.close()
            run.status = "crashed"
        else:
            _active.end_with_inner(run, previously.status, previously.error,
                                   previously.end_time)

