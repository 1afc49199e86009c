"""Uploads the runs of a .runlens folder that wait for a tracking server, now.

    python -m runlens.upload [--server URI] [--status] [--json] [--scan] [--wait SECONDS]

The runs a client logged while the server was down, or whose process died before its upload
finished, wait in .runlens/outbox/. This takes them over where their logs say they stopped (the
same code as the client's background thread: python/runlens/_upload.py), one run at a time, each
under its lock, so a run is never uploaded by two processes at once. The extension runs it for
"RunLens: Upload Pending Runs" and in the background, and `runlens sync` does too.

Only runs queued for the server named here are uploaded: --server, else RUNLENS_TRACKING_URI or
MLFLOW_TRACKING_URI. Credentials come from MLflow's variables and go only to that server.

--status   say what waits (for every server) and change nothing
--scan     first list again, in .runlens/outbox, every ended run whose log says it waits (the
           outbox is an index of the logs: this rebuilds it)
--json     one JSON object a line on stdout: {"run", "server", "state", "message", "problem",
           "note"} per run (state: "done", "stopped", "waiting", "busy"; problem, for a run that
           waits on the server: "auth" when it refuses the credentials, else "unreachable"; note:
           why its artifacts were not uploaded, when the server keeps none), then
           {"summary": {...}} (with "points", "files" and "bytes" sent)
--wait S   how long to wait for a run whose process just died to be taken for crashed (5 s of
           quiet in its log, docs/run-log.md), and between tries while it waits (default 15)

Exit status: 0 when nothing waits for that server any more; 1 when some runs still wait (the
server is down, refuses the credentials, or another process is uploading them); 2 on a usage error.
"""

import argparse
import json
import sys
import time

from . import _env, _logfiles, _logread, _outbox, _tracking
from ._rest import Client, ServerError
from ._upload import Uploader, parent_server_id
from ._uploadlog import QUIET_S, RunUpload, Waiting


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m runlens.upload",
                                     description="Uploads the runs waiting for a tracking server.")
    parser.add_argument("--server", help="the tracking server (default: RUNLENS_TRACKING_URI, "
                                         "else MLFLOW_TRACKING_URI)")
    parser.add_argument("--status", action="store_true", help="say what waits; change nothing")
    parser.add_argument("--json", action="store_true", help="JSON lines on stdout")
    parser.add_argument("--scan", action="store_true", help="list waiting runs again from the logs")
    parser.add_argument("--wait", type=float, default=15.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    root = _env.runlens_dir()
    out = _Output(args.json)
    if args.scan:
        out.say("%d run%s listed again in %s" % (_plural(_rescan(root)) + (_outbox.folder(root),)))
    waiting = _outbox.waiting(root)
    if args.status:
        for w in waiting:
            out.run(w.run_id, w.server, "waiting", None)
        out.summary(waiting=len(waiting), folder=root)
        return 0
    if args.server is not None:
        if not _tracking.is_server_uri(args.server):
            parser.error("--server must be an http(s) URI, not %r" % args.server)
        _tracking.set_tracking_uri(args.server)
    server = _tracking.server()
    if server is None:
        out.say("no tracking server named (--server, RUNLENS_TRACKING_URI or MLFLOW_TRACKING_URI)"
                "; %d run%s wait in %s" % (len(waiting), "" if len(waiting) == 1 else "s",
                                          _outbox.folder(root)))
        out.summary(waiting=len(waiting), folder=root)
        return 2
    return _upload_all(root, server, [w for w in waiting if w.server == server.uri and w.log],
                       args.wait, out)


def _upload_all(root, server, waiting, wait_s, out):
    uploader = Uploader(Client(server), out.note)
    taken = {}  # run id -> (RunUpload, Claim): kept across passes, so a run's stillness is timed
    results = {}
    notes = {}  # run id -> why its artifacts stay here (the server keeps none)
    left = list(waiting)  # oldest first: a parent before its children
    deadline = time.monotonic() + wait_s
    failure = None
    try:
        while left and failure is None:
            later = []
            for w in left:
                state, why = _upload_one(root, server, w, uploader, taken, notes)
                if state == "later":
                    later.append((w, why))
                elif isinstance(why, ServerError):
                    failure = why
                    break
                else:
                    results[w.run_id] = (state, why)
            left = [w for w, _ in later]
            if left and failure is None:
                if time.monotonic() < deadline:
                    time.sleep(min(1.0, deadline - time.monotonic()))
                else:
                    results.update((w.run_id, ("waiting", why)) for w, why in later)
                    left = []
    finally:
        for up, claim in taken.values():
            claim.release()
            up.close()
    if failure is not None:
        out.say("%s; the runs wait, kept in .runlens" % failure.message)
    counts = {"done": 0, "stopped": 0, "waiting": 0, "busy": 0}
    for w in waiting:
        state, why = results.get(w.run_id, ("waiting", failure.message if failure else None))
        counts[state] += 1
        out.run(w.run_id, server.uri, state, why,
                failure.kind if failure is not None and w.run_id not in results else None,
                notes.get(w.run_id))
    out.summary(server=server.uri, folder=root, points=uploader.sent_points,
                files=uploader.files.sent_files, bytes=uploader.files.sent_bytes, **counts)
    return 1 if counts["waiting"] or counts["busy"] else 0


def _upload_one(root, server, w, uploader, taken, notes):
    """("done" | "stopped" | "busy" | "later" | "failed", why) of one run's upload; notes[run id]
    says why its artifacts stay here, when they do."""
    if w.run_id not in taken:
        claim = _outbox.claim(root, w.run_id)
        if claim is None:
            return "busy", "another process is uploading it"
        taken[w.run_id] = (RunUpload(root, w.run_id, w.log.split("/")[1], server.uri), claim)
    up, claim = taken[w.run_id]
    known = [each for each, _ in taken.values()]
    try:
        while uploader.advance(up, batches=50, parent_of=lambda parent: parent_server_id(
                root, parent, server.uri, known)):
            pass
        if up.artifacts_kept is not None:
            notes[w.run_id] = up.artifacts_kept
        if up.done or up.stopped is not None:
            del taken[w.run_id]
            claim.done()
            up.close()
            return ("done", None) if up.done else ("stopped", up.stopped)
        return "later", ("its process ended a moment ago: it is taken for crashed once its log "
                         "has been still for %.0f s" % QUIET_S)
    except Waiting as e:
        return "later", str(e)
    except ServerError as e:
        return "failed", e


def _rescan(root):
    """Lists again the ended runs whose logs wait for an upload and have no outbox file."""
    listed = {w.run_id for w in _outbox.waiting(root)}
    added = 0
    for day in _logread.days(root):
        for run_id in sorted(_logread.day_logs(root, [day])):
            if run_id in listed:
                continue
            up = RunUpload(root, run_id, day, "")
            up.scan()
            if up.queued_for is None:
                continue
            state = RunUpload(root, run_id, day, up.queued_for)
            state.scan()
            if state.done or state.stopped is not None or not _ended(root, day, run_id):
                continue
            try:
                _outbox.add(root, run_id, up.queued_for, "runs/%s/%s.jsonl" % (day, run_id)).release()
                added += 1
            except OSError:
                pass
    return added


def _ended(root, day, run_id):
    """Whether the run's process is done with it: an end line, or (on this host) a gone pid."""
    run = _logread.read(_logfiles.log_path(root, day, run_id + ".jsonl"), run_id, False)
    return run is not None and run.status() != "running"


def _plural(n):
    return n, "" if n == 1 else "s"


class _Output:
    def __init__(self, as_json):
        self.as_json = as_json
        self._said = set()

    def note(self, message, once=None):
        key = once if once is not None else message
        if key not in self._said:
            self._said.add(key)
            self.say(message)

    def say(self, message):
        print("runlens: %s" % message, file=sys.stderr)

    def run(self, run_id, server, state, message, problem=None, note=None):
        if self.as_json:
            self._line({"run": run_id, "server": server, "state": state, "message": message,
                        "problem": problem, "note": note})
        elif state != "done":
            self.say("run %s: %s%s" % (run_id, state, ": %s" % message if message else ""))

    def summary(self, **fields):
        if self.as_json:
            self._line({"summary": fields})
        else:
            self.say(", ".join("%s %s" % (k, v) for k, v in fields.items()))

    def _line(self, obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
