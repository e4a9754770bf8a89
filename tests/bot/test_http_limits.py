"""A body that never finishes arriving (it trickles, or stops half-way) is not waited for: once
the read deadline passes the client gets 408 and the connection is closed, over real sockets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.http_limits import BodyRefused, read_body

DEADLINE = 0.2


async def echo_length(request: Request) -> Response:
    try:
        body = await read_body(request, 1024, deadline=DEADLINE)
    except BodyRefused as refused:
        return refused.response()
    return PlainTextResponse(str(len(body)))


@contextmanager
def serving() -> Iterator[int]:
    """A real uvicorn on a socket bound (and listening) before it starts: connecting needs no
    wait for it to be ready."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    app = Starlette(routes=[Route("/", echo_length, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def _answer(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def test_a_body_that_stops_half_way_is_answered_408_once_the_deadline_passes() -> None:
    with serving() as port, socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"x" * 50)
        answer = _answer(sock)  # ends when the server closes: it does not wait for the rest
    assert answer.startswith(b"HTTP/1.1 408"), answer


def test_a_body_sent_at_once_is_read_whole() -> None:
    with serving() as port, socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
            + b"x" * 100
        )
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n100"), answer
