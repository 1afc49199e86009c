"""MLflow's MlflowClient over RunLens (also importable as runlens.mlflow.tracking.MlflowClient):
runs by id, logged to whether or not they are the active run."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .. import _active, _env, _fluent, _tracking, _validate
from . import _runs
from .entities import Metric, Param, RunTag, ViewType, experiment_name_of  # noqa: F401
from .exceptions import MlflowException, UnsupportedByRunLens


class MlflowClient:
    """MLflow's client for the runs RunLens records. Unlike the fluent API it logs to any run by
    id: one it created (create_run), the active one, or an ended one, which it takes up for the
    call and ends again as it was."""

    def __init__(self, tracking_uri=None, registry_uri=None):
        """`tracking_uri` may name where this process's runs already go (get_tracking_uri(): the
        tracking server, else the .runlens folder), as `MlflowClient(mlflow.get_tracking_uri())`
        does; another place is refused, as is a model registry."""
        if registry_uri is not None:
            raise UnsupportedByRunLens(
                "MlflowClient(registry_uri=...): RunLens has no model registry; create the "
                "client without it")
        if tracking_uri is not None and _identity(str(tracking_uri)) != _identity(_here()):
            raise UnsupportedByRunLens(
                "MlflowClient(tracking_uri=%r): this process's runs go to %s (set_tracking_uri, "
                "RUNLENS_TRACKING_URI or MLFLOW_TRACKING_URI choose it), and one client cannot "
                "send them elsewhere; create the client without tracking_uri"
                % (_identity(str(tracking_uri)), _here()))

    # ---- experiments ----------------------------------------------------------------------------

    def create_experiment(self, name, artifact_location=None, tags=None):
        return _runs.create_experiment(name, artifact_location, tags)

    def get_experiment_by_name(self, name):
        return _runs.get_experiment_by_name(name)

    def get_experiment(self, experiment_id):
        return _runs.get_experiment(experiment_id)

    # ---- runs -----------------------------------------------------------------------------------

    def create_run(self, experiment_id, start_time=None, tags=None, run_name=None):
        """A new run in the experiment; running, and not the active run (as in MLflow)."""
        run = _runs.create_run(experiment_id, start_time, tags, run_name)
        return self.get_run(run.id)

    def get_run(self, run_id):
        return _runs.get_run(run_id)

    def search_runs(self, experiment_ids, filter_string="", run_view_type=ViewType.ACTIVE_ONLY,
                    max_results=1000, order_by=None, page_token=None):
        if page_token is not None:
            raise UnsupportedByRunLens("search_runs(page_token=...): RunLens returns every match "
                                       "at once; raise max_results instead")
        return _runs.search(experiment_ids, filter_string, run_view_type, max_results, order_by)

    def set_terminated(self, run_id, status=None, end_time=None):
        """Ends the run (FINISHED unless told otherwise), at end_time (ms) if given."""
        status = (status or "FINISHED").lower()
        if status not in _fluent.STATUSES:
            raise MlflowException("Invalid run status %r" % status)
        with _runs.logging_to(run_id) as run:
            if run in _active.stack:
                _fluent.end_run(status) if _active.stack[-1] is run else \
                    _active.end_with_inner(run, status, None, end_time)
            else:
                _active.end_with_inner(run, status, None, end_time)

    def update_run(self, run_id, status=None, name=None):
        if name is not None:
            raise UnsupportedByRunLens("update_run(name=...): a RunLens run keeps the name it "
                                       "started with; tag it instead")
        if status is not None:
            self.set_terminated(run_id, status)

    # ---- logging --------------------------------------------------------------------------------

    def log_param(self, run_id, key, value, synchronous=None):
        with _runs.logging_to(run_id) as run:
            run._log_params({key: value})
        return value

    def log_metric(self, run_id, key, value, timestamp=None, step=None, synchronous=None,
                   **unsupported):
        self.log_batch(run_id, metrics=[Metric(key, value, timestamp, step or 0)])

    def log_batch(self, run_id, metrics=(), params=(), tags=(), synchronous=None):
        """Params, then tags, then metrics (MLflow's Metric, Param and RunTag objects)."""
        with _runs.logging_to(run_id) as run:
            if params:
                run._log_params({p.key: p.value for p in params})
            if tags:
                run._set_tags({t.key: t.value for t in tags})
            for m in metrics:
                t = _validate.metric_time(m.timestamp)
                _fluent.log_metrics({m.key: m.value}, m.step or 0, t, run=run)

    def set_tag(self, run_id, key, value, synchronous=None):
        with _runs.logging_to(run_id) as run:
            run._set_tags({key: value})

    def delete_tag(self, run_id, key):
        with _runs.logging_to(run_id) as run:
            if key not in run.tags:
                raise MlflowException("No tag with name: %s in run with id %s" % (key, run_id),
                                      error_code="RESOURCE_DOES_NOT_EXIST")
            run._delete_tag(key)

    def get_metric_history(self, run_id, key):
        return _runs.metric_history(run_id, key)

    # ---- artifacts ------------------------------------------------------------------------------

    def log_artifact(self, run_id, local_path, artifact_path=None):
        with _runs.logging_to(run_id) as run:
            _fluent.log_artifact(local_path, artifact_path, run=run)

    def log_artifacts(self, run_id, local_dir, artifact_path=None):
        with _runs.logging_to(run_id) as run:
            _fluent.log_artifacts(local_dir, artifact_path, run=run)

    def log_text(self, run_id, text, artifact_file):
        with _runs.logging_to(run_id) as run:
            _fluent.log_text(text, artifact_file, run=run)

    def log_dict(self, run_id, dictionary, artifact_file):
        with _runs.logging_to(run_id) as run:
            _fluent.log_dict(dictionary, artifact_file, run=run)

    def log_figure(self, run_id, figure, artifact_file, *, save_kwargs=None):
        with _runs.logging_to(run_id) as run:
            _fluent.log_figure(figure, artifact_file, save_kwargs, run=run)

    def log_image(self, run_id, image, artifact_file=None, key=None, step=None, timestamp=None,
                  synchronous=None):
        if artifact_file is None or key is not None:
            raise UnsupportedByRunLens("log_image(key=..., step=...): give artifact_file")
        with _runs.logging_to(run_id) as run:
            _fluent.log_image(image, artifact_file, run=run)

    def log_table(self, run_id, data, artifact_file):
        with _runs.logging_to(run_id) as run:
            _fluent.log_table(data, artifact_file, run=run)

    def list_artifacts(self, run_id, path=None):
        return _runs.list_artifacts(run_id, path)

    def download_artifacts(self, run_id, path, dst_path=None):
        return _runs.download_artifacts(run_id, path, dst_path)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            "runlens.mlflow's MlflowClient has no %r: RunLens records runs, params, metrics, "
            "tags and artifacts, without a model registry, traces or prompts" % name)


def _here():
    """Where this process's runs go, as get_tracking_uri() says it: the server, else the folder."""
    found = _tracking.server()
    return found.uri if found is not None else Path(_env.runlens_dir()).as_uri()


def _identity(uri):
    """A tracking URI without credentials (never a password in a message), a trailing "/" aside."""
    parts = urlsplit(uri)
    if _tracking.is_server_uri(uri):
        return _tracking.identity(uri)
    netloc = (parts.hostname or "") + (":%d" % parts.port if parts.port else "") \
        if parts.netloc else ""
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")) if parts.scheme \
        else uri.rstrip("/")
