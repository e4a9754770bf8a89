"""A member who edits a message they already sent, on Telegram (``edited_message``): the desk
answers, keeps the new words in the transcript and never takes them as an answer."""

from __future__ import annotations

import pytest

from tests.bot.served import Member, serving
from tests.fakes.telegram_api import FakeBotApi


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_a_member_who_edits_a_sent_answer_is_asked_to_send_it_again_and_nothing_is_lost(
    database_url: str, fake: FakeBotApi, webhook: bool
) -> None:
    with serving(fake, database_url, webhook=webhook) as served:
        member = Member(fake, served, 31)
        member.command("start", "coopdeli")
        member.says("3")
        member.says("すべて")
        member.says("ご本人")
        assert "フリガナ" in member.says("山田 花子")
        before = len(fake.sent_messages(31))

        update_id = fake.edit_text(31, "山田 花江")

        messages = fake.wait_for_messages(31, before + 1, timeout=20)
        answer = "\n".join(m["text"] for m in messages[before:])
        state = served.state(31)
        lines = served.query("SELECT text FROM transcriptline WHERE direction = 'member'")
        keys = served.query("SELECT key FROM processedupdate")
    assert "編集されたメッセージは、お手続きに使うことができません" in answer
    assert "もう一度お送りください" in answer
    assert "フリガナ" in messages[-1]["text"]  # the question they are at, asked again
    assert state["answers"]["name"] == "山田 花子"  # the edit did not change an answer
    assert state["mode"] == "flow"
    assert any("山田 花江" in text for (text,) in lines)  # the new words are kept
    assert (f"telegram:{update_id}",) in keys
