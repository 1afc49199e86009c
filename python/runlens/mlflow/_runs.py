"""What runlens.mlflow's fluent API and its MlflowClient share: experiments, runs by id, search,
MLflow's system tags, and logging to a run given by id."""

import getpass
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .. import _artifacts, _catalog, _env, _filter, _fluent, _resume
from .entities import (DATASET_TAG, Experiment, FileInfo, Metric, ViewType, experiment_id_of,
                       experiment_name_of, not_found, run_from_record)
from .exceptions import MlflowException, UnsupportedByRunLens

SEARCH_MAX_RESULTS = 100000  # MLflow's default for the fluent search_runs
_created = []  # experiments create_experiment made in this process (a run makes them real)


# ---- experiments ------------------------------------------------------------------------------

def artifact_location():
    return Path(os.path.join(_env.runlens_dir(), _artifacts.ARTIFACTS)).as_uri()


def known_experiments():
    """{name: deleted?} of the experiments the store, the logs or this process know."""
    found = _catalog.experiments()
    for name in _created + [_fluent.current_experiment()]:
        found.setdefault(name, False)
    return found


def get_experiment_by_name(name):
    deleted = known_experiments().get(name)
    return None if deleted is None else Experiment(name, artifact_location(), deleted)


def get_experiment(experiment_id):
    experiment = get_experiment_by_name(experiment_name_of(experiment_id))
    if experiment is None:
        raise MlflowException("No Experiment with id=%s exists" % experiment_id,
                              error_code="RESOURCE_DOES_NOT_EXIST")
    return experiment


def create_experiment(name, artifact_location=None, tags=None):
    if not isinstance(name, str) or not name:
        raise MlflowException("Invalid experiment name: %r" % (name,))
    if artifact_location is not None:
        raise UnsupportedByRunLens(
            "create_experiment(artifact_location=%r): RunLens keeps every run's artifacts under "
            ".runlens/artifacts/<run id>/; leave artifact_location out" % (artifact_location,))
    if tags:
        raise UnsupportedByRunLens(
            "create_experiment(tags=...): RunLens records no experiment tags; tag the runs "
            "instead (set_tag)")
    if name in known_experiments():
        raise MlflowException("Experiment '%s' already exists." % name,
                              error_code="RESOURCE_ALREADY_EXISTS")
    _created.append(name)
    return experiment_id_of(name)


def experiment_names(experiment_ids=None, experiment_names=None, search_all=False):
    """The experiments a search covers, by name; None for all of them."""
    if search_all:
        return None
    names = [experiment_name_of(e) for e in (experiment_ids or [])] + list(experiment_names or [])
    if not names:
        names = [_fluent.current_experiment()]
    return names


# ---- runs ---------------------------------------------------------------------------------------

def record_of(run_id):
    record = _catalog.get(run_id)
    if record is None:
        raise not_found(run_id)
    return record


def get_run(run_id):
    """MLflow's Run of run_id: info, data (params, latest metrics, tags) and inputs."""
    return run_from_record(record_of(run_id))


def system_tags(run_name=None, parent_id=None):
    """The tags MLflow sets on a run it creates: user, source and its type, name, parent."""
    tags = {"mlflow.user": _user(), "mlflow.source.name": sys.argv[0] if sys.argv and sys.argv[0]
            else "<console>", "mlflow.source.type": "LOCAL"}
    if run_name:
        tags["mlflow.runName"] = run_name
    if parent_id:
        tags["mlflow.parentRunId"] = parent_id
    return tags


def _user():
    try:
        return getpass.getuser()
    except Exception:  # no user name where the process runs (a container): as MLflow says
        return "unknown"


def note_git_commit(run):
    """MLflow's mlflow.source.git.commit, from the git state the run's start recorded."""
    commit = (run.git or {}).get("commit")
    if commit and "mlflow.source.git.commit" not in run.tags:
        run._set_tags({"mlflow.source.git.commit": commit})


def start_run(tags, run_name=None, parent_id=None, experiment=None):
    """A new active run with the tags MLflow sets (and `tags`), nested in the active one."""
    active = _fluent.active_run()
    parent = parent_id or (active.id if active is not None else None)
    merged = system_tags(run_name, parent)
    merged.update(tags)
    run = _fluent.open_run(name=run_name, experiment=experiment or _fluent.current_experiment(),
                           tags=merged, parent_id=parent_id if active is None else None)
    note_git_commit(run)
    return run


def create_run(experiment_id, start_time=None, tags=None, run_name=None):
    """MlflowClient.create_run: a run that is open but not the active one."""
    if start_time is not None:
        raise UnsupportedByRunLens(
            "create_run(start_time=...): a RunLens run starts when it is created; leave it out")
    tags = {k: str(v) for k, v in (tags or {}).items()}
    parent = tags.get("mlflow.parentRunId")
    if parent is not None:
        record_of(parent)
    merged = system_tags(run_name, parent)
    merged.update(tags)
    run = _fluent.open_run(name=run_name or tags.get("mlflow.runName"),
                           experiment=experiment_name_of(experiment_id), tags=merged,
                           parent_id=parent, on_stack=False)
    note_git_commit(run)
    return run


# ---- search -------------------------------------------------------------------------------------

def search(experiment_ids=None, filter_string="", run_view_type=ViewType.ACTIVE_ONLY,
           max_results=SEARCH_MAX_RESULTS, order_by=None, experiment_names_=None, search_all=False):
    """The runs matching, as MLflow Runs, ordered as asked (default: newest first)."""
    if isinstance(experiment_ids, (str, int)):
        experiment_ids = [experiment_ids]
    tree = _filter.parse(filter_string or "")
    names = experiment_names(experiment_ids, experiment_names_, search_all)
    records = _catalog.every(names)
    if run_view_type == ViewType.ACTIVE_ONLY:
        records = [r for r in records if not r.deleted]
    elif run_view_type == ViewType.DELETED_ONLY:
        records = [r for r in records if r.deleted]
    records = [r for r in records if _filter.matches(tree, r.as_filter_input())]
    records = ordered(records, order_by)
    if max_results is not None:
        records = records[:int(max_results)]
    return [run_from_record(r) for r in records]


_ATTRIBUTES = {"start_time": "start_time", "end_time": "end_time", "run_name": "name",
               "name": "name", "status": "status", "run_id": "id", "experiment_id": "experiment"}


def ordered(records, order_by):
    """MLflow's order_by: "metrics.rmse ASC", "params.lr", "attributes.start_time DESC"…
    (default: start_time descending, then run id); runs without the value go last."""
    records = sorted(records, key=lambda r: r.id)
    records.sort(key=lambda r: -(r.start_time or 0))
    for clause in reversed(list(order_by or [])):
        words = clause.strip().split()
        descending = len(words) > 1 and words[-1].upper() == "DESC"
        if len(words) > 1 and words[-1].upper() in ("ASC", "DESC"):
            words = words[:-1]
        field = " ".join(words)
        kind, _, key = field.partition(".")
        key = key.strip("`\"'")
        if kind in ("metrics", "metric"):
            get = lambda r, k=key: _number(r.metrics.get(k))  # noqa: E731
        elif kind in ("params", "param"):
            get = lambda r, k=key: r.params.get(k)  # noqa: E731
        elif kind in ("tags", "tag"):
            get = lambda r, k=key: r.tags.get(k)  # noqa: E731
        else:
            name = _ATTRIBUTES.get(key if kind in ("attributes", "attribute", "attr") else field)
            if name is None:
                raise MlflowException("Invalid order_by clause %r: order by metrics.<key>, "
                                      "params.<key>, tags.<key> or attributes.start_time, "
                                      "end_time, run_name, status" % clause)
            get = lambda r, n=name: getattr(r, n)  # noqa: E731
        present = [r for r in records if get(r) is not None]
        missing = [r for r in records if get(r) is None]
        present.sort(key=get, reverse=descending)
        records = present + missing
    return records


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def to_pandas(runs):
    """search_runs' DataFrame: MLflow's columns (run_id, experiment_id, status, artifact_uri,
    start_time, end_time as UTC times, then metrics.*, params.*, tags.*)."""
    import pandas  # noqa: PLC0415 (only when the user has it and asked for a DataFrame)
    info = {name: [] for name in ("run_id", "experiment_id", "status", "artifact_uri",
                                  "start_time", "end_time")}
    metrics, params, tags = {}, {}, {}
    for i, run in enumerate(runs):
        for name in info:
            value = getattr(run.info, name)
            if name in ("start_time", "end_time"):
                value = pandas.to_datetime(value, unit="ms", utc=True) if value is not None else None
            info[name].append(value)
        for columns, values, missing in ((metrics, run.data.metrics, math.nan),
                                         (params, run.data.params, None),
                                         (tags, run.data.tags, None)):
            for key, value in values.items():
                columns.setdefault(key, [missing] * i)
            for key, column in columns.items():
                column.append(values.get(key, missing))
    data = dict(info)
    data.update({"metrics." + k: v for k, v in metrics.items()})
    data.update({"params." + k: v for k, v in params.items()})
    data.update({"tags." + k: v for k, v in tags.items()})
    return pandas.DataFrame(data)


def pandas_available():
    try:
        import pandas  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


# ---- one run by id ------------------------------------------------------------------------------

def metric_history(run_id, key):
    record = record_of(run_id)
    return [Metric(key, value, t, step) for step, value, t in _catalog.metric_history(record, key)]


def list_artifacts(run_id, path=None):
    """The files and folders directly in `path` (the root by default), as MLflow lists them."""
    record = record_of(run_id)
    prefix = "" if path in (None, "", ".") else path.strip("/") + "/"
    entries = {}
    for artifact, (size, *_rest) in record.artifacts.items():
        if not artifact.startswith(prefix):
            continue
        rest = artifact[len(prefix):]
        head, _, tail = rest.partition("/")
        entries[prefix + head] = FileInfo(prefix + head, True, None) if tail \
            else FileInfo(prefix + head, False, size)
    return [entries[k] for k in sorted(entries)]


def download_artifacts(run_id, path, dst_path=None):
    """Copies the artifact `path` (a file or a folder) into dst_path (a new temporary folder by
    default) and returns where it is, as MLflow does."""
    record = record_of(run_id)
    if record.folder is None:
        raise MlflowException("the artifacts of run %s are not on this machine (%s)"
                              % (run_id, record.artifact_uri), error_code="RESOURCE_DOES_NOT_EXIST")
    path = (path or "").strip("/")
    chosen = [a for a in record.artifacts if not path or a == path or a.startswith(path + "/")]
    if not chosen:
        raise MlflowException("run %s has no artifact %r" % (run_id, path),
                              error_code="RESOURCE_DOES_NOT_EXIST")
    dst = dst_path or tempfile.mkdtemp(prefix="runlens-artifacts-")
    os.makedirs(dst, exist_ok=True)
    for artifact in chosen:
        source = _checked_source(record.folder, artifact)
        target = os.path.join(dst, *artifact.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)
    return os.path.join(dst, *path.split("/")) if path else dst


def _checked_source(folder, artifact):
    """The artifact's file, never through a link (the path came from a log or a database)."""
    _artifacts.check_path(artifact)
    at = folder
    for part in artifact.split("/"):
        at = os.path.join(at, part)
        if os.path.islink(at):
            raise MlflowException("%s is a symbolic link: RunLens does not follow links out of a "
                                  "run's artifacts" % at)
    return at


def log_input(run, dataset, context=None, tags=None):
    """MLflow's log_input: the dataset's name, digest and source, recorded as the run's tag
    runlens.dataset.<name> (a JSON object; get_run(...).inputs reads it back)."""
    name = getattr(dataset, "name", None)
    digest = getattr(dataset, "digest", None)
    if not name or digest is None:
        raise TypeError("log_input takes a dataset with a name and a digest (runlens.mlflow.data."
                        "from_pandas, from_numpy), not %s" % type(dataset).__name__)
    source = getattr(dataset, "source", None)
    value = {"name": name, "digest": digest,
             "source_type": getattr(dataset, "source_type", None) or getattr(source, "source_type", None),
             "source": source if isinstance(source, (str, type(None))) else _source_text(source),
             "tags": dict(tags or {})}
    if context is not None:
        value["tags"]["mlflow.data.context"] = context
    run._set_tags({DATASET_TAG + name: json.dumps(value, sort_keys=True)})


def _source_text(source):
    to_json = getattr(source, "to_json", None)
    return to_json() if callable(to_json) else str(source)


def logging_to(run_id):
    """A context giving the run to log to by id (see runlens._resume.logging_to)."""
    if _catalog.find_log(_env.runlens_dir(), run_id) is None and _resume.open_here(run_id) is None:
        record_of(run_id)  # not found: MLflow's error; found: imported, refused by resume
    return _resume.logging_to(run_id)
