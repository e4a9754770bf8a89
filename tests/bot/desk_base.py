"""What the in-process test desks (Telegram: ``telegram_desk``, LINE: ``line_desk``) share:
an event loop of their own in a thread, pacing on virtual seconds, the card sync on that
pacing, and reading one channel's chats back from the database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.app import App
from bot.delivery import RateLimiter
from bot.slack.sync import GLOBAL_PER_SECOND, PER_CHANNEL_INTERVAL, CardSync
from storage.models import Case, CaseEvent, Conversation
from tests.conftest import Clock
from tests.fakes.slack_api import FakeSlackApi


class VirtualSeconds:
    """A monotonic clock for rate limiters that moves only when a limiter sleeps on it."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)  # let the others run, as a real sleep would


@contextmanager
def loop_in_a_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a daemon thread (the desk's, as ``serve`` runs it), while the
    test drives the member's side from its own thread; stopped and closed after."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(timeout=10)
        loop.close()


def paced_card_sync(
    app: App, slack: FakeSlackApi, clock: Clock, pacing: VirtualSeconds, **options: Any
) -> CardSync:
    """The card sync talking to the fake Slack through slack_sdk, paced on virtual seconds."""
    sync = CardSync(
        app.db,
        AsyncWebClient(token=slack.token, base_url=slack.api_url),
        app.deployment.slack,
        app.orgs,
        clock,
        sleep=pacing.sleep,
        queue_names=app.cases.queue_names,
        **options,
    )
    sync.limiter = RateLimiter(
        GLOBAL_PER_SECOND, PER_CHANNEL_INTERVAL, monotonic=pacing.monotonic, sleep=pacing.sleep
    )
    return sync


class ChatRecords:
    """One channel's chats as the desk stored them: what a test reads back after a turn."""

    app: App
    channel_name: ClassVar[str]

    def conversation(self, chat_id: int | str) -> Conversation | None:
        with self.app.db.transaction() as session:
            return session.exec(
                select(Conversation).where(
                    Conversation.channel == self.channel_name,
                    Conversation.chat_id == str(chat_id),
                )
            ).first()

    def state(self, chat_id: int | str) -> dict[str, Any]:
        """The member's dialogue state, as stored."""
        conversation = self.conversation(chat_id)
        return dict(conversation.state) if conversation is not None else {}

    def cases_of(self, chat_id: int | str) -> list[Case]:
        """The chat's cases, oldest first."""
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(Case)
                    .join(Conversation, col(Conversation.id) == col(Case.conversation_id))
                    .where(
                        Conversation.channel == self.channel_name,
                        Conversation.chat_id == str(chat_id),
                    )
                    .order_by(col(Case.id))
                ).all()
            )

    def events(self, number: str, kind: str | None = None) -> list[CaseEvent]:
        """The case's events (of ``kind`` only, if given), oldest first."""
        case = self.app.cases.get(number)
        with self.app.db.transaction() as session:
            query = select(CaseEvent).where(CaseEvent.case_id == case.id)
            if kind is not None:
                query = query.where(CaseEvent.kind == kind)
            return list(session.exec(query.order_by(col(CaseEvent.id))).all())

    def member_messages(self, number: str) -> list[str]:
        """The member's words stored on the case, as staff read them."""
        return [str(e.data.get("text", "")) for e in self.events(number, "member_message")]
