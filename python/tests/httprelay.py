"""An HTTP relay on 127.0.0.1 in front of a real server, for the live tier's network faults.

It passes each request to the server and its answer back, unchanged, and can: stop listening
(the server looks down), and pass a request on but drop the connection before its answer (the
request arrived and was applied; the client never hears). It knows HTTP/1.1 framing, nothing of
what the server does.
"""

import http.client
import socket
import threading

from .mlflowrecorded import free_port


class Relay:
    def __init__(self, target_host, target_port, port=None):
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self.requests = []  # (method, path) of every request relayed
        self.drop = None  # (method, path suffix, count): answers of such requests to drop
        self._sock = None
        self._lock = threading.Lock()

    @property
    def uri(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        self._sock = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        return self

    def stop(self):
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def drop_answers(self, method, suffix, count=1):
        """Relays the next `count` such requests to the server but drops their answers."""
        with self._lock:
            self.drop = [method, suffix, count]

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            reader = conn.makefile("rb")
            try:
                head = reader.readline()
                if not head:
                    return
                method, path, _ = head.decode("latin-1").split(" ", 2)
                headers = []
                length = 0
                while True:
                    line = reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, value = line.decode("latin-1").split(":", 1)
                    if name.lower() == "content-length":
                        length = int(value.strip())
                    if name.lower() not in ("connection", "host", "content-length"):
                        headers.append((name, value.strip()))
                body = reader.read(length) if length else None
            except (OSError, ValueError):
                return
            with self._lock:
                self.requests.append((method, path))
                drop = self.drop is not None and self.drop[0] == method and \
                    path.split("?")[0].endswith(self.drop[1]) and self.drop[2] > 0
                if drop:
                    self.drop[2] -= 1
            upstream = http.client.HTTPConnection(*self.target, timeout=60)
            try:
                upstream.request(method, path, body=body, headers=dict(headers))
                response = upstream.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                return
            finally:
                upstream.close()
            if drop:
                conn.shutdown(socket.SHUT_RDWR)
                return
            out = ["HTTP/1.1 %d %s" % (response.status, response.reason)]
            out += ["%s: %s" % (k, v) for k, v in response.getheaders()
                    if k.lower() not in ("connection", "content-length", "transfer-encoding")]
            out += ["Content-Length: %d" % len(data), "Connection: close", "", ""]
            try:
                conn.sendall("\r\n".join(out).encode("latin-1") + data)
            except OSError:
                pass
