"""``madoguchi serve``: every configured member channel, the staff side and one HTTP app, in
one asyncio process.

The HTTP app always answers ``/healthz`` and takes Slack's requests at ``/slack/events``; each
member channel adds its own routes (Telegram's webhook at ``/telegram/webhook`` in webhook
mode). Member channels come from ``bot.channels.serving.MEMBER_CHANNELS``: each runs its
background work (long polling) and has an outbox worker, side by side until SIGINT/SIGTERM.
``/readyz`` and ``/metrics`` are ``bot.watch``'s (``/healthz`` is liveness only).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

import structlog
import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from bot.answer_page import AnswerPage
from bot.app import App
from bot.channels.base import MemberChannel, OffersPages, ReportsHealth
from bot.channels.serving import MEMBER_CHANNELS, outbox_worker
from bot.config import Passing, Settings
from bot.delivery import OutboxWorker
from bot.doctor import serve_problems
from bot.email_delivery import EmailWorker, SmtpServer
from bot.leader import Job, while_leader
from bot.preflight import (
    ConfigurationError,
    deployment_problems,
    settings_problems,
    slack_token_problems,
)
from bot.purge_job import DailyPurge
from bot.slack.access import Access
from bot.slack.app import StaffDesk, build_bolt
from bot.slack.deadlines import DeadlineWatch
from bot.slack.line_pushes import LinePushes
from bot.slack.scrub import SlackScrubber
from bot.slack.sync import CardSync
from bot.slack_http import SlackEndpoint
from bot.wakeups import Wakeups
from bot.watch import Watch
from storage.backup import running_server
from storage.db import sqlite_file
from storage.email_outbox import EmailOutbox

log = structlog.get_logger(__name__)
SLACK_PATH = "/slack/events"


def http_app(
    channel_routes: Sequence[BaseRoute] = (),
    slack: SlackEndpoint | None = None,
    channels: Sequence[MemberChannel] = (),
) -> Starlette:
    """``/healthz``, Slack's endpoint and every member channel's own routes."""

    async def healthz(_request: Request) -> Response:
        report: dict[str, object] = {"ok": True}
        for channel in channels:
            if isinstance(channel, ReportsHealth):  # LINE: the month's pushes and quota
                report[channel.limits.name] = await channel.health()
        return JSONResponse(report)

    async def slack_events(request: Request) -> Response:
        if slack is None:
            return PlainTextResponse("not found", status_code=404)
        # Bounded read and signature on the raw bytes before bolt parses anything (401 otherwise).
        return await slack(request)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route(SLACK_PATH, slack_events, methods=["POST"]),
            *channel_routes,
        ]
    )


class DirectRoutes:
    """The HTTP app's fixed-path routes (Telegram's, LINE's and Slack's webhooks, ``/healthz``)
    called straight, everything else through Starlette.

    Starlette's middleware layers and router cost ~20 µs of CPU per request, about as much as
    a member's Telegram update now costs to read. A request for a route without path parameters
    whose endpoint is a coroutine gets what Starlette would give it: the same ``Request``, the
    endpoint's response, and on an exception a 500 and the traceback in the log (uvicorn's
    instead of Starlette's). The endpoints raise no ``HTTPException``.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.direct: dict[tuple[str, str], Callable[[Request], Awaitable[Response]]] = {}
        for route in app.routes:
            if not isinstance(route, Route) or route.param_convertors:
                continue
            if not inspect.iscoroutinefunction(route.endpoint):
                continue
            for method in route.methods or ():
                # Only where Starlette's router would choose this route (its first full match).
                probe: Scope = {
                    "type": "http",
                    "path": route.path,
                    "root_path": "",
                    "method": method,
                    "headers": [],
                }
                chosen = next(r for r in app.routes if r.matches(probe)[0] is Match.FULL)
                if chosen is route:
                    self.direct[(route.path, method)] = route.endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            endpoint = self.direct.get((scope["path"], scope["method"]))
            if endpoint is not None:
                scope["app"] = self.app
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: ``serve`` stops every part together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class MemberParts:
    """A running member channel and the worker that sends its outbox."""

    channel: MemberChannel
    worker: OutboxWorker


@dataclass
class _Slack:
    desk: StaffDesk
    sync: CardSync
    deadlines: DeadlineWatch
    endpoint: SlackEndpoint | None  # None in Socket Mode
    socket: AsyncSocketModeHandler | None


def second_on_sqlite(settings: Settings) -> list[str]:
    """A SQLite database another ``serve`` already serves: one process only (its purge lease
    names it), or both would poll, post cards and purge; several need PostgreSQL."""
    path = sqlite_file(settings.database_url)  # None: the database's own check says why
    holder = running_server(path) if path is not None else None
    if holder is None:
        return []
    return [
        f"madoguchi serve ({holder}) is already serving {path}: SQLite serves one "
        "process. Stop that one first, or use PostgreSQL for several (README)."
    ]


async def _check(settings: Settings) -> None:
    """Every configuration problem at once (:class:`ConfigurationError`, one line each)."""
    problems = settings_problems(settings)
    problems += deployment_problems(settings)
    # The database's schema and keys, the disk: the checks `madoguchi doctor` runs too.
    problems += await asyncio.to_thread(serve_problems, settings)
    problems += await asyncio.to_thread(second_on_sqlite, settings)
    for served in MEMBER_CHANNELS:
        if served.check is not None:
            problems += await served.check(settings)
    if settings.slack_bot_token:
        problems += await slack_token_problems(settings)
    if problems:
        raise ConfigurationError(problems)


def email_worker(app: App, mail: SmtpServer, wakeups: Wakeups) -> EmailWorker:
    """The e-mail sender, woken with the member outboxes: an answer link staff send in Slack
    goes at once, not at the worker's next look."""
    worker = EmailWorker(EmailOutbox(app.db, app.clock), mail)
    wakeups.add_outbox("email", lambda _chat: worker.wake())
    return worker


async def start_member_channels(
    settings: Settings, app: App, wakeups: Wakeups
) -> list[MemberParts]:
    """Every member channel the settings configure, each with its outbox worker registered
    in ``wakeups``; if one cannot start, those already started are closed."""
    started: list[MemberParts] = []
    try:
        for served in MEMBER_CHANNELS:
            channel = await served.start(settings, app, wakeups)
            if channel is not None:
                started.append(MemberParts(channel, outbox_worker(app, channel, wakeups)))
    except BaseException:
        for parts in started:
            await parts.channel.close()
        raise
    return started


def _start_slack(settings: Settings, app: App, token: str) -> _Slack:
    config = app.deployment.slack
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    sync = CardSync(
        app.db,
        client,
        config,
        app.orgs,
        app.clock,
        interval=settings.slack_sync_interval,
        queue_names=app.cases.queue_names,
    )
    desk = StaffDesk(app, client, sync, Access(config, client))
    # Where LINE is served: its month's pushes on App Home, its quota warning to supervisors.
    desk.line_pushes = sync.line_pushes = LinePushes.of(settings, app)
    bolt = build_bolt(desk, signing_secret=settings.slack_signing_secret)
    socket = (
        AsyncSocketModeHandler(bolt, settings.slack_app_token) if settings.slack_app_token else None
    )
    endpoint = (
        SlackEndpoint(bolt, settings.slack_signing_secret)
        if settings.slack_signing_secret and not socket
        else None
    )
    return _Slack(desk, sync, DeadlineWatch(app, sync, config), endpoint, socket)


def _leader(app: App, name: str, job: Job, stop: asyncio.Event) -> asyncio.Task[None]:
    return asyncio.create_task(while_leader(app.db, name, app.clock, job, stop))


def _together(*jobs: Job) -> Job:
    """Several jobs under one lease: they start and stop together."""

    async def run(stop: asyncio.Event) -> None:
        await asyncio.gather(*(job(stop) for job in jobs))

    return run


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM set ``stop``: through the loop where it takes signal handlers, else
    (asyncio's own loop on Windows) through Python's, which wake the loop from outside it."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))


def listening_socket(host: str, port: int) -> socket.socket:
    """The HTTP port, taken before anything else starts: a port in use (another ``serve``, say)
    stops the start with one line, before a channel has polled or a worker has claimed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # SO_REUSEADDR (set by create_server on POSIX): a restart need not wait out TIME_WAIT.
        listening = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        raise ConfigurationError(
            Passing(  # an old process still stopping, say: systemd tries again
                f"Cannot listen on {host}:{port}: {error.strerror or error}. Stop whatever uses "
                "that port (another madoguchi serve?) or choose another with --port."
            )
        ) from None
    listening.set_inheritable(True)
    return listening


async def serve(settings: Settings, host: str, port: int) -> None:
    """Run every configured part until SIGINT/SIGTERM."""
    await _check(settings)
    listening = listening_socket(host, port)
    app = App.build(settings)
    if app.keyring is None:
        log.warning("encryption.off")  # personal data is stored in clear: MADOGUCHI_DATA_KEYS
    stop = asyncio.Event()
    _stop_on_signals(stop)
    wakeups = Wakeups()
    members = await start_member_channels(settings, app, wakeups)
    slack = (
        _start_slack(settings, app, settings.slack_bot_token) if settings.slack_bot_token else None
    )
    # Retention: once a day, by one process of however many are serving.
    purge = DailyPurge(app.purger(), app.clock, settings.purge_hour)
    tasks: list[asyncio.Task[None]] = [_leader(app, "purge", purge.run, stop)]
    mail = SmtpServer.of(settings)
    if mail is not None:  # answer links by e-mail; every process sends, claims keep it once
        tasks.append(asyncio.create_task(email_worker(app, mail, wakeups).run(stop)))
    watch = _watch(settings, app, members)
    for parts in members:
        tasks.append(asyncio.create_task(parts.worker.run(stop)))
        # Long polling, say. No lease: Telegram itself lets one client at a time poll a bot.
        tasks.append(asyncio.create_task(parts.channel.run(stop)))
        name = parts.channel.limits.name
        watch.readiness.add_task(name, tasks[-2], what="outbox worker")
        watch.readiness.add_task(name, tasks[-1], what="channel")
        watch.readiness.add_channel(name, parts.channel)
    if slack:
        # Staff actions queue messages for members: send them without waiting for a poll;
        # members' turns change the cards.
        slack.desk.after_change = wakeups.member_outboxes
        wakeups.add_staff(slack.sync.wake)
        # One process posts cards and reminders, or they would be posted twice.
        # Retention's Slack to-do list is worked by the same process that posts the cards.
        scrub = SlackScrubber(app.db, slack.sync.client, app.clock)
        tasks.append(_leader(app, "slack.cards", _together(slack.sync.run, scrub.run), stop))
        tasks.append(_leader(app, "slack.deadlines", slack.deadlines.run, stop))
        if slack.socket:
            await slack.socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack.socket_mode")
            watch.readiness.add("slack", _socket_check(slack.socket))
    server = _Server(
        uvicorn.Config(
            DirectRoutes(
                http_app(
                    [
                        *AnswerPage(app).routes(),  # answer links' download page
                        *watch.routes(),  # /readyz, /metrics
                        *(route for parts in members for route in parts.channel.routes()),
                    ],
                    slack.endpoint if slack else None,
                    [parts.channel for parts in members],
                )
            ),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,  # a logger call per request, for lines the log level drops
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)  # uvicorn has no startup event to await
    if serving.done():
        raise ConfigurationError(f"Could not listen on {host}:{port}.")
    watch.readiness.started = True
    print(f"madoguchi: serving on http://{host}:{port}", flush=True)
    for parts in members:
        if isinstance(parts.channel, OffersPages):
            for path in parts.channel.page_paths():
                print(f"madoguchi: open http://{host}:{port}{path} in a browser", flush=True)
    await stop.wait()
    server.should_exit = True
    await serving
    # A long poll in flight is abandoned: its updates were not confirmed, so Telegram sends
    # them again and the stored update_ids keep them from counting twice.
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if slack and slack.socket:
        await slack.socket.close_async()  # type: ignore[no-untyped-call]
    for parts in members:
        await parts.channel.close()
    watch.close()
    app.db.close()


def _watch(settings: Settings, app: App, members: Sequence[MemberParts]) -> Watch:
    """``/readyz`` and ``/metrics`` (``bot.watch``) for this process's channels and queues."""
    token = settings.metrics_token
    return Watch(
        app.db.url,
        app.clock,
        served=[parts.channel.limits.name for parts in members],
        org_queues=app.deployment.queues_by_org(app.orgs),
        metrics_token=token.get_secret_value() if token else None,
    )


def _socket_check(socket: AsyncSocketModeHandler) -> Callable[[], Awaitable[str | None]]:
    """Slack in Socket Mode is ready while its WebSocket is connected."""

    async def check() -> str | None:
        connected = await socket.client.is_connected()
        return None if connected else "socket mode not connected"

    return check
