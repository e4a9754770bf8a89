"""Staff rules on cases: deadlines, pauses, hand-overs, outcomes and what the member hears."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from flows.cases import CaseActionError
from flows.i18n import JST
from storage.models import Case, StaffDraft
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk, let_org_serve

HANDOFF = ["9", "その他", "相談です", "入力しない"]
INQUIRY = ["1", "その他", "家族の分もまとめて頼めますか", "山田 花子"]  # a question


def new_case(desk: Desk, org: str = "coopdeli", chat_id: str = "alice") -> str:
    member = desk.member(chat_id, org=org)
    for line in HANDOFF:
        member.says(line)
    return desk.app.cases.list_unaudited()[-1].number


def test_pausing_stops_the_clock_and_resuming_moves_the_due_date(desk: Desk) -> None:
    number = new_case(desk)
    due = desk.app.cases.detail_unaudited(number).case.due_at
    desk.app.cases.pause(number, StaffActor.trusted("sato"), "委任状")
    desk.clock.advance(days=5)
    resumed = desk.app.cases.resume(number, StaffActor.trusted("sato"))
    assert resumed.due_at == due + timedelta(days=5)
    member = desk.member("alice")
    said = "\n".join(m.text for m in member.received)
    assert "委任状をお待ちしています" in said
    assert "手続きを再開しました" in said


def test_an_extension_needs_a_later_date_and_a_reason(desk: Desk) -> None:
    number = new_case(desk)
    due = desk.app.cases.detail_unaudited(number).case.due_at
    with pytest.raises(CaseActionError):
        desk.app.cases.extend(number, StaffActor.trusted("sato"), due - timedelta(days=1), "理由")
    with pytest.raises(CaseActionError):
        desk.app.cases.extend(number, StaffActor.trusted("sato"), due + timedelta(days=7), "  ")
    extended = desk.app.cases.extend(
        number, StaffActor.trusted("sato"), due + timedelta(days=5), "確認に時間がかかるため"
    )
    assert extended.due_at == due + timedelta(days=5)


def test_extensions_add_at_most_two_weeks_in_all_as_the_policy_promises(desk: Desk) -> None:
    number = new_case(desk)
    due = desk.app.cases.detail_unaudited(number).case.due_at
    # A due date set at the end of the last day (as Slack's date picker and --until do) is in.
    last_day = (due + timedelta(days=14)).astimezone(JST).replace(hour=23, minute=59)
    desk.app.cases.check_extension(number, last_day)  # the latest due date allowed
    monday = datetime(2026, 12, 21, 23, 59, tzinfo=JST)  # the first open day past it
    with pytest.raises(CaseActionError, match="14 days in all"):
        desk.app.cases.check_extension(number, monday)
    desk.app.cases.extend(
        number, StaffActor.trusted("sato"), due + timedelta(days=10), "書庫からの取り寄せのため"
    )
    with pytest.raises(CaseActionError, match="14 days in all") as refused:
        desk.app.cases.extend(number, StaffActor.trusted("sato"), monday, "まだ届かないため")
    assert "合わせて14日まで" in refused.value.ja
    assert "2026年12月18日(金)までに" in refused.value.ja  # the last open day, not Sunday 20日
    # Filed on Sunday 11月22日: the latest date promised is Friday 12月18日 (the 20th is Sunday).
    extended = desk.app.cases.extend(
        number, StaffActor.trusted("sato"), last_day, "まだ届かないため"
    )
    assert extended.due_at == datetime(2026, 12, 18, 23, 59, tzinfo=JST)


def test_a_pause_moves_the_latest_extension_with_the_due_date(desk: Desk) -> None:
    number = new_case(desk)
    due = desk.app.cases.detail_unaudited(number).case.due_at
    desk.app.cases.pause(number, StaffActor.trusted("sato"), "委任状")
    desk.clock.advance(days=5)
    desk.app.cases.resume(number, StaffActor.trusted("sato"))
    extended = desk.app.cases.extend(
        number, StaffActor.trusted("sato"), due + timedelta(days=19), "確認のため"
    )
    assert extended.due_at == due + timedelta(days=19)  # 5 days waiting, then 14 extended
    with pytest.raises(CaseActionError):
        desk.app.cases.extend(
            number, StaffActor.trusted("sato"), due + timedelta(days=20), "確認のため"
        )


def test_taking_over_someone_elses_case_needs_confirmation(desk: Desk) -> None:
    number = new_case(desk)
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    with pytest.raises(CaseActionError, match="sato"):
        desk.app.cases.claim(number, StaffActor.trusted("suzuki"))
    assert (
        desk.app.cases.claim(number, StaffActor.trusted("suzuki"), take_over=True).assignee
        == "suzuki"
    )


def test_transfer_moves_the_case_to_the_other_queue_unassigned(desk: Desk) -> None:
    number = new_case(desk)
    let_org_serve(desk.app, "coopdeli", "kyosai-bu")
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    moved = desk.app.cases.transfer(
        number, StaffActor.trusted("sato"), "kyosai-bu", "共済の契約についてのため"
    )
    assert (moved.queue, moved.assignee) == ("kyosai-bu", None)


def test_a_transfer_to_an_unknown_queue_is_refused_in_japanese_naming_the_own_queues(
    desk: Desk,
) -> None:
    number = new_case(desk)
    with pytest.raises(CaseActionError, match="no queue") as refused:
        desk.app.cases.transfer(number, StaffActor.trusted("sato"), "kyosai-b", "typo")
    assert refused.value.ja == (
        "窓口「kyosai-b」はありません。この案件の組合の窓口：宅配センター（takuhai-center）。"
    )
    assert desk.app.cases.detail_unaudited(number).case.queue == "takuhai-center"


@pytest.mark.parametrize(
    ("org", "own", "other"),
    [
        ("coopdeli", "takuhai-center", "kyosai-bu"),
        ("seikatsuclub-kyosai", "kyosai-bu", "takuhai-center"),
        ("seikatsuclub-kyosai", "kyosai-bu", "宅配センター"),
    ],
)
def test_a_case_is_never_transferred_to_another_co_ops_queue(
    desk: Desk, org: str, own: str, other: str
) -> None:
    number = new_case(desk, org)
    with pytest.raises(CaseActionError) as refused:
        desk.app.cases.transfer(number, StaffActor.trusted("sato"), other, "共済の件のため")
    assert "ほかの組合の窓口のため、転送できません" in refused.value.ja
    assert f"この案件の組合の窓口：{desk.app.cases.queue_label(own)}（{own}）" in refused.value.ja
    case = desk.app.cases.detail_unaudited(number)
    assert case.case.queue == own and not any(e.kind == "transferred" for e in case.events)


def test_staff_may_name_the_queue_to_transfer_to_in_japanese(desk: Desk) -> None:
    number = new_case(desk)
    let_org_serve(desk.app, "coopdeli", "kyosai-bu")
    desk.app.cases.queue_names["kyosai-bu"] = "共済部"
    assert (
        desk.app.cases.transfer(
            number, StaffActor.trusted("sato"), "共済部", "共済の件のため"
        ).queue
        == "kyosai-bu"
    )


def test_refusing_needs_a_reason_and_the_member_hears_it(desk: Desk) -> None:
    number = new_case(desk)
    with pytest.raises(CaseActionError):
        desk.app.cases.close(number, StaffActor.trusted("sato"), "refused")
    desk.app.cases.close(
        number, StaffActor.trusted("sato"), "refused", "該当する記録がありませんでした"
    )
    member = desk.member("alice")
    assert any("理由：該当する記録がありませんでした" in m.text for m in member.received)
    with pytest.raises(CaseActionError, match="closed"):
        desk.app.cases.claim(number, StaffActor.trusted("x"))


def test_internal_notes_never_reach_the_member(desk: Desk) -> None:
    number = new_case(desk)
    desk.app.cases.note(number, StaffActor.trusted("sato"), "内部メモ：電話済み")
    member = desk.member("alice")
    assert not any("内部メモ" in m.text for m in member.received)
    assert [e.kind for e in desk.app.cases.detail_unaudited(number).events] == ["created", "note"]


def test_a_withdrawn_request_is_closed_and_confirmed_to_the_member(desk: Desk) -> None:
    number = new_case(desk)
    assert (
        desk.app.cases.withdraw(number, StaffActor.trusted("sato"), "電話で取り下げの申し出").status
        == "withdrawn"
    )
    member = desk.member("alice")
    assert any("取り下げを承りました" in m.text for m in member.received)


def test_deadlines_can_be_set_per_org_and_type_in_the_deployment_file(
    tmp_path: Path, clock: Clock
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["coopdeli"]\n[deadlines.coopdeli]\ndefault_days = 10\nper_type = { human = 3 }\n',
        encoding="utf-8",
    )
    desk = build_desk(tmp_path / "d.sqlite3", clock, deployment)
    member = desk.member()  # one org: no need to pick
    assert "コープデリの個人情報の窓口です" in member.received[0].text
    for line in HANDOFF:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    assert case.due_at - case.received_at == timedelta(days=3)


def test_a_draft_is_sent_once_by_its_author_with_the_text_stored(desk: Desk) -> None:
    number = new_case(desk)
    cases = desk.app.cases
    draft = cases.draft(number, StaffActor.trusted("slack:U1"), "reply", "書類を郵送します。")

    with pytest.raises(CaseActionError, match="someone else"):
        cases.send_draft(draft, number, StaffActor.trusted("slack:U2"))
    other = new_case(desk, chat_id="bob")
    with pytest.raises(CaseActionError, match="another case"):
        cases.send_draft(draft, other, StaffActor.trusted("slack:U1"))

    cases.send_draft(draft, number, StaffActor.trusted("slack:U1"))
    cases.send_draft(draft, number, StaffActor.trusted("slack:U1"))  # a double click: nothing more
    replies = [e for e in cases.detail_unaudited(number).events if e.kind == "replied"]
    assert [e.data["text"] for e in replies] == ["書類を郵送します。"]
    said = [m.text for m in desk.member("alice").received if "書類を郵送します。" in m.text]
    assert len(said) == 1


def test_a_draft_expires_and_close_and_extension_drafts_carry_their_choice(desk: Desk) -> None:
    number = new_case(desk)
    cases = desk.app.cases
    stale = cases.draft(number, StaffActor.trusted("sato"), "reply", "古い下書き")
    desk.clock.advance(hours=2)
    with pytest.raises(CaseActionError, match="expired"):
        cases.send_draft(stale, number, StaffActor.trusted("sato"))

    due = cases.detail_unaudited(number).case.due_at + timedelta(days=5)
    cases.send_draft(
        cases.draft(number, StaffActor.trusted("sato"), "extend", "取り寄せのため", new_due=due),
        number,
        StaffActor.trusted("sato"),
    )
    assert cases.detail_unaudited(number).case.due_at == due
    with desk.app.db.transaction() as session:  # a new draft swept the stale one away
        assert session.get(StaffDraft, stale) is None
    closing = cases.draft(
        number, StaffActor.trusted("sato"), "close", "記録がありません", outcome="refused"
    )
    cases.send_draft(closing, number, StaffActor.trusted("sato"))
    closed = cases.detail_unaudited(number).case
    assert (closed.status, closed.outcome_reason) == ("refused", "記録がありません")
    said = "\n".join(m.text for m in desk.member("alice").received)
    assert "取り寄せのため" in said and "記録がありません" in said and "古い下書き" not in said


def test_a_closed_case_the_member_wrote_about_again_stays_in_the_open_list(desk: Desk) -> None:
    number = new_case(desk)
    quiet = new_case(desk, chat_id="bob")
    desk.app.cases.close(number, StaffActor.trusted("sato"), "refused", "記録がありません")
    desk.app.cases.close(quiet, StaffActor.trusted("sato"), "refused", "記録がありません")
    desk.member("alice").says("なぜですか")
    listed = [case.number for case in desk.app.cases.list_unaudited(include_closed=False)]
    assert listed == [number]


@pytest.mark.parametrize("action", ["reopen", "transfer", "close", "note"])
def test_acting_on_a_case_without_reading_leaves_the_members_words_unread(
    desk: Desk, action: str
) -> None:
    number = new_case(desk)
    let_org_serve(desk.app, "coopdeli", "kyosai-bu")
    cases = desk.app.cases
    if action == "reopen":
        cases.close(number, StaffActor.trusted("sato"), "refused", "記録がありません")
    desk.member("alice").says("電話は夕方にお願いします")
    assert cases.get(number).unread_messages == 1
    if action == "reopen":
        cases.reopen(number, StaffActor.trusted("sato"), "会員から再度のお問い合わせ")
    elif action == "transfer":
        cases.transfer(number, StaffActor.trusted("sato"), "kyosai-bu", "共済の件のため")
    elif action == "close":
        cases.close(
            number, StaffActor.trusted("sato"), "refused", "記録がありません", confirmed=True
        )
    else:
        cases.note(number, StaffActor.trusted("sato"), "電話の件、確認中")
    assert cases.get(number).unread_messages == 1
    cases.reply(number, StaffActor.trusted("sato"), "承知しました。夕方にお電話します。")
    assert cases.get(number).unread_messages == 0


@pytest.mark.parametrize(
    "typed", ["ＣＤ－２０２６－００００１", "cd‐2026‐00001", " CD−2026−00001 ", "ＣＤ-2026-00001"]
)
def test_staff_find_a_case_by_its_number_typed_in_full_width_or_with_any_dash(
    desk: Desk, typed: str
) -> None:
    number = new_case(desk)
    assert number == "CD-2026-00001"
    assert desk.app.cases.claim(typed, StaffActor.trusted("sato")).number == number
    assert [
        case.number for case in desk.app.cases.find(typed, StaffActor.trusted("cli:chief"))
    ] == [number]


def test_claiming_a_question_promises_no_identity_check(desk: Desk) -> None:
    number = new_case(desk)  # 担当者へのご相談
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    said = "\n".join(m.text for m in desk.member("alice").received)
    assert f"【受付番号 {number}】担当者が決まりました。担当者からご連絡します。" in said
    assert "ご本人確認" not in said


@pytest.mark.parametrize("request_type", ["inquiry", "human"])
def test_claiming_a_question_puts_it_in_progress_not_awaiting_an_identity_check(
    desk: Desk, request_type: str
) -> None:
    member = desk.member("alice", org="coopdeli")
    for line in INQUIRY if request_type == "inquiry" else HANDOFF:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    assert case.request_type == request_type
    assert desk.app.cases.claim(case.number, StaffActor.trusted("sato")).status == "in_progress"
    assert desk.app.cases.detail_unaudited(case.number).case.status == "in_progress"


def test_claiming_a_personal_data_request_still_awaits_the_identity_check(desk: Desk) -> None:
    number = new_case(desk)
    with desk.app.db.transaction() as session:
        case = session.exec(select(Case).where(Case.number == number)).one()
        case.request_type = "disclosure"
        session.add(case)
    assert desk.app.cases.claim(number, StaffActor.trusted("sato")).status == "awaiting_identity"


def test_claiming_a_case_about_a_deceased_person_checks_the_asker_and_their_relationship(
    desk: Desk,
) -> None:
    number = new_case(desk)
    with desk.app.db.transaction() as session:
        case = session.exec(select(Case).where(Case.number == number)).one()
        case.request_type, case.flags = "disclosure", ["deceased"]
        session.add(case)
    claimed = desk.app.cases.claim(number, StaffActor.trusted("sato"))
    assert claimed.status == "awaiting_identity"
    said = "\n".join(m.text for m in desk.member("alice").received)
    assert "ご請求者さまのご本人確認と、亡くなった方とのご関係の確認のうえ" in said
