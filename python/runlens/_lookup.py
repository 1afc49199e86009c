"""Has this combination a result already? exists(), find() and failed().

The answer comes from the extension's database, read-only, plus the run logs it has not caught up
with (docs/store.md, last section), so it is right whether or not VS Code is running, and it
includes the runs this process logged a moment ago. With a tracking server configured
(_tracking), the server's runs count too (_remote).
"""

import itertools
import os
import sqlite3
import sys
import time

from . import _env, _fluent, _logread, _remote, _tracking
from ._canonical import canonical_value
from ._store import Store, Unreadable, parse_error
from ._validate import check_unicode

# Ended without a result. "pruned": an Optuna trial its pruner stopped early (imported studies).
UNSUCCESSFUL = ("failed", "killed", "crashed", "pruned")
PROJECT_FROM = 20  # combinations with the same keys: from here one pass beats a query each
_warned = set()


class Found:
    """A run that holds a combination, with its outcome."""

    __slots__ = ("id", "name", "experiment", "status", "params", "metrics", "start_time",
                 "end_time", "error", "parent", "source")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    @property
    def duration(self):
        """Seconds from start to end, or None while it has no end."""
        if self.start_time is None or self.end_time is None:
            return None
        return max(0.0, (self.end_time - self.start_time) / 1000.0)

    def __repr__(self):
        return "<runlens.Found %s %s params=%r metrics=%r>" % (
            self.id, self.status, self.params, self.metrics)


class View:
    """One look at the database and the logs, reused for every combination of a sweep."""

    def __init__(self, root, with_details):
        self.root = root
        self.with_details = with_details
        server = _tracking.server()
        self.remote = _remote.Remote(server, _tracking.server_required(), root) if server else None
        self.unchecked = 0  # lookups the server could not be asked about
        self.store = None
        try:
            self.store = Store.open(root)
        except Unreadable as e:
            _warn(str(e) + "; reading the run logs alone")
        try:
            self._read_logs()
        except sqlite3.Error as e:
            self._drop_store(e)

    def _drop_store(self, error):
        _warn("cannot read %s: %s; reading the run logs alone"
              % (os.path.join(self.root, "runlens.db"), error))
        if self.store is not None:
            self.store.close()
        self.store = None
        self._read_logs()

    def close(self):
        if self.store is not None:
            self.store.close()
        if self.remote is not None:
            self.remote.close()
            if self.unchecked:
                _warn("%s: exists(), find(), grid() and sweep() answer from the runs in .runlens "
                      "alone until the tracking server can be asked, so a combination logged only "
                      "there is not seen (RUNLENS_REQUIRE_SERVER=1 makes this an error)"
                      % self.remote.error)

    def _read_logs(self):
        """Finds the logs the database has not caught up with (docs/store.md, last section)."""
        store = self.store
        days = _logread.days(self.root)
        if store is not None and store.first_day is not None:
            days = [day for day in days if day >= store.first_day]
        logs = _logread.day_logs(self.root, days)
        deleted = set()  # as the database last saw it
        if store is not None:
            listed = store.started_since() if store.first_day is not None else {}
            for uid in [uid for uid in logs if uid in listed]:
                status, gone = listed[uid]
                if gone:
                    deleted.add(uid)
                if status != "running":
                    # Ended: the database read up to the end line, after which a log holds
                    # nothing. Crashed: read again only when it matches (see _crashed).
                    del logs[uid]
            for uid, source, gone in store.running():
                if gone:
                    deleted.add(uid)
                path = _log_path(self.root, uid, source)
                if path is not None:
                    logs.setdefault(uid, path)
        journal = _logread.journal_deletes(self.root)
        self.hidden = {uid for uid in deleted if journal.get(uid) is not False}
        self.hidden.update(uid for uid, gone in journal.items() if gone)
        self.restored = {uid for uid, gone in journal.items() if not gone}
        self.pending = {}
        for uid, path in logs.items():
            run = _read(path, uid, self.with_details)
            if run is not None and run.started:
                self.pending[uid] = run

    def runs(self, params, experiment, until_finished=False):
        """The runs holding `params`; with until_finished, stops at the first finished one."""
        pairs = [(_key(key), _canonical(key, value)) for key, value in params.items()]
        found = self._local_runs(pairs, experiment, until_finished)
        if self.remote is None or (until_finished and _has_result(found)):
            return found
        candidates = self.remote.runs_with(
            [key for key, _ in pairs], experiment, until_finished,
            {key: {canon} for key, canon in pairs}, {key: {_written(params[key])} for key in params})
        return self._with_server(found, pairs, candidates)

    def _local_runs(self, pairs, experiment, until_finished):
        try:
            rows = () if self.store is None else self.store.matching(
                pairs, experiment, ("finished", "crashed") if until_finished else None)
            return self._merge(pairs, experiment, rows, until_finished)
        except sqlite3.Error as e:
            self._drop_store(e)
            return self._merge(pairs, experiment, (), until_finished)

    def _with_server(self, found, pairs, candidates):
        """The local runs `found`, and the server's `candidates` holding `pairs` that are not
        copies of them (uploaded from this folder, or imported into its store)."""
        if candidates is None:
            self.unchecked += 1
            return found
        local = {run.id for run in found}
        extra = [_from_server(run, self.with_details) for run in candidates
                 if not self._is_local(run, local)
                 and all(run.canon(key) == canon for key, canon in pairs)]
        return _newest_first(found + extra) if extra else found

    @staticmethod
    def _pairs(params):
        return [(_key(key), _canonical(key, value)) for key, value in params.items()]

    def _is_local(self, run, found_ids):
        """Whether the server's run is one of this folder's (uploaded from here, or imported
        into its store): the local record answers for it, deleted or not."""
        for uid in (run.id, run.local_id):
            if uid is not None and (uid in found_ids or uid in self.hidden or uid in self.pending):
                return True
        return False

    def many(self, combos, experiment):
        """runs(combo, experiment, until_finished=True) for each of many combinations."""
        results = [None] * len(combos)
        groups = {}
        for i, combo in enumerate(combos):
            groups.setdefault(tuple(sorted(combo)), []).append(i)
        for keys, members in groups.items():
            if self.store is None or not keys or len(members) < PROJECT_FROM:
                for i in members:
                    results[i] = self._local_runs(self._pairs(combos[i]), experiment, True)
                continue
            pairs_of = {i: [(_key(key), _canonical(key, combos[i][key])) for key in keys]
                        for i in members}
            try:
                index = self.store.projection(keys)
                held = {i: index.get(tuple(canon for _, canon in pairs_of[i]), ())
                        for i in members}
                rows = self.store.rows(set(itertools.chain.from_iterable(held.values())))
            except sqlite3.Error as e:
                self._drop_store(e)
                for i in members:
                    results[i] = self._local_runs(self._pairs(combos[i]), experiment, True)
                continue
            for i in members:
                mine = [rows[rid] for rid in held[i] if rid in rows
                        and (experiment is None or rows[rid][9] == experiment)]
                results[i] = self._merge(pairs_of[i], experiment, mine, True)
        if self.remote is not None:
            self._many_on_server(combos, experiment, groups, results)
        return results

    def _many_on_server(self, combos, experiment, groups, results):
        """The server's finished runs for the combinations without a local result: per set of keys,
        the filtered questions of _narrow for all of them at once (a listing when they cannot be
        asked), answered from an index by canonical values."""
        for keys, members in groups.items():
            need = [i for i in members if not _has_result(results[i])]
            if not need:
                continue
            canons = {key: {_canonical(key, combos[i][key]) for i in need} for key in keys}
            written = {key: {_written(combos[i][key]) for i in need} for key in keys}
            candidates = self.remote.runs_with(keys, experiment, True, canons, written)
            if candidates is None:
                self.unchecked += len(need)
                continue
            index = {}
            for run in candidates:
                index.setdefault(tuple(run.canon(key) for key in keys), []).append(run)
            for i in need:
                pairs = [(_key(key), _canonical(key, combos[i][key])) for key in keys]
                held = index.get(tuple(canon for _, canon in pairs), [])
                results[i] = self._with_server(results[i], pairs, held)

    def _merge(self, pairs, experiment, db_rows, until_finished):
        """The logs' runs holding `pairs`, then the database's, each run once, newest first."""
        now = time.time()
        found = []
        for uid, run in self.pending.items():
            if uid in self.hidden or (experiment is not None and run.experiment != experiment):
                continue
            if all(run.canon(key) == canon for key, canon in pairs):
                found.append(_from_log(uid, run, now))
                if until_finished and found[-1].status == "finished":
                    return found
        from_db = {}
        for row in db_rows:
            rid, uid, status, gone = row[:4]
            if uid in self.pending or uid in self.hidden or (gone and uid not in self.restored):
                continue
            run = self._crashed(uid, row) if status == "crashed" else None
            if run is not None:
                found.append(_from_log(uid, run, now))
            else:
                found.append(Found(
                    id=uid, name=row[4], experiment=row[9], status=status, parent=row[5],
                    start_time=row[6], end_time=row[7], error=parse_error(row[8]),
                    params={}, metrics={}))
                from_db[rid] = found[-1]
            if until_finished and found[-1].status == "finished":
                break
        if self.with_details and from_db:
            params, metrics = self.store.details(from_db)
            for rid, run in from_db.items():
                run.params = params.get(rid, {})
                run.metrics = metrics.get(rid, {})
        return _newest_first(found)

    def _crashed(self, uid, row):
        """The log of a run the database took for crashed, if it went on after all."""
        path = _log_path(self.root, uid, row[10])
        if path is None or _size(path) <= (row[11] or 0):
            return None
        run = _read(path, uid, self.with_details)
        return run if run is not None and run.started else None


def _read(path, uid, with_details):
    run = _logread.read(path, uid, with_details)
    if run is not None:
        for message in _logread.new_problems(path, run):
            _warn(message)
    return run


def _from_log(uid, run, now):
    return Found(
        id=uid, name=run.name, experiment=run.experiment, status=run.status(now),
        parent=run.parent, start_time=run.start_time, end_time=run.end_time, error=run.error,
        params=dict(run.params), metrics={key: point[2] for key, point in run.metrics.items()})


def _from_server(run, with_details):
    return Found(
        id=run.id, name=run.name, experiment=run.experiment, status=run.status, parent=run.parent,
        start_time=run.start_time, end_time=run.end_time, error=None, source=run.source,
        params=dict(run.params) if with_details else {},
        metrics=dict(run.metrics) if with_details else {})


def _has_result(found):
    return any(run.status == "finished" for run in found)


def _newest_first(found):
    return sorted(found, key=lambda run: run.start_time or 0, reverse=True)


def exists(params, experiment=None):
    """Whether a finished run holds these params (values compared by meaning: 1e-3 == 0.001).

    Other params of the run do not matter. `experiment` defaults to the one chosen with
    set_experiment() or RUNLENS_EXPERIMENT; when none was chosen, runs of every experiment count
    (as in the editor's CodeLens). Failed, killed and crashed runs, and pruned Optuna trials, do not
    count: see failed().
    """
    return any(run.status == "finished" for run in _lookup(params, experiment, False, True))


def find(params=None, experiment=None):
    """Every run holding these params, newest first, with its status, params and latest metrics."""
    return _lookup(params or {}, experiment, True, False)


def failed(params=None, experiment=None):
    """The runs holding these params that ended without a result: failed, killed, crashed or pruned."""
    return [run for run in find(params, experiment) if run.status in UNSUCCESSFUL]


def _lookup(params, experiment, with_details, until_finished):
    view = View(_env.runlens_dir(), with_details)
    try:
        return view.runs(mapping(params), experiment_or_current(experiment), until_finished)
    finally:
        view.close()


def mapping(params):
    if not hasattr(params, "items"):
        raise TypeError("params must be a dict of parameter names to values, not %s"
                        % type(params).__name__)
    return dict(params.items())


def _key(key):
    if not isinstance(key, str):
        raise TypeError("parameter names are strings, not %s (%r)" % (type(key).__name__, key))
    return check_unicode(key, "Param key")  # log_param refuses it too: no run can hold it


def _canonical(key, value):
    canon = canonical_value(value)
    check_unicode(canon, "the value of param %r" % key)
    return canon


def _written(value):
    """The string a value is logged as (MLflow's str())."""
    return value if isinstance(value, str) else str(value)


def experiment_or_current(experiment):
    # As in the editor: runs of the experiment the code chose count; with no choice made, all do.
    return _fluent.chosen_experiment() if experiment is None else experiment


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _log_path(root, uid, source):
    """The log a database row points to, if it is one of ours (imports point elsewhere)."""
    if not isinstance(source, str):
        return None
    parts = source.split("/")
    if (len(parts) != 3 or parts[0] != "runs" or not _logread.DAY.fullmatch(parts[1])
            or parts[2] != uid + ".jsonl" or not _logread.LOG_NAME.fullmatch(parts[2])):
        return None
    return os.path.join(root, "runs", parts[1], parts[2])


def _warn(message):
    if message not in _warned:
        _warned.add(message)
        print("runlens: %s" % message, file=sys.stderr)
