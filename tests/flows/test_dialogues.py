"""Dialogue tests: each reads as a transcript of a member (会員) and the desk (窓口)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import ConsentRecord, Conversation
from tests.conftest import Desk
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, file_a_complaint, only_case, pending_step

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
QUEUE = {"seikatsuclub-kyosai": "kyosai-bu", "coopdeli": "takuhai-center"}

IDENTITY = """
    窓口: どなたからのお申し出ですか
    会員: ご本人
    窓口: お名前（氏名）を入力してください
    会員: 山田 花子
    窓口: フリガナ
    会員: やまだ はなこ
    窓口: 旧姓
    会員: なし
    窓口: 生年月日
    会員: 昭和50年1月2日
    窓口: 電話番号
    会員: ０９０－１２３４－５６７８
    窓口: 組合員番号
    会員: １２３４－５６７８
"""
BY_CHAT = """
    窓口: 結果のお知らせは、どのようにお受け取りになりますか
    会員: チャット
    窓口: 入力内容をご確認ください
"""


@pytest.mark.parametrize("org", ORGS)
def test_disclosure_by_email_becomes_a_case_in_the_orgs_queue(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    reply = member.transcript(
        f"""
        会員: 3
        窓口: どの情報の開示をご希望ですか
        会員: 一部
        窓口: どの情報、どの期間、どのサービスか
        会員: 2024年以降の注文の記録
        {IDENTITY}
        窓口: 開示の方法を選んでください
        会員: メール
        窓口: メールアドレス
        会員: ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ
        窓口: 入力内容をご確認ください
        窓口: 生年月日：昭和50年1月2日（1975年）
        窓口: 電話番号：090-1234-5678
        窓口: メールアドレス：hanako@example.jp
        会員: 送信する
        窓口: お申し出を受け付けました
        窓口: ご本人確認をしてから
        窓口: 回答の目安：2026年12月4日(金)までにご連絡します
        """
    )
    case = only_case(desk)
    assert case.queue == QUEUE[org]
    assert case.request_type == "disclosure"
    assert case.status == "received"
    assert case.fields["method"] == "email"
    assert case.fields["birth_date"] == "1975-01-02"
    assert case.fields["member_number"] == "1234-5678"
    assert "postal_code" not in case.fields  # only what the chosen method needs
    assert f"受付番号：{case.number}" in reply
    assert case.number == ("KY" if org == "seikatsuclub-kyosai" else "CD") + "-2026-00001"


def test_coopdeli_receipt_mentions_a_possible_fee_but_never_a_sum(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    reply = member.transcript(
        f"""
        会員: 3
        会員: すべて
        {IDENTITY}
        会員: 郵送
        窓口: 郵便番号
        会員: 〒１６０－００２２
        窓口: ご住所
        会員: 東京都新宿区新宿6-24-20
        会員: 送信する
        窓口: 実費相当分の手数料をいただく場合があります
        """
    )
    assert "円" not in reply
    assert only_case(desk).fields["postal_code"] == "160-0022"


def test_kyosai_never_mentions_a_fee(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        f"""
        会員: 2
        窓口: どの情報、またはどのサービスについての通知をご希望ですか
        会員: 共済の契約情報
        {IDENTITY}
        {BY_CHAT}
        会員: 送信する
        窓口: お申し出を受け付けました
        窓口にない: 手数料
        """
    )
    assert only_case(desk).request_type == "purpose_notice"


@pytest.mark.parametrize("org", ORGS)
def test_third_party_record_explains_what_records_exist(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: 4
        窓口: 法律（個人情報保護委員会の規則）では
        窓口: 原則として3年間保存することになっています
        窓口: 共同利用先との共有は第三者提供にあたらない
        会員: 2024年4月から今まで
        窓口: 提供先がわかれば
        会員: わからない
        {IDENTITY}
        会員: メール
        会員: hanako@example.jp
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.request_type == "third_party_record"
    assert case.fields["period"] == "2024年4月から今まで"
    assert case.fields["recipient"] == ""


@pytest.mark.parametrize("org", ORGS)
def test_correction_of_an_address_mentions_the_usual_change_form_but_goes_on(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: 5
        窓口: 評価や意見は対象になりません
        会員: 訂正
        窓口: どの項目についてですか
        会員: 住所
        窓口: ふだんの「変更届」でも手続きできます
        窓口: いま登録されている、誤った内容
        会員: 東京都新宿区新宿1-1-1
        窓口: 正しい内容を入力してください
        会員: 東京都新宿区新宿6-24-20
        窓口: 正しいことがわかる資料
        会員: 住民票
        窓口: 理由
        会員: 引っ越したのに古い住所で届く
        {IDENTITY}
        {BY_CHAT}
        窓口: 対象の項目：住所
        窓口: 正しい内容：東京都新宿区新宿6-24-20
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["item"] == "address"
    assert case.fields["correct_value"] == "東京都新宿区新宿6-24-20"


@pytest.mark.parametrize("org", ORGS)
def test_erasure_after_leaving_records_the_ground_and_the_date(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: 6
        会員: すべて
        窓口: ご希望の対応を選んでください
        会員: 消去
        窓口: 理由にいちばん近いもの
        会員: 4
        窓口: 脱退した日
        会員: 令和6年3月31日
        {IDENTITY}
        {BY_CHAT}
        窓口: 脱退・利用終了の日：2024年3月31日(日)
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert (case.fields["action"], case.fields["ground"]) == ("erase", "no_longer_needed")
    assert case.fields["left_on"] == "2024-03-31"


def test_stopping_provision_to_a_joint_use_partner_is_explained_and_still_recorded(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        f"""
        会員: 7
        窓口: どこへの提供の停止をご希望ですか
        会員: 日本生協連
        窓口: 共同利用先（生協のグループで情報を一緒に使う団体）で
        窓口: 法律上の「第三者」にはあたりません
        窓口: ご希望として記録し、担当者にお伝えします
        会員: すべて
        窓口: 止めたい理由
        会員: 知らないところに渡ってほしくない
        {IDENTITY}
        {BY_CHAT}
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.request_type == "third_party_stop"
    assert case.fields["recipient"] == "日本生協連"


@pytest.mark.parametrize("org", ORGS)
def test_consent_withdrawal_is_in_the_ledger_at_once_and_still_a_case(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: 8
        窓口: 法律や定款
        窓口: いくつでも選べます
        会員: 1、3
        窓口: 止める範囲を選んでください
        会員: 共済・保険など提携商品のご案内だけ
        {IDENTITY}
        窓口: 入力内容をご確認ください
        窓口: 止める広告・ご案内：紙のDM・カタログ、メール
        会員: 送信する
        窓口: ご希望は、この時点で記録しました
        """
    )
    case = only_case(desk)
    with desk.app.db.transaction() as session:
        ledger = session.exec(select(ConsentRecord)).all()
    assert sorted(r.channel for r in ledger) == ["email", "paper_dm"]
    assert {(r.org_id, r.scope, r.case_id, r.source) for r in ledger} == {
        (org, "partner_products", case.id, "member_request")
    }
    assert all(r.created_at == desk.clock() for r in ledger)


def test_appointed_agent_for_coopdeli_is_told_a_signed_and_sealed_letter_is_needed(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: 任意代理人
        窓口: 委任者署名捺印の委任状
        窓口: 代理人の方（ご自身）のお名前
        会員: 山田 一郎
        窓口: 代理人の方（ご自身）の電話番号
        会員: 03-1234-5678
        窓口: ご本人からみてどなたにあたりますか
        会員: 長男
        窓口: ご本人（代理される方）について入力してください
        """
    )


def test_a_guardian_at_kyosai_is_told_its_policy_names_no_documents(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 3
        会員: すべて
        会員: 法定代理人
        窓口: 法定代理人の種類を選んでください
        会員: 成年後見人
        窓口: 代理人のお申し出に必要な書類の記載はありません
        窓口: 必要な書類と送り方は、担当者からご案内します
        窓口にない: 登記事項証明書
        """
    )


def test_a_request_about_a_deceased_relative_goes_to_a_person(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        """
        会員: 亡くなった父の契約のことで相談したい
        窓口: 亡くなった方の情報についてのご相談は、担当者がお受けします
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        会員: 山田 一郎
        会員: 長男
        会員: 090-1234-5678
        会員: 山田 太郎
        会員: わからない
        会員: わからない
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert (case.request_type, case.flags) == ("human", ["deceased"])
    assert case.fields["message"] == "亡くなった父の契約のことで相談したい"


def test_an_unclear_message_can_be_handed_to_a_person_with_its_words(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: ええと、よくわからないのですが
        窓口: ご用件をうまく読み取れませんでした
        窓口: 担当者と話す
        会員: 1
        窓口: お名前を入力してください
        会員: 山田 花子
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["message"] == "ええと、よくわからないのですが"
    assert case.queue == "takuhai-center"


def test_inquiry_answers_contact_and_hours_from_the_profile(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 1
        窓口: 知りたいことを選んでください
        会員: 問い合わせ先と受付時間
        窓口: 個人情報の取扱いに関する問合せ相談：03-5285-1865
        窓口: お問い合わせ：03-5285-1874（受付時間：平日9:00〜17:00）
        窓口: 〒160-0022
        窓口: ほかに知りたいことはありますか
        会員: 手数料
        窓口: 手数料についての記載はありません
        窓口にない: お申し出に手数料はかかりません
        """
    )
    assert desk.app.cases.list_unaudited() == []  # answered from the profile: no case needed


def test_coopdeli_inquiry_names_its_joint_use_partners_and_where_to_apply(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 1
        会員: 共同利用
        窓口: (株)コープデリ保険センター
        会員: 問い合わせ先
        窓口: 宅配センター
        窓口: 店舗
        会員: 代理人によるお申し出
        窓口: 委任者署名捺印の委任状
        """
    )


def test_a_question_the_profile_cannot_answer_becomes_an_inquiry_case(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 1
        会員: 職員の方はどんな研修を受けていますか
        窓口: お名前を入力してください
        会員: 入力しない
        窓口: お申し出を受け付けました
        """
    )
    assert only_case(desk).fields["question"] == "職員の方はどんな研修を受けていますか"


def test_with_two_orgs_the_member_picks_one_first(desk: Desk) -> None:
    member = desk.member()
    assert "ご利用の生協を選んでください" in member.received[-1].text
    assert "コープデリの個人情報の窓口です" in member.says("コープデリ")


# ---------------------------------------------------------------- bad input and navigation


def test_bad_input_is_explained_and_nothing_entered_is_lost(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        窓口: 生年月日を入力してください
        会員: 1975年2月30日
        窓口: 存在しない日付です
        窓口: 生年月日を入力してください
        会員: 平成32年1月1日
        窓口: 平成
        会員: 😀😀
        窓口: 生年月日を入力してください
        会員:
        窓口: 何も入力されていないようです
        会員: S50.1.2
        窓口: 電話番号
        会員: 12345
        窓口: 電話番号を読み取れませんでした
        会員: 03-5285-1865
        会員: わからない
        会員: メール
        会員: hanako@example.jp
        窓口: 氏名：山田 花子
        窓口: フリガナ：ヤマダ ハナコ
        """
    )


def test_a_huge_message_is_refused_politely(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.says("9")
    member.says("その他")
    reply = member.says("あ" * 5000)
    assert "入力が長すぎます" in reply
    assert reply.endswith("ご用件を短く入力してください。\n  1. 戻る\n  2. やめる")  # asked again


def test_back_restart_and_cancel_work_at_every_step(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: 戻る
        窓口: ひとつ前の質問に戻ります
        窓口: どなたからのお申し出ですか
        会員: ご本人
        会員: 山田 花子
        会員: やり直し
        窓口: 入力した内容をすべて消して、最初から入力し直しますか
        会員: はい
        窓口: 最初から入力し直します
        窓口: どの情報の開示をご希望ですか
        会員: すべて
        会員: キャンセル
        窓口: まだ送信していません。この手続きをやめますか
        会員: いいえ、続けます
        窓口: どなたからのお申し出ですか
        会員: cancel
        会員: はい、やめます
        窓口: 入力された内容は送信していません
        窓口: ご用件を選んでください
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_any_field_can_be_corrected_from_the_summary(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.transcript(
        f"""
        会員: 3
        会員: すべて
        {IDENTITY}
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 入力内容をご確認ください
        会員: 修正する
        窓口: 修正する項目を選んでください
        会員: 開示の方法
        窓口: いまの内容：書面を郵送で受け取る
        会員: メール
        窓口: メールアドレス
        会員: hanako@example.jp
        窓口: 開示の方法：電子データをメールで受け取る
        窓口にない: 郵便番号
        会員: 送信する
        """
    )
    case = only_case(desk)
    assert case.fields["method"] == "email"
    assert "address" not in case.fields  # the postal details no longer apply


def test_the_member_can_switch_to_english_mid_flow_and_back(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    member.says("3")
    english = member.says("English")
    assert "English" in english
    assert "どの情報" not in english
    japanese = member.says("日本語")
    assert "どの情報の開示をご希望ですか" in japanese


def test_english_conversation_uses_english_dates_and_words(desk: Desk) -> None:
    member = desk.member(org="coopdeli", lang="en")
    member.says("3")
    member.says("all")
    for answer in [
        "myself",
        "Hanako Yamada",
        "ヤマダ ハナコ",
        "none",
        "1975-01-02",
        "090-1234-5678",
        "I don't know",
        "email",
        "hanako@example.jp",
    ]:
        reply = member.says(answer)
    assert "2 January 1975" in reply
    receipt = member.says("send")
    assert "4 Dec 2026" in receipt
    assert only_case(desk).lang == "en"


def test_status_lists_the_members_own_cases(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    assert "受付番号 CD-2026-00001（担当者へのご相談" in member.says("状況")
    other = desk.member(chat_id="bob", org="coopdeli")
    assert "受付済みのお申し出はありません" in other.says("状況")


FEE_LINE = "実費相当分の手数料をいただく場合があります"


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("request_type", list(MENU_NUMBER))
def test_every_flow_ends_as_a_case_in_the_orgs_queue_with_the_fee_notice_only_where_due(
    desk: Desk, org: str, request_type: str
) -> None:
    member = desk.member(org=org)
    member.says(MENU_NUMBER[request_type])
    reply = ""
    for _ in range(40):
        with desk.app.db.transaction() as session:
            state = session.exec(select(Conversation)).one().state
        if state["mode"] == "summary":
            reply = member.says("送信する")
            break
        if state["mode"] != "flow":
            break
        step = pending_step(desk.app.engine, state)
        assert step is not None
        reply = member.says(GOOD_ANSWERS[step])
    case = only_case(desk)
    assert (case.request_type, case.queue, case.org_id) == (request_type, QUEUE[org], org)
    assert "お申し出を受け付けました" in reply
    fee_due = org == "coopdeli" and request_type in (
        "purpose_notice",
        "disclosure",
        "third_party_record",
    )
    assert (FEE_LINE in reply) == fee_due


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "America/Los_Angeles", "UTC"])
def test_dates_show_the_same_day_whatever_the_machines_timezone(
    desk: Desk, timezone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", timezone)
    time.tzset()
    try:
        member = desk.member(org="coopdeli")
        for line in ["6", "すべて", "消去", "4"]:
            member.says(line)
        member.says("令和6年3月31日")
        for line in ["ご本人", "山田 花子", "ヤマダ ハナコ", "なし", "1975/1/2", "03-5285-1865"]:
            member.says(line)
        summary = member.says("わからない") + member.says("チャット")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "脱退・利用終了の日：2024年3月31日(日)" in summary
    assert "生年月日：昭和50年1月2日（1975年）" in summary
