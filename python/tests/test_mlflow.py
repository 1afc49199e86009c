"""`import runlens.mlflow as mlflow`: MLflow's names and arguments for the subset RunLens keeps."""

import io
import os
from unittest import mock

import runlens
import runlens.mlflow as mlflow

from .support import RunLensTestCase, events, metric_points, read_log


class MlflowLayout(RunLensTestCase):
    def test_a_typical_mlflow_script_ports_with_one_import(self):
        mlflow.set_experiment("cifar")
        with mlflow.start_run(run_name="parent", tags={"team": "vision"},
                              description="first try") as parent:
            with mlflow.start_run(run_name="child", nested=True):
                mlflow.log_params({"lr": 1e-3, "bs": 32})
                mlflow.log_param("opt", "adam", synchronous=False)
                mlflow.log_metric("loss", 0.5, step=1, timestamp=1_700_000_000_000)
                mlflow.log_metrics({"acc": 0.9}, step=2)
                mlflow.set_tag("stage", "dev")
                mlflow.set_tags({"k": 1})
                child = mlflow.active_run()
                self.assertEqual(child.info.run_id, child.id)
        self.assertIs(mlflow.last_active_run(), parent)
        log = read_log(child.log_path)
        self.assertEqual(log[0]["experiment"], "cifar")
        self.assertEqual(log[0]["name"], "child")
        self.assertEqual(log[0]["parent"], parent.id)
        self.assertEqual(events(log, "params")[0]["params"], {"lr": "0.001", "bs": "32"})
        points = [e for e in events(log, "metrics")][0]["points"]
        self.assertEqual(points[0], ["loss", 0.5, 1, 1_700_000_000_000])
        self.assertEqual(metric_points(log)[1], ("acc", 0.9, 2))
        parent_tags = events(read_log(parent.log_path), "tags")[0]["tags"]
        self.assertEqual(parent_tags, {"team": "vision", "mlflow.note.content": "first try"})
        self.assertTrue(runlens.exists({"lr": 0.001}, experiment="cifar"))

    def test_end_run_with_mlflow_status(self):
        run = mlflow.start_run()
        mlflow.end_run("FAILED")
        self.assertEqual(read_log(run.log_path)[-1]["status"], "failed")

    def test_what_runlens_does_not_record_fails_clearly(self):
        with self.assertRaisesRegex(AttributeError, "log_artifact.*not\\s+artifacts"):
            mlflow.log_artifact("model.pt")
        with self.assertRaisesRegex(NotImplementedError, "cannot resume"):
            mlflow.start_run(run_id="abc")
        with mlflow.start_run():
            with self.assertRaisesRegex(NotImplementedError, "only to the active run"):
                mlflow.log_metric("m", 1.0, run_id="someone-else")

    def test_a_local_tracking_uri_is_accepted_and_said_to_be_unused(self):
        with mock.patch("sys.stderr", io.StringIO()) as err:
            mlflow.set_tracking_uri("file:./mlruns")
            with mlflow.start_run():
                mlflow.log_metric("m", 1.0)
        self.assertIn("not an http(s) tracking server", err.getvalue())
        self.assertEqual(mlflow.get_tracking_uri(), "file:./mlruns")
        self.assertFalse(os.path.exists(os.path.join(self.root, "outbox")))

    def test_a_server_tracking_uri_is_where_runs_are_uploaded(self):
        mlflow.set_tracking_uri("http://127.0.0.1:9/")
        self.assertEqual(runlens.get_tracking_uri(), "http://127.0.0.1:9")
