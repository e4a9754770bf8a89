"""Generated Telegram updates with hostile text in every field a member's app controls, through
the channel's edge (``to_inbound`` on python-telegram-bot's own ``Update``) into real turns:
none fails, and nothing stored keeps a control character, bidi override or lone surrogate."""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from telegram import Update

from bot.channels.telegram import to_inbound
from flows.safe_text import BIDI_CONTROLS
from storage.models import Attachment, CaseEvent, Conversation, OutboxMessage, TranscriptLine
from tests.conftest import DATABASES, Clock, Desk, build_desk, database_for

NASTY = [
    "\x00",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07",
    "\x9b31m",
    "\r\n",
    "\u2028",
    "\ud800",
    "\udfff",
    "\u202e",
    "\u2066",
    "👨\u200d👩\u200d👧",
    "開示",
    "キャンセル",
    "/start",
    "3",
]
hostile = st.lists(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.characters(max_codepoint=0x9F),
        st.sampled_from(NASTY),
    ),
    max_size=40,
).map("".join)
_ids = itertools.count(1)


def _user(chat_id: int, language: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "x", "language_code": language}


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    chat_id = draw(st.integers(min_value=1, max_value=3))
    language = draw(st.one_of(st.sampled_from(["ja", "en"]), hostile))
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": _user(chat_id, language),
    }
    kind = draw(st.sampled_from(["text", "command", "photo", "document", "button"]))
    if kind == "text":
        message["text"] = draw(hostile) or "x"
    elif kind == "command":
        message["text"] = "/start " + draw(hostile)
    elif kind == "photo":
        size = {"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1, "file_size": 9}
        message["photo"] = [size]
        message["caption"] = draw(hostile)
    elif kind == "document":
        message["document"] = {
            "file_id": "d",
            "file_unique_id": "d",
            "file_name": draw(hostile),
            "file_size": 9,
        }
        message["caption"] = draw(hostile)
    else:
        shown = {**message, "text": "ご用件を選んでください。", "from": _user(999, "ja")}
        query = {
            "id": str(next(_ids)),
            "from": _user(chat_id, language),
            "chat_instance": "1",
            "message": shown,
            "data": draw(hostile) or "x",
        }
        return {"update_id": next(_ids), "callback_query": query}
    return {"update_id": next(_ids), "message": message}


def _unsafe(text: str) -> list[str]:
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t") or ch in BIDI_CONTROLS
    ]


@pytest.fixture(params=DATABASES)
def shared_desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    with database_for(request.param, tmp_path) as url:
        desk = build_desk(url, Clock())
        yield desk
        desk.app.db.close()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(updates(), min_size=1, max_size=6))
def test_hostile_updates_become_turns_that_store_only_clean_text(
    shared_desk: Desk, batch: list[dict[str, Any]]
) -> None:
    for raw in batch:
        # As it arrives: JSON text, where a lone surrogate can only be a \\ud800 escape.
        update = Update.de_json(json.loads(json.dumps(raw)), None)
        inbound = to_inbound(update)
        assert inbound is not None
        assert not shared_desk.app.turns.process(inbound).duplicate
    with shared_desk.app.db.transaction() as session:
        stored: list[str] = []
        stored += [line.text for line in session.exec(select(TranscriptLine)).all()]
        stored += [row.text for row in session.exec(select(OutboxMessage)).all()]
        stored += [
            json.dumps(c.state, ensure_ascii=False)
            for c in session.exec(select(Conversation)).all()
        ]
        stored += [
            json.dumps(e.data, ensure_ascii=False) for e in session.exec(select(CaseEvent)).all()
        ]
        for file in session.exec(select(Attachment)).all():
            stored += [file.name or "", file.caption or ""]
    for text in stored:
        text.encode("utf-8")
        assert _unsafe(text) == [], text
