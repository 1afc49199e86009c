"""The stack of active runs, one for the whole process (not one per thread: a data-loading or
evaluation thread that logs a metric means the run the script is in, as in MLflow), and the runs
still ending. Its own module so that a run can end itself (`with start_run(): ...`) without the
run module importing the fluent API back.
"""

import os
import threading

lock = threading.RLock()  # reentrant: the SIGTERM handler may run while the main thread holds it
stack = []  # active runs, innermost last
last_ended = []  # for MLflow's last_active_run()
closing = []  # ended runs whose end waits for room on the disk (Run._finish)


def end_with_inner(run, status, error):
    """Ends `run` and any run still open inside it, innermost first."""
    with lock:
        if run in stack:
            ending = stack[stack.index(run):]
            del stack[stack.index(run):]
        else:
            ending = [run]
    last_ended[:] = [run]
    for each in reversed(ending):
        if not each._end(status, error):
            with lock:
                closing.append(each)  # kept, and tried again; stderr has said so


def end_all(status, error):
    """At exit: ends every active run, and makes the last try for those still ending."""
    with lock:
        runs = list(stack)
    if runs:
        end_with_inner(runs[0], status, error)
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
        return [run for run in stack + closing if run._pid == pid]


def forked():
    global lock
    lock = threading.RLock()
    del closing[:]  # the parent's to finish
    for run in stack:
        run._forked()


def active_run():
    return stack[-1] if stack else None
