"""A fake Slack Web API server, and a sender of signed Slack requests, for end-to-end tests.

Why a real HTTP server and not a mocked ``WebClient``: the staff side should reach Slack through
the *real* slack_sdk / slack_bolt stack - its request encoding, its ``SlackApiError`` mapping, its
retry handlers and Bolt's request verification.  Mocks skip exactly the layers where production
bugs hide.  Point a client at it with ``WebClient(token, base_url=fake.api_url)``.

Why only the standard library, in threads: the server must keep answering while the code under
test blocks or runs its own asyncio loop.  ``ThreadingHTTPServer`` serves each connection in its
own thread and one ``threading.Condition`` (over an ``RLock``) guards all state, so ``wait_for``
wakes on recorded calls instead of sleeping.

How slack_sdk 3.x talks to the Web API (what this fake has to understand):

* ``WebClient`` (urllib) always POSTs to ``{base_url}{method}`` with ``Authorization: Bearer``.
  Methods that take blocks or views (``chat.postMessage``, ``chat.update``,
  ``chat.postEphemeral``, ``views.*``) send ``application/json``; the others (``auth.test``,
  ``users.info``, ``files.*``, ``conversations.info`` ...) send
  ``application/x-www-form-urlencoded``, with bools as "1"/"0" and structured values such as
  ``files`` of ``files.completeUploadExternal`` JSON-encoded *inside* the form value.  A call
  without arguments (``auth.test``) has an empty body labelled as JSON.
* ``AsyncWebClient`` (aiohttp) sends the same JSON bodies, but the form-style methods travel as a
  *query string* (``users.info`` & co. even as ``GET``) with an empty body.
* ``files_upload_v2`` uploads the bytes to the ``upload_url`` as a raw POST body: urllib labels it
  ``application/x-www-form-urlencoded`` (its default), aiohttp ``application/octet-stream``.  The
  answer must be ``text/plain`` ("OK - <length>"), which aiohttp reads as text.
* Errors: ``SlackApiError`` is raised for any non-200 status *or* ``"ok": false``; the retry
  handlers look at the status (429 + ``Retry-After``, 5xx) only.

Deliberate simplifications, all documented where they apply: by default any channel id is
accepted and remembered on first use (``strict_channels=True`` demands :meth:`add_channel`);
messages that members write through :class:`SlackSender` are not stored as channel history.

Socket Mode (what slack_sdk's ``SocketModeClient`` and Bolt's ``AsyncSocketModeHandler`` expect):

* ``apps.connections.open`` takes the *app-level* token (``xapp-``, :attr:`app_token`) as
  ``Authorization: Bearer``; the bot token is refused with ``not_allowed_token_type``.  It answers
  a ``ws://127.0.0.1:PORT/link/?ticket=...`` URL on a WebSocket server (aiohttp, in its own thread
  and event loop) that starts with the first such call and stops with the fake.
* On connect the server sends ``hello``; it answers the client's pings (``sdk-ping-pong:<t>``)
  with a pong carrying the same data, which the SDK uses to detect a stale connection.
* Envelopes (``events_api``, ``interactive``, ``slash_commands``) go to the newest connection
  (:meth:`FakeSlackApi.socket_send`); the app acks with ``{"envelope_id", "payload"?}``
  (:meth:`FakeSlackApi.wait_for_socket_ack`).  A view_submission's ack moves the modal stack just
  like the HTTP answer does.  :class:`SocketSender` is a :class:`SlackSender` over the socket.
* A ``disconnect`` message (:meth:`FakeSlackApi.socket_disconnect`) makes the SDK fetch a new URL
  and reconnect.  Simplifications: tickets stay valid (Slack's are single-use), the server never
  disconnects on its own and sends no pings of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict, cast
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from aiohttp import WSCloseCode, WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View as SdkView
from typing_extensions import Unpack

from tests.fakes.http import FilePart, QuietServer, RequestHandler, ServedFake, parse_multipart
from tests.fakes.rates import most_in_window

__all__ = [
    "Call",
    "Ephemeral",
    "FakeSlackApi",
    "LiveMarkup",
    "Message",
    "MessageEdit",
    "MultipartFile",
    "OpenedView",
    "Outgoing",
    "SendOptions",
    "SlackReply",
    "SlackSender",
    "SocketAck",
    "SocketConnection",
    "SocketEnvelope",
    "SocketSender",
    "UploadedFile",
    "checkboxes",
    "datepicker",
    "live_markup_in",
    "live_markup_in_payload",
    "plain_text",
    "radio_buttons",
    "slack_would_refuse",
    "static_select",
]

JSONDict = dict[str, Any]

# Parameters slack_sdk (or a hand-written form post) may send as a JSON string.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "user_auth_blocks", "unfurls"}
)
_MAX_TEXT = 40_000
_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100
_MAX_VIEW_TITLE = 24
_MAX_PRIVATE_METADATA = 3000


# ---------------------------------------------------------------------- records


@dataclass
class Call:
    """One request as the fake answered it.

    ``params`` are decoded to Python values whatever the wire format (``blocks`` and ``view`` are
    lists/dicts even when sent as a JSON string in a form).  ``at`` is ``time.monotonic()`` when
    the request arrived, to check back-off and per-channel pacing.  ``status`` is the HTTP status;
    a Slack error at HTTP 200 shows in :attr:`error`.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    response: JSONDict
    path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error", f"http_{self.status}"))


@dataclass
class MessageEdit:
    """An earlier version of a message, kept so tests can see what a status card used to say."""

    text: str
    blocks: list[JSONDict]
    at: float


@dataclass
class Message:
    """A message the bot posted, as it stands now (``edits`` holds the older versions)."""

    channel: str
    ts: str
    text: str
    blocks: list[JSONDict]
    thread_ts: str | None
    user: str
    bot_id: str
    posted_at: float
    via: str = "chat.postMessage"
    attachments: list[JSONDict] = field(default_factory=list)
    metadata: JSONDict | None = None
    files: list[str] = field(default_factory=list)
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False
    reply_broadcast: bool = False

    def to_slack(self) -> JSONDict:
        """The message object as Slack puts it into API answers and interaction payloads."""
        body: JSONDict = {
            "type": "message",
            "user": self.user,
            "bot_id": self.bot_id,
            "text": self.text,
            "ts": self.ts,
            "blocks": copy.deepcopy(self.blocks),
        }
        if self.thread_ts is not None:
            body["thread_ts"] = self.thread_ts
        if self.attachments:
            body["attachments"] = copy.deepcopy(self.attachments)
        if self.metadata is not None:
            body["metadata"] = copy.deepcopy(self.metadata)
        if self.edits:
            body["edited"] = {"user": self.user, "ts": self.ts}
        return body


@dataclass
class Ephemeral:
    """A message only ``user`` sees (``chat.postEphemeral`` or an ephemeral response_url post)."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSONDict]
    thread_ts: str | None
    via: str


@dataclass
class OpenedView:
    """A modal the bot opened (``views.open``) or stacked (``views.push``)."""

    method: str
    view_id: str
    user: str
    trigger_id: str
    view: JSONDict
    at: float


@dataclass
class UploadedFile:
    """A file uploaded through the v2 flow and completed with ``files.completeUploadExternal``.

    ``length`` is what the bot declared in ``files.getUploadURLExternal``; ``data`` what it sent.
    """

    file_id: str
    filename: str
    title: str
    length: int
    data: bytes
    channels: list[str]
    thread_ts: str | None
    initial_comment: str | None
    alt_txt: str | None = None
    snippet_type: str | None = None
    message_ts: str | None = None

    @property
    def channel(self) -> str | None:
        return self.channels[0] if self.channels else None


MultipartFile = FilePart  # a file part of a multipart request


@dataclass
class SocketConnection:
    """One Socket Mode WebSocket connection the app opened (``closed_at`` once it is gone).

    ``pings`` counts the pings the client sent (each was answered with a pong).
    """

    connection_id: str
    ticket: str
    opened_at: float
    closed_at: float | None = None
    pings: int = 0

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass
class SocketEnvelope:
    """An envelope the fake pushed to the app over a Socket Mode connection."""

    envelope_id: str
    type: str
    payload: JSONDict
    accepts_response_payload: bool
    connection_id: str
    at: float


@dataclass
class SocketAck:
    """What the app sent back for an envelope: ``message`` is the whole JSON object as received
    (``{"envelope_id": ...}`` plus ``"payload"`` when the ack carried one)."""

    envelope_id: str
    payload: JSONDict | None
    message: JSONDict
    connection_id: str
    at: float


# ---------------------------------------------------------------------- internals


@dataclass
class _Failure:
    method: str
    remaining: int
    status: int
    retry_after: int
    error: str
    channel: str | None


@dataclass
class _Delay:
    method: str
    remaining: int
    seconds: float
    channel: str | None


@dataclass
class _Trigger:
    user: str
    issued_at: float
    used: bool = False


@dataclass
class _ResponseTarget:
    channel: str | None
    user: str | None
    message_ts: str | None
    uses: int = 0


@dataclass
class _PendingUpload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    snippet_type: str | None
    data: bytes | None = None


class _SlackError(Exception):
    """Control flow: a method handler decided to answer with a Slack error."""

    def __init__(self, error: str, *, status: int = 200, messages: list[str] | None = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.messages = messages or []


def _invalid(error: str, message: str) -> _SlackError:
    return _SlackError(error, messages=[f"[ERROR] {message}"])


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable values stay strings: the handler answers invalid_blocks_format & co.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Any]]:
    try:
        fields, files = parse_multipart(body, content_type)
    except ValueError as error:
        raise _SlackError("invalid_form_data") from error
    return fields, dict(files)


def _parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Decode a Web API request: query string, JSON, multipart or urlencoded form."""
    params: dict[str, Any] = {
        key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()
    }
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body.strip():
        if media_type == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise _SlackError("invalid_json") from exc
            if not isinstance(decoded, dict):
                raise _SlackError("invalid_json")
            params.update(decoded)
        elif media_type == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            params.update(fields)
            params.update(files)
        else:
            text = body.decode("utf-8", "replace")
            for key, values in parse_qs(text, keep_blank_values=True).items():
                params[key] = values[-1]
    return _decode_json_fields(params)


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _check_element(element: Any, where: str) -> None:
    if not isinstance(element, dict) or "type" not in element:
        raise _invalid("invalid_blocks", f"missing required field: type [json-pointer:{where}]")
    if len(str(element.get("action_id", ""))) > 255:
        raise _invalid("invalid_blocks", f"must be less than 256 characters [{where}/action_id]")
    if element["type"] == "button":
        if not 1 <= len(_text_of(element.get("text"))) <= 75:
            raise _invalid("invalid_blocks", f"must be 1-75 characters [{where}/text]")
        if len(str(element.get("value", ""))) > 2000:
            raise _invalid("invalid_blocks", f"must be less than 2001 characters [{where}/value]")


def _check_blocks(raw: Any, limit: int) -> list[JSONDict]:
    """The Block Kit limits Slack enforces and a Japanese-language bot runs into first
    (section text 3000, header 150, button 75 characters; unique ``block_id``)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raise _invalid("invalid_blocks_format", "blocks must be a JSON array")
    if not isinstance(raw, list):
        raise _invalid("invalid_blocks_format", "blocks must be an array")
    if len(raw) > limit:
        raise _invalid("invalid_blocks", f"no more than {limit} items allowed [json-pointer:/]")
    seen: set[str] = set()
    for index, block in enumerate(raw):
        where = f"/blocks/{index}"
        if not isinstance(block, dict) or "type" not in block:
            raise _invalid("invalid_blocks", f"missing required field: type [{where}]")
        block_id = block.get("block_id")
        if block_id is not None:
            if str(block_id) in seen:
                raise _invalid("invalid_blocks", f"duplicate block_id [{where}/block_id]")
            if len(str(block_id)) > 255:
                raise _invalid("invalid_blocks", f"must be less than 256 characters [{where}]")
            seen.add(str(block_id))
        kind = block["type"]
        if kind == "section":
            if len(_text_of(block.get("text"))) > 3000:
                raise _invalid("invalid_blocks", f"must be less than 3001 characters [{where}]")
            fields = block.get("fields") or []
            if len(fields) > 10 or any(len(_text_of(f)) > 2000 for f in fields):
                raise _invalid("invalid_blocks", f"fields: at most 10 of 2000 chars [{where}]")
            if "accessory" in block:
                _check_element(block["accessory"], f"{where}/accessory")
        elif kind == "header" and len(_text_of(block.get("text"))) > 150:
            raise _invalid("invalid_blocks", f"must be less than 151 characters [{where}/text]")
        elif kind == "actions":
            for number, element in enumerate(block.get("elements") or []):
                _check_element(element, f"{where}/elements/{number}")
        elif kind == "input":
            _check_element(block.get("element"), f"{where}/element")
    _sdk_check_blocks(raw, "invalid_blocks")
    return copy.deepcopy(raw)


# ---------------------------------------------------------------------- as strict as Slack
#
# Every ``blocks`` and ``view`` payload goes through slack_sdk's own Block Kit models (their
# ``to_dict()`` runs every validator, nested ones too), plus the few limits Slack enforces that
# the models leave out. And, where a test asks, member text must not arrive as live markup.

_MAX_TEXT_OBJECT = 3000
_MAX_OPTION_TEXT = 75
_MAX_OPTION_VALUE = 150
_MAX_OPTIONS = 100
_MAX_INPUT_LENGTH = 3000
_MAX_MESSAGE_BLOCK_TEXT = 12_000
# A raw <…> pair is a Slack control sequence (mention, broadcast, channel, link); escaped text
# has none. Bare @channel/@here/@everyone are parsed only in mrkdwn that is not verbatim.
_CONTROL_SEQUENCE = re.compile(r"<([^<>]*)>")
_BARE_BROADCAST = re.compile(r"(?<![\w&;])@(channel|here|everyone)\b")


def _sdk_check_blocks(raw: list[Any], error: str) -> None:
    """Parse and validate each block with slack_sdk's models, as Slack's schema would."""
    for index, block in enumerate(raw):
        where = f"/blocks/{index}"
        try:
            parsed = SdkBlock.parse(block)
            if parsed is None:
                raise _invalid(error, f"unsupported block type [json-pointer:{where}/type]")
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            raise _invalid(error, f"{exc} [json-pointer:{where}]") from exc
        _check_limits_sdk_leaves_out(block, where, error)


def _check_limits_sdk_leaves_out(node: Any, where: str, error: str) -> None:
    """Text objects 1-3000 characters; option text 75, value 150, at most 100 options;
    ``plain_text_input`` ``max_length`` at most 3000."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _check_limits_sdk_leaves_out(item, f"{where}/{index}", error)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("mrkdwn", "plain_text"):
        if not 1 <= len(str(node.get("text", ""))) <= _MAX_TEXT_OBJECT:
            raise _invalid(error, f"must be 1-{_MAX_TEXT_OBJECT} characters [{where}/text]")
        return
    if kind == "plain_text_input" and int(node.get("max_length") or 0) > _MAX_INPUT_LENGTH:
        raise _invalid(error, f"must be at most {_MAX_INPUT_LENGTH} [{where}/max_length]")
    options = node.get("options")
    if isinstance(options, list):
        if len(options) > _MAX_OPTIONS:
            raise _invalid(error, f"no more than {_MAX_OPTIONS} items allowed [{where}/options]")
        for index, option in enumerate(options):
            if not isinstance(option, dict):
                continue
            if len(_text_of(option.get("text"))) > _MAX_OPTION_TEXT:
                raise _invalid(error, f"must be at most 75 characters [{where}/options/{index}]")
            if len(str(option.get("value", ""))) > _MAX_OPTION_VALUE:
                raise _invalid(error, f"must be at most 150 characters [{where}/options/{index}]")
    for key, value in node.items():
        if key != "text" or not isinstance(value, str):
            _check_limits_sdk_leaves_out(value, f"{where}/{key}", error)


def _check_message_total(blocks: list[JSONDict]) -> None:
    """A message's blocks may hold about 12,000 characters of text in all; Slack refuses more
    as ``msg_blocks_too_long`` (undocumented for sections; seen from 11,000-13,000)."""
    total = sum(len(text) for _where, text, _parsed in _text_objects(blocks, ""))
    if total > _MAX_MESSAGE_BLOCK_TEXT:
        raise _SlackError("msg_blocks_too_long")


def _sdk_check_view(raw: JSONDict) -> None:
    try:
        SdkView(**raw).to_dict()
    except (SlackObjectFormationError, TypeError) as exc:
        raise _invalid("invalid_arguments", f"{exc} [json-pointer:/view]") from exc


@dataclass
class LiveMarkup:
    """Markup that would be live on Slack, found in a payload while the check was on."""

    method: str
    where: str
    found: str


def _text_objects(
    node: Any, where: str, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")
) -> list[tuple[str, str, bool]]:
    """Every (where, text, parsed) text object of ``kinds`` under ``node``; ``parsed``: Slack
    would turn bare @channel words into broadcasts (mrkdwn that is not verbatim)."""
    found: list[tuple[str, str, bool]] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found += _text_objects(item, f"{where}/{index}", kinds)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            parsed = kind == "mrkdwn" and node.get("verbatim") is not True
            if kind in kinds:
                found.append((f"{where}/text", node["text"], parsed))
        else:
            for key, value in node.items():
                found += _text_objects(value, f"{where}/{key}", kinds)
    return found


# Slack reads control sequences (mentions, broadcasts, links) and entities only in mrkdwn: a
# plain_text object is shown as it is, so ``<!channel>`` there is text and ``&amp;`` shows
# as the five characters.
_MARKUP = ("mrkdwn",)
_ENTITY = re.compile(r"&(?:amp|lt|gt);")


def entities_shown_literally(payload: Any) -> list[str]:
    """``&amp;``, ``&lt;``, ``&gt;`` in plain_text objects under ``payload``: Slack decodes
    them only in mrkdwn, so there the reader sees the entity itself."""
    return [
        f"{where}: {match.group(0)}"
        for where, text, _parsed in _text_objects(payload, "", ("plain_text",))
        for match in _ENTITY.finditer(text)
    ]


def live_markup_in(text: str, allowed_users: frozenset[str], *, parsed: bool) -> list[str]:
    """The control sequences in ``text`` Slack would render live, except mentions of
    ``allowed_users`` (the staff madoguchi names on purpose)."""
    found = []
    for match in _CONTROL_SEQUENCE.finditer(text):
        inner = match.group(1)
        if inner.startswith("@") and inner[1:].partition("|")[0] in allowed_users:
            continue
        found.append(match.group(0))
    if parsed:
        found += [match.group(0) for match in _BARE_BROADCAST.finditer(text)]
    return found


def slack_would_refuse(
    *, blocks: list[JSONDict] | None = None, view: JSONDict | None = None
) -> str | None:
    """Why Slack would refuse a message's ``blocks`` or a ``view`` (the fake's own checks),
    or ``None``: for tests that build many payloads in-process instead of over HTTP."""
    try:
        if blocks is not None:
            _check_message_total(_check_blocks(blocks, _MAX_MESSAGE_BLOCKS))
        if view is not None:
            # _check_view reads no state of the fake; it is a method only for its neighbours.
            FakeSlackApi._check_view(cast(FakeSlackApi, None), view, ("modal", "home"))
    except _SlackError as exc:
        return f"{exc.error}: {'; '.join(exc.messages)}"
    return None


def live_markup_in_payload(payload: Any, allowed_users: Iterable[str] = ()) -> list[str]:
    """Live markup in every text object under ``payload`` (blocks or a view), as
    :meth:`FakeSlackApi.forbid_live_markup` finds it."""
    allowed = frozenset(allowed_users)
    return [
        f"{where}: {markup}"
        for where, text, parsed in _text_objects(payload, "", _MARKUP)
        for markup in live_markup_in(text, allowed, parsed=parsed)
    ]


def _find_element(blocks: list[JSONDict], action_id: str) -> tuple[str | None, JSONDict] | None:
    """The interactive element with ``action_id`` and the ``block_id`` of its block."""
    for block in blocks:
        candidates: list[Any] = list(block.get("elements") or [])
        candidates += [block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None


def plain_text(value: str) -> JSONDict:
    """State of a ``plain_text_input`` for :meth:`SlackSender.view_submission` values."""
    return {"type": "plain_text_input", "value": value}


def static_select(value: str, text: str | None = None) -> JSONDict:
    """State of a ``static_select`` with one option chosen."""
    option = {"text": {"type": "plain_text", "text": text or value}, "value": value}
    return {"type": "static_select", "selected_option": option}


def datepicker(date: str) -> JSONDict:
    """State of a ``datepicker`` (``date`` as Slack sends it: "YYYY-MM-DD")."""
    return {"type": "datepicker", "selected_date": date}


def radio_buttons(value: str, text: str | None = None) -> JSONDict:
    """State of ``radio_buttons`` with one option chosen."""
    option = {"text": {"type": "plain_text", "text": text or value}, "value": value}
    return {"type": "radio_buttons", "selected_option": option}


def checkboxes(values: list[str]) -> JSONDict:
    """State of ``checkboxes`` with these options ticked."""
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"type": "checkboxes", "selected_options": options}


# ---------------------------------------------------------------------- HTTP plumbing


class _Server(QuietServer):
    fake: FakeSlackApi


class _Handler(RequestHandler):
    timeout = 60

    def serve(self) -> None:
        fake = cast(_Server, self.server).fake
        try:
            body = self.read_body()
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, content_type, payload = fake._route(self.path, headers, body)
            self.answer(status, content_type, payload, extra)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True


class _SocketServer:
    """The Socket Mode WebSocket endpoint: an aiohttp app on its own event loop and thread, so it
    keeps serving while the test thread blocks or the app under test runs its own loop.

    State lives in the fake (under its ``_cond``); this class only moves frames.  The loop thread
    takes ``_cond`` briefly to record things, so never wait on this loop while holding it.
    """

    def __init__(self, fake: FakeSlackApi) -> None:
        self.fake = fake
        self.url = ""
        self.loop = asyncio.new_event_loop()
        self.sockets: dict[str, web.WebSocketResponse] = {}  # open ones, guarded by fake._cond
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="fake-slack-socket")

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the Socket Mode server did not start")
        if self._error is not None:
            raise RuntimeError("the Socket Mode server did not start") from self._error

    def stop(self) -> None:
        """Close every connection (code 1001, as a server going away), then the server."""
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
            with contextlib.suppress(Exception):
                future.result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)

    def send(self, connection_id: str, text: str, timeout: float) -> None:
        """Send one text frame on a connection (from any thread but the server's own)."""
        with self.fake._cond:
            ws = self.sockets.get(connection_id)
        if ws is None:
            raise AssertionError(f"Socket Mode connection {connection_id} is closed")
        future = asyncio.run_coroutine_threadsafe(ws.send_str(text), self.loop)
        try:
            future.result(timeout=timeout)
        except (ConnectionError, RuntimeError) as exc:
            raise AssertionError(f"could not send on connection {connection_id}: {exc}") from exc

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            self.loop.close()
            return
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}"

    async def _shutdown(self) -> None:
        with self.fake._cond:
            sockets = list(self.sockets.values())
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        ticket = request.query.get("ticket", "")
        with fake._cond:
            known = ticket in fake._socket_tickets
        if not known:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        # autoping off: pings are answered (and counted) below, with their data echoed.
        ws = web.WebSocketResponse(autoping=False, timeout=2.0)
        await ws.prepare(request)
        connection = SocketConnection(f"c{uuid.uuid4().hex[:12]}", ticket, time.monotonic())
        with fake._cond:
            count = len(self.sockets) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": fake.app_id},
        }
        await ws.send_str(json.dumps(hello))
        # Registered only after hello: no envelope can overtake it.
        with fake._cond:
            self.sockets[connection.connection_id] = ws
            fake._socket_connections.append(connection)
            fake._cond.notify_all()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    fake._socket_received(connection.connection_id, str(frame.data))
                elif frame.type == WSMsgType.PING:
                    await ws.pong(frame.data)
                    with fake._cond:
                        connection.pings += 1
                        fake._cond.notify_all()
        finally:
            with fake._cond:
                self.sockets.pop(connection.connection_id, None)
                connection.closed_at = time.monotonic()
                fake._cond.notify_all()
        return ws


_ENVELOPE_TYPES = ("events_api", "interactive", "slash_commands")


def _envelope_type(payload: JSONDict) -> str:
    """The Socket Mode envelope type for a payload :class:`SlackSender` built for HTTP."""
    kind = payload.get("type")
    if kind == "event_callback":
        return "events_api"
    if kind == "url_verification":
        raise ValueError("url_verification has no Socket Mode equivalent")
    if kind is None and "command" in payload:
        return "slash_commands"
    return "interactive"


def _accepts_response_payload(kind: str, payload: JSONDict) -> bool:
    """As Slack sets it: answers are used for commands, view submissions and option loads."""
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")


_Answer = tuple[int, dict[str, str], str, bytes]
_JSON_TYPE = "application/json; charset=utf-8"

# What Slack's method reference lists under "Required scopes" for a bot token, for every method
# this fake answers; kept apart from madoguchi's own table (bot.slack.manifest) on purpose, so
# a test against a fake granting the manifest's scopes checks the manifest against Slack.
# A dict is per kind of conversation (public channel, private channel, DM): the ``channel``
# argument decides which one is needed, as on Slack.
_CONVERSATION_KINDS = ("public", "private", "im")
_SCOPES: dict[str, tuple[str, ...] | dict[str, str]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "users.info": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "conversations.info": {"public": "channels:read", "private": "groups:read", "im": "im:read"},
    "conversations.replies": {
        "public": "channels:history",
        "private": "groups:history",
        "im": "im:history",
    },
    "conversations.history": {
        "public": "channels:history",
        "private": "groups:history",
        "im": "im:history",
    },
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.delete": ("files:write",),
    "files.info": ("files:read",),
    "apps.connections.open": (),  # the app-level token's connections:write, made with it
}


def _json_answer(status: int, body: JSONDict, headers: dict[str, str] | None = None) -> _Answer:
    return status, headers or {}, _JSON_TYPE, json.dumps(body, ensure_ascii=False).encode()


# ---------------------------------------------------------------------- the fake


class FakeSlackApi(ServedFake):
    """An in-process Slack Web API that the real ``WebClient``/``AsyncWebClient`` can talk to.

    Everything the bot calls is recorded in :attr:`calls`; state helpers (:meth:`messages`,
    :meth:`thread`, :meth:`views_opened` ...) show what a Slack user would see now, and
    :meth:`wait_for` blocks (without sleeping) until the bot has done something.
    """

    server_class = _Server
    handler_class = _Handler

    def __init__(
        self,
        token: str = "xoxb-test",
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        team: str = "madoguchi-test",
        app_id: str = "A0001",
        strict_channels: bool = False,
        trigger_ttl: float | None = 3.0,
        app_token: str = "xapp-test",
        scopes: Iterable[str] | None = None,
    ) -> None:
        """``strict_channels``: only channels from :meth:`add_channel` exist (otherwise any id
        is accepted and remembered).  ``trigger_ttl``: seconds a trigger_id stays valid, as on
        Slack (``None`` for no expiry, e.g. when stepping through in a debugger).
        ``app_token``: the app-level token ``apps.connections.open`` (Socket Mode) requires.
        ``scopes``: the bot token's granted scopes (default: every scope, so a test that is not
        about scopes never meets ``missing_scope``); a method needing one it lacks is refused
        as on Slack: ``{"ok": false, "error": "missing_scope", "needed", "provided"}``."""
        self.token = token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.team = team
        self.app_id = app_id
        self.strict_channels = strict_channels
        self.trigger_ttl = trigger_ttl
        self.app_token = app_token
        self.scopes = None if scopes is None else frozenset(scopes)
        self.base_url = ""

        self._cond = threading.Condition(threading.RLock())
        self._stopping = False
        self._calls: list[Call] = []
        self._ids = itertools.count(1)
        self._ts_micros = int(time.time()) * 1_000_000
        self._channels: dict[str, JSONDict] = {}
        self._users: dict[str, JSONDict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._messages: list[Message] = []
        self._by_ts: dict[tuple[str, str], Message] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, JSONDict] = {}
        self._stacks: dict[str, list[str]] = {}
        self._opened: list[OpenedView] = []
        self._home: dict[str, JSONDict] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._trigger_skew = 0.0  # virtual seconds added to the trigger clock (age_trigger_ids)
        self._slow_calls: list[_Delay] = []  # calls that age trigger ids as if they were slow
        self._response_targets: dict[str, _ResponseTarget] = {}
        self._uploads: dict[str, _PendingUpload] = {}
        self._files: list[UploadedFile] = []
        self._failures: list[_Failure] = []
        self._delays: list[_Delay] = []
        self._socket: _SocketServer | None = None
        self._socket_tickets: set[str] = set()
        self._socket_connections: list[SocketConnection] = []
        self._socket_envelopes: dict[str, SocketEnvelope] = {}
        self._socket_submissions: dict[str, tuple[str, str]] = {}  # envelope -> (user, view id)
        self._socket_acks: list[SocketAck] = []
        self._socket_messages: list[str] = []
        self._markup_check: tuple[frozenset[str], bool] | None = None  # allowed users, refuse
        self._live_markup: list[LiveMarkup] = []
        self._refused_views: list[str] = []
        self._handlers: dict[str, Callable[[dict[str, Any]], JSONDict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "conversations.info": self._conversations_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }
        self.add_user(bot_user_id, "madoguchi", is_bot=True)
        self._init_retention()
        # Files people shared (share_file): id -> (user, name, bytes, mimetype). files.info
        # describes one; its url_private_download serves the bytes to the bot's token only.
        self._shared: dict[str, tuple[str, str, bytes, str]] = {}
        self._handlers["files.info"] = self._files_info
        unlisted = set(self._handlers) - set(_SCOPES)
        assert not unlisted, f"Slack's required scopes unknown for {unlisted}"

    # ------------------------------------------------------------------ lifecycle

    def _starting(self) -> None:
        self._stopping = False

    def _stopping_now(self) -> None:
        """Answers held by :meth:`delay_next` are released at once."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _stopped(self) -> None:
        """Socket Mode connections are closed."""
        with self._cond:
            socket, self._socket = self._socket, None
        if socket is not None:
            socket.stop()

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``WebClient``/``AsyncWebClient``/Bolt (ends with "/", since
        slack_sdk joins it with ``urljoin``)."""
        return f"{self.base_url}/api/"

    def sender(
        self,
        url: str,
        signing_secret: str,
        *,
        verification_token: str = "verification-token",
        timeout: float = 10.0,
    ) -> SlackSender:
        """A :class:`SlackSender` that plays Slack towards the app listening on ``url``."""
        return SlackSender(
            self, url, signing_secret, verification_token=verification_token, timeout=timeout
        )

    # ------------------------------------------------------------------ workspace set-up

    def add_channel(
        self, channel_id: str, name: str, *, is_private: bool = False, is_member: bool = True
    ) -> None:
        """Make a channel exist (required with ``strict_channels``; gives it a name anyway).
        ``is_member=False``: the bot was not invited, so posting there is ``not_in_channel``."""
        with self._cond:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_channel": not channel_id.startswith("D"),
                "is_im": channel_id.startswith("D"),
                "is_private": is_private,
                "is_member": is_member,
                "is_archived": False,
                "created": int(time.time()),
            }

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        tz: str = "Asia/Tokyo",
    ) -> None:
        """Make a workspace user known to ``users.info`` and to the sender's payloads."""
        profile: JSONDict = {
            "real_name": real_name or name,
            "display_name": display_name if display_name is not None else name,
        }
        if email is not None:
            profile["email"] = email
        with self._cond:
            self._users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "real_name": real_name or name,
                "deleted": False,
                "is_bot": is_bot,
                "is_admin": False,
                "tz": tz,
                "locale": "ja-JP",
                "profile": profile,
            }

    def add_usergroup(self, usergroup_id: str, users: list[str]) -> None:
        """Define a user group (e.g. the desk's staff) for ``usergroups.users.list``."""
        with self._cond:
            self._usergroups[usergroup_id] = list(users)

    # ------------------------------------------------------------------ trigger ids
    #
    # A trigger_id is good for one views.open/push, within ``trigger_ttl`` seconds of the
    # interaction, as on Slack. Its age is read from a clock the tests can move on without
    # waiting: ``age_trigger_ids`` moves it at once, ``slow_next`` moves it while the fake
    # answers a given method (a "slow" user group lookup that costs no real time).

    def new_trigger_id(self, user: str) -> str:
        """Mint a trigger_id as an interaction would; ``views.open`` accepts it once."""
        with self._cond:
            number = next(self._ids)
            trigger = f"{1_000_000_000 + number}.{self.team_id}.{number:032x}"
            self._triggers[trigger] = _Trigger(user, self._trigger_clock())
            return trigger

    def age_trigger_ids(self, seconds: float) -> None:
        """Every trigger_id handed out so far becomes ``seconds`` older."""
        with self._cond:
            self._trigger_skew += seconds

    def slow_next(
        self, method: str, seconds: float, *, times: int = 1, channel: str | None = None
    ) -> None:
        """The next ``times`` calls of ``method`` take ``seconds`` on the trigger clock: the
        trigger ids age by that much before the answer goes out, though no real time passes."""
        with self._cond:
            self._slow_calls.append(_Delay(method, times, seconds, channel))

    def _trigger_clock(self) -> float:
        return time.monotonic() + self._trigger_skew

    def _age_for_call(self, method: str, params: dict[str, Any]) -> None:
        channel = params.get("channel") or params.get("channel_id")
        with self._cond:
            for slow in self._slow_calls:
                if slow.method == method and slow.remaining > 0 and slow.channel in (None, channel):
                    slow.remaining -= 1
                    self._trigger_skew += slow.seconds
                    return

    def _take_trigger(self, raw: Any) -> tuple[str, str]:
        """The trigger's user; Slack's errors for an unknown, reused or expired one."""
        trigger_id = str(raw or "")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        age = self._trigger_clock() - trigger.issued_at
        if self.trigger_ttl is not None and age > self.trigger_ttl:
            raise _SlackError("expired_trigger_id")
        trigger.used = True
        return trigger_id, trigger.user

    def response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A fresh response_url on the fake.  Posts to it are recorded as "response_url" calls
        and act like Slack's: ``replace_original``/``delete_original`` change ``message_ts``,
        ``response_type: in_channel`` posts to ``channel``, anything else is an ephemeral."""
        with self._cond:
            path = f"/response/{self.team_id}/{next(self._ids)}"
            self._response_targets[path] = _ResponseTarget(channel, user, message_ts)
            return f"{self.base_url}{path}"

    # ------------------------------------------------------------------ faults

    # ------------------------------------------------------------------ strictness (markup)

    def forbid_live_markup(
        self, allowed_users: Iterable[str] = (), *, refuse: bool = False
    ) -> None:
        """From now on, look in every text a call sends (``text``, blocks, views, file
        comments, response_url posts) for markup Slack would render live: any raw ``<…>``
        sequence except mentions of ``allowed_users`` (staff madoguchi names on purpose), and
        bare @channel/@here/@everyone in mrkdwn that is not verbatim. Each find is kept in
        :attr:`live_markup`; ``refuse=True`` also answers the call ``live_markup``."""
        with self._cond:
            self._markup_check = (frozenset(allowed_users), refuse)

    @property
    def live_markup(self) -> list[LiveMarkup]:
        with self._cond:
            return list(self._live_markup)

    def remove_bot_from(self, channel_id: str) -> None:
        """The bot leaves (or was never invited to) a channel: posts there are refused."""
        with self._cond:
            if channel_id not in self._channels:
                self.add_channel(channel_id, channel_id.lower())
            self._channels[channel_id]["is_member"] = False

    @property
    def refused_views(self) -> list[str]:
        """Why each view a submission answered with (``response_action``) was refused."""
        with self._cond:
            return list(self._refused_views)

    def _submission_view_ok(self, view: JSONDict) -> bool:
        """A view in a submission's answer is checked like one sent to ``views.update``."""
        try:
            self._check_view(view, ("modal",))
            self._check_markup("view_submission.response", {"view": view})
        except _SlackError as exc:
            self._refused_views.append(f"{exc.error}: {'; '.join(exc.messages)}")
            return False
        return True

    def _require_membership(self, channel: str) -> None:
        """Without ``chat:write.public`` a bot posts only where it was invited: elsewhere
        Slack answers ``not_in_channel``, and for a private channel, which the bot cannot
        even see, ``channel_not_found``."""
        info = self._channels.get(channel)
        if info is not None and not info.get("is_member", True) and not info.get("is_im"):
            raise _SlackError("channel_not_found" if info.get("is_private") else "not_in_channel")

    def _check_markup(self, method: str, params: dict[str, Any]) -> None:
        if self._markup_check is None:
            return
        allowed, refuse = self._markup_check
        parse_names = str(params.get("link_names", "")).lower() in ("1", "true") or (
            params.get("parse") == "full"
        )
        texts: list[tuple[str, str, bool]] = [
            (f"/{key}", params[key], parse_names)
            for key in ("text", "initial_comment")
            if isinstance(params.get(key), str)
        ]
        texts += _text_objects(params.get("blocks"), "/blocks", _MARKUP)
        texts += _text_objects(params.get("view"), "/view", _MARKUP)
        found = [
            LiveMarkup(method, where, markup)
            for where, text, parsed in texts
            for markup in live_markup_in(text, allowed, parsed=parsed)
        ]
        self._live_markup += found
        if found and refuse:
            raise _invalid("live_markup", f"live markup {found[0].found!r} at {found[0].where}")

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        """Make the next ``times`` matching calls fail, without effect on state.

        ``status`` None means 429 (``Retry-After: retry_after``, error "ratelimited") unless an
        ``error`` is given, which is then answered at HTTP 200 as ``{"ok": false, "error": ...}``
        - the way Slack reports most failures.  Any other status (5xx) is answered as such.
        ``method`` may also be "file_upload" (the upload URL) or "response_url".  ``channel``
        restricts the fault to calls for that channel.
        """
        if status is None:
            status = 429 if error is None else 200
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        with self._cond:
            self._failures.append(_Failure(method, times, status, retry_after, error, channel))

    def delay_next(
        self, method: str, seconds: float, *, times: int = 1, channel: str | None = None
    ) -> None:
        """Hold the answer of the next matching call(s) for ``seconds``, then carry the call out
        normally - the "timed out, but Slack did post it" case behind duplicate messages."""
        with self._cond:
            self._delays.append(_Delay(method, times, seconds, channel))

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """Every request so far, in the order answered (a copy of the list)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (failed ones included; see ``Call.ok``)."""
        with self._cond:
            return [call for call in self._calls if call.method == method]

    def messages(
        self, channel: str | None = None, *, include_deleted: bool = False
    ) -> list[Message]:
        """Messages the bot posted (thread replies included), in posting order, as they are now."""
        with self._cond:
            return [
                copy.deepcopy(message)
                for message in self._messages
                if (channel is None or message.channel == channel)
                and (include_deleted or not message.deleted)
            ]

    def message(self, channel: str, ts: str) -> Message | None:
        """One stored message as it is now, or ``None``."""
        with self._cond:
            found = self._by_ts.get((channel, ts))
            return copy.deepcopy(found) if found is not None else None

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The bot's replies in the thread under ``ts`` (the parent itself excluded)."""
        with self._cond:
            return [
                copy.deepcopy(message)
                for message in self._messages
                if message.channel == channel
                and message.thread_ts == ts
                and message.ts != ts
                and not message.deleted
            ]

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages, optionally only those shown to ``user``."""
        with self._cond:
            return [copy.deepcopy(e) for e in self._ephemerals if user is None or e.user == user]

    def views_opened(self) -> list[OpenedView]:
        """Modals opened or pushed, in order, each as Slack answered it at the time."""
        with self._cond:
            return copy.deepcopy(self._opened)

    def view(self, view_id: str) -> JSONDict | None:
        """A modal or home tab as it is now (after ``views.update``)."""
        with self._cond:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found is not None else None

    def open_modals(self, user: str) -> list[JSONDict]:
        """The user's modal stack now, bottom first; submissions through :class:`SlackSender`
        close, update, push or clear it according to the app's ``response_action``."""
        with self._cond:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user, [])]

    def published_home(self, user: str) -> JSONDict | None:
        """The App Home view last published for ``user``, or ``None``."""
        with self._cond:
            found = self._home.get(user)
            return copy.deepcopy(found) if found is not None else None

    def uploaded_files(self) -> list[UploadedFile]:
        """Files whose upload was completed, in order of completion."""
        with self._cond:
            return copy.deepcopy(self._files)

    def post_times(self, channel: str) -> list[float]:
        """``time.monotonic()`` of every successful ``chat.postMessage`` to ``channel``."""
        with self._cond:
            return [
                call.at
                for call in self._calls
                if call.method == "chat.postMessage"
                and call.ok
                and call.response.get("channel") == channel
            ]

    def max_rate(self, channel: str, window: float = 1.0) -> int:
        """Most successful posts to ``channel`` within any ``window`` seconds (Slack allows
        about one per second per channel, with short bursts)."""
        return most_in_window(self.post_times(channel), window)

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
    ) -> Call:
        """The first recorded call of ``method`` (matching ``predicate``), waiting if need be."""
        found: list[Call] = []

        def seen(fake: FakeSlackApi) -> bool:
            for call in fake._calls:
                if call.method == method and (predicate is None or predicate(call)):
                    found.append(call)
                    return True
            return False

        self.wait_for(seen, timeout)
        return found[0]

    async def wait_for_async(
        self, predicate: Callable[[FakeSlackApi], bool], timeout: float = 10.0
    ) -> None:
        """:meth:`wait_for` for coroutines running in the bot's own loop."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def wait_for_call_async(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
    ) -> Call:
        """:meth:`wait_for_call` for coroutines running in the bot's own loop."""
        return await asyncio.to_thread(self.wait_for_call, method, predicate, timeout)

    def summary(self, last: int = 25) -> str:
        """A readable account of recent traffic, for failure messages."""
        with self._cond:
            lines = [f"last {min(last, len(self._calls))} of {len(self._calls)} calls:"]
            for call in self._calls[-last:]:
                shown = {
                    key: (value if len(repr(value)) < 80 else repr(value)[:77] + "...")
                    for key, value in call.params.items()
                    if key != "token"
                }
                outcome = "" if call.ok else f" -> {call.error}"
                lines.append(f"  {call.method} [{call.status}] {shown}{outcome}")
            return "\n".join(lines)

    # ------------------------------------------------------------------ routing

    def _route(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Answer:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        content_type = headers.get("content-type", "")
        if path.startswith("/api/"):
            return self._api(path.removeprefix("/api/"), path, headers, body, parts.query)
        if path.startswith("/upload/"):
            return self._upload(path, content_type, body)
        if path.startswith("/response/"):
            return self._respond(path, content_type, body)
        if path.startswith("/files-pri/"):
            return self._private_file(path, headers)
        return _json_answer(404, {"ok": False, "error": "not_found"})

    # ------------------------------------------------------------------ files people share

    def share_file(self, user: str, name: str, data: bytes, mimetype: str) -> JSONDict:
        """A file ``user`` shares, as it appears in the ``files`` of their message event."""
        with self._cond:
            file_id = f"F{len(self._shared) + 1:08d}S"
            self._shared[file_id] = (user, name, data, mimetype)
        return {"id": file_id, "name": name, "mimetype": mimetype, "size": len(data)}

    def _files_info(self, params: dict[str, Any]) -> JSONDict:
        file_id = str(params.get("file") or "")
        with self._cond:
            shared = self._shared.get(file_id)
        if shared is None:
            raise _SlackError("file_not_found")
        user, name, data, mimetype = shared
        url = f"{self.base_url}/files-pri/{file_id}/{quote(name)}"
        return {
            "file": {
                "id": file_id,
                "name": name,
                "mimetype": mimetype,
                "size": len(data),
                "user": user,
                "url_private": url,
                "url_private_download": url + "?download=1",
            }
        }

    def _private_file(self, path: str, headers: dict[str, str]) -> _Answer:
        """Like Slack: a private file only with a token in the Authorization header."""
        if headers.get("authorization", "") != f"Bearer {self.token}":
            return (403, {}, "text/plain", b"forbidden")
        if self.scopes is not None and "files:read" not in self.scopes:
            return (403, {}, "text/plain", b"missing_scope: files:read")
        file_id = path.removeprefix("/files-pri/").split("/", 1)[0]
        with self._cond:
            shared = self._shared.get(file_id)
        if shared is None:
            return (404, {}, "text/plain", b"file not found")
        return (200, {}, shared[3], shared[2])

    def _record(
        self, method: str, params: dict[str, Any], at: float, answer: _Answer, path: str
    ) -> _Answer:
        status, _headers, content_type, payload = answer
        response: JSONDict
        if content_type.startswith("application/json"):
            response = json.loads(payload)
        else:
            response = {"ok": status == 200, "body": payload.decode("utf-8", "replace")}
        with self._cond:
            self._calls.append(Call(method, params, at, status, response, path))
            self._cond.notify_all()
        if self.scopes is not None and path.startswith("/api/"):
            # Slack names the token's scopes on every Web API answer (a check like
            # auth.test can compare them with the manifest's).
            granted = {"X-OAuth-Scopes": ",".join(sorted(self.scopes))}
            return status, {**_headers, **granted}, content_type, payload
        return answer

    def _take_faults(self, method: str, params: dict[str, Any]) -> tuple[float, _Failure | None]:
        channel = params.get("channel") or params.get("channel_id")
        with self._cond:
            delay = 0.0
            for pending in self._delays:
                if (
                    pending.method == method
                    and pending.remaining > 0
                    and pending.channel in (None, channel)
                ):
                    pending.remaining -= 1
                    delay = pending.seconds
                    break
            for failure in self._failures:
                if (
                    failure.method == method
                    and failure.remaining > 0
                    and failure.channel in (None, channel)
                ):
                    failure.remaining -= 1
                    return delay, failure
            return delay, None

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
                self._cond.wait(remaining)

    @staticmethod
    def _failure_answer(failure: _Failure, *, text: bool = False) -> _Answer:
        headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
        if text and failure.status != 200:
            return failure.status, headers, "text/plain", failure.error.encode()
        return _json_answer(failure.status, {"ok": False, "error": failure.error}, headers)

    def _api(
        self, method: str, path: str, headers: dict[str, str], body: bytes, query: str
    ) -> _Answer:
        at = time.monotonic()
        params: dict[str, Any] = {}
        try:
            params = _parse_params(headers.get("content-type", ""), body, query)
            if method == "apps.connections.open":
                self._check_app_token(headers.get("authorization", ""), params)
            else:
                self._check_token(headers.get("authorization", ""), params)
        except _SlackError as exc:
            answer = _json_answer(exc.status, {"ok": False, "error": exc.error})
            return self._record(method, params, at, answer, path)
        if method not in self._handlers:
            answer = _json_answer(200, {"ok": False, "error": "unknown_method"})
            return self._record(method, params, at, answer, path)
        if method != "apps.connections.open" and (needed := self._missing_scope(method, params)):
            answer = _json_answer(
                200,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.scopes or ())),
                },
            )
            return self._record(method, params, at, answer, path)
        delay, failure = self._take_faults(method, params)
        if delay > 0:
            self._pause(delay)
        self._age_for_call(method, params)
        if failure is not None:
            return self._record(method, params, at, self._failure_answer(failure), path)
        handler = self._handlers.get(method)
        if handler is None:
            answer = _json_answer(200, {"ok": False, "error": "unknown_method"})
            return self._record(method, params, at, answer, path)
        try:
            with self._cond:
                self._check_markup(method, params)
                result = handler(params)
            answer = _json_answer(200, {"ok": True, **result})
        except _SlackError as exc:
            error: JSONDict = {"ok": False, "error": exc.error}
            if exc.messages:
                error["response_metadata"] = {"messages": exc.messages}
            answer = _json_answer(exc.status, error)
        return self._record(method, params, at, answer, path)

    def _check_token(self, authorization: str, params: dict[str, Any]) -> None:
        scheme, _, value = authorization.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
        token = token or str(params.get("token") or "")
        if not token:
            raise _SlackError("not_authed")
        if token != self.token:
            raise _SlackError("invalid_auth")

    def _check_app_token(self, authorization: str, params: dict[str, Any]) -> None:
        """Socket Mode's ``apps.connections.open`` takes only the app-level token."""
        scheme, _, value = authorization.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
        token = token or str(params.get("token") or "")
        if not token:
            raise _SlackError("not_authed")
        if token == self.token:
            raise _SlackError("not_allowed_token_type")
        if token != self.app_token:
            raise _SlackError("invalid_auth")

    def _missing_scope(self, method: str, params: dict[str, Any]) -> str | None:
        """The scope Slack would name as ``needed`` if the token lacks it (else None)."""
        if self.scopes is None:
            return None
        required = _SCOPES[method]
        if isinstance(required, dict):
            needed = required[self._conversation_kind(params.get("channel"))]
            return None if needed in self.scopes else needed
        lacking = [scope for scope in required if scope not in self.scopes]
        return ",".join(lacking) or None

    def _conversation_kind(self, raw: Any) -> str:
        """public, private or im: a channel this fake has not seen counts as public."""
        with self._cond:
            info = self._channels.get(str(raw or ""))
        if info is None:
            return "im" if str(raw or "").startswith("D") else "public"
        if info.get("is_im"):
            return "im"
        return "private" if info.get("is_private") else "public"

    # ------------------------------------------------------------------ state helpers

    def _new_ts(self) -> str:
        """Unique, increasing message timestamps in Slack's "seconds.micros" format."""
        self._ts_micros += 100
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _resolve_channel(self, raw: Any) -> str:
        """Map what the bot passed as ``channel`` to a channel id, as Slack does (ids, names,
        and user ids, which open a DM)."""
        value = str(raw or "").strip()
        if not value:
            raise _SlackError("channel_not_found")
        if value in self._channels:
            return value
        name = value.removeprefix("#")
        for channel_id, info in self._channels.items():
            if info["name"] == name:
                return channel_id
        if value.startswith("#"):
            raise _SlackError("channel_not_found")
        if value[0] in "UW" and (value in self._users or not self.strict_channels):
            dm = f"D{value[1:]}"
            if dm not in self._channels:
                self.add_channel(dm, dm)
            return dm
        if self.strict_channels:
            raise _SlackError("channel_not_found")
        self.add_channel(value, value.lower())
        return value

    def _store_message(
        self,
        channel: str,
        text: str,
        blocks: list[JSONDict],
        thread_ts: str | None,
        *,
        via: str,
        params: dict[str, Any] | None = None,
    ) -> Message:
        params = params or {}
        attachments = params.get("attachments")
        metadata = params.get("metadata")
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            posted_at=time.monotonic(),
            via=via,
            attachments=copy.deepcopy(attachments) if isinstance(attachments, list) else [],
            metadata=copy.deepcopy(metadata) if isinstance(metadata, dict) else None,
            reply_broadcast=str(params.get("reply_broadcast", "")).lower() in ("1", "true"),
        )
        self._messages.append(message)
        self._by_ts[(channel, message.ts)] = message
        return message

    def _edit_message(
        self, message: Message, text: str | None, blocks: list[JSONDict] | None
    ) -> None:
        message.edits.append(MessageEdit(message.text, message.blocks, time.monotonic()))
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks

    def _stored_message(self, channel: str, ts: Any) -> Message:
        message = self._by_ts.get((channel, str(ts or "")))
        if message is None or message.deleted:
            raise _SlackError("message_not_found")
        return message

    @staticmethod
    def _text_and_blocks(
        params: dict[str, Any], *, required: bool
    ) -> tuple[str | None, list[JSONDict] | None]:
        """``text`` and checked ``blocks`` (``None`` when the call did not send them)."""
        text = params.get("text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        blocks = _check_blocks(params.get("blocks"), _MAX_MESSAGE_BLOCKS)
        _check_message_total(blocks)
        if required and not text and not blocks and not params.get("attachments"):
            raise _SlackError("no_text")
        if text is not None and len(text) > _MAX_TEXT:
            raise _SlackError("msg_too_long")
        return text, blocks if params.get("blocks") is not None else None

    def _user_payload(self, user: str) -> JSONDict:
        info = self._users.get(user)
        name = str(info["name"]) if info is not None else user.lower()
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, params: dict[str, Any]) -> JSONDict:
        return {
            "url": f"https://{self.team}.slack.com/",
            "team": self.team,
            "user": "madoguchi",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, params: dict[str, Any]) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        self._require_membership(channel)
        text, blocks = self._text_and_blocks(params, required=True)
        thread_ts = str(params.get("thread_ts") or "") or None
        message = self._store_message(
            channel, text or "", blocks or [], thread_ts, via="chat.postMessage", params=params
        )
        return {"channel": channel, "ts": message.ts, "message": message.to_slack()}

    def _chat_update(self, params: dict[str, Any]) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._stored_message(channel, params.get("ts"))
        text, blocks = self._text_and_blocks(params, required=False)
        if text is None and blocks is None and params.get("attachments") is None:
            raise _SlackError("no_text")
        # As on Slack: omitted text or blocks keep their old value; blocks=[] removes them.
        self._edit_message(message, text, blocks)
        return {
            "channel": channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_slack(),
        }

    def _chat_delete(self, params: dict[str, Any]) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._stored_message(channel, params.get("ts"))
        if message.user != self.bot_user_id:  # see "retention" below
            raise _SlackError("cant_delete_message")
        message.deleted = True
        return {"channel": channel, "ts": message.ts}

    def _post_ephemeral(self, params: dict[str, Any]) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        user = str(params.get("user") or "")
        if not user:
            raise _SlackError("user_not_found")
        text, blocks = self._text_and_blocks(params, required=True)
        ephemeral = Ephemeral(
            channel=channel,
            user=user,
            ts=self._new_ts(),
            text=text or "",
            blocks=blocks or [],
            thread_ts=str(params.get("thread_ts") or "") or None,
            via="chat.postEphemeral",
        )
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    def _check_view(self, raw: Any, kinds: tuple[str, ...]) -> JSONDict:
        if not isinstance(raw, dict):
            raise _invalid("invalid_arguments", "missing required field: view")
        kind = raw.get("type")
        if kind not in kinds:
            raise _invalid("invalid_arguments", f"view type must be one of {kinds} [/view/type]")
        if kind == "modal":
            for key in ("title", "submit", "close"):
                if key == "title" and key not in raw:
                    raise _invalid("invalid_arguments", "missing required field: title")
                if len(_text_of(raw.get(key))) > _MAX_VIEW_TITLE:
                    raise _invalid(
                        "invalid_arguments",
                        f"must be less than {_MAX_VIEW_TITLE + 1} characters [/view/{key}/text]",
                    )
            inputs = [b for b in raw.get("blocks") or [] if isinstance(b, dict)]
            if "submit" not in raw and any(b.get("type") == "input" for b in inputs):
                raise _invalid("invalid_arguments", "submit is required when using input blocks")
        if len(str(raw.get("private_metadata", ""))) > _MAX_PRIVATE_METADATA:
            raise _invalid(
                "invalid_arguments",
                "must be less than 3001 characters [json-pointer:/view/private_metadata]",
            )
        if len(str(raw.get("callback_id", ""))) > 255:
            raise _invalid(
                "invalid_arguments", "must be less than 256 characters [/view/callback_id]"
            )
        try:
            _check_blocks(raw.get("blocks", []), _MAX_VIEW_BLOCKS)
        except _SlackError as exc:  # views.* name every schema problem invalid_arguments
            raise _SlackError("invalid_arguments", messages=exc.messages) from exc
        _sdk_check_view(raw)
        return raw

    def _make_view(self, spec: JSONDict, view_id: str | None = None) -> JSONDict:
        """The view object as Slack stores and returns it: the app's fields plus id, hash and
        an empty state."""
        view_id = view_id or f"V{next(self._ids):010d}"
        view: JSONDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec.get("type"),
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": str(spec.get("private_metadata", "")),
            "callback_id": str(spec.get("callback_id", "")),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08x}",
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "external_id": str(spec.get("external_id", "")),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in spec:
                view[key] = copy.deepcopy(spec[key])
        return view

    def _open_or_push(self, params: dict[str, Any], method: str) -> JSONDict:
        spec = self._check_view(params.get("view"), ("modal",))
        trigger_id, user = self._take_trigger(params.get("trigger_id"))
        view = self._make_view(spec)
        stack = self._stacks.setdefault(user, [])
        if method == "views.open":
            stack.clear()
        elif stack:
            view["root_view_id"] = self._views[stack[0]]["id"]
            view["previous_view_id"] = stack[-1]
        stack.append(view["id"])
        self._views[view["id"]] = view
        self._opened.append(
            OpenedView(method, view["id"], user, trigger_id, copy.deepcopy(view), time.monotonic())
        )
        return {"view": copy.deepcopy(view)}

    def _views_open(self, params: dict[str, Any]) -> JSONDict:
        return self._open_or_push(params, "views.open")

    def _views_push(self, params: dict[str, Any]) -> JSONDict:
        return self._open_or_push(params, "views.push")

    def _views_update(self, params: dict[str, Any]) -> JSONDict:
        view_id = str(params.get("view_id") or "")
        external_id = str(params.get("external_id") or "")
        if not view_id and external_id:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), ""
            )
        old = self._views.get(view_id)
        if old is None:
            raise _SlackError("not_found")
        if params.get("hash") and params["hash"] != old["hash"]:
            raise _SlackError("hash_conflict")
        spec = self._check_view(params.get("view"), (str(old["type"]),))
        view = self._make_view(spec, view_id)
        view["root_view_id"] = old["root_view_id"]
        view["previous_view_id"] = old["previous_view_id"]
        self._views[view_id] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: dict[str, Any]) -> JSONDict:
        user = str(params.get("user_id") or "")
        if not user:
            raise _SlackError("user_not_found")
        spec = self._check_view(params.get("view"), ("home",))
        previous = self._home.get(user)
        if previous is not None and params.get("hash") and params["hash"] != previous["hash"]:
            raise _SlackError("hash_conflict")
        view = self._make_view(spec, previous["id"] if previous is not None else None)
        self._home[user] = view
        self._views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _users_info(self, params: dict[str, Any]) -> JSONDict:
        user = self._users.get(str(params.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _usergroup_users(self, params: dict[str, Any]) -> JSONDict:
        users = self._usergroups.get(str(params.get("usergroup") or ""))
        if users is None:
            raise _SlackError("no_such_subteam")
        return {"users": list(users)}

    def _conversations_info(self, params: dict[str, Any]) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        return {"channel": copy.deepcopy(self._channels[channel])}

    def _get_upload_url(self, params: dict[str, Any]) -> JSONDict:
        filename = str(params.get("filename") or "")
        length = str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            raise _invalid("invalid_arguments", "filename and a positive length are required")
        file_id = f"F{next(self._ids):010d}"
        self._uploads[file_id] = _PendingUpload(
            file_id=file_id,
            filename=filename,
            length=int(length),
            alt_txt=params.get("alt_txt"),
            snippet_type=params.get("snippet_type"),
        )
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> JSONDict:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise _invalid("invalid_arguments", "files must be a non-empty JSON array")
        pending: list[tuple[_PendingUpload, str]] = []
        for entry in files:
            upload = self._uploads.get(str(entry.get("id") if isinstance(entry, dict) else ""))
            if upload is None or upload.data is None:
                raise _SlackError("file_not_found")
            pending.append((upload, str(entry.get("title") or upload.filename)))
        channels: list[str] = []
        if params.get("channel_id"):
            channels.append(self._resolve_channel(params["channel_id"]))
        raw_channels = params.get("channels")
        if isinstance(raw_channels, str) and raw_channels:
            channels += [self._resolve_channel(c) for c in raw_channels.split(",")]
        thread_ts = str(params.get("thread_ts") or "") or None
        if thread_ts is not None and not channels:
            raise _invalid("invalid_arguments", "thread_ts requires channel_id")
        for channel in channels:
            self._require_membership(channel)
        comment = params.get("initial_comment")
        answered: list[JSONDict] = []
        message_ts: dict[str, str] = {}
        for channel in channels:
            # Sharing files into a channel posts one message (with the comment) carrying them.
            shared = self._store_message(
                channel, str(comment or ""), [], thread_ts, via="files.completeUploadExternal"
            )
            shared.files = [upload.file_id for upload, _ in pending]
            message_ts[channel] = shared.ts
        for upload, title in pending:
            assert upload.data is not None
            self._uploads.pop(upload.file_id)
            record = UploadedFile(
                file_id=upload.file_id,
                filename=upload.filename,
                title=title,
                length=upload.length,
                data=upload.data,
                channels=channels,
                thread_ts=thread_ts,
                initial_comment=None if comment is None else str(comment),
                alt_txt=upload.alt_txt,
                snippet_type=upload.snippet_type,
                message_ts=message_ts.get(channels[0]) if channels else None,
            )
            self._files.append(record)
            answered.append(
                {
                    "id": upload.file_id,
                    "name": upload.filename,
                    "title": title,
                    "size": len(upload.data),
                    "user": self.bot_user_id,
                    "channels": list(channels),
                }
            )
        return {"files": answered}

    def _apps_connections_open(self, params: dict[str, Any]) -> JSONDict:
        if self._socket is None:
            # Started on first use, so fakes that never see Socket Mode run no extra thread.
            socket = _SocketServer(self)
            socket.start()
            self._socket = socket
        ticket = uuid.uuid4().hex
        self._socket_tickets.add(ticket)
        return {"url": f"{self._socket.url}/link/?ticket={ticket}&app_id={self.app_id}"}

    # ------------------------------------------------------------------ Socket Mode

    def socket_connections(self, *, open_only: bool = False) -> list[SocketConnection]:
        """Socket Mode connections the app opened, oldest first."""
        with self._cond:
            return [copy.deepcopy(c) for c in self._socket_connections if c.open or not open_only]

    def wait_for_socket(self, timeout: float = 10.0) -> SocketConnection:
        """The newest open Socket Mode connection (``hello`` already sent), waiting for one."""
        self.wait_for(lambda api: any(c.open for c in api._socket_connections), timeout)
        return self.socket_connections(open_only=True)[-1]

    async def wait_for_socket_async(self, timeout: float = 10.0) -> SocketConnection:
        """:meth:`wait_for_socket` for coroutines running in the app's own loop."""
        return await asyncio.to_thread(self.wait_for_socket, timeout)

    def socket_send(
        self,
        kind: str,
        payload: JSONDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> str:
        """Push one envelope to the app over its newest connection and return its envelope_id.

        ``kind``: "events_api", "interactive" or "slash_commands"; ``payload`` as the HTTP
        request would carry it, e.g. ``SlackSender.build_block_action(...).payload``.
        ``accepts_response_payload`` defaults to Slack's choice (True for commands, view
        submissions and option loads).  Waits up to ``timeout`` for a connection.  When the ack
        of a view_submission arrives, the modal stack follows its ``response_action``.
        """
        if kind not in _ENVELOPE_TYPES:
            raise ValueError(f"kind must be one of {_ENVELOPE_TYPES}, not {kind!r}")
        if accepts_response_payload is None:
            accepts_response_payload = _accepts_response_payload(kind, payload)
        envelope_id = str(uuid.uuid4())
        envelope: JSONDict = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": copy.deepcopy(payload),
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        connection = self.wait_for_socket(timeout)
        with self._cond:
            socket = self._socket
            assert socket is not None
            # Recorded before sending: the ack cannot arrive first.
            self._socket_envelopes[envelope_id] = SocketEnvelope(
                envelope_id,
                kind,
                copy.deepcopy(payload),
                accepts_response_payload,
                connection.connection_id,
                time.monotonic(),
            )
            if kind == "interactive" and payload.get("type") == "view_submission":
                user = str((payload.get("user") or {}).get("id", ""))
                view_id = str((payload.get("view") or {}).get("id", ""))
                self._socket_submissions[envelope_id] = (user, view_id)
            self._cond.notify_all()
        socket.send(connection.connection_id, json.dumps(envelope, ensure_ascii=False), timeout)
        return envelope_id

    async def socket_send_async(
        self,
        kind: str,
        payload: JSONDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> str:
        """:meth:`socket_send` for coroutines running in the app's own loop."""
        return await asyncio.to_thread(
            lambda: self.socket_send(
                kind,
                payload,
                accepts_response_payload=accepts_response_payload,
                retry_attempt=retry_attempt,
                retry_reason=retry_reason,
                timeout=timeout,
            )
        )

    def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message on every open connection; the SDK then fetches a
        new URL with ``apps.connections.open`` and reconnects."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )
        with self._cond:
            socket = self._socket
            open_ids = list(socket.sockets) if socket is not None else []
        for connection_id in open_ids:
            assert socket is not None
            socket.send(connection_id, message, timeout=5)

    def socket_envelopes(self) -> list[SocketEnvelope]:
        """Envelopes pushed so far, in order."""
        with self._cond:
            return copy.deepcopy(list(self._socket_envelopes.values()))

    def socket_acks(self) -> list[SocketAck]:
        """Acks the app sent, in arrival order (duplicates included)."""
        with self._cond:
            return copy.deepcopy(self._socket_acks)

    def socket_messages(self) -> list[str]:
        """Every text frame the app sent over Socket Mode, acks or not, as received."""
        with self._cond:
            return list(self._socket_messages)

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 10.0) -> JSONDict:
        """The app's ack of ``envelope_id`` (``{"envelope_id": ..., "payload": ...}``, payload
        only if it sent one), waiting for it.  Slack itself gives up after 3 seconds."""
        self.wait_for(
            lambda api: any(a.envelope_id == envelope_id for a in api._socket_acks), timeout
        )
        with self._cond:
            ack = next(a for a in self._socket_acks if a.envelope_id == envelope_id)
            return copy.deepcopy(ack.message)

    async def wait_for_socket_ack_async(self, envelope_id: str, timeout: float = 10.0) -> JSONDict:
        """:meth:`wait_for_socket_ack` for coroutines running in the app's own loop."""
        return await asyncio.to_thread(self.wait_for_socket_ack, envelope_id, timeout)

    def socket_sender(
        self, *, verification_token: str = "verification-token", timeout: float = 10.0
    ) -> SocketSender:
        """A :class:`SocketSender`: :class:`SlackSender`'s helpers, delivered over Socket Mode."""
        return SocketSender(self, verification_token=verification_token, timeout=timeout)

    def _socket_received(self, connection_id: str, text: str) -> None:
        """A text frame from the app (called on the socket thread)."""
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._cond:
            self._socket_messages.append(text)
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                payload = message.get("payload")
                envelope_id = message["envelope_id"]
                self._socket_acks.append(
                    SocketAck(
                        envelope_id,
                        copy.deepcopy(payload) if isinstance(payload, dict) else None,
                        message,
                        connection_id,
                        time.monotonic(),
                    )
                )
                submission = self._socket_submissions.pop(envelope_id, None)
                if submission is not None:
                    body = json.dumps(payload).encode() if isinstance(payload, dict) else b""
                    self._after_submission(*submission, SlackReply(200, body, {}))
            self._cond.notify_all()

    # ------------------------------------------------------------------ non-API endpoints

    def _upload(self, path: str, content_type: str, body: bytes) -> _Answer:
        """The upload_url: raw bytes (what slack_sdk sends) or a multipart file part."""
        at = time.monotonic()
        file_id = path.removeprefix("/upload/")
        data = body
        if content_type.lower().startswith("multipart/form-data"):
            try:
                _fields, parts = _parse_multipart(body, content_type)
            except _SlackError:
                parts = {}
            data = next((p.data for p in parts.values() if isinstance(p, MultipartFile)), b"")
        params: dict[str, Any] = {"file_id": file_id, "length": len(data)}
        delay, failure = self._take_faults("file_upload", params)
        if delay > 0:
            self._pause(delay)
        if failure is not None:
            failed = self._failure_answer(failure, text=True)
            return self._record("file_upload", params, at, failed, path)
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is not None:
                upload.data = data
        answer: _Answer = (
            (404, {}, "text/plain", b"file not found")
            if upload is None
            else (200, {}, "text/plain", f"OK - {len(data)}".encode())
        )
        return self._record("file_upload", params, at, answer, path)

    def _respond(self, path: str, content_type: str, body: bytes) -> _Answer:
        """A post to a response_url, applied like Slack applies it."""
        at = time.monotonic()
        params: dict[str, Any] = {}
        try:
            params = _parse_params(content_type or "application/json", body, "")
            if "payload" in params and isinstance(params["payload"], str):
                params = _decode_json_fields(json.loads(params["payload"]))
        except (_SlackError, ValueError):
            answer = _json_answer(400, {"ok": False, "error": "invalid_payload"})
            return self._record("response_url", params, at, answer, path)
        delay, failure = self._take_faults("response_url", params)
        if delay > 0:
            self._pause(delay)
        if failure is not None:
            return self._record("response_url", params, at, self._failure_answer(failure), path)
        try:
            with self._cond:
                target = self._response_targets.get(path)
                if target is None:
                    raise _SlackError("no_service", status=404)
                if target.uses >= 5:
                    raise _SlackError("used_url", status=404)
                self._check_markup("response_url", params)
                target.uses += 1
                self._apply_response(target, params)
            answer = _json_answer(200, {"ok": True})
        except _SlackError as exc:
            answer = _json_answer(exc.status, {"ok": False, "error": exc.error})
        return self._record("response_url", params, at, answer, path)

    def _apply_response(self, target: _ResponseTarget, params: dict[str, Any]) -> None:
        def truthy(key: str) -> bool:
            # JSON bodies carry real bools; tolerate "true"/"1" from hand-built forms.
            return str(params.get(key, "")).lower() in ("1", "true")

        if truthy("delete_original"):
            if target.channel is None or target.message_ts is None:
                raise _SlackError("message_not_found", status=404)
            self._stored_message(target.channel, target.message_ts).deleted = True
            return
        text, blocks = self._text_and_blocks(params, required=True)
        if truthy("replace_original") and target.message_ts is not None:
            assert target.channel is not None
            message = self._stored_message(target.channel, target.message_ts)
            # A replacement is a whole new message: what it omits is gone.
            self._edit_message(message, text or "", blocks or [])
            return
        if target.channel is None:
            raise _SlackError("channel_not_found", status=404)
        thread_ts = str(params.get("thread_ts") or "") or None
        if params.get("response_type") == "in_channel":
            self._store_message(
                target.channel,
                text or "",
                blocks or [],
                thread_ts,
                via="response_url",
                params=params,
            )
            return
        self._ephemerals.append(
            Ephemeral(
                channel=target.channel,
                user=target.user or "",
                ts=self._new_ts(),
                text=text or "",
                blocks=blocks or [],
                thread_ts=thread_ts,
                via="response_url",
            )
        )

    def _after_submission(self, user: str, view_id: str, reply: SlackReply) -> None:
        """Close, update, push or clear the user's modals as Slack does after a submission."""
        if reply.status != 200:
            return
        try:
            answer = json.loads(reply.body) if reply.body.strip() else {}
        except ValueError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        with self._cond:
            stack = self._stacks.setdefault(user, [])
            if action == "errors":
                return
            if action == "clear":
                stack.clear()
            elif action in ("update", "push") and isinstance(answer.get("view"), dict):
                if not self._submission_view_ok(answer["view"]):
                    return  # Slack keeps the modal and shows the user an error
                replace = action == "update" and view_id in stack
                view = self._make_view(answer["view"], view_id if replace else None)
                if not replace:
                    stack.append(view["id"])
                self._views[view["id"]] = view
            elif view_id in stack:
                stack.remove(view_id)
            self._cond.notify_all()

    # ------------------------------------------------------------------ retention
    # What removing a case from Slack needs: staff messages in a thread, files.delete and
    # conversations.replies. As on Slack, a bot token deletes only the bot's own messages
    # (``cant_delete_message``; every file here is the bot's). Deleting a file takes it out of
    # the messages that shared it but leaves those messages (and their comment) in place, the
    # stricter reading, so the bot must delete them too.

    def _init_retention(self) -> None:
        self._deleted_files: list[str] = []
        self._handlers["files.delete"] = self._files_delete
        self._handlers["conversations.replies"] = self._conversations_replies
        self._handlers["conversations.history"] = self._conversations_history

    def post_as_user(
        self, user: str, channel: str, text: str, *, thread_ts: str | None = None
    ) -> str:
        """A message a person (e.g. staff replying in a case thread) wrote; returns its ts.
        :meth:`messages` and :meth:`thread` list it among the bot's (``Message.user`` says
        who wrote it)."""
        with self._cond:
            message = self._store_message(
                self._resolve_channel(channel), text, [], thread_ts, via="user"
            )
            message.user, message.bot_id = user, ""
            return message.ts

    def deleted_files(self) -> list[str]:
        """Ids of the files deleted with ``files.delete``, in order."""
        with self._cond:
            return list(self._deleted_files)

    def files_left(self) -> list[UploadedFile]:
        """Uploaded files not deleted."""
        with self._cond:
            return [copy.deepcopy(f) for f in self._files if f.file_id not in self._deleted_files]

    def _files_delete(self, params: dict[str, Any]) -> JSONDict:
        file_id = str(params.get("file") or "")
        found = next((f for f in self._files if f.file_id == file_id), None)
        if found is None:
            raise _SlackError("file_not_found")
        if file_id in self._deleted_files:
            raise _SlackError("file_deleted")
        self._deleted_files.append(file_id)
        for message in self._messages:
            if file_id in message.files:
                message.files = [f for f in message.files if f != file_id]
        return {}

    def _reply_json(self, message: Message) -> JSONDict:
        body = message.to_slack()
        if not message.bot_id:
            body.pop("bot_id", None)
        if message.files:
            body["files"] = [{"id": f, "user": message.user} for f in message.files]
        return body

    def _conversations_history(self, params: dict[str, Any]) -> JSONDict:
        """A channel's top-level messages, newest first, between ``oldest`` and ``latest``
        (exclusive unless ``inclusive``), at most ``limit``.

        As on Slack for a bot token: a public channel the bot is not in answers
        ``not_in_channel``, a private one ``channel_not_found`` (the bot cannot see it).
        Simplification: no paging (``has_more`` says whether more matched)."""
        channel = self._resolve_channel(params.get("channel"))
        info = self._channels[channel]
        if not info.get("is_member", True) and not info.get("is_im"):
            raise _SlackError("channel_not_found" if info.get("is_private") else "not_in_channel")
        limit = int(params.get("limit") or 100)
        if not 1 <= limit <= 1000:
            raise _invalid("invalid_limit", "limit must be 1-1000")
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or time.time())
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [
            m
            for m in reversed(self._messages)
            if m.channel == channel
            and not m.deleted
            and m.thread_ts in (None, m.ts)
            and within(float(m.ts))
        ]
        return {
            "messages": [self._reply_json(m) for m in found[:limit]],
            "has_more": len(found) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_replies(self, params: dict[str, Any]) -> JSONDict:
        """The parent and its replies, oldest first, paged by ``limit`` and ``cursor``."""
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts") or "")
        parent = self._by_ts.get((channel, ts))
        if parent is None or parent.deleted:
            raise _SlackError("thread_not_found")
        thread = [parent] + [
            m
            for m in self._messages
            if m.channel == channel and m.thread_ts == ts and m.ts != ts and not m.deleted
        ]
        limit = int(params.get("limit") or 1000)
        if not 1 <= limit <= 1000:
            raise _invalid("invalid_limit", "limit must be 1-1000")
        start = int(str(params.get("cursor") or "0").removeprefix("next:") or 0)
        page = thread[start : start + limit]
        more = start + limit < len(thread)
        return {
            "messages": [self._reply_json(m) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": f"next:{start + limit}" if more else ""},
        }


# ---------------------------------------------------------------------- inbound side


class SendOptions(TypedDict, total=False):
    """How :class:`SlackSender` signs and labels one request.

    ``secret``: sign with this instead of the app's secret (forgery).  ``signed=False``: no
    signature headers at all.  ``timestamp``: the ``X-Slack-Request-Timestamp`` (and signed
    base), e.g. ``int(time.time()) - 600`` for a replay.  ``retry_num``/``retry_reason``: the
    ``X-Slack-Retry-*`` headers Slack adds when it redelivers an event.
    """

    secret: str
    signed: bool
    timestamp: int
    retry_num: int
    retry_reason: str


class SlackReply(NamedTuple):
    """What the app answered; ``status`` 0 means no HTTP answer (timeout, refused)."""

    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Outgoing:
    """A request body as Slack would send it; ``payload`` is its decoded content.  Keep it to
    send the very same bytes again as a Slack retry."""

    body: bytes
    content_type: str
    payload: JSONDict


class SlackSender:
    """Plays Slack towards our app: builds real payloads and POSTs them signed.

    Payloads are filled from the fake's state where Slack would: a block action carries the
    message as the fake stores it, a fresh ``trigger_id`` the fake will accept in ``views.open``
    and a ``response_url`` on the fake; a view submission carries the view the app opened.
    """

    def __init__(
        self,
        fake: FakeSlackApi,
        url: str,
        signing_secret: str,
        *,
        verification_token: str = "verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.fake = fake
        self.url = url
        self.signing_secret = signing_secret
        self.verification_token = verification_token
        self.timeout = timeout
        self.last: Outgoing | None = None

    # ------------------------------------------------------------------ transport

    def signature(self, timestamp: int, body: bytes, secret: str | None = None) -> str:
        """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, as Slack signs requests."""
        key = (secret if secret is not None else self.signing_secret).encode()
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    def headers_for(self, outgoing: Outgoing, **options: Unpack[SendOptions]) -> dict[str, str]:
        """The headers Slack would send with ``outgoing`` (useful to call a handler directly)."""
        timestamp = options.get("timestamp", int(time.time()))
        headers = {
            "Content-Type": outgoing.content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if options.get("signed", True):
            headers["X-Slack-Request-Timestamp"] = str(timestamp)
            headers["X-Slack-Signature"] = self.signature(
                timestamp, outgoing.body, options.get("secret")
            )
        if "retry_num" in options:
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        return headers

    def send(self, outgoing: Outgoing, **options: Unpack[SendOptions]) -> SlackReply:
        """POST ``outgoing`` to the app and return its answer."""
        self.last = outgoing
        request = urllib.request.Request(
            self.url,
            data=outgoing.body,
            headers=self.headers_for(outgoing, **options),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return SlackReply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return SlackReply(exc.code, exc.read(), dict(exc.headers))
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            return SlackReply(0, b"", {})

    # ------------------------------------------------------------------ Events API

    def build_event(self, event: JSONDict, event_id: str | None = None) -> Outgoing:
        """An ``event_callback`` envelope around ``event`` (``event_ts`` filled in)."""
        inner = copy.deepcopy(event)
        with self.fake._cond:
            if inner.get("type") == "message" and "ts" not in inner:
                inner["ts"] = self.fake._new_ts()
            inner.setdefault("event_ts", inner.get("ts") or self.fake._new_ts())
            if inner.get("type") == "message":
                inner.setdefault("team", self.fake.team_id)
                inner.setdefault(
                    "channel_type", "im" if str(inner.get("channel", ""))[:1] == "D" else "channel"
                )
                parent = self.fake._by_ts.get(
                    (str(inner.get("channel")), str(inner.get("thread_ts")))
                )
                if parent is not None and inner.get("thread_ts") != inner.get("ts"):
                    inner.setdefault("parent_user_id", parent.user)
        payload: JSONDict = {
            "token": self.verification_token,
            "team_id": self.fake.team_id,
            "context_team_id": self.fake.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.fake.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self.fake._ids):08d}TEST",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.fake.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self._json(payload)

    def event(
        self, event: JSONDict, event_id: str | None = None, **options: Unpack[SendOptions]
    ) -> SlackReply:
        """Deliver one event (``message``, ``app_home_opened`` ...) as an ``event_callback``."""
        return self.send(self.build_event(event, event_id), **options)

    def message(
        self,
        user: str,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        event_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """A member or staff writes ``text`` in ``channel`` (in the thread ``thread_ts``)."""
        event: JSONDict = {"type": "message", "channel": channel, "user": user, "text": text}
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return self.event(event, event_id, **options)

    def file_share(
        self,
        user: str,
        channel: str,
        file: JSONDict,
        *,
        thread_ts: str | None = None,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` shares ``file`` (from ``FakeSlackApi.share_file``) in ``channel``."""
        event: JSONDict = {
            "type": "message",
            "subtype": "file_share",
            "channel": channel,
            "user": user,
            "text": "",
            "files": [file],
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return self.event(event, **options)

    def app_home_opened(self, user: str, **options: Unpack[SendOptions]) -> SlackReply:
        """The user opens the app's Home tab."""
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"}
        return self.event(event, **options)

    def url_verification(self, challenge: str, **options: Unpack[SendOptions]) -> SlackReply:
        """Slack's handshake when the Events URL is configured; the app must echo ``challenge``."""
        payload = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.send(self._json(payload), **options)

    # ------------------------------------------------------------------ interactivity

    def build_block_action(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        channel: str,
        message_ts: str,
        block_id: str | None = None,
        selected_option: JSONDict | None = None,
        require_action: bool = True,
    ) -> Outgoing:
        """A ``block_actions`` payload for a click on ``action_id`` in a message.

        The element is looked up in the stored message; clicking something the message does not
        show fails the test unless ``require_action=False`` (stale or forged clicks).
        """
        fake = self.fake
        with fake._cond:
            stored = fake._by_ts.get((channel, message_ts))
            message: JSONDict = (
                stored.to_slack()
                if stored is not None
                else {"type": "message", "text": "", "ts": message_ts, "blocks": []}
            )
            blocks: list[JSONDict] = message["blocks"]
            found = _find_element(blocks, action_id)
            if found is None and require_action and stored is not None:
                shown = [
                    e.get("action_id")
                    for b in blocks
                    for e in [*(b.get("elements") or []), b.get("accessory")]
                    if isinstance(e, dict)
                ]
                raise AssertionError(
                    f"message {message_ts} in {channel} has no element {action_id!r}; "
                    f"it shows {shown!r}"
                )
            element: JSONDict = found[1] if found is not None else {"type": "button"}
            action: JSONDict = {
                "action_id": action_id,
                "block_id": block_id or (found[0] if found else None) or f"b{next(fake._ids)}",
                "type": element.get("type", "button"),
                "action_ts": f"{time.time():.6f}",
            }
            if "text" in element:
                action["text"] = copy.deepcopy(element["text"])
            if selected_option is not None:
                action["selected_option"] = copy.deepcopy(selected_option)
                if action["type"] == "button":
                    action["type"] = "static_select"
            else:
                chosen = value if value is not None else element.get("value")
                if chosen is not None:
                    action["value"] = chosen
            channel_info = fake._channels.get(channel, {"name": channel.lower()})
            payload: JSONDict = {
                "type": "block_actions",
                "user": fake._user_payload(user),
                "api_app_id": fake.app_id,
                "token": self.verification_token,
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": False,
                },
                "trigger_id": fake.new_trigger_id(user),
                "team": {"id": fake.team_id, "domain": fake.team},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": channel, "name": channel_info["name"]},
                "message": message,
                "state": {"values": {}},
                "response_url": fake.response_url(
                    channel=channel, user=user, message_ts=message_ts
                ),
                "actions": [action],
            }
        return self._form({"payload": json.dumps(payload, ensure_ascii=False)}, payload)

    def block_action(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        channel: str,
        message_ts: str,
        block_id: str | None = None,
        selected_option: JSONDict | None = None,
        require_action: bool = True,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` clicks ``action_id`` (a button, or a select with ``selected_option``)."""
        outgoing = self.build_block_action(
            user,
            action_id,
            value,
            channel=channel,
            message_ts=message_ts,
            block_id=block_id,
            selected_option=selected_option,
            require_action=require_action,
        )
        return self.send(outgoing, **options)

    def view_block_action(
        self,
        user: str,
        view: JSONDict | str,
        action_id: str,
        *,
        selected_option: JSONDict,
        values: dict[str, dict[str, JSONDict]] | None = None,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` picks ``selected_option`` in a select of an open modal (an input with
        ``dispatch_action``, or an actions block): Slack sends the view as it is, with what
        is typed in it (``values``) as its state. A select the view does not show fails."""
        fake = self.fake
        with fake._cond:
            shown = self._resolve_view(view)
            found = _find_element(shown.get("blocks") or [], action_id)
            if found is None:
                raise AssertionError(f"view {shown.get('id')} has no element {action_id!r}")
            block_id, element = found
            offered = [o.get("value") for o in element.get("options") or []]
            if selected_option.get("value") not in offered:
                raise AssertionError(f"{action_id!r} offers {offered!r}, not {selected_option!r}")
            state = copy.deepcopy(values or {})
            state.setdefault(str(block_id), {})[action_id] = {
                "type": element.get("type", "static_select"),
                "selected_option": copy.deepcopy(selected_option),
            }
            shown["state"] = {"values": state}
            payload: JSONDict = {
                "type": "block_actions",
                "user": fake._user_payload(user),
                "api_app_id": fake.app_id,
                "token": self.verification_token,
                "container": {"type": "view", "view_id": shown["id"]},
                "trigger_id": fake.new_trigger_id(user),
                "team": {"id": fake.team_id, "domain": fake.team},
                "enterprise": None,
                "is_enterprise_install": False,
                "view": shown,
                "actions": [
                    {
                        "type": element.get("type", "static_select"),
                        "action_id": action_id,
                        "block_id": block_id,
                        "selected_option": copy.deepcopy(selected_option),
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        outgoing = self._form({"payload": json.dumps(payload, ensure_ascii=False)}, payload)
        return self.send(outgoing, **options)

    def _resolve_view(self, view: JSONDict | str) -> JSONDict:
        fake = self.fake
        if isinstance(view, str):
            found = fake._views.get(view)
            if found is None:
                found = next(
                    (v for v in reversed(fake._views.values()) if v.get("callback_id") == view),
                    None,
                )
            if found is None:
                raise AssertionError(f"the app opened no view with id or callback_id {view!r}")
            return copy.deepcopy(found)
        if view.get("id") in fake._views:
            return copy.deepcopy(fake._views[view["id"]])
        callback_id = view.get("callback_id")
        for stored in reversed(fake._views.values()):
            if callback_id and stored.get("callback_id") == callback_id:
                return copy.deepcopy(stored)
        return fake._make_view(view)

    def build_view_submission(
        self,
        user: str,
        view: JSONDict | str,
        values: dict[str, dict[str, JSONDict]] | None = None,
        *,
        require_inputs: bool = True,
    ) -> Outgoing:
        """A ``view_submission`` of ``view`` (the dict the app opened, as in
        ``views_opened()[i].view``, or its id or callback_id) with ``state.values`` set.

        Values for blocks or action_ids the view does not contain fail the test unless
        ``require_inputs=False``; build them with :func:`plain_text`, :func:`static_select` ...
        """
        fake = self.fake
        values = values or {}
        with fake._cond:
            submitted = self._resolve_view(view)
            if require_inputs:
                blocks = {b.get("block_id"): b for b in submitted.get("blocks", [])}
                for block_id, actions in values.items():
                    block = blocks.get(block_id)
                    element = (block or {}).get("element") or {}
                    ids = [element.get("action_id")] + [
                        e.get("action_id") for e in (block or {}).get("elements") or []
                    ]
                    for action_id in actions:
                        if block is None or action_id not in ids:
                            raise AssertionError(
                                f"view {submitted.get('callback_id')!r} has no input "
                                f"{block_id!r}/{action_id!r}; blocks: {sorted(map(str, blocks))}"
                            )
            submitted["state"] = {"values": copy.deepcopy(values)}
            payload: JSONDict = {
                "type": "view_submission",
                "team": {"id": fake.team_id, "domain": fake.team},
                "user": fake._user_payload(user),
                "api_app_id": fake.app_id,
                "token": self.verification_token,
                "trigger_id": fake.new_trigger_id(user),
                "view": submitted,
                "response_urls": [],
                "enterprise": None,
                "is_enterprise_install": False,
            }
        return self._form({"payload": json.dumps(payload, ensure_ascii=False)}, payload)

    def view_submission(
        self,
        user: str,
        view: JSONDict | str,
        values: dict[str, dict[str, JSONDict]] | None = None,
        *,
        require_inputs: bool = True,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` submits the modal; the fake's modal stack follows the app's answer."""
        outgoing = self.build_view_submission(user, view, values, require_inputs=require_inputs)
        reply = self.send(outgoing, **options)
        self.fake._after_submission(user, str(outgoing.payload["view"]["id"]), reply)
        return reply

    def build_slash_command(
        self,
        user: str,
        command: str = "/madoguchi",
        text: str = "",
        *,
        channel: str = "C0STAFF",
    ) -> Outgoing:
        """A slash command as Slack posts it: a flat urlencoded form."""
        fake = self.fake
        with fake._cond:
            channel_info = fake._channels.get(channel, {"name": channel.lower()})
            form = {
                "token": self.verification_token,
                "team_id": fake.team_id,
                "team_domain": fake.team,
                "channel_id": channel,
                "channel_name": str(channel_info["name"]),
                "user_id": user,
                "user_name": str(fake._user_payload(user)["name"]),
                "command": command,
                "text": text,
                "api_app_id": fake.app_id,
                "is_enterprise_install": "false",
                "response_url": fake.response_url(channel=channel, user=user),
                "trigger_id": fake.new_trigger_id(user),
            }
        return self._form(form, dict(form))

    def slash_command(
        self,
        user: str,
        command: str = "/madoguchi",
        text: str = "",
        *,
        channel: str = "C0STAFF",
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` types ``{command} {text}`` in ``channel``."""
        return self.send(self.build_slash_command(user, command, text, channel=channel), **options)

    # ------------------------------------------------------------------ encoding

    @staticmethod
    def _json(payload: JSONDict) -> Outgoing:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return Outgoing(body, "application/json", payload)

    @staticmethod
    def _form(form: dict[str, str], payload: JSONDict) -> Outgoing:
        return Outgoing(urlencode(form).encode(), "application/x-www-form-urlencoded", payload)


class SocketSender(SlackSender):
    """:class:`SlackSender` over Socket Mode: the same builders and helpers (``block_action``,
    ``view_submission``, ``slash_command``, ``message`` ...), but each payload travels as an
    envelope on the app's WebSocket and the :class:`SlackReply` is made from its ack: status 200
    with the ack's payload as JSON body, or status 0 if no ack came within ``timeout``.

    ``SendOptions``: ``retry_num``/``retry_reason`` become the envelope's ``retry_attempt``/
    ``retry_reason``; the signing options mean nothing here and are ignored.
    """

    def __init__(
        self,
        fake: FakeSlackApi,
        *,
        verification_token: str = "verification-token",
        timeout: float = 10.0,
    ) -> None:
        super().__init__(fake, "", "", verification_token=verification_token, timeout=timeout)
        self.last_envelope_id: str | None = None

    def send(self, outgoing: Outgoing, **options: Unpack[SendOptions]) -> SlackReply:
        """Push ``outgoing.payload`` as an envelope and wait for the app's ack."""
        self.last = outgoing
        kind = _envelope_type(outgoing.payload)
        retry = options.get("retry_num", 0)
        envelope_id = self.fake.socket_send(
            kind,
            outgoing.payload,
            retry_attempt=retry,
            retry_reason=options.get("retry_reason", "http_timeout") if retry else "",
            timeout=self.timeout,
        )
        self.last_envelope_id = envelope_id
        try:
            ack = self.fake.wait_for_socket_ack(envelope_id, self.timeout)
        except AssertionError:
            return SlackReply(0, b"", {})
        payload = ack.get("payload")
        if payload is None:
            return SlackReply(200, b"", {})
        body = json.dumps(payload, ensure_ascii=False).encode()
        return SlackReply(200, body, {"Content-Type": "application/json"})

    def view_submission(
        self,
        user: str,
        view: JSONDict | str,
        values: dict[str, dict[str, JSONDict]] | None = None,
        *,
        require_inputs: bool = True,
        **options: Unpack[SendOptions],
    ) -> SlackReply:
        """``user`` submits the modal; the fake moves the modal stack when the ack arrives."""
        outgoing = self.build_view_submission(user, view, values, require_inputs=require_inputs)
        return self.send(outgoing, **options)
