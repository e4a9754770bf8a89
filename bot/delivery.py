"""Asynchronous outbox delivery for chat platforms with rate limits (Telegram).

Order is kept within a chat (one task drains a chat's rows, oldest first) while chats are
served concurrently, so one slow or rate-limited member never holds up the others. Sends are
spaced at least ``per_chat_interval`` apart in a chat and at most ``global_per_second`` in all.
A row is marked sent only after the platform accepted it: a crash in between may repeat a
message but never loses one. Failures keep the row and schedule a retry (``record_attempt``).

Several processes may run a worker on one database. A worker claims a chat's oldest pending
row (``FOR UPDATE SKIP LOCKED`` and a lease in the row) before sending it, so no row is sent
by two workers and no later row of the chat overtakes it; a worker that dies mid-send loses
its claim when the lease ends. Each process takes ``global_per_second`` as its share of the
platform's limit, and the per-chat gap is kept across processes from the stored send times.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import or_, update
from sqlmodel import col, func, select

from bot.dispatch import TemporaryFailure, Unreachable, backoff, record_attempt
from storage.db import Database
from storage.leases import holder_is_gone, process_identity
from storage.models import OutboxMessage
from storage.turns import Clock

log = structlog.get_logger(__name__)


class AsyncSender(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


class RateLimiter:
    """At most ``per_second`` sends overall, and ``per_chat_interval`` seconds between sends to
    one chat. Waits are computed from the clock, not slept blindly in a loop."""

    def __init__(
        self,
        per_second: float,
        per_chat_interval: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, chat_id: str, elsewhere_ago: float | None = None) -> None:
        """Wait for a free slot; ``elsewhere_ago`` is how long ago another process last sent
        to this chat, if it did."""
        last = self._last_in_chat.get(chat_id)
        if last is not None:
            wait = last + self.per_chat_interval - self.monotonic()
            if wait > 0:
                await self.sleep(wait)
        if elsewhere_ago is not None and 0 <= elsewhere_ago < self.per_chat_interval:
            await self.sleep(self.per_chat_interval - elsewhere_ago)
        async with self._lock:
            while True:
                now = self.monotonic()
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) < self.per_second:
                    break
                await self.sleep(1.0 - (now - self._recent[0]))
            self._recent.append(now)
            self._last_in_chat[chat_id] = now


class OutboxWorker:
    """Drains one channel's outbox until stopped; ``wake()`` after a commit sends at once."""

    def __init__(
        self,
        db: Database,
        channel: str,
        sender: AsyncSender,
        clock: Clock,
        *,
        per_chat_interval: float = 1.0,
        global_per_second: float = 30.0,
        poll_interval: float = 1.0,
        claim_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.worker_id = process_identity()
        self.claim_for = timedelta(seconds=claim_seconds)
        self.channel = channel
        self.sender = sender
        self.clock = clock
        self.limiter = RateLimiter(global_per_second, per_chat_interval)
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._draining: dict[str, asyncio.Task[None]] = {}
        self._chat_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(self._release_dead_claims)
        while not stop.is_set():
            self._wake.clear()
            try:
                due = await asyncio.to_thread(self._due_chats)
            except Exception:  # e.g. the database is briefly locked: try again next round
                log.exception("outbox.scan_failed")
                due = []
            for chat_id in due:
                if chat_id not in self._draining:
                    self._draining[chat_id] = asyncio.create_task(self._drain_then_forget(chat_id))
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_interval, return_when="FIRST_COMPLETED")
            for waiter in waiters:
                waiter.cancel()
        for task in list(self._draining.values()):
            task.cancel()
        await asyncio.gather(*self._draining.values(), return_exceptions=True)

    async def drain_all(self) -> None:
        """Send everything due now and wait for it (tests and shutdown)."""
        while chats := await asyncio.to_thread(self._due_chats):
            await asyncio.gather(*(self._drain(chat) for chat in chats))

    def _due_chats(self) -> list[str]:
        """Chats whose oldest pending row is due; a later row never makes a chat due."""
        now = self.clock()
        with self.db.transaction() as session:
            oldest = (
                select(func.min(OutboxMessage.id))
                .where(OutboxMessage.status == "pending", OutboxMessage.channel == self.channel)
                .group_by(col(OutboxMessage.chat_id))
            )
            rows = session.exec(
                select(OutboxMessage.chat_id)
                .where(
                    col(OutboxMessage.id).in_(oldest),
                    or_(
                        col(OutboxMessage.next_attempt_at).is_(None),
                        col(OutboxMessage.next_attempt_at) <= now,
                    ),
                    or_(
                        col(OutboxMessage.claimed_until).is_(None),
                        col(OutboxMessage.claimed_until) <= now,
                        col(OutboxMessage.claimed_by) == self.worker_id,
                    ),
                )
                .order_by(col(OutboxMessage.id))
                .limit(1000)
            ).all()
        return list(rows)

    def _release_dead_claims(self) -> None:
        """Claims left by a process on this machine that died (a restart after a crash): its
        rows go out now instead of when the claim would have run out."""
        now = self.clock()
        with self.db.transaction() as session:
            holders = session.exec(
                select(OutboxMessage.claimed_by)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.channel == self.channel,
                    col(OutboxMessage.claimed_until) > now,
                )
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
                    log.info("outbox.claims_released")

    def _claim_next(self, chat_id: str) -> tuple[OutboxMessage, float | None] | None:
        """Claim the chat's oldest pending row if it is due and no other worker holds it.

        Returns the row and, if another process sent the chat's previous message, how many
        seconds ago. A later row never overtakes the oldest: if that one is busy, nothing is.
        """
        now = self.clock()
        with self.db.transaction() as session:
            head = session.exec(
                select(func.min(OutboxMessage.id)).where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.channel == self.channel,
                    OutboxMessage.chat_id == chat_id,
                )
            ).first()
            if head is None:
                return None
            row = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.id == head)
                .with_for_update(skip_locked=True)  # another worker is claiming it right now
            ).first()
            if row is None or row.status != "pending":
                return None
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                return None
            if (
                row.claimed_until is not None
                and row.claimed_until > now
                and row.claimed_by != self.worker_id
            ):
                return None
            row.claimed_by, row.claimed_until = self.worker_id, now + self.claim_for
            session.add(row)
            previous = session.exec(
                select(OutboxMessage.sent_at, OutboxMessage.claimed_by)
                .where(
                    OutboxMessage.status == "sent",
                    OutboxMessage.channel == self.channel,
                    OutboxMessage.chat_id == chat_id,
                )
                .order_by(col(OutboxMessage.id).desc())
                .limit(1)
            ).first()
        return row, _seconds_since(previous, self.worker_id, now)

    async def _drain_then_forget(self, chat_id: str) -> None:
        try:
            await self._drain(chat_id)
        finally:
            self._draining.pop(chat_id, None)

    async def _drain(self, chat_id: str) -> None:
        # One sender per chat at a time, whoever asked: that is what keeps a chat's order and
        # stops a row from going out twice.
        async with self._chat_locks[chat_id]:
            await self._drain_locked(chat_id)

    async def _drain_locked(self, chat_id: str) -> None:
        while (claimed := await asyncio.to_thread(self._claim_next, chat_id)) is not None:
            row, elsewhere_ago = claimed
            await self.limiter.acquire(chat_id, elsewhere_ago)
            try:
                await self.sender.send(row)
            except TemporaryFailure as failure:
                delay = failure.retry_after or backoff(row.attempts)
                await self._record(row, error=str(failure), delay=delay)
                return
            except Unreachable as failure:
                await self._record(row, error=str(failure), unreachable=True)
                return
            except Exception as failure:  # a bug in a sender must not drop the row
                log.exception("outbox.sender_error", outbox=row.id)
                await self._record(row, error=type(failure).__name__, delay=backoff(row.attempts))
                return
            await self._record(row)

    async def _record(
        self,
        row: OutboxMessage,
        *,
        error: str | None = None,
        delay: float = 0.0,
        unreachable: bool = False,
    ) -> None:
        await asyncio.to_thread(
            record_attempt,
            self.db,
            self.clock,
            row,
            error=error,
            delay=delay,
            unreachable=unreachable,
        )


def _seconds_since(
    previous: tuple[datetime | None, str | None] | None, worker_id: str, now: datetime
) -> float | None:
    """Seconds since another worker sent the chat's last message (None if this one did)."""
    if previous is None:
        return None
    sent_at, sent_by = previous
    if sent_at is None or sent_by == worker_id:
        return None
    return (now - sent_at).total_seconds()
