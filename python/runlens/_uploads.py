"""This process's uploads: a background thread sends its runs to the tracking server as their logs
grow, and takes over the runs that other processes left waiting for the same server.

log_metric never waits for the network: the point goes to the run log as always (the flush
thread), and this thread reads the log and sends it. A server that is down, slow or refusing
credentials costs time, never data: the thread tries again (1 s, then longer, up to 30 s) and says
so once on stderr. At exit the process waits up to RUNLENS_UPLOAD_EXIT_WAIT_S (30 s) while the
server answers; what is still not uploaded stays in the outbox for the next runlens process, the
extension, or `python -m runlens.upload`.
"""

import os
import sys
import threading
import time

from . import _lifecycle, _outbox
from ._log import now_ms
from ._rest import Client, ServerError
from ._upload import Uploader, parent_server_id
from ._uploadlog import RunUpload, Waiting

PASS_S = 0.5  # between passes while nothing is waiting to be sent
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
AUTH_WAIT_S = 30.0  # credentials do not come back by themselves any faster
OTHERS_EVERY_S = 30.0  # how often the outbox is looked at for runs of processes that are gone
EXIT_WAIT_S = 30.0
BATCHES_PER_PASS = 20  # per run, so one long run does not hold the others up

_lock = threading.Lock()
_own = []  # this process's runs being uploaded: [Upload, ...] in start order
_others = {}  # run id -> Upload of a run another process left waiting
_servers = {}  # server uri -> _Server
_thread = []  # [thread, wake event, stop event]
_said = set()


class Upload:
    """A run this process uploads: what its log says (RunUpload), its claim, its Run if ours."""

    __slots__ = ("log", "claim", "run", "server", "released")

    def __init__(self, log, claim, run, server):
        self.log, self.claim, self.run, self.server = log, claim, run, server
        self.released = False  # its claim let go while the server is down (_let_go_while_down)

    @property
    def finished(self):
        return self.log.done or self.log.stopped is not None


class _Server:
    """One server's uploader and whether it answers."""

    def __init__(self, server):
        self.server = server
        self.uploader = Uploader(Client(server), say)
        self.failures = 0
        self.retry_at = 0.0
        self.down = None  # why, while it does not answer
        self.roots = set()
        self.others_at = 0.0


def say(message, once=None):
    key = once if once is not None else message
    if key in _said:
        return
    _said.add(key)
    print("runlens: %s" % message, file=sys.stderr)


def queue(run, server):
    """Uploads `run` (just started, or taken up again: its start line written) to `server`.
    Raises RunLensError when its log cannot say so, like any other line of a starting run."""
    root, day, name = _split(run.log_path)
    claim = None
    try:
        claim = _outbox.add(root, run.id, server.uri, "runs/%s/%s" % (day, name))
    except _outbox.Claimed:
        # A resumed run whose earlier upload another process is finishing: that process reads
        # the log on, the lines of the resumed run too, and ends the upload at its new end.
        return
    except OSError as e:
        say("run %s cannot be listed in %s (%s): this process uploads it, and nothing else will "
            "if it stops first" % (run.id, _outbox.folder(root), getattr(e, "strerror", None) or e))
    try:
        run._write({"e": "upload", "t": now_ms(), "server": server.uri, "step": "queued"},
                   "upload")
    except BaseException:
        if claim is not None:
            claim.done()
        raise
    log = RunUpload(root, run.id, day, server.uri)
    log.writer = run._note_upload
    with _lock:
        entry = _servers.get(server.uri)
        if entry is None:
            entry = _servers[server.uri] = _Server(server)
        entry.roots.add(root)
        _own.append(Upload(log, claim, run, entry))
    _ensure_thread()


def wait(timeout=None):
    """Waits until this process's runs are on their server; True if they all are (see wait_for_upload)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            pending = [up for up in _own if not up.finished]
        if not pending:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if not _thread or not _thread[0][0].is_alive():
            _ensure_thread()
        _thread[0][1].set()
        time.sleep(0.02)


def pending_runs():
    with _lock:
        return [up.log.run_id for up in _own if not up.finished]


def _ensure_thread():
    with _lock:
        if _thread and _thread[0][0].is_alive() and _thread[0][3] == os.getpid():
            return
        wake, stop = threading.Event(), threading.Event()
        thread = threading.Thread(target=_loop, args=(wake, stop), name="runlens-upload",
                                  daemon=True)
        del _thread[:]
        _thread.append((thread, wake, stop, os.getpid()))
    _lifecycle.at_exit(_at_exit)
    thread.start()


def _loop(wake, stop):
    while not stop.is_set():
        more = False
        try:
            more = _pass()
        except Exception as e:  # a bug: say it once, and stay alive for the runs' sake
            say("uploading failed unexpectedly (%s: %s); retried every %.1f s"
                % (type(e).__name__, e, PASS_S), "bug")
        if not more:
            wake.wait(PASS_S)
        wake.clear()


def _pass():
    """One visit of every run; True when some run has more to send right now."""
    more = False
    now = time.monotonic()
    with _lock:
        servers = list(_servers.values())
    for entry in servers:
        if now < entry.retry_at:
            with _lock:
                mine = [up for up in _own if up.server is entry and not up.released]
            for up in mine:
                _let_go_while_down(up)
            continue
        try:
            with _lock:
                mine = [up for up in _own if up.server is entry]
            for up in mine:
                # Ours: never taken for crashed while it runs (a resumed run left crashed may be).
                more |= _advance(entry, up, live=up.run.status == "running")
            if now >= entry.others_at:
                entry.others_at = now + OTHERS_EVERY_S
                _take_over(entry)
            with _lock:
                theirs = [up for up in _others.values() if up.server is entry]
            for up in theirs:
                more |= _advance(entry, up, live=False)
        except ServerError as e:
            _down(entry, e)
    return more


def _advance(entry, up, live):
    if up.released and not _claim_again(up):
        return False
    try:
        more = entry.uploader.advance(up.log, live=live, batches=BATCHES_PER_PASS,
                                      parent_of=lambda parent: _parent_id(entry, up, parent))
    except Waiting:
        return False
    except ServerError:
        _let_go_while_down(up)
        raise
    if entry.down is not None:
        say("%s answers again; uploading" % entry.server.uri, ("up", entry.server.uri, time.time()))
        _said.discard(("down", entry.server.uri))
    entry.down, entry.failures = None, 0
    if up.finished:
        _done(up)
    return more


def _let_go_while_down(up):
    """A run that has ended need not be held while its server is down: its claim (an open file)
    is let go, so a sweep of many runs holds few files, and taken again at the next try."""
    if up.run is not None and (up.run.status == "running" or up.run._end_line is not None):
        return  # its process is still writing it: nobody else may take it
    if up.claim is not None:
        up.claim.release()
        up.claim, up.released = None, True
    if up.run is None:  # another process's run: taken over again from the outbox, later
        with _lock:
            _others.pop(up.log.run_id, None)
        up.log.close()


def _claim_again(up):
    """Takes the claim of an ended run of ours back before trying it again; False when another
    process has it now (or finished it: its log says so), which then uploads it."""
    claim = _outbox.claim(up.log.root, up.log.run_id)
    if claim is None:
        with _lock:
            if up in _own:
                _own.remove(up)
        up.log.close()
        return False
    up.claim, up.released = claim, False
    up.log.close()
    up.log = RunUpload(up.log.root, up.log.run_id, up.log.day, up.log.server_uri)  # read afresh
    return True


def _done(up):
    with _lock:
        if up in _own:
            _own.remove(up)
        _others.pop(up.log.run_id, None)
    if up.claim is not None:
        up.claim.done()
    up.log.close()


def _down(entry, error):
    entry.failures += 1
    wait_s = AUTH_WAIT_S if error.kind == "auth" else \
        BACKOFF_S[min(entry.failures, len(BACKOFF_S)) - 1]
    entry.retry_at = time.monotonic() + wait_s
    entry.down = error.message
    with _lock:
        waiting = sum(1 for up in _own if up.server is entry) + \
            sum(1 for up in _others.values() if up.server is entry)
    say("%s; %d run%s kept in .runlens for it, uploaded when it answers (tried again in %d s, "
        "and by the next runlens process, VS Code, or python -m runlens.upload)"
        % (error.message, waiting, "" if waiting == 1 else "s", wait_s), ("down", entry.server.uri))


def _take_over(entry):
    """Claims the runs of this server that other processes left waiting in the outbox."""
    with _lock:
        mine = {up.log.run_id for up in _own} | set(_others)
    for root in list(entry.roots):
        for waiting in _outbox.waiting(root):
            if waiting.server != entry.server.uri or waiting.run_id in mine or not waiting.log:
                continue
            claim = _outbox.claim(root, waiting.run_id)
            if claim is None:
                continue  # its own process, or another uploader, has it
            day = waiting.log.split("/")[1]
            up = Upload(RunUpload(root, waiting.run_id, day, entry.server.uri), claim, None, entry)
            with _lock:
                _others[waiting.run_id] = up


def _parent_id(entry, child, parent):
    with _lock:
        known = [up.log for up in _own + list(_others.values()) if up.server is entry]
    return parent_server_id(child.log.root, parent, entry.server.uri, known)


def _at_exit():
    """After the runs have ended (their end lines written): waits for them to reach the server."""
    pending = pending_runs()
    if not pending:
        return
    limit = float(os.environ.get("RUNLENS_UPLOAD_EXIT_WAIT_S") or EXIT_WAIT_S)
    deadline = time.monotonic() + limit
    while pending and time.monotonic() < deadline:
        with _lock:
            down = [up for up in _own if not up.finished and up.server.down is not None]
        if down and len(down) == len(pending):
            break
        if _thread:
            _thread[0][1].set()
        time.sleep(0.02)
        pending = pending_runs()
    if pending:
        with _lock:
            servers = sorted({up.server.server.uri for up in _own if not up.finished})
        say("%d run%s not uploaded to %s yet; kept in .runlens, to be uploaded by the next runlens "
            "process, VS Code, or python -m runlens.upload"
            % (len(pending), " is" if len(pending) == 1 else "s are", ", ".join(servers)))


def _after_fork_in_child():
    global _lock
    _lock = threading.Lock()
    # The parent uploads its runs; the child's copies of their claims are closed (the parent
    # still holds each lock), and the child starts its own thread when it starts a run.
    for up in _own + list(_others.values()):
        if up.claim is not None:
            up.claim.forget()
    del _own[:]
    _others.clear()
    _servers.clear()
    del _thread[:]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _split(path):
    folder, name = os.path.split(path)
    runs, day = os.path.split(folder)
    return os.path.dirname(runs), day, name
