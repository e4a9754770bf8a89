"""The one turn runner every member channel hands its events to (``TurnRunner``).

A chat's events are processed one after another, in the order the channel hands them over,
while other chats go on in parallel: one lock per (channel, chat), living only while some
event of that chat holds or awaits it. Each turn is atomic and durable before it is answered
(``TurnStore.process_many`` on the database's thread: turns of different chats waiting at once
share one commit, each in a savepoint of its own; ``bot.turn_batches``), keyed by the event's
idempotency key, so a redelivery is a no-op.
A turn that raises is left for the platform to send again or given up on (the rule of
``bot.turn_failures``): given up, its key is stored as failed and the member is asked to send
it again, so the events behind it are answered. After the commit the chat's outbox and the
staff side are woken (``bot.wakeups``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable

import structlog

from bot.app import App
from bot.metrics import TurnMeters, turn_meters
from bot.turn_batches import TurnBatches
from bot.turn_failures import TurnFailures
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage.turns import TurnOutcome

log = structlog.get_logger(__name__)


class ChatTurnRunner:
    """Turns of every channel, in order per chat (implements ``bot.channels.base.TurnRunner``).

    ``failures`` decides when a failing turn is given up on; a channel whose platform never
    sends an event again (the terminal) gives up at once: ``TurnFailures(attempts=1)``.
    """

    def __init__(self, app: App, wakeups: Wakeups, *, failures: TurnFailures | None = None) -> None:
        self.app = app
        self.wakeups = wakeups
        self.failures = failures or TurnFailures()
        # Turns of different chats waiting at once commit together (``bot.turn_batches``).
        self.batches = TurnBatches(app)
        self._chat_locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def run(
        self,
        inbound: Inbound,
        *,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None = None,
        received: float | None = None,
    ) -> TurnOutcome:
        """Process one event; returns once its turn is committed (or was a redelivery).

        The time from ``received`` (``time.perf_counter()`` when the request arrived; else
        now) to the commit goes to ``madoguchi_turn_seconds``, and with ``received`` it is
        also logged as ``turn.timed``: ids and milliseconds only, for ``make bench``.
        """
        meters = turn_meters(inbound.channel)
        meters.received.inc()
        arrived = time.perf_counter() if received is None else received
        chat = (inbound.channel, inbound.chat_id)
        lock = self._chat_locks.get(chat)
        if lock is None:
            lock = self._chat_locks[chat] = asyncio.Lock()
        async with lock:
            outcome = await self._turn(inbound, prepare, meters)
        seconds = time.perf_counter() - arrived
        meters.seconds.observe(seconds)
        if received is not None:
            log.info(
                "turn.timed",
                channel=inbound.channel,
                key=inbound.idempotency_key,
                conversation=outcome.conversation_id,
                ms=round(seconds * 1000, 2),
            )
        self.wakeups.after_turn(inbound.channel, inbound.chat_id, changed=not outcome.duplicate)
        return outcome

    async def _turn(
        self,
        inbound: Inbound,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None,
        meters: TurnMeters,
    ) -> TurnOutcome:
        """The event's turn, committed; or, if it raised and is given up on, recorded as
        failed with the member asked to send it again.

        Either way the event can be confirmed and the events behind it go on. An event left
        to be delivered again re-raises; so does a failure that cannot even be recorded.
        """
        key = inbound.idempotency_key
        try:
            if prepare is not None:
                inbound = await prepare(inbound)
            outcome = await self.batches.run(inbound)
        except Exception as error:
            if not self.failures.give_up(key, error):
                meters.error.inc()
                raise
            # Ids and the exception's type only: its message may quote what the member sent.
            log.error(f"{inbound.channel}.turn_failed", key=key, error=type(error).__name__)
            failed: TurnOutcome = await self.app.db.run(self.app.turns.record_failure, inbound)
            meters.failed.inc()
            return failed
        self.failures.succeeded(key)
        (meters.duplicate if outcome.duplicate else meters.done).inc()
        return outcome
