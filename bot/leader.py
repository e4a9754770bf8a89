"""Jobs that one process at a time may run, whichever process that is (see ``storage.leases``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import structlog

from storage import leases
from storage.db import Database
from storage.turns import Clock

log = structlog.get_logger(__name__)
Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def while_leader(
    db: Database,
    name: str,
    clock: Clock,
    job: Job,
    stop: asyncio.Event,
    *,
    ttl: float = 30.0,
) -> None:
    """Run ``job`` while this process holds the lease ``name``; stand by otherwise.

    The lease is renewed every third of ``ttl``; if renewal fails (the database was away long
    enough for another process to take over) the job is stopped before the lease runs out.
    """
    holder = leases.process_identity()
    period = ttl / 3
    lease = timedelta(seconds=ttl)
    while not stop.is_set():
        if not await _try(db, name, holder, clock, lease):
            await _wait(stop, period)
            continue
        log.info("leader.start", job=name)
        job_stop = asyncio.Event()
        task = asyncio.create_task(job(job_stop))
        while not stop.is_set() and not task.done():
            await _wait(stop, period, task)
            if not stop.is_set() and not await _try(db, name, holder, clock, lease):
                log.warning("leader.lost", job=name)
                break
        job_stop.set()
        with contextlib.suppress(Exception):
            await task
        with contextlib.suppress(Exception):
            await asyncio.to_thread(leases.release, db, name, holder)
        log.info("leader.stop", job=name)


async def _try(db: Database, name: str, holder: str, clock: Clock, lease: timedelta) -> bool:
    try:
        return await asyncio.to_thread(leases.acquire, db, name, holder, clock(), lease)
    except Exception:  # the database is away: not the leader until it is back
        log.exception("leader.lease_failed", job=name)
        return False


async def _wait(
    stop: asyncio.Event, seconds: float, task: asyncio.Task[None] | None = None
) -> None:
    waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if task is not None:
        waiters.append(task)  # type: ignore[arg-type]
    await asyncio.wait(waiters, timeout=seconds, return_when="FIRST_COMPLETED")
    waiters[0].cancel()
