"""An edited message (Telegram's edited_message) straight through the engine: while a form
is being entered, it is never taken as an answer; they are asked, in their language, to send
it again, and the question they are at is asked again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flows.engine import Engine
from flows.messages import Inbound, TurnResult
from flows.profiles import load_profiles

ENGINE = Engine(load_profiles())
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def turn(state: dict[str, Any] | None, key: str, **event: Any) -> TurnResult:
    return ENGINE.turn(state, Inbound("telegram", "x", key, **event), NOW)


def at_the_kana_step(lang: str) -> dict[str, Any]:
    result = turn(None, "k0", command="start", argument="coopdeli")
    if lang == "en":
        result = turn(result.state, "k1", command="lang", argument="en")
    for n, text in enumerate(["3", "すべて", "ご本人", "山田 花子"], 2):
        result = turn(result.state, f"k{n}", text=text)
    return result.state


@pytest.mark.parametrize(
    ("lang", "notice"),
    [
        ("ja", "編集されたメッセージは、お手続きに使うことができません"),
        ("en", "A message edited after it was sent cannot be used for your request"),
    ],
)
def test_an_edited_message_is_kept_in_the_transcript_and_never_taken_as_an_answer(
    lang: str, notice: str
) -> None:
    state = at_the_kana_step(lang)
    asked = turn(state, "again", text="").replies[-1].text  # the question, as asked again

    result = turn(state, "edit", text="山田 花江", edited=True)

    assert notice in result.replies[0].text
    assert result.replies[-1].text == asked
    assert result.state == state  # no answer changed, the member is where they were
    assert "山田 花江" in result.inbound_display


def test_an_edited_message_with_no_form_in_progress_is_read_as_a_new_message() -> None:
    """Outside a form nothing can be overwritten: the edit is read like any other message
    (with a case, it reaches the case as a follow-up)."""
    state = turn(None, "k0", command="start", argument="coopdeli").state

    result = turn(state, "edit", text="状況", edited=True)

    text = "\n".join(reply.text for reply in result.replies)
    assert "編集されたメッセージは" not in text
    assert "受付済みのお申し出はありません。" in text
