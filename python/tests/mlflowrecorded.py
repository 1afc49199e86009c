"""A real MLflow 2.17.2 server's recorded answers, served over HTTP on 127.0.0.1 for contract tests.

shared/fixtures/mlflow-2.17.2/rest/ holds request/response pairs recorded from the genuine server
(its README says how). This serves only those: a test says which recorded exchange answers each
endpoint, and every request must match one, by method and path, with a body or query of the shape
the real server was sent (no field it never saw, each of the same JSON type), or the request is
answered 500 with "not recorded" and the test fails. A file PUT to the artifact API must be the
recorded file itself (the same bytes, or the same JSON for a JSON file) with its Content-Type. Nothing here decides anything as MLflow
would: the answers are the server's own, chosen by the test.

It can also misbehave as a network does: refuse connections (stop()), close a connection after
reading a request without answering (drop_next), answer nothing to a request it did take
(lose_answer: the server has it, the client never hears), or hold a request before reading its
body (hold_next), so a test can kill its client in the middle.
"""

import base64
import json
import os
import socket
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .support import REPO, RunLensTestCase

FIXTURES = os.path.join(os.environ.get("RUNLENS_FIXTURES") or os.path.join(
    os.path.dirname(REPO), "shared", "fixtures"), "mlflow-2.17.2", "rest")


def available():
    return os.path.isfile(os.path.join(FIXTURES, "index.json"))


@unittest.skipUnless(available(), "the recorded MLflow traffic (shared/fixtures/mlflow-2.17.2/rest) "
                     "is not beside the checkout; set RUNLENS_FIXTURES")
class RecordedTestCase(RunLensTestCase):
    """A test against the recorded server (self.server, stopped after it); a request the server
    has no recording for fails the test. Skipped, with why, where the recording is not there."""

    def setUp(self):
        super().setUp()
        self.server = Recorded()
        self.addCleanup(self.server.stop)
        self.addCleanup(lambda: self.assertEqual(self.server.unexpected, []))


def exchange(name):
    """(request, response) of a recorded call, by its file stem (`017-experiments-get-by-name`)."""
    with open(os.path.join(FIXTURES, name + ".request.json"), encoding="utf-8") as f:
        request = json.load(f)
    with open(os.path.join(FIXTURES, name + ".response.json"), encoding="utf-8") as f:
        response = json.load(f)
    return request, response


def _index():
    with open(os.path.join(FIXTURES, "index.json"), encoding="utf-8") as f:
        return json.load(f)


class _Schema:
    """The shapes of the JSON bodies (or queries) the real server was sent to one endpoint, merged:
    which JSON types each place held, the fields of its objects, the items of its lists."""

    def __init__(self):
        self.types = set()
        self.fields = {}
        self.items = None

    def add(self, value):
        kind = _kind(value)
        self.types.add(kind)
        if kind == "object":
            for k, v in value.items():
                self.fields.setdefault(k, _Schema()).add(v)
        elif kind == "list":
            if self.items is None:
                self.items = _Schema()
            for item in value:
                self.items.add(item)
        return self

    def fits(self, value):
        """Whether `value` holds only fields the server was sent there, of types it was sent."""
        kind = _kind(value)
        if kind not in self.types:
            return False
        if kind == "object":
            return all(k in self.fields and self.fields[k].fits(v) for k, v in value.items())
        if kind == "list":
            return all(self.items is not None and self.items.fits(item) for item in value)
        return True


def _kind(value):
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


class Recorded:
    """A server of recorded answers on 127.0.0.1. Use `answer(endpoint, name)`, then `uri`."""

    def __init__(self, port=0):
        self.requests = []  # (method, path, query dict, body, exchange name) of every request
        self.unexpected = []  # what was asked that no recorded exchange answers
        self._answers = {}  # (method, path) -> [exchange name, ...]: the last one stands
        self._when = {}  # (method, path) -> [(test of the body, exchange name)], tried first
        self._puts = {}  # path -> exchange name of a recorded file PUT (answer_puts)
        self._seen = {}  # (method, path) -> _Schema of the bodies the real server was sent
        self._lock = threading.Lock()
        self.drop_next = 0  # requests to read and then drop without an answer
        self.hold_next = None  # (endpoint, held Event, release Event): see hold()
        self.unrouted = None  # the exchange that answers a path the real server does not route
        self.puts_unrouted = None  # the same for file PUTs (a server without the artifact API)
        self.lost = []  # [path suffix, count]: requests taken (recorded) but left unanswered
        # An authenticating proxy in front of the server (there is no recording of 401/403: the
        # recorded server had no authentication): a request without this Authorization header is
        # answered 401, by the proxy, before the server sees it.
        self.require_auth = None
        for entry in _index():
            request, response = exchange(entry["name"])
            key = (request["method"], request["path"])
            if 200 <= response["status"] < 300 and request["body_kind"] in ("json", "none"):
                self._seen.setdefault(key, _Schema()).add(
                    request["body"] if request["body_kind"] == "json" else dict(request["query"]))
        self._port = port
        self._httpd = None
        self.start()

    @property
    def uri(self):
        return "http://127.0.0.1:%d" % self._port

    def answer(self, endpoint, *names):
        """Answers requests to `endpoint` (`runs/create`) with these recorded exchanges, in turn;
        the last one answers every request after them."""
        request, _ = exchange(names[0])
        assert request["path"].endswith("/" + endpoint), (endpoint, names[0])
        with self._lock:
            self._answers[(request["method"], request["path"])] = list(names)
        return self

    def answer_if(self, endpoint, test, name):
        """Answers the requests to `endpoint` whose JSON body (a GET's query) passes test(body)
        with that recorded exchange, before the answers given with answer()."""
        request, _ = exchange(name)
        assert request["path"].endswith("/" + endpoint), (endpoint, name)
        with self._lock:
            self._when.setdefault((request["method"], request["path"]), []).append((test, name))
        return self

    def answer_puts(self, *names):
        """Answers the PUT of a file to each recorded exchange's path with that exchange, when the
        body is the recorded file and its Content-Type the recorded one."""
        with self._lock:
            for name in names:
                request, _ = exchange(name)
                assert request["method"] == "PUT", name
                self._puts[request["path"]] = name
        return self

    def answer_unrouted(self, name):
        """Answers every request to a path the real server does not route (a wrong prefix in a
        tracking URI) with that recorded exchange: 197 is its 404 page for a POST."""
        self.unrouted = name
        return self

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._serve(self, "GET")

            def do_POST(self):
                owner._serve(self, "POST")

            def do_PUT(self):
                owner._serve(self, "PUT")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._httpd.daemon_threads = True
        self._port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def hold(self, endpoint):
        """Holds the next request to `endpoint` before its body is read; returns (held, release)
        events: `held` is set once it is held, and setting `release` drops it unanswered."""
        held, release = threading.Event(), threading.Event()
        self.hold_next = (endpoint, held, release)
        return held, release

    def stop(self):
        """Stops listening: the port refuses connections, as a server that is down."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def posted(self, endpoint, answered=None):
        """The JSON bodies POSTed to `endpoint`, in order; with `answered`, only those answered
        with that status."""
        return [body for method, path, _, body, name in self.requests
                if method == "POST" and path.endswith("/" + endpoint) and name is not None
                and (answered is None or exchange(name)[1]["status"] == answered)]

    def put(self):
        """[(path, body bytes, exchange name)] of the file PUTs the server answered, in order."""
        return [(path, body, name) for method, path, _, body, name in self.requests
                if method == "PUT" and name is not None]

    def asked(self, endpoint):
        """The queries of the GET requests to `endpoint`, in order."""
        return [query for method, path, query, _, name in self.requests
                if method == "GET" and path.endswith("/" + endpoint)]

    def _serve(self, handler, method):
        parts = urlsplit(handler.path)
        path = parts.path
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()}
        hold = self.hold_next
        if hold is not None and path.endswith("/" + hold[0]):
            # Held before the body is read, then dropped unanswered: the request never arrived.
            self.hold_next = None
            hold[1].set()
            hold[2].wait(60)
            handler.close_connection = True
            self.requests.append((method, path, query, "held", None))
            return
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if self.require_auth is not None and handler.headers.get("Authorization") != \
                self.require_auth:
            self.requests.append((method, path, query, "unauthorized", None))
            data = b"<html><body><h1>401 Authorization Required</h1></body></html>"
            handler.send_response(401)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            return
        with self._lock:
            if self.drop_next > 0:
                self.drop_next -= 1
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
                self.requests.append((method, path, query, "dropped", None))
                return
        if method == "PUT":
            self._serve_put(handler, path, query, raw)
            return
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = raw
        key = (method, path)
        with self._lock:
            name = next((n for test, n in self._when.get(key, [])
                         if test(body if body is not None else query)), None)
            if name is None and self.unrouted and not path.startswith("/api/"):
                self.requests.append((method, path, query, body, self.unrouted))
                name = self.unrouted
                self._respond(handler, name)
                return
            names = self._answers.get(key)
            if name is None and names:
                name = names.pop(0) if len(names) > 1 else names[0]
            seen = self._seen.get(key)
            fits = seen is not None and seen.fits(body if body is not None else query)
            if name is None or not fits:
                why = ("no recorded answer for %s %s" % key if name is None else
                       "%s %s sent a body the real server was never sent: %s"
                       % (method, path, json.dumps(body)[:300]))
                self._not_recorded(handler, why, (method, path, query, body, None))
                return
            self.requests.append((method, path, query, body, name))
        self._respond(handler, name, path)

    def _serve_put(self, handler, path, query, raw):
        with self._lock:
            name = self._puts.get(path)
            why = None
            if name is None:
                why = "no recorded answer for PUT %s" % path
            else:
                request, _ = exchange(name)
                wanted = request["headers"].get("Content-Type")
                if not _same_file(request, raw):
                    why = "PUT %s sent %d bytes that are not the recorded file" % (path, len(raw))
                elif handler.headers.get("Content-Type") != wanted:
                    why = "PUT %s sent Content-Type %r, not %r" % (
                        path, handler.headers.get("Content-Type"), wanted)
            if name is None and self.puts_unrouted:
                name, why = self.puts_unrouted, None
            if why is not None:
                self._not_recorded(handler, why, ("PUT", path, query, raw, None))
                return
            self.requests.append(("PUT", path, query, raw, name))
        self._respond(handler, name, path)

    def _not_recorded(self, handler, why, request):
        self.unexpected.append(why)
        self.requests.append(request)
        print("mlflowrecorded: %s" % why)
        data = ("not recorded: %s" % why).encode()
        handler.send_response(500)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _lose(self, path):
        with self._lock:
            lost = self.lost
            if lost and lost[1] > 0 and path.endswith(lost[0]):
                lost[1] -= 1
                return True
        return False

    def lose_answer(self, suffix, count=1):
        """Takes the next `count` requests to paths ending with `suffix` (they count as answered:
        the server applied them) and closes their connections without an answer."""
        self.lost = [suffix, count]

    def _respond(self, handler, name, path=None):
        """Sends the recorded answer; with `path`, loses it instead when lose_answer says so (the
        caller does not hold the lock)."""
        if path is not None and self._lose(path):
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        _, response = exchange(name)
        if response["body_kind"] == "json":
            data = json.dumps(response["body"], indent=2).encode("utf-8")
        else:
            data = (response["body"] or "").encode("utf-8")
        handler.send_response(response["status"])
        for header, value in response["headers"].items():
            if header.lower() != "content-length":
                handler.send_header(header, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def recorded_file(name):
    """The bytes of the file a recorded PUT sent (a JSON file as the recording re-serialised it,
    which the server of recorded answers compares by its JSON)."""
    request, _ = exchange(name)
    if request["body_kind"] == "json":
        return json.dumps(request["body"], ensure_ascii=False).encode("utf-8")
    return _bytes_of(request)


def _same_file(request, raw):
    if request["body_kind"] == "json":
        try:
            return json.loads(raw.decode("utf-8")) == request["body"]
        except ValueError:
            return False
    return raw == _bytes_of(request)


def _bytes_of(request):
    if request["body_kind"] == "base64":
        return base64.b64decode(request["body"])
    return (request["body"] or "").encode("utf-8")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv):
    """python -m tests.mlflowrecorded [--port N] [--log FILE] [--auth HEADER] ENDPOINT=EXCHANGE ...

    Serves the recorded answers in a process of its own (for the extension's integration tests):
    prints its URI on the first line of stdout, appends each request it answers, as a JSON line,
    to FILE, and runs until it is killed. --auth puts require_auth's proxy in front of it.
    """
    import argparse
    import sys
    import time
    parser = argparse.ArgumentParser(prog="python -m tests.mlflowrecorded")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--auth", help="the Authorization header a request needs (else 401)")
    parser.add_argument("answers", nargs="+", metavar="ENDPOINT=EXCHANGE")
    args = parser.parse_args(argv)
    server = Recorded(port=args.port)
    server.require_auth = args.auth
    for answer in args.answers:
        endpoint, name = answer.split("=", 1)
        server.answer(endpoint, *name.split(","))
    print(server.uri, flush=True)
    written = 0
    while True:
        time.sleep(0.1)
        if args.log and len(server.requests) > written:
            # Said, not silent: a request that cannot be written down would otherwise stop the log
            # here while the server goes on answering.
            try:
                with open(args.log, "a", encoding="utf-8") as f:
                    for method, path, query, body, name in server.requests[written:]:
                        f.write(json.dumps({"method": method, "path": path, "query": query,
                                            "body": body if isinstance(body, (dict, list)) else None,
                                            # else "unauthorized", "dropped", "held": a fault's
                                            "answered": name if name is not None else
                                            body if isinstance(body, str) else None}) + "\n")
            except Exception as e:  # noqa: BLE001 - any failure is reported to the test
                print("the request log could not be written: %r" % (e,), file=sys.stderr, flush=True)
            written = len(server.requests)
        if server.unexpected:
            print("unexpected: %s" % server.unexpected, file=sys.stderr, flush=True)
            server.unexpected.clear()


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
