"""Asynchronous outbox delivery for chat platforms with rate limits (Telegram).

Order is kept within a chat (only its oldest unsent row is ever being sent) while chats are
served concurrently, so one slow or rate-limited member never holds up the others. Sends are
spaced at least ``per_chat_interval`` apart in a chat, and at most ``global_per_second`` go in
all, paced evenly rather than in bursts.
A row is marked sent only after the platform accepted it: a crash in between may repeat a
message but never loses one. Failures keep the row and schedule a retry (``record_attempt``).

When the overall limit makes sends queue (a batch of staff notices), the answer to a member's
own message goes first: the chat holding it is scanned first and its send takes the next free
slot. That only decides which chat goes next; within a chat the order never changes.

Several processes may run a worker on one database. A worker claims a chat's oldest pending
row (``FOR UPDATE SKIP LOCKED`` and a lease in the row) before sending it, many chats' rows in
one transaction, so no row is sent by two workers and no later row of the chat overtakes it;
a worker that dies mid-send loses its claim when the lease ends. Each process takes
``global_per_second`` as its share of the platform's limit, and the per-chat gap is kept
across processes from the stored send times.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import or_, update
from sqlmodel import col, func, select

from bot.dispatch import TemporaryFailure, Unreachable, backoff, record_attempt
from storage.db import Database
from storage.leases import holder_is_gone, process_identity
from storage.models import PRIORITY_NOTICE, OutboxMessage
from storage.turns import Clock

log = structlog.get_logger(__name__)


class AsyncSender(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


class RateLimiter:
    """At most ``per_second`` sends overall, and ``per_chat_interval`` seconds between sends to
    one chat. Waits are computed from the clock, not slept blindly in a loop.

    A send made in ``slot`` counts from the moment it may start until a second after it
    finished: the platform counts it whenever the request reaches it, which may be anywhere in
    between (a busy event loop delays a request after its slot was granted). Waiting sends take
    free slots in arrival order, except that ``urgent`` ones go first.

    Starts are also paced ``1 / per_second`` apart. Without that a backlog goes out in bursts
    of ``per_second`` sends, which all free their slots a second later, at once. A member's
    answer that arrives between two bursts would wait for the next one, half a second on
    average; with even pacing the next slot is never more than about one interval away.
    """

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
        self._recent: deque[float] = deque()  # when recent sends started, or finished
        self._interval = 1.0 / per_second
        self._next_start = float("-inf")  # pacing: no send starts before this
        self._in_flight = 0  # sends inside ``slot`` now: they count until they finish
        self._last_in_chat: dict[str, float] = {}
        self._waiting: list[tuple[int, int]] = []  # heap of (0 if urgent else 1, arrival)
        self._arrivals = itertools.count()
        self._wakers: dict[tuple[int, int], asyncio.Future[None]] = {}

    @property
    def waiting(self) -> int:
        """Sends waiting for a slot right now."""
        return len(self._waiting)

    async def acquire(
        self, chat_id: str, elsewhere_ago: float | None = None, *, urgent: bool = False
    ) -> None:
        """Wait for a free slot and count the send from now; ``elsewhere_ago`` is how long ago
        another process last sent to this chat, if it did."""
        await self._chat_gap(chat_id, elsewhere_ago)
        now = await self._take(urgent)
        self._recent.append(now)
        self._last_in_chat[chat_id] = now

    @asynccontextmanager
    async def slot(
        self, chat_id: str, elsewhere_ago: float | None = None, *, urgent: bool = False
    ) -> AsyncIterator[None]:
        """Like ``acquire`` for a send made inside the block, counted until one second after
        the block ends, so the limits hold where the platform measures them."""
        await self._chat_gap(chat_id, elsewhere_ago)
        self._last_in_chat[chat_id] = await self._take(urgent)
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            finished = self.monotonic()
            self._recent.append(finished)
            self._last_in_chat[chat_id] = finished
            self._wake_first()

    async def _chat_gap(self, chat_id: str, elsewhere_ago: float | None) -> None:
        if elsewhere_ago is not None and 0 <= elsewhere_ago < self.per_chat_interval:
            await self.sleep(self.per_chat_interval - elsewhere_ago)
        # Checked again after each sleep: an event loop may fire a timer a little early
        # (uvloop rounds to milliseconds), and a gap a hair under a second is a violation.
        while (last := self._last_in_chat.get(chat_id)) is not None and (
            wait := last + self.per_chat_interval - self.monotonic()
        ) > 0:
            await self.sleep(wait)

    async def _take(self, urgent: bool) -> float:
        """Wait until this send is the first in line and the last second has room; returns
        when the slot was taken."""
        ticket = (0 if urgent else 1, next(self._arrivals))
        heapq.heappush(self._waiting, ticket)
        try:
            while True:
                now = self.monotonic()
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if self._waiting[0] != ticket:
                    await self._woken(ticket)  # by the sends before it in line
                elif now < self._next_start:
                    await self.sleep(self._next_start - now)
                elif len(self._recent) + self._in_flight < self.per_second:
                    self._next_start = now + self._interval
                    return now
                elif self._recent:
                    await self.sleep(1.0 - (now - self._recent[0]))
                else:
                    await self._woken(ticket)  # every slot is a send still in flight
        finally:
            self._waiting.remove(ticket)
            heapq.heapify(self._waiting)
            self._wake_first()

    async def _woken(self, ticket: tuple[int, int]) -> None:
        waker = asyncio.get_running_loop().create_future()
        self._wakers[ticket] = waker
        try:
            await waker
        finally:
            self._wakers.pop(ticket, None)

    def _wake_first(self) -> None:
        """Only the first in line can go next; waking the others would be wasted work."""
        if self._waiting:
            waker = self._wakers.pop(self._waiting[0], None)
            if waker is not None and not waker.done():
                waker.set_result(None)


@dataclass(frozen=True)
class _Claim:
    row: OutboxMessage
    elsewhere_ago: float | None  # seconds since another process sent to the chat, if it did
    urgent: bool  # the chat holds an answer its member is waiting for


class _SentMarks:
    """Marks sent rows in batches: one transaction for every send that finished meanwhile.

    A chat's sender waits for its own mark before the chat's next row can be claimed, so a
    row still pending in the database is never taken for unsent by this process.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, row_id: int) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row_id, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.db.run(self._write, [row_id for row_id, _ in batch])
            except Exception as error:  # the rows stay claimed by us and go out again
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _write(self, row_ids: list[int]) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(row_ids))
                .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1)
            )


class OutboxWorker:
    """Drains one channel's outbox until stopped; ``wake()`` after a commit sends at once.

    Each round claims the oldest row of every due chat in one transaction, and sent rows are
    marked in batches (``_SentMarks``): the database work per message stays small when many
    members are answered at once.
    """

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
        round_gap: float = 0.05,
        sends_at_once: int = 16,
    ) -> None:
        self.db = db
        self.worker_id = process_identity()
        self.claim_for = timedelta(seconds=claim_seconds)
        # Claimed and not yet sent at any moment: no more than can be sent in half the claim's
        # time, so no claim lapses while its row waits for a slot.
        self.max_claimed = max(1, min(1000, int(global_per_second * claim_seconds / 2)))
        self.channel = channel
        self.sender = sender
        self.clock = clock
        self.limiter = RateLimiter(global_per_second, per_chat_interval)
        self.poll_interval = poll_interval
        # Commits that wake the worker within ``round_gap`` share one round: under load a
        # claim per commit would queue on the database before the members' own turns.
        self.round_gap = round_gap
        # Sends being prepared or on the wire; the rest wait without using the event loop, so
        # a round of hundreds of answers does not hold up the members' incoming messages.
        self._sends = asyncio.Semaphore(sends_at_once)
        self._wake = asyncio.Event()
        self._marks = _SentMarks(db, clock)
        self._sending: dict[str, asyncio.Task[None]] = {}  # chat -> the send of its claimed row
        self._recheck: set[str] = set()  # chats given new rows while one was being sent

    def wake(self, chat_id: str | None = None) -> None:
        """New rows were committed (for ``chat_id``, if given): look for them now. A chat
        whose earlier row is being sent is looked at again as soon as that send is done."""
        if chat_id is not None and chat_id in self._sending:
            self._recheck.add(chat_id)
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        await self.db.run(self._release_dead_claims)
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            self._wake.clear()
            began = loop.time()
            await self._start_round()
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_interval, return_when="FIRST_COMPLETED")
            for waiter in waiters:
                waiter.cancel()
            rest = began + self.round_gap - loop.time()
            if rest > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=rest)
        for task in list(self._sending.values()):
            task.cancel()
        await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def drain_all(self) -> None:
        """Send everything due now and wait for it (tests and shutdown)."""
        while await self._start_round() or self._sending:
            await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def _start_round(self) -> int:
        """Claim what is due and start sending it; returns how many rows were claimed."""
        try:
            claims = await self.db.run(self._claim_due, frozenset(self._sending))
        except Exception:  # e.g. the database is briefly locked: try again next round
            log.exception("outbox.scan_failed")
            return 0
        for claim in claims:
            chat_id = claim.row.chat_id
            self._sending[chat_id] = asyncio.create_task(self._send_then_forget(claim))
        return len(claims)

    def _claim_due(self, busy: frozenset[str]) -> list[_Claim]:
        """Claim the oldest pending row of each due chat not being sent here already.

        A later row never overtakes the oldest: if that one is not due, or another worker
        holds it, the chat waits. Chats holding an answer a member waits for come first, so a
        long backlog of notices never hides them. A row is urgent if any pending row of its
        chat is an answer: it stands before that answer.
        """
        capacity = self.max_claimed - len(busy)
        if capacity <= 0:
            return []
        now = self.clock()
        due = (
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
        with self.db.transaction() as session:
            heads = (
                select(
                    col(OutboxMessage.chat_id).label("chat_id"),
                    func.min(OutboxMessage.id).label("head"),
                    func.max(OutboxMessage.priority).label("priority"),
                )
                .where(OutboxMessage.status == "pending", OutboxMessage.channel == self.channel)
                .group_by(col(OutboxMessage.chat_id))
                .subquery()
            )
            found = session.exec(
                select(heads.c.chat_id, heads.c.head, heads.c.priority)
                .join(OutboxMessage, col(OutboxMessage.id) == heads.c.head)
                .where(*due)
                .order_by(heads.c.priority.desc(), heads.c.head)
                .limit(capacity + len(busy))  # the busy chats' heads are ours: they pass too
            ).all()
            wanted = {
                head: priority or PRIORITY_NOTICE
                for chat_id, head, priority in found
                if chat_id not in busy
            }
            if not wanted:
                return []
            order = {head: position for position, head in enumerate(wanted)}
            rows = session.exec(
                select(OutboxMessage)
                .where(
                    col(OutboxMessage.id).in_(list(order)[:capacity]),
                    OutboxMessage.status == "pending",
                    *due,
                )
                .with_for_update(skip_locked=True)  # another worker is claiming it right now
            ).all()
            rows = sorted(rows, key=lambda row: order[row.id])
            if not rows:
                return []
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([row.id for row in rows]))
                .values(claimed_by=self.worker_id, claimed_until=now + self.claim_for)
            )
            elsewhere = dict(
                session.exec(
                    select(col(OutboxMessage.chat_id), func.max(OutboxMessage.sent_at))
                    .where(
                        OutboxMessage.status == "sent",
                        OutboxMessage.channel == self.channel,
                        col(OutboxMessage.chat_id).in_([row.chat_id for row in rows]),
                        or_(
                            col(OutboxMessage.claimed_by).is_(None),
                            col(OutboxMessage.claimed_by) != self.worker_id,
                        ),
                    )
                    .group_by(col(OutboxMessage.chat_id))
                ).all()
            )
        claims = []
        for row in rows:
            assert row.id is not None
            claims.append(
                _Claim(
                    row,
                    _seconds_since(elsewhere.get(row.chat_id), now),
                    urgent=wanted[row.id] > PRIORITY_NOTICE,
                )
            )
        return claims

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

    async def _send_then_forget(self, claim: _Claim) -> None:
        try:
            sent = await self._send(claim)
        finally:
            self._sending.pop(claim.row.chat_id, None)
        # Look again at once if the chat was given a row meanwhile (a member's answer must
        # not wait for the next poll). Otherwise the claimed rows are topped up once a tenth
        # of them has gone, not after every send: with thousands of notices queued, a scan
        # costs more than a member's turn, and both run on the database thread.
        recheck = claim.row.chat_id in self._recheck
        self._recheck.discard(claim.row.chat_id)
        if recheck or (
            sent and self.max_claimed - len(self._sending) >= max(1, self.max_claimed // 10)
        ):
            self.wake()

    async def _send(self, claim: _Claim) -> bool:
        """Send one claimed row and record the outcome; True if it was sent."""
        row = claim.row
        chat_id = row.chat_id
        try:
            async with (
                self.limiter.slot(chat_id, claim.elsewhere_ago, urgent=claim.urgent),
                self._sends,
            ):
                await self.sender.send(row)
        except TemporaryFailure as failure:
            delay = failure.retry_after or backoff(row.attempts)
            await self._record(row, error=str(failure), delay=delay)
            # Look again when it is due rather than at the next scan: after a 429 the
            # member's answer goes out as soon as Telegram allows, not up to a poll later.
            asyncio.get_running_loop().call_later(delay, self.wake)
            return False
        except Unreachable as failure:
            await self._record(row, error=str(failure), unreachable=True)
            return False
        except Exception as failure:  # a bug in a sender must not drop the row
            log.exception("outbox.sender_error", outbox=row.id)
            await self._record(row, error=type(failure).__name__, delay=backoff(row.attempts))
            return False
        assert row.id is not None
        try:
            await self._marks.mark(row.id)
        except Exception:  # still claimed by us: it goes out again (twice, never lost)
            log.exception("outbox.mark_failed", outbox=row.id)
            return False
        return True

    async def _record(
        self,
        row: OutboxMessage,
        *,
        error: str | None = None,
        delay: float = 0.0,
        unreachable: bool = False,
    ) -> None:
        await self.db.run(
            functools.partial(
                record_attempt,
                self.db,
                self.clock,
                row,
                error=error,
                delay=delay,
                unreachable=unreachable,
            )
        )


def _seconds_since(sent_at: datetime | None, now: datetime) -> float | None:
    """Seconds since another worker last sent to the chat (None if none did)."""
    if sent_at is None:
        return None
    return (now - sent_at).total_seconds()
