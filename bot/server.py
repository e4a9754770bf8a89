"""``madoguchi serve``: the member channel(s) and one HTTP app, in one asyncio process.

The HTTP app always answers ``/healthz``; in webhook mode it also takes Telegram's updates at
``/telegram/webhook`` (and, later, Slack's at ``/slack/events``). Polling, the webhook and the
outbox worker run side by side until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import structlog
import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.app import App
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramChannel,
    TelegramSender,
    make_bot,
)
from bot.config import Settings
from bot.delivery import OutboxWorker
from bot.http_limits import MB, BodyRefused, read_body
from bot.leader import Job, while_leader
from bot.preflight import (
    ConfigurationError,
    deployment_problems,
    has_http_scheme,
    settings_problems,
    slack_token_problems,
    telegram_problems,
    telegram_refusal,
)
from bot.purge_job import DailyPurge
from bot.slack.access import Access
from bot.slack.app import StaffDesk, build_bolt
from bot.slack.deadlines import DeadlineWatch
from bot.slack.scrub import SlackScrubber
from bot.slack.sync import CardSync
from bot.slack_http import SlackEndpoint

log = structlog.get_logger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"
# A Telegram update is one message or button press (text at most 4,096 characters, with its
# entities and the message it replies to): a few kilobytes, so 1 MB leaves a wide margin.
TELEGRAM_BODY_LIMIT = 1 * MB


def http_app(
    telegram: TelegramChannel | None,
    webhook_secret: str | None,
    slack: SlackEndpoint | None = None,
) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def slack_events(request: Request) -> Response:
        if slack is None:
            return PlainTextResponse("not found", status_code=404)
        # Bounded read and signature on the raw bytes before bolt parses anything (401 otherwise).
        return await slack(request)

    async def telegram_webhook(request: Request) -> Response:
        received = time.perf_counter()  # for turn.timed: arrival to commit, as members feel it
        if telegram is None or not webhook_secret:
            return PlainTextResponse("not found", status_code=404)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), webhook_secret.encode()):
            log.warning("telegram.webhook_refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = json.loads(await read_body(request, TELEGRAM_BODY_LIMIT))
            if not isinstance(data, dict):
                raise TypeError("not an object")
            update = Update.de_json(data, telegram.bot)
        except BodyRefused as refused:
            return refused.response()
        except Exception as error:  # json or PTB on a malformed update: any error (even deep
            # nesting's RecursionError) means the body, not the desk, is broken
            log.warning("telegram.webhook_malformed", error=type(error).__name__)
            return PlainTextResponse("bad request", status_code=400)
        # Answered only after the commit: a crash before it makes Telegram redeliver.
        await telegram.handle(update, received=received)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
            Route(SLACK_PATH, slack_events, methods=["POST"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: ``serve`` stops every part together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class _Telegram:
    channel: TelegramChannel
    worker: OutboxWorker


@dataclass
class _Slack:
    desk: StaffDesk
    sync: CardSync
    deadlines: DeadlineWatch
    endpoint: SlackEndpoint | None  # None in Socket Mode
    socket: AsyncSocketModeHandler | None


async def _check(settings: Settings) -> Bot | None:
    """Every configuration problem at once (:class:`ConfigurationError`, one line each);
    the Telegram bot, already introduced to the Bot API, if members are served."""
    problems = settings_problems(settings)
    problems += deployment_problems(settings)
    bot = None
    # getMe is only asked of an http(s) address: any other is already one problem above.
    if settings.telegram_bot_token and has_http_scheme(settings.telegram_api_base_url):
        bot = make_bot(
            settings.telegram_bot_token,
            settings.telegram_api_base_url,
            timeout=settings.telegram_timeout,
        )
        problems += await telegram_problems(bot, settings)
    if settings.slack_bot_token:
        problems += await slack_token_problems(settings)
    if problems:
        if bot is not None:
            await bot.shutdown()
        raise ConfigurationError(problems)
    return bot


async def _start_telegram(settings: Settings, app: App, bot: Bot) -> _Telegram:
    try:
        return await _telegram_parts(settings, app, bot)
    except TelegramError as error:
        await bot.shutdown()
        what = "TELEGRAM_WEBHOOK_URL" if settings.telegram_webhook_url else "the bot's set-up"
        raise telegram_refusal(what, error, bot.token) from error


async def _telegram_parts(settings: Settings, app: App, bot: Bot) -> _Telegram:
    worker = OutboxWorker(
        app.db,
        CHANNEL,
        TelegramSender(bot),
        app.clock,
        global_per_second=settings.telegram_send_rate,
    )
    channel = TelegramChannel(app, bot, worker)
    await channel.register_commands()
    if settings.telegram_webhook_url:
        await bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("telegram.webhook_mode")
    else:
        await bot.delete_webhook()
        log.info("telegram.polling_mode")
    return _Telegram(channel, worker)


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


async def serve(settings: Settings, host: str, port: int) -> None:
    """Run every configured part until SIGINT/SIGTERM."""
    bot = await _check(settings)
    try:
        app = App.build(settings, one_message_per_turn=frozenset({CHANNEL}))
    except BaseException:
        if bot is not None:
            await bot.shutdown()  # its HTTP session, or it is reported unclosed on exit
        raise
    if app.keyring is None:
        log.warning("encryption.off")  # personal data is stored in clear: MADOGUCHI_DATA_KEYS
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    telegram = await _start_telegram(settings, app, bot) if bot else None
    slack = (
        _start_slack(settings, app, settings.slack_bot_token) if settings.slack_bot_token else None
    )
    # Retention: once a day, by one process of however many are serving.
    purge = DailyPurge(app.purger(), app.clock, settings.purge_hour)
    tasks: list[asyncio.Task[None]] = [_leader(app, "purge", purge.run, stop)]
    if telegram:
        tasks.append(asyncio.create_task(telegram.worker.run(stop)))
        if not settings.telegram_webhook_url:
            # No lease: Telegram itself lets one client at a time poll a bot (409 to others).
            tasks.append(asyncio.create_task(telegram.channel.poll(stop)))
        if slack:
            # Staff actions queue messages for members: send them without waiting for a poll.
            slack.desk.after_change = telegram.worker.wake
    if slack:
        # One process posts cards and reminders, or they would be posted twice.
        # Retention's Slack to-do list is worked by the same process that posts the cards.
        scrub = SlackScrubber(app.db, slack.sync.client, app.clock)
        tasks.append(_leader(app, "slack.cards", _together(slack.sync.run, scrub.run), stop))
        tasks.append(_leader(app, "slack.deadlines", slack.deadlines.run, stop))
        if telegram:
            telegram.channel.after_commit = slack.sync.wake
        if slack.socket:
            await slack.socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack.socket_mode")
    server = _Server(
        uvicorn.Config(
            http_app(
                telegram.channel if telegram and settings.telegram_webhook_url else None,
                settings.telegram_webhook_secret,
                slack.endpoint if slack else None,
            ),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)  # uvicorn has no startup event to await
    if serving.done():
        raise ConfigurationError(f"Could not listen on {host}:{port}.")
    print(f"madoguchi: serving on http://{host}:{port}", flush=True)
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
    if telegram:
        await telegram.channel.bot.shutdown()
    app.db.close()
