"""Reading a webhook update's body: the commonest one straight from its JSON, the rest through
python-telegram-bot.

Most updates are a member's text message in a private chat, and for those the engine needs five
fields; building PTB's ``Update`` for them (``Update.de_json``: every one of ``Message``'s many
fields) cost ~0.1 ms of CPU per update, more than the rest of the request's own work. So
:func:`read_update` first reads the body with orjson and recognises exactly the shape Telegram
sends for such a message: every key one it knows, every value of the type PTB keeps as it is
(whole numbers within 64 bits, strings, booleans, dates within ``datetime``'s range). An update
of that shape is one PTB reads without error, to the same :class:`Inbound` (a property test holds
the two ways to it). Anything else (files, buttons, groups, an unknown or odd field, a body orjson
refuses or reads differently from the standard library) is read as before, by ``json.loads`` and
``Update.de_json``, so a malformed update is refused exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from telegram import Bot, Update

from bot.channels.base import typed_command
from bot.channels.telegram_limits import CHANNEL
from flows.messages import Inbound
from flows.safe_text import clean_inbound, clean_optional

# Dates PTB turns into a datetime without fail on any platform (1970 to 2106); others, rare
# and maybe out of range, are left to PTB to refuse or accept.
_LAST_DATE = 2**32
# A field's check, and an object's fields with theirs (``_fits``).
Check = Callable[[object], bool]
Shape = Mapping[str, Check]


def read_update(body: bytes, bot: Bot) -> Inbound | Update:
    """The update in ``body``: a member's plain text as its :class:`Inbound` at once, any other
    update as PTB's ``Update``. Raises on a malformed body (any exception: the body is broken)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if type(data) is dict:
        inbound = plain_text(data)
        if inbound is not None:
            return inbound
    # As before: orjson reads integers over 64 bits as floats and refuses what the standard
    # library takes (lone surrogates, NaN), so PTB gets what ``json`` reads.
    data = json.loads(body)
    if not isinstance(data, dict):
        raise TypeError("not an object")
    return Update.de_json(data, bot)


def text_inbound(
    update_id: int, chat_id: int, text: str, lang: str | None, *, edited: bool
) -> Inbound:
    """A text message (or its edit) as the engine's event, its words cleaned: a typed command
    with the member's language (``lang``, already cleaned), other words as they are."""
    key = f"{CHANNEL}:{update_id}"
    chat = str(chat_id)
    words = clean_inbound(text)
    if edited:
        # A command or caption edited is words like any other.
        return Inbound(channel=CHANNEL, chat_id=chat, idempotency_key=key, text=words, edited=True)
    if (typed := typed_command(words)) is not None:
        command, argument = typed
        return Inbound(
            channel=CHANNEL,
            chat_id=chat,
            idempotency_key=key,
            command=command,
            argument=argument,
            lang=lang,
        )
    return Inbound(channel=CHANNEL, chat_id=chat, idempotency_key=key, text=words)


def plain_text(data: dict[str, Any]) -> Inbound | None:
    """The :class:`Inbound` of a private chat's text message (or its edit) of the shape
    Telegram sends; ``None`` for any other update, to be read by PTB."""
    if len(data) != 2 or type(data.get("update_id")) is not int:
        return None
    message = data.get("message")
    edited = message is None
    if edited:
        message = data.get("edited_message")
    if type(message) is not dict or not _is_text_message(message, edited=edited):
        return None
    sender = message.get("from")
    lang = clean_optional(sender.get("language_code")) if sender is not None else None
    return text_inbound(
        data["update_id"], message["chat"]["id"], message["text"], lang, edited=edited
    )


def _fits(value: object, required: Shape, optional: Shape) -> bool:
    """Whether ``value`` is an object with every ``required`` key, no key that is in neither
    table, and each value passing its key's check."""
    if type(value) is not dict or not required.keys() <= value.keys():
        return False
    for key, item in value.items():
        check = required.get(key) or optional.get(key)
        if check is None or not check(item):
            return False
    return True


def _of(kind: type) -> Check:
    """Exactly this JSON type (``bool`` is not taken for ``int``, nor the other way)."""
    return lambda value: type(value) is kind


def _is_date(value: object) -> bool:
    return type(value) is int and 0 <= value < _LAST_DATE


def _shape(required: Shape, optional: Shape) -> Check:
    return lambda value: _fits(value, required, optional)


_TEXT, _INT, _FLAG = _of(str), _of(int), _of(bool)
_is_private_chat = _shape(
    {"id": _INT, "type": lambda value: value == "private"},
    dict.fromkeys(("first_name", "last_name", "username", "title"), _TEXT),
)
_is_user = _shape(
    {"id": _INT, "is_bot": _FLAG, "first_name": _TEXT},
    dict.fromkeys(("last_name", "username", "language_code"), _TEXT)
    | dict.fromkeys(("is_premium", "added_to_attachment_menu"), _FLAG),
)
_is_entity = _shape(
    {"type": _TEXT, "offset": _INT, "length": _INT},
    dict.fromkeys(("url", "language", "custom_emoji_id"), _TEXT),
)
_MESSAGE: Shape = {"message_id": _INT, "date": _is_date, "text": _TEXT, "chat": _is_private_chat}
_MESSAGE_OPTIONAL: dict[str, Check] = {
    "from": _is_user,
    "entities": lambda value: type(value) is list and all(_is_entity(item) for item in value),
}
_EDITED_OPTIONAL: Shape = {**_MESSAGE_OPTIONAL, "edit_date": _is_date}


def _is_text_message(message: dict[str, Any], *, edited: bool) -> bool:
    return _fits(message, _MESSAGE, _EDITED_OPTIONAL if edited else _MESSAGE_OPTIONAL)
