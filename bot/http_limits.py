"""Reading an inbound request's body with a size limit, before anything parses it.

Every endpoint that anyone on the internet can reach (Telegram's webhook, Slack's events,
later LINE and the web chat) reads its body through :func:`read_body`: a body larger than the
endpoint's limit is refused from its ``Content-Length`` without reading a byte of it, and a
body without one (chunked) is refused as soon as what has arrived passes the limit; a body that
has not wholly arrived within a deadline (one that trickles, or stops) is refused with 408. So
an unauthenticated request costs at most ``limit`` bytes of memory, a bounded time and no
parsing.
"""

from __future__ import annotations

import asyncio

import structlog
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = structlog.get_logger(__name__)

MB = 1 << 20
READ_DEADLINE = 10.0  # seconds for a whole body: Slack and Telegram send theirs at once
_TEXT = {413: "request body too large", 408: "request timeout"}


class BodyRefused(Exception):
    """The body was not read (or not wholly): answer with :meth:`response`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> Response:
        # Connection: close, so the server stops reading what the client still sends.
        return PlainTextResponse(
            _TEXT.get(self.status, "bad request"),
            status_code=self.status,
            headers={"Connection": "close"},
        )


async def read_body(request: Request, limit: int, *, deadline: float = READ_DEADLINE) -> bytes:
    """The whole body, at most ``limit`` bytes, arrived within ``deadline`` seconds;
    :class:`BodyRefused` (413, 408 or 400) otherwise."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise _refused(request, 400, "bad_content_length", limit)
        if int(declared) > limit:
            raise _refused(request, 413, "declared_too_large", limit)
    body = bytearray()
    try:
        async with asyncio.timeout(deadline):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise _refused(request, 413, "too_large", limit)
    except TimeoutError:
        raise _refused(request, 408, "too_slow", limit) from None
    return bytes(body)


def _refused(request: Request, status: int, reason: str, limit: int) -> BodyRefused:
    log.warning("http.body_refused", path=request.url.path, reason=reason, limit=limit)
    return BodyRefused(status, reason)
