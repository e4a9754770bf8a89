"""Retention: closed cases lose their transcripts, files and finally their register entry on
time, and nothing else; every removal is on record; case events change only through the
purge gate in the append-only triggers."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from pydantic import ValidationError
from sqlalchemy import NullPool, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, col, select

from bot.config import Deployment
from flows.profiles import Retention
from storage.audit import Actor
from storage.models import (
    Attachment,
    Case,
    CaseCard,
    CaseEvent,
    CaseLookup,
    ConsentRecord,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
    PurgeRecord,
    TranscriptLine,
)
from storage.retention import TEXT_FREE_EVENTS, PurgePlan, Purger, redacted
from storage.schema import alembic_config
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.flows.answers import COMPLAINT
from tests.storage.test_member_data import file_request

SATO = Actor("cli:sato", "cli")
PDF = b"%PDF-1.4\n% MADOGUCHI-SECRET-SCAN\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
FILES_ON = """
orgs = ["seikatsuclub-kyosai", "coopdeli"]

[attachments.coopdeli]
allowed = true
max_mb = 1
"""
# Words that appear only in the transcript and the case history, never in the case's fields.
STAFF_REPLY = "控えの書類を簡易書留でお送りしました"
MEMBER_ANSWER = "先週の火曜日の午前中に来た配達員でした"
NOTE = "電話で事情を伺った内容のメモ"
REASON = "記録が残っていない期間があるため"
EXTENSION = "倉庫の記録の取り寄せに時間がかかるため"
WAITING_FOR = "戸籍謄本の写し"
TEXTS = [STAFF_REPLY, MEMBER_ANSWER, NOTE, REASON, EXTENSION, WAITING_FOR]


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    path = tmp_path / "madoguchi.toml"
    path.write_text(FILES_ON, encoding="utf-8")
    return path


@pytest.fixture
def desk(database_url: str, clock: Clock, deployment: Path) -> Iterator[Desk]:
    """A desk whose コープデリ takes files, on SQLite and on PostgreSQL."""
    desk = build_desk(database_url, clock, deployment)
    yield desk
    desk.app.db.close()


def worked_case(desk: Desk, chat_id: str = "alice", *, close: bool = True) -> str:
    """A complaint with a file, a reply, the member's answer, a note, an extension, a pause,
    closed as 一部対応."""
    member = desk.member(chat_id, org="coopdeli")
    member.says(COMPLAINT[0])
    member.sends_file(PDF, name="委任状.pdf", caption="母の委任状です")
    for line in COMPLAINT[1:]:
        member.says(line)
    number = desk.app.cases.list_unaudited()[-1].number
    desk.clock.advance(days=2)  # Sunday, then a holiday: reminders wait for an open day
    desk.app.cases.mark_deadlines(30)  # a reminder, and its key
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    member.read()
    member.says(MEMBER_ANSWER)
    desk.app.cases.note(number, StaffActor.trusted("sato"), NOTE)
    due = desk.app.cases.get(number).due_at
    desk.app.cases.extend(number, StaffActor.trusted("sato"), due + timedelta(days=7), EXTENSION)
    desk.app.cases.pause(number, StaffActor.trusted("sato"), WAITING_FOR)
    desk.app.cases.resume(number, StaffActor.trusted("sato"))
    if close:
        desk.app.cases.close(number, StaffActor.trusted("sato"), "partial", REASON, confirmed=True)
    member.read()  # everything delivered: the outbox rows are sent
    return number


def purge(desk: Desk) -> PurgePlan:
    return desk.app.purger().purge(desk.clock(), SATO)


def stages(plan: PurgePlan) -> dict[str, list[str]]:
    """The case numbers each case stage took (idle chats and keys are looked at apart)."""
    found: dict[str, list[str]] = {}
    for removal in plan.removals:
        if removal.case_number is not None:
            found.setdefault(removal.stage, []).append(removal.case_number)
    return found


def rows(desk: Desk, model: Any, *where: Any) -> list[Any]:
    with desk.app.db.transaction() as session:
        return list(session.exec(select(model).where(*where)).all())


def case_row(desk: Desk, number: str) -> Case | None:
    found = rows(desk, Case, Case.number == number)
    return found[0] if found else None


def everything(desk: Desk) -> dict[str, list[Any]]:
    """Every row of every table, to show that something changed nothing."""
    with desk.app.db.transaction() as session:
        return {
            table.name: sorted(map(repr, session.execute(select(table)).all()))
            for table in SQLModel.metadata.sorted_tables
        }


def readable_text(desk: Desk) -> str:
    """All stored text, as the application reads it (decrypted where it is encrypted)."""
    parts: list[str] = []
    for model in (TranscriptLine, OutboxMessage, CaseEvent, Case, Conversation, Attachment):
        for row in rows(desk, model):
            parts.append(json.dumps(row.model_dump(mode="json"), ensure_ascii=False))
    return "\n".join(parts)


# ---------------------------------------------------------------------- periods


def test_nothing_is_removed_before_its_time(desk: Desk) -> None:
    worked_case(desk)
    before = everything(desk)
    desk.clock.advance(days=89)

    plan = purge(desk)

    assert {r.stage for r in plan.removals} == {"keys"}  # handled updates' keys: 30 days
    after = everything(desk)
    assert after.pop("auditentry") != before.pop("auditentry")  # the run itself is on record
    for table in ("auditchainhead", "processedupdate", "purgerecord"):
        after.pop(table), before.pop(table)
    assert after == before


def test_files_go_after_their_period_and_nothing_else(desk: Desk) -> None:
    number = worked_case(desk)
    case = case_row(desk, number)
    assert case is not None
    transcript = desk.app.cases.detail_unaudited(number).transcript
    events = [(e.kind, e.data) for e in rows(desk, CaseEvent)]
    desk.clock.advance(days=91)

    plan = purge(desk)

    assert stages(plan) == {"attachments": [number]}
    assert rows(desk, Attachment) == []
    assert desk.app.cases.detail_unaudited(number).transcript == transcript
    assert [(e.kind, e.data) for e in rows(desk, CaseEvent)] == events
    kept = case_row(desk, number)
    assert kept is not None and kept.summary == case.summary
    assert kept.last_staff_reply == STAFF_REPLY


def test_transcripts_go_and_the_register_stays(desk: Desk) -> None:
    number = worked_case(desk)
    before = case_row(desk, number)
    assert before is not None and before.closed_at is not None
    assert all(word in readable_text(desk) for word in TEXTS)
    desk.clock.advance(days=366)

    plan = purge(desk)

    assert stages(plan)["transcripts"] == [number]
    case = case_row(desk, number)
    assert case is not None
    assert (case.status, case.outcome, case.closed_at) == ("partial", "partial", before.closed_at)
    assert (case.received_at, case.due_at) == (before.received_at, before.due_at)
    assert before.fields["message"] == "配達員の対応について"
    assert case.fields == {"about": "complaint"}  # the choice stays, the member's words go
    assert (case.summary, case.last_staff_reply, case.outcome_reason) == ([], None, None)
    assert desk.app.cases.detail_unaudited(number).transcript == []
    assert rows(desk, OutboxMessage, OutboxMessage.status == "sent") == []
    events = {e.kind: e.data for e in rows(desk, CaseEvent)}
    assert events["replied"] == events["note"] == events["member_message"]
    assert events["replied"] == {"purged": "transcripts"}
    assert events["closed"] == {"outcome": "partial", "purged": "transcripts"}
    assert events["extended"] == {
        "from": events["extended"]["from"],
        "to": events["extended"]["to"],
        "purged": "transcripts",
    }
    assert events["paused"] == {"purged": "transcripts"}
    assert events["resumed"] == {"waited_seconds": 0}  # no text: as it was
    assert events["claimed"] == {"previous": None}
    assert events["created"] == {"queue": "takuhai-center", "type": "human"}
    assert not [word for word in TEXTS if word in readable_text(desk)]


def test_the_transcripts_stage_keeps_only_coded_choices_in_the_case_fields(desk: Desk) -> None:
    member = desk.member("hanako", org="coopdeli")
    answers = {"item": "会員証の写真", "method": "郵送", "reason": "引っ越しの手続きの途中で"}
    file_request(member, "correction", answers)
    number = desk.app.cases.list_unaudited()[-1].number
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True)
    before = case_row(desk, number)
    assert before is not None and before.id is not None
    personal = ["山田", "ヤマダ", "1975", "5285", "新宿", "160-0022", "会員証の写真", "引っ越し"]
    assert all(word in json.dumps(before.fields, ensure_ascii=False) for word in personal)
    assert rows(desk, CaseLookup, CaseLookup.case_id == before.id)
    desk.clock.advance(days=366)

    plan = purge(desk)

    assert stages(plan)["transcripts"] == [number]
    case = case_row(desk, number)
    assert case is not None
    # What the register needs: who asked (本人), what they asked for, how to answer them.
    assert case.fields == {"requester": "self", "change_kind": "correct", "method": "postal"}
    assert (case.request_type, case.requester, case.outcome) == ("correction", "self", "answered")
    assert rows(desk, CaseLookup, CaseLookup.case_id == before.id) == []
    assert not [word for word in personal if word in readable_text(desk)]


def test_the_register_stage_removes_the_case_and_everything_tied_to_it(desk: Desk) -> None:
    number = worked_case(desk)
    other = worked_case(desk, "bob", close=False)
    case = case_row(desk, number)
    assert case is not None and case.id is not None
    with desk.app.db.transaction() as session:
        session.add(CaseCard(case_id=case.id, channel="C1", ref="1.2", updated_at=desk.clock()))
        session.add(
            ConsentRecord(
                conversation_id=case.conversation_id,
                case_id=case.id,
                org_id="coopdeli",
                member_ref="terminal:alice",
                channel="dm",
                scope="all",
                source="chat",
                created_at=desk.clock(),
            )
        )
    assert rows(desk, ProcessedUpdate, col(ProcessedUpdate.key).startswith(f"reminder:{case.id}:"))
    desk.clock.advance(days=1000)
    desk.app.cases.close(
        other, StaffActor.trusted("sato"), "answered", confirmed=True
    )  # later: its register outlives this one's
    desk.clock.advance(days=826)

    plan = purge(desk)

    assert stages(plan)["register"] == [number]
    assert case_row(desk, number) is None
    for model in (CaseEvent, CaseLookup, CaseCard, ConsentRecord, Attachment, TranscriptLine):
        assert rows(desk, model, model.case_id == case.id) == []  # type: ignore[attr-defined]
    assert rows(desk, ProcessedUpdate, col(ProcessedUpdate.key).contains(f":{case.id}:")) == []
    [record] = rows(desk, PurgeRecord, PurgeRecord.stage == "register")
    assert (record.case_id, record.case_number, record.org_id) == (case.id, number, "coopdeli")
    assert record.counts["case"] == 1 and record.counts["caseevent"] >= 6
    assert record.counts["casecard"] == record.counts["consentrecord"] == 1
    assert record.reason.endswith("+ 1825 days (register_days)")
    assert case_row(desk, other) is not None  # the other case waits for its own period
    conversation = rows(desk, Conversation, Conversation.id == case.conversation_id)
    assert conversation  # the chat id stays, for delivery


def test_a_case_not_closed_is_never_touched(desk: Desk) -> None:
    number = worked_case(desk, close=False)
    desk.clock.advance(days=4000)
    before = everything(desk)

    plan = purge(desk)

    assert not [r for r in plan.removals if r.stage != "keys"]
    after = everything(desk)
    for table in ("auditentry", "auditchainhead", "processedupdate", "purgerecord"):
        after.pop(table), before.pop(table)
    assert after == before
    assert case_row(desk, number) is not None


def test_a_second_run_removes_nothing(desk: Desk) -> None:
    worked_case(desk)
    worked_case(desk, "bob")
    for days in (91, 366 - 91, 1826 - 366):
        desk.clock.advance(days=days)
        assert not purge(desk).empty
        before = everything(desk)
        again = purge(desk)
        assert again.empty, again.removals
        after = everything(desk)
        after.pop("auditentry"), before.pop("auditentry")
        after.pop("auditchainhead"), before.pop("auditchainhead")
        assert after == before


def test_a_backlog_goes_in_small_batches(desk: Desk) -> None:
    numbers = [worked_case(desk, f"m{i}") for i in range(5)]
    desk.clock.advance(days=400)
    periods = desk.app.deployment.retention_periods()

    plan = Purger(desk.app.db, periods, desk.app.audit, batch=2).purge(desk.clock(), SATO)

    assert stages(plan)["transcripts"] == numbers
    assert rows(desk, TranscriptLine, col(TranscriptLine.case_id).is_not(None)) == []


# ---------------------------------------------------------------------- records


def test_records_and_the_audit_entry_hold_counts_not_personal_data(desk: Desk) -> None:
    number = worked_case(desk)
    desk.clock.advance(days=366)

    plan = purge(desk)

    records = rows(desk, PurgeRecord)
    assert {(r.stage, r.case_number) for r in records} >= {
        ("transcripts", number),
        ("attachments", number),
    }
    for record in records:
        assert record.actor == "cli:sato" and record.at == desk.clock()
        assert all(isinstance(n, int) for n in record.counts.values())
    [entry] = [e for e in desk.app.audit.entries() if e.action == "purge"]
    assert entry.actor == "cli:sato"
    assert entry.detail["stages"] == json.loads(json.dumps(plan.totals()))
    assert entry.detail["stages"]["transcripts"]["cases"] == 1
    stored = json.dumps(
        [r.model_dump(mode="json") for r in records] + [entry.detail], ensure_ascii=False
    )
    for secret in [*TEXTS, *COMPLAINT[1:3], "委任状", "alice", "山田"]:
        assert secret not in stored


def test_a_dry_run_changes_and_records_nothing(desk: Desk) -> None:
    number = worked_case(desk)
    desk.clock.advance(days=2000)
    before = everything(desk)

    plan = desk.app.purger().plan(desk.clock())

    assert plan.dry_run and stages(plan)["register"] == [number]
    assert plan.totals()["register"]["case"] == 1
    assert everything(desk) == before
    # And what it showed is what the real run then does.
    done = purge(desk)
    assert [(r.stage, r.case_number, r.counts) for r in done.removals] == [
        (r.stage, r.case_number, r.counts) for r in plan.removals
    ]


# ---------------------------------------------------------------------- the trigger gate


def _refused(desk: Desk, statement: str, **params: Any) -> None:
    with pytest.raises(DBAPIError, match="append-only"), desk.app.db.transaction() as session:
        session.execute(text(statement), params)


def test_events_change_only_through_the_purge_gate(desk: Desk) -> None:
    purged = worked_case(desk)
    desk.clock.advance(days=400)
    kept = worked_case(desk, "bob")  # closed just now: nothing of it is due
    purge(desk)
    ids = {n: case_row(desk, n).id for n in (purged, kept)}  # type: ignore[union-attr]
    assert rows(desk, PurgeRecord, PurgeRecord.case_id == ids[purged])
    assert not rows(desk, PurgeRecord, PurgeRecord.case_id == ids[kept])

    # A case without a purge record: its history cannot be edited or cut.
    update = "UPDATE caseevent SET data = '{}' WHERE case_id = :id"
    _refused(desk, update, id=ids[kept])
    _refused(desk, "DELETE FROM caseevent WHERE case_id = :id", id=ids[kept])
    # A purged case: its events may be redacted, but not moved, renamed or re-dated.
    with desk.app.db.transaction() as session:
        session.execute(text(update), {"id": ids[purged]})
    _refused(desk, "UPDATE caseevent SET kind = 'x' WHERE case_id = :id", id=ids[purged])
    _refused(
        desk,
        "UPDATE caseevent SET case_id = :to WHERE case_id = :id",
        id=ids[purged],
        to=ids[kept],
    )
    # A record naming the right id but another number (a SQLite rowid handed out again after
    # the register stage) opens nothing.
    with desk.app.db.transaction() as session:
        session.add(
            PurgeRecord(
                at=desk.clock(),
                actor="scheduler",
                case_id=ids[kept],
                case_number="CD-2019-00001",
                stage="register",
                reason="test",
            )
        )
    _refused(desk, "DELETE FROM caseevent WHERE case_id = :id", id=ids[kept])
    # The records themselves are append-only, with no gate.
    _refused(desk, "UPDATE purgerecord SET reason = 'x'")
    _refused(desk, "DELETE FROM purgerecord")


# ---------------------------------------------------------------------- idle chats and keys


def test_idle_chats_are_cleared_but_case_transcripts_and_open_cases_stay(desk: Desk) -> None:
    number = worked_case(desk)  # alice: a closed case, then chat that became no case
    alice = Member(desk, "alice")
    alice.start()
    alice.says("5")  # a correction begun and left
    bob = desk.member("bob", org="coopdeli")
    bob.sends_file(PDF, name="住民票.pdf")  # held for a request never made
    bob.says("3")
    bob.says("すべて")
    carol = desk.member("carol", org="coopdeli")
    worked_case(desk, "carol", close=False)  # an open case: carol's chat is left alone
    carol.says("2")
    case = case_row(desk, number)
    assert case is not None
    intake = rows(desk, TranscriptLine, col(TranscriptLine.id) <= case.transcript_to)
    intake = [line for line in intake if line.conversation_id == case.conversation_id]
    carol_id = next(c.id for c in rows(desk, Conversation) if c.chat_id == "carol")
    carol_lines = rows(desk, TranscriptLine, TranscriptLine.conversation_id == carol_id)
    desk.clock.advance(days=91)

    plan = purge(desk)

    assert [r.org_id for r in plan.removals if r.stage == "idle_chat"] == ["coopdeli"]
    [idle] = [r for r in plan.removals if r.stage == "idle_chat"]
    assert idle.counts["conversation"] == 2 and idle.counts["attachment"] == 1
    conversations = {c.chat_id: c for c in rows(desk, Conversation)}
    assert conversations["alice"].state == conversations["bob"].state == {}
    assert conversations["carol"].state != {}
    bob_id = conversations["bob"].id
    assert rows(desk, TranscriptLine, TranscriptLine.conversation_id == bob_id) == []
    assert rows(desk, Attachment, Attachment.conversation_id == bob_id) == []
    alice_lines = rows(desk, TranscriptLine, TranscriptLine.conversation_id == case.conversation_id)
    assert all(line.id <= case.transcript_to or line.case_id for line in alice_lines)
    assert [line.id for line in intake] == [
        line.id for line in alice_lines if line.id <= case.transcript_to
    ]
    assert rows(desk, TranscriptLine, TranscriptLine.conversation_id == carol_id) == carol_lines
    assert purge(desk).empty


def test_old_keys_go_but_the_deadline_marks_of_cases_stay(desk: Desk) -> None:
    worked_case(desk, close=False)
    desk.clock.advance(days=31)
    with desk.app.db.transaction() as session:
        session.add(ProcessedUpdate(key="fresh", created_at=desk.clock()))

    plan = purge(desk)

    [keys] = [r for r in plan.removals if r.stage == "keys"]
    left = {k.key for k in rows(desk, ProcessedUpdate)}
    assert keys.counts["processedupdate"] > 0 and keys.org_id is None
    assert "fresh" in left and any(k.startswith("reminder:") for k in left)
    assert left <= {"fresh"} | {k for k in left if k.startswith(("reminder:", "escalated:"))}


# ---------------------------------------------------------------------- periods as data


def test_a_deployment_overrides_an_orgs_periods(
    database_url: str, clock: Clock, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        FILES_ON + "\n[retention.coopdeli]\ntranscripts_days = 30\nregister_days = 400\n",
        encoding="utf-8",
    )
    desk = build_desk(database_url, clock, deployment)
    try:
        assert desk.app.orgs["coopdeli"].retention == Retention(
            transcripts_days=30, attachments_days=90, register_days=400, idle_chat_days=90
        )
        assert desk.app.orgs["seikatsuclub-kyosai"].retention == Retention()
        number = worked_case(desk)
        clock.advance(days=31)
        assert stages(purge(desk)) == {"transcripts": [number]}
        clock.advance(days=370)
        assert stages(purge(desk))["register"] == [number]
    finally:
        desk.app.db.close()


@pytest.mark.parametrize(
    "override",
    [
        "transcripts_days = 2000",  # longer than the register
        "attachments_days = 1826",
        "register_days = 100",  # shorter than the default transcripts period
        "idle_chat_days = 0",
        "transcripts_days = -1",
        'transcripts_days = "30"',
        "transcripts_days = 30.5",
        "keep_forever = true",
    ],
)
def test_periods_that_cannot_hold_are_refused(override: str) -> None:
    data = tomllib.loads(f"[retention.coopdeli]\n{override}\n")
    with pytest.raises(ValidationError):
        Deployment.model_validate(data).retention_periods()


def test_an_unknown_org_in_retention_is_refused() -> None:
    with pytest.raises(ValueError, match="nowhere"):
        Deployment.model_validate({"retention": {"nowhere": {}}}).retention_periods()


def test_both_profiles_keep_transcripts_and_files_no_longer_than_the_register() -> None:
    for retention in Deployment().retention_periods().values():
        assert retention.transcripts_days <= retention.register_days
        assert retention.attachments_days <= retention.register_days
        assert retention == Retention(
            transcripts_days=365, attachments_days=90, register_days=1825, idle_chat_days=90
        )


# ---------------------------------------------------------------------- on disk


def test_the_text_is_gone_from_the_sqlite_file(
    sqlite_url: str, clock: Clock, deployment: Path
) -> None:
    """Without encryption keys the words are in the file in clear; after the transcript and
    file stages they are nowhere in it, nor in its write-ahead log (secure_delete is on)."""
    desk = build_desk(sqlite_url, clock, deployment)
    try:
        worked_case(desk)
        path = desk.db_path

        def on_disk() -> bytes:
            wal = Path(f"{path}-wal")
            return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

        markers = [*TEXTS, "MADOGUCHI-SECRET-SCAN"]
        assert all(word.encode() in on_disk() for word in markers)
        clock.advance(days=366)
        purge(desk)
        assert [word for word in markers if word.encode() in on_disk()] == []
    finally:
        desk.app.db.close()


def test_any_other_event_kind_is_redacted_keeping_only_codes() -> None:
    """Deny by default: a kind not known to be free of text loses all but codes and dates."""
    assert "some_new_kind" not in TEXT_FREE_EVENTS
    assert redacted({"text": "会員の言葉", "to": "2027-01-01", "outcome": "answered"}, "x") == {
        "to": "2027-01-01",
        "outcome": "answered",
        "purged": "x",
    }


# ---------------------------------------------------------------------- lines added to a case

CAPTION = "母の委任状です 山田ハナ 090-9999-0000"
SECOND_CAPTION = "二件目の書類です 山田タロウ 090-1111-2222"
SECOND_WORDS = "二度目の配達員は青い帽子の方でした"


def case_after_case(desk: Desk) -> tuple[str, str]:
    """Alice's first case gets a captioned file while open and is closed; then she opens a
    second case, sends it a captioned file, and staff's reply is answered (relayed)."""
    alice = Member(desk, "alice")
    first = worked_case(desk, close=False)
    alice.sends_file(PDF, name="委任状.pdf", caption=CAPTION)
    desk.app.cases.close(first, StaffActor.trusted("sato"), "partial", REASON, confirmed=True)
    alice.read()
    for line in COMPLAINT:
        alice.says(line)
    second = desk.app.cases.list_unaudited()[-1].number
    assert second != first
    alice.sends_file(PDF, name="委任状2.pdf", caption=SECOND_CAPTION)
    desk.app.cases.claim(second, StaffActor.trusted("sato"))
    desk.app.cases.reply(second, StaffActor.trusted("sato"), "ご連絡ありがとうございます")
    alice.read()
    alice.says(SECOND_WORDS)
    alice.read()
    return first, second


def line_texts(desk: Desk) -> list[str]:
    return [line.text for line in rows(desk, TranscriptLine)]


def test_a_file_sent_to_an_open_case_leaves_no_caption_or_acknowledgement_after_its_purge(
    desk: Desk,
) -> None:
    first, _second = case_after_case(desk)
    assert any(CAPTION in text for text in line_texts(desk))
    desk.clock.advance(days=400)

    plan = purge(desk)

    assert stages(plan)["transcripts"] == [first]
    assert not [text for text in line_texts(desk) if CAPTION in text]
    # Nor the desk's word that the file (or a relayed message) reached that case.
    assert not [text for text in line_texts(desk) if first in text]
    assert CAPTION not in readable_text(desk)


def test_the_members_other_open_case_keeps_its_file_lines_and_relayed_words(desk: Desk) -> None:
    first, second = case_after_case(desk)
    second_case = case_row(desk, second)
    assert second_case is not None and second_case.id is not None
    kept = rows(desk, TranscriptLine, TranscriptLine.case_id == second_case.id)
    assert any(SECOND_CAPTION in line.text for line in kept)
    assert any(SECOND_WORDS in line.text for line in kept)
    assert any(second in line.text and line.direction == "bot" for line in kept)
    before = desk.app.cases.detail_unaudited(second).transcript
    desk.clock.advance(days=400)

    purge(desk)

    assert rows(desk, TranscriptLine, TranscriptLine.case_id == second_case.id) == kept
    assert desk.app.cases.detail_unaudited(second).transcript == before
    assert [a.caption for a in rows(desk, Attachment)] == [SECOND_CAPTION]
    assert case_row(desk, first) is not None  # the register stays


def test_words_passed_on_to_a_case_with_a_button_go_with_that_case(desk: Desk) -> None:
    withdrawal = "申し込みを取り下げたい"
    dan = desk.member("dan", org="coopdeli")
    for line in COMPLAINT:
        dan.says(line)
    first = desk.app.cases.list_unaudited()[-1].number
    assert "取り下げますか" in dan.says(withdrawal)
    assert first in dan.says("1")  # withdrawn: closed, so its purge comes
    for line in COMPLAINT:
        dan.says(line)
    second = desk.app.cases.list_unaudited()[-1].number
    second_lines = desk.app.cases.detail_unaudited(second).transcript
    assert withdrawal in [line.text for line in desk.app.cases.detail_unaudited(first).transcript]
    desk.clock.advance(days=400)

    plan = purge(desk)

    assert stages(plan)["transcripts"] == [first]
    assert withdrawal not in line_texts(desk)
    assert desk.app.cases.detail_unaudited(second).transcript == second_lines


def test_lines_an_older_version_left_untied_are_tied_to_their_case_by_the_upgrade(
    desk: Desk,
) -> None:
    alice = desk.member("alice", org="coopdeli")
    for position, line in enumerate(COMPLAINT):
        desk.clock.advance(seconds=1)  # each turn its own moment, as on a real clock
        alice.says(line)
        if position == 0:  # a file held for the request, attached when it is filed
            desk.clock.advance(seconds=1)
            alice.sends_file(PDF, name="住民票.pdf")
    first = desk.app.cases.list_unaudited()[-1].number
    desk.clock.advance(seconds=1)
    alice.sends_file(PDF, name="委任状.pdf", caption=CAPTION)
    desk.clock.advance(seconds=1)
    desk.app.cases.reply(first, StaffActor.trusted("sato"), "ご連絡ありがとうございます")
    alice.read()
    desk.clock.advance(seconds=1)
    alice.says(SECOND_WORDS)
    desk.clock.advance(seconds=1)
    desk.app.cases.close(first, StaffActor.trusted("sato"), "partial", REASON, confirmed=True)
    alice.start()
    for line in COMPLAINT[1:]:
        desk.clock.advance(seconds=1)
        alice.says(line)
    tied = {line.id: line.case_id for line in rows(desk, TranscriptLine)}
    assert sum(1 for case_id in tied.values() if case_id) > 1  # the staff reply and more
    db_url = desk.db_url
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as connection:  # as the older version wrote them
        connection.exec_driver_sql(
            "UPDATE transcriptline SET case_id = NULL WHERE direction IN ('member', 'bot')"
        )
    engine.dispose()
    command.stamp(alembic_config(url=db_url), "0007")

    # Up to the data migration under test: the schema is already the newest one, so later
    # migrations that add columns have nothing to do here.
    command.upgrade(alembic_config(url=db_url), "0008")

    assert {line.id: line.case_id for line in rows(desk, TranscriptLine)} == tied
