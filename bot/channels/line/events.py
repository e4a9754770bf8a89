"""LINE's webhook events as the desk reads them: checked and stored on arrival, turned into
the engine's ``Inbound`` when worked.

Arrival does only what must happen before LINE is answered: the body is JSON of the expected
shape, and each event for a one-to-one chat is kept with its idempotency key
(``line:`` + ``webhookEventId``), exactly as it came. Reading it (``line-bot-sdk``'s models)
happens when it is worked, so an event the SDK cannot read still gets an answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

import structlog
from linebot.v3.webhooks import (
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    MessageEditedEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.channels.line import CHANNEL, rich_menu
from flows.messages import Inbound, ReceivedFile
from flows.safe_text import clean_inbound, clean_optional
from storage.inbox import Arrival

log = structlog.get_logger(__name__)
# LINE's ids: webhookEventId is a ULID, userId ``U`` and 32 hex digits. Anything else is not
# stored: it could not be answered, and an odd string has no business in a key or a log.
_EVENT_ID = re.compile(r"[0-9A-Za-z]{1,64}")
_USER_ID = re.compile(r"U[0-9a-f]{32}")


class Malformed(ValueError):
    """The body is not a webhook request (its signature was right: a bug on either side)."""


def arrivals(body: bytes) -> list[Arrival]:
    """The events of a verified webhook body that the desk answers, in LINE's order.

    Events from groups and rooms, and any without a usable id, are left out: the desk
    answers one member in a one-to-one chat. An empty list is LINE's "verify" request.
    """
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise Malformed("not a webhook request")
    found: list[Arrival] = []
    for event in data["events"]:
        if not isinstance(event, dict):
            raise Malformed("an event is not an object")
        event_id, user_id = event.get("webhookEventId"), _user_of(event)
        if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id) or not user_id:
            log.info("line.event_skipped", type=str(event.get("type"))[:32])
            continue
        # ASCII JSON: a lone surrogate some client sent survives as an escape, not an error.
        found.append(Arrival(f"{CHANNEL}:{event_id}", user_id, json.dumps(event)))
    return found


def _user_of(event: dict[str, Any]) -> str | None:
    source = event.get("source")
    if not isinstance(source, dict) or source.get("type") != "user":
        return None
    user_id = source.get("userId")
    return user_id if isinstance(user_id, str) and _USER_ID.fullmatch(user_id) else None


@dataclass(frozen=True)
class Work:
    """What one stored event asks of the desk.

    ``inbound`` is a turn to run (``fetch``: the message id whose content to download for
    it first); ``left``: the member unfollowed; neither: nothing to do (an event type the desk
    does not act on). ``reply_token`` may answer it, once, for free.
    """

    inbound: Inbound | None = None
    left: bool = False
    reply_token: str | None = None
    fetch: str | None = None
    timestamp_ms: int | None = None


def read(key: str, chat_id: str, payload: str) -> Work:
    """The stored event ``payload`` (as :func:`arrivals` kept it) as work for the desk."""
    raw = json.loads(payload)
    timestamp = raw.get("timestamp") if isinstance(raw.get("timestamp"), int) else None
    base = Inbound(channel=CHANNEL, chat_id=chat_id, idempotency_key=key)
    try:
        event = Event.from_dict(raw)
    except Exception as error:  # a type or field this SDK does not know yet
        log.info("line.event_unread", type=str(raw.get("type"))[:32], error=type(error).__name__)
        event = None
    if event is None:
        if raw.get("type") in ("message", "messageEdited"):
            # A message of a kind not known yet: the member still hears what works here.
            token = raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None
            return Work(replace(base, attachment=ReceivedFile(kind="other")), reply_token=token)
        return Work(timestamp_ms=timestamp)
    work = _work(event, base)
    return replace(work, timestamp_ms=timestamp)


def _work(event: Any, base: Inbound) -> Work:
    if isinstance(event, MessageEvent | MessageEditedEvent):
        edited = isinstance(event, MessageEditedEvent)
        message = event.message
        if isinstance(message, TextMessageContent):
            inbound = replace(base, text=clean_inbound(message.text), edited=edited)
            return Work(inbound, reply_token=event.reply_token)
        if edited:
            return Work()  # only text can be edited; nothing else to read again
        if isinstance(message, ImageMessageContent):
            file = ReceivedFile(kind="photo")
            if message.content_provider.type != "line":
                # Sent from another service by URL: the desk fetches nothing from the internet.
                return Work(replace(base, attachment=replace(file, problem="download_failed")))
            return Work(
                replace(base, attachment=file), reply_token=event.reply_token, fetch=message.id
            )
        if isinstance(message, FileMessageContent):
            file = ReceivedFile(
                kind="document", name=clean_optional(message.file_name), size=message.file_size
            )
            return Work(
                replace(base, attachment=file), reply_token=event.reply_token, fetch=message.id
            )
        # Stickers, locations, video, audio: the engine says what it takes instead.
        other = replace(base, attachment=ReceivedFile(kind="other"))
        return Work(other, reply_token=event.reply_token)
    if isinstance(event, PostbackEvent):
        data = clean_inbound(event.postback.data)
        button = rich_menu.pressed(data)
        if button is not None:
            inbound = replace(base, text=button.words, command=button.command)
        else:
            # A choice id; one the member was never shown is the engine's to refuse politely.
            inbound = replace(base, choice=data)
        return Work(inbound, reply_token=event.reply_token)
    if isinstance(event, FollowEvent):
        # Friend added (or unblocked): the greeting, as /start on Telegram.
        return Work(replace(base, command="start"), reply_token=event.reply_token)
    if isinstance(event, UnfollowEvent):
        return Work(left=True)
    return Work()
