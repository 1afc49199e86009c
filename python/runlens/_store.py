"""The extension's database (docs/store.md), read-only: this process never writes it."""

import calendar
import json
import os
import sqlite3
import time
from pathlib import Path

DB_NAME = "runlens.db"
_BATCH = 500  # bound parameters per statement: well under old SQLite's limit of 999
RARE = 1000  # a pair held by fewer runs than this drives the lookup
# A snapshot file never changes once written (the extension replaces it whole), so what was read
# from it is kept, per database path, for as long as the same file is there.
_running = {}  # path -> (identity of the snapshot file, its running runs)
_started = {}  # path -> (identity, started_since())
_ROW = ("SELECT r.id, r.uid, r.status, r.deleted OR e.deleted, r.name, r.parent_uid, "
        "r.start_time, r.end_time, r.error, e.name, r.source, r.log_offset ")


class Unreadable(Exception):
    """The database exists but cannot be used; the logs alone are read instead."""


class Store:
    def __init__(self, conn, path, identity):
        self._conn = conn
        self.path = path
        self.identity = identity
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        saved_at = meta.get("saved_at")
        self.first_day = None  # of the logs this snapshot may not have caught up with
        if saved_at is not None:
            try:
                # A day early, as the extension's own ingester looks (src/core/store/ingest.ts):
                # a margin for clocks and for logs begun around midnight.
                self.first_day = time.strftime(
                    "%Y-%m-%d", time.gmtime(int(saved_at) / 1000.0 - 86400))
            except (TypeError, ValueError, OverflowError, OSError):
                self.first_day = None
        # Fail here, not halfway through a sweep, if the schema is not the one expected.
        conn.execute("SELECT r.id, r.uid, r.status, r.deleted, r.log_offset, r.source, r.name, "
                     "r.parent_uid, r.start_time, r.end_time, r.error, e.name, e.deleted "
                     "FROM runs r JOIN experiments e ON e.id = r.experiment_id LIMIT 0").fetchall()
        conn.execute("SELECT run_id, key, value, canon FROM params LIMIT 0").fetchall()
        conn.execute("SELECT run_id, key, last FROM metrics LIMIT 0").fetchall()

    @classmethod
    def open(cls, root):
        """The store under `root`, None if there is none yet; Unreadable if it cannot be used."""
        path = os.path.join(root, DB_NAME)
        try:
            st = os.stat(path)
        except OSError:
            return None
        uri = Path(os.path.abspath(path)).as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=1.0)
        except sqlite3.Error as e:
            raise Unreadable("cannot open %s: %s" % (path, e)) from e
        identity = _identity(st)
        try:
            store = cls(conn, path, identity)
        except sqlite3.Error as e:
            conn.close()
            raise Unreadable("cannot read %s: %s" % (path, e)) from e
        try:
            if _identity(os.stat(path)) != identity:
                store.identity = None  # replaced while opening: which one we hold is unknown
        except OSError:
            store.identity = None
        return store

    def close(self):
        self._conn.close()

    def matching(self, pairs, experiment, statuses=None):
        """Runs whose params hold every (key, canonical value) pair, deleted ones included.

        A cursor: rows are found as they are read, so a caller that needs one can stop there.

        One pass over the index entries of the rarest pair, each candidate checked against the
        others by key: at 100k runs this is several times faster than the IN-subqueries of
        docs/store.md, which materialise every pair's runs first.
        """
        pairs = self._rarest_first(pairs)
        sql = [_ROW]
        args = []
        if pairs:
            sql.append("FROM params p0")
            for i, (key, canon) in enumerate(pairs[1:], 1):
                # CROSS JOIN keeps this order: SQLite has no statistics to find it by itself.
                sql.append(" CROSS JOIN params p%d ON p%d.run_id = p0.run_id AND p%d.key = ? "
                           "AND p%d.canon = ?" % (i, i, i, i))
                args += (key, canon)
            sql.append(" CROSS JOIN runs r ON r.id = p0.run_id")
        else:
            sql.append("FROM runs r")
        sql.append(" CROSS JOIN experiments e ON e.id = r.experiment_id WHERE 1")
        if pairs:
            sql.append(" AND p0.key = ? AND p0.canon = ?")
            args += pairs[0]
        if experiment is not None:
            sql.append(" AND e.name = ?")
            args.append(experiment)
        if statuses:
            sql.append(" AND r.status IN (%s)" % ",".join("?" * len(statuses)))
            args += statuses
        return self._conn.execute("".join(sql), args)

    def projection(self, keys):
        """{canonical values of `keys`, in that order: [run id, ...]} over every run.

        For a sweep of many combinations: one pass over the runs holding the first key, then
        each combination is a dictionary lookup instead of a query.
        """
        sql = ["SELECT p0.run_id"]
        sql += [", p%d.canon" % i for i in range(len(keys))]
        sql.append(" FROM params p0")
        sql += [" CROSS JOIN params p%d ON p%d.run_id = p0.run_id AND p%d.key = ?" % (i, i, i)
                for i in range(1, len(keys))]
        sql.append(" WHERE p0.key = ?")
        index = {}
        for row in self._conn.execute("".join(sql), list(keys[1:]) + [keys[0]]):
            index.setdefault(row[1:], []).append(row[0])
        return index

    def _each_in(self, sql, values):
        """The rows of `sql` (its one `IN (%s)` filled) for every value, asked _BATCH at a time."""
        values = list(values)
        for first in range(0, len(values), _BATCH):
            batch = values[first:first + _BATCH]
            yield from self._conn.execute(sql % ",".join("?" * len(batch)), batch)

    def rows(self, ids):
        """{run id: row} in the shape matching() gives, for the given run ids."""
        return {row[0]: row for row in self._each_in(
            _ROW + "FROM runs r CROSS JOIN experiments e ON e.id = r.experiment_id "
            "WHERE r.id IN (%s)", ids)}

    def _rarest_first(self, pairs):
        """Pairs ordered by how many runs hold them, counted only up to RARE."""
        if len(pairs) < 2:
            return list(pairs)
        counts = [self._conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM params WHERE key = ? AND canon = ? LIMIT %d)"
            % RARE, pair).fetchone()[0] for pair in pairs]
        return [pair for _, _, pair in sorted(zip(counts, range(len(pairs)), pairs))]

    def running(self):
        """(uid, source, deleted) of the runs the database last saw running.

        No index serves this, so it is remembered for as long as the snapshot is the same file.
        """
        cached = _running.get(self.path)
        if cached is not None and self.identity is not None and cached[0] == self.identity:
            return cached[1]
        rows = self._conn.execute(
            "SELECT uid, source, deleted FROM runs WHERE status = 'running'").fetchall()
        if self.identity is not None:
            _running[self.path] = (self.identity, rows)
        return rows

    def started_since(self):
        """{uid: (status, deleted)} of the runs started on or after first_day.

        Their logs are the ones under runs/<day>/ for those days. Asked by start time, which
        the runs_by_experiment index orders, rather than uid by uid: a few thousand random
        lookups cost more than reading the range.
        """
        cached = _started.get(self.path)
        if cached is not None and self.identity is not None and cached[0] == self.identity:
            return cached[1]
        since = calendar.timegm(time.strptime(self.first_day, "%Y-%m-%d")) * 1000
        rows = self._conn.execute(
            "SELECT uid, status, deleted FROM runs WHERE experiment_id IN "
            "(SELECT id FROM experiments) AND start_time >= ?", (since,))
        started = {uid: (status, deleted) for uid, status, deleted in rows}
        if self.identity is not None:
            _started[self.path] = (self.identity, started)
        return started

    def details(self, ids):
        """({run id: {key: value}} of params, {run id: {key: last value}} of metrics)."""
        ids = list(ids)
        params, metrics = {}, {}
        for run_id, key, value in self._each_in(
                "SELECT run_id, key, value FROM params WHERE run_id IN (%s)", ids):
            params.setdefault(run_id, {})[key] = value
        for run_id, key, last in self._each_in(
                "SELECT run_id, key, last FROM metrics WHERE run_id IN (%s)", ids):
            metrics.setdefault(run_id, {})[key] = float("nan") if last is None else last
        return params, metrics


    # ---- whole runs (runlens.mlflow's get_run and search_runs) ------------------------------

    def has_column(self, table, column):
        """Whether this database's schema has it (a database an older RunLens wrote may not)."""
        try:
            return any(row[1] == column for row in self._conn.execute(
                "PRAGMA table_info(%s)" % table))
        except sqlite3.Error:
            return False

    def experiments(self):
        """{experiment name: deleted?}"""
        return {name: bool(deleted) for name, deleted in
                self._conn.execute("SELECT name, deleted FROM experiments")}

    def every_run(self, experiments=None):
        """Rows in matching()'s shape of every run, or of the runs of the named experiments."""
        sql = _ROW + "FROM runs r CROSS JOIN experiments e ON e.id = r.experiment_id"
        if experiments is None:
            return self._conn.execute(sql).fetchall()
        return list(self._each_in(sql + " WHERE e.name IN (%s)", experiments))

    def run_row(self, uid):
        return self._conn.execute(
            _ROW + "FROM runs r CROSS JOIN experiments e ON e.id = r.experiment_id WHERE r.uid = ?",
            (uid,)).fetchone()

    def extras(self, ids):
        """({run id: tags}, {run id: {path: (size, sha256, media type, time)}}, {run id: MLflow's
        artifact_uri of an imported run})."""
        ids = list(ids)
        tags, artifacts, uris = {}, {}, {}
        with_artifacts = self.has_column("artifacts", "path")
        with_uri = self.has_column("runs", "artifact_uri")
        for run_id, key, value in self._each_in(
                "SELECT run_id, key, value FROM tags WHERE run_id IN (%s)", ids):
            tags.setdefault(run_id, {})[key] = value
        if with_artifacts:
            for run_id, path, size, sha, media, t in self._each_in(
                    "SELECT run_id, path, size, sha256, media_type, time FROM artifacts "
                    "WHERE run_id IN (%s)", ids):
                artifacts.setdefault(run_id, {})[path] = (size, sha, media, t)
        if with_uri:
            uris.update(self._each_in(
                "SELECT id, artifact_uri FROM runs WHERE artifact_uri IS NOT NULL AND id IN (%s)",
                ids))
        return tags, artifacts, uris


def _identity(st):
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def parse_error(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"type": None, "message": text, "traceback": None}
