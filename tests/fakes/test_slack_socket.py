"""The fake's Socket Mode against the real slack_sdk ``SocketModeClient`` and Bolt's
``AsyncSocketModeHandler``: if they connect, take envelopes and ack them as they would on Slack,
end-to-end tests of ``madoguchi serve`` in Socket Mode mean something."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi, plain_text

TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
CHANNEL = "C0STAFF"
USER = "USTAFF"

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "reply",
    "title": {"type": "plain_text", "text": "返信"},
    "submit": {"type": "plain_text", "text": "確認"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reply",
            "label": {"type": "plain_text", "text": "文面"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}
PREVIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "reply_confirm",
    "title": {"type": "plain_text", "text": "確認"},
    "submit": {"type": "plain_text", "text": "送信"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "送ります"}}],
}

Listener = Callable[[AsyncBaseSocketModeClient, SocketModeRequest], Awaitable[None]]


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(TOKEN, app_token=APP_TOKEN) as api:
        yield api


def sdk_client(fake: FakeSlackApi, ping_interval: float = 5) -> SocketModeClient:
    """The SDK's client as Bolt builds it (call inside a running loop)."""
    return SocketModeClient(
        app_token=APP_TOKEN,
        web_client=AsyncWebClient(token=APP_TOKEN, base_url=fake.api_url),
        ping_interval=ping_interval,
    )


@contextlib.asynccontextmanager
async def connected(client: SocketModeClient) -> AsyncIterator[SocketModeClient]:
    """Connected for the block, closed after it (the SDK's methods are untyped)."""
    try:
        await client.connect()  # type: ignore[no-untyped-call]
        yield client
    finally:
        await client.close()  # type: ignore[no-untyped-call]


def acking(received: list[SocketModeRequest], answer: dict[str, Any] | None = None) -> Listener:
    """A request listener that records each request and acks it (with ``answer`` if given)."""

    async def listener(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, answer))

    return listener


def test_apps_connections_open_takes_only_the_app_token(fake: FakeSlackApi) -> None:
    client = WebClient(base_url=fake.api_url)
    for token, error in ((TOKEN, "not_allowed_token_type"), ("xapp-wrong", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    opened = client.apps_connections_open(app_token=APP_TOKEN)
    assert str(opened["url"]).startswith("ws://127.0.0.1:")
    assert [call.ok for call in fake.calls_to("apps.connections.open")] == [False, False, True]


def test_the_sdk_client_connects_gets_hello_and_acks_an_envelope(fake: FakeSlackApi) -> None:
    sender = fake.socket_sender()
    event = sender.build_event({"type": "message", "channel": CHANNEL, "user": USER, "text": "hi"})

    async def scenario() -> None:
        client = sdk_client(fake)
        hello = asyncio.Event()
        messages: list[dict[str, Any]] = []

        async def on_message(
            _c: AsyncBaseSocketModeClient, message: dict[str, Any], _r: Any
        ) -> None:
            messages.append(message)
            if message.get("type") == "hello":
                hello.set()

        received: list[SocketModeRequest] = []
        client.message_listeners.append(on_message)
        client.socket_mode_request_listeners.append(acking(received))
        async with connected(client):
            await asyncio.wait_for(hello.wait(), 5)
            assert messages[0]["num_connections"] == 1
            assert messages[0]["connection_info"] == {"app_id": fake.app_id}
            assert "debug_info" in messages[0]

            # The SDK pings on connect; the fake pongs, so the pong precedes the envelope.
            await fake.wait_for_async(lambda api: any(c.pings for c in api.socket_connections()))
            envelope_id = await fake.socket_send_async("events_api", event.payload)
            ack = await fake.wait_for_socket_ack_async(envelope_id)
            assert ack == {"envelope_id": envelope_id}
            assert client.last_ping_pong_time is not None  # the SDK read the pong
            [request] = received
            assert request.type == "events_api"
            assert request.envelope_id == envelope_id
            assert request.payload == event.payload
            assert request.accepts_response_payload is False
            assert request.retry_attempt == 0 and request.retry_reason == ""
        await fake.wait_for_async(lambda api: not api.socket_connections(open_only=True))

    asyncio.run(scenario())
    [envelope] = fake.socket_envelopes()
    assert envelope.type == "events_api" and envelope.payload == event.payload


def test_a_view_submission_ack_moves_the_modal_stack(fake: FakeSlackApi) -> None:
    opened = WebClient(TOKEN, base_url=fake.api_url).views_open(
        trigger_id=fake.new_trigger_id(USER), view=MODAL
    )
    view_id = opened["view"]["id"]
    sender = fake.socket_sender()

    async def scenario() -> None:
        client = sdk_client(fake)
        answers = [{"response_action": "update", "view": PREVIEW}, None]
        received: list[SocketModeRequest] = []

        async def listener(c: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
            received.append(request)
            await c.send_socket_mode_response(SocketModeResponse(request.envelope_id, answers[0]))
            answers.pop(0)

        client.socket_mode_request_listeners.append(listener)
        async with connected(client):
            reply = await asyncio.to_thread(
                sender.view_submission, USER, view_id, {"reply": {"value": plain_text("はい")}}
            )
            assert reply.status == 200
            assert reply.json()["response_action"] == "update"
            assert received[0].accepts_response_payload is True
            assert (
                received[0].payload["view"]["state"]["values"]["reply"]["value"]["value"] == "はい"
            )
            [top] = fake.open_modals(USER)
            assert (top["id"], top["callback_id"]) == (view_id, "reply_confirm")

            closing = await asyncio.to_thread(sender.view_submission, USER, view_id)
            assert closing.status == 200 and closing.body == b""
            assert fake.open_modals(USER) == []

    asyncio.run(scenario())


def test_a_raw_envelope_ack_with_errors_keeps_the_modal(fake: FakeSlackApi) -> None:
    opened = WebClient(TOKEN, base_url=fake.api_url).views_open(
        trigger_id=fake.new_trigger_id(USER), view=MODAL
    )
    payload = fake.socket_sender().build_view_submission(USER, opened["view"]["id"]).payload
    errors = {"response_action": "errors", "errors": {"reply": "入力してください"}}

    async def scenario() -> None:
        client = sdk_client(fake)
        client.socket_mode_request_listeners.append(acking([], errors))
        async with connected(client):
            envelope_id = await fake.socket_send_async("interactive", payload)
            ack = await fake.wait_for_socket_ack_async(envelope_id)
            assert ack == {"envelope_id": envelope_id, "payload": errors}

    asyncio.run(scenario())
    assert [v["callback_id"] for v in fake.open_modals(USER)] == ["reply"]
    [ack] = fake.socket_acks()
    assert ack.payload == errors
    assert json.loads(fake.socket_messages()[0]) == ack.message


def test_the_sdk_reconnects_after_a_disconnect_message(fake: FakeSlackApi) -> None:
    sender = fake.socket_sender()

    async def scenario() -> None:
        client = sdk_client(fake)
        received: list[SocketModeRequest] = []
        client.socket_mode_request_listeners.append(acking(received))
        async with connected(client):
            await fake.wait_for_socket_async()
            fake.socket_disconnect("refresh_requested")
            # The SDK closes the old connection, then opens one on a fresh URL.
            await fake.wait_for_async(
                lambda api: [c.open for c in api.socket_connections()] == [False, True]
            )
            reply = await asyncio.to_thread(sender.message, USER, CHANNEL, "still there?")
            assert reply.status == 200
        connections = fake.socket_connections()
        assert len(connections) == 2 and not connections[0].open
        assert fake.socket_acks()[0].connection_id == connections[1].connection_id
        assert len(fake.calls_to("apps.connections.open")) == 2
        assert received[0].payload["event"]["text"] == "still there?"

    asyncio.run(scenario())


def test_a_url_without_a_ticket_is_refused(fake: FakeSlackApi) -> None:
    url = str(WebClient(base_url=fake.api_url).apps_connections_open(app_token=APP_TOKEN)["url"])
    forged = url.split("?", 1)[0] + "?ticket=forged"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(forged)
            assert refused.value.status == 401

    asyncio.run(scenario())
    assert fake.socket_connections() == []


def test_sending_without_a_connection_fails_the_test(fake: FakeSlackApi) -> None:
    with pytest.raises(AssertionError):
        fake.socket_send("events_api", {"type": "event_callback"}, timeout=0.1)
    with pytest.raises(ValueError):
        fake.socket_send("webhook", {})


def test_bolt_socket_mode_handler_runs_listeners_and_acks(fake: FakeSlackApi) -> None:
    card = WebClient(TOKEN, base_url=fake.api_url).chat_postMessage(
        channel=CHANNEL,
        text="case",
        blocks=[
            {
                "type": "actions",
                "block_id": "acts",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "claim",
                        "value": "KY-1",
                        "text": {"type": "plain_text", "text": "担当する"},
                    }
                ],
            }
        ],
    )
    sender = fake.socket_sender()

    async def scenario() -> None:
        app = AsyncApp(
            client=AsyncWebClient(TOKEN, base_url=fake.api_url),
            signing_secret="unused-in-socket-mode",
        )
        clicked = asyncio.Event()
        values: list[str] = []

        @app.action("claim")
        async def claim(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            values.append(body["actions"][0]["value"])
            clicked.set()

        @app.command("/madoguchi")
        async def command(ack: AsyncAck, command: dict[str, Any]) -> None:
            await ack(f"you said {command['text']}")

        handler = AsyncSocketModeHandler(app, APP_TOKEN)
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            click = await asyncio.to_thread(
                sender.block_action, USER, "claim", channel=CHANNEL, message_ts=card["ts"]
            )
            assert click.status == 200 and click.body == b""
            await asyncio.wait_for(clicked.wait(), 5)
            assert values == ["KY-1"]
            answer = await asyncio.to_thread(sender.slash_command, USER, "/madoguchi", "list")
            assert answer.json() == {"text": "you said list"}
            assert fake.socket_envelopes()[-1].type == "slash_commands"
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    asyncio.run(scenario())
    assert fake.calls_to("apps.connections.open")[0].ok


def test_an_unacked_envelope_is_a_zero_status_reply(fake: FakeSlackApi) -> None:
    sender = fake.socket_sender(timeout=0.3)

    async def scenario() -> None:
        client = sdk_client(fake)  # no request listener: nothing acks
        async with connected(client):
            reply = await asyncio.to_thread(sender.message, USER, CHANNEL, "anyone?")
            assert reply.status == 0

    asyncio.run(scenario())
    assert fake.socket_acks() == []
    assert fake.socket_envelopes()[0].payload["event"]["text"] == "anyone?"
