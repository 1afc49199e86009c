"""MLflow's API over RunLens: `import runlens.mlflow as mlflow`.

The part of MLflow that experiment scripts use, with MLflow's names, arguments, return values and
errors: runs (nested, resumed, children of a given parent), params, metrics, tags, artifacts,
experiments, get_run and search_runs, MlflowClient (also as runlens.mlflow.tracking.MlflowClient)
and scikit-learn autologging (runlens.mlflow.sklearn). Where RunLens differs, python/README.md
says how. A tracking server (set_tracking_uri("http://..."), MLFLOW_TRACKING_URI) gets the runs
too: they are recorded in .runlens and uploaded from there. Whatever RunLens does not record (the
model registry, system metrics, other frameworks' autologging) raises an error naming it and
saying what to do: nothing is silently ignored.

RunLens knows experiments by name: an experiment's id is its name, and Default's is "0".

This package is RunLens's own code, written for the client (standard library only, over RunLens's
run log): it imports nothing from MLflow and holds none of MLflow's code. Only MLflow's public
names, signatures and constants are kept, so that a script runs with its import changed.
"""

from pathlib import Path

from .. import _active, _env, _fluent, _resume, _tracking, _validate
from . import _runs, entities
from ._runs import (create_experiment, get_experiment, get_experiment_by_name, get_run,
                    pandas_available)
from .entities import ViewType, experiment_name_of
from .exceptions import MlflowException, UnsupportedByRunLens

__all__ = [
    "active_run", "autolog", "create_experiment", "delete_tag", "end_run", "get_artifact_uri",
    "get_experiment", "get_experiment_by_name", "get_parent_run", "get_run", "get_tracking_uri",
    "last_active_run", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image",
    "log_input", "log_metric", "log_metrics", "log_param", "log_params", "log_table", "log_text",
    "MlflowClient", "MlflowException", "search_runs", "set_experiment", "set_tag", "set_tags",
    "set_tracking_uri", "start_run",
]


# ---- runs ---------------------------------------------------------------------------------------

def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, parent_run_id=None,
              tags=None, description=None, log_system_metrics=None):
    """MLflow's start_run. Runs nest in the active one whether or not `nested` is given (MLflow
    raises there instead); a run_id takes an ended run up again, as MLflow does."""
    if log_system_metrics:
        raise UnsupportedByRunLens(
            "start_run(log_system_metrics=True): RunLens does not record system metrics (CPU, "
            "memory, GPU); log what you need with log_metric")
    tags = {key: str(value) for key, value in (tags or {}).items()}
    if description is not None:
        if "mlflow.note.content" in tags:
            raise MlflowException("Description is already set via the tag mlflow.note.content in "
                                  "tags. Remove the key mlflow.note.content from the tags or omit "
                                  "the description.")
        tags["mlflow.note.content"] = description  # MLflow keeps the description as the note
    if run_id is not None:
        return _resumed(str(run_id), tags)
    active = _fluent.active_run()
    if parent_run_id is not None:
        if active is not None and active.id != parent_run_id:
            raise MlflowException(
                "Current run with UUID %s does not match the specified parent_run_id %s. To start "
                "a new nested run under the parent run with UUID %s, first end the current run "
                "with mlflow.end_run()." % (active.id, parent_run_id, active.id))
        if _runs.record_of(parent_run_id).deleted:
            raise MlflowException("Cannot start run under parent run with ID %s because it is in "
                                  "the deleted state." % parent_run_id)
    experiment = experiment_name_of(experiment_id) if experiment_id is not None else None
    return _runs.start_run(tags, run_name, parent_run_id, experiment)


def _resumed(run_id, tags):
    with _active.lock:
        here = _resume.open_here(run_id)
        if here is not None and here in _active.stack:
            raise MlflowException("Run with UUID %s is already active." % run_id)
        if here is not None:  # a run MlflowClient created: it becomes the active run
            _active.detached.remove(here)
            _active.stack.append(here)
            run = here
        else:
            run = None
    if run is None:
        record = _runs.record_of(run_id)
        chosen = _fluent.chosen_experiment()
        if chosen is not None and _fluent._experiment and chosen != record.experiment:
            raise MlflowException(
                "Cannot start run with ID %s because active run ID does not match environment "
                "run ID. Make sure --experiment-name or --experiment-id matches experiment set "
                "with set_experiment(), or just use command-line arguments" % run_id)
        if record.deleted:
            raise MlflowException("Cannot start run with ID %s because it is in the deleted "
                                  "state." % run_id)
        run, _ = _resume.resume(run_id, on_stack=True)
    if tags:
        run._set_tags(tags)
    return run


def end_run(status="FINISHED"):
    _fluent.end_run(status)


def active_run():
    return _fluent.active_run()


def last_active_run():
    """The active run, else the last run of this process that ended (as get_run shows it)."""
    run = _fluent.active_run()
    if run is not None:
        return run
    ended = _active.last_ended
    return get_run(ended[0].id) if ended else None


def get_parent_run(run_id):
    parent = _runs.record_of(run_id).parent or _runs.record_of(run_id).tags.get("mlflow.parentRunId")
    return get_run(parent) if parent else None


def get_artifact_uri(artifact_path=None):
    run = _fluent.current_run()
    return run.artifact_uri + ("/" + artifact_path.strip("/") if artifact_path else "")


# ---- experiments --------------------------------------------------------------------------------

def set_experiment(experiment_name=None, experiment_id=None):
    """Makes the experiment the current one (by name, creating it as MLflow does; or by id, which
    must exist) and returns it."""
    if (experiment_name is None) == (experiment_id is None):
        raise MlflowException("Must specify exactly one of: `experiment_id` or `experiment_name`.")
    if experiment_id is not None:
        experiment = get_experiment(experiment_id)
        name = experiment.name
    else:
        name = experiment_name
    _fluent.set_experiment(name)
    return get_experiment_by_name(name)


# ---- logging ------------------------------------------------------------------------------------

def _run_for(run_id):
    """A context: the active run (started if none, as MLflow does), or the run named by id."""
    if run_id is None:
        return _Current()
    return _runs.logging_to(run_id)


class _Current:
    def __enter__(self):
        return _fluent.current_run()

    def __exit__(self, *exc):
        return False


def log_param(key, value, synchronous=None):
    return _fluent.log_param(key, value)


def log_params(params, synchronous=None, run_id=None):
    with _run_for(run_id) as run:
        run._log_params(params)


def set_tag(key, value, synchronous=None):
    _fluent.set_tag(key, value)


def set_tags(tags, synchronous=None):
    _fluent.set_tags(tags)


def delete_tag(key):
    """Deletes a tag of the active run; MLflow's error when it has no such tag."""
    run = _fluent.current_run()
    if key not in run.tags:
        raise MlflowException("No tag with name: %s in run with id %s" % (key, run.id),
                              error_code="RESOURCE_DOES_NOT_EXIST")
    run._delete_tag(key)


def log_metric(key, value, step=None, synchronous=None, timestamp=None, run_id=None,
               **unsupported):
    _no(unsupported, "log_metric")
    if run_id is not None:
        with _runs.logging_to(run_id) as run:
            _fluent.log_metrics({key: value}, step, _validate.metric_time(timestamp), run=run)
    elif timestamp is None:
        _fluent.log_metric(key, value, step)
    else:
        _fluent.log_metric_at(key, value, step, _validate.metric_time(timestamp))


def log_metrics(metrics, step=None, synchronous=None, run_id=None, timestamp=None, **unsupported):
    _no(unsupported, "log_metrics")
    with _run_for(run_id) as run:
        _fluent.log_metrics(metrics, step, _validate.metric_time(timestamp), run=run)


def _no(unsupported, where):
    """MLflow 2.x's dataset and model arguments of log_metric(s): not recorded, so refused."""
    if unsupported:
        raise UnsupportedByRunLens(
            "%s(%s=...): RunLens does not link metrics to models or datasets; leave %s out"
            % (where, ", ".join(sorted(unsupported)), "them" if len(unsupported) > 1 else "it"))


def log_artifact(local_path, artifact_path=None, run_id=None):
    with _run_for(run_id) as run:
        _fluent.log_artifact(local_path, artifact_path, run=run)


def log_artifacts(local_dir, artifact_path=None, run_id=None):
    with _run_for(run_id) as run:
        _fluent.log_artifacts(local_dir, artifact_path, run=run)


def log_text(text, artifact_file, run_id=None):
    with _run_for(run_id) as run:
        _fluent.log_text(text, artifact_file, run=run)


def log_dict(dictionary, artifact_file, run_id=None):
    with _run_for(run_id) as run:
        _fluent.log_dict(dictionary, artifact_file, run=run)


def log_figure(figure, artifact_file, *, save_kwargs=None):
    _fluent.log_figure(figure, artifact_file, save_kwargs)


def log_image(image, artifact_file=None, key=None, step=None, timestamp=None, synchronous=None):
    if artifact_file is None or key is not None or step is not None:
        raise UnsupportedByRunLens(
            "log_image(key=..., step=...): RunLens records images as files, not as a series "
            "over steps; give artifact_file (say \"images/%s_step_%s.png\")" % (key, step))
    _fluent.log_image(image, artifact_file)


def log_table(data, artifact_file, run_id=None):
    with _run_for(run_id) as run:
        _fluent.log_table(data, artifact_file, run=run)


def log_input(dataset, context=None, tags=None):
    """Records a dataset the run used (name, digest, source) as MLflow's log_input does; see
    runlens.mlflow.data for making one."""
    _runs.log_input(_fluent.current_run(), dataset, context, tags)


# ---- search -------------------------------------------------------------------------------------

def search_runs(experiment_ids=None, filter_string="", run_view_type=ViewType.ACTIVE_ONLY,
                max_results=_runs.SEARCH_MAX_RESULTS, order_by=None, output_format="pandas",
                search_all_experiments=False, experiment_names=None):
    """MLflow's search_runs with RunLens's filter language (MLflow's, plus or, not and
    parentheses; params compared by meaning): a pandas DataFrame with MLflow's columns when
    pandas is there and output_format is "pandas", else a list of Runs."""
    if output_format not in ("pandas", "list"):
        raise ValueError("Unsupported output format: %s. Supported string values are 'pandas' "
                         "or 'list'" % output_format)
    runs = _runs.search(experiment_ids, filter_string, run_view_type, max_results, order_by,
                        experiment_names, search_all_experiments)
    if output_format == "pandas" and pandas_available():
        return _runs.to_pandas(runs)
    return runs


# ---- where runs go ------------------------------------------------------------------------------

def set_tracking_uri(uri):
    """An http(s) tracking server gets the runs too (uploaded from .runlens, which stays the
    record); any other URI (a file store, sqlite:) is not used, and stderr says so."""
    _tracking.set_tracking_uri(None if uri is None else str(uri))


def get_tracking_uri():
    """The tracking server the runs are uploaded to, else the .runlens folder that records them."""
    found = _tracking.server()
    return found.uri if found is not None else Path(_env.runlens_dir()).as_uri()


def autolog(log_input_examples=False, log_model_signatures=True, log_models=True,
            log_datasets=True, disable=False, exclusive=False,
            disable_for_unsupported_versions=False, silent=False, extra_tags=None, **unsupported):
    """MLflow's autolog, for the one framework RunLens autologs: scikit-learn."""
    import sys  # noqa: PLC0415
    others = sorted(name for name in _OTHER_FRAMEWORKS if name in sys.modules)
    if others and not disable:
        raise UnsupportedByRunLens(
            "autolog(): RunLens autologs scikit-learn only, and this process uses %s; log those "
            "with log_param and log_metric, and call runlens.mlflow.sklearn.autolog() for "
            "scikit-learn alone" % ", ".join(others))
    from . import sklearn  # noqa: PLC0415 (imports scikit-learn: only when asked)
    sklearn.autolog(log_input_examples=log_input_examples, log_model_signatures=log_model_signatures,
                    log_models=log_models, log_datasets=log_datasets, disable=disable,
                    exclusive=exclusive, disable_for_unsupported_versions=disable_for_unsupported_versions,
                    silent=silent, extra_tags=extra_tags, **unsupported)


_OTHER_FRAMEWORKS = ("torch", "tensorflow", "keras", "xgboost", "lightgbm", "catboost",
                     "pytorch_lightning", "lightning", "transformers", "statsmodels", "pyspark",
                     "fastai", "paddle", "openai", "langchain")

_SUGGESTIONS = {
    "log_model": "log a model with runlens.mlflow.sklearn.log_model (scikit-learn), or save it "
                 "yourself and log the file with log_artifact",
    "register_model": "RunLens has no model registry; log the model as an artifact",
    "MlflowClient": None,
}


def __getattr__(name):
    if name == "MlflowClient":
        from .client import MlflowClient  # noqa: PLC0415 (a module of its own, loaded on use)
        return MlflowClient
    if name in ("sklearn", "tracking", "client", "data", "models", "entities", "exceptions"):
        import importlib  # noqa: PLC0415
        return importlib.import_module("." + name, __name__)
    hint = _SUGGESTIONS.get(name) or ("RunLens records runs, params, metrics, tags, artifacts "
                                      "and scikit-learn autologging")
    raise AttributeError("runlens.mlflow has no %r: %s. What it has: %s"
                         % (name, hint, ", ".join(__all__)))
