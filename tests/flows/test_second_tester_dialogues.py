"""What the last member tester (an 81-year-old widow with two cases) found, as transcripts
(会員/窓口): 「やめる」 inside a stop request is its content, not leaving the form; a follow-up
names whose case it is and reaches that case; a polite 「なぜでございますか」 after a refusal
reaches the refused case; a polite complaint about waiting is flagged; a sentence about the
phone at the phone step stays with the step."""

from __future__ import annotations

import pytest

from storage.models import Case
from storage.staff import StaffActor
from tests.conftest import Desk, Member
from tests.flows.scenes import (
    ORGS,
    file_request,
    filed,
    filed_disclosure,
    kinds,
    member_messages,
    staff_refused,
    staff_replied,
)

REPLY_HERE = "書類を確認しました。お返事は、このチャットにそのまま入力してください。"
FOR_MOTHER = {
    "requester": "任意代理人",
    "agent_name": "山本 ふみ子",
    "agent_phone": "090-1111-2222",
    "agent_relation": "娘",
    "name": "山本 ハナ",
    "kana": "ヤマモト ハナ",
}


def file_for_mother(desk: Desk, member: Member) -> Case:
    """A 開示 for her mother, as her agent (the asker is the mother's 子)."""
    member.says("メニュー")
    case = file_request(desk, member, "disclosure", FOR_MOTHER)
    assert case.fields["agent_relation"] == "child"
    return case


@pytest.mark.parametrize("org", ORGS)
def test_saying_to_just_stop_using_inside_a_stop_request_is_not_leaving_the_form(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 6
        会員: 使うのをやめるだけで結構です
        窓口にない: 手続きをやめました
        窓口にない: この手続きをやめますか
        窓口: ご希望の対応を選んでください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_sentence_read_as_stopping_is_asked_about_before_the_form_goes(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: やっぱりやめたいです
        窓口にない: 手続きをやめました
        窓口: この手続きをやめますか
        会員: いいえ
        窓口: どの情報の開示をご希望ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_why_about_her_mothers_refusal_reaches_that_case_not_the_awaited_one(
    desk: Desk, org: str
) -> None:
    member, own = filed_disclosure(desk, org)
    mothers = file_for_mother(desk, member)
    desk.app.cases.claim(mothers.number, StaffActor.trusted("sato"))
    staff_refused(desk, mothers, "委任状が届いていないため")
    staff_replied(desk, member, own, REPLY_HERE)
    why = "母の件、お断りのお知らせが来ましたが、なぜでございましょうか。"
    member.transcript(
        f"""
        会員: {why}
        窓口: 受付番号 {mothers.number}
        窓口にない: 受付番号 {own.number} の担当者にお伝えしました
        """
    )
    assert member_messages(desk, mothers.number) == [why]
    assert member_messages(desk, own.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_a_polite_why_after_a_refusal_reaches_the_case_and_opens_no_correction(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    staff_refused(desk, case, "ご本人確認ができなかったため")
    member.read()
    why = "なぜでございますか。電話番号は間違っていないはずです。"
    member.transcript(
        f"""
        会員: {why}
        窓口: 受付番号 {case.number}
        窓口にない: 誤りを直すこと（訂正・追加・削除）を、ご請求いただく手続きです
        """
    )
    assert member_messages(desk, case.number) == [why]


@pytest.mark.parametrize("org", ORGS)
def test_a_polite_complaint_about_waiting_is_flagged_for_supervisors(desk: Desk, org: str) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        """
        会員: いつまで待たせるのですか。もう二週間以上たっておりますのに、何のご連絡もございません。
        窓口: 申し訳ございません
        窓口: 担当者と責任者にお伝えしました
        """
    )
    assert "complaint" in kinds(desk, case.number)


@pytest.mark.parametrize("org", ORGS)
def test_a_sentence_about_the_phone_at_the_phone_step_stays_with_the_step(
    desk: Desk, org: str
) -> None:
    member, own = filed_disclosure(desk, org)
    staff_replied(desk, member, own, REPLY_HERE)
    member.transcript(
        """
        会員: メニュー
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 使わない
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        窓口: 電話番号を入力してください
        会員: 母の電話は、わたくしと同じ番号でございます。
        窓口にない: 担当者にお伝えしました
        窓口にない: お手続きに切り替えますか
        窓口: 電話番号
        """
    )
    assert member_messages(desk, own.number) == []


def test_asking_for_the_phone_and_hours_politely_is_answered_not_handed_to_a_form(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 電話で相談したいのですが、番号と受付時間を教えてくださいませ
        窓口: お問い合わせ先：宅配センターや店舗など生協の事業所
        窓口: 受付時間は、プライバシーポリシーに記載されていません。
        窓口にない: ご用件を入力してください
        """
    )


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("電話番号と受付時間", "お問い合わせ：03-5285-1874（受付時間：平日9:00〜17:00）"),
        ("代表者だれ", "代表者氏名は、生活クラブ共済連のホームページ"),
    ],
)
def test_a_few_words_naming_a_published_fact_are_answered(
    desk: Desk, typed: str, answer: str
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        f"""
        会員: {typed}
        窓口: {answer}
        窓口にない: 誤りを直すこと
        窓口にない: うまく読み取れませんでした
        """
    )


def test_asking_whether_a_name_being_typed_is_shared_says_it_is_used_only_for_this_request(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 誰かに共有される？
        窓口: 入力された情報は、このお手続きのためだけに使います。
        窓口: なお、生協での組合員さまの情報全般の扱いは、次のとおりです。
        窓口: お名前（氏名）を入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_asking_to_stop_the_group_joint_use_is_told_it_is_not_third_party_provision(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: グループ内の共同利用もやめてほしい
        窓口: 第三者提供（ほかの会社などに情報を渡すこと）にはあたりません
        窓口: 対応できるかどうかは、担当者からご説明します
        窓口: 渡すのをやめるよう、ご請求いただく手続きです
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_withdrawing_a_consent_withdrawal_says_the_stop_is_on_record_and_staff_will_say(
    desk: Desk, org: str
) -> None:
    member, case = filed(desk, org, "consent_withdrawal")
    member.transcript(
        f"""
        会員: {case.number} とりさげたい
        窓口: このお申し出を取り下げますか
        窓口: 広告・ご案内を止めるお申し出は、送信された時点で記録しています。
        窓口: 再開するかどうかは、担当者が確認してご連絡します。
        会員: はい
        窓口: 受付番号 {case.number} のお申し出を取り下げました
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_naming_her_mothers_case_reaches_it_though_staff_await_her_answer_on_another(
    desk: Desk, org: str
) -> None:
    member, own = filed_disclosure(desk, org)
    mothers = file_for_mother(desk, member)
    staff_replied(desk, member, own, REPLY_HERE)
    said = "母の件でございますが、電話番号は03-9999-0000で間違いございません。"
    member.transcript(
        f"""
        会員: {said}
        窓口: 受付番号 {mothers.number}
        窓口にない: 受付番号 {own.number} の担当者にお伝えしました
        """
    )
    assert member_messages(desk, mothers.number) == [said]
    assert member_messages(desk, own.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_a_very_polite_complaint_about_a_long_wait_is_flagged(desk: Desk, org: str) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        """
        会員: もう随分お待ちしておりますのに、まだどなたからもお電話をいただけておりません。
        窓口: 申し訳ございません
        """
    )
    assert "complaint" in kinds(desk, case.number)


@pytest.mark.parametrize("org", ORGS)
def test_yes_please_withdraws_after_the_question(desk: Desk, org: str) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        f"""
        会員: {case.number} を取り下げたい
        窓口: このお申し出を取り下げますか
        会員: はい、お願いいたします
        窓口: 受付番号 {case.number} のお申し出を取り下げました
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_joint_use_inside_a_consent_withdrawal_offers_no_third_party_switch(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 8
        会員: グループ内の共同利用もやめてほしい
        窓口にない: 「第三者提供の停止」のお手続きに切り替えますか
        """
    )
