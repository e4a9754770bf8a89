"""Every follow-up reaches a person: while a member has a case, what they write goes to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk
from tests.flows.answers import file_a_complaint
from tests.flows.scenes import ORGS, file_request, kinds, member_messages

REFUSAL = "ご登録の記録が見つかりませんでした。ご不明な点はこのチャットでお尋ねください。"


@pytest.mark.parametrize("org", ORGS)
def test_a_member_with_an_open_request_reaches_its_staff_before_any_reply(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    member.transcript(
        f"""
        会員: 先日お願いした件、母の分も一緒に見ていただけますか
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: 担当者からのお返事も、このチャットに届きます。
        会員: いつもお世話になっております
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口にない: いまの状況です。
        """
    )
    assert member_messages(desk, case.number) == [
        "先日お願いした件、母の分も一緒に見ていただけますか",
        "いつもお世話になっております",
    ]
    assert desk.app.cases.get(case.number).unread_messages == 2


@pytest.mark.parametrize("org", ORGS)
def test_asking_when_they_will_be_called_is_relayed_and_answered_with_that_cases_status(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    desk.app.cases.reply(
        case.number, StaffActor.trusted("sato"), "ご登録の電話番号にお電話します。"
    )
    assert "お返事は、このチャットにそのまま入力してください。" in member.read()
    for question in ("いつ電話がきますか", "まだですか"):
        member.transcript(
            f"""
            会員: {question}
            窓口: 受付番号 {case.number} の担当者にお伝えしました。
            窓口: いまの状況です。
            窓口: 受付番号 {case.number}（開示、
            窓口: 回答の目安：2026年12月4日(金)
            窓口にない: 受付済みのお申し出：
            """
        )
    assert member_messages(desk, case.number) == ["いつ電話がきますか", "まだですか"]


@pytest.mark.parametrize("org", ORGS)
def test_why_after_a_refusal_reaches_the_closed_case_and_marks_it_for_staff(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    (case,) = desk.app.cases.list_unaudited()
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "refused", REFUSAL)
    assert REFUSAL in member.read()
    member.transcript(
        f"""
        会員: なぜですか
        窓口: 受付番号 {case.number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 受付済みのお申し出：
        """
    )
    assert member_messages(desk, case.number) == ["なぜですか"]
    closed = desk.app.cases.get(case.number)
    assert closed.status == "refused"
    assert closed.member_contact_at == desk.clock()
    assert closed.unread_messages == 1


@pytest.mark.parametrize("org", ORGS)
def test_after_the_follow_up_period_the_member_is_told_the_case_is_closed_and_offered_a_person(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    (case,) = desk.app.cases.list_unaudited()
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "refused", REFUSAL)
    member.read()
    desk.clock.advance(days=91)
    member.transcript(
        f"""
        会員: なぜですか
        窓口: 受付番号 {case.number} のお申し出は、2026年11月22日(日)に完了しています。
        窓口: 新しいお申し出として承るか
        窓口: 担当者と話す
        窓口: メニューから選ぶ
        窓口にない: 担当者にお伝えしました
        """
    )
    assert member_messages(desk, case.number) == []
    assert desk.app.cases.get(case.number).member_contact_at is None


@pytest.mark.parametrize("org", ORGS)
def test_with_several_open_requests_the_newest_gets_the_words_and_the_others_are_named(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    older = file_request(desk, member, "disclosure")
    newer = file_request(desk, member, "correction")
    member.transcript(
        f"""
        会員: 昼間は仕事なので夕方に電話してください
        窓口: 受付番号 {newer.number} の担当者にお伝えしました。
        窓口: ほかにも受付中のお申し出があります（{older.number}）。
        窓口: その受付番号を添えてお送りください。
        会員: {older.number} の件も夕方にお願いします
        窓口: 受付番号 {older.number} の担当者にお伝えしました。
        窓口: ほかにも受付中のお申し出があります（{newer.number}）。
        """
    )
    assert member_messages(desk, newer.number) == ["昼間は仕事なので夕方に電話してください"]
    assert member_messages(desk, older.number) == [f"{older.number} の件も夕方にお願いします"]


@pytest.mark.parametrize("org", ORGS)
def test_a_complaint_about_delay_reaches_the_case_and_is_flagged_for_supervisors(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    desk.clock.advance(days=20)  # past the due date
    member.transcript(
        f"""
        会員: 対応が遅すぎます。責任者を出してください
        窓口: ご不便とご心配をおかけして申し訳
        窓口: 受付番号 {case.number} の担当者と責任者にお伝えしました。
        窓口: いまの状況です。
        窓口にない: どなたからのお申し出ですか
        """
    )
    assert member_messages(desk, case.number) == ["対応が遅すぎます。責任者を出してください"]
    assert kinds(desk, case.number)[-2:] == ["member_message", "complaint"]
    assert len(desk.app.cases.list_unaudited()) == 1  # not a new 担当者へのご相談


@pytest.mark.parametrize("org", ORGS)
def test_a_plain_new_request_still_starts_a_new_request(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "correction")
    member.transcript(
        """
        会員: 私の情報の開示請求をしたいです
        窓口: どの情報の開示をご希望ですか
        窓口にない: 担当者にお伝えしました
        """
    )
    assert member_messages(desk, case.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_staff_reopen_a_closed_case_keeping_its_due_date_and_the_member_is_told(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    (case,) = desk.app.cases.list_unaudited()
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "refused", REFUSAL)
    member.says("なぜですか")
    desk.clock.advance(days=30)
    reopened = desk.app.cases.reopen(
        case.number, StaffActor.trusted("sato"), "会員から再度のお問い合わせ"
    )
    assert reopened.status == "in_progress"
    assert reopened.due_at == case.due_at  # the statutory clock is the original request's
    assert reopened.closed_at is None and reopened.member_contact_at is None
    assert reopened.unread_messages == 1  # reopening is not reading: 「なぜですか」 stays unread
    assert "担当者が対応を再開しました" in member.read()
    assert kinds(desk, case.number)[-1] == "reopened"
    audited = [e.action for e in desk.app.audit.entries() if e.case_number == case.number]
    assert "reopened" in audited
    member.transcript(
        f"""
        会員: ありがとうございます。電話は夕方にお願いします
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        """
    )


def test_reading_claiming_or_replying_marks_the_members_words_read(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    case = file_request(desk, member, "disclosure")
    member.says("補足です。夕方に電話をお願いします")
    member.says("平日でお願いします")
    assert desk.app.cases.get(case.number).unread_messages == 2
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    assert desk.app.cases.get(case.number).unread_messages == 0
    member.says("よろしくお願いします")
    desk.app.cases.mark_read(case.number)
    assert desk.app.cases.get(case.number).unread_messages == 0


def test_a_deployment_sets_how_long_a_closed_case_still_takes_follow_ups(
    tmp_path: Path, clock: Clock
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["coopdeli"]\n[retention.coopdeli]\nfollowup_days = 7\n', encoding="utf-8"
    )
    desk = build_desk(tmp_path / "desk.sqlite3", clock, deployment)
    try:
        member = desk.member(org="coopdeli")
        file_a_complaint(member)
        (case,) = desk.app.cases.list_unaudited()
        desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", confirmed=True)
        desk.clock.advance(days=6)
        assert "このご連絡は担当者にお伝えしました" in member.says("もう一つ質問があります")
        desk.clock.advance(days=2)
        assert "完了しています。新しいお申し出として承るか" in member.says("もう一つ質問があります")
        assert member_messages(desk, case.number) == ["もう一つ質問があります"]
    finally:
        desk.app.db.close()
