"""``serve``'s HTTP app calls its fixed-path routes straight, past Starlette's middleware and
router, and answers every request as Starlette alone would: the route Starlette's router would
choose, 405 for another method, 404 elsewhere, path parameters through Starlette, and a 500
for an endpoint that raises."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.server import DirectRoutes


async def _hook(request: Request) -> Response:
    return PlainTextResponse(f"hook {len(await request.body())}")


async def _named(request: Request) -> Response:
    return PlainTextResponse(f"named {request.path_params['name']}")


async def _broken(_request: Request) -> Response:
    raise RuntimeError("a bug")


def _app() -> Starlette:
    return Starlette(
        routes=[
            Route("/hook", _hook, methods=["POST"]),
            Route("/shadowed/{name}", _named),  # Starlette's router takes this one first
            Route("/shadowed/fixed", _hook),
            Route("/broken", _broken, methods=["POST"]),
        ]
    )


def _call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_fixed_paths_are_called_straight_and_answered_as_starlette_would() -> None:
    app = _app()
    direct = DirectRoutes(app)
    assert set(direct.direct) == {("/hook", "POST"), ("/broken", "POST")}
    for method, path in [
        ("POST", "/hook"),
        ("GET", "/hook"),  # 405
        ("GET", "/shadowed/fixed"),  # the parameter route, first in Starlette's order
        ("GET", "/nowhere"),
    ]:
        assert _call(direct, method, path, b"abc") == _call(app, method, path, b"abc")
    assert _call(direct, "POST", "/hook", b"abc") == (200, b"hook 3")
    assert _call(direct, "GET", "/shadowed/fixed") == (200, b"named fixed")


def test_an_endpoint_that_raises_is_a_500_either_way() -> None:
    with pytest.raises(RuntimeError):  # raised on to the server, which answers 500 and logs it
        _call(DirectRoutes(_app()), "POST", "/broken")
    with pytest.raises(RuntimeError):  # Starlette's ServerErrorMiddleware: 500, then raised
        _call(_app(), "POST", "/broken")
