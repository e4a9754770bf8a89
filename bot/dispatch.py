"""Outbox delivery: in order per chat, retried with backoff, never dropped.

Rows are marked sent only after the channel accepted them, so a crash between sending and
marking may repeat a message but can never lose one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlmodel import Session, col, select

from flows.status import CLOSED_STATUSES
from storage.db import Database
from storage.models import Case, CaseEvent, Conversation, OutboxMessage
from storage.turns import Clock

log = structlog.get_logger(__name__)
MAX_BACKOFF_SECONDS = 300.0
UNREACHABLE_WAIT_SECONDS = 24 * 3600.0


class TemporaryFailure(Exception):
    """The channel could not take the message now; ``retry_after`` seconds if it said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(Exception):
    """The member cannot be reached (e.g. blocked the bot); the message is kept, not dropped."""


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def note_unreachable(session: Session, conversation: Conversation, now: datetime) -> None:
    """Staff must know their reply did not arrive: every open case of the member says so."""
    open_cases = session.exec(
        select(Case)
        .where(Case.conversation_id == conversation.id, col(Case.status).not_in(CLOSED_STATUSES))
        .with_for_update()
    ).all()
    for case in open_cases:
        assert case.id is not None
        session.add(
            CaseEvent(case_id=case.id, kind="member_unreachable", actor="system", created_at=now)
        )


def record_attempt(
    db: Database,
    clock: Clock,
    row: OutboxMessage,
    *,
    error: str | None = None,
    delay: float = 0.0,
    unreachable: bool = False,
) -> None:
    """Mark a row sent, or schedule its retry; an unreachable member waits
    ``UNREACHABLE_WAIT_SECONDS`` (or until they write again) and is flagged on their cases."""
    if unreachable:
        delay = UNREACHABLE_WAIT_SECONDS
    with db.transaction() as session:
        stored = session.get(OutboxMessage, row.id)
        assert stored is not None
        stored.attempts += 1
        if error is None:
            stored.status, stored.sent_at = "sent", clock()
        else:
            log.warning("outbox.retry", outbox=row.id, delay=delay)
            stored.last_error = error[:200]
            stored.next_attempt_at = clock() + timedelta(seconds=delay)
            stored.claimed_until = None  # any worker may retry it when it is due
        if unreachable:
            conversation = session.get(Conversation, row.conversation_id)
            assert conversation is not None
            if conversation.reachable:
                conversation.reachable = False
                session.add(conversation)
                note_unreachable(session, conversation, clock())
        session.add(stored)


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 10)))


class Dispatcher:
    """Sends pending outbox rows through each channel's sender."""

    def __init__(self, db: Database, senders: Mapping[str, Sender], clock: Clock) -> None:
        self.db = db
        self.senders = senders
        self.clock = clock

    def deliver(self, channel: str, chat_id: str | None = None, limit: int = 500) -> int:
        """Send what is due; a chat stops at its first failure so order is kept. Returns sent."""
        sender = self.senders[channel]
        now = self.clock()
        with self.db.transaction() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.channel == channel)
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            rows = list(session.exec(query).all())
        sent = 0
        blocked_chats: set[str] = set()
        for row in rows:
            if row.chat_id in blocked_chats:
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                blocked_chats.add(row.chat_id)
                continue
            try:
                sender.send(row)
            except TemporaryFailure as failure:
                blocked_chats.add(row.chat_id)
                delay = failure.retry_after
                record_attempt(
                    self.db,
                    self.clock,
                    row,
                    error=str(failure),
                    delay=delay or backoff(row.attempts),
                )
                continue
            except Unreachable as failure:
                # Kept, not dropped: it waits until the member writes again (see TurnStore).
                blocked_chats.add(row.chat_id)
                record_attempt(self.db, self.clock, row, error=str(failure), unreachable=True)
                continue
            record_attempt(self.db, self.clock, row)
            sent += 1
        return sent
