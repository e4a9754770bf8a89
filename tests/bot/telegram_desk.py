"""The serving desk in this test process, for Telegram transcripts where time passes.

``madoguchi serve`` runs in another process on the real clock; situations like "a case is
overdue" or "closed last month" need a clock the test moves. So this builds the same parts
``bot.server`` wires (the real python-telegram-bot client polling the fake Bot API over HTTP,
the outbox worker, the card sync talking to the fake Slack Web API through slack_sdk) around
an ``App`` on a real SQLite file and a hand-moved clock, and runs them in an event loop of
their own. Staff act through the same ``CaseService`` every staff surface uses.

Pacing (a second between messages to one chat, a second between posts to one channel) is
kept in order on virtual seconds that pass only when the limiter waits, so nothing waits
for real: a turn is awaited on the fake's own events, never on a sleep.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlmodel import col, func, select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_limits import CHANNEL
from bot.config import Settings
from bot.delivery import RateLimiter
from bot.server import MemberParts, start_member_channels
from bot.slack.sync import CardSync
from bot.wakeups import Wakeups
from storage.cases import CaseService
from storage.models import Conversation, OutboxMessage, TranscriptLine
from tests import transcripts
from tests.bot.desk_base import (
    ChatRecords,
    VirtualSeconds,
    loop_in_a_thread,
    paced_card_sync,
)
from tests.bot.served import buttons, last_message
from tests.bot.test_slack_end_to_end import DEPLOYMENT
from tests.conftest import Clock
from tests.fakes.slack_api import FakeSlackApi, Message
from tests.fakes.telegram_api import FakeBotApi

T = TypeVar("T")
TURN_TIMEOUT = 20.0


@dataclass
class TelegramDesk(ChatRecords):
    """A running desk: the member's side is the fake Bot API, staff's the case service."""

    channel_name: ClassVar[str] = CHANNEL
    app: App
    clock: Clock
    telegram: FakeBotApi
    slack: FakeSlackApi
    loop: asyncio.AbstractEventLoop
    sync: CardSync
    wake_outbox: Callable[[], None]

    @property
    def cases(self) -> CaseService:
        return self.app.cases

    def staff(self, action: Callable[[CaseService], T], chat_id: int) -> T:
        """A staff action through the case service; returns once what it tells the member
        has reached their chat."""
        done = action(self.app.cases)
        self.loop.call_soon_threadsafe(self.wake_outbox)
        self.delivered(chat_id)
        return done

    def delivered(self, chat_id: int) -> None:
        """Wait until every message queued for the chat so far is on the member's phone."""
        queued = self._scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.channel == CHANNEL, OutboxMessage.chat_id == str(chat_id))
        )
        self.telegram.wait_for(
            lambda api: len(api.sent_messages(chat_id)) >= queued, timeout=TURN_TIMEOUT
        )

    def sync_slack(self) -> None:
        """One pass of the card sync: cards, threads and supervisors' posts brought up to date."""
        asyncio.run_coroutine_threadsafe(self.sync.sync_once(), self.loop).result(TURN_TIMEOUT)

    def member_lines(self, chat_id: int) -> list[str]:
        """What the member wrote in the chat, as kept in its transcript."""
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(TranscriptLine.text)
                    .join(Conversation, col(Conversation.id) == col(TranscriptLine.conversation_id))
                    .where(
                        Conversation.channel == CHANNEL,
                        Conversation.chat_id == str(chat_id),
                        TranscriptLine.direction == "member",
                    )
                    .order_by(col(TranscriptLine.id))
                ).all()
            )

    def card(self, channel: str, number: str) -> Message:
        """The case's card in its queue's channel (after :meth:`sync_slack`)."""
        return next(
            m
            for m in self.slack.messages(channel)
            if m.thread_ts in (None, m.ts) and number in m.text
        )

    def thread_text(self, channel: str, number: str) -> str:
        card = self.card(channel, number)
        return "\n".join(m.text for m in self.slack.thread(channel, card.ts))

    def _scalar(self, query: Any) -> int:
        with self.app.db.transaction() as session:
            return int(session.exec(query).one())


_chats = itertools.count(7_000)
TEXT_UNITS = 4_096  # UTF-16 code units of one message's text
BUTTON_DATA_BYTES = 64  # callback_data, UTF-8


def within_telegram_limits(message: dict[str, Any]) -> None:
    """What the fake recorded fits what Telegram takes (the fake refuses more, so a failure
    here names the message rather than a retried send)."""
    text = str(message["text"])
    assert 0 < len(text.encode("utf-16-le")) // 2 <= TEXT_UNITS, text[:80]
    for label, data in buttons(message):
        assert 1 <= len(data.encode()) <= BUTTON_DATA_BYTES, (label, data)


class Phone:
    """One member's Telegram chat: each message waits until the desk's whole answer is shown."""

    def __init__(self, desk: TelegramDesk, chat_id: int | None = None) -> None:
        self.desk = desk
        self.chat_id = next(_chats) if chat_id is None else chat_id
        self.answers: list[str] = []

    @property
    def fake(self) -> FakeBotApi:
        return self.desk.telegram

    def _answer_to(self, send: Callable[[], int]) -> str:
        before = len(self.fake.sent_messages(self.chat_id))
        update_id = send()
        # Confirmed to Telegram only once its turn is committed, outbox rows included.
        self.fake.wait_for(
            lambda api: update_id not in api.pending_update_ids(), timeout=TURN_TIMEOUT
        )
        self.desk.delivered(self.chat_id)
        shown = self.fake.sent_messages(self.chat_id)[before:]
        for message in shown:
            within_telegram_limits(message)
        answer = "\n".join(m["text"] for m in shown)
        self.answers.append(answer)
        return answer

    def start(self, org: str | None = None) -> str:
        return self._answer_to(lambda: self.fake.send_command(self.chat_id, "start", org))

    def says(self, text: str) -> str:
        return self._answer_to(lambda: self.fake.send_text(self.chat_id, text))

    def edits_last_message(self, text: str) -> tuple[int, str]:
        """Telegram's edited_message for the member's latest text; its update_id and answer."""
        update_ids: list[int] = []

        def edit() -> int:
            update_ids.append(self.fake.edit_text(self.chat_id, text))
            return update_ids[-1]

        answer = self._answer_to(edit)
        return update_ids[0], answer

    def presses(self, label_part: str) -> str:
        options = buttons(last_message(self.fake, self.chat_id))
        data = next(d for label, d in options if label_part in label)
        return self._answer_to(lambda: self.fake.press(self.chat_id, data))

    def transcript(self, script: str) -> str:
        """Play 会員:/窓口: lines (会員が押す: presses the button with that label); each 窓口
        line must be in the answer to the member's latest message, 窓口にない: must not."""
        answer = self.answers[-1] if self.answers else ""
        return transcripts.play(script, self.says, self.presses, answer)


@contextmanager
def telegram_desk(
    directory: Path, telegram: FakeBotApi, slack: FakeSlackApi
) -> Iterator[TelegramDesk]:
    """Both co-ops served, Slack queues as in the Slack end-to-end tests, a SQLite file."""
    deployment = directory / "madoguchi.toml"
    deployment.write_text(DEPLOYMENT, encoding="utf-8")
    settings = Settings(
        DATABASE_URL=f"sqlite:///{directory / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=deployment,
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
    )
    clock = Clock()
    app = App.build(settings, clock=clock, one_message_per_turn=frozenset({CHANNEL}))
    pacing = VirtualSeconds()
    with closing(app.db), loop_in_a_thread() as loop:
        stop = asyncio.Event()

        async def start() -> tuple[CardSync, MemberParts, list[asyncio.Task[None]]]:
            # As ``serve`` starts it: getMe, commands, no webhook: polling.
            [parts] = await start_member_channels(settings, app, Wakeups())
            assert isinstance(parts.channel, TelegramChannel)
            parts.worker.limiter = RateLimiter(
                settings.telegram_send_rate, 1.0, monotonic=pacing.monotonic, sleep=pacing.sleep
            )
            sync = paced_card_sync(app, slack, clock, pacing)
            tasks = [
                asyncio.create_task(parts.worker.run(stop)),
                asyncio.create_task(parts.channel.run(stop)),
            ]
            return sync, parts, tasks

        sync, parts, tasks = asyncio.run_coroutine_threadsafe(start(), loop).result(TURN_TIMEOUT)
        telegram.wait_for(lambda api: api.polls_waiting > 0)
        try:
            yield TelegramDesk(app, clock, telegram, slack, loop, sync, parts.worker.wake)
        finally:

            async def finish() -> None:
                stop.set()
                worker, polling = tasks
                await worker  # it sees ``stop`` at once; a long poll in flight is abandoned
                polling.cancel()
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in others:
                    task.cancel()
                await asyncio.gather(polling, *others, return_exceptions=True)
                await parts.channel.close()

            asyncio.run_coroutine_threadsafe(finish(), loop).result(TURN_TIMEOUT)
