"""The live tier: uploads and lookups against a real MLflow tracking server.

    RUNLENS_TEST_MLFLOW_URI=http://127.0.0.1:5055 python3 -m unittest tests.test_upload_live

Skipped, saying so, without RUNLENS_TEST_MLFLOW_URI. What reached the server is read back with
MLflow's own MlflowClient, run in a Python that imports mlflow: RUNLENS_TEST_MLFLOW_PYTHON
(default /usr/bin/python3) with RUNLENS_TEST_MLFLOW_PYTHONPATH on its path; where that Python
cannot import mlflow, the same is read over the REST API, and the test output says so.

Each test uses an experiment of its own (rl-live-<test>-<random>), so the server may be shared.
RUNLENS_TEST_MLFLOW_AUTH_URI names a server of MLflow's basic-auth app (its default admin is
admin/password, or RUNLENS_TEST_MLFLOW_AUTH_USER and _PASSWORD) for the tests of credentials.
The network's faults are made by an HTTP relay in front of the server (tests/httprelay.py).
"""

import collections
import io
import json
import os
import signal
import subprocess
import sys
import time
import unittest
import uuid
from unittest import mock
from urllib.parse import urlsplit

import runlens
from runlens import _rest, _tracking

from .httprelay import Relay
from .support import RunLensTestCase, child_env, logs_in, start_child, wait_for

LIVE = os.environ.get("RUNLENS_TEST_MLFLOW_URI", "").strip()
SKIP_WHY = ("the live tier: set RUNLENS_TEST_MLFLOW_URI to a real MLflow tracking server "
            "(/work/mlflow-live/HOWTO.txt says how to start one) to run it")
if not LIVE:
    print("runlens tests: %s" % SKIP_WHY, file=sys.stderr)

READ_BACK = r"""
import json, sys
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
req = json.loads(sys.argv[1])
client = MlflowClient(tracking_uri=req["uri"])
exp = client.get_experiment_by_name(req["experiment"])
out = []
for run in (client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL) if exp else []):
    info = run.info
    out.append({
        "run_id": info.run_id, "name": info.run_name, "status": info.status,
        "start_time": info.start_time, "end_time": info.end_time,
        "lifecycle_stage": info.lifecycle_stage, "params": run.data.params,
        "tags": run.data.tags,
        "metrics": {k: repr(v) for k, v in run.data.metrics.items()},
        "history": {k: [[m.step, m.timestamp, repr(m.value)]
                        for m in client.get_metric_history(info.run_id, k)]
                    for k in run.data.metrics}})
print(json.dumps(out))
"""
_how = []  # how runs are read back: said once

READ_ARTIFACTS = r"""
import hashlib, json, os, sys, tempfile
import mlflow
from mlflow.tracking import MlflowClient
req = json.loads(sys.argv[1])
mlflow.set_tracking_uri(req["uri"])  # mlflow-artifacts: URIs resolve against it
client = MlflowClient(tracking_uri=req["uri"])
exp = client.get_experiment_by_name(req["experiment"])
out = {}
for run in client.search_runs([exp.experiment_id]):
    run_id, listed = run.info.run_id, {}
    def walk(path):
        for f in client.list_artifacts(run_id, path):
            if f.is_dir:
                walk(f.path)
            else:
                listed[f.path] = f.file_size
    walk(None)
    hashes = {}
    if listed:
        where = client.download_artifacts(run_id, "", tempfile.mkdtemp())
        for path in listed:
            digest = hashlib.sha256()
            with open(os.path.join(where, path), "rb") as f:
                for piece in iter(lambda: f.read(1 << 20), b""):
                    digest.update(piece)
            hashes[path] = digest.hexdigest()
    out[run.data.tags.get("runlens.run_id")] = {
        "artifact_uri": run.info.artifact_uri, "status": run.info.status, "sizes": listed,
        "sha256": hashes, "tags": run.data.tags}
print(json.dumps(out))
"""


def read_artifacts_back(experiment):
    """{RunLens run id: {artifact_uri, status, sizes, sha256, tags}} of the experiment's runs, as
    MLflow's client lists and downloads their artifacts; the test is skipped without mlflow."""
    python = os.environ.get("RUNLENS_TEST_MLFLOW_PYTHON") or "/usr/bin/python3"
    env = dict(os.environ)
    if os.environ.get("RUNLENS_TEST_MLFLOW_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["RUNLENS_TEST_MLFLOW_PYTHONPATH"]
    proc = subprocess.run([python, "-c", READ_ARTIFACTS, json.dumps(
        {"uri": LIVE, "experiment": experiment})], env=env, timeout=600,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0 and b"No module named 'mlflow'" in proc.stderr:
        raise unittest.SkipTest("artifacts are read back with MLflow's own client: %s cannot "
                                "import mlflow (set RUNLENS_TEST_MLFLOW_PYTHONPATH)" % python)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr.decode()[-3000:])
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def logged_artifacts(log):
    """{path: sha256} of the latest version of each artifact the log records."""
    return {e["path"]: e["sha256"] for e in log if e["e"] == "artifact"}


def read_back(experiment):
    """Every run of the experiment as MLflow's client reads it: info, params, tags, latest metrics
    and whole histories ([step, timestamp, repr(value)]), values as Python's repr."""
    python = os.environ.get("RUNLENS_TEST_MLFLOW_PYTHON") or "/usr/bin/python3"
    env = dict(os.environ)
    extra = os.environ.get("RUNLENS_TEST_MLFLOW_PYTHONPATH")
    if extra:
        env["PYTHONPATH"] = extra
    request = json.dumps({"uri": LIVE, "experiment": experiment})
    try:
        proc = subprocess.run([python, "-c", READ_BACK, request], env=env, timeout=300,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError:
        proc = None
    if proc is not None and proc.returncode == 0:
        if not _how:
            _how.append("mlflow")
            print("live tier: runs read back with MLflow's MlflowClient (%s)" % python,
                  file=sys.stderr)
        return json.loads(proc.stdout.decode().strip().splitlines()[-1])
    if not _how:
        _how.append("rest")
        print("live tier: %s cannot import mlflow (set RUNLENS_TEST_MLFLOW_PYTHONPATH); runs are "
              "read back over the REST API instead" % python, file=sys.stderr)
    return _read_back_rest(experiment)


def _read_back_rest(experiment):
    client = _rest.Client(_tracking.Server(LIVE))
    try:
        exp = client.get("experiments/get-by-name", experiment_name=experiment)["experiment"]
    except _rest.ServerError:
        return []
    runs = client.post("runs/search", {"experiment_ids": [exp["experiment_id"]],
                                       "run_view_type": "ALL", "max_results": 1000}).get("runs", [])
    out = []
    for run in runs:
        info, data = run["info"], run.get("data", {})
        history = {}
        for m in data.get("metrics", []):
            points = client.get("metrics/get-history", run_id=info["run_id"],
                                metric_key=m["key"]).get("metrics", [])
            history[m["key"]] = [[p.get("step", 0), p["timestamp"], repr(float(p["value"]))]
                                 for p in points]
        out.append({
            "run_id": info["run_id"], "name": info.get("run_name"), "status": info["status"],
            "start_time": info.get("start_time"), "end_time": info.get("end_time"),
            "lifecycle_stage": info["lifecycle_stage"],
            "params": {p["key"]: p["value"] for p in data.get("params", [])},
            "tags": {t["key"]: t["value"] for t in data.get("tags", [])},
            "metrics": {m["key"]: repr(float(m["value"])) for m in data.get("metrics", [])},
            "history": history})
    client.close()
    return out


def as_server_stores(value):
    """repr() of a logged value as MLflow's SQL store gives it back (infinities as the largest
    double, -0.0 as 0.0)."""
    if value in ("NaN",) or value != value:
        return "nan"
    if value in ("Infinity", float("inf")):
        return repr(1.7976931348623157e308)
    if value in ("-Infinity", float("-inf")):
        return repr(-1.7976931348623157e308)
    return repr(float(value) + 0.0)


def logged(log):
    """Counter of (key, step, timestamp, value as the server stores it) of the log's points."""
    return collections.Counter(
        (k, s, int(t), as_server_stores(v))
        for event in log if event["e"] == "metrics" for k, v, s, t in event["points"])


def on_server(run):
    return collections.Counter((key, s, t, v if v != "nan" else "nan")
                               for key, points in run["history"].items() for s, t, v in points)


def upload_steps(log):
    return [event["step"] for event in log if event["e"] == "upload"]


@unittest.skipUnless(LIVE, SKIP_WHY)
class LiveServer(RunLensTestCase):
    def setUp(self):
        super().setUp()
        self.experiment = "rl-live-%s-%s" % (self._testMethodName[5:30], uuid.uuid4().hex[:8])
        runlens.set_experiment(self.experiment)

    def relay(self, start=True):
        target = urlsplit(LIVE)
        relay = Relay(target.hostname, target.port or 80)
        if start:
            relay.start()
        self.addCleanup(relay.stop)
        return relay

    def child(self, source, uri=None, **env):
        return start_child(self.tmp, self.root, source, RUNLENS_TRACKING_URI=uri or LIVE,
                           RUNLENS_EXPERIMENT=self.experiment, **env)

    def resume(self, uri=None, *args):
        proc = subprocess.run(
            [sys.executable, "-m", "runlens.upload", "--json", "--server", uri or LIVE,
             "--wait", "30"] + list(args),
            cwd=self.tmp, env=child_env(self.root), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=300)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


class Upload(LiveServer):
    def test_a_run_read_back_by_mlflows_client_field_by_field(self):
        runlens.set_tracking_uri(LIVE)
        with runlens.start_run(name="parent", params={"lr": 1e-3, "bs": 32, "amp": True,
                                                      "drop": None, "note": "ünï ✓ 学"},
                               tags={"team": "vision"}) as parent:
            for step in range(1500):
                runlens.log_metric("loss", 1.0 / (step + 1), step=step)
            for step, value in enumerate([float("nan"), float("inf"), float("-inf"), -0.0, 5e-324]):
                runlens.log_metric("odd", value, step=step)
            runlens.set_tag("mlflow.note.content", "a note")
            with runlens.start_run(name="child", params={"fold": 3}) as child:
                runlens.log_metrics({"acc": 0.91, "f1": 0.8}, step=7)
        self.assertTrue(runlens.wait_for_upload(60))
        runs = {run["name"]: run for run in read_back(self.experiment)}
        self.assertEqual(set(runs), {"parent", "child"})
        p, c = runs["parent"], runs["child"]
        self.assertEqual(p["status"], "FINISHED")
        self.assertEqual((p["start_time"], p["end_time"]), (parent.start_time, parent.end_time))
        self.assertEqual(p["params"], {"lr": "0.001", "bs": "32", "amp": "True", "drop": "None",
                                       "note": "ünï ✓ 学"})
        self.assertEqual(p["tags"]["team"], "vision")
        self.assertEqual(p["tags"]["mlflow.note.content"], "a note")
        self.assertEqual(p["tags"]["mlflow.runName"], "parent")
        self.assertEqual(p["tags"]["mlflow.source.type"], "LOCAL")
        self.assertIn("mlflow.user", p["tags"])
        self.assertIn("mlflow.source.name", p["tags"])
        self.assertEqual(p["tags"]["runlens.run_id"], parent.id)
        self.assertEqual(c["tags"]["mlflow.parentRunId"], p["run_id"])
        self.assertEqual(c["params"], {"fold": "3"})
        self.assertEqual(c["history"]["acc"][0][0], 7)
        self.assertEqual(on_server(p), logged(read_log(parent)))
        self.assertEqual(on_server(c), logged(read_log(child)))
        self.assertEqual([s for s, _, _ in p["history"]["loss"]], list(range(1500)))
        self.assertEqual([v for _, _, v in p["history"]["odd"]],
                         ["nan", "1.7976931348623157e+308", "-1.7976931348623157e+308", "0.0",
                          "5e-324"])
        self.assertEqual(upload_steps(read_log(parent))[-1], "done")

    def test_sigkill_during_upload_then_resume_loses_and_doubles_nothing(self):
        proc = self.child("""
            import runlens, time, itertools
            with runlens.start_run(params={"lr": 0.1}):
                for step in itertools.count():
                    for i in range(100):
                        runlens.log_metric("loss", step + i / 1000, step=step * 100 + i)
                    time.sleep(0.05)
        """)
        # Killed once a few batches are on the server, while the run goes on logging and its
        # upload goes on sending: the kill lands anywhere, often in the middle of a request.
        sent = lambda: sum(_read_bytes(path).count(b'"step":"sent"') for path in _logs(self.root))
        if not wait_for(lambda: sent() >= 3, 120):
            os.kill(proc.pid, signal.SIGKILL)
            self.fail("the child's upload did not get going: %s" % proc.communicate()[1][-2000:])
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        code, out, err = self.resume()
        self.assertEqual(code, 0, out + err)
        [log] = logs_in(self.root).values()
        self.assertEqual(upload_steps(log)[-1], "done")
        [run] = read_back(self.experiment)
        self.assertEqual(on_server(run), logged(log))  # point by point: none lost, none twice
        self.assertGreaterEqual(sum(logged(log).values()), 1000)  # several batches went up first
        self.assertEqual((run["status"], run["tags"].get("runlens.crashed")), ("FAILED", "true"))

    def test_a_server_down_for_the_whole_run_gets_all_of_it_when_it_is_up(self):
        relay = self.relay(start=False)
        proc = self.child("""
            import runlens
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(5000):
                    runlens.log_metric("loss", step / 3, step=step)
        """, uri=relay.uri, RUNLENS_UPLOAD_EXIT_WAIT_S="2")
        _, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"connection refused", err)
        self.assertEqual(read_back(self.experiment), [])
        relay.start()
        code, out, err = self.resume(relay.uri)
        self.assertEqual(code, 0, out + err)
        [log] = logs_in(self.root).values()
        [run] = read_back(self.experiment)
        self.assertEqual(run["status"], "FINISHED")
        self.assertEqual(on_server(run), logged(log))
        self.assertEqual(sum(on_server(run).values()), 5000)

    def test_answers_lost_on_the_way_back_double_nothing(self):
        # The relay passes the requests on (the server applies them) and drops the answers:
        # of runs/create once, and of two log-batches.
        relay = self.relay()
        relay.drop_answers("POST", "runs/create", 1)
        runlens.set_tracking_uri(relay.uri)
        with runlens.start_run(params={"lr": 0.1}) as run:
            for step in range(1000):
                runlens.log_metric("loss", step, step=step)
            self.assertTrue(wait_for(lambda: "created" in upload_steps(read_log(run)), 60))
            relay.drop_answers("POST", "runs/log-batch", 2)
            for step in range(1000, 4000):
                runlens.log_metric("loss", step, step=step)
        with mock.patch("sys.stderr", io.StringIO()):
            self.assertTrue(runlens.wait_for_upload(120))
        runs = read_back(self.experiment)
        self.assertEqual(len(runs), 1)  # the lost create was found by its tag, not made again
        self.assertEqual(on_server(runs[0]), logged(read_log(run)))
        self.assertIn(("POST", "/api/2.0/mlflow/runs/search"), relay.requests)
        self.assertIn("GET", {method for method, path in relay.requests
                              if "metrics/get-history" in path})

    def test_a_refused_key_is_reported_and_the_rest_is_read_back(self):
        runlens.set_tracking_uri(LIVE)
        with mock.patch("sys.stderr", io.StringIO()) as err:
            with runlens.start_run(params={"lr": 0.1, "comma,key": 1}) as run:
                for step in range(50):
                    runlens.log_metrics({"loss": step, "val acc (%)": step / 50}, step=step)
            self.assertTrue(runlens.wait_for_upload(60))
        said = err.getvalue()
        self.assertIn("refused param 'comma,key' of run %s" % run.id, said)
        self.assertIn("refused metric 'val acc (%%)' of run %s" % run.id, said)
        [server_run] = read_back(self.experiment)
        self.assertEqual(server_run["params"], {"lr": "0.1"})
        self.assertEqual(set(server_run["history"]), {"loss"})
        self.assertEqual(len(server_run["history"]["loss"]), 50)
        self.assertEqual(server_run["status"], "FINISHED")

    def test_concurrent_processes_each_upload_their_own_run_once(self):
        procs = [self.child("""
            import os, runlens
            worker = int(os.environ["WORKER"])
            with runlens.start_run(params={"worker": worker}):
                for step in range(4000):
                    runlens.log_metric("loss", step + worker / 10, step=step)
        """, WORKER=str(i)) for i in range(3)]
        said = b""
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            self.assertEqual(proc.returncode, 0, err)
            said += err
        runs = {run["params"]["worker"]: run for run in read_back(self.experiment)}
        self.assertEqual(sorted(runs), ["0", "1", "2"], said.decode())
        for log in logs_in(self.root).values():
            worker = next(e for e in log if e["e"] == "params")["params"]["worker"]
            self.assertEqual(on_server(runs[worker]), logged(log))

    def test_the_experiment_deleted_on_the_server_mid_run(self):
        runlens.set_tracking_uri(LIVE)
        client = _rest.Client(_tracking.Server(LIVE))
        self.addCleanup(client.close)
        err = io.StringIO()
        with mock.patch("sys.stderr", err):
            with runlens.start_run(params={"lr": 0.1}) as run:
                runlens.log_metric("loss", 1.0, step=0)
                self.assertTrue(wait_for(lambda: "sent" in upload_steps(read_log(run)), 60))
                created = next(e for e in read_log(run) if e.get("step") == "created")
                client.post("experiments/delete", {"experiment_id": created["experiment_id"]})
                for step in range(1, 100):
                    runlens.log_metric("loss", 1.0, step=step)
            self.assertTrue(runlens.wait_for_upload(60))
        self.assertIn("does not take run %s" % run.id, err.getvalue())
        self.assertIn("The run is kept in .runlens", err.getvalue())
        log = read_log(run)
        self.assertEqual(upload_steps(log)[-1], "stopped")
        self.assertEqual(sum(logged(log).values()), 100)  # the record is whole


class Artifacts(LiveServer):
    """Artifacts uploaded to a server with --serve-artifacts, read back by MLflow's client."""

    def test_every_kind_of_artifact_read_back_by_mlflows_client_byte_for_byte(self):
        runlens.set_tracking_uri(LIVE)
        model = os.path.join(self.tmp, "model.bin")
        with open(model, "wb") as f:
            for _ in range(48):  # 48 MB: streamed, in pieces
                f.write(os.urandom(1 << 20))
        folder = os.path.join(self.tmp, "report")
        os.makedirs(os.path.join(folder, "figures"))
        for name, data in (("index.html", b"<h1>ok</h1>"), ("figures/a b.svg", b"<svg/>"),
                           ("figures/\u00fcn\u00ef.txt", "ünï".encode("utf-8"))):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        with runlens.start_run(name="with-files") as run:
            runlens.log_metric("loss", 0.5)
            runlens.log_artifact(model, "model")
            runlens.log_artifacts(folder, "report")
            runlens.log_text("step,loss\n0,2.0\n", "data/metrics.csv")
            runlens.log_dict({"best": 0.07, "notes": "ünïcödé"}, "summary.json")
            runlens.log_dict({"a": [1, 2]}, "config.yaml")
            try:
                import numpy
                runlens.log_image(numpy.array([[0, 255], [255, 0]], dtype=numpy.uint8),
                                  "plots/checker.png")
            except ImportError:  # Debian's python3-numpy is not installed
                runlens.log_text("no numpy", "plots/checker.png")
            runlens.log_table({"step": [0, 1], "loss": [2.0, 1.0]}, "table.json")
            runlens.log_text("first", "notes.txt")
            runlens.log_text("second, the one that counts", "notes.txt")  # replaces the first
        self.assertTrue(runlens.wait_for_upload(300))
        log = read_log(run)
        expected = logged_artifacts(log)
        self.assertEqual(len(expected), 10)
        server = read_artifacts_back(self.experiment)[run.id]
        self.assertTrue(server["artifact_uri"].startswith("mlflow-artifacts:/"))
        self.assertEqual(server["sha256"], expected)  # every file, byte for byte
        self.assertEqual(server["sizes"]["model/model.bin"], 48 << 20)
        self.assertEqual(server["status"], "FINISHED")
        self.assertNotIn("runlens.artifacts", server["tags"])
        self.assertEqual(upload_steps(log)[-1], "done")

    def test_sigkill_in_the_middle_of_a_large_file_then_resume(self):
        proc = self.child("""
            import os, runlens, time
            with open("big.bin", "wb") as f:
                for _ in range(300):
                    f.write(os.urandom(1 << 20))
            with runlens.start_run(params={"lr": 0.1}):
                runlens.log_text("small", "small.txt")
                runlens.log_artifact("big.bin", "model")
                print("logged", flush=True)
                time.sleep(300)  # killed in here
        """)
        self.assertEqual(proc.stdout.readline().strip(), b"logged")
        # Killed once the big file's PUT has begun (most often in the middle of its 300 MB).
        if not wait_for(lambda: any(b'"putting","kind":"artifact","key":"model/big.bin"'
                                    in _read_bytes(path) for path in _logs(self.root)), 120):
            os.kill(proc.pid, signal.SIGKILL)
            self.fail("the child never began to PUT big.bin: %s" % proc.communicate()[1][-2000:])
        time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        code, out, err = self.resume()
        self.assertEqual(code, 0, out + err)
        [log] = logs_in(self.root).values()
        steps = [(e["step"], e.get("key")) for e in log if e["e"] == "upload"]
        self.assertEqual(steps.count(("put", "small.txt")), 1)  # put once, never again
        self.assertEqual(steps.count(("put", "model/big.bin")), 1)
        self.assertEqual(steps[-1], ("done", None))
        [run_id] = logs_in(self.root)
        server = read_artifacts_back(self.experiment)[run_id]
        self.assertEqual(server["sha256"], logged_artifacts(log))
        self.assertEqual(server["sizes"]["model/big.bin"], 300 << 20)
        self.assertEqual((server["status"], server["tags"].get("runlens.crashed")),
                         ("FAILED", "true"))

    def test_an_experiment_whose_artifacts_the_server_does_not_serve_gets_a_note(self):
        # An experiment made with an artifact location of its own (a folder of the server's
        # machine): its runs' artifact_uri is not mlflow-artifacts:, and nothing of them is PUT.
        client = _rest.Client(_tracking.Server(LIVE))
        self.addCleanup(client.close)
        elsewhere = os.path.join(self.tmp, "server-side-store")
        client.post("experiments/create", {"name": self.experiment,
                                           "artifact_location": "file://" + elsewhere})
        runlens.set_tracking_uri(LIVE)
        with mock.patch("sys.stderr", io.StringIO()) as err:
            with runlens.start_run() as run:
                runlens.log_text("kept here", "notes.txt")
                runlens.log_dict({"a": 1}, "summary.json")
                runlens.log_metric("loss", 0.5)
            self.assertTrue(runlens.wait_for_upload(60))
        self.assertEqual(err.getvalue().count("are not uploaded"), 1, err.getvalue())
        self.assertIn("artifact_uri", err.getvalue())
        server = read_artifacts_back(self.experiment)[run.id]
        self.assertTrue(server["artifact_uri"].startswith("file://"))
        self.assertEqual(server["sizes"], {})
        self.assertIn("not uploaded, kept in", server["tags"]["runlens.artifacts"])
        self.assertEqual(server["status"], "FINISHED")
        self.assertFalse(os.path.exists(elsewhere))
        self.assertEqual(upload_steps(read_log(run))[-2:], ["artifacts-kept", "done"])


AUTH = os.environ.get("RUNLENS_TEST_MLFLOW_AUTH_URI", "").strip()
AUTH_USER = os.environ.get("RUNLENS_TEST_MLFLOW_AUTH_USER") or "admin"
AUTH_PASSWORD = os.environ.get("RUNLENS_TEST_MLFLOW_AUTH_PASSWORD") or "password"


@unittest.skipUnless(AUTH, "credentials against a real server: set RUNLENS_TEST_MLFLOW_AUTH_URI to "
                           "a server of MLflow's basic-auth app")
class Credentials(RunLensTestCase):
    def test_refused_credentials_are_said_nothing_is_dropped_and_the_run_goes_up_with_them(self):
        experiment = "rl-live-auth-%s" % uuid.uuid4().hex[:8]
        proc = start_child(self.tmp, self.root, """
            import runlens
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(300):
                    runlens.log_metric("loss", step, step=step)
            print(runlens.exists({"lr": 0.1}))
        """, RUNLENS_TRACKING_URI=AUTH, RUNLENS_EXPERIMENT=experiment,
            MLFLOW_TRACKING_USERNAME=AUTH_USER, MLFLOW_TRACKING_PASSWORD="not-" + AUTH_PASSWORD)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"refused the credentials (401", err)
        self.assertIn(b"MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD", err)
        self.assertEqual(out.strip(), b"True")  # the run itself answers; the server is said once
        [run_id] = logs_in(self.root)
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [run_id + ".json"])
        proc = subprocess.run(
            [sys.executable, "-m", "runlens.upload", "--json", "--server", AUTH],
            cwd=self.tmp, env=child_env(self.root, MLFLOW_TRACKING_USERNAME=AUTH_USER,
                                        MLFLOW_TRACKING_PASSWORD=AUTH_PASSWORD),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        log = logs_in(self.root)[run_id]
        self.assertEqual(upload_steps(log)[-1], "done")
        client = _rest.Client(_tracking.Server(AUTH, auth=_tracking.basic_auth(AUTH_USER,
                                                                                AUTH_PASSWORD)))
        self.addCleanup(client.close)
        server_run = next(e for e in log if e["e"] == "upload" and e["step"] == "created")
        history = client.get("metrics/get-history", run_id=server_run["run_id"],
                             metric_key="loss")["metrics"]
        self.assertEqual(sorted(p["step"] for p in history), list(range(300)))


class Lookups(LiveServer):
    def test_runs_mlflows_own_client_logged_count_by_meaning_in_a_few_requests(self):
        runlens.set_tracking_uri(LIVE)
        # A run as a colleague's script logs it with MLflow's client (lr spelled 1e-3).
        client = _rest.Client(_tracking.Server(LIVE))
        self.addCleanup(client.close)
        experiment_id = client.post("experiments/create", {"name": self.experiment})[
            "experiment_id"]
        run_id = client.post("runs/create", {"experiment_id": experiment_id,
                                             "start_time": 1})["run"]["info"]["run_id"]
        client.post("runs/log-batch", {"run_id": run_id, "params": [
            {"key": "lr", "value": "1e-3"}, {"key": "bs", "value": "32.0"}]})
        client.post("runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 2})
        calls = []
        real = _rest.Client.call
        with mock.patch.object(_rest.Client, "call", autospec=True,
                               side_effect=lambda *a, **k: calls.append(a[2]) or real(*a, **k)):
            self.assertTrue(runlens.exists({"lr": 0.001, "bs": 32}))
            with mock.patch("sys.stderr", io.StringIO()):
                sweep = runlens.grid(lr=[1e-4, 1e-3, 1e-2], bs=[16, 32, 64])
        self.assertEqual((sweep.total, sweep.skipped), (9, 1))
        self.assertEqual(sweep.skipped_runs[0].id, run_id)
        # The experiment's id, and a few filtered questions for each check (runlens._narrow).
        self.assertLessEqual(len(calls), 40, calls)

    def test_every_spelling_of_a_value_counts_and_no_other_value_does(self):
        """The filters a check asks, as the real server reads them (its LIKE, ILIKE, backticks):
        runs logged with odd spellings of the values are found, runs of near values are not."""
        runlens.set_tracking_uri(LIVE)
        client = _rest.Client(_tracking.Server(LIVE))
        self.addCleanup(client.close)
        experiment_id = client.post("experiments/create", {"name": self.experiment})[
            "experiment_id"]
        # Each run spells one value oddly (the others as MLflow's client does), so that each of
        # the net's questions must find its own; the last four hold near values, not these.
        plain = ("0.5", "32", "True", "vit")
        odd = [(0, "1E-3"), (0, ".5"), (0, "2."), (0, "0.50"), (0, "-0"), (0, "02"), (0, "+2"),
               (0, "00.5"),
               (1, "3.2e1"), (1, "032"), (1, "32.00"), (1, "+32"), (2, "true"),
               (3, "résnet 🚀/b"), (0, "0.0015"), (1, "320"), (2, "False"), (3, "vit2")]
        spelled = [tuple(text if i == at else value for i, value in enumerate(plain))
                   for at, text in odd]
        ids = []
        for lr, bs, flag, model in spelled:
            run_id = client.post("runs/create", {"experiment_id": experiment_id,
                                                 "start_time": 1})["run"]["info"]["run_id"]
            client.post("runs/log-batch", {"run_id": run_id, "params": [
                {"key": "lr", "value": lr}, {"key": "batch size", "value": bs},
                {"key": "use/flag", "value": flag}, {"key": "model", "value": model}]})
            client.post("runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 2})
            ids.append(run_id)
        bodies = []
        real = _rest.Client.post
        with mock.patch("sys.stderr", io.StringIO()), \
                mock.patch.object(_rest.Client, "post", autospec=True, side_effect=lambda c, e, b:
                                  bodies.append((e, b)) or real(c, e, b)):
            sweep = runlens.grid(**{"lr": [1e-3, 0.5, 2, 0], "batch size": [32],
                                    "use/flag": [True], "model": ["résnet 🚀/b", "vit"]})
        searches = [body for endpoint, body in bodies if endpoint == "runs/search"]
        self.assertTrue(searches)
        self.assertTrue(all(body.get("filter") for body in searches), searches)  # none refused
        self.assertEqual(sweep.skipped, 5)  # lr 0.001, 0.5, 2 and 0 with vit; 0.5 with résnet
        found = set()
        for lr in (1e-3, 0.5, 2, 0):
            for model in ("résnet 🚀/b", "vit"):
                found.update(run.id for run in runlens.find(
                    {"lr": lr, "batch size": 32, "use/flag": True, "model": model}))
        self.assertEqual(found, set(ids[:-4]))
        for lr, bs, flag, model in spelled:  # each run found by its own values, however spelled
            self.assertTrue(runlens.exists(
                {"lr": lr, "batch size": bs, "use/flag": flag, "model": model}), (lr, bs, flag))


def _logs(root):
    runs = os.path.join(root, "runs")
    return [os.path.join(runs, day, name) for day in os.listdir(runs)
            for name in os.listdir(os.path.join(runs, day))] if os.path.isdir(runs) else []


def _read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_log(run):
    with open(run.log_path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines()]


if __name__ == "__main__":
    unittest.main()
