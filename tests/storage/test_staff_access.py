"""The case service's one access check: who may act on which case and read what, each refusal
with one ``denied:`` audit entry and nothing else written, each read with exactly one entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from flows.cases import CaseActionError
from storage.staff import NOT_YOUR_QUEUE, SUPERVISORS_ONLY, StaffActor
from tests.conftest import Desk

HANDOFF = ["9", "その他", "相談です", "入力しない"]
TAKUHAI = StaffActor.terminal("sato", ["takuhai-center"], supervisor=False)  # 宅配センター
KYOSAI = StaffActor.slack("UKYO", ["kyosai-bu"], supervisor=False)  # 共済部
BOSS = StaffActor.terminal("tanaka", [], supervisor=True)


def kyosai_case(desk: Desk) -> str:
    member = desk.member("alice", org="seikatsuclub-kyosai")
    for line in HANDOFF:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    assert case.queue == "kyosai-bu"
    return case.number


def _entries(desk: Desk) -> list[tuple[str, str, str | None, bool]]:
    return [(e.actor, e.action, e.case_number, e.allowed) for e in desk.app.audit.entries()]


Attempt = Callable[[Any, str, StaffActor], object]
ATTEMPTS: list[tuple[str, Attempt]] = [
    ("claim", lambda s, n, a: s.claim(n, a)),
    ("reply", lambda s, n, a: s.reply(n, a, "お送りしました。")),
    ("note", lambda s, n, a: s.note(n, a, "メモ")),
    ("verify", lambda s, n, a: s.verify_identity(n, a, "phone_callback")),
    ("pause", lambda s, n, a: s.pause(n, a, "委任状")),
    ("transfer", lambda s, n, a: s.transfer(n, a, "kyosai-bu", "転送")),
    ("close", lambda s, n, a: s.close(n, a, "answered", confirmed=True)),
    ("withdraw", lambda s, n, a: s.withdraw(n, a, "電話でお申し出")),
    ("reply", lambda s, n, a: s.draft(n, a, "reply", "下書き")),
    ("view_case", lambda s, n, a: s.detail(n, a)),
    ("download_attachment", lambda s, n, a: s.attachment(n, 1, a)),
    ("member_data", lambda s, n, a: s.export_member_data(n, a, "json")),
    ("notice_sent", lambda s, n, a: s.notice_sent(n, a, 1, "post", date(2026, 12, 1))),
]


@pytest.mark.parametrize(("action", "attempt"), ATTEMPTS, ids=[a for a, _ in ATTEMPTS])
def test_staff_of_another_queue_are_refused_with_one_denied_entry_and_nothing_written(
    desk: Desk, action: str, attempt: Attempt
) -> None:
    number = kyosai_case(desk)
    events_before = len(desk.app.cases.detail_unaudited(number).events)
    before = _entries(desk)

    with pytest.raises(CaseActionError) as refused:
        attempt(desk.app.cases, number, TAKUHAI)

    assert refused.value.ja == NOT_YOUR_QUEUE.ja
    assert _entries(desk)[len(before) :] == [("cli:sato", f"denied:{action}", number, False)]
    assert len(desk.app.cases.detail_unaudited(number).events) == events_before
    assert desk.app.cases.get(number).assignee is None


@pytest.mark.parametrize(
    ("action", "attempt"),
    [
        ("transcript", lambda s, n, a: s.detail(n, a, purpose="view_transcript")),
        ("transcript", lambda s, n, a: s.detail(n, a, purpose="export_transcript")),
        ("find", lambda s, n, a: s.find("山田", a)),
    ],
    ids=["view_transcript", "export_transcript", "find"],
)
def test_the_whole_record_and_searches_are_for_supervisors_even_to_the_queues_own_staff(
    desk: Desk, action: str, attempt: Attempt
) -> None:
    number = kyosai_case(desk)
    own_staff = StaffActor.terminal("kato", ["kyosai-bu"], supervisor=False)
    before = _entries(desk)
    with pytest.raises(CaseActionError) as refused:
        attempt(desk.app.cases, number, own_staff)
    assert refused.value.ja == SUPERVISORS_ONLY.ja
    [entry] = _entries(desk)[len(before) :]
    assert entry[:2] == ("cli:kato", f"denied:{action}") and entry[3] is False


def test_the_queues_own_staff_and_a_supervisor_may_act_and_each_action_is_on_record(
    desk: Desk,
) -> None:
    number = kyosai_case(desk)
    desk.app.cases.claim(number, KYOSAI)
    desk.app.cases.note(number, BOSS, "確認しました")
    assert [(e.actor, e.kind) for e in desk.app.cases.detail_unaudited(number).events][-2:] == [
        ("slack:UKYO", "claimed"),
        ("tanaka", "note"),
    ]
    assert [e[:2] for e in _entries(desk)] == [("slack:UKYO", "claimed"), ("cli:tanaka", "note")]


def test_every_staff_read_writes_exactly_one_audit_entry(desk: Desk) -> None:
    number = kyosai_case(desk)
    cases = desk.app.cases
    reads: list[tuple[Callable[[], object], tuple[str, str, str | None, bool]]] = [
        (lambda: cases.list(KYOSAI), ("slack:UKYO", "list_cases", None, True)),
        (lambda: cases.detail(number, KYOSAI), ("slack:UKYO", "view_case", number, True)),
        (
            lambda: cases.detail(number, BOSS, purpose="view_transcript"),
            ("cli:tanaka", "view_transcript", number, True),
        ),
        (
            lambda: cases.detail(number, BOSS, purpose="export_transcript"),
            ("cli:tanaka", "export_transcript", number, True),
        ),
        (lambda: cases.find(number, BOSS), ("cli:tanaka", "find", None, True)),
        (
            lambda: cases.export_member_data(number, KYOSAI, "html"),
            ("slack:UKYO", "view_member_data", number, True),
        ),
    ]
    for read, entry in reads:
        before = _entries(desk)
        read()
        assert _entries(desk)[len(before) :] == [entry]


def test_staff_see_only_their_queues_cases_and_are_refused_another_queues_list(
    desk: Desk,
) -> None:
    number = kyosai_case(desk)
    assert [c.number for c in desk.app.cases.list(KYOSAI)] == [number]
    assert desk.app.cases.list(TAKUHAI) == []
    assert [c.number for c in desk.app.cases.list(BOSS)] == [number]
    with pytest.raises(CaseActionError):
        desk.app.cases.list(TAKUHAI, "kyosai-bu")
    assert _entries(desk)[-1] == ("cli:sato", "denied:list_cases", None, False)


def test_a_trusted_actor_from_a_plain_id_keeps_the_id_on_record_and_may_do_anything(
    desk: Desk,
) -> None:
    number = kyosai_case(desk)
    job = StaffActor.trusted("cli:sato")
    assert (job.id, job.on_record, job.supervisor) == ("cli:sato", "cli:sato", True)
    assert StaffActor.trusted("sato").on_record == "sato"
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    assert desk.app.cases.get(number).assignee == "sato"
    assert _entries(desk)[-1] == ("cli:sato", "claimed", number, True)
