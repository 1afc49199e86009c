"""runlens.mlflow.tracking.MlflowClient: MLflow's client over RunLens, logging to runs by id."""

import os

import runlens.mlflow as mlflow
from runlens.mlflow.entities import Metric, Param, RunTag
from runlens.mlflow.exceptions import MlflowException
from runlens.mlflow.tracking import MlflowClient

from .support import RunLensTestCase, events, read_log


class Client(RunLensTestCase):
    def setUp(self):
        super().setUp()
        self.client = MlflowClient()

    def test_importable_where_mlflow_code_expects_it(self):
        from runlens.mlflow.client import MlflowClient as direct  # noqa: PLC0415
        self.assertIs(mlflow.MlflowClient, direct)
        self.assertIs(MlflowClient, direct)

    def test_a_created_run_is_running_but_not_the_active_run_and_ends_at_set_terminated(self):
        exp = self.client.create_experiment("client")
        run = self.client.create_run(exp, tags={"k": "v"}, run_name="c1")
        self.assertIsNone(mlflow.active_run())
        self.assertEqual(run.info.status, "RUNNING")
        self.assertEqual((run.data.tags["k"], run.data.tags["mlflow.runName"]), ("v", "c1"))
        self.client.set_terminated(run.info.run_id, "KILLED", end_time=1_800_000_000_000)
        got = self.client.get_run(run.info.run_id)
        self.assertEqual((got.info.status, got.info.end_time), ("KILLED", 1_800_000_000_000))

    def test_a_created_run_becomes_the_active_run_with_start_run_run_id(self):
        run = self.client.create_run("0")
        with mlflow.start_run(run_id=run.info.run_id) as active:
            self.assertIs(mlflow.active_run(), active)
            mlflow.log_metric("m", 1.0)
        got = self.client.get_run(run.info.run_id)
        self.assertEqual((got.info.status, got.data.metrics), ("FINISHED", {"m": 1.0}))
        log = read_log(active.log_path)
        self.assertEqual(len(events(log, "start")), 1, "it never ended: nothing to resume")

    def test_log_batch_writes_params_tags_and_metrics(self):
        run = self.client.create_run("0")
        rid = run.info.run_id
        self.client.log_batch(rid, metrics=[Metric("a", 1.0, 1_700_000_000_000, 3)],
                              params=[Param("p", "1")], tags=[RunTag("t", "x")])
        self.client.log_param(rid, "q", 2)
        self.client.log_metric(rid, "b", 0.5, step=1)
        self.client.set_tag(rid, "u", "y")
        self.client.delete_tag(rid, "u")
        with self.assertRaisesRegex(MlflowException, "No tag with name: u"):
            self.client.delete_tag(rid, "u")
        self.client.set_terminated(rid)
        got = self.client.get_run(rid)
        self.assertEqual(got.data.params, {"p": "1", "q": "2"})
        self.assertEqual(got.data.metrics, {"a": 1.0, "b": 0.5})
        self.assertEqual(self.client.get_metric_history(rid, "a"), [Metric("a", 1.0, 1_700_000_000_000, 3)])
        self.assertEqual(got.data.tags["t"], "x")
        self.assertNotIn("u", got.data.tags)

    def test_artifacts_listed_as_mlflow_lists_them_and_downloaded(self):
        run = self.client.create_run("0")
        rid = run.info.run_id
        source = os.path.join(self.tmp, "model.bin")
        with open(source, "wb") as f:
            f.write(b"weights")
        self.client.log_artifact(rid, source, "model")
        self.client.log_text(rid, "a", "notes/a.txt")
        self.client.log_dict(rid, {"x": 1}, "params.json")
        self.assertEqual([(f.path, f.is_dir, f.file_size) for f in self.client.list_artifacts(rid)],
                         [("model", True, None), ("notes", True, None), ("params.json", False, 12)])
        self.assertEqual([f.path for f in self.client.list_artifacts(rid, "model")], ["model/model.bin"])
        target = os.path.join(self.tmp, "down")
        got = self.client.download_artifacts(rid, "model", target)
        self.assertEqual(got, os.path.join(target, "model"))
        with open(os.path.join(got, "model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"weights")
        with self.assertRaisesRegex(MlflowException, "no artifact 'nope'"):
            self.client.download_artifacts(rid, "nope")
        self.client.set_terminated(rid)

    def test_search_runs_takes_the_filter_and_order(self):
        for value in (3, 1, 2):
            run = self.client.create_run("0")
            self.client.log_metric(run.info.run_id, "m", value)
            self.client.set_terminated(run.info.run_id)
        found = self.client.search_runs(["0"], "metrics.m > 1", order_by=["metrics.m DESC"])
        self.assertEqual([r.data.metrics["m"] for r in found], [3.0, 2.0])

    def test_an_unknown_run_and_an_imported_run_say_why(self):
        with self.assertRaisesRegex(MlflowException, "Run 'nope' not found"):
            self.client.log_param("nope", "a", 1)
        with self.assertRaisesRegex(AttributeError, "model registry"):
            self.client.create_registered_model("m")


class ImportedRuns(RunLensTestCase):
    """Runs the extension imported from an MLflow store: read through its database."""

    def setUp(self):
        super().setUp()
        from .storefixture import StoreBuilder  # noqa: PLC0415
        store = os.path.join(self.tmp, "mlruns")
        artifacts = os.path.join(store, "1", "abc", "artifacts")
        os.makedirs(os.path.join(artifacts, "plots"))
        with open(os.path.join(artifacts, "plots", "loss.png"), "wb") as f:
            f.write(b"png")
        builder = StoreBuilder(self.root)
        experiment = builder.experiment("imported")
        self.uid = "mlflow-12345678-abc"
        builder.run(self.uid, {"lr": "0.1"}, experiment="imported", metrics={"acc": 0.5},
                    source="mlflow-file:%s#1/abc" % store, status="finished",
                    artifacts=[("plots/loss.png", 3, None, "image/png")],
                    artifact_uri="file:///elsewhere/mlruns/1/abc/artifacts")
        builder.save()
        self.store = store

    def test_get_run_and_artifacts_of_an_imported_run(self):
        run = mlflow.get_run(self.uid)
        self.assertEqual((run.data.params, run.data.metrics), ({"lr": "0.1"}, {"acc": 0.5}))
        self.assertEqual(run.info.artifact_uri,
                         "file://" + os.path.join(self.store, "1", "abc", "artifacts"),
                         "where the files are, even when the store was moved since")
        client = MlflowClient()
        self.assertEqual([f.path for f in client.list_artifacts(self.uid, "plots")], ["plots/loss.png"])
        got = client.download_artifacts(self.uid, "plots/loss.png", os.path.join(self.tmp, "d"))
        with open(got, "rb") as f:
            self.assertEqual(f.read(), b"png")

    def test_an_artifact_location_outside_the_stores_folder_is_not_read(self):
        from runlens import _catalog  # noqa: PLC0415
        db = os.path.join(self.tmp, "project", "mlflow.db")
        self.assertEqual(_catalog.imported_folder("mlflow-db:%s#abc" % db, "artifacts/1/abc"),
                         os.path.join(self.tmp, "project", "artifacts", "1", "abc"))
        self.assertIsNone(_catalog.imported_folder("mlflow-db:%s#abc" % db, "/home/someone/.ssh"))
        self.assertIsNone(_catalog.imported_folder("mlflow-db:%s#abc" % db, "../elsewhere"))
        self.assertIsNone(_catalog.imported_folder("mlflow-db:%s#abc" % db, "s3://bucket/1/abc"))

    def test_logging_to_an_imported_run_is_refused(self):
        with self.assertRaisesRegex(Exception, "imported from .*cannot log to it"):
            MlflowClient().log_param(self.uid, "x", 1)
