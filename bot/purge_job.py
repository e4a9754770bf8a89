"""The daily retention purge in ``madoguchi serve``: once a day from ``PURGE_HOUR`` (JST).

A run is due when the scheduler has no finished run (its ``purge`` audit entry, written at the
end) since the latest ``PURGE_HOUR``: a run missed while no process was up happens as soon as
one starts, a run that failed half-way is tried again, and a restart does not run it twice.
``bot.leader.while_leader`` keeps it to one process; a manual ``madoguchi purge`` at the same
time is harmless (each case is checked again under its lock, and a stage done is never
redone). No key is stored for it: the audit log already says when each run finished.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, time, timedelta

import structlog

from bot.metrics import purge_meter
from flows.i18n import JST
from storage.audit import Actor
from storage.retention import PurgePlan, Purger
from storage.turns import Clock

log = structlog.get_logger(__name__)
SCHEDULER = Actor("scheduler", "system")


class DailyPurge:
    """``run`` loops until stopped; ``run_once`` is one check (tests call it directly)."""

    def __init__(self, purger: Purger, clock: Clock, hour: int, *, interval: float = 300.0) -> None:
        self.purger = purger
        self.clock = clock
        self.hour = hour
        self.interval = interval  # at most this long between checks (the clock may jump)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Check now instead of at the next interval."""
        self._wake.set()

    def slot(self, now: datetime) -> date:
        """The day of the latest scheduled run at or before ``now``: today from ``hour``
        (JST), else yesterday."""
        local = now.astimezone(JST)
        return local.date() if local.hour >= self.hour else local.date() - timedelta(days=1)

    def seconds_to_next(self, now: datetime) -> float:
        following = datetime.combine(self.slot(now) + timedelta(days=1), time(self.hour), JST)
        return max(0.0, (following - now).total_seconds())

    def run_once(self) -> PurgePlan | None:
        """Purge if no run finished since the latest slot; the plan, or None if not due."""
        now = self.clock()
        slot = datetime.combine(self.slot(now), time(self.hour), JST)
        last = self.purger.last_run(SCHEDULER.id)
        if last is not None and last >= slot:
            return None
        plan = self.purger.purge(now, SCHEDULER)
        log.info("purge.scheduled_run", slot=slot.isoformat(), stages=plan.totals())
        return plan

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if await asyncio.to_thread(self.run_once) is not None:
                    purge_meter("done").inc()
            except Exception:  # the database is away, or a bug: try again at the next check
                log.exception("purge.failed")
                purge_meter("failed").inc()
            self._wake.clear()
            timeout = min(self.interval, max(1.0, self.seconds_to_next(self.clock())))
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waiters, timeout=timeout, return_when="FIRST_COMPLETED")
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
