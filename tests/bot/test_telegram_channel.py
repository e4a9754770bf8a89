"""The Telegram channel in-process: what is confirmed to Telegram, and when."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.telegram import CHANNEL, TelegramChannel, TelegramSender, make_bot
from bot.config import Settings
from bot.delivery import OutboxWorker
from flows.messages import Inbound
from storage.turns import TurnOutcome
from tests.fakes.telegram_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]


class FailingOnce:
    """Wraps the turn store; the first turn fails as a full disk or a locked database would."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.failed = False

    def process(self, inbound: Inbound) -> TurnOutcome:
        if not self.failed:
            self.failed = True
            raise OSError("disk full")
        outcome: TurnOutcome = self.real.process(inbound)
        return outcome


def test_an_update_whose_turn_failed_is_not_confirmed_and_is_processed_again(
    tmp_path: Path,
) -> None:
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
    )
    app = App.build(settings, one_message_per_turn=frozenset({CHANNEL}))
    app.turns = FailingOnce(app.turns)  # type: ignore[assignment]

    async def scenario(fake: FakeBotApi) -> None:
        bot = make_bot(fake.token, fake.base_url)
        await bot.initialize()
        worker = OutboxWorker(app.db, CHANNEL, TelegramSender(bot), app.clock)
        channel = TelegramChannel(app, bot, worker)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(channel.poll(stop)), asyncio.create_task(worker.run(stop))]
        update_id = fake.send_command(1, "start", "coopdeli")
        await fake.wait_for_messages_async(1, 1, timeout=20)
        # The failed attempt did not confirm it: the same update was fetched a second time.
        fetched = [
            [u["update_id"] for u in call.result]
            for call in fake.calls_to("getUpdates")
            if isinstance(call.result, list)
        ]
        assert sum(update_id in ids for ids in fetched) == 2
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bot.shutdown()

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        [message] = fake.sent_messages(1)
    assert "ご用件を選んでください" in message["text"]
    assert app.turns.failed  # type: ignore[attr-defined]
