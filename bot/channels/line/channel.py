"""Members on LINE: the webhook, the durable inbox it fills, and the sender.

``POST /line/webhook``: the body is read within a size limit, its ``X-Line-Signature`` checked
on the raw bytes (in constant time) before anything parses it, and its events stored in the
inbox (``storage.inbox``) before LINE gets its 200 within the two seconds it waits. The events
are then worked in the background, one chat's in order, chats side by side, each through the
one turn runner with ``line:<webhookEventId>`` as its idempotency key: a redelivery finds its
key and has no second effect. What was stored and not worked when the process stopped is
worked at the next start.

Outgoing rows go through :class:`~bot.channels.line.sending.LineSender` (reply while a token
lives, push with a retry key otherwise, the month's pushes counted).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from linebot.v3.messaging import ShowLoadingAnimationRequest
from linebot.v3.messaging.exceptions import ApiException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.batched_writes import BatchedWrites
from bot.channels.base import ChannelLimits, MemberChannel, TurnRunner
from bot.channels.line import CHANNEL, LIMITS, events
from bot.channels.line.api import NETWORK_ERRORS, LineApi
from bot.channels.line.quota import QuotaWatch, Usage
from bot.channels.line.sending import LineSender, ReplyTokens
from bot.config import Settings
from bot.dispatch import backoff
from bot.http_limits import MB, BodyRefused, read_body
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage import inbox, line_quota, reachability
from storage.models import OutboxMessage

log = structlog.get_logger(__name__)
WEBHOOK_PATH = "/line/webhook"
SIGNATURE_HEADER = "X-Line-Signature"
# A webhook request holds a few events, each at most a 5,000-character text: 1 MB is wide.
BODY_LIMIT = 1 * MB
# The loading animation is shown only when a turn takes longer than this, like Telegram's
# typing hint; it lasts until the answer arrives or these seconds pass (5 to 60, by fives).
LOADING_AFTER_SECONDS = 1.0
LOADING_SECONDS = 20
DOWNLOAD_ATTEMPTS = 3
# Events stored by a process that stopped before working them are picked up by the others
# when they are this old (a live process works its own at once).
LEFT_BEHIND_SECONDS = 60.0
SWEEP_SECONDS = 30.0


def signature(secret: bytes, body: bytes) -> bytes:
    """``X-Line-Signature`` of ``body``: base64 of its HMAC-SHA256 under the channel secret."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())


def signed(secret: bytes, body: bytes, given: str) -> bool:
    """Whether ``given`` is the body's signature, compared in constant time on the raw bytes.

    The SDK's validator compares in constant time too, but takes the body as text: a body
    that is not UTF-8 would have to be decoded before it is known to come from LINE.
    """
    return hmac.compare_digest(signature(secret, body), given.encode("latin-1", "replace"))


class LineChannel:
    """The LINE member channel inside ``madoguchi serve`` (``bot.channels.base``)."""

    def __init__(
        self,
        app: App,
        runner: TurnRunner,
        api: LineApi,
        *,
        channel_secret: str,
        wakeups: Wakeups | None = None,
        monthly_quota: int | None = None,
        warn_share: float = 0.8,
        send_rate: float = LIMITS.send_rate,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app = app
        self.runner = runner
        self.api = api
        self._limits = replace(LIMITS, send_rate=send_rate)  # this process's share
        self.wakeups = wakeups or Wakeups()  # an unfollow wakes the staff side (the card)
        self._secret = channel_secret.encode()
        self.now = now  # wall-clock seconds: a reply token's age
        self.sleep = sleep  # between download retries, and before a failed event's retry
        self.tokens = ReplyTokens(now)
        self.quota = QuotaWatch(
            app.db, app.clock, api, monthly_quota=monthly_quota, warn_share=warn_share
        )
        self.sender = LineSender(api, app.db, app.clock, self.quota, self.tokens)
        self.loading_after = LOADING_AFTER_SECONDS
        self.file_limit = max(
            (o.attachments.max_bytes for o in app.orgs.values() if o.attachments.allowed),
            default=0,
        )
        self._arrived: dict[str, tuple[float, float]] = {}  # key -> (now(), perf_counter())
        self._queues: dict[str, deque[inbox.Stored]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._queued: set[int] = set()
        self._failures: dict[int, int] = {}  # event id -> failed tries in this process
        # Worked events' rows go in one transaction for every chat that finished meanwhile.
        self._worked: BatchedWrites[int] = BatchedWrites(app.db, partial(inbox.worked, app.db))
        self._courtesies: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        # Set once what a stopped process left in the inbox is queued (``run``'s first step).
        self.resumed = asyncio.Event()

    @classmethod
    def from_settings(
        cls, app: App, runner: TurnRunner, settings: Settings, wakeups: Wakeups | None = None
    ) -> LineChannel:
        """The channel as ``madoguchi serve`` runs it (inside the event loop)."""
        secret, token = settings.line_channel_secret, settings.line_channel_access_token
        assert secret is not None and token is not None, "LINE is not configured"
        api = LineApi(
            token.get_secret_value(),
            settings.line_api_base_url,
            settings.line_data_api_base_url,
            settings.line_timeout,
        )
        return cls(
            app,
            runner,
            api,
            channel_secret=secret.get_secret_value(),
            wakeups=wakeups,
            monthly_quota=settings.line_monthly_quota,
            warn_share=settings.line_quota_warn_share,
            send_rate=settings.line_send_rate,
        )

    # ------------------------------------------------------------------ MemberChannel

    @property
    def limits(self) -> ChannelLimits:
        return self._limits

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        await self.sender.send(messages)

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def run(self, stop: asyncio.Event) -> None:
        """Work what the inbox holds (a restart's leftovers first), then look now and then for
        events another process stored and never worked."""
        self._take(await self.app.db.run(inbox.waiting, self.app.db, CHANNEL, self.app.clock()))
        self.resumed.set()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SWEEP_SECONDS)
            if stop.is_set():
                break
            self.tokens.prune()
            now = self.app.clock()
            try:
                found = await self.app.db.run(
                    functools.partial(
                        inbox.waiting,
                        received_before=now - timedelta(seconds=LEFT_BEHIND_SECONDS),
                    ),
                    self.app.db,
                    CHANNEL,
                    now,
                )
            except Exception as error:  # the database is briefly away: look next time
                log.warning("line.sweep_failed", error=type(error).__name__)
                continue
            self._take(found)
        await self.stop()

    async def stop(self) -> None:
        """Stop working events; what is not done stays in the inbox for the next start."""
        self._stopping.set()
        workers = list(self._workers.values()) + list(self._courtesies)
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def close(self) -> None:
        await self.stop()
        await self.api.close()

    def not_ready(self) -> str | None:
        """For ``/readyz``: not before what a stopped process left in the inbox is queued."""
        return None if self.resumed.is_set() else "resuming stored events"

    async def push_usage(self) -> Usage:
        """The month's pushes and quota, for ``/healthz`` and App Home."""
        return await self.quota.usage()

    async def health(self) -> dict[str, object]:
        """What ``/healthz`` shows of LINE: the month's pushes against the quota."""
        return {"pushes": (await self.push_usage()).as_dict()}

    # ------------------------------------------------------------------ webhook

    async def webhook(self, request: Request) -> Response:
        """Verify, store, answer; the turns come after (see the module docstring)."""
        received = time.perf_counter()
        given = request.headers.get(SIGNATURE_HEADER)
        if not given:
            log.warning("line.webhook_refused", reason="unsigned")
            return PlainTextResponse("unauthorized", status_code=401)
        try:
            body = await read_body(request, BODY_LIMIT)
        except BodyRefused as refused:
            return refused.response()
        if not signed(self._secret, body, given):
            log.warning("line.webhook_refused", reason="signature")
            return PlainTextResponse("unauthorized", status_code=401)
        try:
            found = events.arrivals(body)
        except Exception as error:  # any error here (even RecursionError) is the body's
            log.warning("line.webhook_malformed", error=type(error).__name__)
            return PlainTextResponse("bad request", status_code=400)
        # Not answered until stored: a failure here is a 500, and LINE sends it again.
        stored = await self.app.db.run(inbox.store, self.app.db, CHANNEL, found, self.app.clock())
        arrived = self.now()
        for event in stored:
            self._arrived[event.key] = (arrived, received)
        self._take(stored)
        if len(stored) < len(found):
            log.info("line.redelivery_ignored", count=len(found) - len(stored))
        return PlainTextResponse("ok")

    # ------------------------------------------------------------------ working events

    def _take(self, stored: Sequence[inbox.Stored]) -> None:
        """Queue events behind the earlier ones of their chat; start the chat's worker."""
        for event in stored:
            if event.id in self._queued or self._stopping.is_set():
                continue
            self._queued.add(event.id)
            self._queues.setdefault(event.chat_id, deque()).append(event)
            if event.chat_id not in self._workers:
                task = asyncio.create_task(self._work_chat(event.chat_id))
                self._workers[event.chat_id] = task

    async def idle(self) -> None:
        """Wait until every event taken so far is worked (tests, shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def _work_chat(self, chat_id: str) -> None:
        """The chat's events one after another; one that fails is tried again (after a pause)
        before any later one, so the member's words are never taken out of order."""
        queue = self._queues[chat_id]
        try:
            while queue:
                event = queue[0]
                try:
                    await self._work(event)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    attempts = await self._postpone(event, error)
                    await self.sleep(backoff(attempts))
                    continue
                queue.popleft()
                self._queued.discard(event.id)
                self._failures.pop(event.id, None)
        finally:
            self._workers.pop(chat_id, None)
            # Cancelled (a stop): what is left stays in the inbox for the next start.
            for left in self._queues.pop(chat_id, deque()):
                self._queued.discard(left.id)

    async def _postpone(self, event: inbox.Stored, error: Exception) -> int:
        # Ids and the exception's type only: its message may quote what the member sent.
        log.error("line.event_failed", inbox_event=event.id, error=type(error).__name__)
        attempts = self._failures.get(event.id, 0) + 1
        self._failures[event.id] = attempts
        with contextlib.suppress(Exception):
            await self.app.db.run(
                inbox.postpone, self.app.db, event.id, self.app.clock(), backoff(attempts)
            )
        return attempts

    async def _work(self, event: inbox.Stored) -> None:
        """One stored event: its turn (or the member's leaving), then its row goes."""
        work = events.read(event.key, event.chat_id, event.payload)
        arrived = self._arrived.get(event.key)
        if work.reply_token and event.id not in self._failures:  # once, not at each retry
            # After a restart the arrival is unknown: LINE's own time of the event is older.
            at = arrived[0] if arrived else (work.timestamp_ms or 0) / 1000
            self.tokens.add(event.chat_id, work.reply_token, at)
        if work.left:
            changed = await self.app.db.run(
                reachability.member_left,
                self.app.db,
                CHANNEL,
                event.chat_id,
                event.key,
                self.app.clock(),
            )
            if changed:  # staff see at once that their replies will not arrive
                self.wakeups.staff()
        elif work.inbound is not None:
            await self._turn(work, arrived[1] if arrived else None)
        await self._worked.add([event.id])  # with other chats' in one transaction
        self._arrived.pop(event.key, None)

    async def _turn(self, work: events.Work, received: float | None) -> None:
        inbound = work.inbound
        assert inbound is not None
        # What waited for the month's quota can ride on the reply to this message, for free.
        await self.app.db.run(line_quota.release_quota_waits, self.app.db, CHANNEL, inbound.chat_id)
        prepare = self._fetcher(work.fetch) if work.fetch else None
        loading = asyncio.get_running_loop().call_later(
            self.loading_after, self._start_loading, inbound.chat_id
        )
        try:
            await self.runner.run(inbound, prepare=prepare, received=received)
        finally:
            loading.cancel()

    # ------------------------------------------------------------------ files

    def _fetcher(self, message_id: str) -> Callable[[Inbound], Awaitable[Inbound]]:
        async def fetch(inbound: Inbound) -> Inbound:
            return await self._fetch(inbound, message_id)

        return fetch

    async def _fetch(self, inbound: Inbound, message_id: str) -> Inbound:
        """Download the member's file when some served org accepts files; the engine decides.

        A file whose declared size is over the limit is not downloaded. A download that keeps
        failing is reported to the member (who can send it again) rather than holding the chat.
        """
        file = inbound.attachment
        if file is None or not self.file_limit:
            return inbound
        if file.size is not None and file.size > self.file_limit:
            return replace(inbound, attachment=replace(file, problem="too_large"))
        for attempt in range(DOWNLOAD_ATTEMPTS):
            try:
                data = bytes(
                    await self.api.blob.get_message_content(
                        message_id, _request_timeout=self.api.timeout
                    )
                )
            except ApiException as error:
                status = int(error.status or 0)
                log.info("line.download_failed", status=status, attempt=attempt)
                if status < 500 and status != 429:
                    break  # gone (LINE keeps content a while) or refused: asking again won't help
            except NETWORK_ERRORS as error:
                log.info("line.download_retry", attempt=attempt, error=type(error).__name__)
            else:
                if len(data) > self.file_limit:
                    return replace(inbound, attachment=replace(file, problem="too_large"))
                return replace(inbound, attachment=replace(file, data=data, size=len(data)))
            await self.sleep(0.5 * 2**attempt)
        return replace(inbound, attachment=replace(file, problem="download_failed"))

    # ------------------------------------------------------------------ courtesies

    def _courtesy(self, call: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(call)
        self._courtesies.add(task)
        task.add_done_callback(self._courtesies.discard)

    def _start_loading(self, chat_id: str) -> None:
        self._courtesy(self._loading(chat_id))

    async def _loading(self, chat_id: str) -> None:
        """LINE's loading animation while a slow turn runs; only a courtesy, never an error."""
        try:
            await self.api.messaging.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=LOADING_SECONDS),
                _request_timeout=self.api.timeout,
            )
        except (ApiException, *NETWORK_ERRORS) as error:
            log.info("line.loading_failed", error=type(error).__name__)


async def start(settings: Settings, app: App, wakeups: Wakeups) -> MemberChannel | None:
    """The LINE channel when both ``LINE_CHANNEL_SECRET`` and ``LINE_CHANNEL_ACCESS_TOKEN``
    are set (one alone is refused at start-up by ``bot.preflight.line_problems``)."""
    if not (settings.line_channel_secret and settings.line_channel_access_token):
        return None
    runner = ChatTurnRunner(app, wakeups)
    return as_member_channel(LineChannel.from_settings(app, runner, settings, wakeups))


def as_member_channel(channel: LineChannel) -> MemberChannel:
    """The channel as the seam takes it (mypy checks it keeps ``MemberChannel``'s contract)."""
    return channel
