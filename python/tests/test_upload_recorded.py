"""Uploading to a tracking server, against the recorded answers of a real MLflow 2.17.2 server.

What the client sends is checked against what the real server was sent (tests/mlflowrecorded.py
refuses a request of any other shape), its limits, and what it does with the server's real
answers: errors, HTML pages, a refused key, a deleted run. Faults a network makes (a refused
connection, a connection dropped before the answer, a process killed mid-request) are made
around those answers. Every point is counted: each one logged reaches the server exactly once
(in the requests the server answered 200).

The same behaviours against a live server: test_upload_live.py.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
import unittest
from unittest import mock

import runlens
from runlens import _capture, _fluent

from . import mlflowrecorded
from .mlflowrecorded import Recorded, RecordedTestCase
from .support import child_env, logs_in, start_child, wait_for, write_script

PARENT_ID = "ffbdf0f669474d18aaaff533ae532937"  # the run id 024-runs-create-sweep-parent answers


def upload_lines(log):
    return [event for event in log if event["e"] == "upload"]


def sent_points(server):
    """[(key, value, timestamp, step)] of every metric the server answered 200 to, in order."""
    return [(m["key"], m["value"], m["timestamp"], m["step"])
            for body in server.posted("runs/log-batch", answered=200)
            for m in body.get("metrics", [])]


def logged_points(log):
    """The same for what the run log holds, as MLflow's client would send it."""
    points = []
    for event in log:
        if event["e"] == "metrics":
            points += [(k, v if not isinstance(v, str) else v, t, s) for k, v, s, t in
                       event["points"]]
    return points


class RecordedServer(RecordedTestCase):
    def setUp(self):
        super().setUp()
        (self.server
         .answer("experiments/get-by-name", "017-experiments-get-by-name")
         .answer("runs/create", "024-runs-create-sweep-parent")
         .answer("runs/log-batch", "049-runs-log-batch-child1")
         .answer("runs/update", "075-runs-update-finished")
         .answer("metrics/get-history", "157-history-unknown-key")
         .answer("runs/search", "113-runs-search-filter-metrics-nan"))
        runlens.set_experiment("rec-alpha")  # the experiment 017 answers for

    def upload(self, uri=None):
        runlens.set_tracking_uri(uri or self.server.uri)


class Upload(RecordedServer):
    def test_a_run_goes_up_as_mlflows_client_sends_it(self):
        self.upload()
        with runlens.start_run(name="sweep-parent",
                               params={"lr": 1e-3, "bs": 32, "amp": True, "drop": None}) as run:
            for step in range(5):
                runlens.log_metric("loss", 1.0 / (step + 1), step=step)
            runlens.log_metric("odd", float("nan"))
            runlens.log_metric("odd", float("inf"), step=1)
            runlens.log_metric("odd", float("-inf"), step=2)
            runlens.log_metric("odd", -0.0, step=3)
            runlens.set_tag("stage", "dev")
        self.assertTrue(runlens.wait_for_upload(20))

        self.assertEqual(self.server.asked("experiments/get-by-name"),
                         [{"experiment_name": "rec-alpha"}])
        [create] = self.server.posted("runs/create")
        self.assertEqual(create["experiment_id"], "1")
        self.assertEqual(create["run_name"], "sweep-parent")
        self.assertEqual(create["start_time"], run.start_time)
        tags = {t["key"]: t["value"] for t in create["tags"]}
        self.assertEqual(tags["mlflow.runName"], "sweep-parent")
        self.assertEqual(tags["mlflow.source.type"], "LOCAL")
        self.assertEqual(tags["mlflow.source.name"], _capture.script()["path"])
        self.assertEqual(tags["mlflow.user"], create["user_id"])
        self.assertEqual(tags["runlens.run_id"], run.id)
        batches = self.server.posted("runs/log-batch")
        self.assertTrue(all(b["run_id"] == PARENT_ID for b in batches))
        params = {p["key"]: p["value"] for b in batches for p in b.get("params", [])}
        self.assertEqual(params, {"lr": "0.001", "bs": "32", "amp": "True", "drop": "None"})
        self.assertEqual({t["key"]: t["value"] for b in batches for t in b.get("tags", [])},
                         {"stage": "dev"})
        metrics = [m for b in batches for m in b.get("metrics", [])]
        self.assertEqual([(m["key"], m["value"], m["step"]) for m in metrics],
                         [("loss", 1.0, 0), ("loss", 0.5, 1), ("loss", 1 / 3, 2), ("loss", 0.25, 3),
                          ("loss", 0.2, 4), ("odd", "NaN", 0), ("odd", "Infinity", 1),
                          ("odd", "-Infinity", 2), ("odd", -0.0, 3)])
        self.assertEqual(math.copysign(1, metrics[-1]["value"]), -1)  # -0.0 stays -0.0
        log = self.only_log()
        self.assertEqual([p[2] for p in logged_points(log)], [m["timestamp"] for m in metrics])
        [update] = self.server.posted("runs/update")
        self.assertEqual(update, {"run_id": PARENT_ID, "status": "FINISHED",
                                  "end_time": run.end_time})
        steps = [e["step"] for e in upload_lines(log)]
        self.assertEqual(steps[:3], ["queued", "creating", "created"])
        self.assertEqual(steps[-1], "done")
        self.assertEqual(upload_lines(log)[2]["run_id"], PARENT_ID)
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])

    def test_batches_keep_to_mlflows_limits(self):
        self.upload()
        params = {"p%03d" % i: "é" * 6000 for i in range(150)}  # 1.8 MB of UTF-8
        tags = {"t%03d" % i: str(i) for i in range(120)}
        with runlens.start_run(params=params, tags=tags):
            for step in range(2500):
                runlens.log_metric("loss", step / 7, step=step)
        self.assertTrue(runlens.wait_for_upload(30))
        batches = self.server.posted("runs/log-batch")
        for body in batches:
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            counts = [len(body.get(k, [])) for k in ("metrics", "params", "tags")]
            self.assertLessEqual(len(raw), 1000000)
            self.assertLessEqual(counts[0], 1000)
            self.assertLessEqual(counts[1], 100)
            self.assertLessEqual(counts[2], 100)
            self.assertLessEqual(sum(counts), 1000)
        self.assertEqual([p["key"] for b in batches for p in b.get("params", [])], sorted(params))
        self.assertEqual(sorted(t["key"] for b in batches for t in b.get("tags", [])), sorted(tags))
        self.assertEqual([m["step"] for b in batches for m in b.get("metrics", [])],
                         list(range(2500)))

    def test_nested_runs_name_their_parent(self):
        self.server.answer("runs/create", "024-runs-create-sweep-parent",
                           "025-runs-create-sweep-lr-0-001")
        self.upload()
        with runlens.start_run(name="sweep-parent"):
            with runlens.start_run(name="sweep-lr-0.001", params={"lr": 0.001}):
                runlens.log_metric("loss", 0.5)
        self.assertTrue(runlens.wait_for_upload(20))
        parent, child = self.server.posted("runs/create")
        self.assertNotIn("mlflow.parentRunId", {t["key"] for t in parent["tags"]})
        self.assertIn({"key": "mlflow.parentRunId", "value": PARENT_ID}, child["tags"])

    def test_a_run_taken_up_again_sends_what_it_logs_then_and_its_new_end(self):
        # MLflow's start_run(run_id=...) on a run whose upload was done: the same server run gets
        # the new points and the new end; nothing is created or sent twice.
        import runlens.mlflow as mlflow
        self.upload()
        with runlens.start_run(params={"lr": 0.1}) as run:
            for step in range(10):
                runlens.log_metric("loss", step, step=step)
        self.assertTrue(runlens.wait_for_upload(20))
        self.assertEqual(upload_lines(self.only_log())[-1]["step"], "done")
        with mlflow.start_run(run_id=run.id):
            for step in range(10, 15):
                mlflow.log_metric("loss", step, step=step)
        self.assertTrue(runlens.wait_for_upload(20))
        self.assertEqual(len(self.server.posted("runs/create")), 1)
        self.assertEqual(sorted(sent_points(self.server)), sorted(logged_points(self.only_log())))
        self.assertEqual(len(sent_points(self.server)), 15)
        self.assertEqual([u["status"] for u in self.server.posted("runs/update")],
                         ["FINISHED", "FINISHED"])
        self.assertEqual(upload_lines(self.only_log())[-1]["step"], "done")
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])

    def test_a_refused_key_is_reported_and_the_rest_goes_up(self):
        # The real server's answer to a param key with a comma (040), for every batch holding it.
        self.server.answer_if("runs/log-batch", lambda body: any(
            p["key"] == "comma,key" for p in body.get("params", [])),
            "040-runs-log-batch-invalid-key")
        self.upload()
        with mock.patch("sys.stderr") as stderr:
            with runlens.start_run(params={"lr": 0.1, "comma,key": 1, "bs": 8}) as run:
                for step in range(30):
                    runlens.log_metric("loss", step, step=step)
            self.assertTrue(runlens.wait_for_upload(20))
        said = "".join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertIn("refused param 'comma,key' of run %s" % run.id, said)
        self.assertIn("Names may only contain alphanumerics", said)
        accepted = self.server.posted("runs/log-batch", answered=200)
        self.assertEqual(sorted(p["key"] for b in accepted for p in b.get("params", [])),
                         ["bs", "lr"])
        self.assertEqual([m["step"] for b in accepted for m in b.get("metrics", [])],
                         list(range(30)))
        log = self.only_log()
        [refused] = [e for e in upload_lines(log) if e["step"] == "refused"]
        self.assertEqual((refused["kind"], refused["key"]), ("param", "comma,key"))
        self.assertEqual(upload_lines(log)[-1]["step"], "done")

    def test_the_run_deleted_on_the_server_is_kept_here_and_said(self):
        # 089: the real server's answer for a run that is deleted (as its experiment's runs are).
        self.server.answer("runs/log-batch", "089-runs-log-batch-to-deleted")
        self.upload()
        with mock.patch("sys.stderr") as stderr:
            with runlens.start_run() as run:
                runlens.log_metric("loss", 1.0)
            self.assertTrue(runlens.wait_for_upload(20))
        said = "".join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertIn("does not take run %s" % run.id, said)
        self.assertIn("must be in the 'active' state", said)
        log = self.only_log()
        self.assertEqual(upload_lines(log)[-1]["step"], "stopped")
        self.assertEqual(logged_points(log)[0][:2], ("loss", 1.0))  # the record is whole
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])
        self.assertEqual(self.server.posted("runs/update"), [])

    def test_an_html_error_page_is_waited_out_and_nothing_doubles(self):
        # 190: the real server's HTML 500 page. The batch may have arrived (it did not): the
        # client reads the histories (157: no points) before it sends the batch again.
        self.server.answer("runs/log-batch", "190-error-malformed-json-log-batch",
                           "049-runs-log-batch-child1")
        self.upload()
        with mock.patch("sys.stderr") as stderr:
            with runlens.start_run(params={"lr": 0.1}) as run:
                for step in range(40):
                    runlens.log_metric("loss", step, step=step)
            self.assertTrue(runlens.wait_for_upload(20))
        said = "".join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertEqual(said.count("500 (an HTML page)"), 1, said)
        self.assert_recovered_once(said)

    def assert_recovered_once(self, said):
        """After a batch whose answer was lost: said that the server answers again, the history
        read once before the batch went again, and each of the 40 points on the server once."""
        self.assertIn("answers again", said)
        self.assertEqual(self.server.asked("metrics/get-history"),
                         [{"run_id": PARENT_ID, "metric_key": "loss", "max_results": "25000"}])
        self.assertEqual(sorted(sent_points(self.server)), sorted(logged_points(self.only_log())))
        self.assertEqual(len(sent_points(self.server)), 40)
        self.assertEqual(self.server.posted("runs/update")[0]["status"], "FINISHED")

    def test_a_server_that_does_not_answer_in_time_is_waited_out_and_nothing_doubles(self):
        # The first log-batch gets no answer: the client gives up on it after its timeout, says
        # so once, and (the batch may have arrived) reads the histories before sending it again.
        held, release = self.server.hold("runs/log-batch")
        self.addCleanup(release.set)
        self.upload()
        with mock.patch.dict(os.environ, {"RUNLENS_HTTP_TIMEOUT_S": "0.5"}), \
                mock.patch("sys.stderr") as stderr:
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(40):
                    runlens.log_metric("loss", step, step=step)
            self.assertTrue(held.wait(20))
            self.assertTrue(runlens.wait_for_upload(20))
        said = "".join(str(c.args[0]) for c in stderr.write.call_args_list)
        self.assertEqual(said.count("cannot be reached (no answer within the timeout)"), 1, said)
        self.assert_recovered_once(said)

    def test_a_connection_dropped_before_the_answer_loses_and_doubles_nothing(self):
        self.server.drop_next = 1  # the first request (get-by-name) and its retry
        self.upload()
        with runlens.start_run():
            for step in range(100):
                runlens.log_metric("loss", step, step=step)
        self.assertTrue(runlens.wait_for_upload(20))
        self.assertEqual(sorted(sent_points(self.server)), sorted(logged_points(self.only_log())))

    def test_a_lost_create_answer_looks_the_run_up_before_creating_another(self):
        # The create is dropped after the server read it; the client then asks runs/search for
        # its tag. 108 answers with the run (the real server's answer for one run found).
        self.server.answer("runs/search", "108-runs-search-filter-tags-mlflow-runname")
        real = self.server._serve
        dropped = []

        def serve(handler, method):
            if handler.path.endswith("runs/create") and not dropped:
                dropped.append(True)
                self.server.drop_next = 1
            real(handler, method)
        self.server._serve = serve
        self.upload()
        with runlens.start_run() as run:
            runlens.log_metric("loss", 1.0)
        self.assertTrue(runlens.wait_for_upload(20))
        [search] = self.server.posted("runs/search")
        self.assertEqual(search["filter"], "tags.`runlens.run_id` = '%s'" % run.id)
        self.assertEqual(search["run_view_type"], "ALL")
        self.assertEqual(self.server.posted("runs/create"), [])  # only the dropped one was sent
        created = [e for e in upload_lines(self.only_log()) if e["step"] == "created"]
        self.assertEqual(created[0]["run_id"], "922252d5808e45668e95a9eab9ab7e8b")

    def test_clock_jumps_do_not_reorder_steps(self):
        # The machine's clock jumps back an hour mid-run: the points keep their steps and the
        # times they were logged at, in the order they were logged; the server's clock is not used.
        clock = iter([1000.0 + i for i in range(5)] + [1000.0 - 3600 + i for i in range(5)])
        self.upload()
        with runlens.start_run():
            with mock.patch.object(_fluent, "_now", lambda: next(clock)):
                for step in range(10):
                    runlens.log_metric("loss", step, step=step)
        self.assertTrue(runlens.wait_for_upload(20))
        sent = [(m[3], m[2]) for m in sent_points(self.server)]
        self.assertEqual([s for s, _ in sent], list(range(10)))
        self.assertEqual([t for _, t in sent], [int((1000.0 + i) * 1000) for i in range(5)]
                         + [int((1000.0 - 3600 + i) * 1000) for i in range(5)])

    def test_nothing_is_uploaded_without_a_server(self):
        with runlens.start_run():
            runlens.log_metric("loss", 1.0)
        self.assertEqual(self.server.requests, [])
        self.assertEqual(upload_lines(self.only_log()), [])
        self.assertFalse(os.path.exists(os.path.join(self.root, "outbox")))


class Processes(RecordedServer):
    """Processes that die, start later or run at once: what they leave is taken up exactly."""

    def resume(self, *args, **env):
        """python -m runlens.upload, as the extension runs it; its JSON lines."""
        proc = subprocess.run(
            [sys.executable, "-m", "runlens.upload", "--json"] + list(args), cwd=self.tmp,
            env=child_env(self.root, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=120)
        lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        return proc.returncode, lines, proc.stderr.decode()

    def server_up_at(self, port):
        """The recorded server, come up at `port` after a run was logged while nothing answered
        there: it answers what an upload asks (experiment, run, batch, end)."""
        server = Recorded(port=port)
        self.addCleanup(server.stop)
        for endpoint, name in [("experiments/get-by-name", "017-experiments-get-by-name"),
                               ("runs/create", "024-runs-create-sweep-parent"),
                               ("runs/log-batch", "049-runs-log-batch-child1"),
                               ("runs/update", "075-runs-update-finished")]:
            server.answer(endpoint, name)
        return server

    def test_a_server_down_for_the_whole_run_gets_it_all_when_it_is_up(self):
        port = mlflowrecorded.free_port()
        uri = "http://127.0.0.1:%d" % port
        code, out, err = _run(self.tmp, self.root, """
            import runlens
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(3000):
                    runlens.log_metric("loss", step, step=step)
        """, RUNLENS_TRACKING_URI=uri, RUNLENS_UPLOAD_EXIT_WAIT_S="2")
        self.assertEqual(code, 0, err)
        self.assertIn("cannot be reached (connection refused)", err)
        self.assertIn("1 run is not uploaded to %s yet" % uri, err)
        [waiting] = os.listdir(os.path.join(self.root, "outbox"))
        server = self.server_up_at(port)
        code, lines, err = self.resume("--server", uri)
        self.assertEqual(code, 0, err)
        self.assertEqual(lines[0]["state"], "done")
        self.assertEqual(lines[-1]["summary"]["points"], 3000)
        self.assertEqual(sorted(sent_points(server)), sorted(logged_points(self.only_log())))
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])
        self.assertEqual(server.unexpected, [])

    def test_refused_credentials_keep_the_run_waiting_until_they_are_given(self):
        # A proxy in front of the server wants a token. The run's process is refused, says how
        # to give credentials, and leaves the run waiting; the uploader without them says why
        # (problem "auth", which the extension offers to fix); with them, all of it goes up once.
        self.server.require_auth = "Bearer t0ken"
        code, _, err = _run(self.tmp, self.root, """
            import runlens
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(300):
                    runlens.log_metric("loss", step, step=step)
        """, RUNLENS_TRACKING_URI=self.server.uri, RUNLENS_UPLOAD_EXIT_WAIT_S="2")
        self.assertEqual(code, 0, err)
        self.assertEqual(err.count("refused the credentials (401)"), 1, err)
        self.assertIn("set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and "
                      "MLFLOW_TRACKING_PASSWORD", err)
        self.assertIn("1 run is not uploaded to %s yet" % self.server.uri, err)
        self.assertNotIn("t0ken", err)
        [waiting] = os.listdir(os.path.join(self.root, "outbox"))
        self.assertEqual([e["step"] for e in upload_lines(self.only_log())], ["queued"])

        code, lines, err = self.resume("--server", self.server.uri)
        self.assertEqual(code, 1, err)
        self.assertEqual((lines[0]["state"], lines[0]["problem"]), ("waiting", "auth"))
        self.assertIn("refused the credentials (401)", lines[0]["message"])
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [waiting])

        code, lines, err = self.resume("--server", self.server.uri, MLFLOW_TRACKING_TOKEN="t0ken")
        self.assertEqual(code, 0, err)
        self.assertEqual((lines[0]["state"], lines[0]["problem"]), ("done", None))
        self.assertEqual(len(sent_points(self.server)), 300)
        self.assertEqual(sorted(sent_points(self.server)), sorted(logged_points(self.only_log())))
        self.assertEqual(self.server.posted("runs/update")[0]["status"], "FINISHED")
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])
        self.assertNotIn("t0ken", json.dumps(self.only_log()))

    def test_sigkill_in_the_middle_of_an_upload_then_resume(self):
        held, release = self.server.hold("runs/log-batch")
        proc = start_child(self.tmp, self.root, """
            import runlens, sys
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"lr": 0.1}):
                for step in range(5000):
                    runlens.log_metric("loss", step * 0.5, step=step)
                    runlens.log_metric("acc", step / 5000, step=step)
            print("ended", flush=True)
        """, RUNLENS_TRACKING_URI=self.server.uri)
        self.assertTrue(held.wait(60), "the child's upload never reached the server")
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        release.set()
        log = self.only_log()
        self.assertEqual(upload_lines(log)[-1]["step"], "sending")  # cut in the middle
        code, lines, err = self.resume("--server", self.server.uri, "--wait", "30")
        self.assertEqual(code, 0, err)
        log = self.only_log()
        sent, logged = sent_points(self.server), logged_points(log)
        self.assertEqual(len(sent), len(logged))  # none doubled
        self.assertEqual(sorted(sent), sorted(logged))  # none lost, point by point
        final = upload_lines(log)[-1]
        self.assertEqual(final["step"], "done")
        # Killed before its end: FAILED on the server, with the tag that says it crashed, or
        # FINISHED if it got to end the run before the kill.
        if any(e["e"] == "end" for e in log):
            self.assertEqual(final["status"], "FINISHED")
        else:
            self.assertEqual(final["status"], "FAILED")
            tags = [t for b in self.server.posted("runs/log-batch", answered=200)
                    for t in b.get("tags", [])]
            self.assertIn({"key": "runlens.crashed", "value": "true"}, tags)

    def test_the_next_client_process_takes_over_a_run_left_waiting(self):
        port = mlflowrecorded.free_port()
        uri = "http://127.0.0.1:%d" % port
        code, _, err = _run(self.tmp, self.root, """
            import runlens
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"first": 1}):
                for step in range(500):
                    runlens.log_metric("loss", step, step=step)
        """, RUNLENS_TRACKING_URI=uri, RUNLENS_UPLOAD_EXIT_WAIT_S="1")
        self.assertEqual(code, 0, err)
        [left] = logs_in(self.root)
        server = self.server_up_at(port)
        code, _, err = _run(self.tmp, self.root, """
            import runlens, time
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"second": 2}):
                runlens.log_metric("loss", 1.0)
                time.sleep(3)  # while the first process's run goes up
        """, RUNLENS_TRACKING_URI=uri)
        self.assertEqual(code, 0, err)
        logs = logs_in(self.root)
        self.assertEqual([e["step"] for e in upload_lines(logs[left])][-1], "done")
        self.assertEqual(len(server.posted("runs/create")), 2)
        first = [p for b in server.posted("runs/log-batch") for p in b.get("metrics", [])]
        self.assertEqual(len(first), 501)  # each point once: 500 of the first run, 1 of the second
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])
        self.assertEqual(server.unexpected, [])

    @unittest.skipUnless(os.path.isdir("/proc/self/fd"), "counts open files in /proc/self/fd")
    def test_a_sweep_of_many_runs_while_the_server_is_down_holds_few_files(self):
        port = mlflowrecorded.free_port()
        uri = "http://127.0.0.1:%d" % port
        code, out, err = _run(self.tmp, self.root, """
            import os, runlens, time
            runlens.set_experiment("rec-alpha")
            before = len(os.listdir("/proc/self/fd"))
            most = 0
            for i in range(200):
                with runlens.start_run(params={"i": i}):
                    runlens.log_metric("loss", i)
                    time.sleep(0.01)  # a run takes a moment; the upload thread looks twice a second
                most = max(most, len(os.listdir("/proc/self/fd")) - before)
            print(most)
        """, RUNLENS_TRACKING_URI=uri, RUNLENS_UPLOAD_EXIT_WAIT_S="1")
        self.assertEqual(code, 0, err)
        self.assertLess(int(out.strip()), 80)  # the runs of a moment, not one file per run
        self.assertEqual(len(os.listdir(os.path.join(self.root, "outbox"))), 200)
        server = self.server_up_at(port)
        code, lines, err = self.resume("--server", uri)
        self.assertEqual(code, 0, err)
        self.assertEqual(lines[-1]["summary"]["done"], 200)
        self.assertEqual(len(server.posted("runs/create")), 200)
        self.assertEqual(sorted(p["value"] for b in server.posted("runs/log-batch")
                                for p in b.get("params", [])), sorted(str(i) for i in range(200)))

    def test_a_lost_outbox_is_listed_again_from_the_logs(self):
        uri = "http://127.0.0.1:%d" % mlflowrecorded.free_port()
        code, _, err = _run(self.tmp, self.root, """
            import runlens
            with runlens.start_run():
                runlens.log_metric("loss", 1.0)
        """, RUNLENS_TRACKING_URI=uri, RUNLENS_UPLOAD_EXIT_WAIT_S="1")
        self.assertEqual(code, 0, err)
        [run_id] = logs_in(self.root)
        os.remove(os.path.join(self.root, "outbox", run_id + ".json"))
        code, lines, err = self.resume("--scan", "--status")
        self.assertEqual(code, 0, err)
        self.assertIn("1 run listed again", err)
        self.assertEqual(lines[0], {"run": run_id, "server": uri, "state": "waiting",
                                    "message": None, "problem": None, "note": None})

    def test_concurrent_processes_upload_their_own_runs_once(self):
        self.server.answer("runs/create", "024-runs-create-sweep-parent",
                           "025-runs-create-sweep-lr-0-001", "026-runs-create-sweep-lr-0-01")
        procs = [start_child(self.tmp, self.root, """
            import os, runlens
            worker = int(os.environ["WORKER"])
            runlens.set_experiment("rec-alpha")
            with runlens.start_run(params={"worker": worker}):
                for step in range(2000):
                    runlens.log_metric("loss", step + worker / 10, step=step)
        """, RUNLENS_TRACKING_URI=self.server.uri, WORKER=str(i)) for i in range(3)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        logs = logs_in(self.root)
        self.assertEqual(len(logs), 3)
        by_run = {}
        for body in self.server.posted("runs/log-batch", answered=200):
            by_run.setdefault(body["run_id"], []).extend(
                (m["key"], m["value"], m["timestamp"], m["step"]) for m in body.get("metrics", []))
        created = {}
        for log in logs.values():
            [made] = [e for e in upload_lines(log) if e["step"] == "created"]
            created[made["run_id"]] = log
            self.assertEqual(upload_lines(log)[-1]["step"], "done")
        self.assertEqual(len(created), 3)  # three runs, each created once
        for run_id, log in created.items():
            self.assertEqual(sorted(by_run[run_id]), sorted(logged_points(log)))
        workers = sorted(p["value"] for b in self.server.posted("runs/log-batch", answered=200)
                         for p in b.get("params", []) if p["key"] == "worker")
        self.assertEqual(workers, ["0", "1", "2"])
        self.assertEqual(os.listdir(os.path.join(self.root, "outbox")), [])


class Credentials(unittest.TestCase):
    """401/403 have no recording (the recorded server had no authentication): what the client
    makes of the status, and where credentials go."""

    def test_a_refusal_of_credentials_says_how_to_give_them(self):
        from runlens import _rest, _tracking
        server = _tracking.Server("http://127.0.0.1:5000")
        with self.assertRaises(_rest.ServerError) as caught:
            _rest._answer(server, "POST /x", 401, "text/html", b"<html>", True)
        self.assertEqual(caught.exception.kind, "auth")
        self.assertIn("MLFLOW_TRACKING_TOKEN", caught.exception.message)

    def test_credentials_are_never_in_the_run_log(self):
        from runlens import _tracking
        server = _tracking.Server("http://alice:s3cret@host:5000/mlflow/")
        self.assertEqual(server.uri, "http://host:5000/mlflow")
        self.assertTrue(server.auth.startswith("Basic "))


def _run(directory, root, source, **env):
    path = write_script(directory, source, name="child_%d.py" % time.monotonic_ns())
    proc = subprocess.run([sys.executable, path], cwd=directory, env=child_env(root, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


if __name__ == "__main__":
    unittest.main()
