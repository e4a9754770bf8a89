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
from collections.abc import Iterator

import structlog
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

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

log = structlog.get_logger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"


class ConfigurationError(Exception):
    """Settings that cannot work together; the message says what to set."""


def http_app(telegram: TelegramChannel | None, webhook_secret: str | None) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def telegram_webhook(request: Request) -> Response:
        if telegram is None or not webhook_secret:
            return PlainTextResponse("not found", status_code=404)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), webhook_secret.encode()):
            log.warning("telegram.webhook_refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), telegram.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("bad request", status_code=400)
        # Answered only after the commit: a crash before it makes Telegram redeliver.
        await telegram.handle(update)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: ``serve`` stops every part together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings, host: str, port: int) -> None:
    token = settings.telegram_bot_token
    if not token:
        raise ConfigurationError(
            "No member channel is configured: set TELEGRAM_BOT_TOKEN (see README), "
            "or use 'madoguchi chat' to try the desk in the terminal."
        )
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise ConfigurationError(
            "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET, so forged updates are refused."
        )
    app = App.build(settings, one_message_per_turn=frozenset({CHANNEL}))
    bot = make_bot(token, settings.telegram_api_base_url, timeout=settings.telegram_timeout)
    await bot.initialize()
    worker = OutboxWorker(app.db, CHANNEL, TelegramSender(bot), app.clock)
    channel = TelegramChannel(app, bot, worker)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await channel.register_commands()
    tasks = [asyncio.create_task(worker.run(stop))]
    if settings.telegram_webhook_url:
        await bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("telegram.webhook_mode")
    else:
        await bot.delete_webhook()
        tasks.append(asyncio.create_task(channel.poll(stop)))
        log.info("telegram.polling_mode")
    server = _Server(
        uvicorn.Config(
            http_app(channel, settings.telegram_webhook_secret),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    tasks.append(asyncio.create_task(server.serve()))
    while not server.started and not tasks[-1].done():
        await asyncio.sleep(0.02)  # uvicorn has no startup event to await
    if tasks[-1].done():
        raise ConfigurationError(f"Could not listen on {host}:{port}.")
    print(f"madoguchi: serving on http://{host}:{port}", flush=True)
    await stop.wait()
    server.should_exit = True
    # A long poll in flight is abandoned: its updates were not confirmed, so Telegram sends
    # them again and the stored update_ids keep them from counting twice.
    for task in tasks:
        if task is not tasks[0]:
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await bot.shutdown()
    app.db.close()
