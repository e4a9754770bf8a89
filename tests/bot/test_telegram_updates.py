"""The webhook's two ways to read an update agree: a member's plain text read straight from its
JSON (``read_update`` without PTB's objects) gives the same ``Inbound`` as python-telegram-bot's
``Update.de_json`` and ``to_inbound``, and every body either way refuses (malformed) or takes is
refused or taken by the other, whatever field is missing, odd, huge or added."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram import to_inbound
from bot.channels.telegram_updates import plain_text, read_update
from flows.messages import Inbound

Outcome = tuple[str, object]


def _as_before(body: bytes) -> Outcome:
    """What the webhook made of ``body`` through PTB alone: refused, or the update's Inbound."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise TypeError("not an object")
        update = Update.de_json(data, None)
    except Exception:
        return ("refused", None)
    try:
        return ("taken", to_inbound(update))
    except Exception as error:
        return ("failed", type(error).__name__)


def _now(body: bytes) -> Outcome:
    try:
        update = read_update(body, None)  # type: ignore[arg-type]  # no calls: no bot needed
    except Exception:
        return ("refused", None)
    if isinstance(update, Inbound):
        return ("taken", update)
    try:
        return ("taken", to_inbound(update))
    except Exception as error:
        return ("failed", type(error).__name__)


TEXTS = st.sampled_from(
    ["山田 花子", "/start coopdeli", "/START@desk_bot  x ", "/", "3", "", "a\x00\u202eb", "\ud800"]
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        TEXTS,
        st.text(max_size=5),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
# Edges: a date datetime cannot hold, a number over 64 bits, a bool for a number, nothing.
EDGES = st.sampled_from(
    [-1, 0, 2**32, 2**40, 2**63, 2**64, 1.5, 1e300, -1e300, True, None, "", [], {}]
).map(copy.deepcopy)  # the update is changed in place: no value is shared between examples
VALUES = st.one_of(EDGES, JSON_VALUES)
KEYS = st.sampled_from(
    [
        "update_id",
        "message",
        "edited_message",
        "callback_query",
        "message_id",
        "date",
        "edit_date",
        "chat",
        "from",
        "text",
        "caption",
        "entities",
        "photo",
        "id",
        "type",
        "is_bot",
        "first_name",
        "last_name",
        "username",
        "title",
        "language_code",
        "is_premium",
        "offset",
        "length",
        "url",
        "user",
        "api_kwargs",
        "from_user",
    ]
)


def _well_formed(draw: st.DrawFn) -> dict[str, Any]:
    chat_id = draw(st.integers(min_value=-(2**63), max_value=2**64 - 1))
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "会員"}
    if draw(st.booleans()):
        user["language_code"] = draw(st.sampled_from(["ja", "en", "\x1bja"]))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(min_value=1, max_value=2**31)),
        "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": "会員"},
        "date": draw(st.integers(min_value=0, max_value=2**32 - 1)),
        "text": draw(TEXTS),
    }
    if message["text"].startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    kind = draw(st.sampled_from(["message", "edited_message"]))
    if kind == "edited_message":
        message["edit_date"] = message["date"] + 1
    return {"update_id": draw(st.integers(min_value=0, max_value=2**63)), kind: message}


def _places(value: Any) -> list[dict[str, Any] | list[Any]]:
    """Every dict and list in ``value``, itself first."""
    if isinstance(value, dict):
        inner = list(value.values())
    elif isinstance(value, list):
        inner = value
    else:
        return []
    return [value, *(place for item in inner for place in _places(item))]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A well-formed text update, often changed in one to three places (a key dropped, added
    or given another value, an item replaced, at any depth), as JSON."""
    update = _well_formed(draw)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if draw(st.booleans()):  # any one field given an edge value
            fields = [(p, k) for p in _places(update) if isinstance(p, dict) for k in p]
            if fields:
                place, key = draw(st.sampled_from(fields))
                place[key] = draw(EDGES)
            continue
        place = draw(st.sampled_from(_places(update)))
        if isinstance(place, list):
            if place:
                place[draw(st.integers(0, len(place) - 1))] = draw(VALUES)
        elif place and (change := draw(st.sampled_from(["drop", "replace", "add"]))) != "add":
            key = draw(st.sampled_from(sorted(place)))
            if change == "drop":
                del place[key]
            else:
                place[key] = draw(VALUES)
        else:
            place[draw(KEYS)] = draw(VALUES)
    return json.dumps(update, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@settings(max_examples=3000, deadline=None)
@given(body=bodies())
def test_reading_without_ptb_takes_and_refuses_exactly_what_ptb_does(body: bytes) -> None:
    assert _now(body) == _as_before(body)


@settings(max_examples=300, deadline=None)
@given(body=bodies())
def test_a_plain_text_update_is_read_without_ptb(body: bytes) -> None:
    data = json.loads(body)
    taken = plain_text(data) if isinstance(data, dict) else None
    if taken is not None:  # read straight from the JSON: then PTB reads it alike
        assert _as_before(body) == ("taken", taken)


def test_the_common_updates_are_read_without_ptb_and_odd_ones_with_it() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "会員", "language_code": "ja"}
    chat = {"id": 7, "type": "private", "first_name": "会員"}
    text = {"message_id": 1, "from": user, "chat": chat, "date": 1_700_000_000, "text": "開示"}
    command = {
        **text,
        "text": "/start coopdeli",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    edited = {**text, "edit_date": 1_700_000_001}
    for update, expected in [
        ({"update_id": 1, "message": text}, Inbound("telegram", "7", "telegram:1", text="開示")),
        (
            {"update_id": 2, "message": command},
            Inbound("telegram", "7", "telegram:2", command="start", argument="coopdeli", lang="ja"),
        ),
        (
            {"update_id": 3, "edited_message": edited},
            Inbound("telegram", "7", "telegram:3", text="開示", edited=True),
        ),
    ]:
        assert plain_text(update) == expected
        assert read_update(json.dumps(update).encode(), None) == expected  # type: ignore[arg-type]
    odd: list[dict[str, Any]] = [
        {"update_id": 4, "message": {**text, "chat": {**chat, "type": "group"}}},
        {"update_id": 5, "message": {**text, "photo": []}},
        {"update_id": 6, "message": {**text, "date": 1e300}},
        {"update_id": 7, "message": {**text, "from": {**user, "id": "7"}}},
        {"update_id": 8, "message": text, "edited_message": text},
        {"update_id": 9, "message": text, "api_kwargs": None},  # PTB: refused
        {"update_id": 11, "message": {**text, "date": 2**40}},  # past datetime's year 9999
    ]
    for update in odd:
        assert plain_text(json.loads(json.dumps(update))) is None
    # Over 64 bits orjson reads a number as a float: such an update is read by PTB, to the same.
    big = read_update(json.dumps({"update_id": 2**64, "message": text}).encode(), None)  # type: ignore[arg-type]
    assert isinstance(big, Update)
    assert to_inbound(big) == Inbound("telegram", "7", f"telegram:{2**64}", text="開示")
