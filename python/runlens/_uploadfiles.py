"""Uploading a run's artifacts to its tracking server's artifact store (MLflow's `mlflow-artifacts`
API, served by `mlflow server --serve-artifacts`), from the run's log, as _upload sends the rest of
it (docs/run-log.md, "Uploads").

The latest version of each artifact (its last `artifact` line) is PUT, streamed from
.runlens/artifacts/<run id>/ (a 1 GB model costs a megabyte of memory), to
/api/2.0/mlflow-artifacts/artifacts/<the path of the run's artifact_uri>/<artifact path>, as
MLflow's own client does. Around each PUT the log gets a `putting` line and a `put` line, so a file
the server has is not sent again, whoever uploads next; a PUT whose answer was lost (`putting`
without `put`) is settled by listing the file's folder on the server: there with the same size, it
is taken as arrived.

A server that keeps no artifacts (the run's artifact_uri is not a `mlflow-artifacts:` URI of that
server, or the server answers that it does not serve them: 404, 405, 501, or MLflow's 503 of
`--no-serve-artifacts`) still gets the rest of the run, and a tag, runlens.artifacts, that says
where the files are; the log records `artifacts-kept`, and it is said once for the run.
"""

import os
import re
from urllib.parse import quote, urlencode, urlsplit

from . import _artifacts
from ._rest import ARTIFACTS_API, ServerError

KEPT_TAG = "runlens.artifacts"
NOT_SERVED = (404, 405, 501)  # the artifact API is not routed (a server or proxy without it)


class _Path:
    """An artifact as _upload.Uploader._refuse names a refused item."""

    kind = "artifact"

    def __init__(self, key):
        self.key = key


class Files:
    """Sends artifacts through an Uploader's client, and reports through it."""

    def __init__(self, uploader):
        self.uploader = uploader
        self.client = uploader.client
        self.server = uploader.server
        self.sent_files = 0
        self.sent_bytes = 0

    def send(self, run, artifact):
        """Uploads `artifact` (an _uploadlog.Artifact of `run`) unless the server has it. Raises
        ServerError for the caller to wait and try again (unreachable, auth)."""
        base = self._base(run)
        if base is None:
            return
        try:
            try:
                source = _artifacts.open_stored(run.root, run.run_id, artifact.path)
            except OSError as e:
                self._missing(run, artifact, e)
                return
            with source:
                size = os.fstat(source.fileno()).st_size
                if run.putting.get(artifact.path) == artifact.offset \
                        and self._there(base, artifact.path, size):
                    self._put(run, artifact, None)  # the answer was lost, not the file
                    return
                run.note("putting", kind="artifact", key=artifact.path,
                         through=[artifact.offset, 0])
                run.putting[artifact.path] = artifact.offset
                self.client.put_file(base + "/" + quote(artifact.path, safe="/"), source, size,
                                     artifact.media_type or "application/octet-stream")
            self._put(run, artifact, size)
        except ServerError as e:
            if _not_served(e):
                self._keep(run, "%s does not serve artifacts (its artifact API answered %d)"
                           % (self.server.uri, e.status))
            elif e.kind in ("refused", "missing"):  # this file, say its path (400 Invalid path)
                self.uploader._refuse(run, _Path(artifact.path), e.message)
            else:
                raise

    def _base(self, run):
        """The server path of the run's artifact folder, or None when the server keeps none."""
        if run.artifact_uri is None:
            answer = self.client.get("runs/get", run_id=run.server_run_id)
            run.artifact_uri = ((answer.get("run") or {}).get("info") or {}).get(
                "artifact_uri") or ""
        uri = urlsplit(run.artifact_uri)
        here = "%s:%d" % (self.server.host, self.server.port)
        if uri.scheme != "mlflow-artifacts":
            self._keep(run, "its artifact_uri on %s is %r, a store the server does not serve (a "
                            "server started with --serve-artifacts gives runs mlflow-artifacts: "
                            "URIs)" % (self.server.uri, run.artifact_uri))
            return None
        if uri.netloc and uri.netloc not in (here, self.server.host):
            self._keep(run, "its artifact_uri on %s, %r, names another server"
                       % (self.server.uri, run.artifact_uri))
            return None
        return re.sub("//+", "/", "%s/%s" % (ARTIFACTS_API, uri.path)).rstrip("/")

    def _there(self, base, path, size):
        """Whether the server lists the file at `path` with `size` bytes (MLflow's list)."""
        folder, _, name = path.rpartition("/")
        where = base[len(ARTIFACTS_API):].strip("/") + ("/" + folder if folder else "")
        answer = self.client.call("GET", ARTIFACTS_API + "?" + urlencode({"path": where}))
        return any(f.get("path") == name and not f.get("is_dir") and f.get("file_size") == size
                   for f in answer.get("files") or [] if isinstance(f, dict))

    def _put(self, run, artifact, sent):
        """The server has the file; `sent` bytes of it were sent now (None: found there)."""
        run.note("put", kind="artifact", key=artifact.path, through=[artifact.offset, 0])
        run.put[artifact.path] = artifact.offset
        run.putting.pop(artifact.path, None)
        if sent is not None:
            self.sent_files += 1
            self.sent_bytes += sent

    def _missing(self, run, artifact, error):
        """The file is gone from .runlens/artifacts (removed by hand): said, and passed over."""
        message = "the artifact %r of run %s is not uploaded: its file in %s cannot be read " \
                  "(%s)" % (artifact.path, run.run_id, _artifacts.folder(run.root, run.run_id),
                            getattr(error, "strerror", None) or error)
        run.note("missing", kind="artifact", key=artifact.path, through=[artifact.offset, 0],
                 message=message[:2000])
        run.put[artifact.path] = artifact.offset
        self.uploader.say(message, ("missing", run.run_id, artifact.path))

    def _keep(self, run, why):
        """The server keeps no artifacts: the run goes up without them; a tag says where they
        are."""
        where = _artifacts.folder(run.root, run.run_id)
        if run.start.get("host"):
            where += " on " + run.start["host"]
        self.client.post("runs/log-batch", {"run_id": run.server_run_id, "tags": [
            {"key": KEPT_TAG, "value": ("not uploaded, kept in %s: %s" % (where, why))[:5000]}]})
        message = "the artifacts of run %s are not uploaded: %s. They stay in %s, and the " \
                  "server gets the rest of the run with the tag %s" % (
                      run.run_id, why, _artifacts.folder(run.root, run.run_id), KEPT_TAG)
        run.note("artifacts-kept", message=message[:2000])
        run.artifacts_kept = message
        self.uploader.say(message, ("artifacts-kept", run.run_id))


def _not_served(error):
    """Whether an answer to the artifact API says the server (or a proxy) does not serve it."""
    if error.error_code is not None:
        return False
    if error.status in NOT_SERVED:
        return True
    return error.status == 503 and "serve-artifacts" in error.text
