"""After a receipt or a message passed on, the member is asked 「ほかにご用件はありますか。」 with
two choices, not shown the whole menu again.

The engine change is described in ENGINE_CHANGES.md (flows/engine.py is being split into one
module per mode); these tests pass once it is applied.
"""

from __future__ import annotations

from tests.conftest import Desk
from tests.flows.answers import file_a_complaint, only_case

MENU_PROMPT = "ご用件を選んでください。"


def test_after_a_receipt_the_member_is_asked_if_there_is_anything_else(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    receipt = file_a_complaint(member)
    assert "お申し出を受け付けました。" in receipt
    assert "ほかにご用件はありますか。\n  1. メニューを見る\n  2. 終わる" in receipt
    assert MENU_PROMPT not in receipt


def test_a_member_who_has_nothing_else_is_thanked_and_not_shown_the_menu(desk: Desk) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    file_a_complaint(member)
    member.transcript(
        f"""
        会員: 終わる
        窓口: ご利用ありがとうございました。
        窓口にない: {MENU_PROMPT}
        会員: 開示を請求したい
        窓口: 開示（内容をお知らせすること）をご請求いただく手続きです
        """
    )


def test_a_member_who_wants_more_gets_the_menu_by_its_number(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    member.transcript(
        f"""
        会員: 1
        窓口: {MENU_PROMPT}
        窓口: 担当者と話したい
        """
    )


def test_after_withdrawing_a_request_the_member_is_asked_if_there_is_anything_else(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    member.transcript(
        """
        会員: 申請を取り下げたい
        窓口: このお申し出を取り下げますか
        """
    )
    reply = member.says("はい")
    assert "のお申し出を取り下げました。" in reply
    assert "ほかにご用件はありますか。" in reply
    assert MENU_PROMPT not in reply
    assert only_case(desk).status == "withdrawn"
