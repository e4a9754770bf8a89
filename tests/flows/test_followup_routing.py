"""What two member testers found in the follow-up routing: whatever the member writes later
reaches a person, also when a published answer fits it, and it reaches the case it is about
(named by number or by type, or the one staff last wrote to), never simply the newest."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import file_a_complaint
from tests.flows.test_followups import ORGS, file_request, kinds, member_messages

REPLY_HERE = "お電話の日時を調整します。お返事は、このチャットにそのまま入力してください。"
FAQ_FOLLOW_UPS = [
    "平日の午前中でしたら家におります。電話番号は前に書いたものでよろしいでしょうか。",
    "委任状 どこに送れば？",
    "委任状には母の印鑑も必要ですか。母は字が書けないのですが",
    "委任状の書式はありますか",
]


@pytest.mark.parametrize("org", ORGS)
def test_follow_ups_with_an_faq_word_after_a_staff_reply_reach_the_case_unread(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    desk.app.cases.claim(case.number, "sato")
    desk.app.cases.reply(case.number, "sato", REPLY_HERE)
    member.read()
    for words in FAQ_FOLLOW_UPS:
        member.transcript(
            f"""
            会員: {words}
            窓口: 受付番号 {case.number} の担当者にお伝えしました。
            """
        )
    assert member_messages(desk, case.number) == FAQ_FOLLOW_UPS
    assert desk.app.cases.get(case.number).unread_messages == len(FAQ_FOLLOW_UPS)


def test_a_fee_question_on_an_open_disclosure_is_relayed_and_answered_for_that_request(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    case = file_request(desk, member, "disclosure")
    member.read()
    reply = member.transcript(
        f"""
        会員: 手数料はいくらになりますか
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: 手数料
        """
    )
    assert reply.index("担当者にお伝えしました") < reply.index("手数料")
    assert member_messages(desk, case.number) == ["手数料はいくらになりますか"]


@pytest.mark.parametrize("org", ORGS)
def test_a_question_about_a_closed_disclosure_reaches_it_and_marks_it_contacted(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    desk.app.cases.verify_identity(case.number, "sato", "phone_callback")
    desk.app.cases.close(case.number, "sato", "answered", None)
    desk.clock.advance(days=5)
    member.read()
    words = (
        "母の開示の書類が届きましたが、第三者に渡した記録が入っていませんでした。どうなっていますか"
    )
    member.transcript(
        f"""
        会員: {words}
        窓口: 受付番号 {case.number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 第三者提供記録の開示のお申し出ですね
        """
    )
    assert member_messages(desk, case.number) == [words]
    assert desk.app.cases.get(case.number).member_contact_at == desk.clock()


@pytest.mark.parametrize("org", ORGS)
def test_a_general_question_with_no_case_is_only_answered(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 委任状の書式はありますか
        窓口にない: 担当者にお伝えしました
        """
    )
    assert desk.app.cases.list() == []


@pytest.mark.parametrize("org", ORGS)
def test_an_answer_to_a_reopened_case_reaches_it_not_the_newest_open_case(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    first = file_request(desk, member, "third_party_record")
    desk.app.cases.verify_identity(first.number, "sato", "phone_callback")
    desk.app.cases.close(first.number, "sato", "answered", None)
    desk.clock.advance(days=1)
    file_request(desk, member, "consent_withdrawal")
    newest = file_request(desk, member, "disclosure")
    desk.app.cases.reopen(first.number, "sato", "記録の確認")
    desk.app.cases.reply(first.number, "sato", "確認しましたが、第三者に提供した記録はありません。")
    member.read()
    words = "そうでしたか。記録がないのでしたら安心しました"
    member.transcript(
        f"""
        会員: {words}
        窓口: 受付番号 {first.number} の担当者にお伝えしました。
        """
    )
    assert member_messages(desk, first.number) == [words]
    assert member_messages(desk, newest.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_a_complaint_about_an_overdue_disclosure_reaches_the_disclosure_case_with_apology(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    disclosure = file_request(desk, member, "disclosure")
    desk.clock.advance(days=40)
    newest = file_request(desk, member, "consent_withdrawal")
    member.read()
    words = (
        "先月お願いした開示の書類がまだ届きません。何度も問い合わせているのに、"
        "もう期限を過ぎているのではありませんか。"
    )
    member.transcript(
        f"""
        会員: {words}
        窓口: ご不便とご心配をおかけして申し訳ございません。
        窓口: 受付番号 {disclosure.number} の担当者と責任者にお伝えしました。
        窓口: お待たせしており申し訳ございません。回答の目安の日を過ぎています。
        """
    )
    assert member_messages(desk, disclosure.number) == [words]
    assert "complaint" in kinds(desk, disclosure.number)
    assert member_messages(desk, newest.number) == []
