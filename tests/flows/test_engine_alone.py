"""Dialogue tests need no desk: the engine alone, turn by turn, read as a transcript."""

from __future__ import annotations

from tests.flows.engine_chat import EngineChat


def test_a_member_who_complains_through_the_engine_alone_gets_a_receipt() -> None:
    chat = EngineChat("coopdeli")

    for said in ("9", "苦情・ご意見", "配達員の対応について", "入力しない"):
        chat.says(said)

    assert [case.request_type for case in chat.cases_sent] == ["human"], chat.transcript
    assert "受付番号：{case_number}" in chat.transcript  # storage fills in the number


def test_a_member_who_types_the_number_of_stop_at_a_name_step_is_asked_before_anything_goes() -> (
    None
):
    chat = EngineChat("seikatsuclub-kyosai")
    chat.says("3")  # 開示
    while "お名前" not in chat.last[-1].text:
        chat.says("1")
    shown = [choice.label for choice in chat.last[-1].choices]
    stop = str(shown.index("やめる") + 1)

    asked = chat.says(stop)
    assert "この手続きをやめますか" in asked, chat.transcript
    assert "続けます" in chat.says("いいえ")
    assert "お名前" in chat.last[-1].text  # the name is asked again, nothing was stored
    assert chat.cases_sent == []


def test_a_member_who_asks_a_question_at_a_value_step_is_answered_and_asked_again() -> None:
    chat = EngineChat("coopdeli")
    chat.says("3")
    while "お名前" not in chat.last[-1].text:
        chat.says("1")
    before = chat.state

    chat.says("これは何に使うのですか？")

    assert "お名前" in chat.last[-1].text, chat.transcript
    assert isinstance(chat.state, dict) and isinstance(before, dict)
    assert chat.state["answers"] == before["answers"]  # the question was not stored
