"""The web chat channel: the page, its session cookie, its messages and its event stream.

- ``GET /chat`` chooses the co-op; ``GET /chat/<org>`` is the page. A browser without a valid
  session gets a new one (a random token in an HttpOnly, SameSite cookie scoped to the org's
  path; only its hash is stored) and the desk's greeting.
- ``POST /chat/<org>/send`` takes one member message as JSON ``{"id", "text" | "choice" |
  "command"}``. The id is made by the page for each message, so a resend after a network
  blip is the same turn (``web:<chat>:<id>`` is the idempotency key). Refused before any work
  when the address or session floods, the body is too large, the Origin is foreign or the
  CSRF token is missing.
- ``GET /chat/<org>/messages`` is the conversation so far (on load) or what was sent after
  the page's cursor; ``GET /chat/<org>/events`` streams new messages (server-sent events,
  ``Last-Event-ID`` resumes). The outbox worker "sends" a row by recording it as sent and
  waking the page's stream: a closed page simply reads it when it comes back, so a web member
  is never unreachable.
- ``POST /chat/<org>/resume`` opens a filed case's chat in another browser with the case
  number and the one-time code shown at filing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import structlog
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.channels.base import ChannelLimits, MemberChannel, TurnRunner
from bot.channels.webchat import CHANNEL, LIMITS, pages
from bot.channels.webchat.security import (
    RateLimit,
    client_address,
    csrf_ok,
    origin_allowed,
    security_headers,
)
from bot.config import Settings
from bot.http_limits import BodyRefused, read_body
from bot.runner import ChatTurnRunner
from bot.turn_failures import TurnFailures
from bot.wakeups import Wakeups
from flows.i18n import N_, Translator
from flows.messages import Inbound, ReceivedFile
from storage import web_sessions
from storage.models import OutboxMessage
from storage.web_sessions import Opened

log = structlog.get_logger(__name__)
STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}
COOKIE = "madoguchi_chat"
BODY_LIMIT = 16 * 1024  # one message of the page's 4,000 characters, as JSON, with room
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_COMMANDS = frozenset({"start", "help", "status", "cancel", "lang"})
KEEPALIVE_SECONDS = 15.0  # a comment line on a quiet stream, so proxies keep it open
# A stream also looks itself now and then, for rows another serve process sent (several
# behind a balancer); this process's own sends wake it at once, so this is only a fallback.
POLL_SECONDS = 5.0
SWEEP_SECONDS = 3600.0
STREAMS_PER_CHAT = 4  # open pages of one chat (tabs, a phone and a computer)
ERR_TOO_LONG = N_(
    "メッセージが長すぎます。4,000文字までに分けて送ってください。入力した内容はそのまま残っています。"
)
ERR_TOO_MANY = N_("短い間にたくさん送られました。少し待ってから、もう一度送ってください。")
ERR_SESSION = N_("画面の有効期限が切れました。ページを読み込み直してください。")
ERR_BAD = N_("送信できませんでした。ページを読み込み直して、もう一度お試しください。")
ERR_CODE = N_("受付番号か確認コードが違います。お確かめのうえ、もう一度入力してください。")
CODE_NOTICE = N_(
    "別のパソコンやスマートフォンからこのお申し出の続きをご覧になるときは、"
    "受付番号 {number} と確認コード {code} を入力してください。"
    "確認コードは一度だけ使えます。ほかの方には教えないでください。"
)


@dataclass
class WebSettings:
    """The web chat's part of the configuration (``[webchat]`` and ``WEBCHAT_*``)."""

    orgs: list[str]
    allowed_origins: list[str] = field(default_factory=list)
    session_days: int = 90


class WebChannel:
    """The web chat inside ``madoguchi serve`` (implements ``MemberChannel``)."""

    def __init__(
        self,
        app: App,
        runner: TurnRunner,
        settings: WebSettings,
        *,
        wakeups: Wakeups | None = None,
        sessions_per_address: RateLimit | None = None,
        messages_per_session: RateLimit | None = None,
        requests_per_address: RateLimit | None = None,
    ) -> None:
        self.app = app
        self.runner = runner
        self.settings = settings
        self.wakeups = wakeups
        self.headers = security_headers(settings.allowed_origins)
        self.sessions_per_address = sessions_per_address or RateLimit(30, 3600)
        self.messages_per_session = messages_per_session or RateLimit(30, 60)
        self.requests_per_address = requests_per_address or RateLimit(600, 60)
        self._listeners: dict[str, set[asyncio.Event]] = {}

    # ------------------------------------------------------------------ MemberChannel

    @property
    def limits(self) -> ChannelLimits:
        return LIMITS

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Record the rows as sent (they are the page's record) and wake the chat's page."""
        ids = [m.id for m in messages if m.id is not None]
        await self.app.db.run(web_sessions.mark_delivered, self.app.db, ids, self.app.clock())
        for chat_id in {m.chat_id for m in messages}:
            for event in self._listeners.get(chat_id, ()):
                event.set()

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/chat", self.chooser, methods=["GET"]),
            Route("/chat/static/{name}", self.static, methods=["GET"]),
            Route("/chat/{org}", self.page, methods=["GET"]),
            Route("/chat/{org}/messages", self.messages, methods=["GET"]),
            Route("/chat/{org}/events", self.events, methods=["GET"]),
            Route("/chat/{org}/send", self.send_message, methods=["POST"]),
            Route("/chat/{org}/resume", self.resume, methods=["POST"]),
            Route("/chat/{org}/upload", self.upload, methods=["POST"]),
        ]

    def page_paths(self) -> Sequence[str]:
        """Where members open the chat (``serve`` prints it): the chooser, or the one org."""
        return ["/chat"] if len(self.settings.orgs) != 1 else [f"/chat/{self.settings.orgs[0]}"]

    async def run(self, stop: asyncio.Event) -> None:
        """Forget idle sessions now and then (their chats go with the idle-chat purge)."""
        while not stop.is_set():
            idle = self.app.clock() - timedelta(days=self.settings.session_days)
            try:
                forgotten = await self.app.db.run(web_sessions.expire_idle, self.app.db, idle)
            except Exception as error:  # a database away for a moment must not end the sweep
                log.warning("webchat.sweep_failed", error=type(error).__name__)
                forgotten = 0
            if forgotten:
                log.info("webchat.sessions_expired", count=forgotten)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SWEEP_SECONDS)

    async def close(self) -> None:
        for events in self._listeners.values():
            for event in events:
                event.set()

    # ------------------------------------------------------------------ pages

    def _t(self, request: Request) -> Translator:
        return Translator("en" if request.query_params.get("lang") == "en" else "ja")

    def _org(self, request: Request) -> str | None:
        org = str(request.path_params.get("org", ""))
        return org if org in self.settings.orgs and org in self.app.orgs else None

    async def chooser(self, request: Request) -> Response:
        if not self.requests_per_address.allow(client_address(request)):
            return self._refuse(request, 429, ERR_TOO_MANY)
        if len(self.settings.orgs) == 1:
            return RedirectResponse(f"/chat/{self.settings.orgs[0]}", headers=self.headers)
        orgs = [self.app.orgs[o] for o in self.settings.orgs if o in self.app.orgs]
        return HTMLResponse(pages.chooser(orgs, self._t(request)), headers=self.headers)

    async def static(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in STATIC_FILES:
            return Response("not found", status_code=404, headers=self.headers)
        headers = {**self.headers, "Cache-Control": "public, max-age=3600"}
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers=headers)

    async def page(self, request: Request) -> Response:
        address = client_address(request)
        if not self.requests_per_address.allow(address):
            return self._refuse(request, 429, ERR_TOO_MANY)
        org = self._org(request)
        if org is None:
            return Response("not found", status_code=404, headers=self.headers)
        opened = await self._session(request, org)
        if opened is None:
            if not self.sessions_per_address.allow(address):
                return self._refuse(request, 429, ERR_TOO_MANY)
            opened = await self.app.db.run(
                web_sessions.new_session, self.app.db, org, self.app.clock()
            )
            await self._greet(opened, self._t(request))
        elif await self.app.db.run(web_sessions.has_no_chat, self.app.db, opened.chat_id):
            # The chat was forgotten (idle-chat retention) while the browser kept its cookie:
            # greeted again rather than shown an empty page.
            await self._greet(opened, self._t(request), again=True)
        response = HTMLResponse(
            pages.chat_page(self.app.orgs[org], self._t(request), opened.csrf),
            headers=self.headers,
        )
        self._set_cookie(request, response, org, opened)
        return response

    async def _greet(self, opened: Opened, t: Translator, *, again: bool = False) -> None:
        """A new chat starts as a deep link does on Telegram: the org's greeting and menu."""
        key = f"web:{opened.chat_id}:start"
        if again:
            key += f":{int(self.app.clock().timestamp())}"
        inbound = Inbound(
            CHANNEL,
            opened.chat_id,
            key,
            command="start",
            argument=opened.org_id,
            lang=t.lang,
        )
        await self.runner.run(inbound)

    # ------------------------------------------------------------------ the conversation

    async def messages(self, request: Request) -> Response:
        if not self.requests_per_address.allow(client_address(request)):
            return self._refuse(request, 429, ERR_TOO_MANY)
        org = self._org(request)
        opened = await self._session(request, org) if org else None
        if opened is None:
            return self._refuse(request, 401, ERR_SESSION)
        after = _cursor(request.query_params.get("after"))
        db = self.app.db
        if after:
            shown = await db.run(web_sessions.sent_after, db, opened.chat_id, after)
        else:
            shown = await db.run(web_sessions.history, db, opened.chat_id)
        cursor = max([after, *(m.id for m in shown)])
        return JSONResponse(
            {"messages": [asdict(m) for m in shown], "cursor": cursor}, headers=self.headers
        )

    async def events(self, request: Request) -> Response:
        if not self.requests_per_address.allow(client_address(request)):
            return self._refuse(request, 429, ERR_TOO_MANY)
        org = self._org(request)
        opened = await self._session(request, org) if org else None
        if opened is None:
            return self._refuse(request, 401, ERR_SESSION)
        if len(self._listeners.get(opened.chat_id, ())) >= STREAMS_PER_CHAT:
            return self._refuse(request, 429, ERR_TOO_MANY)  # tabs left open, or a flood
        after = _cursor(request.headers.get("last-event-id") or request.query_params.get("after"))
        headers = {**self.headers, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            self._stream(request, opened.chat_id, after),
            headers=headers,
            media_type="text/event-stream",
        )

    async def _stream(self, request: Request, chat_id: str, after: int) -> AsyncIterator[str]:
        """New messages as they are sent; woken by ``send``, and looking every few seconds
        for rows another process sent."""
        event = asyncio.Event()
        self._listeners.setdefault(chat_id, set()).add(event)
        db = self.app.db
        quiet = 0.0
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                event.clear()
                for shown in await db.run(web_sessions.sent_after, db, chat_id, after):
                    after = shown.id
                    quiet = 0.0
                    data = json.dumps(asdict(shown), ensure_ascii=False)
                    yield f"id: {shown.id}\ndata: {data}\n\n"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=POLL_SECONDS)
                quiet += POLL_SECONDS
                if quiet >= KEEPALIVE_SECONDS:
                    quiet = 0.0
                    yield ": still here\n\n"
        finally:
            listeners = self._listeners.get(chat_id, set())
            listeners.discard(event)
            if not listeners:
                self._listeners.pop(chat_id, None)

    async def _member_post(self, request: Request) -> tuple[str, Opened] | Response:
        """The org and session of a member's POST, or the refusal: a flooding address, an
        unknown org, a foreign Origin, no session, no CSRF token, a flooding session; all
        before a byte of the body is read."""
        if not self.requests_per_address.allow(client_address(request)):
            return self._refuse(request, 429, ERR_TOO_MANY)
        org = self._org(request)
        if org is None:
            return Response("not found", status_code=404, headers=self.headers)
        if not origin_allowed(request, self.settings.allowed_origins):
            return self._refuse(request, 403, ERR_BAD)
        opened = await self._session(request, org)
        if opened is None:
            return self._refuse(request, 401, ERR_SESSION)
        if not csrf_ok(request, opened.csrf):
            return self._refuse(request, 403, ERR_BAD)
        if not self.messages_per_session.allow(opened.chat_id):
            return self._refuse(request, 429, ERR_TOO_MANY)
        return org, opened

    async def send_message(self, request: Request) -> Response:
        guarded = await self._member_post(request)
        if isinstance(guarded, Response):
            return guarded
        _org, opened = guarded
        try:
            body = await read_body(request, BODY_LIMIT)
        except BodyRefused as refused:
            message = ERR_TOO_LONG if refused.status == 413 else ERR_BAD
            return self._refuse(request, refused.status, message)
        inbound = _inbound(opened.chat_id, body)
        if inbound is None:
            return self._refuse(request, 400, ERR_BAD)
        outcome = await self.runner.run(inbound)
        if outcome.case_number and not outcome.duplicate:
            await self._give_code(opened, outcome.case_number, self._t(request))
        return JSONResponse({"ok": True, "duplicate": outcome.duplicate}, headers=self.headers)

    async def upload(self, request: Request) -> Response:
        """A file as the raw body (``X-File-Name``: its name, URL-encoded; ``?id=``: the
        page's message id). Read only where the org takes files and only up to its limit;
        the engine checks the type from the bytes and answers in the chat either way."""
        guarded = await self._member_post(request)
        if isinstance(guarded, Response):
            return guarded
        org, opened = guarded
        message_id = request.query_params.get("id", "")
        if not _MESSAGE_ID.fullmatch(message_id):
            return self._refuse(request, 400, ERR_BAD)
        name = unquote(request.headers.get("x-file-name", ""))[:200] or None
        rule = self.app.orgs[org].attachments
        file = ReceivedFile(kind="document", name=name)
        if rule.allowed:  # elsewhere the bytes are never read: the engine explains
            try:
                data = await read_body(request, rule.max_bytes)
                file = replace(file, size=len(data), data=data)
            except BodyRefused as refused:
                if refused.status != 413:
                    return self._refuse(request, refused.status, ERR_BAD)
                file = replace(file, problem="too_large")
        key = f"web:{opened.chat_id}:{message_id}"
        outcome = await self.runner.run(Inbound(CHANNEL, opened.chat_id, key, attachment=file))
        response = JSONResponse({"ok": True, "duplicate": outcome.duplicate}, headers=self.headers)
        if file.problem == "too_large":
            response.headers["Connection"] = "close"  # the rest of the body is not read
        return response

    async def _give_code(self, opened: Opened, case_number: str, t: Translator) -> None:
        db, now = self.app.db, self.app.clock()
        code = await db.run(
            web_sessions.issue_code, db, case_number, opened.chat_id, opened.org_id, now
        )
        shown = f"{code[:4]}-{code[4:]}"
        text = t(CODE_NOTICE, number=case_number, code=shown)
        await db.run(web_sessions.tell, db, opened.chat_id, text, now)
        if self.wakeups is not None:
            self.wakeups.chat(CHANNEL, opened.chat_id)  # the code goes out now, not at a poll

    async def resume(self, request: Request) -> Response:
        address = client_address(request)
        if not self.requests_per_address.allow(address):
            return self._refuse(request, 429, ERR_TOO_MANY)
        org = self._org(request)
        if org is None:
            return Response("not found", status_code=404, headers=self.headers)
        if not origin_allowed(request, self.settings.allowed_origins):
            return self._refuse(request, 403, ERR_BAD)
        opened = await self._session(request, org)
        if opened is None or not csrf_ok(request, opened.csrf):
            return self._refuse(request, 403, ERR_BAD)
        if not self.sessions_per_address.allow(address):
            return self._refuse(request, 429, ERR_TOO_MANY)
        try:
            given = json.loads(await read_body(request, 1024))
        except (BodyRefused, ValueError):
            return self._refuse(request, 400, ERR_BAD)
        if not isinstance(given, dict):
            return self._refuse(request, 400, ERR_BAD)
        number = str(given.get("case_number", "")).strip().upper()[:32]
        code = str(given.get("code", ""))[:32]
        resumed = await self.app.db.run(
            web_sessions.redeem_code, self.app.db, org, number, code, self.app.clock()
        )
        if resumed is None:
            log.info("webchat.resume_refused")
            return self._refuse(request, 403, ERR_CODE)
        response = JSONResponse({"ok": True}, headers=self.headers)
        self._set_cookie(request, response, org, resumed)
        return response

    # ------------------------------------------------------------------ sessions

    async def _session(self, request: Request, org: str) -> Opened | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 128:
            return None
        db = self.app.db
        return await db.run(web_sessions.open_session, db, token, org, self.app.clock())

    def _set_cookie(self, request: Request, response: Response, org: str, opened: Opened) -> None:
        if opened.token is None:
            return
        embedded = bool(self.settings.allowed_origins)
        response.set_cookie(
            COOKIE,
            opened.token,
            max_age=self.settings.session_days * 86400,
            path=f"/chat/{org}",
            httponly=True,
            # Inside another site's iframe the cookie is a third-party one: SameSite=None
            # (which browsers take only with Secure), else Lax.
            samesite="none" if embedded else "lax",
            secure=embedded or request.url.scheme == "https",
        )

    def _refuse(self, request: Request, status: int, message: str) -> Response:
        """A refusal the page can show: a polite sentence in the page's language."""
        return JSONResponse(
            {"ok": False, "error": self._t(request)(message)},
            status_code=status,
            headers={**self.headers, **({"Connection": "close"} if status == 413 else {})},
        )


def _cursor(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


def _inbound(chat_id: str, body: bytes) -> Inbound | None:
    """The member's message from the page's JSON, or ``None`` when it is not one."""
    try:
        given: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(given, dict):
        return None
    message_id = given.get("id")
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        return None
    key = f"web:{chat_id}:{message_id}"
    text, choice, command = given.get("text"), given.get("choice"), given.get("command")
    if isinstance(command, str) and command in _COMMANDS:
        # The page's language switch names the language it switches to (never a toggle that
        # could undo a switch the member typed).
        lang = given.get("lang") if command == "lang" else None
        argument = lang if lang in ("ja", "en") else None
        return Inbound(CHANNEL, chat_id, key, command=command, argument=argument)
    if isinstance(choice, str) and 0 < len(choice) <= 300:
        return Inbound(CHANNEL, chat_id, key, choice=choice)
    if isinstance(text, str):
        return Inbound(CHANNEL, chat_id, key, text=text)
    return None


def web_settings(settings: Settings, app: App) -> WebSettings | None:
    """The web chat's settings when it is on (``WEBCHAT_ENABLED`` or ``[webchat] enabled``)."""
    config = app.deployment.webchat
    if not (settings.webchat_enabled or config.enabled):
        return None
    orgs = [org for org in (config.orgs or list(app.orgs)) if org in app.orgs]
    extra = [o for o in re.split(r"[\s,]+", settings.webchat_allowed_origins) if o]
    days = config.session_days or min(org.retention.idle_chat_days for org in app.orgs.values())
    return WebSettings(orgs, [*config.allowed_origins, *extra], days)


async def start(settings: Settings, app: App, wakeups: Wakeups) -> MemberChannel | None:
    """The web chat when it is on; a turn that fails is given up at once (the page shows
    the desk's 'please send it again', and a resend has a new id)."""
    configured = web_settings(settings, app)
    if configured is None:
        return None
    runner = ChatTurnRunner(app, wakeups, failures=TurnFailures(attempts=1))
    channel = WebChannel(
        app,
        runner,
        configured,
        wakeups=wakeups,
        sessions_per_address=RateLimit(settings.webchat_sessions_per_hour, 3600),
        messages_per_session=RateLimit(settings.webchat_messages_per_minute, 60),
        requests_per_address=RateLimit(settings.webchat_requests_per_minute, 60),
    )
    return as_member_channel(channel)


def as_member_channel(channel: WebChannel) -> MemberChannel:
    """The channel as the seam takes it (mypy checks it keeps ``MemberChannel``'s contract)."""
    return channel
