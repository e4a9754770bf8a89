"""Outbox delivery: order per chat, retries after failures, nothing ever dropped."""

from __future__ import annotations

from sqlmodel import select

from bot.dispatch import TemporaryFailure, Unreachable
from flows.messages import Inbound
from storage.models import Conversation, OutboxMessage
from tests.conftest import Desk


class FlakySender:
    """Fails for the chats and times it is told to, records what got through."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: dict[str, Exception] = {}

    def send(self, message: OutboxMessage) -> None:
        failure = self.failures.get(message.chat_id)
        if failure is not None:
            raise failure
        self.sent.append((message.chat_id, message.text))


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
    sender = FlakySender()
    dispatcher = desk.app.dispatcher({"terminal": sender})
    sender.failures["alice"] = TemporaryFailure("429", retry_after=30)

    dispatcher.deliver("terminal")
    assert [chat for chat, _ in sender.sent] == ["bob", "bob"]  # one slow chat holds no one up
    assert len(pending(desk, "alice")) == 2

    del sender.failures["alice"]
    desk.clock.advance(seconds=29)
    assert dispatcher.deliver("terminal") == 0  # not before retry_after
    desk.clock.advance(seconds=2)
    assert dispatcher.deliver("terminal") == 2
    alice = [text for chat, text in sender.sent if chat == "alice"]
    assert alice[0].startswith("こんにちは") and alice[1] == "ご用件を選んでください。"


def test_an_unreachable_member_keeps_their_messages_until_they_write_again(desk: Desk) -> None:
    two_members_with_messages(desk)
    sender = FlakySender()
    dispatcher = desk.app.dispatcher({"terminal": sender})
    sender.failures["alice"] = Unreachable("blocked by user")

    dispatcher.deliver("terminal")
    dispatcher.deliver("terminal")
    with desk.app.db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.chat_id == "alice")
        ).one()
        assert conversation.reachable is False
    assert len(pending(desk, "alice")) == 2  # kept, not dropped
    assert [r.attempts for r in pending(desk, "alice")] == [1, 0]  # not hammered

    del sender.failures["alice"]
    desk.app.turns.process(Inbound("terminal", "alice", "back", text="メニュー"))  # back again
    assert dispatcher.deliver("terminal", "alice") == 3  # the two that waited, then the reply
    assert next(text for chat, text in sender.sent if chat == "alice").startswith("こんにちは")
    assert pending(desk, "alice") == []
