"""MLflow's fluent API over RunLens: `import runlens.mlflow as mlflow`.

The subset that experiment scripts use, with MLflow's names, arguments and behaviour. What RunLens
does not record (artifacts, models, autolog) raises a clear AttributeError instead of pretending.
"""

from . import _fluent, _tracking, _validate
from ._fluent import active_run

__all__ = ["active_run", "end_run", "get_tracking_uri", "last_active_run", "log_metric",
           "log_metrics", "log_param", "log_params", "set_experiment", "set_tag", "set_tags",
           "set_tracking_uri", "start_run"]

def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, tags=None,
              description=None, **_ignored):
    """MLflow's start_fluent. Runs nest whether or not `nested` is given; resuming by run_id is not
    supported. Experiments are known by name: `experiment_id` is taken as one."""
    if run_id is not None:
        raise NotImplementedError("runlens.mlflow.start_run cannot resume a run (run_id=%r)"
                                  % run_id)
    tags = dict(tags or {})
    if description is not None:
        tags["mlflow.note.content"] = description  # MLflow keeps the description as the note
    return _fluent.start_run(name=run_name, experiment=None if experiment_id is None
                          else str(experiment_id), tags=tags)


def end_run(status="FINISHED"):
    _fluent.end_run(status)


def last_active_run():
    return _fluent.active_run() or (_fluent._last_ended[0] if _fluent._last_ended else None)


def set_experiment(experiment_name=None, experiment_id=None):
    name = experiment_name if experiment_name is not None else experiment_id
    if name is None:
        raise ValueError("set_experiment needs experiment_name or experiment_id")
    return _fluent.set_experiment(str(name))


def log_param(key, value, synchronous=None):
    return _fluent.log_param(key, value)


def log_params(params, synchronous=None, run_id=None):
    if run_id is not None:
        _not_active(run_id)
    _fluent.log_params(params)


def set_tag(key, value, synchronous=None):
    _fluent.set_tag(key, value)


def set_tags(tags, synchronous=None):
    _fluent.set_tags(tags)


def log_metric(key, value, step=None, synchronous=None, timestamp=None, run_id=None, **_ignored):
    if run_id is not None:
        _not_active(run_id)
    if timestamp is None:
        _fluent.log_metric(key, value, step)
    else:
        _fluent.log_metric_at(key, value, step, _validate.metric_time(timestamp))


def log_metrics(metrics, step=None, synchronous=None, run_id=None, timestamp=None, **_ignored):
    if run_id is not None:
        _not_active(run_id)
    _fluent.log_metrics(metrics, step, _validate.metric_time(timestamp))


def set_tracking_uri(uri):
    """An http(s) tracking server gets the runs too (uploaded from .runlens, which stays the
    record); any other URI (a file store, sqlite:) is not used, and stderr says so."""
    _tracking.set_tracking_uri(None if uri is None else str(uri))


def get_tracking_uri():
    return _tracking.configured_uri()


def _not_active(run_id):
    run = _fluent.active_run()
    if run is None or run.id != run_id:
        raise NotImplementedError("runlens.mlflow logs only to the active run, not to %r" % run_id)


def __getattr__(name):
    raise AttributeError(
        "runlens.mlflow has no %r: RunLens records runs, params, metrics and tags, not "
        "artifacts, models or autologging (supported: %s)" % (name, ", ".join(__all__)))
