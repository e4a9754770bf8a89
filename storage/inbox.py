"""The durable inbox of a webhook channel: events stored before the platform is answered,
worked after, deleted once their turn is committed (``storage.models.InboxEvent``).

Storing is what makes a quick answer safe: LINE is told 200 only when every event of its
request is on disk, and anything not yet worked when the process stops is worked at the next
start. An event whose key is already here or already processed is not stored again, so a
redelivery costs one lookup and has no second effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.db import Database
from storage.models import InboxEvent, ProcessedUpdate


@dataclass(frozen=True)
class Arrival:
    """One event as the channel received it: its idempotency key, chat and raw JSON."""

    key: str
    chat_id: str
    payload: str


@dataclass(frozen=True)
class Stored:
    """An event waiting in the inbox, as the channel works it."""

    id: int
    key: str
    chat_id: str
    payload: str
    received_at: datetime


def store(db: Database, channel: str, arrivals: Sequence[Arrival], now: datetime) -> list[Stored]:
    """Store the events not seen before, in one transaction; returns those stored, in order.

    Two deliveries of one event racing in two processes meet the key's unique index: the
    loser's transaction is run again and finds the key taken.
    """
    return db.retrying(lambda: _store(db, channel, arrivals, now))


def _store(db: Database, channel: str, arrivals: Sequence[Arrival], now: datetime) -> list[Stored]:
    keys = [arrival.key for arrival in arrivals]
    if not keys:
        return []
    with db.transaction() as session:
        waiting = set(session.exec(select(InboxEvent.key).where(col(InboxEvent.key).in_(keys))))
        done = set(
            session.exec(select(ProcessedUpdate.key).where(col(ProcessedUpdate.key).in_(keys)))
        )
        rows: list[InboxEvent] = []
        for arrival in arrivals:
            if arrival.key in waiting or arrival.key in done:
                continue
            waiting.add(arrival.key)  # the same event twice in one request is one event
            row = InboxEvent(
                key=arrival.key,
                channel=channel,
                chat_id=arrival.chat_id,
                payload=arrival.payload,
                received_at=now,
            )
            session.add(row)
            rows.append(row)
        session.flush()
        return [_stored(row) for row in rows]


def waiting(
    db: Database, channel: str, now: datetime, *, received_before: datetime | None = None
) -> list[Stored]:
    """The channel's events to work now, oldest first (at start-up: all of them; later,
    ``received_before`` keeps to those another process left behind). A chat whose oldest
    event waits for a retry waits whole: its later events are never worked before it."""
    with db.transaction() as session:
        query = select(InboxEvent).where(InboxEvent.channel == channel)
        if received_before is not None:
            query = query.where(col(InboxEvent.received_at) < received_before)
        due: list[Stored] = []
        held: set[str] = set()
        for row in session.exec(query.order_by(col(InboxEvent.id))):
            if row.chat_id in held:
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                held.add(row.chat_id)
                continue
            due.append(_stored(row))
        return due


def worked(db: Database, event_ids: Sequence[int]) -> None:
    """The events' turns are committed (or they needed none): their rows, and the member's
    words in them, go. A crash before this only means the events are worked again at the next
    start, as the redeliveries they then are: their keys are processed, so nothing happens."""
    with db.transaction() as session:
        session.execute(delete(InboxEvent).where(col(InboxEvent.id).in_(list(event_ids))))


def postpone(db: Database, event_id: int, now: datetime, seconds: float) -> None:
    """The event's turn raised and is to be tried again later; the chat's later events wait
    behind it (the channel keeps their order)."""
    with db.transaction() as session:
        row = session.get(InboxEvent, event_id)
        if row is None:
            return
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=seconds)
        session.add(row)


def count(session: Session, channel: str) -> int:
    """Events of the channel still waiting (for health output and tests)."""
    return len(session.exec(select(InboxEvent.id).where(InboxEvent.channel == channel)).all())


def _stored(row: InboxEvent) -> Stored:
    assert row.id is not None
    return Stored(row.id, row.key, row.chat_id, row.payload, row.received_at)
