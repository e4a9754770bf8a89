"""Outbox rows as LINE message objects: text within 5,000 units, choices as quick replies.

The choices are also listed, numbered, in the text (as in the terminal): quick replies show
at most 13 buttons with labels of 20 characters, and vanish once the member writes, so the
list keeps every choice readable and a typed number works whatever the buttons showed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from linebot.v3.messaging import (
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.channels.line import (
    MAX_QUICK_REPLIES,
    MESSAGES_PER_CALL,
    POSTBACK_DATA,
    QUICK_REPLY_LABEL,
    TEXT_LIMIT,
)
from flows.safe_text import utf16_length
from storage.models import OutboxMessage

ELLIPSIS = "…"
DISPLAY_TEXT = 300  # what the member's side of the chat shows for a pressed button
# A label's closing 「（開示）」: the request's own name, which is what a short button needs.
_PARENTHESISED = re.compile(r"（([^（）]+)）$")
# Retry keys of pushes: the same rows give the same key, whichever process sends them.
RETRY_KEYS = uuid.UUID("6f0b6d36-3f5c-5b1e-9a57-6d61646f6775")


def numbered(text: str, choices: Sequence[Sequence[str]]) -> str:
    """The text with its choices listed under it, numbered from 1."""
    if not choices:
        return text
    lines = [f"{number}. {label}" for number, (_id, label) in enumerate(choices, 1)]
    return f"{text}\n\n" + "\n".join(lines)


def button_label(number: int, label: str) -> str:
    """``1. 開示``: the choice's number and as much of its label as fits LINE's 20 characters.

    A label too long that ends in a parenthesised name (「生協が持っている自分の情報を見たい
    （開示）」) shows that name; otherwise it is cut with 「…」. The full label is in the text.
    """
    prefix = f"{number}. "
    room = QUICK_REPLY_LABEL - utf16_length(prefix)
    if utf16_length(label) > room:
        named = _PARENTHESISED.search(label)
        if named and utf16_length(named.group(1)) <= room:
            label = named.group(1)
        else:
            label = _cut(label, room - 1) + ELLIPSIS
    return prefix + label


def _cut(text: str, units: int) -> str:
    cut = ""
    for char in text:
        if utf16_length(cut + char) > units:
            break
        cut += char
    return cut


def quick_reply(choices: Sequence[Sequence[str]]) -> QuickReply | None:
    """Buttons for the first 13 choices whose id fits a postback; the rest are typed."""
    items: list[QuickReplyItem] = []
    for number, (choice_id, label) in enumerate(choices, 1):
        if len(items) == MAX_QUICK_REPLIES:
            break
        if not choice_id or len(choice_id) > POSTBACK_DATA:
            continue  # never cut: a cut id would mean another choice or none
        shown = label if len(label) <= DISPLAY_TEXT else _cut(label, DISPLAY_TEXT - 1) + ELLIPSIS
        items.append(
            QuickReplyItem(
                action=PostbackAction(
                    label=button_label(number, label), data=choice_id, display_text=shown
                )
            )
        )
    return QuickReply(items=items) if items else None


def text_messages(rows: Sequence[OutboxMessage]) -> list[TextMessage]:
    """The rows' messages in order; a row whose text and list pass 5,000 units goes in parts,
    the buttons on its last part."""
    messages: list[TextMessage] = []
    for row in rows:
        parts = TEXT_LIMIT.split(numbered(row.text, row.choices))
        for position, part in enumerate(parts, 1):
            buttons = quick_reply(row.choices) if position == len(parts) else None
            # LINE refuses empty text; a row is never empty, but a blank one must not block.
            messages.append(TextMessage(text=part if part.strip() else "…", quick_reply=buttons))
    return messages


def calls(messages: Sequence[TextMessage]) -> list[list[TextMessage]]:
    """The messages in calls of at most five, in order."""
    return [
        list(messages[start : start + MESSAGES_PER_CALL])
        for start in range(0, len(messages), MESSAGES_PER_CALL)
    ]


def retry_key(rows: Sequence[OutboxMessage], call: int) -> str:
    """The ``X-Line-Retry-Key`` of a push: a UUID derived from every row it carries, so a
    retry of the same rows is recognised by LINE (409) and never sent twice. Derived from all
    the rows, not the first alone: a retry that carries one more row must not be taken for
    the earlier push, or that row would count as sent and never arrive."""
    ids = ",".join(str(row.id) for row in rows)
    return str(uuid.uuid5(RETRY_KEYS, f"{rows[0].chat_id}:{ids}:{call}"))
