"""Outbox delivery: order per chat, retries after failures, nothing ever dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from sqlmodel import select

from bot.channels import ChannelLimits, terminal_limits
from bot.delivery import OutboxWorker
from bot.dispatch import TemporaryFailure, Unreachable
from flows.messages import Inbound
from storage.models import Conversation, OutboxMessage
from tests.conftest import Desk

# One row a call, as on Telegram: each row's attempts are its own.
ONE_AT_A_TIME = replace(terminal_limits.LIMITS, messages_per_call=1)


class FlakyChannel:
    """Fails for the chats and times it is told to, records what got through."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: dict[str, Exception] = {}

    @property
    def limits(self) -> ChannelLimits:
        return ONE_AT_A_TIME

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            failure = self.failures.get(message.chat_id)
            if failure is not None:
                raise failure
            self.sent.append((message.chat_id, message.text))


def deliver(desk: Desk, channel: FlakyChannel, chat_id: str | None = None) -> int:
    """Send what is due now through the delivery engine; how many rows got through."""
    before = len(channel.sent)
    worker = OutboxWorker(desk.app.db, channel, desk.app.clock, only_chat=chat_id)
    asyncio.run(worker.drain_all())
    return len(channel.sent) - before


def pending(desk: Desk, chat_id: str) -> list[OutboxMessage]:
    with desk.app.db.transaction() as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending"
                )
            ).all()
        )


def two_members_with_messages(desk: Desk) -> None:
    for chat_id in ("alice", "bob"):
        desk.app.turns.process(  # no delivery yet: rows wait in the outbox
            Inbound("terminal", chat_id, f"start-{chat_id}", command="start", argument="coopdeli")
        )


def test_a_rate_limited_chat_waits_retry_after_and_keeps_its_order(desk: Desk) -> None:
    two_members_with_messages(desk)
    channel = FlakyChannel()
    channel.failures["alice"] = TemporaryFailure("429", retry_after=30)

    deliver(desk, channel)
    assert [chat for chat, _ in channel.sent] == ["bob", "bob"]  # one slow chat holds no one up
    assert len(pending(desk, "alice")) == 2

    del channel.failures["alice"]
    desk.clock.advance(seconds=29)
    assert deliver(desk, channel) == 0  # not before retry_after
    desk.clock.advance(seconds=2)
    assert deliver(desk, channel) == 2
    alice = [text for chat, text in channel.sent if chat == "alice"]
    assert alice[0].startswith("こんにちは") and alice[1] == "ご用件を選んでください。"


def test_an_unreachable_member_keeps_their_messages_until_they_write_again(desk: Desk) -> None:
    two_members_with_messages(desk)
    channel = FlakyChannel()
    channel.failures["alice"] = Unreachable("blocked by user")

    deliver(desk, channel)
    deliver(desk, channel)
    with desk.app.db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.chat_id == "alice")
        ).one()
        assert conversation.reachable is False
    assert len(pending(desk, "alice")) == 2  # kept, not dropped
    assert [r.attempts for r in pending(desk, "alice")] == [1, 0]  # not hammered

    del channel.failures["alice"]
    desk.app.turns.process(Inbound("terminal", "alice", "back", text="メニュー"))  # back again
    assert deliver(desk, channel, "alice") == 3  # the two that waited, then the reply
    assert next(text for chat, text in channel.sent if chat == "alice").startswith("こんにちは")
    assert pending(desk, "alice") == []
