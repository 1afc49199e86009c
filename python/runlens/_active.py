"""The stack of active runs, one for the whole process (not one per thread: a data-loading or
evaluation thread that logs a metric means the run the script is in, as in MLflow), and the runs
still ending. Its own module so that a run can end itself (`with start_run(): ...`) without the
run module importing the fluent API back.
"""

import os
import threading

lock = threading.RLock()  # reentrant: the SIGTERM handler may run while the main thread holds it
stack = []  # active runs, innermost last
detached = []  # runs open but not active (MlflowClient.create_run's, runs logged to by id)
last_ended = []  # for MLflow's last_active_run()
closing = []  # ended runs whose end waits for room on the disk (Run._finish)


def end_with_inner(run, status, error, end_ms=None):
    """Ends `run` and any run still open inside it, innermost first; `end_ms` is when it ended,
    if not now (MlflowClient.set_terminated's end_time, a resumed run ended as it was)."""
    with lock:
        if run in detached:
            detached.remove(run)
            ending = [run]
        else:
            last_ended[:] = [run]
            ending = stack[stack.index(run):] if run in stack else [run]
            del stack[len(stack) - len(ending) if run in stack else len(stack):]
    for each in reversed(ending):
        if not each._end(status, error, end_ms if each is run else None):
            with lock:
                closing.append(each)  # kept, and tried again; stderr has said so


def end_all(status, error):
    """At exit: ends every active run, and makes the last try for those still ending."""
    with lock:
        runs = list(stack)
        apart = list(detached)
    if runs:
        end_with_inner(runs[0], status, error)
    for run in apart:
        end_with_inner(run, status, error)
    with lock:
        waiting = list(closing)
        del closing[:]
    for run in waiting:
        run._settle()


def live_runs():
    """This process's runs for the background thread: the active ones, and those still ending."""
    pid = os.getpid()
    with lock:
        closing[:] = [run for run in closing if run._end_line is not None]
        return [run for run in stack + detached + closing if run._pid == pid]


def forked():
    global lock
    lock = threading.RLock()
    del closing[:]  # the parent's to finish
    for run in stack + detached:
        run._forked()


def active_run():
    return stack[-1] if stack else None
