"""LINE's monthly message quota, as the desk spends it: pushes counted per month, the warning
given once, and messages held for the quota said so on the member's cases.

Replies (within a reply token's life) are free; every push counts, one per call whatever the
number of messages in it (LINE counts a push of up to five messages to one member as one).
The month is Japan's calendar month, as LINE's quota for Japanese accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select

from flows.status import CLOSED_STATUSES
from storage.db import Database
from storage.models import Case, CaseEvent, Conversation, LinePushMonth, OutboxMessage

JST = ZoneInfo("Asia/Tokyo")
# ``OutboxMessage.last_error`` of a row LINE refused for the month's quota: the mark that the
# cases were told already, and that the member's next message may carry it for free.
QUOTA_WAIT = "line_quota"
# Case event kind: a message to the member waits (``data.reason``: what for).
DELIVERY_WAITING = "delivery_waiting"


def month_of(now: datetime) -> str:
    """``2026-12``: the month in Japan at ``now``."""
    return now.astimezone(JST).strftime("%Y-%m")


@dataclass(frozen=True)
class PushUsage:
    """The month's pushes so far; ``warned`` once the warning share was passed."""

    month: str
    pushes: int
    warned: bool


def count_push(db: Database, now: datetime) -> int:
    """One more push accepted by LINE this month; returns the month's count."""
    return db.retrying(lambda: _count_push(db, month_of(now)))


def _count_push(db: Database, month: str) -> int:
    with db.transaction() as session:
        row = session.exec(
            select(LinePushMonth).where(LinePushMonth.month == month).with_for_update()
        ).first()
        if row is None:
            # Two processes adding the month's row at once meet the primary key; the loser's
            # transaction is run again and finds it.
            row = LinePushMonth(month=month, pushes=0)
        row.pushes += 1
        session.add(row)
        return row.pushes


def push_usage(db: Database, now: datetime) -> PushUsage:
    """The pushes of the month ``now`` is in (``/healthz``, App Home)."""
    month = month_of(now)
    with db.transaction() as session:
        row = session.get(LinePushMonth, month)
        if row is None:
            return PushUsage(month, 0, False)
        return PushUsage(month, row.pushes, row.warned_at is not None)


def first_warning(db: Database, now: datetime) -> bool:
    """Whether this is the month's first warning (and it is now on record): one process,
    once a month, says it."""
    month = month_of(now)
    with db.transaction() as session:
        done = session.execute(
            update(LinePushMonth)
            .where(col(LinePushMonth.month) == month, col(LinePushMonth.warned_at).is_(None))
            .values(warned_at=now)
        )
        return bool(getattr(done, "rowcount", 0))


def note_quota_wait(db: Database, channel: str, chat_id: str, now: datetime) -> bool:
    """LINE refused a push to this member for the month's quota: say on each of their open
    cases that a message waits, once per wait (not at every retry). True if it was said."""
    with db.transaction() as session:
        conversation = session.exec(
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.chat_id == chat_id)
            .with_for_update()
        ).first()
        if conversation is None:
            return False
        already = session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.conversation_id == conversation.id,
                OutboxMessage.status == "pending",
                OutboxMessage.last_error == QUOTA_WAIT,
            )
        ).first()
        if already is not None:
            return False
        for case in session.exec(
            select(Case)
            .where(
                Case.conversation_id == conversation.id,
                col(Case.status).not_in(CLOSED_STATUSES),
            )
            .with_for_update()
        ):
            assert case.id is not None
            session.add(
                CaseEvent(
                    case_id=case.id,
                    kind=DELIVERY_WAITING,
                    actor="system",
                    created_at=now,
                    data={"reason": "line_monthly_quota"},
                )
            )
        return True


def release_quota_waits(db: Database, channel: str, chat_id: str) -> int:
    """The member wrote: what waited for the quota may go now, in the reply to their message
    (replies are free). Returns how many rows were released."""
    with db.transaction() as session:
        done = session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.channel) == channel,
                col(OutboxMessage.chat_id) == chat_id,
                col(OutboxMessage.status) == "pending",
                col(OutboxMessage.last_error) == QUOTA_WAIT,
            )
            .values(next_attempt_at=None)
        )
        return int(getattr(done, "rowcount", 0) or 0)
