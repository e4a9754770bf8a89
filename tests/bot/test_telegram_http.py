"""PTB's calls through madoguchi's aiohttp request class, against the fake Bot API.

``make_bot`` is what ``serve`` uses; these are the answers the outbox and the file download
rely on: refusals keep PTB's exception types, timeouts and dead servers are network errors,
and uploads and downloads carry their bytes and names.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import make_bot
from tests.fakes.telegram_api import FakeBotApi, UploadedFile

CHAT = 4242


def with_bot(
    fake: FakeBotApi, scenario: Callable[[Bot], Awaitable[None]], *, timeout: float = 5.0
) -> None:
    async def main() -> None:
        bot = make_bot(fake.token, fake.base_url, timeout=timeout)
        async with bot:
            await scenario(bot)

    asyncio.run(main())


def test_a_message_with_buttons_arrives_as_ptb_would_send_it(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("開示", callback_data="disclosure")]])

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(CHAT, "ご用件を選んでください。", reply_markup=buttons)
        assert sent.text == "ご用件を選んでください。"

    with_bot(fake, scenario)
    [message] = fake.sent_messages(CHAT)
    assert message["text"] == "ご用件を選んでください。"
    assert message["reply_markup"] == {
        "inline_keyboard": [[{"text": "開示", "callback_data": "disclosure"}]]
    }


def test_an_upload_arrives_with_its_name_and_bytes(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: Bot) -> None:
        await bot.send_document(CHAT, b"%PDF-1.7", filename='開示請求書 "控".pdf', caption="控え")

    with_bot(fake, scenario)
    [call] = fake.calls_to("sendDocument")
    upload = UploadedFile('開示請求書 "控".pdf', "application/pdf", b"%PDF-1.7")
    assert call.params["document"] == upload
    assert call.params["caption"] == "控え"


def test_a_members_file_downloads_with_its_bytes(fake: FakeBotApi) -> None:
    data = "本人確認書類".encode() * 100
    fake.send_document(CHAT, data, file_name="確認書類.pdf", mime_type="application/pdf")

    async def scenario(bot: Bot) -> None:
        [update] = await bot.get_updates()
        assert update.message is not None and update.message.document is not None
        remote = await bot.get_file(update.message.document.file_id)
        assert bytes(await remote.download_as_bytearray()) == data

    with_bot(fake, scenario)


def test_refusals_keep_ptbs_exceptions(fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.send_command(CHAT, "start")
    fake.fail_next("sendMessage", status=429, retry_after=7)
    fake.fail_next("sendMessage", status=502)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(CHAT, "混雑中")
        assert refused.value.retry_after == timedelta(seconds=7)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "x")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(CHAT + 1, "x")

    with_bot(fake, scenario)


def test_an_answer_slower_than_the_timeout_is_a_timeout(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: Bot) -> None:
        fake.fail_next("sendMessage", status=200, delay=0.5)
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "届いた？")

    with_bot(fake, scenario, timeout=0.1)


def test_a_server_that_is_gone_is_a_network_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket is closed

    async def scenario() -> None:
        bot = make_bot("123:abc", f"http://127.0.0.1:{port}", timeout=2)
        try:
            with pytest.raises(NetworkError) as caught:
                await bot.initialize()  # asks getMe
            assert not isinstance(caught.value, TimedOut)
        finally:
            await bot.shutdown()

    asyncio.run(scenario())
