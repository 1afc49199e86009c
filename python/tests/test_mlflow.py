"""`import runlens.mlflow as mlflow`: MLflow's names, arguments, return values and errors."""

import io
import json
import os
import unittest
import unittest.mock

import runlens
import runlens.mlflow as mlflow
from runlens import _catalog
from runlens.mlflow import entities
from runlens.mlflow.exceptions import MlflowException, UnsupportedByRunLens

from .support import RunLensTestCase, events, metric_points, read_log

try:
    import pandas
except ImportError:
    pandas = None


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
        self.assertEqual(mlflow.last_active_run().info.run_id, parent.id)
        log = read_log(child.log_path)
        self.assertEqual(log[0]["experiment"], "cifar")
        self.assertEqual(log[0]["name"], "child")
        self.assertEqual(log[0]["parent"], parent.id)
        self.assertEqual(events(log, "params")[0]["params"], {"lr": "0.001", "bs": "32"})
        points = [e for e in events(log, "metrics")][0]["points"]
        self.assertEqual(points[0], ["loss", 0.5, 1, 1_700_000_000_000])
        self.assertEqual(metric_points(log)[1], ("acc", 0.9, 2))
        parent_tags = mlflow.get_run(parent.id).data.tags
        self.assertEqual((parent_tags["team"], parent_tags["mlflow.note.content"]),
                         ("vision", "first try"))
        self.assertTrue(runlens.exists({"lr": 0.001}, experiment="cifar"))

    def test_end_run_with_mlflow_status(self):
        run = mlflow.start_run()
        mlflow.end_run("FAILED")
        self.assertEqual(read_log(run.log_path)[-1]["status"], "failed")

    def test_a_local_tracking_uri_is_accepted_and_said_to_be_unused(self):
        with unittest.mock.patch("sys.stderr", io.StringIO()) as err:
            mlflow.set_tracking_uri("file:./mlruns")
            with mlflow.start_run():
                mlflow.log_metric("m", 1.0)
        self.assertIn("not an http(s) tracking server", err.getvalue())
        self.assertTrue(mlflow.get_tracking_uri().startswith("file:///"))
        self.assertFalse(os.path.exists(os.path.join(self.root, "outbox")))

    def test_a_server_tracking_uri_is_where_runs_are_uploaded(self):
        mlflow.set_tracking_uri("http://127.0.0.1:9/")
        self.assertEqual(mlflow.get_tracking_uri(), "http://127.0.0.1:9")
        self.assertEqual(runlens.get_tracking_uri(), "http://127.0.0.1:9")


class TagsMlflowSets(RunLensTestCase):
    def test_a_run_gets_the_tags_mlflow_sets_user_source_name_parent(self):
        with mlflow.start_run(run_name="outer") as outer:
            with mlflow.start_run(nested=True) as inner:
                pass
        tags = mlflow.get_run(inner.info.run_id).data.tags
        self.assertEqual(tags["mlflow.parentRunId"], outer.info.run_id)
        self.assertEqual(tags["mlflow.source.type"], "LOCAL")
        self.assertIn("mlflow.user", tags)
        self.assertIn("mlflow.source.name", tags)
        self.assertEqual(mlflow.get_run(outer.info.run_id).data.tags["mlflow.runName"], "outer")
        self.assertNotIn("mlflow.parentRunId", mlflow.get_run(outer.info.run_id).data.tags)


class Experiments(RunLensTestCase):
    def test_set_experiment_returns_an_experiment_object(self):
        exp = mlflow.set_experiment("mnist")
        self.assertIsInstance(exp, entities.Experiment)
        self.assertEqual((exp.experiment_id, exp.name, exp.lifecycle_stage, exp.tags),
                         ("mnist", "mnist", "active", {}))
        self.assertTrue(exp.artifact_location.endswith("/.runlens/artifacts"))
        with mlflow.start_run(experiment_id=exp.experiment_id) as run:
            pass
        self.assertEqual(run.info.experiment_id, "mnist")
        self.assertEqual(mlflow.get_experiment_by_name("mnist").experiment_id, "mnist")

    def test_default_is_experiment_zero_as_in_mlflow(self):
        with mlflow.start_run() as run:
            pass
        self.assertEqual(run.info.experiment_id, "0")
        self.assertEqual(mlflow.get_experiment("0").name, "Default")
        mlflow.set_experiment(experiment_id="0")
        self.assertEqual(runlens._fluent.current_experiment(), "Default")

    def test_create_experiment_and_its_errors(self):
        self.assertEqual(mlflow.create_experiment("new-one"), "new-one")
        self.assertEqual(mlflow.get_experiment_by_name("new-one").name, "new-one")
        with self.assertRaisesRegex(MlflowException, "already exists"):
            mlflow.create_experiment("new-one")
        with self.assertRaisesRegex(UnsupportedByRunLens, "artifact_location"):
            mlflow.create_experiment("elsewhere", artifact_location="s3://bucket")
        self.assertIsNone(mlflow.get_experiment_by_name("never-made"))
        with self.assertRaisesRegex(MlflowException, "No Experiment with id=nope"):
            mlflow.set_experiment(experiment_id="nope")


class Resuming(RunLensTestCase):
    def test_start_run_with_run_id_takes_up_a_finished_run(self):
        with mlflow.start_run() as run:
            mlflow.log_param("a", 1)
            mlflow.log_metric("m", 1.0, step=0)
        with mlflow.start_run(run_id=run.info.run_id) as again:
            self.assertEqual(mlflow.get_run(run.info.run_id).info.status, "RUNNING")
            self.assertEqual(again.data.params, {"a": "1"})
            mlflow.log_metric("m", 2.0, step=1)
            with self.assertRaisesRegex(ValueError, "Changing param values is not allowed"):
                mlflow.log_param("a", 2)
        got = mlflow.get_run(run.info.run_id)
        self.assertEqual((got.info.status, got.data.metrics), ("FINISHED", {"m": 2.0}))
        log = read_log(run.log_path)
        self.assertEqual([e["e"] for e in log],
                         ["start", "tags", "tags", "params", "metrics", "end", "start", "metrics", "end"]
                         if "mlflow.source.git.commit" in got.data.tags else
                         ["start", "tags", "params", "metrics", "end", "start", "metrics", "end"])
        self.assertTrue(log[-3]["resume"])

    def test_resuming_what_cannot_be_resumed_says_why(self):
        with self.assertRaisesRegex(MlflowException, "Run 'nope' not found"):
            mlflow.start_run(run_id="nope")
        with mlflow.start_run() as run:
            with self.assertRaisesRegex(MlflowException, "already active"):
                mlflow.start_run(run_id=run.info.run_id)
        with mlflow.start_run() as other:
            pass
        with open(os.path.join(self.root, "journal.jsonl"), "a") as f:
            f.write(json.dumps({"e": "delete", "run": other.id}) + "\n")
        with self.assertRaisesRegex(MlflowException, "deleted state"):
            mlflow.start_run(run_id=other.id)

    def test_parent_run_id_nests_under_a_run_that_is_not_active(self):
        with mlflow.start_run() as parent:
            pass
        with mlflow.start_run(parent_run_id=parent.info.run_id) as child:
            pass
        self.assertEqual(mlflow.get_run(child.info.run_id).data.tags["mlflow.parentRunId"],
                         parent.info.run_id)
        self.assertEqual(read_log(child.log_path)[0]["parent"], parent.info.run_id)
        self.assertEqual(mlflow.get_parent_run(child.info.run_id).info.run_id, parent.info.run_id)
        with mlflow.start_run() as other:
            with self.assertRaisesRegex(MlflowException, "does not match the specified parent_run_id"):
                mlflow.start_run(parent_run_id=parent.info.run_id)
        del other


class RunObjects(RunLensTestCase):
    def test_get_run_has_info_and_data_with_latest_metrics(self):
        with mlflow.start_run(run_name="r") as run:
            mlflow.log_param("lr", 0.1)
            for step, value in enumerate([0.9, 0.5, 0.7]):
                mlflow.log_metric("loss", value, step=step)
            mlflow.log_text("x", "a.txt")
            self.assertEqual(mlflow.active_run().data.metrics, {"loss": 0.7})
        got = mlflow.get_run(run.info.run_id)
        self.assertEqual(got.info.run_name, "r")
        self.assertEqual(got.info.status, "FINISHED")
        self.assertEqual(got.info.lifecycle_stage, "active")
        self.assertEqual(got.info.artifact_uri, run.info.artifact_uri)
        self.assertGreaterEqual(got.info.end_time, got.info.start_time)
        self.assertEqual((got.data.params, got.data.metrics), ({"lr": "0.1"}, {"loss": 0.7}))
        with self.assertRaisesRegex(MlflowException, "not found"):
            mlflow.get_run("0" * 32)

    def test_last_active_run_is_the_run_as_get_run_shows_it(self):
        with mlflow.start_run():
            mlflow.log_metric("m", 3)
        self.assertEqual(mlflow.last_active_run().data.metrics, {"m": 3.0})

    def test_delete_tag_removes_it_and_refuses_one_that_is_not_there(self):
        with mlflow.start_run() as run:
            mlflow.set_tag("stage", "dev")
            mlflow.delete_tag("stage")
            with self.assertRaisesRegex(MlflowException, "No tag with name: stage"):
                mlflow.delete_tag("stage")
        self.assertNotIn("stage", mlflow.get_run(run.info.run_id).data.tags)
        self.assertEqual(events(read_log(run.log_path), "untag")[0]["key"], "stage")


class SearchRuns(RunLensTestCase):
    def setUp(self):
        super().setUp()
        mlflow.set_experiment("search")
        self.ids = {}
        for name, lr, acc in (("a", "0.01", 0.8), ("b", "1e-3", 0.9), ("c", "0.1", 0.7)):
            with mlflow.start_run(run_name=name) as run:
                mlflow.log_params({"lr": lr, "opt": "adam" if name != "c" else "sgd"})
                mlflow.log_metric("acc", acc)
            self.ids[name] = run.info.run_id

    def test_the_filter_language_is_runlens_s_mlflow_s_plus_or_and_meaning(self):
        found = mlflow.search_runs(filter_string="params.lr = 0.001 or metrics.acc < 0.75",
                                   output_format="list")
        self.assertEqual({r.info.run_name for r in found}, {"b", "c"})
        found = mlflow.search_runs(filter_string="metrics.acc > 0.75 and params.opt = 'adam'",
                                   order_by=["metrics.acc DESC"], output_format="list")
        self.assertEqual([r.info.run_name for r in found], ["b", "a"])

    def test_order_and_max_results(self):
        newest = mlflow.search_runs(output_format="list")
        self.assertEqual([r.info.run_name for r in newest], ["c", "b", "a"])
        top = mlflow.search_runs(order_by=["metrics.acc ASC"], max_results=2, output_format="list")
        self.assertEqual([r.info.run_name for r in top], ["c", "a"])

    def test_other_experiments_and_deleted_runs(self):
        mlflow.set_experiment("elsewhere")
        with mlflow.start_run(run_name="z"):
            pass
        self.assertEqual([r.info.run_name for r in mlflow.search_runs(output_format="list")], ["z"])
        both = mlflow.search_runs(experiment_names=["search", "elsewhere"], output_format="list")
        self.assertEqual(len(both), 4)
        with open(os.path.join(self.root, "journal.jsonl"), "a") as f:
            f.write(json.dumps({"e": "delete", "run": self.ids["a"]}) + "\n")
        names = lambda view: sorted(r.info.run_name for r in mlflow.search_runs(  # noqa: E731
            experiment_ids=["search"], run_view_type=view, output_format="list"))
        self.assertEqual(names(entities.ViewType.ACTIVE_ONLY), ["b", "c"])
        self.assertEqual(names(entities.ViewType.DELETED_ONLY), ["a"])
        self.assertEqual(names(entities.ViewType.ALL), ["a", "b", "c"])

    @unittest.skipIf(pandas is None, "needs pandas (Debian's python3-pandas)")
    def test_a_dataframe_with_mlflows_columns_when_pandas_is_there(self):
        df = mlflow.search_runs(order_by=["params.lr"])
        self.assertEqual(list(df.columns[:6]), ["run_id", "experiment_id", "status", "artifact_uri",
                                                "start_time", "end_time"])
        self.assertIn("metrics.acc", df.columns)
        self.assertIn("params.lr", df.columns)
        self.assertIn("tags.mlflow.runName", df.columns)
        self.assertEqual(list(df["tags.mlflow.runName"]), ["a", "c", "b"], "params order as text, as in MLflow")
        self.assertEqual(str(df["start_time"].dt.tz), "UTC")
        self.assertEqual(set(df["status"]), {"FINISHED"})

    def test_a_list_when_pandas_is_not_there(self):
        with unittest.mock.patch("runlens.mlflow._runs.pandas_available", return_value=False), \
                unittest.mock.patch("runlens.mlflow.pandas_available", return_value=False):
            found = mlflow.search_runs()
        self.assertIsInstance(found, list)
        self.assertIsInstance(found[0], entities.Run)

    def test_a_filter_that_does_not_read_says_where(self):
        with self.assertRaisesRegex(ValueError, "expected a value.*at column"):
            mlflow.search_runs(filter_string="params.lr =")


class Inputs(RunLensTestCase):
    @unittest.skipIf(pandas is None, "needs pandas")
    def test_log_input_records_the_dataset_as_mlflow_does_name_digest_source(self):
        frame = pandas.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
        dataset = mlflow.data.from_pandas(frame, source="s3://bucket/train.csv", name="train")
        with mlflow.start_run() as run:
            mlflow.log_input(dataset, context="training")
        got = mlflow.get_run(run.info.run_id)
        [one] = got.inputs.dataset_inputs
        self.assertEqual((one.dataset.name, one.dataset.source, one.dataset.source_type),
                         ("train", "s3://bucket/train.csv", "s3"))
        self.assertEqual(one.dataset.digest, dataset.digest)
        self.assertEqual(len(dataset.digest), 8)
        self.assertEqual([(t.key, t.value) for t in one.tags], [("mlflow.data.context", "training")])
        again = mlflow.data.from_pandas(frame.copy(), source="elsewhere")
        self.assertEqual(again.digest, dataset.digest, "the digest is of the data")


class WhatRunLensDoesNotRecord(RunLensTestCase):
    def test_an_unknown_name_says_what_the_module_has(self):
        with self.assertRaisesRegex(AttributeError, "has no 'log_model'.*sklearn.log_model"):
            mlflow.log_model
        with self.assertRaisesRegex(AttributeError, "has no 'register_model'.*registry"):
            mlflow.register_model("runs:/x/model", "name")

    def test_unsupported_arguments_are_refused_by_name(self):
        with self.assertRaisesRegex(UnsupportedByRunLens, "log_system_metrics"):
            mlflow.start_run(log_system_metrics=True)
        with mlflow.start_run():
            with self.assertRaisesRegex(UnsupportedByRunLens, "log_image\\(key=..., step=...\\)"):
                mlflow.log_image(None, key="sample", step=3)
            with self.assertRaisesRegex(UnsupportedByRunLens, "log_metric\\(dataset=...\\)"):
                mlflow.log_metric("m", 1.0, dataset=object())
        with self.assertRaisesRegex(UnsupportedByRunLens, "tracking_uri"):
            mlflow.MlflowClient(tracking_uri="http://localhost:5000")
        with self.assertRaisesRegex(UnsupportedByRunLens, "registry"):
            mlflow.MlflowClient(registry_uri="databricks-uc")

    def test_a_client_may_name_where_the_runs_already_go(self):
        mlflow.MlflowClient(tracking_uri=mlflow.get_tracking_uri())  # the .runlens folder
        mlflow.MlflowClient(mlflow.get_tracking_uri() + "/")
        mlflow.set_tracking_uri("http://user:s3cret@127.0.0.1:5999/")
        try:
            client = mlflow.MlflowClient(tracking_uri="http://127.0.0.1:5999")
            self.assertIsNotNone(client)
            with self.assertRaises(UnsupportedByRunLens) as refused:
                mlflow.MlflowClient(tracking_uri="postgresql://me:s3cret@db/mlflow")
            self.assertNotIn("s3cret", str(refused.exception))
            self.assertIn("http://127.0.0.1:5999", str(refused.exception))
        finally:
            mlflow.set_tracking_uri(None)

    def test_autolog_refuses_frameworks_it_cannot_autolog(self):
        import sys
        with unittest.mock.patch.dict(sys.modules, {"torch": object()}):
            with self.assertRaisesRegex(UnsupportedByRunLens, "scikit-learn only.*torch"):
                mlflow.autolog()


class LoggingToARunById(RunLensTestCase):
    def test_log_metrics_to_another_run_takes_it_up_and_ends_it_as_it_was(self):
        with mlflow.start_run() as first:
            pass
        ended_at = mlflow.get_run(first.info.run_id).info.end_time
        with mlflow.start_run():
            mlflow.log_metrics({"late": 1.0}, run_id=first.info.run_id)
            mlflow.log_params({"p": 1}, run_id=first.info.run_id)
        got = mlflow.get_run(first.info.run_id)
        self.assertEqual((got.data.metrics, got.data.params), ({"late": 1.0}, {"p": "1"}))
        self.assertEqual((got.info.status, got.info.end_time), ("FINISHED", ended_at))

    def test_a_run_another_process_is_logging_is_refused(self):
        with mlflow.start_run() as run:
            pass
        log = read_log(run.log_path)
        # As if another live process on this host were logging it: no end, its pid alive.
        with open(run.log_path, "w") as f:
            for event in log[:-1]:
                f.write(json.dumps(dict(event, pid=1) if event["e"] == "start" else event) + "\n")
        _catalog._logread._cache.clear()
        with unittest.mock.patch("runlens._logread._pid_alive", return_value=True):
            with self.assertRaisesRegex(runlens.RunLensError, "one writer"):
                mlflow.log_metric("m", 1.0, run_id=run.info.run_id)


if __name__ == "__main__":
    unittest.main()
