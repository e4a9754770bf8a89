"""What two member testers found in the follow-up routing: whatever the member writes later
reaches a person, also when a published answer fits it, and it reaches the case it is about
(named by number or by type, or the one staff last wrote to), never simply the newest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from flows import followups
from flows.messages import CaseView, StaffMessage
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import file_a_complaint
from tests.flows.scenes import (
    ORGS,
    file_request,
    filed_disclosure,
    finish_request,
    kinds,
    member_messages,
    staff_replied,
    stored_state,
)

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
    member, case = filed_disclosure(desk, org)
    staff_replied(desk, member, case, REPLY_HERE)
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
    member, case = filed_disclosure(desk, "coopdeli")
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
    desk.app.cases.verify_identity(case.number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.record_paper_send(
        case.number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 22)
    )
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", None)
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
    assert desk.app.cases.list_unaudited() == []


@pytest.mark.parametrize("org", ORGS)
def test_an_answer_to_a_reopened_case_reaches_it_not_the_newest_open_case(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    first = file_request(desk, member, "third_party_record")
    desk.app.cases.verify_identity(first.number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.record_paper_send(
        first.number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 22)
    )
    desk.app.cases.close(first.number, StaffActor.trusted("sato"), "answered", None)
    desk.clock.advance(days=1)
    file_request(desk, member, "consent_withdrawal")
    newest = file_request(desk, member, "disclosure")
    desk.app.cases.reopen(first.number, StaffActor.trusted("sato"), "記録の確認")
    desk.app.cases.reply(
        first.number,
        StaffActor.trusted("sato"),
        "確認しましたが、第三者に提供した記録はありません。",
    )
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


@pytest.mark.parametrize("org", ORGS)
def test_a_member_with_no_case_who_speaks_of_an_earlier_request_is_told_and_offered_it_now(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    words = (
        "カタログを止めてくださいと以前お願いしたのですが、"
        "まだ毎週カタログが届くのはなぜでしょうか。"
    )
    member.transcript(
        f"""
        会員: {words}
        窓口: この窓口には、以前のお申し出の記録がありません。
        窓口: あらためてお申し出いただくか、このままの内容で担当者にお伝えすることができます。
        窓口: 広告やご案内を止めてほしい（同意の撤回）
        窓口: 担当者と話す
        窓口にない: 受付済みのお申し出はありません
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_with_no_case_asking_how_a_result_is_handed_over_is_offered_a_person(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 開示の結果は、窓口に取りに行くこともできますか
        窓口: このご質問には担当者がお答えします。
        窓口: 担当者と話す
        窓口にない: 受付済みのお申し出はありません
        """
    )


def test_a_joint_use_partner_named_before_switching_to_consent_withdrawal_reaches_staff(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 7
        会員: コープ共済連
        窓口: コープ共済連は共同利用先
        窓口: それでも、ご希望として記録し、担当者にお伝えします。
        会員: 共済の勧誘の電話がくるのがいやなのです
        窓口: 「同意の撤回・広告等の停止」のお手続きに切り替えますか。
        会員: 1
        窓口: さきほどの「第三者提供の停止（提供先：コープ共済連）」のご希望も、
        """
    )
    case = finish_request(desk, member)
    assert case.request_type == "consent_withdrawal"
    wish = "第三者提供の停止（提供先：コープ共済連）"
    assert ("切り替える前のご希望", wish) in [tuple(line) for line in case.summary]
    assert case.fields["switched_from"] == wish


def test_words_that_point_back_at_a_published_answer_reach_a_person_with_that_question(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    question = "コープ共済連とは共同利用しているのですか"
    member.transcript(
        f"""
        会員: {question}
        窓口: との共同利用です。
        会員: それを止めてもらうことはできますか
        窓口: 担当者と話す
        会員: 担当者と話す
        窓口: 担当者におつなぎします。
        """
    )
    assert stored_state(desk, member)["answers"]["message"] == (
        f"それを止めてもらうことはできますか\n（直前のご質問：{question}）"
    )


def _case(number: str, request_type: str, **extra: Any) -> CaseView:
    received = datetime(2026, 11, 1, tzinfo=UTC)
    return CaseView(
        number, request_type, "received", received, received + timedelta(days=14), **extra
    )


def test_the_case_a_follow_up_reaches_is_named_then_typed_then_awaited_then_asked_then_newest() -> (
    None
):
    now = datetime(2026, 11, 10, tzinfo=UTC)
    replied = (StaffMessage(datetime(2026, 11, 5, tzinfo=UTC), "お返事をお待ちしています"),)
    first = _case("CD-2026-00001", "human", relay_open=True, staff_messages=replied)
    second = _case("CD-2026-00002", "disclosure")
    third = _case("CD-2026-00003", "consent_withdrawal")
    cases = [first, second, third]

    def reached(**how: Any) -> object:
        found = followups.target(cases, now, 90, **how)
        return (
            tuple(c.number for c in found)
            if isinstance(found, tuple)
            else found and found.case.number
        )

    assert reached(mentioned="cd-2026-00003") == third.number
    assert reached(named_types=frozenset({"disclosure"})) == second.number
    assert reached() == first.number  # staff await the member's answer there
    fourth = _case("CD-2026-00004", "disclosure")
    cases.append(fourth)
    assert reached(named_types=frozenset({"disclosure"})) == (second.number, fourth.number)
    cases[0] = _case("CD-2026-00001", "human")
    assert reached() == fourth.number  # nothing named or awaited: only then the newest
