"""What a Telegram send puts on the wire: one JSON body, the buttons as the Bot API reads them.

A recording server stands in for the Bot API here (the fake decodes every encoding alike, so
it cannot tell them apart); it answers as Telegram does, including a refusal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from bot.channels.telegram import TelegramChannel, make_bot
from bot.dispatch import TemporaryFailure, Unreachable
from storage.models import OutboxMessage

TOKEN = "123456:TEST-TOKEN"


@dataclass
class Recorded:
    content_type: str
    body: bytes


@dataclass
class BotApi:
    """Answers ``sendMessage`` with a sent message, or with ``refusal`` (status, body)."""

    requests: list[Recorded] = field(default_factory=list)
    refusal: tuple[int, dict[str, Any]] | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded(request.content_type, await request.read()))
        if self.refusal is not None:
            status, answer = self.refusal
            return web.json_response(answer, status=status)
        return web.json_response(
            {
                "ok": True,
                "result": {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}},
            }
        )


async def get_me(request: web.Request) -> web.Response:
    me = {"id": 123456, "is_bot": True, "first_name": "窓口", "username": "madoguchi_bot"}
    return web.json_response({"ok": True, "result": me})


@asynccontextmanager
async def channel_to(api: BotApi) -> AsyncIterator[TelegramChannel]:
    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/sendMessage", api.handle)
    app.router.add_post(f"/bot{TOKEN}/getMe", get_me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bot = make_bot(TOKEN, f"http://127.0.0.1:{port}")
    await bot.initialize()
    try:
        yield TelegramChannel(SimpleNamespace(orgs={}), bot, None)  # type: ignore[arg-type]
    finally:
        await bot.shutdown()
        await runner.cleanup()


def row(text: str, choices: list[list[str]]) -> OutboxMessage:
    return OutboxMessage(
        id=1, channel="telegram", chat_id="42", text=text, choices=choices, conversation_id=1
    )


def test_a_message_with_buttons_goes_as_one_json_body() -> None:
    api = BotApi()
    text = "受付番号 A&B=1+2 100%\n次へ"  # what a form would have to escape

    async def send() -> None:
        async with channel_to(api) as channel:
            await channel.send([row(text, [["yes", "はい"], ["no", "いいえ"]])])

    asyncio.run(send())
    (sent,) = api.requests
    assert sent.content_type == "application/json"
    assert json.loads(sent.body) == {
        "chat_id": 42,
        "text": text,
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "1. はい", "callback_data": "yes"}],
                [{"text": "2. いいえ", "callback_data": "no"}],
            ]
        },
    }
    assert "受付番号".encode() in sent.body  # UTF-8, not \u escapes: half the bytes


def test_a_message_without_buttons_has_no_reply_markup() -> None:
    api = BotApi()

    async def send() -> None:
        async with channel_to(api) as channel:
            await channel.send([row("ok", [])])

    asyncio.run(send())
    assert json.loads(api.requests[0].body) == {"chat_id": 42, "text": "ok"}


@pytest.mark.parametrize(
    ("status", "answer", "failure"),
    [
        (429, {"ok": False, "parameters": {"retry_after": 3}}, TemporaryFailure),
        (403, {"ok": False, "description": "Forbidden: bot was blocked"}, Unreachable),
        (400, {"ok": False, "description": "Bad Request: chat not found"}, Unreachable),
        (502, {"ok": False, "description": "Bad Gateway"}, TemporaryFailure),
    ],
)
def test_refusals_are_the_engines_failures(
    status: int, answer: dict[str, Any], failure: type[Exception]
) -> None:
    api = BotApi(refusal=(status, answer))

    async def send() -> None:
        async with channel_to(api) as channel:
            await channel.send([row("ok", [])])

    with pytest.raises(failure) as raised:
        asyncio.run(send())
    if status == 429:
        assert raised.value.retry_after == 3  # type: ignore[attr-defined]
