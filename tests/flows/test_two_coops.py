"""One person, a member of both co-ops the desk serves, in one chat (会員/窓口): each co-op's
desk lists, shows, withdraws, relays to and reuses only its own cases, and a case number of
the other co-op is named as the other co-op's with the offer to switch, never shown. A staff
export for one co-op holds only that co-op's data. (生活クラブ共済連 and コープデリ are
separate data controllers.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from flows.messages import AcceptedFile, CaseMessage, TurnResult, Withdrawal
from storage.member_data import collect
from storage.models import Case
from storage.staff import StaffActor
from tests.conftest import Desk, Member
from tests.flows.answers import file_a_complaint
from tests.storage.test_member_data import PDF, file_request

KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
# Her mother's data, in the disclosure she filed with 生活クラブ共済連.
MOTHER = {"name": "山田 トメ", "kana": "ヤマダ トメ", "phone": "03-1111-2222"}
# Asked of 生活クラブ共済連 only, after that request: answered from its profile, no case's.
ASKED_KYOSAI = "代表者はどなたですか"


@dataclass
class Both:
    member: Member
    kyosai: str  # her (mother's) 開示 with 生活クラブ共済連
    coopdeli: str  # her 担当者への相談 with コープデリ


def newest(desk: Desk) -> str:
    with desk.app.db.transaction() as session:
        cases = session.exec(select(Case).order_by(Case.id)).all()  # type: ignore[arg-type]
        return cases[-1].number


def file_with_both(desk: Desk, *, coopdeli: bool = True) -> Both:
    """A 開示 with 生活クラブ共済連, then (in the same chat) a request with コープデリ."""
    member = desk.member("hanako", org=KYOSAI)
    file_request(member, "disclosure", MOTHER)
    kyosai = newest(desk)
    member.says("メニュー")
    member.start(COOPDELI)
    number = ""
    if coopdeli:
        file_a_complaint(member)
        number = newest(desk)
        member.says("メニュー")
    return Both(member, kyosai, number)


def test_a_member_of_both_coops_sees_only_the_coopdeli_cases_in_the_coopdeli_desk(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    reply = both.member.transcript(
        f"""
        会員: 状況
        窓口: {both.coopdeli}
        窓口にない: {both.kyosai}
        窓口にない: 山田 トメ
        """
    )
    assert "KY-" not in reply


def test_a_member_of_both_coops_is_offered_to_withdraw_only_a_coopdeli_case(desk: Desk) -> None:
    both = file_with_both(desk)
    both.member.transcript(
        f"""
        会員: 申請を取り下げたい
        窓口: 受付番号 {both.coopdeli}
        窓口: このお申し出を取り下げますか
        窓口にない: {both.kyosai}
        会員: はい
        窓口: 受付番号 {both.coopdeli} のお申し出を取り下げました
        """
    )
    assert desk.app.cases.get(both.kyosai).status == "received"


def test_in_the_kyosai_desk_a_follow_up_names_no_coopdeli_case_as_another_open_one(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    both.member.start(KYOSAI)
    both.member.transcript(
        f"""
        会員: いつ連絡がきますか
        窓口: 受付番号 {both.kyosai} の担当者にお伝えしました
        窓口にない: {both.coopdeli}
        窓口にない: ほかにも受付中のお申し出があります
        """
    )
    kinds = [e.kind for e in desk.app.cases.detail_unaudited(both.coopdeli).events]
    assert "member_message" not in kinds


def test_a_follow_up_in_the_coopdeli_desk_never_reaches_the_kyosai_case(desk: Desk) -> None:
    both = file_with_both(desk, coopdeli=False)
    both.member.transcript(
        f"""
        会員: まだですか、いつになりますか
        窓口にない: {both.kyosai}
        """
    )
    kinds = [e.kind for e in desk.app.cases.detail_unaudited(both.kyosai).events]
    assert "member_message" not in kinds
    assert desk.app.cases.get(both.kyosai).unread_messages == 0


def test_a_message_the_coopdeli_desk_cannot_read_offers_no_kyosai_case_to_pass_it_to(
    desk: Desk,
) -> None:
    both = file_with_both(desk, coopdeli=False)
    reply = both.member.says("ぽんぽこぴー")
    assert both.kyosai not in reply


def test_a_kyosai_case_number_named_in_the_coopdeli_desk_is_named_as_kyosais_not_shown(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    reply = both.member.transcript(
        f"""
        会員: {both.kyosai}の状況を教えてください
        窓口: 受付番号 {both.kyosai} は、生活クラブ共済連へのお申し出です。
        窓口: ほかの生協へのお申し出の内容は、この窓口ではお見せできません。
        窓口: 生活クラブ共済連の窓口に切り替えますか。
        窓口: はい、切り替えます
        窓口にない: 山田 トメ
        窓口にない: 開示
        """
    )
    assert "お申し出の内容：" not in reply and "受付日" not in reply
    assert desk.app.cases.get(both.kyosai).unread_messages == 0
    both.member.transcript(
        f"""
        会員: はい
        窓口: 生活クラブ共済連の個人情報の窓口です
        会員: {both.kyosai}の状況を教えてください
        窓口: 山田 トメ
        窓口にない: {both.coopdeli}
        """
    )


def test_a_member_who_stays_in_the_coopdeli_desk_keeps_to_its_cases(desk: Desk) -> None:
    both = file_with_both(desk)
    both.member.transcript(
        f"""
        会員: {both.kyosai}はどうなっていますか
        窓口: 生活クラブ共済連の窓口に切り替えますか。
        会員: いいえ
        窓口: ご用件を選んでください
        会員: 状況
        窓口: {both.coopdeli}
        窓口にない: {both.kyosai}
        """
    )


def test_a_kyosai_case_named_in_english_in_the_coopdeli_desk_is_explained_in_english(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    both.member.says("English")
    reply = both.member.says(f"what is the status of {both.kyosai}")
    assert f"{both.kyosai} is a request to Seikatsu Club Kyosai Federation" in reply, reply
    assert "山田 トメ" not in reply


def test_the_coopdeli_desk_never_offers_the_kyosai_answers_again(desk: Desk) -> None:
    """Already kept by ``flows.reuse.offer_for``; kept here as the member sees it."""
    both = file_with_both(desk)
    reply = both.member.says("3")
    for _ in range(3):
        if "ご本人" in reply:
            break
        reply = both.member.says("すべて")
    reply = both.member.says("ご本人")
    assert "前回のお申し出" not in reply and "山田 トメ" not in reply


def test_a_coopdeli_export_holds_only_coopdeli_cases_lines_and_consents(desk: Desk) -> None:
    both = file_with_both(desk, coopdeli=False)
    both.member.start(KYOSAI)
    both.member.says(ASKED_KYOSAI)
    both.member.says("メニュー")
    both.member.start(COOPDELI)
    file_a_complaint(both.member)
    coopdeli = newest(desk)

    data = collect(desk.app.db, coopdeli)

    assert [r.case.number for r in data.cases] == [coopdeli]
    texts = [line.text for record in data.conversations for line in record.transcript]
    assert texts and not [t for t in texts if "山田 トメ" in t or ASKED_KYOSAI in t]
    assert not [t for t in texts if both.kyosai in t]
    assert {c.org_id for c in data.consents} <= {COOPDELI}
    # Her 共済連 export, the other way round, has none of コープデリ's.
    theirs = collect(desk.app.db, both.kyosai)
    assert [r.case.number for r in theirs.cases] == [both.kyosai]
    assert not [
        line
        for record in theirs.conversations
        for line in record.transcript
        if coopdeli in line.text or "配達員の対応" in line.text
    ]


def test_a_coopdeli_case_s_transcript_holds_nothing_said_to_kyosai(desk: Desk) -> None:
    both = file_with_both(desk, coopdeli=False)
    both.member.start(KYOSAI)
    both.member.says(ASKED_KYOSAI)
    both.member.says("メニュー")
    both.member.start(COOPDELI)
    file_a_complaint(both.member)

    detail = desk.app.cases.detail_unaudited(newest(desk))

    assert not [line for line in detail.transcript if ASKED_KYOSAI in line.text]


def test_an_answer_to_kyosai_staff_typed_in_the_coopdeli_desk_never_reaches_a_coopdeli_case(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    desk.app.cases.claim(both.kyosai, StaffActor.trusted("sato"))
    desk.app.cases.reply(
        both.kyosai, StaffActor.trusted("sato"), "お電話してよい日時を教えてください。"
    )
    both.member.read()
    both.member.says("来週の月曜日の午前がいいです")
    kinds = [e.kind for e in desk.app.cases.detail_unaudited(both.coopdeli).events]
    assert "member_message" not in kinds


def test_an_answer_to_kyosai_staff_typed_in_the_coopdeli_desk_reaches_kyosai_after_switching(
    desk: Desk,
) -> None:
    both = file_with_both(desk)
    desk.app.cases.claim(both.kyosai, StaffActor.trusted("sato"))
    desk.app.cases.reply(
        both.kyosai, StaffActor.trusted("sato"), "お電話してよい日時を教えてください。"
    )
    both.member.read()
    words = "来週の月曜日の午前がいいです"
    both.member.transcript(
        f"""
        会員: {words}
        窓口: 生活クラブ共済連の担当者が、受付番号 {both.kyosai} についてお返事をお待ちしています。
        窓口: 生活クラブ共済連の窓口に切り替えますか。
        窓口にない: {both.coopdeli}
        会員: はい
        窓口: 受付番号 {both.kyosai} の担当者にお伝えしました。
        """
    )
    (message,) = [
        e for e in desk.app.cases.detail_unaudited(both.kyosai).events if e.kind == "member_message"
    ]
    assert message.data["text"] == words
    assert "member_message" not in [
        e.kind for e in desk.app.cases.detail_unaudited(both.coopdeli).events
    ]


def test_a_turn_in_the_coopdeli_desk_can_never_write_to_the_kyosai_case(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store keeps to the co-op the chat is with, whatever a turn asks for: a withdrawal,
    words passed on or a file for the other co-op's case are not applied to it."""
    both = file_with_both(desk)
    engine = desk.app.turns.engine
    real = engine.turn

    def asks_for_the_other_coops_case(*args: Any, **kwargs: Any) -> TurnResult:
        result = real(*args, **kwargs)
        result.withdrawals.append(Withdrawal(both.kyosai, "取り下げます"))
        result.case_messages.append(CaseMessage(both.kyosai, "伝えてください"))
        result.files.append(
            AcceptedFile("document", "application/pdf", "a.pdf", PDF, None, both.kyosai)
        )
        return result

    monkeypatch.setattr(engine, "turn", asks_for_the_other_coops_case)
    both.member.says("こんにちは")

    detail = desk.app.cases.detail_unaudited(both.kyosai)
    assert detail.case.status == "received" and detail.case.unread_messages == 0
    assert [e.kind for e in detail.events] == ["created"]
