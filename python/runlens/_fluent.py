"""The fluent API: runs started, logged to and ended through module functions.

The active runs form one stack for the whole process, not one per thread: a data-loading or
evaluation thread that logs a metric means the run the script is in, as it does in MLflow.
"""

import json
import os
import sys
import time
import uuid

from . import (_active, _artifacts, _capture, _env, _launched, _lifecycle, _objects, _tracking,
               _uploads)
from ._active import (active_run, end_all, end_with_inner, forked, live_runs,  # noqa: F401 (the API)
                      stack as _stack, last_ended as _last_ended)
from ._errors import RunLensError
from ._log import FORMAT_VERSION, RunLog
from ._run import Run, checked_params, checked_tags, outcome
from ._validate import MAX_KEY, check_key, metric_step, metric_value

STATUSES = ("finished", "failed", "killed")

_experiment = []  # set_experiment's choice, if any
# Taken from the environment at import, before this process can start a child that would
# inherit it: a run log has exactly one writer.
_launcher_id = [run_id for run_id in [_env.take_launcher_run_id()] if run_id is not None]
_now = time.time


def current_experiment():
    return _experiment[-1] if _experiment else _env.default_experiment()


def chosen_experiment():
    """The experiment the code or the launcher chose, or None when nobody chose one."""
    if _experiment:
        return _experiment[-1]
    return os.environ.get("RUNLENS_EXPERIMENT") or None


def set_experiment(name):
    if not isinstance(name, str) or not name:
        raise TypeError("experiment name must be a non-empty string")
    del _experiment[:]
    _experiment.append(name)
    return name


def start_run(name=None, experiment=None, params=None, tags=None):
    """Starts a run, nested in the active one if there is one; use it as a context manager."""
    return open_run(name, experiment, params, tags)


def open_run(name=None, experiment=None, params=None, tags=None, parent_id=None, on_stack=True):
    """start_run, and what MLflow's API needs beyond it: `parent_id` names the parent (a run of
    this process or not) instead of the innermost active run; a run not `on_stack` is not the
    active run (MlflowClient.create_run's), yet is kept alive and ended at exit like one."""
    if experiment is not None and (not isinstance(experiment, str) or not experiment):
        raise TypeError("experiment must be a non-empty string")
    if name is not None and not isinstance(name, str):
        name = str(name)
    with _active.lock:
        parent = None
        if parent_id is None and on_stack:
            parent = _stack[-1] if _stack else None
            parent_id = parent.id if parent else None
        if experiment is None:
            experiment = parent.experiment if parent else current_experiment()
        # All input is checked before the log exists, so a mistake leaves no half-made run.
        from_launcher = (checked_params(_env.launcher_params(), {}, None)
                         if parent_id is None and on_stack else {})
        wanted = dict(from_launcher)
        try:
            wanted.update(checked_params(params or {}, from_launcher, None))
        except ValueError as e:
            if not from_launcher:
                raise
            # The launcher started this process for one combination, and the script logs another:
            # it does not read its parameters from its arguments (or RUNLENS_PARAMS).
            raise ValueError(
                "this script was launched for %s but logs other values itself (%s): it does not "
                "read its parameters from its command line, so nothing was logged for it"
                % (", ".join("%s=%s" % kv for kv in sorted(from_launcher.items())), e)) from None
        tags = checked_tags(tags or {})
        root = _env.runlens_dir()
        t = _now()
        log, run_id = _create_log(root, parent_id is not None or not on_stack, t)
        run = Run(run_id, name, experiment, parent_id, log, t)
        run.git = parent.git if parent else _capture.git(_capture.code_directory())
        start = {"e": "start", "t": run.start_time, "v": FORMAT_VERSION, "run": run_id,
                 "experiment": experiment, "name": name, "parent": run.parent_id,
                 "script": _capture.script(), "git": run.git}
        start.update(_capture.process())
        server = _tracking.server()
        try:
            log.write(start)
            run._log_params(wanted)
            run._set_tags(tags)
            if server is not None:
                _uploads.queue(run, server)
        except (OSError, RunLensError) as e:
            # Nothing half-made is left: no log holding a start and no end, no empty file.
            undone = log.discard()
            cause = e.__cause__ if isinstance(e, RunLensError) and e.__cause__ else e
            raise RunLensError(
                "RunLens could not start a run: writing its log %s failed (%s). %s Free some "
                "space, or point RUNLENS_DIR at a folder that can be written."
                % (log.path, getattr(cause, "strerror", None) or cause,
                   "Nothing was recorded." if undone else "The log could not be removed either.")
            ) from cause
        _capture.keep_code(root)
        (_stack if on_stack else _active.detached).append(run)
        _lifecycle.ensure(live_runs, end_all, forked, outcome)
        return run


def _create_log(root, nested, t):
    wanted = _launcher_id.pop() if not nested and _launcher_id else None
    if wanted is not None:
        if not _env.RUN_ID.fullmatch(wanted):
            raise ValueError("RUNLENS_RUN_ID %r is not a run id (1 to 64 of A-Z a-z 0-9 _ -)"
                             % wanted)
        day = _launched.existing_log_day(root, wanted)
        if day is None:
            try:
                return RunLog(root, wanted, t), wanted
            except FileExistsError:
                pass
        elif _launched.waiting_for_process(root, day, wanted):
            return RunLog(root, wanted, t, existing_day=day), wanted
        print("runlens: a run log for RUNLENS_RUN_ID %s exists already; this run gets a new id"
              % wanted, file=sys.stderr)
    run_id = uuid.uuid4().hex
    return RunLog(root, run_id, t), run_id


def end_run(status="finished"):
    """Ends the innermost active run (MLflow's statuses, in either case, are accepted)."""
    status = str(status).lower()
    if status not in STATUSES:
        raise ValueError("status must be one of %s, not %r" % (", ".join(STATUSES), status))
    with _active.lock:
        run = _stack[-1] if _stack else None
    if run is not None:
        end_with_inner(run, status, None)


def _autostart():
    # As in MLflow: logging outside a run starts one, ended at exit, so nothing is dropped.
    with _active.lock:
        return _stack[-1] if _stack else start_run()


def log_param(key, value):
    run = _stack[-1] if _stack else _autostart()
    run._log_params({key: value})
    return value


def log_params(params):
    run = _stack[-1] if _stack else _autostart()
    run._log_params(params)


def set_tag(key, value):
    run = _stack[-1] if _stack else _autostart()
    run._set_tags({key: value})


def set_tags(tags):
    run = _stack[-1] if _stack else _autostart()
    run._set_tags(tags)


def log_metric(key, value, step=None):
    # The hot path: checks inline and one list append; the background thread writes.
    run = _stack[-1] if _stack else _autostart()
    if type(key) is not str or not 0 < len(key) <= MAX_KEY or not key.isascii():
        check_key(key, "Metric")
    if type(value) is not float:
        value = metric_value(key, value)
    if step is None:
        step = 0
    elif type(step) is not int:
        step = metric_step(step)
    run._append((key, value, step, _now()))


def log_metrics(metrics, step=None, t=None, run=None):
    run = run or (_stack[-1] if _stack else _autostart())
    step = 0 if step is None else metric_step(step)
    t = _now() if t is None else t
    points = [(check_key(key, "Metric"), metric_value(key, value), step, t)
              for key, value in metrics.items()]
    for point in points:
        run._append(point)


def log_metric_at(key, value, step, t):
    """log_metric with an explicit time in seconds (MLflow's `timestamp`)."""
    run = _stack[-1] if _stack else _autostart()
    check_key(key, "Metric")
    run._append((key, metric_value(key, value), 0 if step is None else metric_step(step), t))


def current_run():
    """The run logging goes to: the innermost active one, else one started now (as MLflow)."""
    return _stack[-1] if _stack else _autostart()


# ---- artifacts (docs/run-log.md, "Artifacts") -------------------------------------------------

def log_artifact(local_path, artifact_path=None, run=None):
    """Copies a file into the run's artifacts, as `artifact_path/<its name>`."""
    source, _ = _artifacts.source_file(local_path)
    path = _artifacts.join(artifact_path, os.path.basename(source))
    return (run or current_run())._log_artifact_file(path, source)


def log_artifacts(local_dir, artifact_path=None, run=None):
    """Copies every file under a folder into the run's artifacts, keeping the folder's layout."""
    files = _artifacts.folder_files(local_dir)
    paths = [_artifacts.join(artifact_path, rel) for _, rel in files]  # all checked first
    run = run or current_run()
    stored = []
    for (source, _), path in zip(files, paths):
        try:
            stored.append(run._log_artifact_file(path, source))
        except RunLensError as e:
            raise RunLensError("%s (%d of the folder's %d files were logged before it)"
                               % (e, len(stored), len(files))) from e
    return stored


def log_bytes(data, artifact_file, run=None):
    """Records bytes made in memory (a text, a figure, an image) as the artifact `artifact_file`."""
    path = _artifacts.check_path(artifact_file)
    return (run or current_run())._log_artifact(path, _artifacts.bytes_reader(data))


def log_text(text, artifact_file, run=None):
    return log_bytes(_objects.text_bytes(text), artifact_file, run)


def log_dict(dictionary, artifact_file, run=None):
    return log_bytes(_objects.dict_bytes(dictionary, artifact_file), artifact_file, run)


def log_figure(figure, artifact_file, save_kwargs=None, run=None):
    _artifacts.check_path(artifact_file)
    return log_bytes(_objects.figure_bytes(figure, artifact_file, save_kwargs), artifact_file, run)


def log_image(image, artifact_file, run=None):
    _artifacts.check_path(artifact_file)
    return log_bytes(_objects.image_bytes(image, artifact_file), artifact_file, run)


def log_table(data, artifact_file, run=None):
    _artifacts.check_path(artifact_file)
    run = run or current_run()
    stored = log_bytes(_objects.table_bytes(data, artifact_file), artifact_file, run)
    # MLflow lists the tables a run logged in this tag, for its UI to find them.
    listed = _logged_artifacts(run)
    entry = {"path": artifact_file, "type": "table"}
    if entry not in listed:
        run._set_tags({"mlflow.loggedArtifacts": json.dumps(listed + [entry])})
    return stored


def _logged_artifacts(run):
    try:
        listed = json.loads(run.tags.get("mlflow.loggedArtifacts", "[]"))
    except ValueError:
        return []
    return listed if isinstance(listed, list) else []
