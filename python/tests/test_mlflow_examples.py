"""Scripts written as MLflow's documentation writes them, run with only their import lines
changed to runlens.mlflow, and what they record checked against what MLflow's documentation says
those calls record: the same params (as str()), metric keys and values, the tags MLflow sets,
and the artifact paths.

The scripts are this project's own, in the style of MLflow's documented examples: the tracking
quickstart (iris, LogisticRegression, infer_signature, log_model), the scikit-learn elastic-net
example (on scikit-learn's diabetes data: the wine data is a download), nested runs, logging
artifacts, MlflowClient, and autolog on a pipeline and on a grid search. The real mlflow package
is not installed here, so the comparison is with MLflow's documentation and source, not with a
run of MLflow itself.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from unittest import mock

from .support import RunLensTestCase, child_env

try:
    import sklearn  # noqa: F401
    import pandas  # noqa: F401
    import matplotlib  # noqa: F401
    HAVE_LIBRARIES = True
except ImportError:
    HAVE_LIBRARIES = False

QUICKSTART = '''
import json

import mlflow
from mlflow.models import infer_signature
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

X, y = datasets.load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
params = {"solver": "lbfgs", "max_iter": 1000, "multi_class": "auto", "random_state": 8888}
lr = LogisticRegression(**params)
lr.fit(X_train, y_train)
accuracy = accuracy_score(y_test, lr.predict(X_test))

mlflow.set_experiment("MLflow Quickstart")
with mlflow.start_run() as run:
    mlflow.log_params(params)
    mlflow.log_metric("accuracy", accuracy)
    mlflow.set_tag("Training Info", "Basic LR model for iris data")
    signature = infer_signature(X_train, lr.predict(X_train))
    model_info = mlflow.sklearn.log_model(sk_model=lr, artifact_path="iris_model",
                                          signature=signature, input_example=X_train)
loaded = mlflow.sklearn.load_model(model_info.model_uri)
print(json.dumps({"run_id": run.info.run_id, "accuracy": accuracy,
                  "same_predictions": (loaded.predict(X_test) == lr.predict(X_test)).all().item()}))
'''

ELASTIC_NET = '''
import json
import sys

import numpy as np
import mlflow
import mlflow.sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split


def eval_metrics(actual, pred):
    rmse = np.sqrt(mean_squared_error(actual, pred))
    mae = mean_absolute_error(actual, pred)
    r2 = r2_score(actual, pred)
    return rmse, mae, r2


X, y = load_diabetes(return_X_y=True)
train_x, test_x, train_y, test_y = train_test_split(X, y, random_state=0)
alpha = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
l1_ratio = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5

with mlflow.start_run():
    lr = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, random_state=42)
    lr.fit(train_x, train_y)
    rmse, mae, r2 = eval_metrics(test_y, lr.predict(test_x))
    mlflow.log_param("alpha", alpha)
    mlflow.log_param("l1_ratio", l1_ratio)
    mlflow.log_metric("rmse", rmse)
    mlflow.log_metric("r2", r2)
    mlflow.log_metric("mae", mae)
    mlflow.sklearn.log_model(lr, "model")
    print(json.dumps({"run_id": mlflow.active_run().info.run_id, "rmse": rmse, "mae": mae, "r2": r2}))
'''

NESTED = '''
import json

import mlflow

mlflow.set_experiment("nested-example")
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("stage", "search")
    for lr in [0.1, 0.01]:
        with mlflow.start_run(run_name="lr-%s" % lr, nested=True):
            mlflow.log_param("lr", lr)
            mlflow.log_metric("loss", lr * 10)
children = mlflow.search_runs(filter_string="tags.mlflow.parentRunId = '%s'" % parent.info.run_id)
print(json.dumps({"parent": parent.info.run_id, "children": sorted(children["tags.mlflow.runName"])}))
'''

ARTIFACTS = '''
import json
import os
import tempfile

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import mlflow

with mlflow.start_run() as run:
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "features.txt"), "w") as f:
        f.write("rooms, zipcode, median_price, school_rating, transport")
    mlflow.log_artifact(os.path.join(folder, "features.txt"))
    os.makedirs(os.path.join(folder, "states"))
    for name in ("a.json", "b.json"):
        with open(os.path.join(folder, "states", name), "w") as f:
            json.dump({"name": name}, f)
    mlflow.log_artifacts(os.path.join(folder, "states"), artifact_path="states")
    mlflow.log_dict({"mlflow-version": "0.28", "n_cores": "10"}, "config.json")
    mlflow.log_dict({"mlflow-version": "0.28", "n_cores": "10"}, "config.yaml")
    mlflow.log_text("text1", "file1.txt")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [2, 3])
    mlflow.log_figure(fig, "figure.png")
    mlflow.log_image(np.random.randint(0, 256, size=(100, 100, 3), dtype=np.uint8), "image.png")
    mlflow.log_table({"inputs": ["What is MLflow?", "What is Databricks?"],
                      "outputs": ["MLflow is ...", "Databricks is ..."]}, artifact_file="qabot_eval_results.json")
print(json.dumps({"run_id": run.info.run_id}))
'''

CLIENT = '''
import json

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

client = MlflowClient()
experiment_id = client.create_experiment("client-example")
run = client.create_run(experiment_id, run_name="by-client")
run_id = run.info.run_id
client.log_param(run_id, "p", 1)
for step in range(3):
    client.log_metric(run_id, "m", 1.0 / (step + 1), step=step)
client.log_batch(run_id, metrics=[Metric("b", 2.0, 1700000000000, 0)],
                 params=[Param("q", "x")], tags=[RunTag("t", "v")])
client.set_tag(run_id, "stage", "dev")
client.log_text(run_id, "hello", "notes/hello.txt")
client.set_terminated(run_id)
got = client.get_run(run_id)
history = [(m.step, m.value) for m in client.get_metric_history(run_id, "m")]
listed = [(f.path, f.is_dir) for f in client.list_artifacts(run_id)]
local = client.download_artifacts(run_id, "notes")
found = [r.info.run_id for r in client.search_runs([experiment_id], "params.p = 1")]
print(json.dumps({"run_id": run_id, "status": got.info.status, "history": history,
                  "listed": listed, "downloaded": open(local + "/hello.txt").read(),
                  "found": found, "experiment_id": experiment_id}))
'''

AUTOLOG_PIPELINE = '''
import json

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

mlflow.autolog()
X, y = load_iris(return_X_y=True)
pipe = Pipeline([("scaler", StandardScaler()), ("lr", LogisticRegression(max_iter=500))])
pipe.fit(X, y)
run = mlflow.last_active_run()
print(json.dumps({"run_id": run.info.run_id, "train_accuracy": pipe.score(X, y)}))
'''

AUTOLOG_GRID = '''
import json

import mlflow
from sklearn import datasets, svm
from sklearn.model_selection import GridSearchCV

mlflow.sklearn.autolog()
iris = datasets.load_iris()
parameters = {"kernel": ("linear", "rbf"), "C": [1, 10]}
clf = GridSearchCV(svm.SVC(), parameters)
clf.fit(iris.data, iris.target)
run = mlflow.last_active_run()
print(json.dumps({"run_id": run.info.run_id, "best_params": {k: str(v) for k, v in clf.best_params_.items()},
                  "best_score": clf.best_score_, "candidates": len(clf.cv_results_["params"])}))
'''

IMPORTS = [  # MLflow's import lines, and RunLens's for them: the only lines that change
    (r"^import mlflow$", "import runlens.mlflow as mlflow"),
    (r"^import mlflow\.sklearn$", "import runlens.mlflow.sklearn"),
    (r"^from mlflow\.(\w+(?:\.\w+)*) import (.*)$", r"from runlens.mlflow.\1 import \2"),
]


def ported(source):
    """The script with only its MLflow import lines rewritten (checked: nothing else changes)."""
    out = []
    for line in source.splitlines():
        new = line
        for pattern, replacement in IMPORTS:
            new = re.sub(pattern, replacement, new)
        assert new == line or line.startswith(("import mlflow", "from mlflow")), line
        out.append(new)
    return "\n".join(out) + "\n"


SCRIPTS = {"quickstart": (QUICKSTART, ()), "elastic_net": (ELASTIC_NET, ("0.1", "0.7")),
           "nested": (NESTED, ()), "artifacts": (ARTIFACTS, ()), "client": (CLIENT, ()),
           "autolog_pipeline": (AUTOLOG_PIPELINE, ()), "autolog_grid": (AUTOLOG_GRID, ())}


@unittest.skipUnless(HAVE_LIBRARIES, "needs Debian's python3-sklearn, -pandas and -matplotlib")
class MlflowDocumentedExamples(RunLensTestCase):
    @classmethod
    def setUpClass(cls):
        """Runs every script at once (each in its own folder and .runlens): they are independent,
        and each spends most of its time importing scikit-learn."""
        cls.folder = tempfile.mkdtemp(prefix="runlens-examples-")
        cls.done = {}
        started = {}
        for name, (source, args) in SCRIPTS.items():
            where = os.path.join(cls.folder, name)
            os.makedirs(where)
            path = os.path.join(where, "example.py")
            with open(path, "w", encoding="utf-8") as f:
                f.write(ported(textwrap.dedent(source)))
            env = child_env(os.path.join(where, ".runlens"))
            started[name] = (path, subprocess.Popen(
                [sys.executable, path] + list(args), cwd=where, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True))
        for name, (path, proc) in started.items():
            out, err = proc.communicate(timeout=600)
            cls.done[name] = (path, proc.returncode, out, err)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def run_script(self, source, *args):
        name = next(n for n, (s, _) in SCRIPTS.items() if s == source)
        path, code, out, err = self.done[name]
        self.assertEqual(code, 0, err)
        self.script = path
        # Read what the script recorded, where it recorded it.
        self.root = os.path.join(os.path.dirname(path), ".runlens")
        os.environ["RUNLENS_DIR"] = self.root
        return json.loads(out.strip().splitlines()[-1])

    def run_of(self, run_id):
        import runlens.mlflow as mlflow  # noqa: PLC0415 (reads what the script recorded, here)
        return mlflow.get_run(run_id)

    def artifacts(self, run_id):
        from runlens import _catalog  # noqa: PLC0415
        return sorted(_catalog.get(run_id).artifacts)

    def assert_system_tags(self, run):
        # MLflow's docs (tracking, "system tags"): user, source name and type, git commit.
        self.assertEqual(run.data.tags["mlflow.source.name"], self.script)
        self.assertEqual(run.data.tags["mlflow.source.type"], "LOCAL")
        self.assertTrue(run.data.tags["mlflow.user"])

    def test_the_tracking_quickstart(self):
        out = self.run_script(QUICKSTART)
        run = self.run_of(out["run_id"])
        self.assertEqual(run.data.params, {"solver": "lbfgs", "max_iter": "1000",
                                           "multi_class": "auto", "random_state": "8888"})
        self.assertEqual(run.data.metrics, {"accuracy": out["accuracy"]})
        self.assertEqual(run.data.tags["Training Info"], "Basic LR model for iris data")
        self.assert_system_tags(run)
        self.assertEqual(run.info.experiment_id, "MLflow Quickstart")
        self.assertEqual(run.info.status, "FINISHED")
        # log_model writes an MLflow model folder at the artifact path.
        files = self.artifacts(out["run_id"])
        for name in ("MLmodel", "model.pkl", "requirements.txt", "python_env.yaml", "conda.yaml",
                     "input_example.json"):
            self.assertIn("iris_model/" + name, files)
        with open(os.path.join(self.root, "artifacts", out["run_id"], "iris_model", "MLmodel")) as f:
            mlmodel = f.read()
        self.assertIn("sklearn_version:", mlmodel)
        self.assertIn("signature:", mlmodel)
        self.assertIn("loader_module: mlflow.sklearn", mlmodel)
        self.assertTrue(out["same_predictions"], "load_model gives the model back")

    def test_the_elastic_net_example(self):
        out = self.run_script(ELASTIC_NET, "0.1", "0.7")
        run = self.run_of(out["run_id"])
        self.assertEqual(run.data.params, {"alpha": "0.1", "l1_ratio": "0.7"})
        self.assertEqual(run.data.metrics, {"rmse": out["rmse"], "mae": out["mae"], "r2": out["r2"]})
        self.assertIn("model/model.pkl", self.artifacts(out["run_id"]))
        self.assert_system_tags(run)
        self.assertEqual(run.info.experiment_id, "0", "Default, as MLflow's id 0")

    def test_nested_runs(self):
        out = self.run_script(NESTED)
        self.assertEqual(out["children"], ["lr-0.01", "lr-0.1"])
        parent = self.run_of(out["parent"])
        self.assertEqual(parent.data.tags["mlflow.runName"], "parent")
        self.assertNotIn("mlflow.parentRunId", parent.data.tags)

    def test_logging_artifacts(self):
        out = self.run_script(ARTIFACTS)
        self.assertEqual(self.artifacts(out["run_id"]), [
            "config.json", "config.yaml", "features.txt", "figure.png", "file1.txt", "image.png",
            "qabot_eval_results.json", "states/a.json", "states/b.json"])
        run = self.run_of(out["run_id"])
        self.assertEqual(json.loads(run.data.tags["mlflow.loggedArtifacts"]),
                         [{"path": "qabot_eval_results.json", "type": "table"}])
        folder = os.path.join(self.root, "artifacts", out["run_id"])
        with open(os.path.join(folder, "config.json")) as f:
            self.assertEqual(f.read(), json.dumps({"mlflow-version": "0.28", "n_cores": "10"}, indent=2))
        with open(os.path.join(folder, "qabot_eval_results.json")) as f:
            self.assertEqual(json.load(f)["columns"], ["inputs", "outputs"])

    def test_mlflow_client(self):
        out = self.run_script(CLIENT)
        self.assertEqual(out["experiment_id"], "client-example")
        self.assertEqual(out["status"], "FINISHED")
        self.assertEqual(out["history"], [[0, 1.0], [1, 0.5], [2, 1.0 / 3]])
        self.assertEqual(out["listed"], [["notes", True]])
        self.assertEqual(out["downloaded"], "hello")
        self.assertEqual(out["found"], [out["run_id"]])
        run = self.run_of(out["run_id"])
        self.assertEqual(run.data.params, {"p": "1", "q": "x"})
        self.assertEqual(run.data.metrics, {"m": 1.0 / 3, "b": 2.0})
        self.assertEqual((run.data.tags["t"], run.data.tags["stage"], run.data.tags["mlflow.runName"]),
                         ("v", "dev", "by-client"))

    def test_autolog_on_a_pipeline(self):
        out = self.run_script(AUTOLOG_PIPELINE)
        run = self.run_of(out["run_id"])
        # MLflow's sklearn autolog docs: the estimator's get_params(deep=True) as params...
        for key in ("steps", "scaler", "lr", "lr__C", "lr__max_iter", "scaler__with_mean"):
            self.assertIn(key, run.data.params)
        self.assertEqual(run.data.params["lr__max_iter"], "500")
        # ... training metrics by its names, the estimator tags, the model and the plots.
        self.assertEqual(set(run.data.metrics), {
            "training_accuracy_score", "training_f1_score", "training_log_loss",
            "training_precision_score", "training_recall_score", "training_roc_auc",
            "training_score"})
        self.assertAlmostEqual(run.data.metrics["training_score"], out["train_accuracy"])
        self.assertEqual(run.data.tags["estimator_name"], "Pipeline")
        self.assertEqual(run.data.tags["estimator_class"], "sklearn.pipeline.Pipeline")
        self.assertEqual(run.data.tags["mlflow.autologging"], "sklearn")
        files = self.artifacts(out["run_id"])
        for name in ("model/MLmodel", "model/model.pkl", "training_confusion_matrix.png",
                     "estimator.html"):
            self.assertIn(name, files)
        self.assertEqual(len(run.inputs.dataset_inputs), 1, "the training data, as log_input")

    def test_autolog_on_a_grid_search(self):
        out = self.run_script(AUTOLOG_GRID)
        parent = self.run_of(out["run_id"])
        # The search's own params (not deep: the seed estimator's are the children's), the best
        # ones as best_<name>, best_cv_score, and a child run per candidate (4, under the cap of 5).
        self.assertEqual(parent.data.params["best_C"], out["best_params"]["C"])
        self.assertEqual(parent.data.params["best_kernel"], out["best_params"]["kernel"])
        self.assertIn("param_grid", parent.data.params)
        self.assertNotIn("estimator__C", parent.data.params)
        self.assertAlmostEqual(parent.data.metrics["best_cv_score"], out["best_score"])
        files = self.artifacts(out["run_id"])
        for name in ("best_estimator/MLmodel", "cv_results.csv", "model/model.pkl"):
            self.assertIn(name, files)
        import runlens.mlflow as mlflow  # noqa: PLC0415
        children = mlflow.search_runs(
            filter_string="tags.mlflow.parentRunId = '%s'" % out["run_id"], output_format="list")
        self.assertEqual(len(children), out["candidates"])
        for child in children:
            self.assertIn(child.data.params["kernel"], ("linear", "rbf"))
            self.assertIn("mean_test_score", child.data.metrics)
            self.assertIn("rank_test_score", child.data.metrics)
            self.assertFalse(any(k.startswith(("split", "param")) for k in child.data.metrics))
            self.assertEqual(child.data.tags["estimator_name"], "SVC")
        # The duplicate checks count every candidate the search tried.
        import runlens  # noqa: PLC0415
        self.assertTrue(runlens.exists({"kernel": "rbf", "C": 10}))


class OnlyImportLinesChange(unittest.TestCase):
    def test_the_port_rewrites_import_lines_and_nothing_else(self):
        for source in (QUICKSTART, ELASTIC_NET, NESTED, ARTIFACTS, CLIENT, AUTOLOG_PIPELINE, AUTOLOG_GRID):
            before = source.strip().splitlines()
            after = ported(source).strip().splitlines()
            changed = [(a, b) for a, b in zip(before, after) if a != b]
            self.assertTrue(all(a.startswith(("import mlflow", "from mlflow")) for a, _ in changed))
        with mock.patch.dict(os.environ):
            self.assertEqual(ported("from mlflow.tracking import MlflowClient\n"),
                             "from runlens.mlflow.tracking import MlflowClient\n")
