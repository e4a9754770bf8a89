"""The audit log: every staff action on record with its surface, nothing personal in it, and a
hash chain that shows any edit made behind the append-only triggers' back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from flows.cases import CaseActionError
from storage.audit import GENESIS, Actor, AuditLog, entry_hash, staff_actor
from storage.models import AuditEntry
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk, let_org_serve
from tests.storage.test_case_service import new_case
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

SATO = Actor("cli:sato", "cli")


@pytest.fixture
def file_desk(sqlite_url: str, clock: Clock) -> Iterator[Desk]:
    """A desk on a SQLite file, for tests that open the file behind the application's back."""
    desk = build_desk(sqlite_url, clock)
    yield desk
    desk.app.db.close()


def three_views(log: AuditLog, clock: Clock) -> None:
    for number in ("KY-2026-00001", "KY-2026-00002", "KY-2026-00003"):
        log.record(SATO, "view_case", case_number=number, detail={"format": "html"})
        clock.advance(minutes=1)


def tamper(desk: Desk, *statements: str) -> None:
    """Someone with the file: drops the append-only triggers and edits the log directly."""
    with sqlite3.connect(desk.db_path) as db:
        triggers = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'auditentry'"
        ).fetchall()
        assert triggers  # the triggers were there
        for (name,) in triggers:
            db.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            db.execute(statement)


# ---------------------------------------------------------------------- the chain


def test_entries_are_numbered_and_each_links_to_the_one_before(desk: Desk) -> None:
    three_views(desk.app.audit, desk.clock)
    entries = desk.app.audit.entries()

    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS == "0" * 64
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert all(entry_hash(e.prev_hash, e) == e.entry_hash for e in entries)
    assert len({e.entry_hash for e in entries}) == 3


def test_a_clean_log_verifies(desk: Desk) -> None:
    assert desk.app.audit.verify().ok  # empty
    three_views(desk.app.audit, desk.clock)
    number = new_case(desk)
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.close(number, StaffActor.trusted("slack:U123"), "answered")

    result = desk.app.audit.verify()
    assert result.ok and result.bad_seq is None
    assert (result.checked, result.head_seq) == (5, 5)
    assert result.head_hash == desk.app.audit.entries()[-1].entry_hash


def test_the_triggers_refuse_edits_through_sqlite(file_desk: Desk) -> None:
    three_views(file_desk.app.audit, file_desk.clock)
    with sqlite3.connect(file_desk.db_path) as db, pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE auditentry SET actor = 'cli:nobody' WHERE seq = 2")


EDITS: dict[str, tuple[tuple[str, ...], int]] = {
    "detail": (('UPDATE auditentry SET detail = \'{"format": "csv"}\' WHERE seq = 2',), 2),
    "actor": (("UPDATE auditentry SET actor = 'cli:suzuki' WHERE seq = 2",), 2),
    "time": (("UPDATE auditentry SET at = '2026-11-20 01:00:00.000000' WHERE seq = 2",), 2),
    "allowed": (("UPDATE auditentry SET allowed = 0 WHERE seq = 1",), 1),
    "deleted middle": (("DELETE FROM auditentry WHERE seq = 2",), 3),
    "deleted first": (("DELETE FROM auditentry WHERE seq = 1",), 2),
    "deleted last": (("DELETE FROM auditentry WHERE seq = 3",), 3),
    "swapped": (
        (
            "UPDATE auditentry SET seq = -2 WHERE seq = 2",
            "UPDATE auditentry SET seq = 2 WHERE seq = 3",
            "UPDATE auditentry SET seq = 3 WHERE seq = -2",
        ),
        2,
    ),
    "swapped contents": (
        (
            "UPDATE auditentry SET case_number = 'X' WHERE seq = 2",
            "UPDATE auditentry SET case_number = 'KY-2026-00002' WHERE seq = 3",
            "UPDATE auditentry SET case_number = 'KY-2026-00003' WHERE case_number = 'X'",
        ),
        2,
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_behind_the_triggers_is_found_at_the_first_entry_it_breaks(
    file_desk: Desk, edit: str
) -> None:
    three_views(file_desk.app.audit, file_desk.clock)
    statements, first_bad = EDITS[edit]
    tamper(file_desk, *statements)

    result = file_desk.app.audit.verify()
    assert not result.ok
    assert result.bad_seq == first_bad, result
    assert result.reason


def test_an_edit_with_its_own_hash_recomputed_breaks_the_next_link(file_desk: Desk) -> None:
    three_views(file_desk.app.audit, file_desk.clock)
    entry = file_desk.app.audit.entries()[1]
    entry.actor = "cli:suzuki"
    forged = entry_hash(entry.prev_hash, entry)
    tamper(
        file_desk,
        f"UPDATE auditentry SET actor = 'cli:suzuki', entry_hash = '{forged}' WHERE seq = 2",
    )

    result = file_desk.app.audit.verify()
    assert (result.ok, result.bad_seq) == (False, 3)


def test_appending_after_tampering_does_not_hide_it(file_desk: Desk) -> None:
    three_views(file_desk.app.audit, file_desk.clock)
    tamper(file_desk, "UPDATE auditentry SET actor = 'cli:suzuki' WHERE seq = 1")
    file_desk.app.audit.record(SATO, "view_case", case_number="KY-2026-00009")

    assert file_desk.app.audit.verify().bad_seq == 1
    assert file_desk.app.audit.entries()[-1].seq == 4


def test_a_lost_head_is_reported_and_the_next_entry_continues_the_chain(file_desk: Desk) -> None:
    three_views(file_desk.app.audit, file_desk.clock)
    with sqlite3.connect(file_desk.db_path) as db:
        db.execute("DELETE FROM auditchainhead")

    lost = file_desk.app.audit.verify()
    assert (lost.ok, lost.reason) == (False, "the chain head is missing")
    file_desk.app.audit.record(SATO, "view_case", case_number="KY-2026-00009")
    entries = file_desk.app.audit.entries()
    assert entries[-1].seq == 4 and entries[-1].prev_hash == entries[-2].entry_hash
    assert file_desk.app.audit.verify().ok


# ---------------------------------------------------------------------- staff actions


def test_every_staff_action_is_on_record_with_the_surface_it_came_from(desk: Desk) -> None:
    number = new_case(desk)
    case = desk.app.cases.detail_unaudited(number).case
    assert desk.app.audit.entries() == []  # the member's own request is not a staff action
    cases = desk.app.cases
    let_org_serve(desk.app, "coopdeli", "kyosai-bu")
    cases.claim(number, StaffActor.trusted("sato"))
    cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    cases.reply(number, StaffActor.trusted("slack:U123"), "書類をお送りしました。山田様")
    cases.note(
        number, StaffActor.trusted("slack:U123"), "電話で確認済み 090-1234-5678", source="slack"
    )
    cases.extend(
        number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "資料の確認のため"
    )
    cases.pause(number, StaffActor.trusted("sato"), "委任状")
    desk.clock.advance(days=1)
    cases.resume(number, StaffActor.trusted("sato"))
    cases.transfer(number, StaffActor.trusted("slack:U123"), "kyosai-bu", "共済のため")
    cases.close(number, StaffActor.trusted("slack:U999"), "refused", "該当する記録がありません")

    entries = desk.app.audit.entries(case_number=number)
    assert [(e.action, e.actor, e.surface) for e in entries] == [
        ("claimed", "cli:sato", "cli"),
        ("identity_verified", "cli:sato", "cli"),
        ("replied", "slack:U123", "slack"),
        ("note", "slack:U123", "slack"),
        ("extended", "cli:sato", "cli"),
        ("paused", "cli:sato", "cli"),
        ("resumed", "cli:sato", "cli"),
        ("transferred", "slack:U123", "slack"),
        ("closed", "slack:U999", "slack"),
    ]
    assert all(e.allowed for e in entries)
    assert entries[1].detail == {"method": "phone_callback"}
    assert entries[7].detail == {"from": "takuhai-center", "to": "kyosai-bu"}
    assert entries[8].detail == {"outcome": "refused"}
    assert entries[6].detail == {"waited_seconds": 86400}
    # Texts staff wrote may name or quote the member: they stay in the case, not in the log.
    logged = json.dumps([e.detail for e in entries], ensure_ascii=False)
    for text in ("山田", "090-1234-5678", "資料の確認", "委任状", "共済のため", "該当する記録"):
        assert text not in logged
    assert desk.app.audit.verify().ok


def test_withdrawal_is_on_record_and_system_events_are_not(desk: Desk) -> None:
    number = new_case(desk)
    desk.clock.advance(days=30)
    assert desk.app.cases.mark_deadlines(3) == [number]  # a "system" escalation
    desk.app.cases.withdraw(number, StaffActor.trusted("sato"), "電話で取り下げの申し出")

    assert [(e.action, e.actor) for e in desk.app.audit.entries()] == [("withdrawn", "cli:sato")]


def test_an_action_that_fails_leaves_no_entry(desk: Desk) -> None:
    number = new_case(desk)
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    before = desk.app.audit.entries()

    with pytest.raises(CaseActionError):
        desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    with pytest.raises(CaseActionError):
        desk.app.cases.claim(number, StaffActor.trusted("suzuki"))
    other = new_case(desk, chat_id="bob")
    with pytest.raises(CaseActionError):
        desk.app.cases.transfer(other, StaffActor.trusted("sato"), "no-such-queue", "メモ")

    assert desk.app.audit.entries() == before
    assert desk.app.audit.verify().ok


def test_a_repeated_action_key_is_one_entry(desk: Desk) -> None:
    number = new_case(desk)
    desk.app.cases.note(number, StaffActor.trusted("slack:U1"), "メモ", key="slack:event:Ev1")
    desk.app.cases.note(number, StaffActor.trusted("slack:U1"), "メモ", key="slack:event:Ev1")
    assert [e.action for e in desk.app.audit.entries()] == ["note"]


def test_an_actor_is_found_by_id_with_or_without_the_surface(desk: Desk) -> None:
    number = new_case(desk)
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.audit.record(SATO, "view_case", case_number=number)
    desk.app.cases.note(number, StaffActor.trusted("slack:U123"), "メモ")
    desk.app.cases.note(number, StaffActor.trusted("satoh"), "メモ")

    def actions(actor: str) -> list[str]:
        return [e.action for e in desk.app.audit.entries(actor=actor)]

    assert actions("sato") == actions("cli:sato") == ["claimed", "view_case"]
    assert actions("U123") == actions("slack:U123") == ["note"]
    assert actions("slack:sato") == []
    assert actions("%") == []  # no wildcards


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("slack:U123", Actor("slack:U123", "slack")),
        ("cli:sato", Actor("cli:sato", "cli")),
        ("sato", Actor("cli:sato", "cli")),
        ("mailto:x", Actor("cli:mailto:x", "cli")),
    ],
)
def test_the_surface_comes_from_the_actor(actor: str, expected: Actor) -> None:
    assert staff_actor(actor) == expected


def test_a_whole_request_and_its_handling_leave_nothing_personal_in_the_log(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    desk.app.cases.verify_identity(case.number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.reply(
        case.number, StaffActor.trusted("sato"), "山田様、開示の書類をお送りしました"
    )
    desk.app.cases.close(
        case.number, StaffActor.trusted("sato"), "partial", "一部は hanako@example.jp 宛に"
    )

    dumped = repr([e.model_dump() for e in desk.app.audit.entries()])
    for secret in ("山田", "ヤマダ", "5285", "hanako@", "1975", "開示の書類"):
        assert secret not in dumped


# ---------------------------------------------------------------------- concurrency


def record_from_threads(record: Callable[[int], object], count: int) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(record, range(count)))


def test_entries_recorded_from_several_threads_make_one_unbroken_chain(desk: Desk) -> None:
    number = new_case(desk)

    def work(i: int) -> object:
        if i % 4 == 0:
            return desk.app.cases.note(number, StaffActor.trusted(f"staff{i}"), "メモ")
        return desk.app.audit.record(Actor(f"cli:staff{i}", "cli"), "view_case", case_number=number)

    record_from_threads(work, 40)

    entries = desk.app.audit.entries()
    assert [e.seq for e in entries] == list(range(1, 41))
    assert sum(e.action == "note" for e in entries) == 10
    result = desk.app.audit.verify()
    assert result.ok and result.checked == 40


def test_two_processes_on_one_file_share_one_chain(file_desk: Desk, tmp_path: Path) -> None:
    """A second Database on the same file (another process, as far as SQLite can tell)."""
    other = build_desk(file_desk.db_url, file_desk.clock)
    try:
        logs = [file_desk.app.audit, other.app.audit]

        def work(i: int) -> AuditEntry:
            return logs[i % 2].record(SATO, "view_case", case_number=f"KY-2026-{i:05d}")

        record_from_threads(work, 30)
    finally:
        other.app.db.close()
    result = file_desk.app.audit.verify()
    assert result.ok and result.checked == 30
