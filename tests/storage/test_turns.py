"""Storage guarantees: one transaction per turn, exactly-once effects, resume after restart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from flows.messages import Inbound
from storage.models import CaseEvent, OutboxMessage, ProcessedUpdate, TranscriptLine
from tests.conftest import Clock, Desk, build_desk

DISCLOSURE_UP_TO_PHONE = ["3", "すべて", "ご本人", "山田 花子", "ヤマダ ハナコ", "なし", "1975/1/2"]
REST_OF_DISCLOSURE = ["03-5285-1865", "わからない", "メール", "hanako@example.jp", "送信する"]


def test_a_redelivered_update_has_one_effect(desk: Desk) -> None:
    desk.member(org="coopdeli")
    inbound = Inbound(channel="terminal", chat_id="alice", idempotency_key="update-42", text="3")
    first = desk.app.turns.process(inbound)
    again = desk.app.turns.process(inbound)
    assert (first.duplicate, again.duplicate) == (False, True)
    with desk.app.db.transaction() as session:
        member_lines = session.exec(
            select(TranscriptLine).where(TranscriptLine.direction == "member")
        ).all()
        assert [line.text for line in member_lines] == ["/start coopdeli", "3"]
        assert session.get(ProcessedUpdate, "update-42") is not None


def test_a_restarted_desk_resumes_the_member_exactly_where_they_were(
    desk: Desk, clock: Clock
) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    for line in DISCLOSURE_UP_TO_PHONE:
        member.says(line)
    desk.app.db.close()  # the process goes away
    clock.advance(days=1)  # and the member comes back the next day

    restarted = build_desk(desk.db_url, clock)
    again = restarted.member("alice")  # the member comes back and says /start
    resumed = "\n".join(m.text for m in again.received)
    assert "入力の途中のお申し出があります：開示" in resumed
    assert "・氏名：山田 花子" in resumed
    again.says("続ける")
    assert again.received[-1].text == "ご登録の電話番号を入力してください。（例：03-1234-5678）"
    for line in REST_OF_DISCLOSURE:
        reply = again.says(line)
    assert "受付番号：KY-2026-00001" in reply
    [case] = restarted.app.cases.list_unaudited()
    assert case.fields["name"] == "山田 花子"
    assert case.fields["birth_date"] == "1975-01-02"


def test_a_failing_turn_writes_nothing(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    member = desk.member(org="coopdeli")
    with desk.app.db.transaction() as session:
        before = len(session.exec(select(OutboxMessage)).all())

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    # after the update's key is stored, before its lines are
    monkeypatch.setattr("storage.turns.transcript_text", explode)
    with pytest.raises(RuntimeError):
        member.says("3")
    monkeypatch.undo()
    with desk.app.db.transaction() as session:
        assert len(session.exec(select(OutboxMessage)).all()) == before
        assert (
            session.exec(select(TranscriptLine).where(TranscriptLine.text == "3")).first() is None
        )
    # and the member simply goes on
    assert "どの情報の開示をご希望ですか" in member.says("3")


def test_case_numbers_are_sequential_per_org(desk: Desk) -> None:
    for chat, org in [("a", "coopdeli"), ("b", "coopdeli"), ("c", "seikatsuclub-kyosai")]:
        member = desk.member(chat, org=org)
        for line in ["9", "その他", "相談です", "入力しない"]:
            member.says(line)
    assert [c.number for c in desk.app.cases.list_unaudited()] == [
        "CD-2026-00001",
        "CD-2026-00002",
        "KY-2026-00001",
    ]


def test_case_events_are_append_only(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    for line in ["9", "その他", "相談です", "入力しない"]:
        member.says(line)
    with pytest.raises(DBAPIError, match="append-only"), desk.app.db.transaction() as session:
        session.execute(text("UPDATE caseevent SET actor = 'someone else'"))
    with pytest.raises(DBAPIError, match="append-only"), desk.app.db.transaction() as session:
        session.execute(text("DELETE FROM caseevent"))
    with desk.app.db.transaction() as session:
        assert [e.kind for e in session.exec(select(CaseEvent)).all()] == ["created"]


def test_the_sqlite_database_runs_in_wal_mode_with_full_sync(sqlite_url: str, clock: Clock) -> None:
    desk = build_desk(sqlite_url, clock)
    with desk.app.db.transaction() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA secure_delete")).scalar() == 1
    desk.app.db.close()


def test_the_case_transcript_holds_the_whole_intake(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    transcript = desk.app.cases.detail_unaudited(case.number).transcript
    said = [line.text for line in transcript if line.direction == "member"]
    assert said[-len(REST_OF_DISCLOSURE) :] == REST_OF_DISCLOSURE
    assert "3" in said
    assert any("受付番号" in line.text for line in transcript if line.direction == "bot")
