"""What keeps the record true however the process ends.

A background thread flushes buffered metrics (at least once a second) and writes heartbeats, and
retries what a full disk refused (points, and the end of a run that has ended); atexit ends runs a
normal exit leaves open and makes the last try for ends still waiting; a SIGTERM handler does the
same, with the runs as killed, before the process dies the conventional way; an uncaught exception
reaches atexit through sys.excepthook. After a fork, the child does not touch what the parent
buffered.
"""

import atexit
import os
import signal
import sys
import threading
import time

FLUSH_S = 0.5
HEARTBEAT_S = 5.0

_hooks = {}  # given by _fluent, which imports this module
_after_exit = []  # called at exit once the runs have ended (the uploads wait there)
_flusher = []  # (thread, stop event, pid) of the running background thread
_state = {"terminated": False, "uncaught": None, "sigterm_installed": False,
          "previous_sigterm": None, "in_sigterm": False, "warned": False}


def terminated():
    return _state["terminated"]


def ensure(live_runs, end_all, forked, outcome):
    """Called at every start_run: the first call installs the hooks, later ones repair them.

    live_runs() lists this process's active runs; end_all(status, error) ends them;
    forked() resets them in a child; outcome(exc_type, exc, tb) gives (status, error).
    """
    if not _hooks:
        _hooks.update(live_runs=live_runs, end_all=end_all, forked=forked, outcome=outcome)
        atexit.register(_at_exit)
        _state["previous_excepthook"] = sys.excepthook
        sys.excepthook = _excepthook
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
    if not _state["sigterm_installed"]:
        _install_sigterm()
    if not _flusher or not _flusher[0][0].is_alive():
        stop = threading.Event()
        thread = threading.Thread(target=_flush_loop, args=(stop,), name="runlens-flush",
                                  daemon=True)
        del _flusher[:]
        _flusher.append((thread, stop))
        thread.start()


def at_exit(fn):
    """Calls fn() at exit after every run has ended (a normal exit, not SIGTERM's)."""
    if fn not in _after_exit:
        _after_exit.append(fn)


def _flush_loop(stop):
    while not stop.wait(FLUSH_S):
        now = time.monotonic()
        for run in _hooks["live_runs"]():
            try:
                run._tick(now)
            except Exception as e:  # a bug, not a full disk (the run reports that): stay alive
                if not _state["warned"]:
                    _state["warned"] = True
                    print("runlens: %s (kept in memory, retried every %.1f s)" % (e, FLUSH_S),
                          file=sys.stderr)


def _install_sigterm():
    # Only the main thread may set handlers; a run started elsewhere tries again next time.
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
        if previous is signal.SIG_IGN:
            _state["sigterm_installed"] = True  # the user chose to ignore SIGTERM: so do we
            return
        _state["previous_sigterm"] = previous
        signal.signal(signal.SIGTERM, _on_sigterm)
        _state["sigterm_installed"] = True
    except (ValueError, OSError, AttributeError):
        pass  # not the main interpreter, or a platform without SIGTERM


def _on_sigterm(signum, frame):
    _state["terminated"] = True
    previous = _state["previous_sigterm"]
    if callable(previous) and not _state["in_sigterm"]:
        # The user's handler decides what happens next. If it raises (SystemExit, say), the
        # `with` blocks end their runs; if it lets the script wind down, they end then. Either
        # way as killed: the run did not do all it set out to do.
        _state["in_sigterm"] = True
        try:
            previous(signum, frame)
        finally:
            _state["in_sigterm"] = False
        return
    _hooks["end_all"]("killed", None)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _excepthook(exc_type, exc, tb):
    _state["uncaught"] = (exc_type, exc, tb)
    _state["previous_excepthook"](exc_type, exc, tb)


def _at_exit():
    uncaught = _state["uncaught"] or (None, None, None)
    try:
        _hooks["end_all"](*_hooks["outcome"](*uncaught))
    except Exception as e:
        print("runlens: %s" % e, file=sys.stderr)
    for _, stop in _flusher:
        stop.set()
    for fn in _after_exit:
        try:
            fn()
        except Exception as e:
            print("runlens: %s" % e, file=sys.stderr)


def _after_fork_in_child():
    # Threads do not survive fork and a lock may have been held by one that did not.
    del _flusher[:]
    _hooks["forked"]()
