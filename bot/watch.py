"""``/readyz`` and ``/metrics``: what operators' probes and Prometheus read of a serve process.

``/healthz`` (in ``bot.server``) says the process is alive. ``/readyz`` answers 200 only when
the database is reachable and at this madoguchi's schema revision, start-up has finished and
every configured channel is running; else 503 with a short JSON body naming what is not ready
(names and a few words, nothing from the data). ``/metrics`` is Prometheus's text format
(``bot.metrics``), for a bearer token when ``METRICS_TOKEN`` is set, else only to direct
requests from this machine.

The database is read on a thread of its own, never the members' turns' one, at most once a
second for readiness and once every few seconds for the figures, however often probes and
scrapers ask: concurrent requests share one read, and a read that takes longer than its
limit is answered without it (``database: no answer``, ``madoguchi_database_up 0``) while it
finishes in the background.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Generic, TypeVar

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import channels as known_channels
from bot.channels.base import ReportsReadiness
from bot.metrics import REGISTRY, DatabaseFigures, show_channels
from storage.figures import Figures, Observer

log = structlog.get_logger(__name__)
T = TypeVar("T")
READY_FRESH = 1.0  # seconds a database check is reused for /readyz
FIGURES_FRESH = 5.0  # and the figures for /metrics (scrapes come every 15 s or more)
WAIT = 1.0  # seconds a request waits for a database read before answering without it
# Headers a reverse proxy adds: a request carrying them did not come from this machine.
FORWARDED = (b"x-forwarded-for", b"forwarded", b"x-real-ip")
NO_STORE = {"Cache-Control": "no-store"}

Check = Callable[[], Awaitable[str | None]]  # None when ready, else why not in a few words


class Sampled(Generic[T]):
    """A blocking read run on ``executor``, reused for ``fresh`` seconds; callers wait at most
    ``wait`` seconds for it (``TimeoutError``). A read's exception is reused like a value, so
    a database that is away is not asked again on every request."""

    def __init__(
        self, read: Callable[[], T], executor: ThreadPoolExecutor, *, fresh: float, wait: float
    ) -> None:
        self.read = read
        self.executor = executor
        self.fresh = fresh
        self.wait = wait
        self._pending: asyncio.Future[T] | None = None
        self._done: asyncio.Future[T] | None = None
        self._done_at = float("-inf")

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        if self._pending is None and loop.time() - self._done_at >= self.fresh:
            self._pending = loop.run_in_executor(self.executor, self.read)
            self._pending.add_done_callback(self._finished)
        pending = self._pending
        if pending is not None:
            await asyncio.wait({pending}, timeout=self.wait)
            if not pending.done():
                raise TimeoutError
            self._finished(pending)  # if its callback has not run yet
        assert self._done is not None
        return self._done.result()

    def _finished(self, future: asyncio.Future[T]) -> None:
        if not future.cancelled():
            future.exception()  # retrieved: kept for the next ``get``, not logged as lost
        if future is self._pending:
            self._pending = None
            self._done = future
            self._done_at = asyncio.get_running_loop().time()


class Readiness:
    """The parts ``/readyz`` checks, each a name and a check; ``started`` once ``serve`` has
    started everything and listens."""

    def __init__(self) -> None:
        self.started = False
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def add_task(self, name: str, task: asyncio.Task[None], *, what: str) -> None:
        """Ready while ``task`` runs, or after it returned normally (a webhook channel has no
        background work): not after it failed."""

        async def check() -> str | None:
            if task.done() and (task.cancelled() or task.exception() is not None):
                return f"{what} stopped"
            return None

        self._combine(name, check)

    def add_channel(self, name: str, channel: object) -> None:
        """The channel's own word on it, if it has one (``ReportsReadiness``)."""
        if isinstance(channel, ReportsReadiness):
            reporting = channel

            async def check() -> str | None:
                return reporting.not_ready()

            self._combine(name, check)

    def _combine(self, name: str, check: Check) -> None:
        before = self._checks.get(name)
        if before is None:
            self._checks[name] = check
            return

        async def both() -> str | None:
            return await before() or await check()

        self._checks[name] = both

    async def problems(self) -> dict[str, str]:
        """What is not ready, by part; empty when everything is."""
        return {part: problem for part, problem in (await self.states()).items() if problem}

    async def states(self) -> dict[str, str | None]:
        """Every part, ``startup`` first, with why it is not ready (None when it is)."""
        found: dict[str, str | None] = {"startup": None if self.started else "starting"}
        for name, check in self._checks.items():
            try:
                found[name] = await check()
            except Exception as error:  # a check's own fault: not ready, and say which
                found[name] = f"check failed ({type(error).__name__})"
        return found


def _direct_from_this_machine(request: Request) -> bool:
    """A request from a loopback address with no proxy's forwarding headers."""
    if request.client is None or any(h in FORWARDED for h, _ in request.scope["headers"]):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


class Watch:
    """``/readyz`` and ``/metrics`` for one serve process (see the module docstring)."""

    def __init__(
        self,
        database_url: str,
        clock: Callable[[], datetime],
        *,
        served: Iterable[str],
        org_queues: Mapping[str, Iterable[str]],
        metrics_token: str | None = None,
    ) -> None:
        self.observer = Observer(database_url, timeout=WAIT)
        self.clock = clock
        self.metrics_token = metrics_token or None
        self.readiness = Readiness()
        # One thread: at most one read of this process's at a time, whatever is asked.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="madoguchi-watch")
        self._schema: Sampled[str | None] = Sampled(
            self.observer.schema_problem, self._executor, fresh=READY_FRESH, wait=WAIT
        )
        self._figures: Sampled[Figures] = Sampled(
            lambda: self.observer.figures(self.clock()),
            self._executor,
            fresh=FIGURES_FRESH,
            wait=WAIT,
        )
        # Outbox rows of every channel, served here or not (a terminal member's, say).
        self.collector = DatabaseFigures([c.name for c in known_channels.LIMITS], org_queues)
        REGISTRY.register(self.collector)
        show_channels(served)
        self.readiness.add("database", self._database)
        self._database_state: str | None = None

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/readyz", self.readyz), Route("/metrics", self.metrics)]

    def close(self) -> None:
        REGISTRY.unregister(self.collector)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.observer.close()

    async def _database(self) -> str | None:
        try:
            problem = await self._schema.get()
        except TimeoutError:
            problem = f"no answer within {WAIT:g} s"
        except Exception as error:
            problem = "unreachable"
            if self._database_state != problem:  # once per change, not once a second
                log.warning("readyz.database_unreachable", error=type(error).__name__)
        self._database_state = problem
        return problem

    async def readyz(self, _request: Request) -> Response:
        problems = await self.readiness.problems()
        if problems:
            return JSONResponse(
                {"ready": False, "not_ready": problems}, status_code=503, headers=NO_STORE
            )
        return JSONResponse({"ready": True}, headers=NO_STORE)

    async def metrics(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        try:
            self.collector.latest = await self._figures.get()
        except Exception:  # timed out or unreachable: madoguchi_database_up 0
            self.collector.latest = None
        states = await self.readiness.states()
        self.collector.parts_ready = {part: problem is None for part, problem in states.items()}
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)

    def _refused(self, request: Request) -> Response | None:
        if self.metrics_token is None:
            if _direct_from_this_machine(request):
                return None
            return PlainTextResponse(
                "metrics: only from this machine; set METRICS_TOKEN to scrape from elsewhere",
                status_code=403,
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.metrics_token.encode()
        ):
            return None
        return PlainTextResponse(
            "metrics: send Authorization: Bearer <METRICS_TOKEN>",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
