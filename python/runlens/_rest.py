"""MLflow's REST API (`/api/2.0/mlflow/...`) over http.client: one request, one answer or one
ServerError that says what went wrong in words a person can act on.

Redirects are not followed (credentials never travel to another origin, and MLflow's API does not
redirect). A proxy named by HTTPS_PROXY / HTTP_PROXY is used unless NO_PROXY excludes the host.
"""

import http.client
import json
import os
import socket
import ssl
import urllib.request
from urllib.parse import urlencode, urlsplit

API = "/api/2.0/mlflow/"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts"  # the server's proxy of its artifact store
TIMEOUT_S = 30.0  # a request that takes longer is given up (RUNLENS_HTTP_TIMEOUT_S)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_BLOCK = 1 << 20  # a file body is sent in pieces of this size


class ServerError(Exception):
    """A request that did not succeed.

    kind: "unreachable" (no answer, or an answer that is not MLflow's: try again later), "auth"
    (401/403: wait for credentials), "refused" (MLflow answered 4xx with an error code: this request
    will never succeed as it is), "missing" (404 RESOURCE_DOES_NOT_EXIST).
    sent: the request may have reached the server and been applied (its answer was lost).
    """

    def __init__(self, kind, message, status=None, error_code=None, sent=False, text=""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.error_code = error_code
        self.sent = sent
        self.text = text  # the start of an answer that is not MLflow's JSON (an error page)


class Client:
    """Requests to one server on one kept-alive connection: one Client per thread."""

    def __init__(self, server, timeout=None):
        self.server = server
        self.timeout = timeout or float(os.environ.get("RUNLENS_HTTP_TIMEOUT_S") or TIMEOUT_S)
        self._conn = None
        self._pid = os.getpid()
        self._proxied = False

    def close(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def get(self, endpoint, **query):
        path = API + endpoint
        if query:
            path += "?" + urlencode(query, doseq=True)
        return self.call("GET", path)

    def post(self, endpoint, body):
        """POSTs `body`: a dict, or JSON already encoded as bytes."""
        data = body if isinstance(body, bytes) else _ENCODE(body).encode("utf-8")
        return self.call("POST", API + endpoint, data)

    def put_file(self, path, source, size, content_type):
        """PUTs `size` bytes read from the binary file `source` to `path` (under the server's
        prefix), streamed: the file is never read whole into memory."""
        return self.call("PUT", path, _Sized(source, size), content_type, size)

    def call(self, method, path, data=None, content_type="application/json", length=None):
        """The decoded JSON answer of a 2xx, else raises ServerError. `data` is bytes, or a
        readable of `length` bytes, sent as it is read."""
        server = self.server
        headers = {"Accept": "application/json", "User-Agent": "runlens"}
        if data is not None:
            headers["Content-Type"] = content_type
        if length is not None:
            headers["Content-Length"] = str(length)
        if server.auth:
            headers["Authorization"] = server.auth
        where = "%s %s" % (method, server.uri + path.split("?", 1)[0])
        sent = False
        try:
            conn = self._connection()
            target = self._target(path)
            conn.request(method, target, body=data, headers=headers)
            sent = True
            response = conn.getresponse()
            status = response.status
            content_type = response.getheader("Content-Type") or ""
            body = response.read()
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise ServerError("unreachable", "%s cannot be reached (%s)" % (server.uri, _why(e)),
                              sent=sent) from None
        return _answer(server, where, status, content_type, body, method != "GET")

    def _connection(self):
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        server = self.server
        proxy = _proxy_for(server)
        if server.scheme == "https":
            context = ssl.create_default_context(cafile=server.ca_file)
            if server.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if proxy:
                conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=self.timeout,
                                                   context=context, blocksize=_BLOCK)
                conn.set_tunnel(server.host, server.port)
            else:
                conn = http.client.HTTPSConnection(server.host, server.port, timeout=self.timeout,
                                                   context=context, blocksize=_BLOCK)
        else:
            host, port = proxy or (server.host, server.port)
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout, blocksize=_BLOCK)
        self._conn, self._pid = conn, os.getpid()
        self._proxied = bool(proxy) and server.scheme == "http"
        return conn

    def _target(self, path):
        if self._proxied:  # a plain-http proxy takes the whole URL
            return self.server.uri + path
        return self.server.prefix + path


class _Sized:
    """The first `size` bytes of a binary file, for http.client to send as it reads them."""

    def __init__(self, source, size):
        self.source, self.left = source, size

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.source.read(n) if n else b""
        if n and not data:
            raise OSError("the file is shorter than when its upload began (%d bytes missing)"
                          % self.left)
        self.left -= len(data)
        return data


def _proxy_for(server):
    """(host, port) of the proxy to use for `server`, or None."""
    proxies = urllib.request.getproxies()
    url = proxies.get(server.scheme)
    if not url or urllib.request.proxy_bypass(server.host):
        return None
    parts = urlsplit(url if "://" in url else "http://" + url)
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or 8080


def _why(error):
    if isinstance(error, socket.timeout):
        return "no answer within the timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, ssl.SSLError):
        return "TLS: %s" % (error.reason or error)
    if isinstance(error, http.client.RemoteDisconnected):
        return "the connection was closed without an answer"
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text


def _answer(server, where, status, content_type, body, posted):
    json_body = None
    if "json" in content_type.lower():
        try:
            json_body = json.loads(body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too
            json_body = None
    if 200 <= status < 300:
        if isinstance(json_body, dict):
            return json_body
        raise ServerError("unreachable", "%s answered %s with %s instead of MLflow's JSON: is %s an "
                          "MLflow tracking server (a proxy's login page, say)?"
                          % (server.uri, where, _kind_of(content_type, body), server.uri),
                          status=status, sent=posted)
    code = json_body.get("error_code") if isinstance(json_body, dict) else None
    message = json_body.get("message") if isinstance(json_body, dict) else None
    if status in (401, 403):
        raise ServerError(
            "auth", "%s refused the credentials (%d%s): set MLFLOW_TRACKING_TOKEN, or "
            "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, for this server"
            % (server.uri, status, ": %s" % message if message else ""), status=status,
            error_code=code)
    if 300 <= status < 400:
        raise ServerError("unreachable", "%s answered %s with a redirect (%d), which RunLens does "
                          "not follow: set the tracking URI to where it points"
                          % (server.uri, where, status), status=status)
    if isinstance(code, str) and status < 500:
        kind = "missing" if code == "RESOURCE_DOES_NOT_EXIST" else "refused"
        raise ServerError(kind, message if isinstance(message, str) else code, status=status,
                          error_code=code)
    if status >= 500 or status == 429:
        text = message if isinstance(message, str) else _kind_of(content_type, body)
        raise ServerError("unreachable", "%s answered %s with %d (%s)"
                          % (server.uri, where, status, text), status=status, sent=posted,
                          text=body[:1000].decode("utf-8", "replace"))
    raise ServerError("unreachable", "%s answered %s with %d and %s: is %s the address of an "
                      "MLflow tracking server (its API is under /api/2.0/mlflow/)?"
                      % (server.uri, where, status, _kind_of(content_type, body), server.uri),
                      status=status, text=body[:1000].decode("utf-8", "replace"))


def _kind_of(content_type, body):
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        return "an HTML page"
    if not body:
        return "an empty answer"
    return "%s" % (content_type.split(";")[0] or "an answer that is not JSON")
