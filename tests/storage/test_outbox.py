"""The outbox's claims and marks (``storage.outbox``): a chat's oldest rows only, several per
call where the channel takes several, never past a row another worker holds; and a member
who leaves on the platform is flagged as after a refused send."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from flows.messages import Inbound
from storage.models import CaseEvent, Conversation, OutboxMessage
from storage.outbox import ChannelOutbox, pending_rows
from storage.reachability import member_left
from storage.staff import StaffActor
from storage.turns import enqueue
from tests.conftest import Desk
from tests.flows.answers import COMPLAINT


def queue(desk: Desk, chat_id: str, *texts: str) -> None:
    now = desk.clock()
    with desk.app.db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(
                Conversation.channel == "terminal", Conversation.chat_id == chat_id
            )
        ).first()
        if conversation is None:
            conversation = Conversation(
                channel="terminal", chat_id=chat_id, created_at=now, updated_at=now
            )
            session.add(conversation)
            session.flush()
        for text in texts:
            enqueue(session, conversation, text, now)


def outbox(desk: Desk, worker: str = "w1", only_chat: str | None = None) -> ChannelOutbox:
    return ChannelOutbox(desk.app.db, desk.clock, "terminal", worker, only_chat=only_chat)


def claimed(claims: list) -> dict[str, list[str]]:  # type: ignore[type-arg]
    return {claim.chat_id: [row.text for row in claim.rows] for claim in claims}


def test_a_claim_takes_up_to_a_calls_worth_of_each_chats_oldest_rows(desk: Desk) -> None:
    queue(desk, "alice", *(f"a{n}" for n in range(1, 8)))
    queue(desk, "bob", "b1")
    mine = outbox(desk)

    first = mine.claim_due(frozenset(), capacity=10, per_call=5)
    assert claimed(first) == {"alice": ["a1", "a2", "a3", "a4", "a5"], "bob": ["b1"]}
    assert mine.claim_due(frozenset({"alice", "bob"}), capacity=10, per_call=5) == []

    mine.mark_sent([row_id for claim in first for row_id in claim.row_ids])
    assert claimed(mine.claim_due(frozenset(), capacity=10, per_call=5)) == {"alice": ["a6", "a7"]}


def test_one_chats_worker_claims_only_that_chats_rows_in_order(desk: Desk) -> None:
    queue(desk, "alice", "a1", "a2", "a3")
    queue(desk, "bob", "b1")
    mine = outbox(desk, only_chat="alice")
    assert claimed(mine.claim_due(frozenset(), capacity=10, per_call=2)) == {"alice": ["a1", "a2"]}


def test_a_batch_stops_before_a_row_another_worker_holds_and_never_skips_it(desk: Desk) -> None:
    queue(desk, "alice", "a1", "a2", "a3")
    [a1, a2, _a3] = pending_rows(desk.app.db, "terminal", "alice")
    with desk.app.db.transaction() as session:
        held = session.get(OutboxMessage, a2.id)
        assert held is not None
        held.claimed_by, held.claimed_until = "w2", desk.clock() + timedelta(seconds=60)
        session.add(held)

    for worker in (outbox(desk), outbox(desk, only_chat="alice")):
        claims = worker.claim_due(frozenset(), capacity=10, per_call=5)
        assert claimed(claims) == {"alice": ["a1"]}
        with desk.app.db.transaction() as session:  # released again, for the next worker
            row = session.get(OutboxMessage, a1.id)
            assert row is not None
            row.claimed_until = None
            session.add(row)

    mine = outbox(desk)
    mine.mark_sent([a1.id])  # type: ignore[list-item]
    assert mine.claim_due(frozenset(), capacity=10, per_call=5) == []  # a2 is w2's: the chat waits


def test_a_member_who_leaves_on_the_platform_is_flagged_like_a_refused_send(desk: Desk) -> None:
    member = desk.member("alice", org="coopdeli")
    for text in COMPLAINT:
        member.says(text)
    [case] = desk.app.cases.list_unaudited()
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "お電話でご説明します。")

    db, now = desk.app.db, desk.clock()
    assert member_left(db, "terminal", "alice", "left-1", now)
    assert not member_left(db, "terminal", "alice", "left-1", now)  # the same event again
    assert not member_left(db, "terminal", "alice", "left-2", now)  # once
    assert not member_left(db, "terminal", "nobody", "left-3", now)
    with desk.app.db.transaction() as session:
        conversation = session.exec(select(Conversation)).one()
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert conversation.reachable is False
    assert [e.kind for e in events].count("member_unreachable") == 1
    assert member.read() == ""  # held, not sent to a member who left
    [held] = pending_rows(desk.app.db, "terminal", "alice")

    desk.app.turns.process(Inbound("terminal", "alice", "back", text="メニュー"))  # back again
    answer = member.read()
    assert answer.startswith(held.text)  # what waited goes first, then the answer
    assert pending_rows(desk.app.db, "terminal", "alice") == []
