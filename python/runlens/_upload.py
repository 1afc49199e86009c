"""Uploading one run to an MLflow tracking server, from its run log (docs/run-log.md, "Uploads").

The log is the outbox: an uploader reads the run's lines and sends them, and writes into the same
log what the server has, as `upload` lines. Before each request that changes the server it
writes what it is about to do (`creating`, `sending`), and after the answer what was done
(`created`, `sent`, `done`), so whoever takes the upload over (this process after a network
error, the next runlens process, the extension, `python -m runlens.upload`) knows exactly where
it stands, and what it cannot know (a request whose answer was lost) it asks the server:

- `creating` without `created`: the run is looked up by its tag runlens.run_id before another
  is created, so no run reaches the server twice.
- `sending` without `sent`: the points of that batch are looked up in the metric histories and
  only the missing ones are sent, so no point is stored twice (params and tags are the same when
  sent again).

A batch keeps to MLflow's limits: 1,000 metrics, 100 params, 100 tags, 1,000 in all, 1 MB. A
batch the server refuses (400 INVALID_PARAMETER_VALUE: a key MLflow does not accept, say) is
halved until the item it refuses is found; that key is reported with the run, recorded as
`refused`, and the rest of the run is still uploaded.

Metric points carry the times and steps the run logged; the server's clock is never used, so a
machine whose clock disagrees with the server's cannot reorder them.
"""

import collections
import json

from . import _capture
from ._rest import ServerError
from ._uploadfiles import Files
from ._uploadlog import RunUpload, Waiting, comparable

MAX_METRICS = 1000  # MLflow's MAX_METRICS_PER_BATCH
MAX_PARAMS = 100  # MAX_PARAMS_TAGS_PER_BATCH, for params and for tags each
MAX_TAGS = 100
MAX_ITEMS = 1000  # MAX_ENTITIES_PER_BATCH
MAX_BYTES = 1000000  # MAX_BATCH_LOG_REQUEST_SIZE, the whole body
STATUS = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
CRASHED_TAG = "runlens.crashed"
RUN_ID_TAG = "runlens.run_id"
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


class Stopped(Exception):
    """The server will not take this run any more (its experiment or the run was deleted there)."""


class Uploader:
    """Uploads runs to one server through one REST client; a thread has its own."""

    def __init__(self, client, say):
        self.client = client
        self.server = client.server
        self.say = say  # say(message, once_key): tells the person (stderr, the extension's output)
        self._experiments = {}
        self.sent_points = 0
        self.files = Files(self)  # the run's artifacts, after its params, metrics and tags

    def advance(self, run, live=False, batches=None, parent_of=None):
        """Sends what `run` holds that the server has not; finishes it when it has ended.

        Returns True when there is more to send right now (the batch budget ran out). Raises
        ServerError (unreachable, auth) for the caller to wait and try again, Waiting, Stopped.
        """
        run.read()
        if run.done or run.stopped or not run.started:
            return False
        try:
            return self._advance(run, live, batches, parent_of)
        except Stopped as e:
            self._stop(run, str(e))
            return False
        except ServerError as e:
            if e.kind in ("refused", "missing"):
                self._stop(run, e.message)
                return False
            raise

    def _advance(self, run, live, batches, parent_of):
        if run.server_run_id is None:
            self._create(run, parent_of)
        if run.sending is not None:
            self._settle_sending(run)
        sent = 0
        while True:
            if not run.items:
                run.read()
            if not run.items:
                break
            if batches is not None and sent >= batches:
                return True
            self._send_batch(run)
            sent += 1
        for artifact in run.artifacts_waiting():  # each send settles its file, or raises
            if run.artifacts_kept is not None:
                break  # the server keeps none: said once, with the tag
            if batches is not None and sent >= batches:
                return True
            self.files.send(run, artifact)
            sent += 1
        run.read()
        if run.at_end_of_log and not run.artifacts_waiting() \
                and (run.end is not None or run.crashed(live)):
            self._finish(run)
        return False

    # -- experiment and run -------------------------------------------------------------------

    def _experiment(self, name):
        known = self._experiments.get(name)
        if known is not None:
            return known
        for attempt in range(2):
            try:
                answer = self.client.get("experiments/get-by-name", experiment_name=name)
                experiment = answer.get("experiment") or {}
                if experiment.get("lifecycle_stage") == "deleted":
                    raise Stopped("its experiment %r is deleted on %s (restore it there to upload "
                                  "to it)" % (name, self.server.uri))
                experiment_id = experiment["experiment_id"]
                break
            except ServerError as e:
                if e.kind != "missing":
                    raise
            try:
                experiment_id = self.client.post("experiments/create", {"name": name})[
                    "experiment_id"]
                break
            except ServerError as e:
                if e.error_code != "RESOURCE_ALREADY_EXISTS" or attempt:
                    raise  # another process made it a moment ago: ask for it again, once
        self._experiments[name] = experiment_id
        return experiment_id

    def _create(self, run, parent_of):
        name = run.start.get("experiment") or "Default"
        experiment_id = self._experiment(name)
        if run.creating:
            found = self._find_created(run, experiment_id)
            if found is not None:
                run.note("created", run_id=found[0], experiment_id=experiment_id,
                         artifact_uri=found[1])
                run.server_run_id, run.experiment_id, run.creating = found[0], experiment_id, False
                run.artifact_uri = found[1]
                return
        tags = self._system_tags(run)
        parent = run.start.get("parent")
        if parent:
            parent_id = parent_of(parent) if parent_of else None
            if parent_id is not None:
                tags.append(("mlflow.parentRunId", parent_id))
        body = {"experiment_id": experiment_id, "start_time": int(run.start["t"]),
                "user_id": run.start.get("user") or (_capture.user() or "unknown"),
                "tags": [{"key": k, "value": v} for k, v in tags]}
        if run.start.get("name"):
            body["run_name"] = run.start["name"]
        run.note("creating")
        run.creating = True
        answer = self.client.post("runs/create", body)
        info = (answer.get("run") or {}).get("info") or {}
        server_run_id = info.get("run_id") or info.get("run_uuid")
        if not isinstance(server_run_id, str):
            raise ServerError("unreachable", "%s answered runs/create without a run id"
                              % self.server.uri, sent=True)
        artifact_uri = info.get("artifact_uri") if isinstance(info.get("artifact_uri"), str) \
            else None
        run.note("created", run_id=server_run_id, experiment_id=experiment_id,
                 artifact_uri=artifact_uri)
        run.server_run_id, run.experiment_id, run.creating = server_run_id, experiment_id, False
        run.artifact_uri = artifact_uri

    def _system_tags(self, run):
        """The tags MLflow's own client sets on a run it creates, and RunLens's id of it."""
        start = run.start
        tags = []
        if start.get("name"):
            tags.append(("mlflow.runName", start["name"]))
        tags.append(("mlflow.user", start.get("user") or (_capture.user() or "unknown")))
        script = start.get("script")
        argv = start.get("argv")
        source = script.get("path") if isinstance(script, dict) else None
        if not source and isinstance(argv, list) and argv and isinstance(argv[0], str):
            source = argv[0]
        if source:
            tags.append(("mlflow.source.name", source))
        tags.append(("mlflow.source.type", "LOCAL"))
        git = start.get("git")
        if isinstance(git, dict) and isinstance(git.get("commit"), str):
            tags.append(("mlflow.source.git.commit", git["commit"]))
        tags.append((RUN_ID_TAG, run.run_id))
        return tags

    def _find_created(self, run, experiment_id):
        """(id, artifact_uri) of the server's run made by a runs/create whose answer was lost, if
        it made one."""
        answer = self.client.post("runs/search", {
            "experiment_ids": [experiment_id], "run_view_type": "ALL", "max_results": 10,
            "filter": "tags.`%s` = '%s'" % (RUN_ID_TAG, run.run_id)})
        for found in answer.get("runs") or []:
            info = found.get("info") or {}
            if info.get("lifecycle_stage") == "deleted":
                raise Stopped("it was deleted on %s" % self.server.uri)
            return info.get("run_id") or info.get("run_uuid"), info.get("artifact_uri")
        return None

    # -- data ---------------------------------------------------------------------------------

    def _take_batch(self, run):
        """The longest run of items from the front of the queue that one request may hold."""
        counts = {"param": 0, "tag": 0, "metric": 0}
        limits = {"param": MAX_PARAMS, "tag": MAX_TAGS, "metric": MAX_METRICS}
        size = len('{"run_id":"","params":[],"metrics":[],"tags":[]}') + len(run.server_run_id)
        batch = []
        seen_params = set()
        for item in run.items:
            if (item.kind, item.key) in run.refused:
                batch.append(item)  # passed over, and counted, in _send_batch
                continue
            if counts[item.kind] >= limits[item.kind] or len(batch) >= MAX_ITEMS:
                break
            if item.kind == "param" and item.key in seen_params:
                break
            length = len(item.json.encode("utf-8")) + 1
            if size + length > MAX_BYTES:
                break
            size += length
            counts[item.kind] += 1
            if item.kind == "param":
                seen_params.add(item.key)
            batch.append(item)
        return batch

    def _send_batch(self, run):
        batch = self._take_batch(run)
        if not batch:  # one item alone over the limits cannot happen with RunLens's own limits
            batch = [run.items[0]]
        through = batch[-1].after
        wanted = []
        for item in batch:
            key = (item.kind, item.key)
            if key in run.refused:
                run.refused[key] += 1
            else:
                wanted.append(item)
        if wanted:
            run.note("sending", through=through)
            run.sending, run.ambiguous = through, False
            try:
                self._post_items(run, wanted)
            except ServerError as e:
                run.ambiguous = e.sent
                if not e.sent:
                    run.sending = None
                raise
        run.note("sent", through=through)
        run.through, run.sending = through, None
        for _ in batch:
            run.items.popleft()
        self.sent_points += sum(1 for item in wanted if item.kind == "metric")

    def _post_items(self, run, items):
        """log-batch of the items; a batch refused for what it holds is halved to find which."""
        body = _batch_body(run.server_run_id, items)
        try:
            self.client.post("runs/log-batch", body)
        except ServerError as e:
            if e.kind != "refused" or e.error_code != "INVALID_PARAMETER_VALUE" \
                    or _about_the_run(e.message):
                raise
            if len(items) == 1:
                self._refuse(run, items[0], e.message)
                return
            half = len(items) // 2
            self._post_items(run, items[:half])
            self._post_items(run, items[half:])

    def _refuse(self, run, item, message):
        key = (item.kind, item.key)
        if key in run.refused:
            run.refused[key] += 1
            return
        run.note("refused", kind=item.kind, key=item.key, message=message[:2000])
        run.refused[key] = 1
        self.say("the tracking server %s refused %s %r of run %s (%s); the rest of the run is "
                 "uploaded, and the run log keeps everything" % (
                     self.server.uri, item.kind, item.key, run.run_id, message),
                 ("refused", run.run_id, key))

    def _settle_sending(self, run):
        """A batch was sent and its answer lost: take out what the server has of it."""
        if run.ambiguous:
            end = run.sending
            pending = [item for item in run.items if [item.offset, item.index] < end]
            by_key = collections.defaultdict(list)
            for item in pending:
                if item.kind == "metric":
                    by_key[item.key].append(item)
            arrived = set()
            for key, items in by_key.items():
                have = collections.Counter(self._history(run.server_run_id, key))
                for item in items:
                    step, stamp, value = item.point
                    point = (step, stamp, comparable(value))
                    if have[point] > 0:
                        have[point] -= 1
                        arrived.add(id(item))
            if arrived:
                run.items = collections.deque(item for item in run.items if id(item) not in arrived)
        run.sending, run.ambiguous = None, False

    def _history(self, server_run_id, key):
        points, token = [], None
        while True:
            query = {"run_id": server_run_id, "metric_key": key, "max_results": 25000}
            if token:
                query["page_token"] = token
            answer = self.client.get("metrics/get-history", **query)
            for m in answer.get("metrics") or []:
                value = m.get("value")
                value = float(value) if isinstance(value, (int, float, str)) else 0.0
                points.append((int(m.get("step") or 0), int(m.get("timestamp") or 0),
                               comparable(value)))
            token = answer.get("next_page_token")
            if not token:
                return points

    # -- the end ------------------------------------------------------------------------------

    def _finish(self, run):
        if run.end is not None:
            status, end_time = STATUS[run.end["status"]], int(run.end["t"])
        else:
            status, end_time = "FAILED", int(run.last_t or 0)
            self.client.post("runs/log-batch", {"run_id": run.server_run_id, "tags": [
                {"key": CRASHED_TAG, "value": "true"}]})
        self.client.post("runs/update", {"run_id": run.server_run_id, "status": status,
                                         "end_time": end_time})
        run.note("done", status=status)
        run.done = True
        if run.refused:
            said = ", ".join("%s %r (%d)" % (kind, key, n) for (kind, key), n in run.refused.items())
            self.say("run %s is on %s without what the server refused: %s"
                     % (run.run_id, self.server.uri, said), ("refused-summary", run.run_id))

    def _stop(self, run, why):
        message = "%s does not take run %s: %s. The run is kept in .runlens, and not " \
                  "uploaded" % (self.server.uri, run.run_id, why)
        try:
            run.note("stopped", message=message[:2000])
        except Waiting:
            pass
        run.stopped = message
        self.say(message, ("stopped", run.run_id))


def parent_server_id(root, parent, server_uri, known):
    """The server's id of run `parent` (a local run id), for its child's mlflow.parentRunId.

    None when the parent will not be on that server (never queued for it, or stopped); raises
    Waiting while it is still to be created there. `known` are the RunUploads the caller has.
    """
    found = next((up for up in known if up.run_id == parent), None)
    if found is None:
        found = RunUpload.find(root, parent, server_uri)
        if found is None or found.queued_for != server_uri:
            return None
    if found.server_run_id is not None:
        return found.server_run_id
    if found.stopped is not None:
        return None
    raise Waiting("its parent run %s is not on the server yet" % parent)


def _batch_body(server_run_id, items):
    groups = {"param": [], "tag": [], "metric": []}
    for item in items:
        groups[item.kind].append(item.json)  # a tag twice in one batch: the server keeps the last
    parts = ['{"run_id":%s' % _ENCODE(server_run_id)]
    for name, kind in (("params", "param"), ("metrics", "metric"), ("tags", "tag")):
        if groups[kind]:
            parts.append(',"%s":[%s]' % (name, ",".join(groups[kind])))
    parts.append("}")
    return "".join(parts).encode("utf-8")


def _about_the_run(message):
    """Whether a 400 is about the run (deleted, or in a deleted experiment), not what it holds."""
    return "must be in the 'active' state" in (message or "")


