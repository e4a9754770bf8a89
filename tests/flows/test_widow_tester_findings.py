"""What a 79-year-old member tester typed after sending a request (issue 16, third round):
a wish to have the thing stopped after all, or a plea to hurry, is read as 'stop' by the
classifier; it must reach the case, never offer to withdraw what she asked for. Only words that
withdraw the request itself (取り下げ, 取り消し, 申し込みをやめる) offer that."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.scenes import ORGS, SELF_UP_TO_THE_METHOD, filed, member_messages


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "words",
    [
        "あら、ごめんなさい、やっぱりとめていただきたいのです",
        "またのびるのでございますか。わたくしもう７９でございますから、はやくしていただきたいのですけれど。",
    ],
)
def test_a_wish_to_stop_or_to_hurry_after_sending_reaches_the_case_not_a_withdrawal(
    desk: Desk, org: str, words: str
) -> None:
    member, case = filed(desk, org, "consent_withdrawal")
    member.transcript(
        f"""
        会員: {words}
        窓口にない: 取り下げますか
        窓口: 受付番号 {case.number}
        """
    )
    assert member_messages(desk, case.number) == [words]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("words", ["このお申し出を取り下げたいです", "申し込みをやめたいのですが"])
def test_words_that_withdraw_the_request_still_ask_to_confirm_the_withdrawal(
    desk: Desk, org: str, words: str
) -> None:
    member, _case = filed(desk, org, "consent_withdrawal")
    member.transcript(
        f"""
        会員: {words}
        窓口: このお申し出を取り下げますか
        """
    )


SELF_TO_THE_METHOD = (
    """
        会員: 開示をお願いします
        会員: すべて
"""
    + SELF_UP_TO_THE_METHOD
)


@pytest.mark.parametrize("org", ORGS)
def test_saying_no_thank_you_at_the_confirmation_asks_to_stop_and_sends_nothing(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {SELF_TO_THE_METHOD}
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 入力内容をご確認ください
        会員: やっぱりやめておきます
        窓口: この手続きをやめますか
        窓口にない: お申し出を受け付けました
        """
    )
    assert desk.app.cases.list_unaudited() == []


@pytest.mark.parametrize("org", ORGS)
def test_e_mail_asked_for_at_the_confirmation_changes_the_method_and_asks_the_address(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {SELF_TO_THE_METHOD}
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        会員: やっぱりメールにしていただけますか
        窓口: 「開示の方法」を「電子データをメールで受け取る」に変えました
        窓口: 受け取るメールアドレスを入力してください
        窓口にない: 担当者へのご質問・ご要望
        会員: hanako@example.jp
        窓口: ・開示の方法：電子データをメールで受け取る
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    [case] = desk.app.cases.list_unaudited()
    assert (case.fields["method"], case.fields["email"]) == ("email", "hanako@example.jp")
    assert "address" not in case.fields


@pytest.mark.parametrize("org", ORGS)
def test_a_change_of_mind_with_an_interjection_at_the_postal_code_step_changes_the_method(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {SELF_TO_THE_METHOD}
        会員: 郵送
        窓口: 送り先の郵便番号を入力してください
        会員: あの、やっぱりメールのほうがよろしいかしら
        窓口: 「開示の方法」を「電子データをメールで受け取る」に変えました
        窓口: 受け取るメールアドレスを入力してください
        窓口にない: この手続きをやめますか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_another_request_named_at_a_text_step_offers_the_switch_not_stored_as_the_text(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 第三者提供の停止をお願いします
        会員: すべて
        会員: すべて
        窓口: 止めたい理由を短く入力してください
        会員: あ、やっぱり広告止めたい
        窓口: 「同意の撤回・広告等の停止」のお手続きに切り替えますか
        窓口にない: どなたからのお申し出ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "words",
    [
        "担当の人の返事がそっけなくて感じ悪いです。親なのに委任状いるんですか？",
        "わたくしは妻でございますのに、見せていただけないというのはあんまりでございます。",
    ],
)
def test_a_complaint_about_how_staff_answered_gets_an_apology_and_reaches_the_supervisor(
    desk: Desk, org: str, words: str
) -> None:
    member, case = filed(desk, org, "disclosure")
    member.transcript(
        f"""
        会員: {words}
        窓口: ご不便とご心配をおかけして申し訳ございません
        窓口: 受付番号 {case.number} の担当者と責任者にお伝えしました
        """
    )
    assert member_messages(desk, case.number) == [words]


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_asks_a_person_for_a_call_is_told_the_published_hours_and_asked_a_number(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 9
        窓口: ご相談の内容に近いものを選んでください
        会員: 電話で話したいです。何時ならつながりますか
        窓口: 受付時間
        窓口: ご用件を短く入力してください
        会員: 住所の件で相談したい
        会員: 山田花子
        窓口: お電話でのご連絡をご希望でしたら、電話番号を入力してください
        会員: 090-1111-2222
        窓口: お申し出を受け付けました
        """
    )
    [case] = desk.app.cases.list_unaudited()
    assert case.fields["phone"] == "090-1111-2222"


@pytest.mark.parametrize("org", ORGS)
def test_a_question_about_what_was_just_sent_reaches_that_case_not_a_new_form(
    desk: Desk, org: str
) -> None:
    member, case = filed(desk, org, "consent_withdrawal")
    member.transcript(
        f"""
        会員: これでもう広告こない？
        窓口: 受付番号 {case.number}
        窓口にない: 止めたいものを選んでください
        """
    )
    assert member_messages(desk, case.number) == ["これでもう広告こない？"]


@pytest.mark.parametrize("org", ORGS)
def test_the_formal_purpose_notice_first_shows_the_published_purposes_once(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 2
        窓口: の利用目的は次のとおりです
        窓口: 正式にお知らせをご希望の場合は、このままお進みください
        窓口: どの情報、またはどのサービスについての通知をご希望ですか
        会員: 2024年の注文の記録
        窓口にない: の利用目的は次のとおりです
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_the_purposes_are_not_read_out_again_when_the_formal_request_follows_the_answer(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 何のために使っているの？
        窓口: の利用目的は次のとおりです
        会員: 1
        窓口: ご請求いただく手続きです
        窓口にない: の利用目的は次のとおりです
        """
    )


def test_a_fee_question_after_a_wish_is_answered_and_the_wished_request_is_offered(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 娘１５さいの代わりに、コープデリが持ってる情報を見たいです。手数料いくら？
        窓口: 実費相当分の手数料をいただく場合があります
        窓口にない: 取得する個人情報の種類
        窓口: 生協が持っている自分の情報を見たい（開示）
        会員: 1
        窓口: ・請求する方：法定代理人
        """
    )


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("words", ["名前は漢字？カタカナ？", "ひらがなでいいですか？"])
def test_asking_in_which_script_to_write_the_name_gets_the_steps_help_not_a_staff_note(
    desk: Desk, org: str, words: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        会員: すべて
        会員: ほんにん
        会員: {words}
        窓口: ご登録のとおりに入力してください
        窓口にない: 担当者にお伝えします
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_all_typed_at_the_agents_name_step_is_not_taken_as_a_name(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        """
        会員: 開示をお願いします
        会員: すべて
        会員: 2
        会員: 1
        窓口: 代理人の方（ご自身）のお名前を入力してください
        会員: 全部
        窓口: 「全部」は、お名前ではないようです
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_the_no_fee_rule_for_other_requests_is_said_as_the_laws_not_the_co_ops(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 手数料はかかりますか？
        窓口: 法律により、訂正・利用停止・消去・第三者提供の停止・広告の停止には
        """
    )
