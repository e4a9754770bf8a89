"""Members on Telegram, through python-telegram-bot's ``Bot`` (the raw Bot API client).

We use ``Bot`` rather than PTB's ``Application``/``Updater`` because the guarantees are ours to
keep: an update is confirmed to Telegram (the getUpdates offset moves past it) only after its
turn is committed, and webhook answers are sent only after the commit, so Telegram redelivers
whatever a crash interrupted; the stored ``update_id`` makes a redelivery a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import re
import time
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.app import App
from bot.channels.base import ChannelLimits, TurnRunner
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_limits import CHANNEL, LIMITS, TEXT_LIMIT
from bot.channels.telegram_updates import read_update, text_inbound
from bot.config import Problem, Settings
from bot.dispatch import TemporaryFailure, Unreachable
from bot.http_limits import MB, BodyRefused, read_body
from bot.preflight import has_http_scheme, telegram_problems, telegram_refusal
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound, ReceivedFile
from flows.safe_text import clean_optional
from storage import answers
from storage.models import OutboxMessage
from storage.turns import TurnOutcome

log = structlog.get_logger(__name__)

# PTB advises send_message over do_api_request("sendMessage"); _send_part says why not here.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)

# edited_message: a member who corrects a sent message is answered, not ignored.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
LONG_POLL_SECONDS = 25
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A Telegram update is one message or button press (text at most 4,096 characters, with its
# entities and the message it replies to): a few kilobytes, so 1 MB leaves a wide margin.
BODY_LIMIT = 1 * MB
# A button's callback_data: 1-64 bytes of UTF-8. The engine's choice ids are sent as they are.
CALLBACK_DATA_BYTES = 64
DOWNLOAD_ATTEMPTS = 3
# "typing…" is shown only when a turn takes longer than this; a quicker answer needs no hint,
# and under load the extra call per update would cost as much as sending the answer.
TYPING_AFTER_SECONDS = 1.0
# Connections to the Bot API at once: Telegram takes 30 messages a second from a bot.
CONNECTION_POOL_SIZE = 16

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "ja": [
        ("start", "はじめから・窓口を選ぶ"),
        ("help", "使い方"),
        ("status", "受付済みのお申し出の状況"),
        ("cancel", "入力中の手続きをやめる"),
        ("lang", "English / 日本語"),
    ],
    "en": [
        ("start", "Start, or choose the co-op"),
        ("help", "How to use this chat"),
        ("status", "Status of your requests"),
        ("cancel", "Stop the request you are entering"),
        ("lang", "日本語 / English"),
    ],
}


def make_bot(token: str, api_base_url: str, *, timeout: float = 15.0) -> Bot:
    """A Bot pointed at ``api_base_url`` (Telegram, a self-hosted Bot API server, or a fake).

    ``timeout`` bounds each call; a call that times out is retried by the outbox like a 5xx.
    """
    base = api_base_url.rstrip("/")
    return Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=AiohttpRequest(connections=CONNECTION_POOL_SIZE, timeout=timeout),
        # PTB adds the long poll's own seconds to the read timeout of getUpdates.
        get_updates_request=AiohttpRequest(connections=1, timeout=timeout),
    )


def to_inbound(update: Update) -> Inbound | None:
    """A Telegram update as the engine's channel-neutral event; ``None`` if it is not for us.

    Every field the member's client controls (text, button data, caption, file name, language)
    is cleaned here, once: what reaches the engine and storage is valid, printable Unicode.
    """
    key = f"{CHANNEL}:{update.update_id}"
    query = update.callback_query
    if query is not None and query.message is not None:
        return Inbound(
            channel=CHANNEL,
            chat_id=str(query.message.chat.id),
            idempotency_key=key,
            choice=clean_optional(query.data),
            lang=clean_optional(query.from_user.language_code),
        )
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private":
        return None
    lang = clean_optional(message.from_user.language_code) if message.from_user else None
    if update.edited_message is not None:
        # Its own update_id keys it: an edit is a new event, however often the same message
        # is edited.
        edited = message.text if message.text is not None else message.caption
        return text_inbound(update.update_id, message.chat.id, edited or "", lang, edited=True)
    if message.text is not None:
        return text_inbound(update.update_id, message.chat.id, message.text, lang, edited=False)
    inbound = Inbound(channel=CHANNEL, chat_id=str(message.chat.id), idempotency_key=key)
    caption = clean_optional(message.caption)
    if message.photo:
        largest = message.photo[-1]
        file = ReceivedFile(kind="photo", size=largest.file_size, caption=caption)
    elif message.document is not None:
        document = message.document
        file = ReceivedFile(
            kind="document",
            name=clean_optional(document.file_name),
            size=document.file_size,
            caption=caption,
        )
    else:
        file = ReceivedFile(kind="other")
    return replace(inbound, attachment=file)


def _file_to_fetch(message: Message, limit: int) -> str | None:
    """The ``file_id`` to download: a document, or the largest photo size within ``limit``."""
    if message.photo:
        fitting = [p for p in message.photo if p.file_size is None or p.file_size <= limit]
        return fitting[-1].file_id if fitting else None
    document = message.document
    if document is None or (document.file_size is not None and document.file_size > limit):
        return None
    return document.file_id


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """Members on Telegram (a ``MemberChannel``): updates from long polling or the webhook
    become turns through the shared runner, in order per chat and concurrently across chats;
    outbox rows go out through ``send``."""

    def __init__(
        self,
        app: App,
        bot: Bot,
        runner: TurnRunner,
        *,
        send_rate: float = LIMITS.send_rate,
        webhook_secret: str | None = None,
    ) -> None:
        self.app = app
        self.bot = bot
        self.runner = runner
        # The webhook's secret in webhook mode; None: long polling.
        self.webhook_secret = webhook_secret
        self._limits = replace(LIMITS, send_rate=send_rate)
        self.typing_after = TYPING_AFTER_SECONDS
        self._courtesies: set[asyncio.Task[None]] = set()  # typing hints in flight
        self._poll_failing = False  # the last getUpdates failed (``/readyz``)
        self.file_limit = max(
            (o.attachments.max_bytes for o in app.orgs.values() if o.attachments.allowed),
            default=0,
        )

    # ------------------------------------------------------------------ the MemberChannel

    @property
    def limits(self) -> ChannelLimits:
        return self._limits

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Send rows of one chat, in order. The engine gives one at a time
        (``messages_per_call`` is 1), so all-or-none holds: sendMessage takes one message.

        Rows are queued already split to ``TEXT_LIMIT``, one row per part, so a part that
        went out is never sent again. A row that is still too long (queued before rows were
        split, or by an app built with other limits) is sent here in parts, in order, rather
        than cut; if a later part of it fails, the row is retried whole and its earlier parts
        come again: doubled, never lost.
        """
        for message in messages:
            if message.answer_file_id is not None:
                await self._send_answer_file(message)
                continue
            parts = TEXT_LIMIT.split(message.text)
            for position, part in enumerate(parts, 1):
                last = position == len(parts)
                await self._send_part(message.chat_id, part, message.choices if last else [])

    def routes(self) -> Sequence[BaseRoute]:
        """The webhook in webhook mode; nothing when polling."""
        if not self.webhook_secret:
            return []
        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def run(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop``; in webhook mode updates come through ``routes``."""
        if not self.webhook_secret:
            await self.poll(stop)

    async def close(self) -> None:
        await self.bot.shutdown()

    def not_ready(self) -> str | None:
        """For ``/readyz``: the long poll's last call failed (a revoked token, another
        process polling the bot, the Bot API away); in webhook mode Telegram calls us."""
        return "long polling failing" if self._poll_failing else None

    # ------------------------------------------------------------------ sending

    async def _send_answer_file(self, message: OutboxMessage) -> None:
        """Staff's answer file as a document, its caption the row's text. A file purged
        before it went (retention) sends the caption alone: the member still hears of it."""
        assert message.answer_file_id is not None
        file = await asyncio.to_thread(answers.file_bytes, self.app.db, message.answer_file_id)
        if file is None:
            await self._send_part(message.chat_id, message.text, [])
            return
        document = InputFile(file.data, filename=file.name)
        await self._call(
            self.bot.send_document(
                chat_id=int(message.chat_id), document=document, caption=message.text
            )
        )

    async def _call(self, request: Coroutine[Any, Any, object]) -> None:
        """A send, with Telegram's answer as the delivery engine's failures."""
        try:
            await request
        except RetryAfter as error:
            raise TemporaryFailure("429", retry_after=_seconds(error.retry_after)) from error
        except Forbidden as error:
            raise Unreachable("forbidden") from error
        except BadRequest as error:
            # e.g. "chat not found": the member is flagged, the row kept rather than dropped.
            raise Unreachable("bad request") from error
        except NetworkError as error:  # includes TimedOut and 5xx answers
            raise TemporaryFailure(type(error).__name__) from error

    async def _send_part(self, chat_id: str, text: str, choices: list[list[str]]) -> None:
        """One ``sendMessage``, its parameters built as the JSON the Bot API reads.

        Through ``do_api_request`` rather than ``send_message``: the buttons need not become
        PTB objects only to be turned back into dicts, and Telegram's answer (the sent
        message, which nothing here reads) is not parsed into a ``Message``. Together that
        was a third of the CPU of a send in a burst. Errors come as from ``send_message``.
        """
        parameters: dict[str, Any] = {"chat_id": int(chat_id), "text": text}
        if choices:
            # Numbered as in the terminal: a member may type the number (「1,3」) instead.
            parameters["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": f"{number}. {label}", "callback_data": choice}]
                    for number, (choice, label) in enumerate(choices, 1)
                ]
            }
        await self._call(self.bot.do_api_request("sendMessage", api_kwargs=parameters))

    # ------------------------------------------------------------------ receiving

    async def register_commands(self) -> None:
        """Menu commands in Japanese (the default) and English."""
        for language, commands in COMMANDS.items():
            await self.bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeDefault(),
                language_code=language,
            )
        await self.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS["ja"]])

    async def webhook(self, request: Request) -> Response:
        """``POST /telegram/webhook``: answered only after the commit, so a crash before it
        makes Telegram deliver the update again."""
        received = time.perf_counter()  # for turn.timed: arrival to commit, as members feel it
        secret = self.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram.webhook_refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            # A member's plain text comes as its Inbound, read without PTB's objects.
            update = read_update(await read_body(request, BODY_LIMIT), self.bot)
        except BodyRefused as refused:
            return refused.response()
        except Exception as error:  # json or PTB on a malformed update: any error (even deep
            # nesting's RecursionError) means the body, not the desk, is broken
            log.warning("telegram.webhook_malformed", error=type(error).__name__)
            return PlainTextResponse("bad request", status_code=400)
        if isinstance(update, Inbound):
            await self._turn(update, None, received)
        else:
            await self.handle(update, received=received)
        return PlainTextResponse("ok")

    async def handle(self, update: Update, *, received: float | None = None) -> None:
        """Process one update; returns only once its turn is committed (or was a duplicate).

        The turn itself is the shared runner's (``bot.runner``); what is Telegram's is around
        it: the button's spinner, "typing…" when the answer is slow, the file to download,
        and the pressed message showing what was chosen.
        """
        inbound = to_inbound(update)
        if inbound is None:
            return
        # Answered at once, not after the turn: Telegram refuses a late answer ("query is too
        # old"), and the spinner stops even while the chat's earlier messages are handled.
        answering = self._answer(update)
        message = update.message

        async def fetch_file(inbound: Inbound) -> Inbound:
            if inbound.attachment is None or message is None:
                return inbound
            return await self._fetch_file(inbound, message)

        prepare = fetch_file if inbound.attachment is not None else None
        outcome = await self._turn(inbound, prepare, received)
        if answering is not None:
            await answering
            if not outcome.duplicate:
                await self._show_choice(update)

    async def _turn(
        self,
        inbound: Inbound,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None,
        received: float | None,
    ) -> TurnOutcome:
        """The runner's turn, with "typing…" shown if it is slow."""
        typing = asyncio.get_running_loop().call_later(
            self.typing_after, self._start_typing, inbound.chat_id
        )
        try:
            return await self.runner.run(inbound, prepare=prepare, received=received)
        finally:
            typing.cancel()

    async def handle_batch(self, updates: Sequence[Update]) -> None:
        """Chats in parallel, each chat's updates one after another in update_id order."""
        by_chat: dict[int | None, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat else None].append(update)

        async def one_chat(chat_updates: Iterable[Update]) -> None:
            for update in chat_updates:
                await self.handle(update)

        await asyncio.gather(*(one_chat(chat_updates) for chat_updates in by_chat.values()))

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling; the offset is only advanced past updates already committed."""
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    # After a failure, a quick call first: /readyz learns at once it works again.
                    timeout=0 if self._poll_failing else LONG_POLL_SECONDS,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except RetryAfter as error:
                await _sleep_or_stop(stop, _seconds(error.retry_after))
                continue
            except TelegramError as error:
                failures += 1
                self._poll_failing = True
                # The kind only (NetworkError, Conflict: another process polls this bot, …).
                log.warning("telegram.poll_failed", failures=failures, error=type(error).__name__)
                await _sleep_or_stop(stop, min(30.0, 2.0**failures))
                continue
            failures = 0
            self._poll_failing = False
            if not updates:
                continue
            try:
                await self.handle_batch(updates)
            except Exception:
                # Not confirmed: the same updates come again, and those already committed are
                # skipped by their stored update_id.
                log.exception("telegram.batch_failed", first=updates[0].update_id)
                await _sleep_or_stop(stop, 1.0)
                continue
            offset = updates[-1].update_id + 1

    async def _fetch_file(self, inbound: Inbound, message: Message) -> Inbound:
        """Download the member's file when some served org accepts files; the engine decides.

        Declared sizes over the limit are not downloaded at all. A download that keeps failing
        is reported to the member (who can send it again) rather than holding up the chat.
        """
        file = inbound.attachment
        if file is None or file.kind == "other" or not self.file_limit:
            return inbound
        file_id = _file_to_fetch(message, self.file_limit)
        if file_id is None:
            return replace(inbound, attachment=replace(file, problem="too_large"))
        for attempt in range(DOWNLOAD_ATTEMPTS):
            try:
                remote = await self.bot.get_file(file_id)
                data = bytes(await remote.download_as_bytearray())
            except NetworkError as error:
                log.info("telegram.download_retry", attempt=attempt, error=type(error).__name__)
                await asyncio.sleep(0.5 * 2**attempt)
                continue
            except TelegramError as error:  # e.g. "file is too big"
                log.info("telegram.download_failed", error=type(error).__name__)
                break
            if len(data) > self.file_limit:
                return replace(inbound, attachment=replace(file, problem="too_large"))
            return replace(inbound, attachment=replace(file, data=data, size=len(data)))
        return replace(inbound, attachment=replace(file, problem="download_failed"))

    def _courtesy(self, call: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a call that only helps the member (a hint, a spinner) beside the turn."""
        task = asyncio.create_task(call)
        self._courtesies.add(task)
        task.add_done_callback(self._courtesies.discard)
        return task

    def _start_typing(self, chat_id: str) -> None:
        self._courtesy(self._typing(chat_id))

    async def _typing(self, chat_id: str) -> None:
        # Only a courtesy; the answer itself goes through the outbox.
        with contextlib.suppress(TelegramError):
            await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING)

    def _answer(self, update: Update) -> asyncio.Task[None] | None:
        """Stop the pressed button's spinner, beside the turn; a refusal never breaks it."""
        query = update.callback_query
        if query is None:
            return None

        async def answer() -> None:
            try:
                await query.answer()
            except TelegramError as error:  # e.g. "query is too old" after a long wait
                log.info("telegram.answer_failed", error=type(error).__name__)

        return self._courtesy(answer())

    async def _show_choice(self, update: Update) -> None:
        """Show on the pressed message what was chosen, and take its buttons away.

        The message stays whole: if the choice does not fit after its text, only the buttons go.
        """
        query = update.callback_query
        message = query.message if query is not None else None
        if query is None or not isinstance(message, Message):
            return
        label = _pressed_label(message.reply_markup, query.data)
        if not label or not message.text:
            return
        shown = f"{message.text}\n\n▶ {label}"
        try:
            if TEXT_LIMIT.fits(shown):
                await self.bot.edit_message_text(
                    chat_id=message.chat.id, message_id=message.message_id, text=shown
                )
            else:
                await self.bot.edit_message_reply_markup(
                    chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
                )
        except TelegramError as error:
            log.info("telegram.acknowledge_failed", error=type(error).__name__)


def _pressed_label(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return _BUTTON_NUMBER.sub("", button.text, count=1)  # the label as chosen
    return None


_BUTTON_NUMBER = re.compile(r"^[0-9]+\. ")


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


# ---------------------------------------------------------------------- for ``madoguchi serve``


async def check(settings: Settings) -> list[Problem]:
    """Start-up problems of the Telegram settings (a token the Bot API rejects, a server it
    cannot reach), found before anything starts; none when Telegram is not configured."""
    token = settings.telegram_bot_token
    # getMe is only asked of an http(s) address: any other is already a settings problem.
    if not token or not has_http_scheme(settings.telegram_api_base_url):
        return []
    bot = make_bot(token, settings.telegram_api_base_url, timeout=settings.telegram_timeout)
    try:
        return await telegram_problems(bot, settings)
    finally:
        await bot.shutdown()


async def start(settings: Settings, app: App, wakeups: Wakeups) -> TelegramChannel | None:
    """The Telegram channel when ``TELEGRAM_BOT_TOKEN`` is set: introduced to the Bot API,
    its commands registered, and in webhook mode (``TELEGRAM_WEBHOOK_URL``) the webhook set,
    else any webhook removed so that long polling works."""
    token = settings.telegram_bot_token
    if not token:
        return None
    bot = make_bot(token, settings.telegram_api_base_url, timeout=settings.telegram_timeout)
    webhook = settings.telegram_webhook_url
    try:
        await bot.initialize()
        channel = TelegramChannel(
            app,
            bot,
            ChatTurnRunner(app, wakeups),
            send_rate=settings.telegram_send_rate,
            webhook_secret=settings.telegram_webhook_secret if webhook else None,
        )
        await channel.register_commands()
        if webhook:
            await bot.set_webhook(
                webhook,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram.webhook_mode")
        else:
            await bot.delete_webhook()
            log.info("telegram.polling_mode")
    except TelegramError as error:
        await bot.shutdown()
        what = "TELEGRAM_WEBHOOK_URL" if webhook else "the bot's set-up"
        raise telegram_refusal(what, error, token) from error
    except BaseException:
        await bot.shutdown()
        raise
    return channel
