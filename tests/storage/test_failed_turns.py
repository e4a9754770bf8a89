"""A turn given up on: its key stored marked failed, the member asked to send it again, nothing
else changed; and which failures are given up at once and which are left for a redelivery."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import select

from bot.turn_failures import TurnFailures
from flows.messages import Inbound
from storage.models import Conversation, OutboxMessage, ProcessedUpdate
from tests.conftest import Desk

APOLOGY_JA = (
    "申し訳ありません。うまく受け付けられませんでした。お手数ですが、もう一度お送りください。"
)
APOLOGY_EN = "Sorry, I could not take in your message. Could you send it again, please?"


def _inbound(key: str, text: str = "3", chat_id: str = "alice") -> Inbound:
    return Inbound(channel="terminal", chat_id=chat_id, idempotency_key=key, text=text)


def test_a_failed_turn_is_stored_as_failed_and_its_redelivery_does_nothing(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    with desk.app.db.transaction() as session:
        [conversation] = session.exec(select(Conversation)).all()
        state_before = conversation.state

    recorded = desk.app.turns.record_failure(_inbound("update-7"))
    assert not recorded.duplicate
    assert member.read() == APOLOGY_JA
    again = desk.app.turns.process(_inbound("update-7"))
    assert again.duplicate  # Telegram's redelivery of it is a no-op, not the failure again
    assert desk.app.turns.record_failure(_inbound("update-7")).duplicate

    with desk.app.db.transaction() as session:
        stored = session.get(ProcessedUpdate, "update-7")
        assert stored is not None and stored.failed
        [conversation] = session.exec(select(Conversation)).all()
        assert conversation.state == state_before  # the member's place in the dialogue is kept
        apologies = session.exec(
            select(OutboxMessage).where(OutboxMessage.text == APOLOGY_JA)
        ).all()
        assert len(apologies) == 1
    assert "どの情報の開示をご希望ですか" in member.says("3")
    with desk.app.db.transaction() as session:
        failed = session.exec(select(ProcessedUpdate).where(ProcessedUpdate.failed)).all()
        assert [row.key for row in failed] == ["update-7"]


def test_the_apology_is_in_the_conversation_s_language(desk: Desk) -> None:
    member = desk.member("bob", org="coopdeli", lang="en")
    desk.app.turns.record_failure(_inbound("update-8", chat_id="bob"))
    assert member.read() == APOLOGY_EN


def _locked() -> OperationalError:
    return OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))


def test_a_bug_is_given_up_at_once_and_an_unavailable_database_after_three_tries() -> None:
    failures = TurnFailures()
    assert failures.give_up("a", KeyError("bug"))
    assert failures.give_up("b", UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogate"))
    assert failures.give_up("c", DataError("INSERT", {}, Exception("NUL")))

    assert not failures.give_up("d", _locked())
    assert not failures.give_up("d", OSError("disk full"))
    assert failures.give_up("d", _locked())  # the third try: the update itself may be at fault

    assert not failures.give_up("e", _locked())
    failures.succeeded("e")  # it went through once the database was back
    assert not failures.give_up("e", _locked())
    assert not failures.give_up("e", _locked())
