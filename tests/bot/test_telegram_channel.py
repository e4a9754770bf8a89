"""The Telegram channel in-process: what is confirmed to Telegram, and when."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.serving import outbox_worker
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram_limits import CHANNEL
from bot.config import Settings
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage.turns import TurnOutcome
from tests.fakes.telegram_api import FakeBotApi
from tests.turn_wrappers import WrappedTurns

ROOT = Path(__file__).resolve().parents[2]


class FailingOnce(WrappedTurns):
    """Wraps the turn store; the first turn fails as a full disk or a locked database would."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.failed = False

    def process(self, inbound: Inbound) -> TurnOutcome:
        if not self.failed:
            self.failed = True
            raise OSError("disk full")
        outcome: TurnOutcome = self.real.process(inbound)
        return outcome


class WaitingForTyping(WrappedTurns):
    """Wraps the turn store; a turn finishes only once the member was shown "typing…"."""

    def __init__(self, real: Any, fake: FakeBotApi) -> None:
        super().__init__(real)
        self.fake = fake

    def process(self, inbound: Inbound) -> TurnOutcome:
        self.fake.wait_for(lambda api: api.calls_to("sendChatAction") != [], timeout=20)
        outcome: TurnOutcome = self.real.process(inbound)
        return outcome


def build(tmp_path: Path) -> App:
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
    )
    return App.build(settings, one_message_per_turn=frozenset({CHANNEL}))


@asynccontextmanager
async def polling(app: App, fake: FakeBotApi) -> AsyncIterator[TelegramChannel]:
    """The channel and its outbox worker, polling the fake until the block ends."""
    bot = make_bot(fake.token, fake.base_url)
    await bot.initialize()
    wakeups = Wakeups()
    channel = TelegramChannel(app, bot, ChatTurnRunner(app, wakeups))
    worker = outbox_worker(app, channel, wakeups)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(channel.poll(stop)), asyncio.create_task(worker.run(stop))]
    try:
        yield channel
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bot.shutdown()


def test_an_update_whose_turn_failed_is_not_confirmed_and_is_processed_again(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    app.turns = FailingOnce(app.turns)  # type: ignore[assignment]

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            update_id = fake.send_command(1, "start", "coopdeli")
            await fake.wait_for_messages_async(1, 1, timeout=20)
        # The failed attempt did not confirm it: the same update was fetched a second time.
        fetched = [
            [u["update_id"] for u in call.result]
            for call in fake.calls_to("getUpdates")
            if isinstance(call.result, list)
        ]
        assert sum(update_id in ids for ids in fetched) == 2

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        [message] = fake.sent_messages(1)
    assert "ご用件を選んでください" in message["text"]
    assert app.turns.failed  # type: ignore[attr-defined]


def test_a_slow_answer_shows_typing_while_the_member_waits(tmp_path: Path) -> None:
    app = build(tmp_path)

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake) as channel:
            channel.typing_after = 0.05  # this turn is slower than that: it waits for typing
            fake.send_command(1, "start", "coopdeli")
            await fake.wait_for_messages_async(1, 1, timeout=20)

    with FakeBotApi() as fake:
        app.turns = WaitingForTyping(app.turns, fake)  # type: ignore[assignment]
        asyncio.run(scenario(fake))
        methods = [c.method for c in fake.calls if c.method in ("sendChatAction", "sendMessage")]
        [typing] = fake.calls_to("sendChatAction")
    assert methods == ["sendChatAction", "sendMessage"]
    assert typing.params["action"] == "typing"


def test_a_quick_answer_comes_without_a_typing_hint(tmp_path: Path) -> None:
    app = build(tmp_path)

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            fake.send_command(1, "start", "coopdeli")
            await fake.wait_for_messages_async(1, 1, timeout=20)
            fake.send_text(1, "開示")
            await fake.wait_for_messages_async(1, 2, timeout=20)

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        assert fake.calls_to("sendChatAction") == []
        assert len(fake.sent_messages(1)) == 2
