"""Member self-service, as transcripts (会員/窓口): withdrawing one's own request, seeing one's
case, notices when staff claim it and verify identity, an apology when it is late, earlier
identity answers offered again, and coming back to a half-filled form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from flows.cases import IdentityAlreadyRecorded
from storage.audit import Actor
from storage.models import OutboxMessage, TranscriptLine
from storage.staff import StaffActor
from tests.conftest import Desk, Member
from tests.flows.answers import COMPLAINT, file_a_complaint, only_case
from tests.flows.test_followups import file_request

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
PREFIX = {"seikatsuclub-kyosai": "KY", "coopdeli": "CD"}

# A disclosure to be answered in the chat, with every identity answer given.
DISCLOSURE = """
    会員: 3
    会員: すべて
    会員: ご本人
    会員: 山田 花子
    会員: ヤマダ ハナコ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: 1234-5678
"""


def purge(desk: Desk) -> None:
    desk.app.purger().purge(desk.clock(), Actor("cli:sato", "cli"))


def file_a_disclosure(member: Member) -> str:
    """Play ``DISCLOSURE`` to the receipt, by e-mail; returns the receipt."""
    member.transcript(DISCLOSURE)
    member.transcript(
        """
        会員: メール
        会員: hanako@example.jp
        窓口: 入力内容をご確認ください
        """
    )
    return member.says("送信する")


# ---------------------------------------------------------------------- withdrawal


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_withdraws_in_their_own_words_is_asked_to_confirm_and_it_is_recorded(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    number = only_case(desk).number
    member.transcript(
        f"""
        会員: さっきの申請はやめます
        窓口: 受付番号 {number}（担当者へのご相談、2026年11月22日(日)受付）
        窓口: このお申し出を取り下げますか
        窓口: はい、取り下げます
        会員: はい
        窓口: 受付番号 {number} のお申し出を取り下げました。担当者にもお伝えしました。
        """
    )
    detail = desk.app.cases.detail_unaudited(number)
    assert detail.case.status == "withdrawn"
    assert detail.case.closed_at is not None
    [event] = [e for e in detail.events if e.kind == "withdrawn"]
    assert event.actor == "member"
    assert event.data == {"source": "chat", "text": "さっきの申請はやめます"}
    lines = [line.text for line in detail.transcript]
    assert "さっきの申請はやめます" in lines  # the member's words go with the case


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_says_no_keeps_their_request_open(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    member.transcript(
        """
        会員: 申請を取り下げたい
        窓口: このお申し出を取り下げますか
        会員: いいえ
        窓口: 取り下げはしていません。お申し出の手続きは、このまま続きます。
        """
    )
    case = only_case(desk)
    assert case.status == "received"
    assert not [
        e for e in desk.app.cases.detail_unaudited(case.number).events if e.kind == "withdrawn"
    ]


@pytest.mark.parametrize("org", ORGS)
def test_a_member_can_withdraw_with_the_button_on_their_case(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    number = only_case(desk).number
    member.transcript(
        """
        会員: 状況
        窓口: 1. メニューから選ぶ
        窓口: 2. このお申し出を取り下げる
        会員: 2
        窓口: このお申し出を取り下げますか
        会員: 1
        窓口: のお申し出を取り下げました
        """
    )
    assert desk.app.cases.get(number).status == "withdrawn"


@pytest.mark.parametrize("org", ORGS)
def test_a_member_with_two_open_requests_picks_which_one_to_withdraw(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    file_a_complaint(member)
    first, second = (case.number for case in desk.app.cases.list_unaudited())
    member.transcript(
        f"""
        会員: 申請を取り下げたい
        窓口: 取り下げるお申し出を選んでください
        窓口: 1. 受付番号 {second}（担当者へのご相談、2026年11月22日(日)受付）を取り下げる
        窓口: 2. 受付番号 {first}（担当者へのご相談、2026年11月22日(日)受付）を取り下げる
        会員: 2
        窓口: 受付番号 {first}（担当者へのご相談
        会員: はい
        窓口: 受付番号 {first} のお申し出を取り下げました
        """
    )
    assert desk.app.cases.get(first).status == "withdrawn"
    assert desk.app.cases.get(second).status == "received"


@pytest.mark.parametrize("org", ORGS)
def test_a_closed_request_cannot_be_withdrawn(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    number = only_case(desk).number
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True)
    member.read()
    member.transcript(
        """
        会員: 申請を取り下げたい
        窓口: 受付済みのお申し出は、すべて手続きが終わっています。
        窓口: 終わったお申し出は取り下げできません。
        窓口にない: 取り下げますか
        """
    )
    assert desk.app.cases.get(number).status == "answered"


def test_a_request_closed_by_staff_while_the_member_confirms_is_not_withdrawn(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    number = only_case(desk).number
    assert "取り下げますか" in member.says("申請を取り下げたい")
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True)
    member.read()
    member.says("はい")
    detail = desk.app.cases.detail_unaudited(number)
    assert detail.case.status == "answered"
    assert not [e for e in detail.events if e.kind == "withdrawn"]


# ---------------------------------------------------------------------- seeing one's case


@pytest.mark.parametrize("org", ORGS)
def test_a_member_sees_what_they_sent_its_dates_and_every_message_from_staff(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_disclosure(member)
    case = only_case(desk)
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "ご登録のお電話におかけします。")
    desk.app.cases.extend(
        case.number,
        StaffActor.trusted("sato"),
        case.due_at + timedelta(days=7),
        "記録の確認に時間がかかるため",
    )
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "もう少しお待ちください。")
    member.read()
    member.transcript(
        f"""
        会員: 私の申請はどうなっていますか
        窓口: 受付番号 {case.number}（開示、2026年11月22日(日)受付）
        窓口: 担当者が決まりました。ご本人確認のあとで手続きを進めます。
        窓口: 受付日：2026年11月22日(日)
        窓口: 回答の目安を2026年12月11日(金)に延ばしました。理由：記録の確認に時間がかかるため
        窓口: 回答の目安：2026年12月11日(金)
        窓口: お申し出の内容：
        窓口: ・氏名：山田 花子
        窓口: ・生年月日：昭和50年1月2日（1975年）
        窓口: ・メールアドレス：hanako@example.jp
        窓口: 担当者からのご連絡：
        窓口: 担当者が決まりました。ご本人確認のうえ、手続きを進めます。
        窓口: ご登録のお電話におかけします。
        窓口: もう少しお待ちください。
        窓口: このお申し出を取り下げる
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_with_several_requests_picks_one_to_see(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    file_a_disclosure(member)
    first, second = (case.number for case in desk.app.cases.list_unaudited())
    desk.app.cases.close(first, StaffActor.trusted("sato"), "answered", confirmed=True)
    member.read()
    member.transcript(
        f"""
        会員: 状況
        窓口: {first}　担当者へのご相談　対応が終わりました。　完了日：2026年11月22日(日)
        窓口: {second}　開示　状況：受付
        窓口: くわしくご覧になるお申し出を選んでください
        会員: 2
        窓口: 受付番号 {first}（担当者へのご相談
        窓口: 対応が終わりました。
        窓口: 完了日：2026年11月22日(日)
        窓口: お申し出への対応が終わりました
        窓口にない: このお申し出を取り下げる
        """
    )


def test_staff_words_shown_with_the_status_go_at_the_cases_purge(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    number = only_case(desk).number
    secret = "ご主人の山田太郎様の件も確認します"
    desk.app.cases.reply(number, StaffActor.trusted("sato"), secret)
    member.read()
    assert secret in member.says("状況")
    member.says("メニュー")
    file_a_complaint(member)  # a second request keeps the chat open past the first's purge
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    member.read()
    desk.clock.advance(days=400)

    purge(desk)

    with desk.app.db.transaction() as session:
        texts = [line.text for line in session.exec(select(TranscriptLine)).all()]
    assert texts  # the open request's lines stay
    assert not [text for text in texts if "山田太郎" in text]


# ---------------------------------------------------------------------- notices


@pytest.mark.parametrize("org", ORGS)
def test_a_member_is_told_through_the_outbox_when_staff_claim_and_verify(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    number = only_case(desk).number
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.claim(
        number, StaffActor.trusted("suzuki"), take_over=True
    )  # a take-over is not news
    desk.app.cases.verify_identity(number, StaffActor.trusted("suzuki"), "phone_callback")
    with desk.app.db.transaction() as session:
        queued = [m.text for m in session.exec(select(OutboxMessage)).all()]
    # A complaint is a wish to talk (担当者へのご相談): no identity check is promised.
    assert f"【受付番号 {number}】担当者が決まりました。担当者からご連絡します。" in queued
    assert f"【受付番号 {number}】ご本人確認ができました。引き続き、担当者が手続きを進めます。" in (
        queued
    )
    told = member.read()
    assert told.count("担当者が決まりました") == 1
    assert told.count("ご本人確認ができました") == 1
    with pytest.raises(IdentityAlreadyRecorded):  # recorded once: a second check is refused
        desk.app.cases.verify_identity(number, StaffActor.trusted("suzuki"), "document")
    assert member.read() == ""


def test_an_english_speaking_member_is_told_in_english(desk: Desk) -> None:
    member = desk.member(org="coopdeli", lang="en")
    for answer in ("9", "3", "The delivery person", "skip"):
        member.says(answer)
    number = only_case(desk).number
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    told = member.read()
    assert f"[Request {number}] A staff member is now in charge of your request." in told
    assert f"[Request {number}] Your identity has been confirmed." in told


# ---------------------------------------------------------------------- overdue


@pytest.mark.parametrize("org", ORGS)
def test_a_member_asking_about_an_overdue_case_gets_an_apology_and_a_person(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    number = only_case(desk).number
    desk.clock.advance(days=20)
    member.transcript(
        """
        会員: まだですか
        窓口: お待たせしており申し訳ございません
        窓口: 担当者からの連絡を希望する
        会員: 担当者からの連絡を希望する
        窓口: 担当者に、ご連絡するよう伝えました
        """
    )
    messages = [
        e.data for e in desk.app.cases.detail_unaudited(number).events if e.kind == "member_message"
    ]
    # Their words reached the case as they asked, and the wish to be contacted as a note.
    assert messages == [
        {"text": "まだですか"},
        {"text": "（回答の目安を過ぎているため、会員が担当者からの連絡を希望しています）"},
    ]


def test_a_case_on_time_gets_no_apology(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    reply = member.says("まだですか")
    assert "申し訳ございません" not in reply
    assert "担当者からの連絡を希望する" not in reply


def test_the_call_me_note_stands_in_when_the_member_typed_nothing(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    number = only_case(desk).number
    desk.clock.advance(days=20)
    member.presses("_menu")
    member.says("10")  # 受付済みのお申し出の状況を見たい
    member.says("1")  # 担当者からの連絡を希望する (first; withdrawing comes last)
    messages = [
        e.data for e in desk.app.cases.detail_unaudited(number).events if e.kind == "member_message"
    ]
    assert messages == [
        {"text": "（回答の目安を過ぎているため、会員が担当者からの連絡を希望しています）"}
    ]


# ---------------------------------------------------------------------- earlier answers


@pytest.mark.parametrize("org", ORGS)
def test_a_second_request_offers_the_earlier_identity_answers_and_uses_them_once_confirmed(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_disclosure(member)
    first = only_case(desk).number
    member.transcript(
        f"""
        会員: メニュー
        会員: 2
        会員: 共済の契約情報
        会員: ご本人
        窓口: 前回のお申し出（受付番号 {first}）で、次のように入力されています。
        窓口: ・氏名：山田 花子
        窓口: ・フリガナ：ヤマダ ハナコ
        窓口: ・生年月日：昭和50年1月2日（1975年）
        窓口: ・電話番号：090-1234-5678
        窓口: ・組合員番号・共済契約番号：1234-5678
        窓口: 1. はい
        窓口: 2. 修正する
        窓口: 3. 使わない
        会員: はい
        窓口: 前回の内容を使います
        窓口: 結果のお知らせは、どのようにお受け取りになりますか
        会員: チャット
        窓口: ・氏名：山田 花子
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    second = desk.app.cases.list_unaudited()[-1]
    assert second.number == f"{PREFIX[org]}-2026-00002"
    assert second.fields["name"] == "山田 花子"
    assert second.fields["birth_date"] == "1975-01-02"
    assert second.fields["member_number"] == "1234-5678"


@pytest.mark.parametrize("org", ORGS)
def test_a_member_may_refuse_or_change_the_earlier_answers(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    file_a_disclosure(member)
    member.transcript(
        """
        会員: メニュー
        会員: 2
        会員: 共済の契約情報
        会員: ご本人
        窓口: 今回も同じ内容を使いますか
        会員: 使わない
        窓口: 前回の内容は使わずに、あらためて伺います
        窓口: お名前（氏名）を入力してください
        会員: メニュー
        会員: はい、やめます
        会員: 2
        会員: 共済の契約情報
        会員: ご本人
        窓口: 今回も同じ内容を使いますか
        会員: 修正する
        窓口: 直したい項目を選んでください
        会員: 電話番号
        窓口: ご登録の電話番号を入力してください
        窓口: いまの内容：090-1234-5678
        会員: 03-5285-1865
        窓口: 結果のお知らせは、どのようにお受け取りになりますか
        """
    )
    member.says("チャット")
    member.says("送信する")
    second = desk.app.cases.list_unaudited()[-1]
    assert second.fields["phone"] == "03-5285-1865"
    assert second.fields["name"] == "山田 花子"


def test_an_agent_is_not_offered_the_members_own_answers(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_disclosure(member)
    member.transcript(
        """
        会員: メニュー
        会員: 2
        会員: 利用目的
        会員: 任意代理人
        会員: 山田 一郎
        会員: 090-1111-2222
        会員: 長男
        窓口: お名前（氏名）を入力してください
        窓口にない: 前回のお申し出
        """
    )


def test_answers_past_their_retention_are_not_offered(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_disclosure(member)
    number = only_case(desk).number
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.record_paper_send(
        number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 22)
    )
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    member.read()
    desk.clock.advance(days=400)
    purge(desk)
    assert "name" not in desk.app.cases.get(number).fields  # the transcripts stage ran
    member.start("coopdeli")
    member.transcript(
        """
        会員: 2
        会員: 利用目的
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        窓口にない: 前回のお申し出
        """
    )


# ---------------------------------------------------------------------- coming back


@pytest.mark.parametrize("org", ORGS)
def test_a_member_back_after_days_is_told_which_request_and_what_is_entered(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        """
    )
    desk.clock.advance(days=3)
    member.transcript(
        """
        会員: ヤマダ ハナコ
        窓口: 入力の途中のお申し出があります：開示
        窓口: ・氏名：山田 花子
        窓口: 続きから入力しますか
        窓口: 1. 続ける
        窓口: 2. やり直す
        会員: 続ける
        窓口: 続きから入力します
        窓口: ご登録が旧姓のままの場合は
        """
    )
    desk.clock.advance(days=3)
    member.transcript(
        """
        会員: なし
        窓口: ・フリガナ：ヤマダ ハナコ
        会員: やり直す
        窓口: 入力した内容をすべて消して、最初から入力し直しますか
        会員: はい
        窓口: 最初から入力し直します
        窓口: どの情報の開示をご希望ですか
        """
    )


def test_a_member_back_within_the_day_just_goes_on(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        """
    )
    desk.clock.advance(hours=2)
    member.transcript(
        """
        会員: 山田 花子
        窓口: お名前のフリガナを入力してください
        窓口にない: 入力の途中のお申し出があります
        """
    )


def test_a_member_who_says_start_again_the_next_day_sees_their_half_filled_form(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        """
    )
    desk.clock.advance(days=1)
    resumed = member.start()
    assert "入力の途中のお申し出があります：開示" in resumed
    assert "・氏名：山田 花子" in resumed


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_names_the_request_to_withdraw_is_asked_about_that_one_only(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_complaint(member)
    file_a_complaint(member)
    first, second = (case.number for case in desk.app.cases.list_unaudited())
    disclosure = file_request(desk, member, "disclosure").number
    member.read()
    member.transcript(
        f"""
        会員: {first}を取り下げたい
        窓口: 受付番号 {first}（担当者へのご相談
        窓口: このお申し出を取り下げますか
        窓口にない: 取り下げるお申し出を選んでください
        会員: いいえ
        会員: 開示の申し出を取り下げます
        窓口: 受付番号 {disclosure}（開示
        窓口: このお申し出を取り下げますか
        窓口にない: 取り下げるお申し出を選んでください
        会員: はい
        窓口: 受付番号 {disclosure} のお申し出を取り下げました
        """
    )
    assert desk.app.cases.get(disclosure).status == "withdrawn"
    assert desk.app.cases.get(first).status == desk.app.cases.get(second).status == "received"


def test_a_question_handed_to_a_person_promises_a_reply_not_an_identity_check(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    for line in COMPLAINT[:-1]:
        member.says(line)
    receipt = member.says(COMPLAINT[-1])
    assert "担当（宅配センター）が内容を確認し、ご連絡します。" in receipt
    assert "ご本人確認" not in receipt
