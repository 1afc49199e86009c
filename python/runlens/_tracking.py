"""Which MLflow tracking server this process uploads to and asks, and how it signs in there.

The rule (the extension's read side keeps the same one): runlens.set_tracking_uri() in this
process, else RUNLENS_TRACKING_URI, else MLFLOW_TRACKING_URI when it names an http(s) server.
Other MLflow URIs (a file store, sqlite:, databricks) are not servers RunLens talks to: the runs
are recorded in .runlens as always, and nothing is uploaded.

Credentials are MLflow's own variables (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD, or user:password in the URI) and go only to the server configured here:
never to a server named in a run log, never through a redirect.
"""

import base64
import os
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

# Why a URI is not a server RunLens talks to, said once per URI.
_warned = set()
_chosen = []  # set_tracking_uri's [uri], or [] when the environment decides
_required = []  # set_tracking_uri's required=, or [] when RUNLENS_REQUIRE_SERVER decides


class Server:
    """One tracking server: `uri` is its identity (no credentials), as run logs record it."""

    def __init__(self, uri, auth=None, insecure=False, ca_file=None):
        parts = urlsplit(uri)
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        netloc = self.host if ":" not in self.host else "[%s]" % self.host
        if parts.port is not None and parts.port != (443 if self.scheme == "https" else 80):
            netloc += ":%d" % parts.port  # as a WHATWG URL writes it (the extension's side)
        self.uri = urlunsplit((self.scheme, netloc, self.prefix, "", ""))
        user, password = parts.username, parts.password
        if auth is None and user is not None:
            auth = basic_auth(unquote(user), unquote(password or ""))
        self.auth = auth  # the Authorization header's value, or None
        self.insecure = insecure
        self.ca_file = ca_file

    def __repr__(self):
        return "<runlens tracking server %s>" % self.uri

    def __eq__(self, other):
        return isinstance(other, Server) and other.uri == self.uri

    def __hash__(self):
        return hash(self.uri)


def basic_auth(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")
    return "Basic " + token


def is_server_uri(uri):
    return isinstance(uri, str) and urlsplit(uri.strip()).scheme.lower() in ("http", "https") \
        and bool(urlsplit(uri.strip()).hostname)


def identity(uri):
    """The server's identity as run logs record it: scheme, host, port (unless the scheme's own)
    and path without its last "/"; no credentials, query or fragment. None for a URI that is not
    an http(s) server's. test/vectors/server-uri.json holds the cases, which the extension's
    src/core/mlflowServer/uri.ts normalizeServerUri keeps too."""
    return Server(uri.strip()).uri if is_server_uri(uri) else None


def set_tracking_uri(uri, required=None):
    """Uploads this process's runs to the MLflow tracking server at `uri`, and counts its runs in
    exists(), find(), grid() and sweep(). None goes back to the environment's choice.

    required=True makes a server that cannot be asked an error in those lookups instead of a
    note on stderr (RUNLENS_REQUIRE_SERVER=1 does the same).
    """
    if uri is not None and not isinstance(uri, str):
        raise TypeError("the tracking URI must be a string, not %s" % type(uri).__name__)
    del _chosen[:]
    if uri is not None and uri.strip():
        _chosen.append(uri.strip())
        if not is_server_uri(uri):
            _say_not_a_server(uri.strip(), "set_tracking_uri")
    if required is not None:
        del _required[:]
        _required.append(bool(required))


def server():
    """The Server this process uploads to and asks, with its credentials; None when there is none."""
    if _chosen:
        uri, source = _chosen[-1], "set_tracking_uri"
    else:
        uri, source = None, None
        for name in ("RUNLENS_TRACKING_URI", "MLFLOW_TRACKING_URI"):
            value = os.environ.get(name, "").strip()
            if value:
                uri, source = value, name
                break
    if uri is None:
        return None
    if not is_server_uri(uri):
        if source != "MLFLOW_TRACKING_URI":  # MLflow's own local stores are expected there
            _say_not_a_server(uri, source)
        return None
    return Server(uri, auth=_env_auth(), insecure=_env_flag("MLFLOW_TRACKING_INSECURE_TLS"),
                  ca_file=os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None)


def server_required():
    if _required:
        return _required[-1]
    return _env_flag("RUNLENS_REQUIRE_SERVER")


def _env_auth():
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return "Bearer " + token
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    if user:
        return basic_auth(user, os.environ.get("MLFLOW_TRACKING_PASSWORD", ""))
    return None


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _say_not_a_server(uri, source):
    if uri in _warned:
        return
    _warned.add(uri)
    shown = identity(uri) if is_server_uri(uri) else uri.split("://", 1)[0] + "://..." \
        if "://" in uri else uri
    print("runlens: %s names %s, which is not an http(s) tracking server; runs are recorded in "
          ".runlens and not uploaded" % (source, shown), file=sys.stderr)
