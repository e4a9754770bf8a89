"""Slack's HTTP endpoint (``/slack/events``): bounded read, signature on the raw bytes, then bolt.

bolt's own Starlette adapter reads the whole body and parses it before its middleware checks
the signature, and its parsing of a malformed body ends in a 500 with a traceback. Here nothing
is parsed until the ``v0`` signature and its timestamp have been checked on the bytes as they
arrived: an unsigned or stale request is refused from its headers (401) after reading at most 1 KB
(Slack's unsigned certificate check), and a forged one costs a bounded read and one HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import structlog
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.http_limits import MB, BodyRefused, read_body

log = structlog.get_logger(__name__)

# A view_submission carries the whole view back (up to 100 blocks of up to 3,000 characters,
# which Slack sends \u-escaped and form-encoded: about 8 bytes a Japanese character), and a
# block_actions payload the whole message (up to 50 blocks): a full view is about 2.4 MB.
SLACK_BODY_LIMIT = 3 * MB
MAX_AGE = 5 * 60  # seconds either side of now, as Slack documents (replays are refused)
# Slack's ssl_check: a tiny POST that only asks whether the certificate works.
_SSL_CHECK_LIMIT = 1024


_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def header_problem(timestamp: str | None, signature: str | None, now: float) -> str | None:
    """Why the headers alone show the request is not Slack's (``None`` if they may be): both
    present, the timestamp within five minutes, the signature shaped as ``v0=`` and 64 hex
    digits. Checked before a byte of the body is read."""
    if not timestamp or not signature:
        return "unsigned"
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > MAX_AGE:
        return "stale"
    if _SIGNATURE.fullmatch(signature) is None:
        return "malformed_signature"
    return None


def signature_problem(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> str | None:
    """Why the request is not Slack's (``None`` if it is): ``v0=`` HMAC-SHA256 of
    ``v0:{timestamp}:{body}`` with the signing secret, the timestamp within five minutes."""
    problem = header_problem(timestamp, signature, now)
    if problem is not None or timestamp is None or signature is None:
        return problem or "unsigned"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "forged"
    return None


class SlackEndpoint:
    """The Starlette endpoint that hands verified requests to the bolt app."""

    def __init__(
        self,
        bolt: AsyncApp,
        signing_secret: str,
        *,
        limit: int = SLACK_BODY_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bolt = bolt
        self.signing_secret = signing_secret
        self.limit = limit
        self.clock = clock

    async def __call__(self, request: Request) -> Response:
        headers = request.headers
        timestamp = headers.get("x-slack-request-timestamp")
        signature = headers.get("x-slack-signature")
        problem = header_problem(timestamp, signature, self.clock())
        if problem is not None:
            return await self._refuse_unsigned(request, problem)
        try:
            body = await read_body(request, self.limit)
        except BodyRefused as refused:
            return refused.response()
        problem = signature_problem(self.signing_secret, body, timestamp, signature, self.clock())
        if problem is not None:
            return _unauthorized(problem)
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"),
                query=request.url.query,
                headers=dict(headers),
            )
            problem = shape_problem(bolt_request.body)
        except Exception as error:  # bolt's parsing of a signed but malformed body, any error
            problem = type(error).__name__
        if problem is not None:
            log.warning("slack.request_malformed", problem=problem)
            return PlainTextResponse("bad request", status_code=400)
        return to_starlette_response(await self.bolt.async_dispatch(bolt_request))

    async def _refuse_unsigned(self, request: Request, problem: str) -> Response:
        """401 for a request whose headers already show it is not Slack's; only Slack's tiny
        unsigned certificate check is read (at most 1 KB) and answered 200."""
        declared = request.headers.get("content-length")
        if declared is not None and not (declared.isdigit() and int(declared) <= _SSL_CHECK_LIMIT):
            return _unauthorized(problem)
        try:
            body = await read_body(request, _SSL_CHECK_LIMIT)
        except BodyRefused:
            return _unauthorized(problem)
        if _is_ssl_check(body):
            return Response(status_code=200)
        return _unauthorized(problem)


_OBJECTS = ("event", "view", "message", "container", "channel", "user", "team", "enterprise")
_LISTS_OF_OBJECTS = ("actions", "authorizations")


def shape_problem(body: object) -> str | None:
    """What in a signed payload bolt would trip over (its middleware and matchers index these
    without checking, and then log a traceback and answer 500); ``None`` if it is sound."""
    if not isinstance(body, dict):
        return "not_an_object"
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            return key
    for key in ("event", "view"):  # read as body.get(key, {}).get(…): null fails too
        if key in body and not isinstance(body[key], dict):
            return key
    for key in _LISTS_OF_OBJECTS:
        items = body.get(key)
        if items is not None and not (
            isinstance(items, list) and items and all(isinstance(i, dict) for i in items)
        ):
            return key
    for key in ("type", "command", "callback_id"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return key
    kind = body.get("type")
    if kind == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        return "event.type"
    if kind in ("view_submission", "view_closed") and not isinstance(
        (body.get("view") or {}).get("callback_id"), str
    ):
        return "view.callback_id"
    if kind == "block_actions" and not all(
        isinstance(action.get("action_id"), str) for action in body.get("actions") or [{}]
    ):
        return "actions.action_id"
    return None


def _unauthorized(problem: str) -> Response:
    log.warning("slack.request_refused", reason=problem)
    return PlainTextResponse("unauthorized", status_code=401, headers={"Connection": "close"})


def _is_ssl_check(body: bytes) -> bool:
    """Slack's certificate check (``ssl_check=1``), answered 200 with nothing done."""
    return parse_qs(body.decode("latin-1")).get("ssl_check") == ["1"]
