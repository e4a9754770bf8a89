"""Group commit: turns of several chats in one transaction, each still all or nothing, and
none answered before the commit that makes it durable."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage.models import Conversation, ProcessedUpdate, TranscriptLine
from storage.turns import TurnOutcome
from tests.conftest import Desk


def _says(chat: str, key: str, text: str) -> Inbound:
    return Inbound(channel="terminal", chat_id=chat, idempotency_key=key, text=text)


def _commits(desk: Desk) -> list[int]:
    """A counter of the database's commits (a list, so the listener can add to it)."""
    count = [0]

    @event.listens_for(desk.app.db.engine, "commit")
    def _committed(_connection: object) -> None:
        count[0] += 1

    return count


def test_turns_of_several_chats_commit_together_and_each_has_its_effect(desk: Desk) -> None:
    members = [desk.member(chat, org="coopdeli") for chat in ("a", "b", "c")]
    commits = _commits(desk)
    outcomes = desk.app.turns.process_many(
        [_says(m.chat_id, f"u-{m.chat_id}", "3") for m in members]
    )
    assert commits == [1]
    assert all(isinstance(o, TurnOutcome) and not o.duplicate for o in outcomes)
    for member in members:
        assert "どの情報の開示をご希望ですか" in member.read()


def test_a_turn_that_raises_in_a_batch_is_undone_alone(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = desk.member("alice", org="coopdeli"), desk.member("bob", org="coopdeli")
    real = desk.app.engine.turn

    def breaks_for_bob(state, inbound, now, cases):  # type: ignore[no-untyped-def]
        if inbound.chat_id == "bob":
            raise RuntimeError("a bug in one turn")
        return real(state, inbound, now, cases)

    monkeypatch.setattr(desk.app.engine, "turn", breaks_for_bob)
    ok, broken = desk.app.turns.process_many([_says("alice", "u-a", "3"), _says("bob", "u-b", "3")])
    monkeypatch.undo()
    assert isinstance(ok, TurnOutcome) and isinstance(broken, RuntimeError)
    assert "どの情報の開示をご希望ですか" in alice.read()
    with desk.app.db.transaction() as session:
        # bob's key went with the rest of his turn: his redelivery is processed, not skipped
        assert session.get(ProcessedUpdate, "u-b") is None
        assert session.get(ProcessedUpdate, "u-a") is not None
        bobs = session.exec(select(Conversation).where(Conversation.chat_id == "bob")).one()
        lines = session.exec(
            select(TranscriptLine).where(TranscriptLine.conversation_id == bobs.id)
        ).all()
        assert "3" not in [line.text for line in lines]
    assert "どの情報の開示をご希望ですか" in bob.says("3")


def test_a_redelivery_in_a_batch_has_no_effect_and_says_so(desk: Desk) -> None:
    desk.member("alice", org="coopdeli")
    first, again = desk.app.turns.process_many(
        [_says("alice", "same", "3")]
    ) + desk.app.turns.process_many([_says("alice", "same", "3")])
    assert isinstance(first, TurnOutcome) and isinstance(again, TurnOutcome)
    assert (first.duplicate, again.duplicate) == (False, True)


def test_a_new_member_and_a_known_one_in_one_batch(desk: Desk) -> None:
    desk.member("known", org="coopdeli")
    start = Inbound("terminal", "new", "n1", command="start", argument="coopdeli")
    outcomes = desk.app.turns.process_many([start, _says("known", "k1", "3")])
    assert all(isinstance(o, TurnOutcome) and not o.duplicate for o in outcomes)
    with desk.app.db.transaction() as session:
        assert session.exec(select(Conversation).where(Conversation.chat_id == "new")).first()


def test_turns_waiting_at_once_share_a_commit_and_none_is_answered_before_it(desk: Desk) -> None:
    """Through the runner: while the database is busy with one batch, the turns that arrive
    wait and then go as one; each caller's answer comes only after its commit."""
    chats = [f"m{n}" for n in range(12)]
    for chat in chats:
        desk.member(chat, org="coopdeli")
    commits = _commits(desk)
    committed_before_answer: list[bool] = []
    busy, gate = threading.Event(), threading.Event()
    real = desk.app.turns.process_many

    def held(inbounds: Sequence[Inbound]) -> list[TurnOutcome | Exception]:
        busy.set()
        gate.wait(timeout=10)  # the first batch holds the database until the rest arrived
        return real(inbounds)

    desk.app.turns.process_many = held  # type: ignore[method-assign]

    async def scenario() -> None:
        runner = ChatTurnRunner(desk.app, Wakeups())

        async def one(chat: str) -> None:
            before = commits[0]
            await runner.run(_says(chat, f"g-{chat}", "3"))
            committed_before_answer.append(commits[0] > before)

        tasks = [asyncio.create_task(one(chats[0]))]
        await asyncio.to_thread(busy.wait, 10)  # the first turn holds the database
        tasks += [asyncio.create_task(one(chat)) for chat in chats[1:]]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while runner.batches.waiting < len(chats) - 1:  # the rest queue behind it
                    await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert all(committed_before_answer)
    assert commits[0] == 2  # the first turn alone, then the eleven that waited, together
