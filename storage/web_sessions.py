"""The web chat's sessions and what a page shows (``WebSession``, ``WebResumeCode``).

A browser holds a random token in an HttpOnly cookie; the database keeps only its SHA-256,
mapped to the chat it opens (one conversation on the ``web`` channel). A filed case gets a
one-time code that, with the case number, opens the same chat in another browser: only its
hash is kept, it works once, and a few wrong tries spend it.

What a page shows is read back from what the desk already keeps: the member's lines from the
transcript and the desk's messages from the outbox rows the web channel has marked sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select

from storage.db import Database
from storage.models import (
    Conversation,
    OutboxMessage,
    TranscriptLine,
    WebResumeCode,
    WebSession,
)

CHANNEL = "web"
# How the transcript shows a command the page sent for the member (the greeting, English).
_COMMAND_LINE = re.compile(r"/(?:start|help|status|cancel|lang)(?:\s|$)")
# Wrong codes a case number may be tried with before its code is spent (a new one is shown
# only by staff then): guessing one of 10^8 codes in five tries is hopeless.
MAX_CODE_TRIES = 5
CODE_DIGITS = 8


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A session as a request uses it."""

    chat_id: str
    org_id: str
    csrf: str
    token: str | None = None  # set only when new: the cookie to send back


@dataclass(frozen=True)
class ShownMessage:
    """One message on the page: the member's own words, or the desk's (with its buttons)."""

    id: int  # the outbox row's id for the desk's messages (the page's cursor); 0 for member's
    author: str  # "member" | "desk"
    text: str
    choices: list[list[str]]
    multiple: bool


def new_session(db: Database, org_id: str, now: datetime) -> Opened:
    """A new chat for a browser that has none (or a stale one)."""
    return _session_for(db, org_id, "w" + secrets.token_urlsafe(18), now)


def _session_for(db: Database, org_id: str, chat_id: str, now: datetime) -> Opened:
    """A new browser session (a new token and CSRF token) on ``chat_id``."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    with db.transaction() as session:
        session.add(
            WebSession(
                token_hash=_hash(token),
                org_id=org_id,
                chat_id=chat_id,
                csrf=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
    return Opened(chat_id, org_id, csrf, token)


def open_session(db: Database, token: str, org_id: str, now: datetime) -> Opened | None:
    """The chat behind a cookie's token, if it is one of ours for this org and not expired."""
    with db.transaction() as session:
        row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
        if row is None or row.org_id != org_id:
            return None
        if (now - row.last_seen_at).total_seconds() > 60:
            row.last_seen_at = now  # written at most once a minute: idle expiry needs no more
            session.add(row)
        return Opened(row.chat_id, row.org_id, row.csrf)


def expire_idle(db: Database, seen_before: datetime) -> int:
    """Forget sessions idle since ``seen_before`` (the idle-chat retention); their chats go
    with the purge of idle conversations."""
    with db.transaction() as session:
        result = session.execute(
            delete(WebSession).where(col(WebSession.last_seen_at) < seen_before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def issue_code(db: Database, case_number: str, chat_id: str, org_id: str, now: datetime) -> str:
    """A new one-time code for ``case_number``'s chat (shown once to the member)."""
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    with db.transaction() as session:
        session.add(
            WebResumeCode(
                case_number=case_number,
                code_hash=_hash(f"{case_number}:{code}"),
                chat_id=chat_id,
                org_id=org_id,
                created_at=now,
            )
        )
    return code


def redeem_code(
    db: Database, org_id: str, case_number: str, code: str, now: datetime
) -> Opened | None:
    """A new session on the chat of ``case_number`` when ``code`` is its unused code; a wrong
    code counts against the case's tries. ``None`` says nothing of which part was wrong."""
    digits = "".join(ch for ch in code if ch.isdigit())
    with db.transaction() as session:
        rows = session.exec(
            select(WebResumeCode).where(
                WebResumeCode.case_number == case_number,
                WebResumeCode.org_id == org_id,
                col(WebResumeCode.used_at).is_(None),
            )
        ).all()
        wanted = _hash(f"{case_number}:{digits}")
        match = next((r for r in rows if hmac.compare_digest(r.code_hash, wanted)), None)
        if match is None:
            for row in rows:
                row.failed_tries += 1
                if row.failed_tries >= MAX_CODE_TRIES:
                    row.used_at = now  # spent: staff can help the member from here
                session.add(row)
            return None
        match.used_at = now
        session.add(match)
        chat_id = match.chat_id
    return _session_for(db, org_id, chat_id, now)


def history(db: Database, chat_id: str) -> list[ShownMessage]:
    """The chat as the page shows it on load: the member's lines and the desk's sent
    messages, in the order they were written (a turn's member line before its answers)."""
    with db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(
                Conversation.channel == CHANNEL, Conversation.chat_id == chat_id
            )
        ).first()
        if conversation is None:
            return []
        lines = session.exec(
            select(TranscriptLine).where(
                TranscriptLine.conversation_id == conversation.id,
                TranscriptLine.direction == "member",
            )
        ).all()
        rows = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.conversation_id == conversation.id,
                OutboxMessage.status == "sent",
            )
        ).all()
        keyed = [
            ((line.created_at, 0, line.id or 0), _member(line))
            for line in lines
            if not _COMMAND_LINE.match(line.text)  # the page's own /start, /lang
        ]
        keyed += [((row.created_at, 1, row.id or 0), _desk(row)) for row in rows]
    return [shown for _key, shown in sorted(keyed, key=lambda pair: pair[0])]


def sent_after(db: Database, chat_id: str, after_id: int) -> list[ShownMessage]:
    """The desk's messages to ``chat_id`` sent since the page's cursor, in order."""
    with db.transaction() as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == "sent",
                col(OutboxMessage.id) > after_id,
            )
            .order_by(col(OutboxMessage.id))
        ).all()
        return [_desk(row) for row in rows]


def mark_delivered(db: Database, row_ids: Sequence[int], now: datetime) -> None:
    """The rows are on the page's record: sent, whether or not a page is open now."""
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(list(row_ids)))
            .values(status="sent", sent_at=now)
        )


def _member(line: TranscriptLine) -> ShownMessage:
    return ShownMessage(0, "member", line.text, [], False)


def _desk(row: OutboxMessage) -> ShownMessage:
    return ShownMessage(row.id or 0, "desk", row.text, [list(c) for c in row.choices], row.multiple)


def tell(db: Database, chat_id: str, text: str, now: datetime) -> None:
    """Queue a message to a web chat outside a turn (the resume code after filing)."""
    from storage.turns import enqueue  # the one way a member message is queued

    with db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(
                Conversation.channel == CHANNEL, Conversation.chat_id == chat_id
            )
        ).first()
        if conversation is not None:
            enqueue(session, conversation, text, now)


def has_no_chat(db: Database, chat_id: str) -> bool:
    """Whether the session's chat is gone (forgotten by the idle-chat retention)."""
    with db.transaction() as session:
        found = session.exec(
            select(Conversation.id).where(
                Conversation.channel == CHANNEL, Conversation.chat_id == chat_id
            )
        ).first()
        return found is None
