"""The tracking server's runs for exists(), find(), grid() and sweep() (issue 16's client side).

MLflow's filter compares parameter strings exactly (`params.lr = '0.001'` misses a run that
logged 1e-3) and has neither IN nor OR for params, so the values are compared here, by canonical
value, as everywhere in RunLens. A check of some combinations asks the server only for the runs
that could hold them (_narrow: a few filtered questions, asked side by side, each answer a superset
compared here); the server answers about 1,000 runs a second, so a listing of the whole experiment
is left for what cannot be narrowed (find() of every run, a value no filter can hold), and those
runs are kept in .runlens/cache between processes, a later listing asking only for what changed
since (_servercache).

A server that cannot be asked is said once on stderr, with how many combinations were checked only
against the runs in .runlens; RUNLENS_REQUIRE_SERVER=1 (or set_tracking_uri(..., required=True))
makes that an error instead. Its answers are kept for CACHE_S, and a failure for FAILED_S, so a
loop of exists() calls costs a few requests, not one each.
"""

import re
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from . import _narrow, _servercache
from ._canonical import canonical_param
from ._errors import RunLensError
from ._rest import Client, ServerError
from ._upload import RUN_ID_TAG, CRASHED_TAG

CACHE_S = 10.0
FAILED_S = 30.0
LOOKUP_TIMEOUT_S = 10.0
ASKING = 4  # questions of one check asked at once, each on its own connection
MAX_QUESTIONS = 48  # a check that would take more lists the experiment instead
STATUSES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed", "RUNNING": "running",
            "SCHEDULED": "running"}
# What MLflow accepts in a param key (mlflow/utils/validation.py); a key outside it is on no run.
_MLFLOW_KEY = re.compile(r"[/\w.\- :]+")
_cache = {}  # (folder, server uri, experiment) -> (monotonic time, [ServerRun])
_asked = {}  # (server uri, experiment ids, filter) -> (monotonic time, [run as runs/search gives it])
_unnarrowed = set()  # servers that refused a filtered question (or failed on it): listed instead
_failed = {}  # server uri -> (monotonic time, message)


class ServerRun:
    """A run on the server: what a lookup needs of it, and its params' canonical values."""

    __slots__ = ("id", "name", "experiment", "status", "params", "metrics", "start_time",
                 "end_time", "parent", "local_id", "source", "_canon")

    def __init__(self, raw, experiments, server_uri):
        info = raw.get("info") or {}
        data = raw.get("data") or {}
        tags = {t.get("key"): t.get("value") for t in data.get("tags") or []}
        self.id = info.get("run_id") or info.get("run_uuid")
        self.name = info.get("run_name") or tags.get("mlflow.runName")
        self.experiment = experiments.get(info.get("experiment_id"), info.get("experiment_id"))
        status = STATUSES.get(info.get("status"), "running")
        self.status = "crashed" if status == "failed" and tags.get(CRASHED_TAG) == "true" \
            else status
        self.params = {p.get("key"): p.get("value") or "" for p in data.get("params") or []}
        self._canon = {}
        self.metrics = {m.get("key"): _number(m.get("value")) for m in data.get("metrics") or []}
        self.start_time = info.get("start_time") or None
        self.end_time = info.get("end_time") or None
        self.parent = tags.get("mlflow.parentRunId")
        self.local_id = tags.get(RUN_ID_TAG)  # uploaded from a RunLens run log
        self.source = "mlflow-server:%s#%s" % (server_uri, self.id)

    def canon(self, key):
        """The canonical value of param `key`, or None: worked out only for the keys asked about."""
        if key not in self._canon:
            value = self.params.get(key)
            self._canon[key] = None if value is None else canonical_param(value)
        return self._canon[key]


class Remote:
    """The server's runs for one lookup (View): the filtered questions of a check, each answer
    kept CACHE_S in the process (_asked), or the experiment's listing (_servercache)."""

    def __init__(self, server, required, root):
        self.server = server
        self.required = required
        self.root = root  # the .runlens folder, whose cache/ keeps the server's runs
        self.error = None  # why the server could not be asked, once it could not
        self._client = None
        self._names = {}  # experiment id -> name
        self._by_name = {}  # experiment name -> id, or None when the server has no such one
        self._all = None  # ids of every active experiment

    def runs_with(self, keys, experiment, finished_only, canons=None, written=None):
        """The server's runs (active ones, of `experiment` or of all) that logged every key, or at
        least all of them that could hold one of the values asked (`canons`: key -> canonical
        values, `written` the strings they were given as; the caller compares).

        None when the server cannot be asked (self.error says why; raised when required).
        """
        keys = tuple(sorted(keys))
        if not all(_MLFLOW_KEY.fullmatch(key) for key in keys):
            return []  # MLflow refuses such a key, so no run on it holds one
        filters = _narrow.plan({key: canons[key] for key in keys}, finished_only, written) \
            if canons and keys else None
        if filters is not None and len(filters) <= MAX_QUESTIONS \
                and self.server.uri not in _unnarrowed:
            runs = self._narrowed(experiment, filters)
        else:
            runs = self._runs(experiment)
        if runs is None:
            return None
        return [run for run in runs if (not finished_only or run.status == "finished")
                and all(key in run.params for key in keys)]

    def _runs(self, experiment):
        """Every active run of `experiment` (or of all), kept CACHE_S in this process."""
        cache_key = (self.root, self.server.uri, experiment)
        now = time.monotonic()
        hit = _cache.get(cache_key)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        failed = _failed.get(self.server.uri)
        if failed is not None and now - failed[0] < FAILED_S:
            return self._cannot(failed[1])
        try:
            runs = self._fetch(experiment)
        except ServerError as e:
            _failed[self.server.uri] = (now, e.message)
            return self._cannot(e.message)
        _failed.pop(self.server.uri, None)
        _cache[cache_key] = (now, runs)
        return runs

    def _narrowed(self, experiment, filters):
        """The runs answering any of `filters`, each once; each answer kept CACHE_S in this
        process. A filter the server refuses (an older or stricter server) falls back to the
        listing of the experiment."""
        now = time.monotonic()
        failed = _failed.get(self.server.uri)
        if failed is not None and now - failed[0] < FAILED_S:
            return self._cannot(failed[1])
        try:
            if self._client is None:
                self._client = Client(self.server, timeout=LOOKUP_TIMEOUT_S)
            ids = tuple(self._experiment_ids(experiment))
            if not ids:
                return []
            answers = self._ask(ids, filters, now)
        except ServerError as e:
            if e.kind == "refused" or e.status == 500:
                # A filter this server will not take, or trips on (MLflow's file store reads a
                # LIKE pattern as a regular expression, and `+%` is not one): listed instead,
                # from now on.
                _unnarrowed.add(self.server.uri)
                return self._runs(experiment)
            _failed[self.server.uri] = (now, e.message)
            return self._cannot(e.message)
        _failed.pop(self.server.uri, None)
        found = {}
        for raw in answers:
            info = raw.get("info") or {}
            run_id = info.get("run_id") or info.get("run_uuid")
            if isinstance(run_id, str):
                found[run_id] = raw
        return [ServerRun(raw, self._names, self.server.uri) for raw in found.values()]

    def _ask(self, ids, filters, now):
        """Every run answering the filters not answered a moment ago, asked side by side."""
        answers, todo = [], []
        for filter_string in filters:
            hit = _asked.get((self.server.uri, ids, filter_string))
            if hit is not None and now - hit[0] < CACHE_S:
                answers += hit[1]
            else:
                todo.append(filter_string)
        if not todo:
            return answers
        local = threading.local()
        clients = []

        def ask(filter_string):
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = Client(self.server, timeout=LOOKUP_TIMEOUT_S)
                clients.append(client)
            return _servercache.search(client, ids, "ACTIVE_ONLY", filter_string)

        try:
            if len(todo) == 1:
                results = [_servercache.search(self._client, ids, "ACTIVE_ONLY", todo[0])]
            else:
                pool = ThreadPoolExecutor(max_workers=min(ASKING, len(todo)))
                try:
                    futures = [pool.submit(ask, filter_string) for filter_string in todo]
                    wait(futures, return_when=FIRST_EXCEPTION)
                    for future in futures:  # the first failure: the questions not yet asked are not
                        if future.done() and future.exception() is not None:
                            for other in futures:
                                other.cancel()
                            raise future.exception()
                    results = [future.result() for future in futures]
                finally:
                    pool.shutdown(wait=True)  # at most the ASKING questions under way
        finally:
            for client in clients:
                client.close()
        for key in [key for key, (at, _) in list(_asked.items()) if now - at >= CACHE_S]:
            _asked.pop(key, None)  # a long loop of checks keeps only the last moment's answers
        for filter_string, found in zip(todo, results):
            _asked[(self.server.uri, ids, filter_string)] = (now, found)
            answers += found
        return answers

    def _cannot(self, message):
        self.error = message
        if self.required:
            raise RunLensError(
                "%s, so RunLens cannot tell which runs the tracking server holds; "
                "RUNLENS_REQUIRE_SERVER is set, so it does not answer from .runlens alone" % message)
        return None

    def close(self):
        if self._client is not None:
            self._client.close()

    def _fetch(self, experiment):
        if self._client is None:
            self._client = Client(self.server, timeout=LOOKUP_TIMEOUT_S)
        ids = self._experiment_ids(experiment)
        if not ids:
            return []
        # A pipeline that requires the server gets it as it is now, not as the cache last saw it.
        return [ServerRun(raw, self._names, self.server.uri)
                for raw in _servercache.runs(self._client, self.root, ids, full=self.required)]

    def _experiment_ids(self, experiment):
        """The ids of `experiment` (by name: MLflow's ids differ from server to server), or of
        every active experiment."""
        if experiment is not None:
            if experiment not in self._by_name:
                try:
                    found = self._client.get("experiments/get-by-name", experiment_name=experiment)
                    found = found.get("experiment") or {}
                except ServerError as e:
                    if e.kind != "missing":
                        raise
                    found = {}
                active = found.get("lifecycle_stage") != "deleted" and "experiment_id" in found
                self._by_name[experiment] = found["experiment_id"] if active else None
                if active:
                    self._names[found["experiment_id"]] = experiment
            found_id = self._by_name[experiment]
            return [found_id] if found_id is not None else []
        if self._all is None:
            ids = []
            body = {"view_type": "ACTIVE_ONLY", "max_results": 1000}
            while True:
                answer = self._client.post("experiments/search", body)
                for found in answer.get("experiments") or []:
                    ids.append(found.get("experiment_id"))
                    self._names[found.get("experiment_id")] = found.get("name")
                token = answer.get("next_page_token")
                if not token:
                    break
                body["page_token"] = token
            self._all = ids
        return self._all


def _number(value):
    if isinstance(value, str):
        try:
            return float(value)  # "NaN", and "Infinity" from servers that write it so
        except ValueError:
            return float("nan")
    return float(value) if isinstance(value, (int, float)) else float("nan")
