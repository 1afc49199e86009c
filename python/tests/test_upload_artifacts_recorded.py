"""Uploading artifacts, against the recorded answers of a real MLflow 2.17.2 server with
--serve-artifacts.

The recording PUT three files into run 92afe9d0... of experiment 2 (172-174) and listed its
folders (175-177); runs/create 035 is that run, so a run uploaded here gets its artifact_uri and
PUTs to the recorded paths. tests/mlflowrecorded.py answers a PUT only with the recorded file's
bytes and Content-Type, so each test checks what MLflow's own client sends. Every PUT is counted:
a file reaches the server once, whatever breaks in between.

The same against a live server, read back with MLflow's client: test_upload_live.py.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import tracemalloc
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import runlens
from runlens import _rest, _tracking
from runlens._uploadfiles import _not_served

from . import mlflowrecorded
from .mlflowrecorded import Recorded, recorded_file
from .support import RunLensTestCase, child_env, logs_in, start_child, write_script

RUN = "92afe9d0a1694ea6b44479cc2646d184"
BASE = "/api/2.0/mlflow-artifacts/artifacts/2/%s/artifacts/" % RUN
PNG = recorded_file("172-artifacts-put-plots-loss-png") if mlflowrecorded.available() else b""
CSV = recorded_file("173-artifacts-put-data-metrics-csv").decode() \
    if mlflowrecorded.available() else ""
SUMMARY = {"best_step": 2499, "best_loss": 0.076953, "notes": "ünïcödé"}


def upload_lines(log):
    return [event for event in log if event["e"] == "upload"]


def log_the_recorded_files(directory):
    """The three files the recording PUT, logged as a script logs them."""
    png = os.path.join(directory, "loss.png")
    with open(png, "wb") as f:
        f.write(PNG)
    runlens.log_artifact(png, "plots")
    runlens.log_text(CSV, "data/metrics.csv")
    runlens.log_dict(SUMMARY, "summary.json")


LOG_THE_RECORDED_FILES = """
    import base64, os, runlens
    png = os.path.join(os.getcwd(), "loss.png")
    with open(png, "wb") as f:
        f.write(base64.b64decode(%r))
    runlens.log_artifact(png, "plots")
    runlens.log_text(%r, "data/metrics.csv")
    runlens.log_dict(%r, "summary.json")
""" % (__import__("base64").b64encode(PNG).decode(), CSV, SUMMARY)


@unittest.skipUnless(mlflowrecorded.available(),
                     "the recorded MLflow traffic (shared/fixtures/mlflow-2.17.2/rest) is not "
                     "beside the checkout; set RUNLENS_FIXTURES")
class RecordedArtifacts(RunLensTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.recorded()
        runlens.set_experiment("rec-beta")

    def recorded(self, port=0):
        server = Recorded(port=port)
        self.addCleanup(server.stop)
        self.addCleanup(lambda: self.assertEqual(server.unexpected, []))
        (server
         .answer("experiments/get-by-name", "017-experiments-get-by-name")
         .answer("runs/create", "035-runs-create-long-train")
         .answer("runs/log-batch", "049-runs-log-batch-child1")
         .answer("runs/update", "060-runs-update-finished-long-train")
         .answer("runs/search", "113-runs-search-filter-metrics-nan")
         .answer("artifacts", "175-artifacts-list-run-root")
         .answer_if("artifacts", lambda q: q.get("path", "").endswith("/plots"),
                    "176-artifacts-list-subdir")
         .answer_if("artifacts", lambda q: q.get("path", "").endswith("/data"),
                    "177-artifacts-list-missing-dir")  # the real answer for a folder not there
         .answer_puts("172-artifacts-put-plots-loss-png", "173-artifacts-put-data-metrics-csv",
                      "174-artifacts-put-summary-json"))
        return server

    def resume(self, uri, *args):
        proc = subprocess.run(
            [sys.executable, "-m", "runlens.upload", "--json", "--server", uri] + list(args),
            cwd=self.tmp, env=child_env(self.root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=120)
        return (proc.returncode, [json.loads(line) for line in proc.stdout.decode().splitlines()],
                proc.stderr.decode())

    def test_artifacts_go_up_as_mlflows_client_puts_them_then_the_run_ends(self):
        runlens.set_tracking_uri(self.server.uri)
        with runlens.start_run(name="long-train"):
            runlens.log_metric("loss", 0.5)
            log_the_recorded_files(self.tmp)
        self.assertTrue(runlens.wait_for_upload(20))
        self.assertEqual([(path, name) for path, _, name in self.server.put()], [
            (BASE + "plots/loss.png", "172-artifacts-put-plots-loss-png"),
            (BASE + "data/metrics.csv", "173-artifacts-put-data-metrics-csv"),
            (BASE + "summary.json", "174-artifacts-put-summary-json")])
        lines = upload_lines(self.only_log())
        [created] = [e for e in lines if e["step"] == "created"]
        self.assertEqual(created["artifact_uri"], "mlflow-artifacts:/2/%s/artifacts" % RUN)
        self.assertEqual([(e["step"], e["key"]) for e in lines if e.get("kind") == "artifact"], [
            ("putting", "plots/loss.png"), ("put", "plots/loss.png"),
            ("putting", "data/metrics.csv"), ("put", "data/metrics.csv"),
            ("putting", "summary.json"), ("put", "summary.json")])
        self.assertEqual(lines[-1]["step"], "done")  # ended on the server after its files
        requests = [(method, path) for method, path, *_ in self.server.requests]
        last_put = max(i for i, (method, _) in enumerate(requests) if method == "PUT")
        [update] = [i for i, (_, path) in enumerate(requests) if path.endswith("runs/update")]
        self.assertLess(last_put, update)
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])

    def test_a_put_whose_answer_was_lost_is_not_sent_again(self):
        # The server takes the PNG and the answer never comes: the client lists plots/ (176: there
        # at its size) and goes on, without sending the file a second time.
        self.server.lose_answer("plots/loss.png")
        runlens.set_tracking_uri(self.server.uri)
        with mock.patch("sys.stderr") as stderr:
            with runlens.start_run():
                log_the_recorded_files(self.tmp)
            self.assertTrue(runlens.wait_for_upload(20))
        said = "".join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertIn("cannot be reached", said)
        puts = [path for path, _, _ in self.server.put()]
        self.assertEqual(puts.count(BASE + "plots/loss.png"), 1)
        self.assertEqual(sorted(puts), sorted(BASE + p for p in (
            "plots/loss.png", "data/metrics.csv", "summary.json")))
        self.assertEqual(self.server.asked("artifacts"), [{"path": "2/%s/artifacts/plots" % RUN}])
        steps = [(e["step"], e["key"]) for e in upload_lines(self.only_log())
                 if e.get("kind") == "artifact" and e["key"] == "plots/loss.png"]
        self.assertEqual(steps, [("putting", "plots/loss.png"), ("put", "plots/loss.png")])

    def test_sigkill_during_a_put_then_resume_sends_each_file_once(self):
        held, release = self.server.hold("data/metrics.csv")
        self.addCleanup(release.set)
        proc = start_child(self.tmp, self.root, LOG_THE_RECORDED_FILES + """
    import time
    time.sleep(120)  # killed in here, while its upload PUTs metrics.csv
""", RUNLENS_TRACKING_URI=self.server.uri, RUNLENS_EXPERIMENT="rec-beta")
        self.assertTrue(held.wait(60), "the child's upload never PUT metrics.csv")
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        release.set()
        code, lines, err = self.resume(self.server.uri, "--wait", "30")
        self.assertEqual(code, 0, err)
        self.assertEqual(lines[0]["state"], "done")
        self.assertEqual(lines[-1]["summary"]["files"], 2)  # metrics.csv and summary.json
        answered = [path for path, _, _ in self.server.put()]
        self.assertEqual(sorted(answered), sorted(BASE + p for p in (
            "plots/loss.png", "data/metrics.csv", "summary.json")))  # each once
        # It asked where the cut PUT went (177: data/ is not there), and sent it again.
        self.assertEqual(self.server.asked("artifacts"), [{"path": "2/%s/artifacts/data" % RUN}])
        final = upload_lines(self.only_log())[-1]
        self.assertEqual((final["step"], final["status"]), ("done", "FAILED"))  # it crashed

    def test_a_server_without_the_artifact_api_gets_the_run_and_a_note_once(self):
        # A server (or a proxy) that does not route /api/2.0/mlflow-artifacts/ answers a PUT with
        # its 404 page (197, the real server's page for a path it does not route).
        port = mlflowrecorded.free_port()
        code, out, err = _run_child(self.tmp, self.root, LOG_THE_RECORDED_FILES + """
    runlens.log_metric("loss", 0.5)
""", RUNLENS_TRACKING_URI="http://127.0.0.1:%d" % port, RUNLENS_EXPERIMENT="rec-beta",
            RUNLENS_UPLOAD_EXIT_WAIT_S="1")
        self.assertEqual(code, 0, err)
        server = self.recorded(port)
        server.puts_unrouted = "197-error-unknown-endpoint-post"
        server._puts.clear()  # the recorded PUTs were answered by a server with the API
        code, lines, err = self.resume(server.uri)
        self.assertEqual(code, 0, err)
        self.assertEqual(lines[0]["state"], "done")
        self.assertIn("does not serve artifacts", lines[0]["note"])
        self.assertIn(os.path.join(self.root, "artifacts"), lines[0]["note"])
        self.assertEqual(err.count("are not uploaded"), 1, err)
        self.assertEqual(len(server.put()), 1)  # one try for the run, not one per file
        tags = [t for b in server.posted("runs/log-batch", answered=200) for t in b.get("tags", [])]
        [kept] = [t for t in tags if t["key"] == "runlens.artifacts"]
        self.assertTrue(kept["value"].startswith("not uploaded, kept in %s"
                                                 % os.path.join(self.root, "artifacts")))
        log = self.only_log()
        self.assertEqual([e["step"] for e in upload_lines(log)][-2:], ["artifacts-kept", "done"])
        self.assertEqual(server.posted("runs/update")[0]["status"], "FINISHED")
        [run_id] = logs_in(self.root)
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "artifacts", run_id))),
                         ["data", "plots", "summary.json"])  # kept here, whole

    def test_a_run_without_artifacts_asks_nothing_of_the_artifact_api(self):
        runlens.set_tracking_uri(self.server.uri)
        with runlens.start_run():
            runlens.log_metric("loss", 0.5)
        self.assertTrue(runlens.wait_for_upload(20))
        self.assertEqual(self.server.put(), [])
        self.assertEqual(self.server.asked("artifacts"), [])
        self.assertNotIn("runlens.artifacts", [t["key"] for b in self.server.posted(
            "runs/log-batch") for t in b.get("tags", [])])


class NotServed(unittest.TestCase):
    """Which answers of the artifact API mean the server keeps no artifacts (the run goes up
    without them), and which mean wait and try again."""

    def said(self, status, content_type, body):
        server = _tracking.Server("http://127.0.0.1:5000")
        with self.assertRaises(_rest.ServerError) as caught:
            _rest._answer(server, "PUT /x", status, content_type, body, True)
        return _not_served(caught.exception)

    def test_mlflows_answer_when_started_with_no_serve_artifacts(self):
        # MLflow 2.17.2's text (mlflow/server/handlers.py, _disable_unless_serve_artifacts): 503.
        self.assertTrue(self.said(503, "text/html; charset=utf-8", (
            b"Endpoint: /api/2.0/mlflow-artifacts/artifacts/<path:artifact_path> disabled due to "
            b"the mlflow server running with `--no-serve-artifacts`. To enable artifacts server "
            b"functionality, run `mlflow server` with `--serve-artifacts`")))

    @unittest.skipUnless(mlflowrecorded.available(), "the recorded MLflow traffic is not there")
    def test_an_api_that_is_not_routed(self):
        _, page = mlflowrecorded.exchange("197-error-unknown-endpoint-post")
        self.assertTrue(self.said(404, "text/html; charset=utf-8", page["body"].encode()))
        self.assertTrue(self.said(501, "text/plain", b"Not Implemented"))

    def test_a_server_that_is_busy_or_broken_is_waited_for(self):
        self.assertFalse(self.said(503, "text/html", b"<h1>503 Service Unavailable</h1>"))
        self.assertFalse(self.said(500, "text/html", b"<h1>Internal Server Error</h1>"))
        self.assertFalse(self.said(400, "application/json",
                                   b'{"error_code": "INVALID_PARAMETER_VALUE", "message": "x"}'))


class _Sink(BaseHTTPRequestHandler):
    """Reads a PUT's body a piece at a time, keeps only its length, answers {}."""

    protocol_version = "HTTP/1.1"
    received = []

    def log_message(self, *args):
        pass

    def do_PUT(self):
        left, n = int(self.headers["Content-Length"]), 0
        while left:
            piece = self.rfile.read(min(left, 1 << 16))
            left -= len(piece)
            n += len(piece)
        self.received.append(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


class Streaming(RunLensTestCase):
    def test_a_large_file_is_put_in_pieces_never_whole_in_memory(self):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        self.addCleanup(httpd.server_close)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.shutdown)
        path = os.path.join(self.tmp, "model.bin")
        size = 64 << 20
        with open(path, "wb") as f:
            for _ in range(64):
                f.write(os.urandom(1 << 20))
        client = _rest.Client(_tracking.Server("http://127.0.0.1:%d" % httpd.server_address[1]))
        self.addCleanup(client.close)
        tracemalloc.start()
        try:
            with open(path, "rb", buffering=0) as source:
                client.put_file(BASE + "model.bin", source, size, "application/octet-stream")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertEqual(_Sink.received, [size])
        self.assertLess(peak, 8 << 20)  # a few pieces of 1 MB, not 64 MB


def _run_child(directory, root, source, **env):
    path = write_script(directory, source, name="child_artifacts.py")
    proc = subprocess.run([sys.executable, path], cwd=directory, env=child_env(root, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


if __name__ == "__main__":
    unittest.main()
