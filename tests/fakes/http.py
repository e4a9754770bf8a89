"""HTTP plumbing the fake APIs share: a quiet threaded server, a handler that reads any body
(sized or chunked), and a byte-exact multipart/form-data parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
