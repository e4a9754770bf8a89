"""The outbox's SQL: what the delivery engine claims, sends, marks and retries.

Rows are written with the turn or staff action that produced them (``storage.turns.enqueue``)
and sent by ``bot.delivery.OutboxWorker`` through a member channel. Order is kept per chat: only
the oldest pending rows of a chat are ever claimed, and a chat whose oldest row is not due (a
retry later) or is held by another worker waits as a whole. A claim is a lease in the row
(``claimed_by``, ``claimed_until``), taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
processes never send one row and a worker that dies loses its claim when the lease ends.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, Integer, bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from storage import reachability
from storage.db import Database
from storage.leases import holder_is_gone
from storage.models import PRIORITY_NOTICE, Conversation, OutboxMessage
from storage.turns import Clock

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Claim:
    """Consecutive pending rows of one chat, oldest first, claimed to be sent in one call."""

    rows: tuple[OutboxMessage, ...]
    elsewhere_ago: float | None  # seconds since another process sent to the chat, if it did
    urgent: bool  # the chat holds an answer its member is waiting for

    @property
    def chat_id(self) -> str:
        return self.rows[0].chat_id

    @property
    def row_ids(self) -> list[int]:
        return [row.id for row in self.rows if row.id is not None]


class ChannelOutbox:
    """One channel's outbox as one worker sees it (``worker_id`` names its claims); with
    ``only_chat`` it sees that chat alone (the terminal: one member per process). ``spaced``:
    the channel keeps a gap between two sends to a chat, so a claim says when another
    process last sent to it."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        channel: str,
        worker_id: str,
        *,
        claim_for: timedelta = timedelta(seconds=60),
        only_chat: str | None = None,
        spaced: bool = True,
    ) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel
        self.worker_id = worker_id
        self.claim_for = claim_for
        self.only_chat = only_chat
        self.spaced = spaced

    def _pending(self) -> list[ColumnElement[bool]]:
        where = [OutboxMessage.status == "pending", OutboxMessage.channel == self.channel]
        if self.only_chat is not None:
            where.append(OutboxMessage.chat_id == self.only_chat)
        return where  # type: ignore[return-value]

    def claim_due(self, busy: frozenset[str], capacity: int, per_call: int = 1) -> list[Claim]:
        """Claim the oldest pending rows (up to ``per_call``) of each due chat not in ``busy``
        (being sent by this worker already), for at most ``capacity`` chats.

        A later row never overtakes the oldest: if that one is not due, or another worker
        holds it, the chat waits. Chats holding an answer a member waits for come first, so a
        long backlog of notices never hides them. A claim is urgent if any pending row of its
        chat is an answer: it stands before that answer. Rows after the oldest join its claim
        only while they are due and consecutive.

        The statements are built once (``_CLAIM``) and the lease is written and the last sends
        elsewhere read as Core statements: a round of a burst claims a dozen answers, and
        building the queries anew and the ORM's bookkeeping cost three times their running.
        """
        if capacity <= 0:
            return []
        if self.only_chat is not None:
            return self._claim_chat(self.only_chat, busy, per_call)
        now = self.clock()
        given = {"channel": self.channel, "now": now, "worker": self.worker_id}
        with self.db.transaction() as session:
            connection = session.connection()
            found = connection.execute(
                _CLAIM.heads, {**given, "limit": capacity + len(busy)}
            ).all()  # the busy chats' heads are ours: they pass too
            wanted = {
                head: priority or PRIORITY_NOTICE
                for chat_id, head, priority in found
                if chat_id not in busy
            }
            if not wanted:
                return []
            order = {head: position for position, head in enumerate(wanted)}
            heads_taken = list(order)[:capacity]
            batches = self._batches(session, heads_taken, per_call)
            rows = session.scalars(
                _CLAIM.rows,  # FOR UPDATE SKIP LOCKED: another worker is claiming it right now
                {**given, "ids": [i for batch in batches.values() for i in batch]},
            ).all()
            by_id = {row.id: row for row in rows}
            claimed: list[tuple[int, list[OutboxMessage]]] = []
            for head in sorted(batches, key=order.__getitem__):
                taken: list[OutboxMessage] = []
                for row_id in batches[head]:  # consecutive: stop at the first not claimable
                    row = by_id.get(row_id)
                    if row is None:
                        break
                    taken.append(row)
                if taken:
                    claimed.append((head, taken))
            if not claimed:
                return []
            until = now + self.claim_for
            connection.execute(
                _CLAIM.lease,
                {
                    "ids": [row.id for _, batch in claimed for row in batch],
                    "worker": self.worker_id,
                    "until": until,
                },
            )
            for _, batch in claimed:  # as written, without the ORM writing them again
                for row in batch:
                    set_committed_value(row, "claimed_by", self.worker_id)
                    set_committed_value(row, "claimed_until", until)
            elsewhere = (
                dict(
                    connection.execute(
                        _CLAIM.sent_elsewhere,
                        {**given, "chats": [batch[0].chat_id for _, batch in claimed]},
                    ).all()
                )
                if self.spaced
                else {}
            )
        return [
            Claim(
                tuple(batch),
                _seconds_since(elsewhere.get(batch[0].chat_id), now),
                urgent=wanted[head] > PRIORITY_NOTICE,
            )
            for head, batch in claimed
        ]

    def _claim_chat(self, chat_id: str, busy: frozenset[str], per_call: int) -> list[Claim]:
        """``claim_due`` for one chat: its oldest rows, if the oldest is due. Cheaper, as the
        terminal looks after every line the member types."""
        if chat_id in busy:
            return []
        now = self.clock()
        with self.db.transaction() as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(*self._pending())
                .order_by(col(OutboxMessage.id))
                .limit(per_call)
                .with_for_update()  # not SKIP LOCKED: a later row must never be taken alone
            ).all()
            taken = list(itertools.takewhile(lambda row: self._is_due(row, now), rows))
            if not taken:
                return []
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([row.id for row in taken]))
                .values(claimed_by=self.worker_id, claimed_until=now + self.claim_for)
            )
            elsewhere = self._last_sent_elsewhere(session, [chat_id])
        urgent = any(row.priority > PRIORITY_NOTICE for row in taken)
        return [Claim(tuple(taken), _seconds_since(elsewhere.get(chat_id), now), urgent)]

    def _is_due(self, row: OutboxMessage, now: datetime) -> bool:
        return (row.next_attempt_at is None or row.next_attempt_at <= now) and (
            row.claimed_until is None
            or row.claimed_until <= now
            or row.claimed_by == self.worker_id
        )

    def _batches(self, session: Session, heads: list[int], per_call: int) -> dict[int, list[int]]:
        """For each chat's oldest pending row, the ids of up to ``per_call`` pending rows of
        that chat from it on, in order."""
        if per_call <= 1:
            return {head: [head] for head in heads}
        chats = select(OutboxMessage.chat_id).where(col(OutboxMessage.id).in_(heads))
        numbered = (
            select(
                col(OutboxMessage.id).label("id"),
                col(OutboxMessage.chat_id).label("chat_id"),
                func.row_number()
                .over(partition_by=col(OutboxMessage.chat_id), order_by=col(OutboxMessage.id))
                .label("position"),
            )
            .where(*self._pending(), col(OutboxMessage.chat_id).in_(chats.scalar_subquery()))
            .subquery()
        )
        found = session.exec(
            select(numbered.c.chat_id, numbered.c.id)
            .where(numbered.c.position <= per_call)
            .order_by(numbered.c.chat_id, numbered.c.id)
        ).all()
        by_chat: dict[str, list[int]] = {}
        for chat_id, row_id in found:
            by_chat.setdefault(chat_id, []).append(row_id)
        batches = {}
        for ids in by_chat.values():
            if ids[0] in heads:  # a row written meanwhile cannot be older than the head
                batches[ids[0]] = ids
        return batches

    def _last_sent_elsewhere(
        self, session: Session, chats: list[str]
    ) -> dict[str, datetime | None]:
        """When another process last sent to each of ``chats`` (its per-chat gap holds too);
        not looked up for a channel without such a gap."""
        if not self.spaced:
            return {}
        return dict(
            session.exec(
                select(col(OutboxMessage.chat_id), func.max(OutboxMessage.sent_at))
                .where(
                    OutboxMessage.status == "sent",
                    OutboxMessage.channel == self.channel,
                    col(OutboxMessage.chat_id).in_(chats),
                    or_(
                        col(OutboxMessage.claimed_by).is_(None),
                        col(OutboxMessage.claimed_by) != self.worker_id,
                    ),
                )
                .group_by(col(OutboxMessage.chat_id))
            ).all()
        )

    def release_dead_claims(self) -> int:
        """Claims left by a process on this machine that died (a restart after a crash): its
        rows go out now instead of when the claim would have run out. Returns how many
        processes' claims were released."""
        now = self.clock()
        released = 0
        with self.db.transaction() as session:
            holders = session.exec(
                select(OutboxMessage.claimed_by)
                .where(*self._pending(), col(OutboxMessage.claimed_until) > now)
                .distinct()
            ).all()
            for holder in holders:
                if holder and holder_is_gone(holder):
                    session.execute(
                        update(OutboxMessage)
                        .where(
                            col(OutboxMessage.claimed_by) == holder,
                            col(OutboxMessage.status) == "pending",
                        )
                        .values(claimed_until=None)
                    )
                    released += 1
                    log.info("outbox.claims_released")
        return released

    def mark_sent(self, row_ids: Sequence[int]) -> None:
        """The platform accepted these rows: one transaction for all of them, a Core statement
        (nothing in this process holds the rows as ORM objects to keep in step)."""
        with self.db.transaction() as session:
            session.connection().execute(_CLAIM.sent, {"ids": list(row_ids), "now": self.clock()})

    def retry_later(self, row_ids: Sequence[int], error: str, delay: float) -> None:
        """The platform did not take these rows now: tried again after ``delay`` seconds, by
        whichever worker is free then."""
        log.warning("outbox.retry", outbox=list(row_ids), delay=delay)
        with self.db.transaction() as session:
            _postpone(session, row_ids, error, self.clock() + timedelta(seconds=delay))

    def unreachable(self, row_ids: Sequence[int], error: str) -> None:
        """The platform refused these rows because the member cannot be reached: they wait
        (``reachability.WAIT_FOR_RETURN``, or until the member writes again) and the member is
        marked as LINE's unfollow marks them (``reachability.mark_unreachable``), once."""
        now = self.clock()
        log.warning("outbox.unreachable", outbox=list(row_ids))
        with self.db.transaction() as session:
            _postpone(session, row_ids, error, now + reachability.WAIT_FOR_RETURN)
            first = session.get(OutboxMessage, row_ids[0]) if row_ids else None
            if first is not None:
                conversation = session.get(Conversation, first.conversation_id)
                assert conversation is not None
                reachability.mark_unreachable(session, conversation, now)

    def pending(self, chat_id: str | None = None) -> list[OutboxMessage]:
        """This channel's unsent rows (of ``chat_id``, if given), oldest first."""
        return pending_rows(self.db, self.channel, chat_id or self.only_chat)


class _ClaimStatements:
    """``claim_due``'s and ``mark_sent``'s statements, built once; the channel, worker and
    time are parameters."""

    def __init__(self) -> None:
        outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        c = outbox.c
        channel = bindparam("channel", type_=c.channel.type)
        now = bindparam("now", type_=c.claimed_until.type)
        worker = bindparam("worker", type_=c.claimed_by.type)
        pending = (c.status == "pending", c.channel == channel)
        due = (
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
            or_(c.claimed_until.is_(None), c.claimed_until <= now, c.claimed_by == worker),
        )
        heads = (
            select(
                c.chat_id.label("chat_id"),
                func.min(c.id).label("head"),
                func.max(c.priority).label("priority"),
            )
            .where(*pending)
            .group_by(c.chat_id)
            .subquery()
        )
        self.heads = (
            select(heads.c.chat_id, heads.c.head, heads.c.priority)
            .join(outbox, c.id == heads.c.head)
            .where(*due)
            .order_by(heads.c.priority.desc(), heads.c.head)
            .limit(bindparam("limit", type_=Integer))
        )
        self.rows = (
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(bindparam("ids", expanding=True)))
            .where(OutboxMessage.status == "pending", *due)
            .with_for_update(skip_locked=True)
        )
        self.lease = (
            outbox.update()
            .where(c.id.in_(bindparam("ids", expanding=True)))
            .values(claimed_by=worker, claimed_until=bindparam("until", type_=c.claimed_until.type))
        )
        self.sent = (
            outbox.update()
            .where(c.id.in_(bindparam("ids", expanding=True)))
            .values(status="sent", sent_at=now, attempts=c.attempts + 1)
        )
        self.sent_elsewhere = (
            select(c.chat_id, func.max(c.sent_at))
            .where(
                c.status == "sent",
                c.channel == channel,
                c.chat_id.in_(bindparam("chats", expanding=True)),
                or_(c.claimed_by.is_(None), c.claimed_by != worker),
            )
            .group_by(c.chat_id)
        )


_CLAIM = _ClaimStatements()


def _postpone(session: Session, row_ids: Sequence[int], error: str, when: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(row_ids)))
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:200],
            next_attempt_at=when,
            claimed_until=None,  # any worker may retry them when they are due
        )
    )


def pending_rows(db: Database, channel: str, chat_id: str | None = None) -> list[OutboxMessage]:
    """Unsent rows of ``channel`` (of ``chat_id``, if given), oldest first."""
    query = select(OutboxMessage).where(
        OutboxMessage.status == "pending", OutboxMessage.channel == channel
    )
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    with db.transaction() as session:
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def _seconds_since(sent_at: datetime | None, now: datetime) -> float | None:
    """Seconds since another worker last sent to the chat (None if none did)."""
    if sent_at is None:
        return None
    return (now - sent_at).total_seconds()
