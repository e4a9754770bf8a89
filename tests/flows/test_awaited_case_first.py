"""A member's words reach the case that waits for them before any new request starts: staff
awaiting her answer, or a case to be sent where she says she no longer lives (issue 16,
point 1). The new request is then offered, never silently started; with no case waiting, a
sure new request still starts at once (``test_followups``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import followups
from flows.intents import Classification, classify
from flows.messages import CaseView, StaffMessage
from tests.conftest import Desk
from tests.flows.scenes import (
    ORGS,
    file_request,
    filed_disclosure,
    member_messages,
    staff_replied,
    stored_state,
)

REPLY_HERE = "書類を確認しました。お返事は、このチャットにそのまま入力してください。"
MOVED = "住所が変わりました。新しい住所は埼玉県川口市本町1-2-3です。こちらに送ってください"


@pytest.mark.parametrize("org", ORGS)
def test_a_new_address_for_a_disclosure_sent_by_post_reaches_that_case_then_offers_correction(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    assert case.fields["method"] == "postal"
    member.read()
    member.transcript(
        f"""
        会員: {MOVED}
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: あわせて、「訂正・追加・削除」のお申し出もなさいますか。
        窓口: 「訂正・追加・削除」を申し出る
        窓口: 終わる
        窓口にない: ご希望の内容を選んでください。
        """
    )
    assert member_messages(desk, case.number) == [MOVED]
    assert desk.app.cases.get(case.number).unread_messages == 1
    member.transcript(
        """
        会員: はい
        窓口: ご希望の内容を選んでください。
        """
    )
    assert stored_state(desk, member)["mode"] == "flow"


def test_a_member_who_declines_the_offered_correction_is_only_relayed(desk: Desk) -> None:
    member, case = filed_disclosure(desk, "coopdeli")
    member.says(MOVED)
    member.transcript(
        """
        会員: いいえ
        窓口: ご利用ありがとうございました。
        """
    )
    assert member_messages(desk, case.number) == [MOVED]
    assert [c.number for c in desk.app.cases.list_unaudited()] == [case.number]


@pytest.mark.parametrize("org", ORGS)
def test_a_request_written_while_staff_await_an_answer_reaches_that_case_then_is_offered(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    staff_replied(desk, member, case, REPLY_HERE)
    member.transcript(
        f"""
        会員: カタログの郵送も止めてください
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: あわせて、「同意の撤回・広告等の停止」のお申し出もなさいますか。
        窓口にない: 止める範囲を選んでください。
        会員: はい
        窓口: 止める範囲を選んでください。
        """
    )
    assert member_messages(desk, case.number) == ["カタログの郵送も止めてください"]
    assert desk.app.cases.get(case.number).unread_messages == 1


def test_a_request_with_no_case_waiting_still_starts_at_once(desk: Desk) -> None:
    member, case = filed_disclosure(desk, "coopdeli")
    member.transcript(
        """
        会員: カタログの郵送を止めてください
        窓口: 止める範囲を選んでください。
        窓口にない: 担当者にお伝えしました
        """
    )
    assert member_messages(desk, case.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_a_mailed_power_of_attorney_and_an_address_question_after_a_reply_reach_the_case(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    staff_replied(desk, member, case, REPLY_HERE)
    words = "委任状は明日郵送します。宅配センターの住所を教えてください"
    reply = member.transcript(
        f"""
        会員: {words}
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: 代理人
        窓口にない: 手続きです。
        """
    )
    assert reply.index("担当者にお伝えしました") < reply.index("代理人")
    assert member_messages(desk, case.number) == [words]
    assert desk.app.cases.get(case.number).unread_messages == 1


@pytest.mark.parametrize("org", ORGS)
def test_a_withdrawal_confirmation_left_open_is_asked_again_with_the_case_on_return(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        """
        会員: 申し出を取り下げたい
        窓口: このお申し出を取り下げますか。
        """
    )
    desk.clock.advance(days=1)
    back = member.start(org)
    assert case.number in back
    assert "このお申し出を取り下げますか。" in back
    member.transcript(
        f"""
        会員: はい
        窓口: 受付番号 {case.number} のお申し出を取り下げました。
        """
    )
    assert desk.app.cases.get(case.number).status == "withdrawn"


def test_words_pointing_back_at_the_joint_use_answer_are_offered_the_matching_request(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: コープ共済連とは共同利用しているのですか
        窓口: との共同利用です。
        会員: それを止めてもらうことはできますか
        窓口: 次のどれにあたりますか。
        窓口: （第三者提供の停止）
        窓口: 担当者と話す
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_request_typed_mid_form_while_staff_await_an_answer_reaches_them_before_the_switch(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    staff_replied(desk, member, case, REPLY_HERE)
    member.transcript(
        f"""
        会員: 5
        窓口: ご希望の内容を選んでください。
        会員: カタログの郵送も止めてください
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: 「同意の撤回・広告等の停止」のお手続きに切り替えますか。
        """
    )
    assert member_messages(desk, case.number) == ["カタログの郵送も止めてください"]


def test_the_case_a_new_request_reaches_first_is_the_awaited_one_then_the_one_it_speaks_of() -> (
    None
):
    now = datetime(2026, 11, 10, tzinfo=UTC)
    received = datetime(2026, 11, 1, tzinfo=UTC)
    due = received + timedelta(days=14)
    by_post = CaseView(
        "CD-2026-00001", "disclosure", "received", received, due, fields={"method": "postal"}
    )
    by_mail = CaseView(
        "CD-2026-00002", "disclosure", "received", received, due, fields={"method": "email"}
    )
    replied = (StaffMessage(datetime(2026, 11, 5, tzinfo=UTC), REPLY_HERE),)
    awaited = CaseView(
        "CD-2026-00003",
        "human",
        "in_progress",
        received,
        due,
        relay_open=True,
        staff_messages=replied,
    )
    moved = classify(MOVED)
    catalogue = classify("カタログの郵送を止めてください")

    def held(cases: list[CaseView], reading: Classification) -> str | None:
        case = followups.held_for(cases, reading, now, 90)
        return case and case.number

    assert held([by_post, by_mail], moved) == by_post.number
    assert held([by_mail], moved) is None  # an e-mailed answer has no address to change
    assert held([by_post, awaited], moved) == awaited.number  # staff wait for her there
    assert held([by_post], catalogue) is None  # 郵送 alone is no address: it simply starts
    assert held([by_post, awaited], catalogue) == awaited.number


@pytest.mark.parametrize("org", ORGS)
def test_a_question_about_the_awaited_case_typed_inside_a_new_form_reaches_that_case_now(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    staff_replied(desk, member, case, REPLY_HERE)
    member.transcript(
        f"""
        会員: メニュー
        会員: 5
        窓口: ご希望の内容を選んでください。
        会員: いつお電話をいただけるのでしょうか
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: ご希望の内容を選んでください。
        窓口にない: お申し出といっしょに担当者にお伝えします
        """
    )
    assert member_messages(desk, case.number) == ["いつお電話をいただけるのでしょうか"]
    member.transcript(
        """
        会員: やめる
        会員: はい
        """
    )
    assert "いつお電話をいただけるのでしょうか" in member_messages(desk, case.number)
