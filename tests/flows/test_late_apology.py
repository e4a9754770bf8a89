"""When the desk is late, the member hears 「お待たせして申し訳ございません」: on an extension,
on staff's words about an overdue case, on an answer given after the due date, and in the
case's status once it was extended."""

from __future__ import annotations

from datetime import timedelta

from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import file_a_complaint, only_case

SORRY = "お待たせして申し訳ございません。"


def test_a_member_whose_request_is_extended_is_told_sorry_for_the_wait(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.extend(
        case.number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "確認のため"
    )
    notice = member.read()
    assert "回答の目安を" in notice and SORRY in notice
    assert "理由：確認のため" in notice


def test_an_english_member_whose_request_is_extended_hears_sorry_in_english(desk: Desk) -> None:
    member = desk.member(org="coopdeli", lang="en")
    member.transcript("\n".join(f"会員: {line}" for line in ("9", "4", "Late delivery", "1")))
    case = only_case(desk)
    desk.app.cases.extend(
        case.number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "checking"
    )
    notice = member.read()
    assert "We are sorry to keep you waiting." in notice
    assert "Reason: checking" in notice


def test_staff_words_on_an_overdue_case_come_with_an_apology(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "確認しております。")
    assert SORRY not in member.read()  # not late yet: no apology for nothing
    desk.clock.advance(days=20)
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "もう少しお待ちください。")
    late = member.read()
    assert "担当者からのご連絡です。\n" + SORRY + "\nもう少しお待ちください。" in late


def test_an_answer_given_after_the_due_date_apologises_for_the_wait(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.clock.advance(days=20)
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", None, confirmed=True)
    closed = member.read()
    assert "お申し出への対応が終わりました。\n" + SORRY in closed


def test_an_answer_on_time_has_no_apology(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", None, confirmed=True)
    assert SORRY not in member.read()


def test_the_status_of_an_extended_case_apologises_for_the_wait(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.extend(
        case.number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "確認のため"
    )
    member.read()
    member.transcript(
        f"""
        会員: 状況
        窓口: 受付番号 {case.number}
        窓口: 回答の目安を
        窓口: {SORRY}
        """
    )


def test_staff_words_that_apologise_on_an_overdue_case_are_not_preceded_by_a_second_apology(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.clock.advance(days=20)
    words = "大変お待たせして申し訳ございません。来週お電話いたします。"
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), words)
    late = member.read()
    assert "担当者からのご連絡です。\n" + words in late
    assert SORRY not in late.splitlines()


def test_an_extended_case_whose_staff_apologised_shows_no_second_apology_in_its_status(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.extend(
        case.number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "確認のため"
    )
    before = member.says("状況").split("担当者からのご連絡：")[0]
    assert SORRY in before.splitlines()  # the status apologises for the extension
    desk.app.cases.reply(
        case.number, StaffActor.trusted("sato"), "お詫び申し上げます。確認に時間がかかっています。"
    )
    member.read()
    status, messages = member.says("状況").split("担当者からのご連絡：")
    assert "お詫び申し上げます" in messages
    assert SORRY not in status.splitlines()
