"""The one delivery engine: every member channel's outbox rows go out through it.

Order is kept within a chat (only its oldest unsent rows are ever being sent) while chats are
served concurrently, so one slow or rate-limited member never holds up the others. A send
carries up to the channel's ``messages_per_call`` consecutive rows of one chat (LINE takes 5
in one call, Telegram one), all or none. Sends are spaced at least ``per_chat_interval``
apart in a chat, and at most ``send_rate`` go in all, paced evenly rather than in bursts;
both come from the channel's ``ChannelLimits``.
A row is marked sent only after the platform accepted it: a crash in between may repeat a
message but never loses one. Failures keep the rows and schedule a retry.

When the overall limit makes sends queue (a batch of staff notices), the answer to a member's
own message goes first: the chat holding it is scanned first and its send takes the next free
slot. That only decides which chat goes next; within a chat the order never changes.

Several processes may run a worker on one database. A worker claims a chat's oldest pending
rows (``storage.outbox``: ``FOR UPDATE SKIP LOCKED`` and a lease in the row) before sending
them, many chats' rows in one transaction, so no row is sent by two workers and no later row
of the chat overtakes them; a worker that dies mid-send loses its claim when the lease ends.
Each process takes ``send_rate`` as its share of the platform's limit, and the per-chat gap is
kept across processes from the stored send times.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Protocol

import structlog

from bot.batched_writes import BatchedWrites
from bot.channels.base import ChannelLimits
from bot.dispatch import TemporaryFailure, Unreachable, backoff
from bot.metrics import send_meters
from storage.db import Database
from storage.leases import process_identity
from storage.models import OutboxMessage
from storage.outbox import ChannelOutbox, Claim
from storage.turns import Clock

log = structlog.get_logger(__name__)


class Outlet(Protocol):
    """What the engine needs of a member channel (``MemberChannel`` provides it)."""

    @property
    def limits(self) -> ChannelLimits: ...

    async def send(self, messages: Sequence[OutboxMessage]) -> None: ...


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


class OutboxWorker:
    """Drains one channel's outbox until stopped; ``wake()`` after a commit sends at once.

    Each round claims the oldest rows of every due chat in one transaction, and sent rows are
    marked in batches (``bot.batched_writes``): the database work per message stays small when many
    members are answered at once. ``per_chat_interval`` and ``global_per_second`` override the
    channel's limits (tests); ``only_chat`` keeps the worker to one chat (the terminal, where
    each member's process sends their own messages only).
    """

    def __init__(
        self,
        db: Database,
        channel: Outlet,
        clock: Clock,
        *,
        per_chat_interval: float | None = None,
        global_per_second: float | None = None,
        only_chat: str | None = None,
        poll_interval: float = 1.0,
        claim_seconds: float = 60.0,
        round_gap: float = 0.05,
        sends_at_once: int = 16,
    ) -> None:
        limits = channel.limits
        rate = limits.send_rate if global_per_second is None else global_per_second
        interval = limits.per_chat_interval if per_chat_interval is None else per_chat_interval
        self.db = db
        self.channel = channel
        self.clock = clock
        self.outbox = ChannelOutbox(
            db,
            clock,
            limits.name,
            process_identity(),
            claim_for=timedelta(seconds=claim_seconds),
            only_chat=only_chat,
            spaced=interval > 0,
        )
        self.per_call = max(1, limits.messages_per_call)
        self.meters = send_meters(limits.name)  # /metrics: sends and retries
        # Claimed and not yet sent at any moment: no more than can be sent in half the claim's
        # time, so no claim lapses while its rows wait for a slot.
        self.max_claimed = max(1, int(min(1000.0, rate * claim_seconds / 2)))
        self.limiter = RateLimiter(rate, interval)
        self.poll_interval = poll_interval
        # Commits that wake the worker within ``round_gap`` share one round: under load a
        # claim per commit would queue on the database before the members' own turns.
        self.round_gap = round_gap
        # Sends being prepared or on the wire; the rest wait without using the event loop, so
        # a round of hundreds of answers does not hold up the members' incoming messages.
        self._sends = asyncio.Semaphore(sends_at_once)
        self._wake = asyncio.Event()
        # A chat's sender waits for its own mark before the chat's next rows can be claimed,
        # so a row still pending in the database is never taken for unsent by this process.
        self._marks: BatchedWrites[int] = BatchedWrites(db, self.outbox.mark_sent)
        self._rounds = asyncio.Lock()  # one claim at a time: ``run`` and ``drain_all`` may meet
        self._sending: dict[str, asyncio.Task[None]] = {}  # chat -> the send of its claim
        self._recheck: set[str] = set()  # chats given new rows while one was being sent

    @property
    def worker_id(self) -> str:
        return self.outbox.worker_id

    def wake(self, chat_id: str | None = None) -> None:
        """New rows were committed (for ``chat_id``, if given): look for them now. A chat
        whose earlier rows are being sent is looked at again as soon as that send is done."""
        if chat_id is not None and chat_id in self._sending:
            self._recheck.add(chat_id)
        self._wake.set()

    async def release_dead_claims(self) -> None:
        """Take over the claims of a process on this machine that died (see ``run``)."""
        await self.db.run(self.outbox.release_dead_claims)

    async def run(self, stop: asyncio.Event) -> None:
        await self.release_dead_claims()
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
        """Send everything due now and wait for it (the terminal after each turn, tests,
        shutdown)."""
        while await self._start_round() or self._sending:
            await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def _start_round(self) -> int:
        """Claim what is due and start sending it; returns how many chats were claimed."""
        async with self._rounds:
            capacity = self.max_claimed - len(self._sending)
            try:
                claims = await self.db.run(
                    self.outbox.claim_due, frozenset(self._sending), capacity, self.per_call
                )
            except Exception:  # e.g. the database is briefly locked: try again next round
                log.exception("outbox.scan_failed")
                return 0
            for claim in claims:
                self._sending[claim.chat_id] = asyncio.create_task(self._send_then_forget(claim))
            return len(claims)

    async def _send_then_forget(self, claim: Claim) -> None:
        try:
            sent = await self._send(claim)
        finally:
            self._sending.pop(claim.chat_id, None)
        # Look again at once if the chat was given a row meanwhile (a member's answer must
        # not wait for the next poll). Otherwise the claimed rows are topped up once a tenth
        # of them has gone, not after every send: with thousands of notices queued, a scan
        # costs more than a member's turn, and both run on the database thread.
        recheck = claim.chat_id in self._recheck
        self._recheck.discard(claim.chat_id)
        if recheck or (
            sent and self.max_claimed - len(self._sending) >= max(1, self.max_claimed // 10)
        ):
            self.wake()

    async def _send(self, claim: Claim) -> bool:
        """Send one claim's rows in one call and record the outcome; True if they were sent."""
        rows = claim.rows
        ids = claim.row_ids
        try:
            async with (
                self.limiter.slot(claim.chat_id, claim.elsewhere_ago, urgent=claim.urgent),
                self._sends,
            ):
                await self.channel.send(rows)
        except TemporaryFailure as failure:
            self.meters.retries["rate_limited" if str(failure) == "429" else "temporary"].inc()
            delay = failure.retry_after or backoff(rows[0].attempts)
            await self.db.run(self.outbox.retry_later, ids, str(failure), delay)
            # Look again when it is due rather than at the next scan: after a 429 the
            # member's answer goes out as soon as the platform allows, not up to a poll later.
            asyncio.get_running_loop().call_later(delay, self.wake)
            return False
        except Unreachable as failure:
            self.meters.retries["unreachable"].inc()
            await self.db.run(self.outbox.unreachable, ids, str(failure))
            return False
        except Exception as failure:  # a bug in a channel must not drop the rows
            log.exception("outbox.sender_error", outbox=ids)
            self.meters.retries["error"].inc()
            await self.db.run(
                self.outbox.retry_later, ids, type(failure).__name__, backoff(rows[0].attempts)
            )
            return False
        self.meters.sent.inc(len(rows))
        try:
            await self._marks.add(ids)
        except Exception:  # still claimed by us: they go out again (twice, never lost)
            log.exception("outbox.mark_failed", outbox=ids)
            return False
        return True
