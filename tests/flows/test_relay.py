"""Once staff talk with a member, the member's free text goes to the case (会員 ↔ 担当)."""

from __future__ import annotations

from sqlmodel import select

from storage.models import CaseEvent
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import file_a_complaint, only_case


def member_messages(desk: Desk) -> list[str]:
    with desk.app.db.transaction() as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.kind == "member_message")).all()
    return [e.data.get("text", "") for e in events]


def test_after_a_staff_reply_the_members_answer_reaches_the_case(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.reply(
        case.number, StaffActor.trusted("sato"), "配達員にも確認します。いつ頃のことでしょうか。"
    )
    assert "お返事は、このチャットにそのまま入力してください。" in member.read()
    member.transcript(
        f"""
        会員: 先週の火曜日です
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: 担当者からのお返事も、このチャットに届きます。
        会員: 午前中でした
        窓口: 担当者にお伝えしました
        """
    )
    assert member_messages(desk) == ["先週の火曜日です", "午前中でした"]
    transcript = desk.app.cases.detail_unaudited(case.number).transcript
    assert "午前中でした" in [line.text for line in transcript]


def test_a_clear_new_request_while_staff_await_an_answer_reaches_them_then_is_offered(
    desk: Desk,
) -> None:
    # Staff await the member's answer on her case: a new request is never started silently
    # (issue 16, point 1); with no case waiting it starts at once (test_awaited_case_first).
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "確認しました。")
    member.transcript(
        f"""
        会員: 私の情報の開示請求をしたいです
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        窓口: あわせて、「開示」のお申し出もなさいますか。
        窓口にない: どの情報の開示をご希望ですか
        会員: はい
        窓口: どの情報の開示をご希望ですか
        """
    )
    assert member_messages(desk) == ["私の情報の開示請求をしたいです"]


def test_once_the_follow_up_period_after_the_close_is_over_words_are_no_longer_relayed(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "確認しました。")
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered")
    member.read()
    desk.clock.advance(days=91)  # the profile's retention.followup_days is 90
    reply = member.says("ありがとうございました、よろしくお願いします")
    assert "担当者にお伝えしました" not in reply
    assert member_messages(desk) == []


def test_a_request_for_a_person_is_a_hand_off_from_the_start(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    assert "担当者にお伝えしました" in member.says("補足です。夕方の配達でした")
    assert member_messages(desk) == ["補足です。夕方の配達でした"]
    assert case.request_type == "human"


def test_a_repeated_staff_action_with_the_same_key_has_one_effect(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    for _ in range(2):
        desk.app.cases.reply(
            case.number, StaffActor.trusted("sato"), "確認しました。", key="slack:view:V1"
        )
    assert member.read().count("確認しました。") == 1
    replies = [
        e for e in desk.app.cases.detail_unaudited(case.number).events if e.kind == "replied"
    ]
    assert len(replies) == 1
