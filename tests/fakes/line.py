"""A fake LINE Messaging API for end-to-end tests, talked to by the real ``line-bot-sdk``.

Why a real HTTP server: the desk must meet LINE through the SDK's own request building, JSON
(de)serialisation and error raising (``ApiException`` with status, headers and body), which a
mock would skip. Like the Telegram fake, it is standard library only, in threads, with one
``threading.Condition`` over all state, so tests wait on events and never sleep.

The fake plays both of LINE's sides:

* **LINE's servers**, which the desk calls: reply, push (with ``X-Line-Retry-Key``), the
  month's quota and its use, the loading animation, message content (files), rich menus,
  the account's profile and its webhook settings (what ``madoguchi doctor`` asks). Both of LINE's
  hosts (``api.line.me`` and ``api-data.line.me``) are this one server.
* **The members' app and LINE's webhook sender**: :meth:`FakeLine.send_text`,
  :meth:`FakeLine.press`, :meth:`FakeLine.follow` … post events to the desk's webhook, signed
  with the channel secret, and :meth:`FakeLine.redeliver` sends one again with
  ``deliveryContext.isRedelivery``.

Refused as LINE refuses (``platform-limits.md``): a missing or wrong ``Bearer`` token (401);
a reply token used twice, expired (``reply_token_life`` seconds on the fake's clock, which
:meth:`FakeLine.advance` moves) or never issued ("Invalid reply token", 400); zero or more
than five messages, text empty or over 5,000 UTF-16 units, more than 13 quick-reply items, a
label over 20 characters, postback data over 300, display text over 300 (400); a retry key that
is not a UUID (400), or one already accepted (409, with the accepted request's id in
``X-Line-Accepted-Request-Id``); a push over the month's quota (429 "You have reached your
monthly limit."); a push to someone who never added the account (400).

Assumed where LINE publishes no rule: a push to a member who blocked the account is answered
403 (LINE may also accept it and deliver nothing; the desk stops pushing on unfollow either
way), and faults are injected per endpoint with :meth:`FakeLine.fail_next` (429 for the rate,
5xx) or :meth:`FakeLine.drop_answer_next` (the call is carried out, its answer never sent).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import hmac
import http.client
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from tests.fakes.http import QuietServer, RequestHandler, ServedFake

__all__ = ["ApiCall", "Delivery", "FakeLine"]

JSONDict = dict[str, Any]
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DATA = 300
MAX_DISPLAY_TEXT = 300
REPLY_TOKEN_LIFE = 60.0  # LINE: use it within about a minute
RICH_MENU_SIZES = {(2500, 1686), (2500, 843), (1200, 810), (1200, 405), (800, 540), (800, 270)}
MAX_RICH_MENU_IMAGE = 1024 * 1024
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_QUOTA_MESSAGE = "You have reached your monthly limit."
_RATE_MESSAGE = "The API rate limit has been exceeded. Try again later."
_AUTH_MESSAGE = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
_DROP = object()  # the answer that is never sent


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class ApiCall:
    """One call the desk made, as the fake answered it."""

    endpoint: str  # reply, push, quota, loading, content, richmenu.create, …
    body: Any
    headers: dict[str, str]
    status: int
    at: float  # the fake's clock
    answer: Any = None


@dataclass
class Delivery:
    """One webhook request the fake sent: its events' ids, the desk's answer and how long
    it took (LINE wants it within about two seconds)."""

    event_ids: list[str]
    status: int
    seconds: float


@dataclass
class _Fault:
    endpoint: str
    remaining: int
    status: int
    message: str
    drop: bool = False


@dataclass
class _Member:
    user_id: str
    following: bool = True
    blocked: bool = False
    shown: list[JSONDict] = field(default_factory=list)  # messages delivered, in order


class _ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSONDict = {"message": message, **extra}
        self.headers: dict[str, str] = {}


class _Server(QuietServer):
    fake: FakeLine


class _Handler(RequestHandler):
    timeout = 60

    def do_DELETE(self) -> None:
        self.serve()

    def serve(self) -> None:
        fake = cast(_Server, self.server).fake
        try:
            body = self.read_body()
            headers = {key.lower(): value for key, value in self.headers.items()}
            answer = fake._route(self.command, self.path, headers, body)
            if answer is _DROP:
                self.close_connection = True
                self.connection.close()
                return
            status, content_type, extra, payload = cast(
                tuple[int, str, dict[str, str], bytes], answer
            )
            self.answer(status, content_type, payload, extra)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True


class FakeLine(ServedFake):
    """An in-process LINE for one Messaging API channel and its members."""

    server_class = _Server
    handler_class = _Handler

    def __init__(
        self,
        *,
        channel_secret: str = "fake-channel-secret-0123456789ab",
        access_token: str = "fake-channel-access-token",
        bot_user_id: str = "U" + "b0" * 16,
        reply_token_life: float = REPLY_TOKEN_LIFE,
        quota: int | None = None,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.bot_user_id = bot_user_id
        self.reply_token_life = reply_token_life
        self.quota = quota  # pushes a month; None: no limit (a paid plan's overage)
        self.webhook_timeout = webhook_timeout
        self.webhook_url: str | None = None
        # The console's Messaging API tab: "Use webhook" (GET /v2/bot/channel/webhook/endpoint
        # answers it as ``active``), and the account's profile (GET /v2/bot/info).
        self.webhook_active = True
        self.display_name = "窓口テスト"
        self.basic_id = "@123abcde"
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.deliveries: list[Delivery] = []
        self.pushes_this_month = 0
        self.rich_menus: dict[str, JSONDict] = {}
        self.rich_menu_images: dict[str, tuple[str, bytes]] = {}
        self.default_rich_menu: str | None = None
        self._cond = threading.Condition(threading.RLock())
        self._clock_offset = 0.0
        self._ids = itertools.count(1)
        self._members: dict[str, _Member] = {}
        self._events: dict[str, JSONDict] = {}  # webhookEventId -> event as first sent
        self._reply_tokens: dict[str, tuple[str, float, bool]] = {}  # token -> user, at, used
        self._accepted_keys: dict[str, tuple[str, list[JSONDict]]] = {}  # key -> request, sent
        self._content: dict[str, tuple[str, bytes]] = {}  # message id -> type, bytes
        self._faults: list[_Fault] = []

    # ------------------------------------------------------------------ the fake's clock

    def now(self) -> float:
        """Wall-clock seconds plus whatever :meth:`advance` added (reply tokens age on it)."""
        with self._cond:
            return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._clock_offset += seconds

    # ------------------------------------------------------------------ members

    def new_member(self, *, friend: bool = False) -> str:
        """A LINE user id (``U`` and 32 hex digits) for a new member; they have not added the
        account yet (:meth:`follow` does), unless ``friend``: added before the desk's webhook
        was set, so no follow event is sent."""
        user_id = "U" + secrets.token_hex(16)
        with self._cond:
            self._members[user_id] = _Member(user_id, following=friend)
        return user_id

    def block_quietly(self, user_id: str) -> None:
        """The member blocks the account and the desk is not told (no unfollow event, as
        when it was missed): only a refused send shows it."""
        with self._cond:
            member = self._member(user_id)
            member.following, member.blocked = False, True

    def follow(self, user_id: str, *, unblocked: bool = False) -> str:
        """The member adds the account as a friend (or unblocks it): a follow event."""
        with self._cond:
            member = self._member(user_id)
            member.following, member.blocked = True, False
        return self._send(user_id, {"type": "follow", "follow": {"isUnblocked": unblocked}})

    def unfollow(self, user_id: str) -> str:
        """The member blocks the account: an unfollow event, without a reply token."""
        with self._cond:
            member = self._member(user_id)
            member.following, member.blocked = False, True
        return self._send(user_id, {"type": "unfollow"}, reply=False)

    def send_text(self, user_id: str, text: str) -> str:
        return self._send(
            user_id,
            {"type": "message", "message": self._message("text", text=text)},
        )

    def press(self, user_id: str, data: str, *, require_button: bool = True) -> str:
        """The member taps a quick-reply button of the desk's latest message (LINE shows only
        that message's buttons); ``require_button=False`` sends data no button carries."""
        with self._cond:
            buttons = self.buttons(user_id)
        if require_button and data not in [d for _label, d in buttons]:
            raise AssertionError(f"no button {data!r} in the latest message: {buttons!r}")
        return self._send(user_id, {"type": "postback", "postback": {"data": data}})

    def press_rich_menu(self, user_id: str, label: str) -> str:
        """The member taps an area of the default rich menu, by its postback's displayText
        or the data's key (``status`` for ``menu:status``)."""
        with self._cond:
            menu = self.rich_menus.get(self.default_rich_menu or "")
            if menu is None:
                raise AssertionError("no default rich menu is set")
            actions = [area["action"] for area in menu["areas"]]
        action = next(
            (
                a
                for a in actions
                if a.get("data", "").endswith(f":{label}") or a.get("label") == label
            ),
            None,
        )
        if action is None:
            raise AssertionError(f"no rich menu area {label!r}: {actions!r}")
        return self._send(user_id, {"type": "postback", "postback": {"data": action["data"]}})

    def send_image(self, user_id: str, data: bytes, *, mime: str = "image/jpeg") -> str:
        message = self._message("image", contentProvider={"type": "line"})
        with self._cond:
            self._content[message["id"]] = (mime, data)
        return self._send(user_id, {"type": "message", "message": message})

    def send_file(self, user_id: str, data: bytes, *, name: str) -> str:
        message = self._message("file", fileName=name, fileSize=len(data), quote=False)
        with self._cond:
            self._content[message["id"]] = ("application/octet-stream", data)
        return self._send(user_id, {"type": "message", "message": message})

    def send_sticker(self, user_id: str) -> str:
        message = self._message(
            "sticker", packageId="11537", stickerId="52002734", stickerResourceType="STATIC"
        )
        return self._send(user_id, {"type": "message", "message": message})

    def send_location(self, user_id: str) -> str:
        message = self._message(
            "location",
            title="自宅",
            address="東京都",
            latitude=35.68,
            longitude=139.76,
            quote=False,
        )
        return self._send(user_id, {"type": "message", "message": message})

    def send_video(self, user_id: str) -> str:
        message = self._message("video", duration=3000, contentProvider={"type": "line"})
        return self._send(user_id, {"type": "message", "message": message})

    def send_audio(self, user_id: str) -> str:
        message = self._message(
            "audio", duration=3000, contentProvider={"type": "line"}, quote=False
        )
        return self._send(user_id, {"type": "message", "message": message})

    def send_event(self, user_id: str, event: JSONDict, *, reply: bool = True) -> str:
        """Any event (an unknown type, a group's message): the common fields are added."""
        return self._send(user_id, event, reply=reply)

    def event(self, event_id: str) -> JSONDict:
        """An event the fake sent, as it was first sent."""
        with self._cond:
            return copy.deepcopy(self._events[event_id])

    def redeliver(self, event_id: str) -> int:
        """LINE's redelivery of an event the desk was sent before: the same
        ``webhookEventId`` and body, ``deliveryContext.isRedelivery`` true."""
        with self._cond:
            event = copy.deepcopy(self._events[event_id])
        event["deliveryContext"] = {"isRedelivery": True}
        return self.deliver([event])

    def _member(self, user_id: str) -> _Member:
        member = self._members.get(user_id)
        if member is None:
            member = self._members[user_id] = _Member(user_id, following=False)
        return member

    def _message(self, kind: str, *, quote: bool = True, **fields: Any) -> JSONDict:
        message: JSONDict = {"id": str(468_789_577_898_262_530 + next(self._ids)), "type": kind}
        if quote:
            message["quoteToken"] = secrets.token_urlsafe(24)
        message.update(fields)
        return message

    def _send(self, user_id: str, content: JSONDict, *, reply: bool = True) -> str:
        """One event from the member, delivered now; returns its webhookEventId."""
        with self._cond:
            member = self._member(user_id)
            if content.get("type") not in ("follow", "unfollow") and not member.following:
                member.following = True  # writing to the account means having added it
            event_id = _ulid(next(self._ids))
            event: JSONDict = {
                **content,
                "webhookEventId": event_id,
                "deliveryContext": {"isRedelivery": False},
                "timestamp": int(self.now() * 1000),
                "source": {"type": "user", "userId": user_id},
                "mode": "active",
            }
            if reply:
                token = secrets.token_hex(16)
                event["replyToken"] = token
                self._reply_tokens[token] = (user_id, self.now(), False)
            self._events[event_id] = copy.deepcopy(event)
        status = self.deliver([event])
        if not 200 <= status < 300:
            raise AssertionError(f"the desk answered the webhook with {status}")
        return event_id

    # ------------------------------------------------------------------ webhook sending

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.channel_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def deliver(self, events: list[JSONDict]) -> int:
        """POST a webhook request with these events, signed; the desk's HTTP status."""
        body = json.dumps({"destination": self.bot_user_id, "events": events}).encode()
        status = self.post_raw(body, signature=self.sign(body))
        return status

    def post_raw(
        self,
        body: bytes,
        *,
        signature: str | None,
        headers: dict[str, str] | None = None,
    ) -> int:
        """POST any bytes to the webhook (forged, unsigned, oversized requests)."""
        if self.webhook_url is None:
            raise AssertionError("no webhook URL is set on the fake")
        parts = urlsplit(self.webhook_url)
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=self.webhook_timeout
        )
        sent = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "LineBotWebhook/2.0",
            **({"X-Line-Signature": signature} if signature is not None else {}),
            **(headers or {}),
        }
        if "Content-Length" not in sent and "Transfer-Encoding" not in sent:
            sent["Content-Length"] = str(len(body))
        began = time.monotonic()
        try:
            connection.putrequest("POST", parts.path or "/", skip_accept_encoding=True)
            for key, value in sent.items():
                connection.putheader(key, value)
            connection.endheaders()
            # The desk may answer (413) before taking the whole body: its answer still counts.
            with contextlib.suppress(OSError):
                connection.send(body)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        ids = []
        with contextlib.suppress(ValueError, AttributeError, TypeError, RecursionError):
            ids = [e.get("webhookEventId", "") for e in json.loads(body).get("events", [])]
        with self._cond:
            self.deliveries.append(Delivery(ids, status, time.monotonic() - began))
            self._cond.notify_all()
        return status

    # ------------------------------------------------------------------ faults

    def fail_next(
        self, endpoint: str, times: int = 1, *, status: int = 500, message: str | None = None
    ) -> None:
        """The next ``times`` calls of ``endpoint`` (reply, push, content, loading, quota)
        fail with ``status``; 429 says the rate is exceeded unless ``message`` says more."""
        text = message or (_RATE_MESSAGE if status == 429 else "Internal server error")
        with self._cond:
            self._faults.append(_Fault(endpoint, times, status, text))

    def drop_answer_next(self, endpoint: str, times: int = 1) -> None:
        """The next calls of ``endpoint`` are carried out, but their answers are lost (the
        connection closes): the case a retry key exists for."""
        with self._cond:
            self._faults.append(_Fault(endpoint, times, 200, "", drop=True))

    def _take_fault(self, endpoint: str) -> _Fault | None:
        for fault in self._faults:
            if fault.endpoint == endpoint and fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None

    # ------------------------------------------------------------------ what the desk did

    def calls_to(self, endpoint: str) -> list[ApiCall]:
        with self._cond:
            return [call for call in self.calls if call.endpoint == endpoint]

    def accepted(self, endpoint: str, user_id: str | None = None) -> list[ApiCall]:
        """Reply or push calls LINE accepted (to ``user_id``, if given)."""
        with self._cond:
            return [
                call
                for call in self.calls
                if call.endpoint == endpoint
                and call.status == 200
                and (user_id is None or self._recipient(call) == user_id)
            ]

    def recipient(self, call: ApiCall) -> str | None:
        """Whom a reply or push call was for (a reply names only its token)."""
        with self._cond:
            return self._recipient(call)

    def _recipient(self, call: ApiCall) -> str | None:
        if call.endpoint == "push":
            return cast(str | None, call.body.get("to"))
        token = call.body.get("replyToken")
        entry = self._reply_tokens.get(token)
        return entry[0] if entry else None

    def shown(self, user_id: str) -> list[JSONDict]:
        """Every message the member's app shows, in order (replies and pushes)."""
        with self._cond:
            return copy.deepcopy(self._member(user_id).shown)

    def texts(self, user_id: str) -> list[str]:
        return [str(m.get("text", "")) for m in self.shown(user_id)]

    def buttons(self, user_id: str) -> list[tuple[str, str]]:
        """(label, data) of the quick replies the member sees now: the latest message's."""
        shown = self.shown(user_id)
        if not shown:
            return []
        items = shown[-1].get("quickReply", {}).get("items", [])
        return [(i["action"].get("label", ""), i["action"].get("data", "")) for i in items]

    def summary(self, last: int = 20) -> str:
        with self._cond:
            lines = [f"deliveries: {[(d.event_ids, d.status) for d in self.deliveries[-5:]]}"]
            for call in self.calls[-last:]:
                shown = json.dumps(call.body, ensure_ascii=False)[:160]
                lines.append(f"  {call.endpoint} [{call.status}] {shown}")
            return "\n".join(lines)

    # ------------------------------------------------------------------ HTTP routing

    def _route(self, verb: str, raw_path: str, headers: dict[str, str], body: bytes) -> Any:
        path = urlsplit(raw_path).path
        endpoint, handler, argument = self._endpoint(verb, path)
        with self._cond:
            call = ApiCall(endpoint, None, _kept_headers(headers), 0, self.now())
            try:
                if headers.get("authorization") != f"Bearer {self.access_token}":
                    raise _ApiError(401, _AUTH_MESSAGE)
                call.body = _json_body(body, headers) if handler is not None else None
                if handler is None:
                    raise _ApiError(404, "Not found")
                fault = self._take_fault(endpoint)
                if fault is not None and not fault.drop:
                    raise _ApiError(fault.status, fault.message)
                status, content_type, extra, payload, answer = handler(
                    call, headers, body, argument
                )
                call.status, call.answer = status, answer
                if fault is not None and fault.drop:
                    return _DROP
                return status, content_type, extra, payload
            except _ApiError as error:
                call.status, call.answer = error.status, error.body
                return error.status, "application/json", error.headers, _json(error.body)
            finally:
                self.calls.append(call)
                self._cond.notify_all()

    def _endpoint(self, verb: str, path: str) -> tuple[str, Any, str | None]:
        routes: list[tuple[str, str, str, Any]] = [
            ("POST", r"/v2/bot/message/reply", "reply", self._reply),
            ("POST", r"/v2/bot/message/push", "push", self._push),
            ("GET", r"/v2/bot/info", "info", self._bot_info),
            ("GET", r"/v2/bot/channel/webhook/endpoint", "webhook.endpoint", self._endpoint_info),
            ("GET", r"/v2/bot/message/quota", "quota", self._get_quota),
            ("GET", r"/v2/bot/message/quota/consumption", "consumption", self._consumption),
            ("POST", r"/v2/bot/chat/loading/start", "loading", self._loading),
            ("GET", r"/v2/bot/message/([0-9]+)/content", "content", self._get_content),
            ("POST", r"/v2/bot/richmenu", "richmenu.create", self._create_menu),
            ("GET", r"/v2/bot/richmenu/list", "richmenu.list", self._list_menus),
            ("POST", r"/v2/bot/richmenu/([^/]+)/content", "richmenu.image", self._menu_image),
            ("DELETE", r"/v2/bot/richmenu/([^/]+)", "richmenu.delete", self._delete_menu),
            ("POST", r"/v2/bot/user/all/richmenu/([^/]+)", "richmenu.default", self._set_default),
            ("GET", r"/v2/bot/user/all/richmenu", "richmenu.get_default", self._get_default),
        ]
        for method, pattern, name, handler in routes:
            found = re.fullmatch(pattern, path)
            if verb == method and found:
                return name, handler, found.group(1) if found.groups() else None
        return path, None, None

    # ------------------------------------------------------------------ messages

    def _reply(self, call: ApiCall, headers: dict[str, str], body: bytes, _: Any) -> Any:
        request = _object(call.body)
        token = request.get("replyToken")
        messages = _checked_messages(request.get("messages"))
        entry = self._reply_tokens.get(token) if isinstance(token, str) else None
        if entry is None or entry[2] or self.now() - entry[1] > self.reply_token_life:
            raise _ApiError(400, "Invalid reply token")
        user_id, at, _used = entry
        self._reply_tokens[token] = (user_id, at, True)
        member = self._member(user_id)
        if member.blocked:
            raise _ApiError(403, "The user blocked the account.")  # assumed, see docstring
        member.shown.extend(copy.deepcopy(messages))
        return self._ok({"sentMessages": _sent(messages)})

    def _push(self, call: ApiCall, headers: dict[str, str], body: bytes, _: Any) -> Any:
        request = _object(call.body)
        key = headers.get("x-line-retry-key")
        if key is not None:
            if not _UUID.fullmatch(key):
                raise _ApiError(400, "The retry key must be a UUID.")
            if key in self._accepted_keys:
                request_id, sent = self._accepted_keys[key]
                error = _ApiError(409, "The retry key is already accepted", sentMessages=sent)
                error.headers = {"X-Line-Accepted-Request-Id": request_id}
                raise error
        to = request.get("to")
        messages = _checked_messages(request.get("messages"))
        member = self._members.get(to) if isinstance(to, str) else None
        if member is None or (not member.following and not member.blocked):
            raise _ApiError(400, "Failed to send messages")
        if member.blocked:
            raise _ApiError(403, "The user blocked the account.")  # assumed, see docstring
        if self.quota is not None and self.pushes_this_month >= self.quota:
            raise _ApiError(429, _QUOTA_MESSAGE)
        self.pushes_this_month += 1  # one per recipient, however many messages
        member.shown.extend(copy.deepcopy(messages))
        sent = _sent(messages)
        request_id = str(uuid.uuid4())
        if key is not None:
            self._accepted_keys[key] = (request_id, sent)
        return self._ok({"sentMessages": sent}, {"X-Line-Request-Id": request_id})

    # ------------------------------------------------------------------ the channel itself

    def _bot_info(self, *_: Any) -> Any:
        """``GET /v2/bot/info``: the account's ids and name, and whether its chat is on (the
        console's "Chat" setting: ``bot`` when off, as the desk wants it)."""
        return self._ok(
            {
                "userId": self.bot_user_id,
                "basicId": self.basic_id,
                "displayName": self.display_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )

    def _endpoint_info(self, *_: Any) -> Any:
        """``GET /v2/bot/channel/webhook/endpoint``: the Webhook URL set in the console ("" when
        none is) and whether "Use webhook" is on."""
        return self._ok({"endpoint": self.webhook_url or "", "active": self.webhook_active})

    def _get_quota(self, *_: Any) -> Any:
        if self.quota is None:
            return self._ok({"type": "none"})
        return self._ok({"type": "limited", "value": self.quota})

    def _consumption(self, *_: Any) -> Any:
        return self._ok({"totalUsage": self.pushes_this_month})

    def _loading(self, call: ApiCall, *_: Any) -> Any:
        request = _object(call.body)
        seconds = request.get("loadingSeconds", 20)
        if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
            raise _ApiError(400, "The property, 'loadingSeconds', must be 5 to 60 by fives")
        if request.get("chatId") not in self._members:
            raise _ApiError(400, "The property, 'chatId', in the request body is invalid")
        return 202, "application/json", {}, b"{}", {}

    def _get_content(self, _call: ApiCall, _h: Any, _b: Any, message_id: str) -> Any:
        stored = self._content.get(message_id)
        if stored is None:
            raise _ApiError(404, "Not found")
        mime, data = stored
        return 200, mime, {}, data, {"size": len(data)}

    # ------------------------------------------------------------------ rich menus

    def _create_menu(self, call: ApiCall, *_: Any) -> Any:
        menu = _object(call.body)
        size = menu.get("size") or {}
        width, height = size.get("width"), size.get("height")
        if (width, height) not in RICH_MENU_SIZES:
            raise _ApiError(400, "The property, 'size', is invalid")
        if not isinstance(menu.get("selected"), bool):
            raise _ApiError(400, "The property, 'selected', must be specified")
        name, bar = menu.get("name"), menu.get("chatBarText")
        if not isinstance(name, str) or not 1 <= len(name) <= 300:
            raise _ApiError(400, "The property, 'name', must be 1 to 300 characters")
        if not isinstance(bar, str) or not 1 <= len(bar) <= 14:
            raise _ApiError(400, "The property, 'chatBarText', must be 1 to 14 characters")
        areas = menu.get("areas")
        if not isinstance(areas, list) or not 1 <= len(areas) <= 20:
            raise _ApiError(400, "The property, 'areas', must have 1 to 20 items")
        for area in areas:
            bounds = area.get("bounds") or {}
            x, y = bounds.get("x", -1), bounds.get("y", -1)
            w, h = bounds.get("width", 0), bounds.get("height", 0)
            if x < 0 or y < 0 or w < 1 or h < 1 or x + w > width or y + h > height:
                raise _ApiError(400, "An area's bounds are outside the rich menu")
            _checked_action(area.get("action"))
        menu_id = f"richmenu-{secrets.token_hex(16)}"
        self.rich_menus[menu_id] = {**copy.deepcopy(menu), "richMenuId": menu_id}
        return self._ok({"richMenuId": menu_id})

    def _list_menus(self, *_: Any) -> Any:
        return self._ok({"richmenus": copy.deepcopy(list(self.rich_menus.values()))})

    def _menu_image(self, call: ApiCall, headers: dict[str, str], body: bytes, menu: str) -> Any:
        if menu not in self.rich_menus:
            raise _ApiError(404, "Not found")
        mime = headers.get("content-type", "")
        if mime not in ("image/png", "image/jpeg"):
            raise _ApiError(400, "The image must be JPEG or PNG")
        if len(body) > MAX_RICH_MENU_IMAGE:
            raise _ApiError(400, "The image must be 1 MB or smaller")
        if menu in self.rich_menu_images:
            raise _ApiError(400, "An image has already been uploaded to the richmenu")
        self.rich_menu_images[menu] = (mime, body)
        return self._ok({})

    def _delete_menu(self, _c: ApiCall, _h: Any, _b: Any, menu: str) -> Any:
        if self.rich_menus.pop(menu, None) is None:
            raise _ApiError(404, "Not found")
        self.rich_menu_images.pop(menu, None)
        if self.default_rich_menu == menu:
            self.default_rich_menu = None
        return self._ok({})

    def _set_default(self, _c: ApiCall, _h: Any, _b: Any, menu: str) -> Any:
        if menu not in self.rich_menus:
            raise _ApiError(404, "Not found")
        if menu not in self.rich_menu_images:
            raise _ApiError(400, "An image must be uploaded to the richmenu first")
        self.default_rich_menu = menu
        return self._ok({})

    def _get_default(self, *_: Any) -> Any:
        if self.default_rich_menu is None:
            raise _ApiError(404, "no default richmenu")
        return self._ok({"richMenuId": self.default_rich_menu})

    @staticmethod
    def _ok(payload: JSONDict, headers: dict[str, str] | None = None) -> Any:
        return 200, "application/json", headers or {}, _json(payload), payload


def _ulid(number: int) -> str:
    """A webhookEventId: 26 characters of Crockford's base 32, unique in this run."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (int(time.time() * 1000) << 80) | (number << 40) | secrets.randbits(40)
    return "".join(alphabet[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _kept_headers(headers: dict[str, str]) -> dict[str, str]:
    kept = ("x-line-retry-key", "content-type")
    return {key: value for key, value in headers.items() if key in kept}


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _json_body(body: bytes, headers: dict[str, str]) -> Any:
    if not body or not headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        return json.loads(body)
    except ValueError as error:
        raise _ApiError(400, "The request body has 1 error(s)") from error


def _object(value: Any) -> JSONDict:
    if not isinstance(value, dict):
        raise _ApiError(400, "The request body has 1 error(s)")
    return value


def _sent(messages: list[JSONDict]) -> list[JSONDict]:
    return [{"id": str(uuid.uuid4().int >> 64), "quoteToken": secrets.token_urlsafe(12)}]


def _checked_messages(messages: Any) -> list[JSONDict]:
    """The messages of a reply or push, refused where LINE refuses them."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        raise _ApiError(400, "The property, 'messages', must have 1 to 5 items")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("type") != "text":
            raise _ApiError(400, f"The property, 'messages[{index}].type', is invalid")
        text = message.get("text")
        if not isinstance(text, str) or not text:
            raise _ApiError(400, f"The property, 'messages[{index}].text', must be specified")
        if _utf16(text) > MAX_TEXT:
            raise _ApiError(400, f"Length must be between 0 and 5000: messages[{index}].text")
        quick = message.get("quickReply")
        if quick is None:
            continue
        items = quick.get("items") if isinstance(quick, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLIES:
            raise _ApiError(400, "Size must be between 1 and 13: quickReply.items")
        for item in items:
            if not isinstance(item, dict) or item.get("type") != "action":
                raise _ApiError(400, "The property, 'quickReply.items[].type', is invalid")
            _checked_action(item.get("action"))
    return messages


def _checked_action(action: Any) -> None:
    if not isinstance(action, dict):
        raise _ApiError(400, "An action must be specified")
    label = action.get("label")
    if not isinstance(label, str) or not 1 <= len(label) <= MAX_LABEL:
        raise _ApiError(400, "Length must be between 1 and 20: action.label")
    if action.get("type") == "postback":
        data = action.get("data")
        if not isinstance(data, str) or len(data) > MAX_DATA:
            raise _ApiError(400, "Length must be between 0 and 300: action.data")
        shown = action.get("displayText")
        if shown is not None and (not isinstance(shown, str) or not 1 <= len(shown) <= 300):
            raise _ApiError(400, "Length must be between 1 and 300: action.displayText")
    elif action.get("type") == "message":
        text = action.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_DISPLAY_TEXT:
            raise _ApiError(400, "Length must be between 1 and 300: action.text")
    else:
        raise _ApiError(400, "The property, 'action.type', is invalid")
