"""A message longer than its channel's limit is queued as ordered parts, never cut."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import col, select

from bot.app import App
from bot.config import Settings
from flows.messages import Inbound
from flows.safe_text import TextLimit
from storage.models import OutboxMessage, TranscriptLine
from storage.staff import StaffActor
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[2]
SMALL = TextLimit(40)  # a small channel limit, so the greeting alone needs parts


def build(database_url: str, **options: object) -> App:
    settings = Settings(DATABASE_URL=database_url, MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml")
    return App.build(settings, Clock(), one_message_per_turn=frozenset({"telegram"}), **options)  # type: ignore[arg-type]


def queued(app: App, direction: str = "bot") -> tuple[list[OutboxMessage], list[TranscriptLine]]:
    """The outbox rows, and the transcript's lines of what the desk or staff said."""
    with app.db.transaction() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        lines = session.exec(
            select(TranscriptLine)
            .where(TranscriptLine.direction == direction)
            .order_by(col(TranscriptLine.id))
        ).all()
        return list(rows), list(lines)


def without_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_a_turn_longer_than_the_channels_limit_is_queued_in_ordered_parts_buttons_last(
    database_url: str,
) -> None:
    app = build(database_url, text_limits={"telegram": SMALL})
    app.turns.process(Inbound("telegram", "1", "u1", command="start", argument="coopdeli"))
    rows, lines = queued(app)
    assert len(rows) > 2
    assert all(SMALL.fits(row.text) for row in rows)
    assert [bool(row.choices) for row in rows] == [False] * (len(rows) - 1) + [True]
    assert len(rows[-1].choices) == 10
    # The transcript keeps each message whole; the parts re-join to it, in order.
    said = "".join(re.sub(r"(\n  \[[^\]]*\])+$", "", line.text) for line in lines)
    assert without_space("".join(row.text for row in rows)) == without_space(said)


def test_a_staff_reply_longer_than_the_limit_is_queued_in_parts_and_kept_whole(
    database_url: str,
) -> None:
    app = build(database_url, text_limits={"telegram": SMALL})
    for n, text in enumerate(["/start", "9", "苦情・ご意見", "配達員の対応について", "入力しない"]):
        command = {"command": "start", "argument": "coopdeli"} if text == "/start" else {}
        event = command or {"text": text}
        app.turns.process(Inbound("telegram", "1", f"u{n}", **event))  # type: ignore[arg-type]
    [case] = app.cases.list_unaudited()
    before = len(queued(app)[0])
    reply = "。".join(f"{n}番目のご説明です" for n in range(40)) + "。"
    app.cases.reply(case.number, StaffActor.trusted("sato"), reply)
    rows, lines = queued(app, "staff")
    parts = rows[before:]
    assert len(parts) > 3 and all(SMALL.fits(part.text) for part in parts)
    assert reply in "".join(part.text for part in parts)
    assert reply in lines[-1].text  # one transcript line, whole
