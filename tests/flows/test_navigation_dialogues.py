"""Transcripts (会員/窓口): numbers work as shown, the summary never shares numbers with the
choices, nothing entered is wiped without asking, notices come before 送信する, and the
language the member picked stays picked."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]

TO_THE_NAME_STEP = """
    会員: 3
    窓口: どの情報の開示をご希望ですか
    会員: すべて
    窓口: どなたからのお申し出ですか
    会員: ご本人
    窓口: お名前（氏名）を入力してください。
    窓口:   1. 戻る
    窓口:   2. やめる
"""
BY_EMAIL = """
    会員: メール
    会員: hanako@example.jp
"""
REST_OF_IDENTITY = """
    会員: ヤマダ ハナコ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: わからない
"""


@pytest.mark.parametrize("org", ORGS)
def test_typing_the_numbers_shown_at_the_name_step_stops_or_goes_back(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 2
        窓口にない: 数字や記号
        窓口: 入力中の内容は、まだ送信していません。この手続きをやめますか。
        窓口:   2. いいえ、続けます
        会員: 2
        窓口: 続けます。
        窓口: お名前（氏名）を入力してください。
        会員: 1
        窓口: ひとつ前の質問に戻ります。
        窓口: どなたからのお申し出ですか
        """
    )
    assert desk.app.cases.list_unaudited() == []


@pytest.mark.parametrize("org", ORGS)
def test_typing_the_number_of_modoru_at_a_choice_step_goes_back_and_is_never_stored(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        窓口:   5. 戻る
        会員: 5
        窓口: ひとつ前の質問に戻ります。
        窓口: どの情報の開示をご希望ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_the_summary_has_no_numbers_so_the_choice_numbers_mean_what_they_say(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        {REST_OF_IDENTITY}
        {BY_EMAIL}
        窓口: 入力内容をご確認ください。
        窓口: ・生年月日：昭和50年1月2日（1975年）
        窓口にない: 6. 生年月日
        窓口にない: 1. 開示の範囲
        窓口:   1. 送信する
        窓口:   2. 修正する
        会員: 2
        窓口: 修正する項目を選んでください。
        窓口:   6. 生年月日
        会員: 6
        窓口: 生年月日を入力してください。
        窓口: いまの内容：昭和50年1月2日（1975年）
        会員: 昭和50年1月3日
        窓口: ・生年月日：昭和50年1月3日（1975年）
        会員: 1
        窓口: お申し出を受け付けました。
        """
    )
    assert only_case(desk).fields["birth_date"] == "1975-01-03"


@pytest.mark.parametrize("org", ORGS)
def test_yarinaoshi_asks_before_wiping_the_answers(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        窓口: フリガナ
        会員: やり直し
        窓口: 入力した内容をすべて消して、最初から入力し直しますか。
        会員: いいえ、続けます
        窓口: 続けます。
        窓口: フリガナ
        {REST_OF_IDENTITY}
        {BY_EMAIL}
        窓口: ・氏名：山田 花子
        会員: やり直し
        窓口: 最初から入力し直しますか
        会員: はい
        窓口: 最初から入力し直します。
        窓口: どの情報の開示をご希望ですか
        """
    )
    assert desk.app.cases.list_unaudited() == []


@pytest.mark.parametrize(("org", "other"), [(ORGS[0], ORGS[1]), (ORGS[1], ORGS[0])])
def test_start_with_another_org_mid_request_asks_first_and_keeps_the_answers(
    desk: Desk, org: str, other: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        窓口: フリガナ
        """
    )
    asked = member.start(other)
    assert "「開示」" in asked and "まだ送信していません" in asked
    assert "切り替えますか" in asked
    member.transcript(
        f"""
        会員: いいえ、続けます
        窓口: 続けます。
        窓口: フリガナ
        {REST_OF_IDENTITY}
        {BY_EMAIL}
        窓口: ・氏名：山田 花子
        """
    )
    member.start(other)
    member.transcript(
        """
        会員: はい、切り替えます
        窓口: の個人情報の窓口です
        窓口: ご用件を選んでください
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_a_member_who_picked_japanese_keeps_it_when_the_phone_says_english(desk: Desk) -> None:
    member = desk.member(org="coopdeli", lang="en")
    member.transcript(
        """
        会員: 日本語
        窓口: 日本語で表示します。
        """
    )
    again = member.start("seikatsuclub-kyosai", lang="en")
    assert "生活クラブ共済連の個人情報の窓口です" in again


def test_after_lang_japanese_typed_is_offered_japanese_once(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        """
        会員: /lang
        窓口: I will reply in English from now on.
        会員: 共済の契約の情報を見たいです
        窓口: 日本語で表示するには「日本語」と入力してください。
        会員: どうすればいいですか
        窓口にない: 日本語で表示するには
        会員: 日本語
        窓口: 日本語で表示します。
        """
    )


def test_coopdeli_shows_the_fee_notice_on_the_confirmation_screen(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        {REST_OF_IDENTITY}
        会員: メール
        会員: hanako@example.jp
        窓口: 入力内容をご確認ください。
        窓口: 送信の前に、次の点をご確認ください。
        窓口: ※この手続きには、実費相当分の手数料をいただく場合があります。
        窓口:   1. 送信する
        窓口にない: 円
        会員: 送信する
        窓口: お申し出を受け付けました。
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_typing_what_to_stop_still_shows_that_statutory_notices_keep_coming(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: DMとメールを止めてほしいです
        窓口: 止める範囲を選んでください
        会員: すべての広告・ご案内
        会員: ご本人
        会員: 山田 花子
        {REST_OF_IDENTITY}
        窓口: ・止める広告・ご案内：紙のDM・カタログ、メール
        窓口: ※広告やご案内を止めても、
        会員: 送信する
        窓口: お申し出を受け付けました。
        """
    )
    assert only_case(desk).request_type == "consent_withdrawal"


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_chosen_by_editing_the_summary_reads_the_document_notice_before_sending(
    desk: Desk, org: str
) -> None:
    # コープデリ's policy names the letter; 共済連's names no document, and the desk says so.
    letter = {
        "coopdeli": "委任者署名捺印の委任状",
        "seikatsuclub-kyosai": "必要な書類の記載はありません",
    }[org]
    member = desk.member(org=org)
    reply = member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        {REST_OF_IDENTITY}
        {BY_EMAIL}
        窓口: 入力内容をご確認ください。
        窓口にない: {letter}
        会員: 修正する
        会員: 請求する方
        会員: 任意代理人
        窓口: {letter}
        会員: 山田 一郎
        会員: 090-1111-2222
        会員: 長男
        窓口: ・請求する方：任意代理人（ご本人から頼まれた方）
        窓口: 送信の前に、次の点をご確認ください。
        窓口: ※
        窓口: {letter}
        """
    )
    assert reply.count(letter) == 1
    member.says("送信する")
    assert only_case(desk).requester == "appointed_agent"


@pytest.mark.parametrize("org", ORGS)
def test_naming_the_item_to_fix_on_the_summary_goes_straight_to_it(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        {REST_OF_IDENTITY}
        {BY_EMAIL}
        窓口: 入力内容をご確認ください。
        会員: 生年月日を直したいです
        窓口: 生年月日を入力してください。
        窓口: いまの内容：昭和50年1月2日（1975年）
        会員: 1
        窓口: ・生年月日：昭和50年1月2日（1975年）
        会員: 電話番号をまちがえました
        窓口: ご登録の電話番号を入力してください。
        会員: 03-5285-1865
        窓口: ・電話番号：03-5285-1865
        会員: もう少し修正したいです
        窓口: 修正する項目を選んでください。
        会員: 確認画面に戻る
        会員: 送信する
        """
    )
    case = only_case(desk)
    assert (case.fields["birth_date"], case.fields["phone"]) == ("1975-01-02", "03-5285-1865")


def test_start_with_another_org_while_asked_whether_to_stop_still_asks_first(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        f"""
        {TO_THE_NAME_STEP}
        会員: 山田 花子
        会員: キャンセル
        窓口: この手続きをやめますか
        """
    )
    assert "切り替えますか" in member.start("seikatsuclub-kyosai")
    member.transcript(
        """
        会員: いいえ
        窓口: 続けます。
        窓口: フリガナ
        """
    )
