"""HTTP plumbing the fake APIs share: a quiet threaded server, a handler that reads any body
(sized or chunked), the start/stop/wait life of a fake served on 127.0.0.1, and a byte-exact
multipart/form-data parser."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 loses connections when a client opens dozens at once
    # (a bot's connection pool in the benchmarks): the client then sees a reset (ReadError).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are part of the tests; stay quiet about them."""


class RequestHandler(BaseHTTPRequestHandler):
    """GET and POST both go to ``serve``; the fakes record calls instead of logging them."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms per call.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def serve(self) -> None:
        raise NotImplementedError

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr log; tests read the fake's recorded calls instead."""

    def answer(
        self,
        status: int,
        content_type: str,
        payload: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send the fake's answer: status, type, length, the route's own headers, the body."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class ServedFake:
    """A fake API served on 127.0.0.1 (a port the OS picks) in daemon threads, so tests may run
    in parallel and a hung client never keeps the test process alive.

    A fake names its ``server_class`` (a :class:`QuietServer` with a ``fake`` attribute its
    handler reads) and ``handler_class``, keeps all its state under ``_cond``, and says what
    it has seen in ``summary()`` (for failure messages). ``_more_threads``, ``_stopping_now``
    and ``_stopped`` let a fake add its own threads and wake its own waiters.
    """

    server_class: ClassVar[type[QuietServer]]
    handler_class: ClassVar[type[RequestHandler]]
    base_url: str
    _cond: threading.Condition
    _server: QuietServer | None = None
    _threads: tuple[threading.Thread, ...] = ()

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = self.server_class(("127.0.0.1", 0), self.handler_class)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._starting()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        serve = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._threads = (serve, *self._more_threads())
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping_now()
        server.shutdown()
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None
        self._stopped()

    def _starting(self) -> None:
        """Called before the threads start (e.g. to clear a stop flag)."""

    def _more_threads(self) -> list[threading.Thread]:
        """Threads of the fake's own (not yet started), stopped with the server."""
        return []

    def _stopping_now(self) -> None:
        """Called before the server shuts down (e.g. to release waiters)."""

    def _stopped(self) -> None:
        """Called once the server is down (e.g. to close other servers)."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def summary(self, last: int = 25) -> str:
        raise NotImplementedError

    def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 10.0) -> None:
        """Block until ``predicate(self)`` holds; re-checked whenever the fake's state changes,
        no polling. Never from the event loop that runs the bot (it blocks the thread): use
        the fake's ``wait_for_async`` there."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout:g}s\n{self.summary()}")
                self._cond.wait(remaining)


@dataclass(frozen=True)
class FilePart:
    """A file part of a multipart request, kept so tests can check what was uploaded."""

    filename: str
    content_type: str
    data: bytes


def parse_multipart(
    body: bytes, content_type: str, unescape: Callable[[str], str] = lambda value: value
) -> tuple[dict[str, str], dict[str, FilePart]]:
    """Split a multipart/form-data body into text fields and file parts; the stdlib has no
    parser any more (``cgi`` is gone) and ``email`` would mangle raw UTF-8 filenames.

    Raises ``ValueError`` without a boundary. ``unescape`` decodes the client's escaping of
    names (httpx writes ``"`` as %22)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if found is None:
        raise ValueError("multipart boundary is missing")
    # The CRLF before each delimiter belongs to it, so part contents come out byte-exact.
    # (slack_sdk starts its bodies with that CRLF; standard clients do not.)
    delimiter = b"\r\n--" + found.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
    for chunk in (b"\r\n" + body.removeprefix(b"\r\n")).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = {
            key.lower(): unescape(value)
            for key, value in re.findall(r';\s*([\w*-]+)="((?:[^"\\]|\\.)*)"', disposition)
        }
        name = params.get("name", "")
        if "filename" in params:
            files[name] = FilePart(
                filename=params["filename"],
                content_type=headers.get("content-type", "application/octet-stream"),
                data=content,
            )
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files
