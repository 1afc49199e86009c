"""The runs of a tracking server's experiments, kept between processes in
.runlens/cache/server-runs/, so that a lookup that needs every run (find() without params, a value
no filter can hold: _narrow) asks the server for what changed, not for every run.

A tracking server answers about 1,000 runs a second (MLflow 2.17.2 on SQLite, whatever the
filter), so listing an experiment of 10,000 runs costs 10 s if every process asks for all of them.
Kept here, the next process asks as the editor's follow does
(src/core/mlflowServer/sync.ts, docs/store.md):

- the runs started since the newest start seen;
- the runs that were running then, by id (a hundred a question): their status now;
- the deleted runs (usually few): those deleted since are dropped;
- every FULL_EVERY_S, everything again (a full pass), which also finds what the questions above
  cannot: a run created with a start time older than the newest seen (a run uploaded late from an
  outbox, say), and a run restored after its deletion.

So a run of the first kind counts from the next full pass on (at most 15 minutes, as in the
editor). RUNLENS_REQUIRE_SERVER=1 (a pipeline that must not duplicate) makes every lookup a full
pass. The cache holds what MLflow's server serves anyone who may read the experiment; it is a
cache: a file that cannot be read or written costs a full pass, never an answer.
"""

import hashlib
import json
import os
import time

from ._upload import CRASHED_TAG, RUN_ID_TAG

VERSION = 1
FULL_EVERY_S = 15 * 60.0  # as the editor's follow
PAGE = 1000  # runs a runs/search page: each page answers well within a lookup's timeout
IN_BATCH = 100
RUNNING = ("RUNNING", "SCHEDULED")
# What a lookup needs of a run's tags (_remote.ServerRun): the rest is not kept.
_TAGS = ("mlflow.runName", "mlflow.parentRunId", RUN_ID_TAG, CRASHED_TAG)


def runs(client, root, experiment_ids, full=False, now=None):
    """The active runs of `experiment_ids` on the client's server, as runs/search gives them
    (kept to what a lookup reads), from the cache and the server's answers since. Raises the
    client's ServerError when the server cannot be asked."""
    now = time.time() if now is None else now
    path = _path(root, client.server.uri, experiment_ids)
    state = None if full else _load(path, client.server.uri, experiment_ids)
    if state is None or now - state["full_at"] >= FULL_EVERY_S:
        state = _full_pass(client, experiment_ids, now)
        _save(path, state)
    elif _catch_up(client, experiment_ids, state):
        _save(path, state)
    return list(state["runs"].values())


def _full_pass(client, experiment_ids, now):
    state = {"v": VERSION, "server": client.server.uri, "experiments": sorted(experiment_ids),
             "full_at": now, "newest_start": 0, "runs": {}}
    _take(state, search(client, experiment_ids, "ACTIVE_ONLY", None))
    return state


def _catch_up(client, experiment_ids, state):
    """What changed since the state was saved, at the cost of what changed; True if anything did."""
    running = [run_id for run_id, raw in state["runs"].items()
               if (raw.get("info") or {}).get("status") in RUNNING]
    changed = _take(state, search(client, experiment_ids, "ACTIVE_ONLY",
                                   "attributes.start_time > %d" % (state["newest_start"] - 1)))
    for i in range(0, len(running), IN_BATCH):
        batch = running[i:i + IN_BATCH]
        found = search(client, experiment_ids, "ALL", "attributes.run_id IN (%s)" % ",".join(
            "'%s'" % run_id for run_id in batch))
        changed |= _take(state, found)
        answered = {(raw.get("info") or {}).get("run_id") for raw in found}
        for run_id in batch:
            if run_id not in answered:  # deleted and purged: gone from the server
                changed |= state["runs"].pop(run_id, None) is not None
    changed |= _take(state, search(client, experiment_ids, "DELETED_ONLY", None))
    return changed


def search(client, experiment_ids, view, filter_string):
    """Every run of an answer to runs/search, page by page."""
    body = {"experiment_ids": list(experiment_ids), "run_view_type": view, "max_results": PAGE,
            "order_by": ["attributes.start_time DESC"]}  # a run added meanwhile: a duplicate, no miss
    if filter_string:
        body["filter"] = filter_string
    found = []
    while True:
        answer = client.post("runs/search", body)
        found += answer.get("runs") or []
        token = answer.get("next_page_token")
        if not token or not answer.get("runs"):
            return found
        body["page_token"] = token


def _take(state, found):
    """Each run of an answer as it is now: kept if active, dropped if deleted; True if that
    changed what the state holds."""
    kept = state["runs"]
    changed = False
    for raw in found:
        info = raw.get("info") or {}
        run_id = info.get("run_id") or info.get("run_uuid")
        if not isinstance(run_id, str):
            continue
        if info.get("lifecycle_stage") == "deleted":
            changed |= kept.pop(run_id, None) is not None
            continue
        compact = _compact(raw)
        if kept.get(run_id) != compact:
            kept[run_id] = compact
            changed = True
        start = info.get("start_time")
        if isinstance(start, int) and start > state["newest_start"]:
            state["newest_start"] = start
    return changed


def _compact(raw):
    info = raw.get("info") or {}
    data = raw.get("data") or {}
    return {"info": {k: info[k] for k in ("run_id", "run_uuid", "run_name", "experiment_id",
                                          "status", "start_time", "end_time", "lifecycle_stage")
                     if k in info},
            "data": {"params": data.get("params") or [], "metrics": data.get("metrics") or [],
                     "tags": [t for t in data.get("tags") or [] if t.get("key") in _TAGS]}}


def _path(root, uri, experiment_ids):
    name = hashlib.sha256(("%s\n%s" % (uri, ",".join(sorted(experiment_ids)))).encode(
        "utf-8")).hexdigest()[:32]
    return os.path.join(root, "cache", "server-runs", name + ".json")


def _load(path, uri, experiment_ids):
    try:
        with open(path, "rb") as f:
            state = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("v") != VERSION or state.get("server") != uri \
            or state.get("experiments") != sorted(experiment_ids) \
            or not isinstance(state.get("runs"), dict) \
            or not isinstance(state.get("full_at"), (int, float)) \
            or not isinstance(state.get("newest_start"), int):
        return None
    return state


def _save(path, state):
    """Written whole to a temporary file, then renamed over the old one: a reader sees one or the
    other, and of two processes saving at once the last one's stands."""
    temp = "%s.%d.tmp" % (path, os.getpid())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "wb") as f:
            f.write(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        os.replace(temp, path)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
