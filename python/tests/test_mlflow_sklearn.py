"""runlens.mlflow.sklearn: autolog as MLflow's, its search child runs and their cap, skipping a
search already logged, and models saved and loaded."""

import contextlib
import io
import os
import unittest
import warnings

import runlens
import runlens.mlflow as mlflow
from runlens import _catalog
from runlens.mlflow.exceptions import MlflowException, UnsupportedByRunLens

from .support import RunLensTestCase

try:
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.linear_model import ElasticNet, LogisticRegression
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    SKLEARN = True
except ImportError:
    SKLEARN = False


def children_of(run_id):
    return mlflow.search_runs(filter_string="tags.mlflow.parentRunId = '%s'" % run_id,
                              output_format="list")


@unittest.skipUnless(SKLEARN, "needs Debian's python3-sklearn")
class Autolog(RunLensTestCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(mlflow.sklearn.autolog, disable=True)
        self.X, self.y = load_diabetes(return_X_y=True)
        self.grid = {"alpha": [0.01, 0.1, 1.0], "l1_ratio": [0.2, 0.5, 0.8, 1.0]}  # 12 candidates

    def autolog(self, **kw):
        kw.setdefault("log_post_training_metrics", False)
        kw.setdefault("log_models", False)
        mlflow.sklearn.autolog(**kw)

    def test_a_fit_outside_a_run_gets_a_run_of_its_own_and_inside_logs_there(self):
        self.autolog()
        model = ElasticNet(alpha=0.5).fit(self.X, self.y)
        own = mlflow.last_active_run()
        self.assertEqual(own.data.params["alpha"], "0.5")
        self.assertEqual(own.data.tags["mlflow.autologging"], "sklearn")
        self.assertEqual(set(own.data.metrics), {
            "training_mean_squared_error", "training_root_mean_squared_error",
            "training_mean_absolute_error", "training_r2_score", "training_score"})
        self.assertAlmostEqual(own.data.metrics["training_score"], model.score(self.X, self.y))
        with mlflow.start_run() as mine:
            ElasticNet().fit(self.X, self.y)
        self.assertIn("training_score", mlflow.get_run(mine.info.run_id).data.metrics)
        self.assertNotIn("mlflow.autologging", mlflow.get_run(mine.info.run_id).data.tags)

    def test_a_pipeline_is_one_run_not_one_per_step(self):
        self.autolog()
        Pipeline([("s", StandardScaler()), ("m", ElasticNet())]).fit(self.X, self.y)
        self.assertEqual(len(mlflow.search_runs(output_format="list")), 1)

    def test_exclusive_leaves_the_users_runs_alone(self):
        self.autolog(exclusive=True)
        with mlflow.start_run() as mine:
            ElasticNet().fit(self.X, self.y)
        self.assertEqual(mlflow.get_run(mine.info.run_id).data.params, {})

    def test_a_fit_that_raises_fails_its_run_and_raises_as_it_would(self):
        self.autolog()
        with self.assertRaises(ValueError):
            ElasticNet().fit([[1.0], [2.0]], [1.0])
        self.assertEqual(mlflow.last_active_run().info.status, "FAILED")

    def test_disable_puts_scikit_learn_back_as_it_was(self):
        self.autolog()
        self.autolog(disable=True)
        ElasticNet().fit(self.X, self.y)
        self.assertEqual(mlflow.search_runs(output_format="list"), [])
        self.assertFalse(hasattr(ElasticNet.fit, "__runlens_autolog__"))

    def test_a_search_makes_the_best_max_tuning_runs_children_by_rank(self):
        self.autolog()
        search = GridSearchCV(ElasticNet(), self.grid, cv=3).fit(self.X, self.y)
        parent = mlflow.last_active_run()
        kids = children_of(parent.info.run_id)
        self.assertEqual(len(kids), 5, "MLflow's default cap")
        ranks = sorted(int(k.data.metrics["rank_test_score"]) for k in kids)
        self.assertEqual(ranks, sorted(search.cv_results_["rank_test_score"])[:5])
        self.assertEqual(parent.data.params["best_alpha"], str(search.best_params_["alpha"]))
        for kid in kids:
            self.assertEqual(kid.info.experiment_id, parent.info.experiment_id)
            self.assertEqual(kid.data.tags["estimator_name"], "ElasticNet")

    def test_max_tuning_runs_none_logs_every_candidate_so_every_one_counts_as_logged(self):
        self.autolog(max_tuning_runs=None)
        GridSearchCV(ElasticNet(), self.grid, cv=3).fit(self.X, self.y)
        self.assertEqual(len(children_of(mlflow.last_active_run().info.run_id)), 12)
        for alpha in self.grid["alpha"]:
            for l1_ratio in self.grid["l1_ratio"]:
                self.assertTrue(runlens.exists({"alpha": alpha, "l1_ratio": l1_ratio}))
        with self.assertRaisesRegex(MlflowException, "non-negative"):
            mlflow.sklearn.autolog(max_tuning_runs=-1)

    def test_skip_logged_says_a_fully_logged_grid_is_logged_and_does_not_fit_it_again(self):
        self.autolog(max_tuning_runs=None)
        GridSearchCV(ElasticNet(), self.grid, cv=3).fit(self.X, self.y)
        first = mlflow.last_active_run().info.run_id
        self.autolog(max_tuning_runs=None, skip_logged=True)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            again = GridSearchCV(ElasticNet(), self.grid, cv=3).fit(self.X, self.y)
        self.assertIn("all 12 candidates of this GridSearchCV are already logged", err.getvalue())
        self.assertIn("runs:/%s/best_estimator" % first, err.getvalue())
        self.assertFalse(hasattr(again, "best_params_"), "not fitted")
        self.assertEqual(len(mlflow.search_runs(output_format="list")), 13, "nothing logged")

    def test_skip_logged_fits_a_grid_with_candidates_still_missing_and_says_how_many(self):
        self.autolog(max_tuning_runs=None, skip_logged=True)
        with contextlib.redirect_stderr(io.StringIO()):
            GridSearchCV(ElasticNet(), {"alpha": [0.01], "l1_ratio": [0.5]}, cv=3).fit(self.X, self.y)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            grown = GridSearchCV(ElasticNet(), {"alpha": [0.01, 0.1], "l1_ratio": [0.5]}, cv=3)
            grown.fit(self.X, self.y)
        self.assertIn("1 of the 2 candidates", err.getvalue())
        self.assertTrue(hasattr(grown, "best_params_"))

    def test_skip_logged_cannot_tell_for_a_random_search_without_a_seed(self):
        self.autolog(skip_logged=True)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            RandomizedSearchCV(ElasticNet(), self.grid, n_iter=2, cv=3).fit(self.X, self.y)
        self.assertIn("cannot be told", err.getvalue())

    def test_without_skip_logged_a_logged_grid_is_fitted_again_as_the_code_says(self):
        self.autolog()
        GridSearchCV(ElasticNet(), {"alpha": [0.1]}, cv=3).fit(self.X, self.y)
        again = GridSearchCV(ElasticNet(), {"alpha": [0.1]}, cv=3).fit(self.X, self.y)
        self.assertTrue(hasattr(again, "best_params_"))

    def test_post_training_metrics_are_not_recorded_and_autolog_says_so(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mlflow.sklearn.autolog()
        self.assertIn("post-training metrics", str(caught[0].message))
        with self.assertRaisesRegex(UnsupportedByRunLens, "registered_model_name"):
            mlflow.sklearn.autolog(registered_model_name="prod")


@unittest.skipUnless(SKLEARN, "needs Debian's python3-sklearn")
class Models(RunLensTestCase):
    def test_log_model_and_load_model_round_trip_with_the_sklearn_version(self):
        import sklearn  # noqa: PLC0415
        X, y = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=300).fit(X, y)
        with mlflow.start_run() as run:
            info = mlflow.sklearn.log_model(model, "clf")
        self.assertEqual(info.model_uri, "runs:/%s/clf" % run.info.run_id)
        loaded = mlflow.sklearn.load_model(info.model_uri)
        self.assertEqual(loaded.predict(X).tolist(), model.predict(X).tolist())
        folder = _catalog.get(run.info.run_id).folder
        with open(os.path.join(folder, "clf", "MLmodel")) as f:
            text = f.read()
        self.assertIn("sklearn_version: %s" % sklearn.__version__, text)
        with open(os.path.join(folder, "clf", "requirements.txt")) as f:
            self.assertEqual(f.read(), "scikit-learn==%s\n" % sklearn.__version__)
        with mlflow.start_run():
            with self.assertRaisesRegex(UnsupportedByRunLens, "model registry"):
                mlflow.sklearn.log_model(model, "clf", registered_model_name="prod")
