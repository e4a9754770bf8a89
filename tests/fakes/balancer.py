"""A round-robin HTTP load balancer on 127.0.0.1, for running several serve processes behind
one webhook URL as a deployment would."""

from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class Balancer:
    """Forwards each request to the next backend in turn; counts what each one got."""

    def __init__(self) -> None:
        self.backends: list[int] = []  # ports
        self.handled: dict[int, int] = {}
        self._turn = itertools.count()
        self._lock = threading.Lock()
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                port = balancer._pick()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host"}}
                    connection.request("POST", self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    status = answer.status
                except OSError:
                    data, status = b"backend unavailable", 502
                finally:
                    connection.close()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{urlsplit(path).path}"

    def add(self, port: int) -> None:
        with self._lock:
            self.backends.append(port)
            self.handled.setdefault(port, 0)

    def _pick(self) -> int:
        with self._lock:
            port = self.backends[next(self._turn) % len(self.backends)]
            self.handled[port] += 1
            return port

    def __enter__(self) -> Balancer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
