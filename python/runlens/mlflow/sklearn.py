"""scikit-learn models and autologging, as mlflow.sklearn does them.

autolog() patches every scikit-learn estimator's fit (fit_transform, fit_predict) so that the
outermost fit of a run records what MLflow's sklearn autolog records: the estimator's
get_params() as params, the tags estimator_name and estimator_class, the training metrics under
MLflow's names (training_score, training_accuracy_score, training_mean_squared_error…), the
fitted model as the artifact model/ (model.pkl, MLmodel with the scikit-learn version), the
classifier plots, estimator.html, and for GridSearchCV and RandomizedSearchCV the best_<param>
params, best_cv_score, best_estimator/, cv_results.csv and a child run per candidate (the best
`max_tuning_runs` of them, as MLflow; None for all, which lets every duplicate check count every
candidate the search tried).

With skip_logged=True, a search whose every candidate already has a finished run in the
experiment says so and is not fitted again; otherwise autologging never changes what the
user's code does: a failure to log is a warning, the fit's own result and errors are the user's.

scikit-learn is imported only by autolog() and the model functions: importing runlens does not.
"""

import functools
import io
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
import threading
import time
import uuid
import warnings

from .. import _active, _fluent, _lookup, _objects, _validate
from . import _runs
from .exceptions import MlflowException, UnsupportedByRunLens

FLAVOR_NAME = "sklearn"
SERIALIZATION_FORMAT_PICKLE = "pickle"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SUPPORTED_SERIALIZATION_FORMATS = [SERIALIZATION_FORMAT_PICKLE, SERIALIZATION_FORMAT_CLOUDPICKLE]
_TRAINING = "training_"
_EXCLUDED_MODULES = ("sklearn.preprocessing", "sklearn.impute", "sklearn.feature_extraction",
                     "sklearn.feature_selection")
_EXCLUDED_CLASSES = ("sklearn.compose._column_transformer.ColumnTransformer",)
_FIT_METHODS = ("fit", "fit_transform", "fit_predict")

_config = {}
_patched = {}  # (class, method name) -> the original attribute
_session = threading.local()  # fits in progress in this thread: only the outermost is logged


def autolog(log_input_examples=False, log_model_signatures=True, log_models=True,
            log_datasets=True, disable=False, exclusive=False,
            disable_for_unsupported_versions=False, silent=False, max_tuning_runs=5,
            log_post_training_metrics=True, serialization_format=SERIALIZATION_FORMAT_CLOUDPICKLE,
            registered_model_name=None, pos_label=None, extra_tags=None, skip_logged=False):
    """MLflow's mlflow.sklearn.autolog, plus skip_logged (runlens.grid's rule for searches)."""
    if registered_model_name is not None:
        raise UnsupportedByRunLens(
            "autolog(registered_model_name=...): RunLens has no model registry; the model is "
            "logged as the run's artifact model/")
    if serialization_format not in SUPPORTED_SERIALIZATION_FORMATS:
        raise MlflowException("Unrecognized serialization format: %s. Please specify one of the "
                              "following supported formats: %s."
                              % (serialization_format, SUPPORTED_SERIALIZATION_FORMATS))
    if max_tuning_runs is not None and max_tuning_runs < 0:
        raise MlflowException("`max_tuning_runs` must be non-negative, instead got %s."
                              % max_tuning_runs)
    if disable:
        _unpatch()
        _config.clear()
        return
    _config.update(log_input_examples=log_input_examples, log_model_signatures=log_model_signatures,
                   log_models=log_models, log_datasets=log_datasets, exclusive=exclusive,
                   silent=silent, max_tuning_runs=max_tuning_runs, pos_label=pos_label,
                   extra_tags=dict(extra_tags or {}), skip_logged=skip_logged)
    if log_post_training_metrics and not silent:
        warnings.warn("runlens.mlflow.sklearn.autolog does not record post-training metrics "
                      "(metrics computed after fit on other data, such as "
                      "mean_squared_error_X_test); log them with log_metric, and pass "
                      "log_post_training_metrics=False to silence this", stacklevel=2)
    _patch()


# ---- patching -----------------------------------------------------------------------------------

def _estimators():
    import sklearn  # noqa: PLC0415 (the user's own scikit-learn, only when autologging)
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.utils import all_estimators  # noqa: PLC0415
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classes = {cls for _, cls in all_estimators()}
    classes |= {GridSearchCV, RandomizedSearchCV, Pipeline}
    del sklearn
    return sorted((cls for cls in classes
                   if not cls.__module__.startswith(_EXCLUDED_MODULES)
                   and "%s.%s" % (cls.__module__, cls.__name__) not in _EXCLUDED_CLASSES),
                  key=lambda cls: (cls.__module__, cls.__name__))


def _patch():
    for cls in _estimators():
        for name in _FIT_METHODS:
            if (cls, name) in _patched or not callable(getattr(cls, name, None)):
                continue
            _patched[(cls, name)] = cls.__dict__.get(name, _INHERITED)
            setattr(cls, name, _patched_fit(getattr(cls, name)))


_INHERITED = object()


def _unpatch():
    for (cls, name), original in list(_patched.items()):
        if original is _INHERITED:
            delattr(cls, name)
        else:
            setattr(cls, name, original)
    _patched.clear()


def _patched_fit(original):
    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        if getattr(_session, "depth", 0) or not _config:
            return original(self, *args, **kwargs)
        _session.depth = 1
        try:
            return _fit_and_log(original, self, args, kwargs)
        finally:
            _session.depth = 0
    fit.__runlens_autolog__ = original
    return fit


def _fit_and_log(original, estimator, args, kwargs):
    active = _fluent.active_run()
    if active is not None and _config["exclusive"]:
        return original(estimator, *args, **kwargs)
    if _config["skip_logged"] and _is_search(estimator) and _already_logged(estimator, active):
        return estimator
    X, y, sample_weight = _training_data(original, args, kwargs)
    if active is not None:
        return _fit_in(active, original, estimator, args, kwargs, X, y, sample_weight)
    tags = {"mlflow.autologging": FLAVOR_NAME}
    tags.update(_config["extra_tags"])
    with _runs.start_run(tags) as run:  # MLflow's managed run: FAILED if the fit raises
        return _fit_in(run, original, estimator, args, kwargs, X, y, sample_weight)


def _fit_in(run, original, estimator, args, kwargs, X, y, sample_weight):
    _quietly(_log_pretraining, run, estimator, X, y)
    result = original(estimator, *args, **kwargs)
    _quietly(_log_posttraining, run, estimator, X, y, sample_weight)
    return result


def _quietly(step, *args):
    """Autologging must not break the user's fit: a failure to log is a warning (as MLflow's)."""
    try:
        step(*args)
    except Exception as e:  # noqa: BLE001 (any failure of logging is reported, none raised)
        if not _config.get("silent"):
            warnings.warn("runlens autolog: %s failed: %s: %s" % (step.__name__.strip("_"),
                                                                 type(e).__name__, e), stacklevel=3)


def _training_data(fit, args, kwargs):
    """(X, y, sample_weight) as fit was given them (by position or name)."""
    import inspect  # noqa: PLC0415
    try:
        names = list(inspect.signature(fit).parameters)[1:]  # without self
    except (TypeError, ValueError):
        names = ["X", "y"]
    bound = dict(zip(names, args))
    bound.update(kwargs)
    x_name = names[0] if names else "X"
    y_name = names[1] if len(names) > 1 else "y"
    return bound.get(x_name), bound.get(y_name), bound.get("sample_weight")


def _is_search(estimator):
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: PLC0415
    return isinstance(estimator, (GridSearchCV, RandomizedSearchCV))


# ---- what a fit records -------------------------------------------------------------------------

def _params(estimator, deep):
    """get_params() as MLflow logs them: str() values, keys and values cut to MLflow's limits."""
    out = {}
    for key, value in estimator.get_params(deep=deep).items():
        text = str(value)
        out[key[:_validate.MAX_KEY]] = text[:_validate.MAX_PARAM_VALUE]
    return out


def _log_pretraining(run, estimator, X, y):
    run._log_params(_params(estimator, deep=not _is_search(estimator)))
    run._set_tags(_estimator_tags(estimator))
    if _config["log_datasets"] and X is not None:
        dataset = _dataset(X, y)
        if dataset is not None:
            _runs.log_input(run, dataset, context="train")


def _estimator_tags(estimator):
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": "%s.%s" % (cls.__module__, cls.__name__)}


def _dataset(X, y):
    from . import data  # noqa: PLC0415
    if hasattr(X, "to_csv"):
        return data.from_pandas(X, targets=getattr(y, "name", None))
    if hasattr(X, "tobytes") and hasattr(X, "shape"):
        return data.from_numpy(X, targets=y if hasattr(y, "tobytes") else None)
    return None


def _log_posttraining(run, estimator, X, y, sample_weight):
    if _config["log_models"]:
        log_model(estimator, "model", signature=_signature(estimator, X), run=run,
                  input_example=_example(X) if _config["log_input_examples"] else None)
    if y is not None and X is not None:
        _fluent.log_metrics(_training_metrics(estimator, X, y, sample_weight), run=run)
        _classifier_plots(run, estimator, X, y, sample_weight)
    _estimator_html(run, estimator)
    if _is_search(estimator):
        _log_search(run, estimator, X)


def _training_metrics(estimator, X, y, sample_weight):
    """MLflow's training metrics, by its names."""
    from sklearn import metrics  # noqa: PLC0415
    from sklearn.base import is_classifier, is_regressor  # noqa: PLC0415
    out = {}

    def add(name, fn, **kw):
        try:
            out[_TRAINING + name] = float(fn(**kw))
        except Exception:  # noqa: BLE001 (as MLflow: a metric that cannot be computed is left out)
            pass
    if is_classifier(estimator):
        pos_label = _config["pos_label"]
        average = "weighted" if pos_label is None else "binary"
        predicted = estimator.predict(X)
        for name, fn in (("precision_score", metrics.precision_score),
                         ("recall_score", metrics.recall_score), ("f1_score", metrics.f1_score)):
            add(name, fn, y_true=y, y_pred=predicted, pos_label=pos_label, average=average,
                sample_weight=sample_weight)
        add("accuracy_score", metrics.accuracy_score, y_true=y, y_pred=predicted, normalize=True,
            sample_weight=sample_weight)
        if hasattr(estimator, "predict_proba"):
            try:
                proba = estimator.predict_proba(X)
            except Exception:  # noqa: BLE001 (predict_proba exists but not for this model's settings)
                proba = None
            if proba is not None:
                add("log_loss", metrics.log_loss, y_true=y, y_pred=proba, sample_weight=sample_weight)
                score = proba[:, 1] if proba.shape[1] == 2 else proba
                add("roc_auc", metrics.roc_auc_score, y_true=y, y_score=score, average="weighted",
                    sample_weight=sample_weight, multi_class="ovo")
    elif is_regressor(estimator):
        predicted = estimator.predict(X)
        for name, fn in (("mean_squared_error", metrics.mean_squared_error),
                         ("mean_absolute_error", metrics.mean_absolute_error),
                         ("r2_score", metrics.r2_score)):
            add(name, fn, y_true=y, y_pred=predicted, sample_weight=sample_weight,
                multioutput="uniform_average")
        if _TRAINING + "mean_squared_error" in out:
            out[_TRAINING + "root_mean_squared_error"] = out[_TRAINING + "mean_squared_error"] ** 0.5
    if hasattr(estimator, "score"):
        try:
            import inspect  # noqa: PLC0415
            takes_weight = "sample_weight" in inspect.signature(estimator.score).parameters
            score = (estimator.score(X, y, sample_weight) if takes_weight and sample_weight is not None
                     else estimator.score(X, y))
            out[_TRAINING + "score"] = float(score)
        except Exception:  # noqa: BLE001
            pass
    return out


def _classifier_plots(run, estimator, X, y, sample_weight):
    """MLflow's training_confusion_matrix.png (and ROC and precision-recall curves for two
    classes), when matplotlib is there."""
    from sklearn.base import is_classifier  # noqa: PLC0415
    if not is_classifier(estimator):
        return
    try:
        import matplotlib  # noqa: PLC0415
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        return
    from sklearn import metrics  # noqa: PLC0415
    plots = [("confusion_matrix", "Normalized confusion matrix", metrics.ConfusionMatrixDisplay,
              {"normalize": "true", "cmap": "Blues"})]
    labels = getattr(estimator, "classes_", None)
    if labels is not None and len(labels) == 2:
        plots += [("roc_curve", "ROC curve", metrics.RocCurveDisplay, {}),
                  ("precision_recall_curve", "Precision recall curve", metrics.PrecisionRecallDisplay, {})]
    with matplotlib.rc_context({"savefig.dpi": 175, "figure.autolayout": True, "font.size": 8}):
        for name, title, display_class, kwargs in plots:
            try:
                display = display_class.from_estimator(estimator, X, y, sample_weight=sample_weight,
                                                       **kwargs)
                display.ax_.set_title(title)
                buffer = io.BytesIO()
                display.figure_.savefig(buffer, format="png")
                pyplot.close(display.figure_)
                _fluent.log_bytes(buffer.getvalue(), "%s%s.png" % (_TRAINING, name), run=run)
            except Exception:  # noqa: BLE001 (a plot that cannot be drawn is left out, as MLflow)
                continue


def _estimator_html(run, estimator):
    from sklearn.utils import estimator_html_repr  # noqa: PLC0415
    page = ('<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8"/>\n  </head>\n'
            "  <body>\n    %s\n  </body>\n</html>\n" % estimator_html_repr(estimator))
    _fluent.log_text(page, "estimator.html", run=run)


def _log_search(run, search, X):
    if hasattr(search, "best_estimator_") and _config["log_models"]:
        log_model(search.best_estimator_, "best_estimator", signature=_signature(search, X),
                  run=run)
    if hasattr(search, "best_score_"):
        _fluent.log_metrics({"best_cv_score": float(search.best_score_)}, run=run)
    if hasattr(search, "best_params_"):
        run._log_params({("best_" + k)[:_validate.MAX_KEY]: str(v)[:_validate.MAX_PARAM_VALUE]
                         for k, v in search.best_params_.items()})
    if hasattr(search, "cv_results_"):
        _child_runs(run, search)
        _fluent.log_bytes(_cv_results_csv(search.cv_results_), "cv_results.csv", run=run)


def _child_runs(parent, search):
    """A run per candidate (the best max_tuning_runs, by rank_test_score), as MLflow makes them:
    the seed estimator's params with the candidate's, and the numeric cv_results_ columns but
    the per-split ones as metrics."""
    results = search.cv_results_
    count = len(results["params"])
    rank = "rank_test_score" if "rank_test_score" in results else next(
        (k for k in results if k.startswith("rank_test_")), None)
    chosen = list(range(count))
    limit = _config["max_tuning_runs"]
    if limit is not None and rank is not None:
        chosen = sorted(chosen, key=lambda i: (results[rank][i], i))[:limit]
    seed = search.estimator
    base = _params(seed, deep=not _is_search(seed))
    tags = {"mlflow.autologging": FLAVOR_NAME, "mlflow.parentRunId": parent.id}
    tags.update(_estimator_tags(seed))
    tags.update(_config["extra_tags"])
    for i in chosen:
        child = _runs.create_run(_experiment_id(parent), tags=tags)
        try:
            params = dict(base)
            params.update({k[:_validate.MAX_KEY]: str(v)[:_validate.MAX_PARAM_VALUE]
                           for k, v in results["params"][i].items()})
            child._log_params(params)
            metrics = {}
            for key, values in results.items():
                if key.startswith(("param", "split")):
                    continue
                value = values[i]
                value = value.item() if hasattr(value, "item") else value
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    metrics[key] = float(value)
            _fluent.log_metrics(metrics, run=child)
        finally:
            _active.end_with_inner(child, "finished", None)


def _experiment_id(run):
    from .entities import experiment_id_of  # noqa: PLC0415
    return experiment_id_of(run.experiment)


def _cv_results_csv(results):
    import csv  # noqa: PLC0415
    keys = list(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for i in range(len(results["params"])):
        row = []
        for key in keys:
            value = results[key][i]
            value = value.item() if hasattr(value, "item") and not isinstance(value, dict) else value
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


# ---- skipping a search that is already logged ---------------------------------------------------

def _already_logged(search, active):
    """With skip_logged: whether every candidate of the search has a finished run in the
    experiment; if so, says so (and where the best model is) and the fit is skipped."""
    candidates = _candidates(search)
    name = type(search).__name__
    if candidates is None:
        print("runlens: %s samples its candidates at random (no fixed random_state, or "
              "distributions): which were logged cannot be told, so it is fitted" % name,
              file=sys.stderr)
        return False
    experiment = active.experiment if active is not None else _fluent.current_experiment()
    logged = [_lookup.find(c, experiment) for c in candidates]
    done = [[r for r in runs if r.status == "finished"] for runs in logged]
    missing = sum(1 for runs in done if not runs)
    if missing:
        print("runlens: %d of the %d candidates of this %s are already logged in %r; fitting "
              "all of them (a search compares its candidates together)"
              % (len(candidates) - missing, len(candidates), name, experiment), file=sys.stderr)
        return False
    parents = {r.parent for runs in done for r in runs if r.parent}
    where = (" The best model of the last such search: runlens.mlflow.sklearn.load_model("
             "\"runs:/%s/best_estimator\")." % sorted(parents)[0]) if len(parents) == 1 else ""
    print("runlens: all %d candidates of this %s are already logged in %r (skip_logged=True): "
          "not fitted again, and nothing logged; the search object stays unfitted.%s"
          % (len(candidates), name, experiment, where), file=sys.stderr)
    return True


def _candidates(search):
    from sklearn.model_selection import GridSearchCV, ParameterGrid, ParameterSampler  # noqa: PLC0415
    if isinstance(search, GridSearchCV):
        return list(ParameterGrid(search.param_grid))
    if not isinstance(search.random_state, int):
        return None
    grids = search.param_distributions if isinstance(search.param_distributions, list) \
        else [search.param_distributions]
    if any(not isinstance(v, (list, tuple)) for grid in grids for v in grid.values()):
        return None
    return list(ParameterSampler(search.param_distributions, search.n_iter,
                                 random_state=search.random_state))


# ---- models -------------------------------------------------------------------------------------

class ModelInfo:
    """What log_model returns: where the model is."""

    def __init__(self, run_id, artifact_path, flavors, signature):
        self.run_id, self.artifact_path = run_id, artifact_path
        self.model_uri = "runs:/%s/%s" % (run_id, artifact_path)
        self.flavors, self.signature = flavors, signature

    def __repr__(self):
        return "<ModelInfo %s>" % self.model_uri


def _signature(estimator, X):
    if not _config.get("log_model_signatures", True) or X is None:
        return None
    try:
        from .models import infer_signature  # noqa: PLC0415
        example = X[:5]
        output = estimator.predict(example) if hasattr(estimator, "predict") else None
        return infer_signature(example, output)
    except Exception:  # noqa: BLE001 (no signature is better than a failed fit)
        return None


def _example(X):
    try:
        return X[:5]
    except Exception:  # noqa: BLE001
        return None


def save_model(sk_model, path, serialization_format=SERIALIZATION_FORMAT_CLOUDPICKLE,
               signature=None, input_example=None, metadata=None, _run_id=None,
               _artifact_path=None, **unsupported):
    """Writes an MLflow model folder: model.pkl (pickle: RunLens uses the standard library's,
    whichever format is asked), MLmodel with the sklearn and python_function flavors,
    requirements.txt, python_env.yaml, conda.yaml, and input_example.json if given."""
    _refuse(unsupported, "save_model")
    import sklearn  # noqa: PLC0415
    if os.path.exists(path) and os.listdir(path):
        raise MlflowException("Path '%s' already exists and is not empty" % path,
                              error_code="RESOURCE_ALREADY_EXISTS")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.pkl"), "wb") as f:
        pickle.dump(sk_model, f)
    python = platform.python_version()
    requirement = "scikit-learn==%s" % sklearn.__version__
    flavors = {
        "python_function": {"env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                            "loader_module": "mlflow.sklearn", "model_path": "model.pkl",
                            "predict_fn": "predict", "python_version": python},
        "sklearn": {"code": None, "pickled_model": "model.pkl",
                    "serialization_format": SERIALIZATION_FORMAT_PICKLE,
                    "sklearn_version": sklearn.__version__},
    }
    if not hasattr(sk_model, "predict"):
        del flavors["python_function"]
    mlmodel = {"flavors": flavors, "model_uuid": uuid.uuid4().hex,
               "utc_time_created": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
               "model_size_bytes": os.path.getsize(os.path.join(path, "model.pkl"))}
    if _artifact_path is not None:
        mlmodel["artifact_path"] = _artifact_path
    if _run_id is not None:
        mlmodel["run_id"] = _run_id
    if signature is not None:
        mlmodel["signature"] = signature.to_dict()
    if metadata:
        mlmodel["metadata"] = metadata
    if input_example is not None:
        mlmodel["saved_input_example_info"] = {"artifact_path": "input_example.json",
                                               "type": "dataframe" if hasattr(input_example, "to_json") else "ndarray"}
        with open(os.path.join(path, "input_example.json"), "w", encoding="utf-8") as f:
            f.write(_example_json(input_example))
    files = {
        "MLmodel": _objects.yaml_dump(mlmodel),
        "requirements.txt": requirement + "\n",
        "python_env.yaml": _objects.yaml_dump({"python": python, "build_dependencies": ["pip"],
                                               "dependencies": ["-r requirements.txt"]}),
        "conda.yaml": _objects.yaml_dump({"channels": ["conda-forge"], "name": "mlflow-env",
                                          "dependencies": ["python=%s" % python, "pip",
                                                           {"pip": [requirement]}]}),
    }
    for name, text in files.items():
        with open(os.path.join(path, name), "w", encoding="utf-8") as f:
            f.write(text)
    return flavors


def _example_json(example):
    if hasattr(example, "to_json"):
        return example.to_json(orient="split", index=False)
    if hasattr(example, "tolist"):
        return json.dumps({"inputs": example.tolist()})
    return json.dumps(example, default=str)


def log_model(sk_model, artifact_path="model", serialization_format=SERIALIZATION_FORMAT_CLOUDPICKLE,
              registered_model_name=None, signature=None, input_example=None, metadata=None,
              run=None, **unsupported):
    """Saves the model (save_model) and logs the folder as the run's artifact `artifact_path`."""
    if registered_model_name is not None:
        raise UnsupportedByRunLens(
            "log_model(registered_model_name=...): RunLens has no model registry; the model is "
            "logged as the artifact %r of the run" % artifact_path)
    _refuse(unsupported, "log_model")
    run = run or _fluent.current_run()
    folder = tempfile.mkdtemp(prefix="runlens-model-")
    try:
        target = os.path.join(folder, "model")
        flavors = save_model(sk_model, target, serialization_format, signature, input_example,
                             metadata, _run_id=run.id, _artifact_path=artifact_path)
        _fluent.log_artifacts(target, artifact_path, run=run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ModelInfo(run.id, artifact_path, flavors, signature)


def _refuse(unsupported, where):
    known_harmless = {"conda_env", "code_paths", "pip_requirements", "extra_pip_requirements",
                      "pyfunc_predict_fn", "await_registration_for"}
    passed = sorted(k for k, v in unsupported.items() if v is not None)
    if passed:
        raise UnsupportedByRunLens(
            "%s(%s=...): RunLens writes the model's requirements itself (scikit-learn's version) "
            "and does not take %s" % (where, ", ".join(passed),
                                      "these" if len(passed) > 1 else "this")
            if set(passed) <= known_harmless else
            "%s(%s=...): not known to runlens.mlflow" % (where, ", ".join(passed)))


def load_model(model_uri, dst_path=None):
    """A model logged by log_model or autolog: "runs:/<run id>/<path>", or a model folder."""
    if model_uri.startswith("runs:/"):
        run_id, _, rel = model_uri[len("runs:/"):].partition("/")
        record = _runs.record_of(run_id)
        if record.folder is None:
            raise MlflowException("the artifacts of run %s are not on this machine" % run_id)
        folder = os.path.join(record.folder, *rel.strip("/").split("/"))
    elif model_uri.startswith("file://"):
        folder = model_uri[len("file://"):]
    elif "://" in model_uri or model_uri.startswith("models:/"):
        raise UnsupportedByRunLens("load_model(%r): RunLens loads models of its runs "
                                   "(runs:/<run id>/<path>) or folders" % model_uri)
    else:
        folder = model_uri
    with open(os.path.join(folder, "model.pkl"), "rb") as f:
        return pickle.load(f)  # noqa: S301 (a model the user logged, loaded at the user's request)


def __getattr__(name):
    raise AttributeError("runlens.mlflow.sklearn has no %r: it has autolog, log_model, save_model "
                         "and load_model" % name)
