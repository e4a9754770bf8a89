"""The Slack endpoint on its own: whatever a signed body holds, bolt never gets to fail on its
shape (500 and a traceback); it is answered, or refused with 400, and logs at most one line."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.app import App
from bot.config import Settings
from bot.slack.access import Access
from bot.slack.app import StaffDesk, build_bolt
from bot.slack.sync import CardSync
from bot.slack_http import SlackEndpoint
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]
SECRET = "signing-secret-for-the-endpoint"
KINDS = [
    "event_callback",
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
    "url_verification",
    "app_rate_limited",
]
KEYS = [
    "type",
    "event",
    "view",
    "actions",
    "user",
    "team",
    "channel",
    "container",
    "message",
    "enterprise",
    "authorizations",
    "command",
    "callback_id",
    "trigger_id",
    "response_url",
    "team_id",
    "enterprise_id",
    "user_id",
    "channel_id",
    "is_enterprise_install",
    "challenge",
    "ssl_check",
]
NAMES = [*KINDS, "message", "app_home_opened", "bot_message", "message_changed", "/madoguchi"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(NAMES),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from([*KEYS, "action_id", "subtype", "id", "bot_id", "state", "values"]),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=16,
)
payloads = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=7)


def bolt_app(slack: FakeSlackApi, logger: logging.Logger) -> AsyncApp:
    """A bolt app with listeners of every kind madoguchi registers, each only acknowledging."""
    app = AsyncApp(
        client=AsyncWebClient(token=slack.token, base_url=slack.api_url),
        signing_secret=SECRET,
        logger=logger,
    )

    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    app.action(re.compile(".*"))(acknowledge)
    app.view(re.compile(".*"))(acknowledge)
    app.event("message")(acknowledge)
    app.event("app_home_opened")(acknowledge)
    app.command("/madoguchi")(acknowledge)
    return app


def signed(body: bytes, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_no_signed_payload_shape_makes_bolt_fail_with_a_500(slack: FakeSlackApi) -> None:
    logger = logging.getLogger("slack_bolt.endpoint_test")
    errors = Errors()
    logger.addHandler(errors)
    endpoint = SlackEndpoint(bolt_app(slack, logger), SECRET)

    async def events(request: Request) -> Response:
        return await endpoint(request)

    app = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")

    @settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(payload=payloads, as_form=st.booleans())
    def check(payload: dict[str, Any], as_form: bool) -> None:
        text = json.dumps(payload)
        if as_form:
            body = urlencode({"payload": text}).encode()
            headers = signed(body, "application/x-www-form-urlencoded")
        else:
            body = text.encode()
            headers = signed(body, "application/json")
        answer = loop.run_until_complete(
            client.post("/slack/events", content=body, headers=headers)
        )
        assert answer.status_code != 500, (payload, as_form)
        assert not errors.records, (payload, [r.getMessage() for r in errors.records])

    try:
        check()
    finally:
        logger.removeHandler(errors)
        loop.run_until_complete(client.aclose())
        loop.close()


def test_slacks_certificate_check_is_answered_and_anything_else_unsigned_is_401(
    slack: FakeSlackApi,
) -> None:
    endpoint = SlackEndpoint(bolt_app(slack, logging.getLogger("slack_bolt.ssl_test")), SECRET)

    async def events(request: Request) -> Response:
        return await endpoint(request)

    app = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])

    async def post(body: bytes) -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            answer = await client.post("/slack/events", content=body, headers=headers)
            return answer.status_code

    assert asyncio.run(post(b"ssl_check=1&token=legacy")) == 200
    assert asyncio.run(post(b"ssl_check=0&token=legacy")) == 401
    assert asyncio.run(post(b"command=%2Fmadoguchi&ssl_check=1&text=" + b"x" * 2000)) == 401


def test_building_the_bolt_app_logs_no_warning_about_the_token_in_the_environment(
    slack: FakeSlackApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
    )
    app = App.build(settings)
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    config = app.deployment.slack
    sync = CardSync(app.db, client, config, app.orgs, app.clock)
    desk = StaffDesk(app, client, sync, Access(config, client))
    with caplog.at_level(logging.DEBUG):
        build_bolt(desk, signing_secret=SECRET)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")] == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "NOW"},
        {"X-Slack-Request-Timestamp": "STALE", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "v1=not-hex"},
    ],
    ids=["none", "no-timestamp", "no-signature", "stale", "malformed-signature"],
)
def test_a_request_whose_headers_show_it_is_not_slacks_is_refused_before_its_body_is_read(
    slack: FakeSlackApi, headers: dict[str, str]
) -> None:
    endpoint = SlackEndpoint(bolt_app(slack, logging.getLogger("slack_bolt.early_test")), SECRET)

    async def events(request: Request) -> Response:
        return await endpoint(request)

    app = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    now = int(time.time())
    stamps = {"NOW": str(now), "STALE": str(now - 6 * 60)}
    sent = {key: stamps.get(value, value) for key, value in headers.items()}
    piece = b"x" * 65536
    pulled = 0

    async def body() -> AsyncIterator[bytes]:  # chunked: no Content-Length to refuse it by
        nonlocal pulled
        for _ in range(64):  # 4 MB, over the 3 MB limit
            pulled += len(piece)
            yield piece

    async def post() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            answer = await client.post("/slack/events", content=body(), headers=sent)
            return answer.status_code

    assert asyncio.run(post()) == 401
    assert pulled <= len(piece)  # at most what a certificate check may take (1 KB) was read
