"""Whole runs, as MLflow's get_run and search_runs show them.

A run is read from its own log when it has one here (exact, and it includes what this process
logged a moment ago); otherwise (an imported MLflow run, a log that is gone) from the extension's
database, read-only. Listing many runs takes the database's and adds the logs it has not caught
up with, as exists() does (docs/store.md, last section).
"""

import os
import re
import sqlite3
import time
from urllib.parse import unquote, urlparse

from . import _artifacts, _env, _logread
from ._lookup import View
from ._store import Store, Unreadable, parse_error

RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_IMPORTED = re.compile(r"(mlflow-file|mlflow-db):(.*)#(?:([^/#]+)/)?([^/#]+)")


class Record:
    """One run: what the run log (or the database) says of it."""

    __slots__ = ("id", "name", "experiment", "status", "start_time", "end_time", "parent",
                 "params", "tags", "metrics", "artifacts", "deleted", "source", "artifact_uri",
                 "folder", "log_path", "error")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def as_filter_input(self):
        """The mapping _filter.matches reads."""
        return {"run_id": self.id, "name": self.name, "experiment": self.experiment,
                "status": self.status, "start_time": self.start_time, "end_time": self.end_time,
                "params": self.params, "metrics": self.metrics, "tags": self.tags}


def find_log(root, run_id):
    """The path of run_id's log under runs/<day>/, or None (links are not followed)."""
    if not RUN_ID.fullmatch(run_id):
        return None
    for day in reversed(_logread.days(root)):
        path = os.path.join(root, "runs", day, run_id + ".jsonl")
        try:
            if os.path.isfile(path) and not os.path.islink(path):
                return path
        except OSError:
            continue
    return None


def get(run_id):
    """The Record of run_id, or None when neither a log nor the database knows it."""
    if not isinstance(run_id, str):
        raise TypeError("a run id is a string, not %s" % type(run_id).__name__)
    root = _env.runlens_dir()
    path = find_log(root, run_id)
    if path is not None:
        run = _logread.read(path, run_id, True)
        if run is not None and run.started:
            journal = _logread.journal_deletes(root)
            return _from_log(root, run_id, run, path, journal.get(run_id, False))
    try:
        store = Store.open(root)
    except Unreadable:
        return None
    if store is None:
        return None
    try:
        row = store.run_row(run_id)
        if row is None:
            return None
        record = _from_rows(root, store, [row])[0]
    except sqlite3.Error:
        return None
    finally:
        store.close()
    journal = _logread.journal_deletes(root)
    if run_id in journal:
        record.deleted = journal[run_id]
    return record


def every(experiments=None):
    """Every run (of the named experiments), deleted ones too (their `deleted` says so)."""
    root = _env.runlens_dir()
    view = View(root, True)
    records = {}
    try:
        if view.store is not None:
            try:
                rows = view.store.every_run(experiments)
                for record in _from_rows(root, view.store, rows):
                    records[record.id] = record
            except sqlite3.Error:
                records = {}
        wanted = None if experiments is None else set(experiments)
        for uid, run in view.pending.items():
            if wanted is None or run.experiment in wanted:
                records[uid] = _from_log(root, uid, run, None, False)
        for uid, record in records.items():
            if uid in view.hidden:
                record.deleted = True
            elif uid in view.restored:
                record.deleted = False
    finally:
        view.close()
    return list(records.values())


def experiments():
    """{name: deleted?} of every experiment the database or a log not yet in it names."""
    root = _env.runlens_dir()
    found = {}
    view = View(root, False)
    try:
        if view.store is not None:
            try:
                found.update(view.store.experiments())
            except sqlite3.Error:
                pass
        for run in view.pending.values():
            found.setdefault(run.experiment or "Default", False)
    finally:
        view.close()
    return found


def _from_log(root, uid, run, path, deleted):
    return Record(
        id=uid, name=run.name, experiment=run.experiment or "Default", status=run.status(time.time()),
        start_time=_ms(run.start_time), end_time=_ms(run.end_time), parent=run.parent,
        params=dict(run.params), tags=dict(run.tags),
        metrics={key: point[2] for key, point in run.metrics.items()},
        artifacts=dict(run.artifacts), deleted=deleted, source="log",
        artifact_uri=_artifacts.uri(root, uid), folder=_artifacts.folder(root, uid),
        log_path=path, error=run.error)


def _from_rows(root, store, rows):
    ids = [row[0] for row in rows]
    params, metrics = store.details(ids)
    tags, artifacts, uris = store.extras(ids)
    out = []
    for row in rows:
        rid, uid, status, gone, name, parent, start, end, error, experiment, source = row[:11]
        record = Record(
            id=uid, name=name, experiment=experiment, status=status, start_time=start,
            end_time=end, parent=parent, params=params.get(rid, {}), tags=tags.get(rid, {}),
            metrics=metrics.get(rid, {}), artifacts=artifacts.get(rid, {}), deleted=bool(gone),
            source=source, error=parse_error(error))
        if isinstance(source, str) and source.startswith("runs/"):
            record.folder = _artifacts.folder(root, uid)
            record.artifact_uri = _artifacts.uri(root, uid)
            record.log_path = os.path.join(root, *source.split("/"))
        else:
            record.folder = imported_folder(source, uris.get(rid))
            record.artifact_uri = uris.get(rid) if record.folder is None else _file_uri(record.folder)
        out.append(record)
    return out


def imported_folder(source, artifact_uri):
    """The local folder of an imported run's artifacts, or None: where the store's own
    src/core/artifacts/files.ts importedArtifactFolder finds it."""
    m = _IMPORTED.fullmatch(source or "")
    if not m:
        return None
    kind, store_path, experiment_id, run_id = m.groups()
    if kind == "mlflow-file" and experiment_id is not None:
        for folder in (os.path.join(store_path, experiment_id, run_id, "artifacts"),
                       os.path.join(store_path, ".trash", experiment_id, run_id, "artifacts")):
            if os.path.isdir(folder) and not os.path.islink(folder):
                return folder
    if not artifact_uri:
        return None
    base = os.path.dirname(store_path) if kind == "mlflow-db" else store_path
    if artifact_uri.startswith("file:"):
        parsed = urlparse(artifact_uri)
        local = os.path.join(base, unquote(parsed.path)) if not parsed.path.startswith("/") \
            else unquote(parsed.path)
    elif re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", artifact_uri) and not re.match(r"[A-Za-z]:[\\/]",
                                                                              artifact_uri):
        return None  # s3:, mlflow-artifacts:, …: not on this machine
    else:
        local = os.path.join(base, artifact_uri)
    # Only inside the folder that holds the store, as the extension reads them.
    local = os.path.normpath(os.path.abspath(local))
    project = os.path.dirname(os.path.abspath(store_path))
    inside = os.path.relpath(local, project)
    return None if inside == ".." or inside.startswith(".." + os.sep) else local


def _file_uri(folder):
    from pathlib import Path  # noqa: PLC0415
    return Path(os.path.abspath(folder)).as_uri()


def _ms(t):
    return None if t is None else int(t)


def metric_history(record, key):
    """[(step, value, ms)] of a metric, from the run's log or the MLflow store it came from."""
    if record.log_path is not None:
        return _logread.history(record.log_path, key)
    m = _IMPORTED.fullmatch(record.source or "")
    if not m:
        return []
    kind, store_path, experiment_id, run_id = m.groups()
    if kind == "mlflow-file":
        return _file_store_history(store_path, experiment_id, run_id, key)
    return _sqlite_history(store_path, run_id, key)


def _file_store_history(store_path, experiment_id, run_id, key):
    for folder in (os.path.join(store_path, experiment_id or "", run_id),
                   os.path.join(store_path, ".trash", experiment_id or "", run_id)):
        path = os.path.join(folder, "metrics", *key.split("/"))
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        points = []
        for text in lines:
            parts = text.split()
            if len(parts) >= 2:
                try:
                    points.append((int(parts[2]) if len(parts) > 2 else 0, float(parts[1]),
                                   int(parts[0])))
                except ValueError:
                    continue
        return points
    return []


def _sqlite_history(db_path, run_id, key):
    from pathlib import Path  # noqa: PLC0415
    try:
        conn = sqlite3.connect(Path(os.path.abspath(db_path)).as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return [(step, float("nan") if is_nan else value, timestamp) for step, value, timestamp, is_nan
                in conn.execute("SELECT step, value, timestamp, is_nan FROM metrics WHERE run_uuid = ? "
                                "AND key = ? ORDER BY timestamp, step, value", (run_id, key))]
    except sqlite3.Error:
        return []
    finally:
        conn.close()
