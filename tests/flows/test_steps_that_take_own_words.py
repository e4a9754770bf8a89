"""Where a member types their own words (開示の範囲, 停止の対象) and where they change an earlier
choice (issue 16, the second tester's list): words that answer another question are not
stored; a switch declined still lets the words be entered; 「やはり郵送で」 at the e-mail step
changes the method; a switch between forms that ask the same way keeps how the answer is sent."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case
from tests.flows.scenes import SELF_UP_TO_THE_METHOD

ORGS = ["seikatsuclub-kyosai", "coopdeli"]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("typed", ["ほんにん", "本人です", "母の分です", "はい", "お願いします"])
def test_words_about_who_or_a_bare_yes_at_the_disclosure_scope_are_not_stored_as_the_scope(
    desk: Desk, org: str, typed: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        窓口: どの情報の開示をご希望ですか
        会員: {typed}
        窓口: この質問では、ご希望の内容を伺っています
        窓口: どの情報の開示をご希望ですか
        窓口にない: どなたからのお申し出ですか
        会員: 2024年以降の注文の記録
        窓口: どなたからのお申し出ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_person_named_at_the_scope_is_told_whose_request_is_asked_later(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 開示をお願いします
        会員: ほんにん
        窓口: どなたについてのお申し出か（ご本人か、代理の方か）は、別の質問で伺います
        """
    )


def test_a_person_may_still_be_the_recipient_a_third_party_stop_names(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 第三者提供の停止をお願いします
        窓口: どこへの提供の停止をご希望ですか
        会員: 夫
        窓口: どの情報の提供の停止をご希望ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_an_ads_wish_kept_after_declining_the_consent_switch_can_still_be_the_stop_target(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 利用停止をお願いします
        会員: 広告のチラシを止めてほしい
        窓口: 「同意の撤回・広告等の停止」のお手続きに切り替えますか
        会員: いいえ
        窓口: このご要望は、お申し出に書き添えて担当者にお伝えします
        窓口: そのまま「対象の情報・利用」として入力なさる場合は、「このまま入力」と入力してください
        会員: このまま入力
        窓口: ご希望の対応を選んでください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_an_ads_wish_typed_again_after_declining_the_switch_is_taken_as_the_stop_target(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 利用停止をお願いします
        会員: 広告のチラシを止めてほしい
        会員: いいえ
        会員: 広告のチラシを止めてほしい
        窓口: ご希望の対応を選んでください
        窓口にない: 切り替えますか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_post_asked_for_at_the_email_step_changes_the_method_and_asks_for_the_address(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        会員: すべて
        {SELF_UP_TO_THE_METHOD}
        窓口: 開示の方法を選んでください
        会員: メール
        窓口: 受け取るメールアドレスを入力してください
        会員: やはり郵送でお願いいたします
        窓口: 「開示の方法」を「書面を郵送で受け取る」に変えました
        窓口: 送り先の郵便番号を入力してください
        窓口にない: この手続きをやめますか
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["method"] == "postal"
    assert "email" not in case.fields


@pytest.mark.parametrize("org", ORGS)
def test_a_number_at_the_email_step_never_changes_the_method(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        会員: すべて
        {SELF_UP_TO_THE_METHOD}
        会員: メール
        会員: 3
        窓口にない: に変えました
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_change_of_mind_at_the_address_step_offers_the_switch_and_keeps_how_to_answer(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 利用停止をお願いします
        会員: すべて
        会員: 1
        会員: 1
        {SELF_UP_TO_THE_METHOD}
        会員: 郵送
        会員: 160-0022
        窓口: 送り先のご住所を入力してください
        会員: やっぱり第三者提供の停止にします
        窓口: 「第三者提供の停止」のお手続きに切り替えますか
        会員: はい
        窓口: ・回答の受け取り方：郵送で受け取る
        窓口: ・郵便番号：160-0022
        会員: すべて
        会員: すべて
        会員: 勝手に渡されたくないため
        窓口: 送り先のご住所を入力してください
        会員: 東京都新宿区新宿6-24-20
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.request_type == "third_party_stop"
    assert (case.fields["method"], case.fields["address"]) == ("postal", "東京都新宿区新宿6-24-20")
