"""What member testers typed that is not a value (issue 16): transcripts of 会員 and 窓口.

A role at the name step, a birthday at the agent's name step, a sentence about the
registered address, a stray number at a free-text step and 「わかりません」 are refused
with a short explanation and the step asked again; a way to receive or an item named in a
sentence is chosen; a birth date is read back in 和暦.
"""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_says_honnin_desu_at_the_name_step_is_asked_for_the_name(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: 本人です
        窓口: お名前（例：山田 花子）を入力してください
        窓口にない: フリガナ
        会員: 母です
        窓口: お名前（例：山田 花子）を入力してください
        窓口にない: フリガナ
        会員: 山田 花子
        窓口: フリガナ
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_birthday_in_kanji_at_the_agents_name_is_refused_and_read_as_the_birth_date(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        窓口: 代理人の方（ご自身）のお名前を入力してください
        会員: 昭和十九年三月五日
        窓口: 日付のようです。お名前（例：山田 花子）を入力してください
        窓口: 代理人の方（ご自身）のお名前を入力してください
        窓口にない: 電話番号
        会員: 鈴木 一郎
        窓口: 代理人の方（ご自身）の電話番号を入力してください
        """
    )
    assert "昭和十九年" not in str(member.says("090-1234-5678"))


@pytest.mark.parametrize("org", ORGS)
def test_paper_by_post_in_a_sentence_and_the_registered_address_lead_to_the_full_address(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和十九年三月五日
        窓口: 電話番号
        会員: 03-5285-1865
        会員: わからない
        窓口: 開示の方法を選んでください
        会員: 紙でおくってほしいです
        窓口: 送り先の郵便番号を入力してください
        会員: 160-0022
        窓口: 送り先のご住所を入力してください。
        窓口にない: ご登録のご住所にお送りします
        会員: とうろくしてある住所でおねがいします
        窓口: 送り先のご住所そのものが必要です
        窓口: 送り先のご住所を入力してください。
        窓口にない: 入力内容をご確認ください
        会員: 東京都新宿区大久保1-2-3
        窓口: ・生年月日：昭和19年3月5日（1944年）
        窓口にない: (日)
        窓口: ・開示の方法：書面を郵送で受け取る
        窓口: ・住所：東京都新宿区大久保1-2-3
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    fields = only_case(desk).fields
    assert fields["birth_date"] == "1944-03-05"
    assert fields["method"] == "postal"
    assert fields["address"] == "東京都新宿区大久保1-2-3"


@pytest.mark.parametrize("org", ORGS)
def test_bare_numbers_are_not_a_recipient_or_the_data_and_the_shown_number_still_chooses(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 第三者提供を止めてほしい
        窓口: どこへの提供の停止をご希望ですか
        会員: ８
        窓口: 数字だけでは内容がわかりません
        窓口: どこへの提供の停止をご希望ですか
        会員: １０
        窓口: 数字だけでは内容がわかりません
        窓口にない: どの情報の提供の停止をご希望ですか
        会員: 1
        窓口: どの情報の提供の停止をご希望ですか
        会員: 10
        窓口: 数字だけでは内容がわかりません
        窓口にない: 止めたい理由
        会員: 購買の記録
        窓口: 止めたい理由を短く入力してください
        会員: 8
        窓口: 数字だけでは内容がわかりません。言葉で入力してください
        窓口: 止めたい理由を短く入力してください
        会員: わかりません
        窓口にない: 請求する方
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_name_that_is_wrong_said_in_a_sentence_chooses_the_name_to_correct(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 5
        会員: 訂正
        窓口: どの項目についてですか
        会員: 名前がまちがっています
        窓口: いま登録されている、誤った内容を入力してください
        会員: 山田 花了
        会員: 山田 花子
        会員: なし
        会員: 結婚して名前が変わったため
        会員: ご本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 03-5285-1865
        会員: わからない
        会員: メールでおねがいします
        窓口: 受け取るメールアドレスを入力してください
        会員: hanako@example.jp
        窓口: ・対象の項目：氏名
        窓口: ・生年月日：昭和50年1月2日（1975年）
        窓口: ・回答の受け取り方：メールで受け取る
        """
    )
