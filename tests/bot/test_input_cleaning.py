"""What staff type in Slack is cleaned at the edge like members' input: terminal escape
sequences, NUL and bidi overrides never reach storage, a member or a staff screen. And the
terminal channel's safety net: a turn that fails is given up with the member told."""

from __future__ import annotations

import asyncio
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.terminal import TerminalChat
from bot.config import Settings
from flows.messages import Inbound
from flows.safe_text import BIDI_CONTROLS
from tests.bot.conftest import madoguchi_command
from tests.bot.served import Member, eventually
from tests.bot.test_slack_end_to_end import CHANNELS, STAFF, desk_running, file_request
from tests.conftest import Desk
from tests.fakes.slack_api import FakeSlackApi, plain_text, radio_buttons
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

ROOT = Path(__file__).resolve().parents[2]
COOPDELI = "coopdeli"
APOLOGY = "申し訳ありません。うまく受け付けられませんでした。お手数ですが、もう一度お送りください。"


def _unsafe(text: str) -> list[str]:
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t") or ch in BIDI_CONTROLS
    ]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def test_staff_notes_and_close_reasons_from_slack_are_stored_and_sent_clean(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with desk_running(fake, slack, tmp_path, database=database_url) as desk:
        chat_id = 500
        member = Member(fake, desk.served, chat_id)
        number = file_request(desk, chat_id, COOPDELI, "human")
        channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
        card = desk.card(channel, number)
        desk.wait_thread(channel, card.ts, "これまでのやりとり")

        note = desk.sender.message(
            staff, channel, "電話で確認済み\x1b[2J\x00\u202eメモ", thread_ts=card.ts
        )
        assert note.status == 200, note

        def stored_notes() -> list[str]:
            rows = desk.served.query(
                'SELECT e.data FROM caseevent e JOIN "case" c ON c.id = e.case_id '
                f"WHERE c.number = '{number}' AND e.kind = 'note'"
            )
            return [str(_json(data)["text"]) for (data,) in rows]

        eventually(lambda: bool(stored_notes()))
        assert stored_notes() == ["電話で確認済み[2Jメモ"]

        desk.click(staff, "case_close", channel, card.ts)
        before = len(fake.sent_messages(chat_id))
        desk.submit(
            staff,
            "case_close",
            {
                "outcome": {"value": radio_buttons("partial")},
                "reason": {
                    "value": plain_text(
                        "保存期間を\x1b]8;;https://evil.example\x07過ぎて\u202eいました"
                    )
                },
            },
        )
        desk.submit(staff, "case_close_confirm", {})  # the reason is previewed first
        told = member._await_answer(before)
    assert "保存期間を]8;;https://evil.example過ぎていました" in told
    assert _unsafe(told) == []


def test_a_terminal_member_whose_turn_fails_is_asked_to_send_it_again_and_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App.build(
        Settings(
            DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
            MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
        )
    )
    real_turn = app.turns.engine.turn

    def failing_turn(state: Any, inbound: Inbound, *args: Any) -> Any:
        if inbound.text == "壊れる一通":
            raise KeyError("a bug")
        return real_turn(state, inbound, *args)

    monkeypatch.setattr(app.turns.engine, "turn", failing_turn)
    out = io.StringIO()
    chat = TerminalChat(app, "hanako", out)

    async def scenario() -> None:
        await chat.send(command="start", argument="coopdeli")
        await chat.send(text="壊れる一通")
        assert out.getvalue().rstrip().endswith(APOLOGY)
        await chat.send(text="3")
        assert "どの情報の開示をご希望ですか" in out.getvalue().split(APOLOGY)[-1]

    asyncio.run(scenario())


def test_a_staff_note_from_the_terminal_is_stored_without_escape_sequences(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    for line in COMPLAINT:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    with madoguchi_command(desk.db_url, "staff") as invoke:
        done = invoke("note", case.number, "折返し済み\x1b[2J\x1b]0;x\x07\u202eメモ")
    assert done.exit_code == 0, done.output
    [note] = [e for e in desk.app.cases.detail_unaudited(case.number).events if e.kind == "note"]
    assert note.data["text"] == "折返し済み[2J]0;xメモ"
