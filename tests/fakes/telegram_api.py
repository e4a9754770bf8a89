"""A fake Telegram Bot API server for end-to-end tests.

Why a real HTTP server and not a mocked ``telegram.Bot``: the code under test should talk to
Telegram through the *real* python-telegram-bot (PTB) stack - its request encoding, its JSON
decoding (``de_json``), its exception mapping (``RetryAfter``, ``Forbidden``, ``TimedOut`` ...)
and its polling/webhook machinery.  Mocks skip exactly the layers where production bugs hide.

Why only the standard library, in threads: the server must keep answering while the code under
test blocks or restarts its own asyncio loop, and it must not depend on which loop (if any) a
test runs.  ``ThreadingHTTPServer`` serves every connection in its own thread and a single
``threading.Condition`` (over an ``RLock``) guards all state, so long polls, webhook delivery and
``wait_for`` all wake on events instead of sleeping.

How PTB 22.x talks to the Bot API (what this fake has to understand):

* Every method is a ``POST`` to ``{base_url}/{method}``.  Without files the body is
  ``application/x-www-form-urlencoded``; string values are sent as they are and every other
  value (ints, bools, lists, ``reply_markup``, ``commands``, ``scope`` ...) is JSON-encoded into
  the form value.  So ``chat_id=42`` and ``reply_markup={"inline_keyboard": ...}`` arrive as
  strings and have to be decoded per field.
* With files (``InputFile``) the body is ``multipart/form-data``: the other parameters are form
  fields encoded the same way, the file is a part named after the parameter (or an
  ``attach://`` name) and its filename is raw UTF-8 with ``"`` escaped as ``%22``.
* Other clients (and curl) send ``application/json`` or a query string; both are accepted too.
* Errors are mapped from the HTTP status, not from ``error_code``: 403 -> ``Forbidden``,
  401/404 -> ``InvalidToken``, 400 -> ``BadRequest``, 409 -> ``Conflict``, anything else ->
  ``NetworkError``; ``parameters.retry_after`` -> ``RetryAfter`` regardless of status.
  PTB also strips a leading "Bad Request: " and ``capitalize()``s the rest, so the description
  "Bad Request: message is not modified: ..." surfaces as "Message is not modified: ...".
* ``getUpdates`` is posted with a read timeout of ``timeout`` + the request's read timeout, and
  ``Updater.stop()`` confirms the offset with one last ``timeout=0`` call - which, as on
  Telegram, ends the still-open long poll with 409 Conflict.

Deliberate differences from Telegram, all to make local tests possible:

* Webhook URLs may be plain ``http://127.0.0.1:<port>`` (Telegram wants HTTPS on 443/80/88/8443).
* :meth:`FakeBotApi.redeliver` can hand out an update again although its offset was confirmed,
  to test that the bot processes duplicate deliveries idempotently.
* Callback queries expire after ``query_lifetime`` seconds (Telegram publishes no number) on
  the fake's own clock, which :meth:`FakeBotApi.advance` moves on and ``press(age=...)`` can
  start in the past, so tests of late answers never wait.

Refused as Telegram refuses them: text over 4,096 UTF-16 units after entity parsing ("message
is too long", on sends and edits), empty text, captions over 1,024 units, ``callback_data``
outside 1-64 bytes of UTF-8 (BUTTON_DATA_INVALID), an answer to a query already answered or
too old, and an edit that changes nothing.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
import http.client
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.http import FilePart, QuietServer, RequestHandler, ServedFake, parse_multipart

__all__ = ["Call", "FakeBotApi", "UploadedFile", "WebhookConfig"]

JSONDict = dict[str, Any]

# Parameters whose form value is a plain string even if it looks like JSON ("123", "true").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "language_code",
        "callback_query_id",
        "action",
        "file_id",
        "inline_message_id",
        "ip_address",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "message_effect_id",
        "business_connection_id",
        "document",
        "photo",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "thumbnail",
    }
)
# Parameters that hold ids; JSON clients sometimes send them as strings.
_INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "user_id"})

# Telegram only delivers these when allowed_updates asks for them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_MAX_DOWNLOAD = 20 * 1024 * 1024
# Text and caption limits, counted after entity parsing in UTF-16 code units, as Telegram does.
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_BOT_UPLOAD = 50 * 1024 * 1024  # what a bot may upload (sendDocument, sendPhoto)
# Telegram does not publish how long a callback query can be answered; it is some seconds
# (about 15 is commonly observed). Tests move the fake's clock rather than wait.
_QUERY_LIFETIME = 15.0
_FIRST_UPDATE_ID = 500_000_001

_BLOCKED = "Forbidden: bot was blocked by the user"
_CHAT_NOT_FOUND = "Bad Request: chat not found"
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_TOO_LONG = "Bad Request: message is too long"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


UploadedFile = FilePart  # a file part of a multipart request


@dataclass
class Call:
    """One Bot API request as the fake answered it.

    ``params`` are decoded to Python values (ints, dicts for ``reply_markup`` ...), whatever
    encoding the client used, so assertions need not care about PTB's wire format.  ``at`` is
    ``time.monotonic()`` when the request arrived, to check back-off between retries.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any = None
    description: str | None = None


@dataclass
class WebhookConfig:
    """What ``setWebhook`` registered; ``None`` on the fake means polling mode."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None


@dataclass
class _Fault:
    method: str
    remaining: int
    status: int
    retry_after: int | None
    delay: float
    chat_id: int | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


@dataclass
class _Member:
    user: JSONDict
    chat: JSONDict
    next_message_id: int = 1
    messages: dict[int, JSONDict] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)


class _ApiError(Exception):
    """Control flow: a method handler decided to answer with a Bot API error."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _error_body(status: int, description: str, retry_after: int | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def _fault_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    known = {
        400: "Bad Request",
        401: "Unauthorized",
        403: _BLOCKED,
        404: "Not Found",
        409: "Conflict",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _json_bytes(payload: Any) -> bytes:
    """JSON as Telegram writes it: UTF-8, but what UTF-8 cannot hold (a lone surrogate some
    client sent) as a ``\\ud800`` escape, which is valid JSON and decodes to that surrogate."""
    try:
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload).encode("ascii")


def _utf16_len(text: str) -> int:
    """Telegram measures text, entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


def _coerce_form_value(name: str, raw: str) -> Any:
    """Undo PTB's encoding: strings travel raw, everything else as JSON inside the form value."""
    if name in _STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_PERCENT = re.compile(r"%(0[0-9A-F]|1[0-9A-F]|22)")


def _form_param_unescape(value: str) -> str:
    """httpx writes multipart names HTML5-style: raw UTF-8, with ``"`` and controls as %XX."""
    return _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), value)


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Any]]:
    try:
        fields, files = parse_multipart(body, content_type, _form_param_unescape)
    except ValueError as error:
        raise _ApiError(400, "Bad Request: multipart boundary is missing") from error
    return fields, dict(files)


def _parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Decode a Bot API request the way Telegram does: query string, form, multipart or JSON."""
    params: dict[str, Any] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        params[key] = _coerce_form_value(key, values[-1])
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return params
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise _ApiError(400, "Bad Request: can't parse JSON object") from exc
        if not isinstance(decoded, dict):
            raise _ApiError(400, "Bad Request: can't parse JSON object")
        for key, value in decoded.items():
            params[key] = (
                _coerce_form_value(key, value)
                if isinstance(value, str) and key not in _STRING_FIELDS
                else value
            )
    elif media_type == "multipart/form-data":
        fields, files = _parse_multipart(body, content_type)
        for key, raw in fields.items():
            params[key] = _coerce_form_value(key, raw)
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.pop(value.removeprefix("attach://"), value)
        params.update(files)
    else:
        text = body.decode("utf-8", "replace")
        for key, values in parse_qs(text, keep_blank_values=True).items():
            params[key] = _coerce_form_value(key, values[-1])
    for key in _INT_FIELDS:
        number = _as_int(params.get(key))
        if number is not None:
            params[key] = number
    return params


class _TelegramHtml(HTMLParser):
    """Checks ``parse_mode=HTML`` the way Telegram does (only its tag set, properly nested) and
    collects the plain text the member will see."""

    _ALLOWED = frozenset(
        {
            "b",
            "strong",
            "i",
            "em",
            "u",
            "ins",
            "s",
            "strike",
            "del",
            "span",
            "tg-spoiler",
            "a",
            "code",
            "pre",
            "blockquote",
            "tg-emoji",
        }
    )

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.error: str | None = None
        starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                starts.append(index + 1)
        self._line_starts = starts

    def _offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.source[:index].encode("utf-8"))

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        spoiler_span = tag == "span" and ("class", "tg-spoiler") in attrs
        if tag not in self._ALLOWED or (tag == "span" and not spoiler_span):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._offset()}")
        elif self.stack[-1] != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._offset()}, "
                f'expected "</{self.stack[-1]}>", found "</{tag}>"'
            )
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MDV2_ENTITY_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
}


def _parse_markdown_v2(text: str) -> str:
    """Checks ``parse_mode=MarkdownV2``: every reserved character outside entity markup must be
    escaped - the classic cause of "can't parse entities" in production (phone numbers, dates,
    "。" is fine but "." is not).  Returns the plain text the member will see."""

    def fail(message: str) -> _ApiError:
        return _ApiError(400, f"Bad Request: can't parse entities: {message}")

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def find_closing(start: int, closing: str) -> int:
        index = start
        while index < len(text):
            if text[index] == "\\":
                index += 2
                continue
            if text.startswith(closing, index):
                return index
            index += 1
        return -1

    def unescape(chunk: str) -> str:
        return re.sub(r"\\([\x01-\x7e])", r"\1", chunk)

    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char == "\\" and i + 1 < len(text) and 1 <= ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = find_closing(i + len(fence), fence)
            if end < 0:
                kind = "Pre" if fence == "```" else "Code"
                raise fail(f"Can't find end of {kind} entity at byte offset {byte_offset(i)}")
            body = text[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                body = body.split("\n", 1)[1]
            out.append(unescape(body))
            i = end + len(fence)
            continue
        if at_line_start and text.startswith("**>", i):
            i += 3
            continue
        if at_line_start and char == ">":
            i += 1
            continue
        if char == "!" and text.startswith("![", i):
            i += 1
            continue
        token = ""
        if char in "*~":
            token = char
        elif char == "_":
            token = "__" if text.startswith("__", i) else "_"
        elif char == "|" and text.startswith("||", i):
            token = "||"
        if token:
            if stack and stack[-1][0] == token:
                stack.pop()
            elif any(open_token == token for open_token, _ in stack):
                name = _MDV2_ENTITY_NAMES[stack[-1][0]]
                raise fail(f"Can't find end of {name} entity at byte offset {stack[-1][1]}")
            else:
                stack.append((token, byte_offset(i)))
            i += len(token)
            continue
        if char == "[":
            stack.append(("[", byte_offset(i)))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            stack.pop()
            i += 1
            if i < len(text) and text[i] == "(":
                end = find_closing(i + 1, ")")
                if end < 0:
                    raise fail(f"Can't find end of a URL at byte offset {byte_offset(i)}")
                i = end + 1
            continue
        if char in "_*[]()~`>#+-=|{}.!":
            raise fail(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        i += 1
    if stack:
        token, offset = stack[-1]
        raise fail(f"Can't find end of {_MDV2_ENTITY_NAMES[token]} entity at byte offset {offset}")
    return "".join(out)


def _render(text: str, parse_mode: Any) -> str:
    """The text as the member sees it, or a 400 exactly where Telegram would refuse it."""
    if parse_mode is None or parse_mode == "":
        return text
    mode = str(parse_mode).lower()
    if mode == "html":
        parser = _TelegramHtml(text)
        parser.feed(text)
        parser.close()
        if parser.error is None and parser.stack:
            parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
        if parser.error is not None:
            raise _ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
        return "".join(parser.parts)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return text
    raise _ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")


def _check_reply_markup(markup: Any) -> JSONDict | None:
    """Validate ``reply_markup``; return it if Telegram would echo it in the Message (only
    non-empty inline keyboards are echoed, reply keyboards are not)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(
            400,
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
            "should be an Array of Arrays",
        )
    actions = (
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _ApiError(
                    400, "Bad Request: can't parse inline keyboard button: Text must be non-empty"
                )
            if not any(key in button for key in actions):
                raise _ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if not any(rows):
        return None
    return copy.deepcopy(markup)


def _chat_of(update: JSONDict) -> object:
    """The chat an update belongs to (its sender for updates without a chat)."""
    for kind in ("message", "edited_message"):
        if kind in update:
            return update[kind]["chat"]["id"]
    if "callback_query" in update:
        query = update["callback_query"]
        message = query.get("message")
        return message["chat"]["id"] if message else query["from"]["id"]
    return ("update", update["update_id"])


def _update_id(update: JSONDict) -> int:
    return int(update["update_id"])


def _wanted(update: JSONDict, allowed: list[str] | None) -> bool:
    """Whether a client that gave ``allowed_updates`` receives this update."""
    kind = _update_type(update)
    return kind in allowed if allowed else kind not in _OPT_IN_UPDATES


def _update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


class _Server(QuietServer):
    fake: FakeBotApi


class _Handler(RequestHandler):
    timeout = 120

    def serve(self) -> None:
        fake = cast(_Server, self.server).fake
        try:
            body = self.read_body()
            status, content_type, payload = fake._route(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
            self.answer(status, content_type, payload)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True


class FakeBotApi(ServedFake):
    """An in-process Telegram Bot API that the real PTB ``telegram.Bot`` can talk to.

    Members act through :meth:`send_text`, :meth:`press` and friends, which queue updates the bot
    receives by ``getUpdates`` or by webhook.  Everything the bot calls is recorded in
    :attr:`calls`; :meth:`wait_for` blocks (without sleeping) until the bot has done something.
    Chats exist only once a member wrote (or :meth:`ensure_chat`), as on Telegram, where a bot
    cannot message a user who never started it.
    """

    server_class = _Server
    handler_class = _Handler

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "madoguchi_test_bot",
        bot_first_name: str = "窓口テスト",
        webhook_timeout: float = 10.0,
        webhook_retry_delay: float = 0.05,
        webhook_connections: int = 1,
        query_lifetime: float = _QUERY_LIFETIME,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_delay = webhook_retry_delay
        # Like setWebhook's max_connections: this many deliveries at once, never two of one
        # chat (a chat's updates still arrive in order).
        self.webhook_connections = webhook_connections
        self._in_flight: dict[int, object] = {}  # update_id -> its chat, being delivered
        self.base_url = ""

        self.calls: list[Call] = []
        self.webhook: WebhookConfig | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []
        self.confirmed_offset = 0
        # getUpdates requests being held open right now; lets a test wait until the bot polls.
        self.polls_waiting = 0
        self.my_commands: dict[tuple[str, str], list[JSONDict]] = {}

        self._cond = threading.Condition(threading.RLock())
        self._stopping = False
        self._ids = itertools.count(1)
        self._next_update_id = _FIRST_UPDATE_ID
        self._pending: list[JSONDict] = []
        self._history: dict[int, JSONDict] = {}
        self._forced: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._members: dict[int, _Member] = {}
        self._blocked: set[int] = set()
        # Callback query id -> when it was pressed on the fake's clock; None once answered.
        self._callback_queries: dict[str, float | None] = {}
        self.query_lifetime = query_lifetime
        self.max_upload = _MAX_BOT_UPLOAD  # a test may lower it rather than send 50 MB
        self._clock_offset = 0.0  # moved on by ``advance``: nobody waits for real
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._faults: list[_Fault] = []
        self._throttles: dict[str, tuple[float, int, random.Random]] = {}
        self._last_webhook_error: tuple[int, str] | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getFile": self._get_file,
            "sendDocument": self._send_document_by_bot,
            "sendPhoto": self._send_photo_by_bot,
        }
        # Telegram method names are case-insensitive.
        self._canonical = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle

    def _starting(self) -> None:
        self._stopping = False

    def _more_threads(self) -> list[threading.Thread]:
        """The webhook deliverers."""
        return [
            threading.Thread(target=self._webhook_loop, daemon=True)
            for _ in range(self.webhook_connections)
        ]

    def _stopping_now(self) -> None:
        """Waiting long polls and fault delays return at once."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    @property
    def api_url(self) -> str:
        """The ``base_url`` argument for ``telegram.Bot``."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """The ``base_file_url`` argument for ``telegram.Bot``."""
        return f"{self.base_url}/file/bot"

    # ------------------------------------------------------------------ members

    def ensure_chat(self, chat_id: int, *, language_code: str = "ja") -> None:
        """Make a private chat exist without a message, for bots that write first (e.g. a
        reminder after a restart against a fresh fake)."""
        with self._cond:
            self._member(chat_id, language_code)

    def send_text(self, chat_id: int, text: str, *, language_code: str = "ja") -> int:
        """A member sends a plain text message."""
        with self._cond:
            message = self._member_message(chat_id, language_code, text=text)
            return self.queue_update({"message": message})

    def send_command(
        self,
        chat_id: int,
        command: str,
        argument: str | None = None,
        *,
        language_code: str = "ja",
    ) -> int:
        """A member sends ``/command argument`` with the ``bot_command`` entity Telegram adds
        (PTB's CommandHandler only matches messages that carry that entity)."""
        name = command if command.startswith("/") else f"/{command}"
        text = name if argument is None else f"{name} {argument}"
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(name)}
        with self._cond:
            message = self._member_message(chat_id, language_code, text=text, entities=[entity])
            return self.queue_update({"message": message})

    def edit_text(self, chat_id: int, text: str, *, message_id: int | None = None) -> int:
        """A member edits a text message they sent (by default their latest): Telegram sends
        the whole message again, with the new text and ``edit_date``, as ``edited_message``
        under a new update_id, and only to a bot whose allowed_updates take it."""
        with self._cond:
            member = self._members.get(chat_id)
            sent = [m for m in member.messages.values() if "text" in m] if member else []
            if member is None or not sent:
                raise AssertionError(f"the member has sent no text in chat {chat_id}")
            original = sent[-1] if message_id is None else member.messages[message_id]
            original.update(text=text, edit_date=int(time.time()))
            original.pop("entities", None)
            return self.queue_update({"edited_message": copy.deepcopy(original)})

    def press(
        self,
        chat_id: int,
        callback_data: str,
        *,
        message_id: int | None = None,
        require_button: bool = True,
        age: float = 0.0,
    ) -> int:
        """A member presses an inline button (``age`` seconds ago: the update waited, e.g.
        while the bot was down, and its query may be too old to answer already).

        The callback query carries the message as it is now (text, keyboard, edits), like
        Telegram.  ``message_id`` defaults to the bot's latest message in the chat.  Pressing data
        that no button of that message carries fails the test, unless ``require_button=False``
        (to simulate stale or forged callback data).
        """
        with self._cond:
            member = self._members.get(chat_id)
            if member is None or not member.bot_message_ids:
                raise AssertionError(f"the bot has sent no message to chat {chat_id}")
            target = member.bot_message_ids[-1] if message_id is None else message_id
            message = member.messages.get(target)
            if message is None:
                raise AssertionError(f"no message {target} in chat {chat_id}")
            buttons = [
                button.get("callback_data")
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if require_button and callback_data not in buttons:
                raise AssertionError(
                    f"message {target} in chat {chat_id} has no button {callback_data!r}; "
                    f"its buttons: {buttons!r}"
                )
            query_id = str(4_000_000_000_000_000 + next(self._ids))
            self._callback_queries[query_id] = self.now() - age
            query = {
                "id": query_id,
                "from": copy.deepcopy(member.user),
                "chat_instance": str(-(7_000_000_000 + chat_id)),
                "message": copy.deepcopy(message),
                "data": callback_data,
            }
            return self.queue_update({"callback_query": query})

    def send_photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> int:
        """A member sends a photo.  Like Telegram, ``photo`` lists sizes smallest first; both
        sizes download the same bytes, and ``calls_to("getFile")`` shows which one the bot chose."""
        with self._cond:
            thumb = self._store_file(data, "photos", ".jpg")
            full = self._store_file(data, "photos", ".jpg")
            scale = 90 / max(width, height, 1)
            sizes = [
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.file_unique_id,
                    "file_size": len(data),
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                },
                {
                    "file_id": full.file_id,
                    "file_unique_id": full.file_unique_id,
                    "file_size": len(data),
                    "width": width,
                    "height": height,
                },
            ]
            content: JSONDict = {"photo": sizes}
            if caption is not None:
                content["caption"] = caption
            message = self._member_message(chat_id, None, **content)
            return self.queue_update({"message": message})

    def send_document(
        self,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
    ) -> int:
        """A member sends a file as a document (e.g. a scan of an ID card)."""
        suffix = re.search(r"\.[A-Za-z0-9]{1,8}$", file_name)
        with self._cond:
            stored = self._store_file(data, "documents", suffix.group(0) if suffix else "")
            content: JSONDict = {
                "document": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_name": file_name,
                    "mime_type": mime_type,
                    "file_size": len(data),
                }
            }
            if caption is not None:
                content["caption"] = caption
            message = self._member_message(chat_id, None, **content)
            return self.queue_update({"message": message})

    def send_sticker(self, chat_id: int) -> int:
        """A member sends a sticker - a message type the desk does not accept."""
        with self._cond:
            stored = self._store_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", ".webp")
            sticker = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
                "file_size": len(stored.data),
            }
            message = self._member_message(chat_id, None, sticker=sticker)
            return self.queue_update({"message": message})

    @contextlib.contextmanager
    def atomically(self) -> Iterator[None]:
        """Hold all state while several member actions are queued, so a waiting long poll or
        the webhook sender sees them together rather than racing in between."""
        with self._cond:
            yield

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (assigning ``update_id`` if missing) for getUpdates or webhook."""
        with self._cond:
            stored = copy.deepcopy(update)
            if "update_id" not in stored:
                stored["update_id"] = self._next_update_id
            update_id = int(stored["update_id"])
            self._next_update_id = max(self._next_update_id, update_id + 1)
            self._register_chats(stored)
            self._history[update_id] = stored
            self._insert_pending(stored)
            self._cond.notify_all()
            return update_id

    def update_ids(self) -> list[int]:
        """Every update queued so far, in order (each once, however often delivered)."""
        with self._cond:
            return sorted(self._history)

    def update(self, update_id: int) -> dict[str, Any]:
        """A copy of an update as it was queued (e.g. to see the photo sizes offered)."""
        with self._cond:
            return copy.deepcopy(self._history[update_id])

    def redeliver(self, update_id: int) -> None:
        """Hand out an update again, as Telegram does when it never saw the confirmation.

        Unlike plain Telegram, the update is delivered once more even if its offset was already
        confirmed, so tests can check that duplicates are processed idempotently.
        """
        with self._cond:
            if update_id not in self._history:
                raise AssertionError(f"update {update_id} was never queued")
            if all(u["update_id"] != update_id for u in self._pending):
                self._insert_pending(self._history[update_id])
            self._forced.add(update_id)
            self._cond.notify_all()

    def now(self) -> float:
        """The fake's clock: ``time.monotonic()`` plus whatever ``advance`` added."""
        with self._cond:
            return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for what ages on Telegram (callback queries), without waiting."""
        with self._cond:
            self._clock_offset += seconds

    def block(self, chat_id: int) -> None:
        """The member blocks the bot: from now on every call for that chat answers 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The member restarts the bot after blocking it."""
        with self._cond:
            self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int | None = None,
        delay: float = 0.0,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (optionally only for ``chat_id``).

        429 answers carry ``parameters.retry_after`` (default 1, Telegram always sends it), which
        PTB turns into ``RetryAfter``.  ``delay`` holds the answer back to provoke client
        timeouts; with a 2xx ``status`` the call is then carried out normally - the "timed out
        but Telegram did deliver it" case that causes duplicate messages.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._cond:
            self._faults.append(_Fault(method, times, status, retry_after, delay, chat_id))

    def faults_left(self, method: str | None = None) -> int:
        """Calls still to be failed by :meth:`fail_next` (of ``method``, if given): 0 once every
        injected fault has met its call."""
        with self._cond:
            return sum(f.remaining for f in self._faults if method is None or f.method == method)

    def throttle(self, method: str, share: float, *, retry_after: int = 1, seed: int = 0) -> None:
        """Answer a random ``share`` of ``method`` calls with 429 and ``retry_after``, as Telegram
        does under load (benchmarks of delivery under limits); ``share=0`` turns it off.

        Seeded, so a run can be repeated; the explicit faults of :meth:`fail_next` come first.
        """
        if not 0 <= share <= 1:
            raise ValueError("share must be between 0 and 1")
        with self._cond:
            if share:
                self._throttles[method] = (share, retry_after, random.Random(seed))
            else:
                self._throttles.pop(method, None)

    # ------------------------------------------------------------------ what the bot did

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of one method, in the order they were answered."""
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def sent_documents(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Documents the bot sent (successful ``sendDocument`` calls) as Telegram stored them:
        the message's ``document`` with its bytes under ``data``, and its ``caption``."""
        with self._cond:
            found = []
            for call in self.calls:
                if call.method != "sendDocument" or call.status != 200:
                    continue
                message = call.result
                if chat_id is not None and message["chat"]["id"] != chat_id:
                    continue
                document = dict(message["document"])
                document["data"] = self._files[document["file_id"]].data
                found.append({"document": document, "caption": message.get("caption")})
            return found

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of successful ``sendMessage`` calls in order, decoded (``reply_markup`` is a
        dict), plus the ``message_id`` Telegram assigned."""
        with self._cond:
            return [
                {**copy.deepcopy(call.params), "message_id": call.result["message_id"]}
                for call in self.calls
                if call.method == "sendMessage"
                and call.status == 200
                and (chat_id is None or call.params.get("chat_id") == chat_id)
            ]

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in a chat as the member sees them now (after edits/deletes)."""
        with self._cond:
            member = self._members.get(chat_id)
            if member is None:
                return []
            return [
                copy.deepcopy(member.messages[mid])
                for mid in member.bot_message_ids
                if mid in member.messages
            ]

    def pending_update_ids(self) -> list[int]:
        """Updates queued but not yet confirmed (polling) or accepted (webhook)."""
        with self._cond:
            return [u["update_id"] for u in self._pending]

    def holds_within(self, predicate: Callable[[FakeBotApi], bool], timeout: float) -> bool:
        """Whether ``predicate(self)`` holds within ``timeout`` seconds: :meth:`wait_for` for
        drivers that pace themselves and expect the time to run out (no failure report)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``count`` messages to the chat; return them all."""
        self.wait_for(lambda fake: len(fake.sent_messages(chat_id)) >= count, timeout)
        return self.sent_messages(chat_id)

    async def wait_for_async(
        self, predicate: Callable[[FakeBotApi], bool], timeout: float = 10.0
    ) -> None:
        """:meth:`wait_for` for coroutines running in the bot's own loop."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def wait_for_messages_async(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """:meth:`wait_for_messages` for coroutines running in the bot's own loop."""
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    def summary(self, last: int = 25) -> str:
        """A readable account of recent traffic, for failure messages."""
        with self._cond:
            lines = [f"pending updates: {[u['update_id'] for u in self._pending]}"]
            lines.append(f"confirmed offset: {self.confirmed_offset}")
            if self.webhook is not None:
                lines.append(f"webhook: {self.webhook.url}")
                lines.append(f"webhook deliveries: {self.webhook_deliveries[-10:]}")
            lines.append(f"last {min(last, len(self.calls))} of {len(self.calls)} calls:")
            for call in self.calls[-last:]:
                shown = {
                    key: (value if len(repr(value)) < 80 else repr(value)[:77] + "...")
                    for key, value in call.params.items()
                }
                outcome = "" if call.status == 200 else f" -> {call.description}"
                lines.append(f"  {call.method} [{call.status}] {shown}{outcome}")
            return "\n".join(lines)

    # ------------------------------------------------------------------ webhook helpers

    def post_raw_webhook(self, body: bytes, *, secret: str | None) -> int:
        """POST arbitrary bytes to the registered webhook (forged-request tests); returns the
        HTTP status, or 0 if the receiver could not be reached."""
        with self._cond:
            if self.webhook is None:
                raise AssertionError("no webhook is set")
            url = self.webhook.url
        status, _ = self._post(url, body, secret)
        return status

    def _post(self, url: str, body: bytes, secret: str | None) -> tuple[int, str]:
        parts = urlsplit(url)
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(
            parts.hostname or "127.0.0.1", parts.port, timeout=self.webhook_timeout
        )
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, f"{response.status} {response.reason}"
        except TimeoutError:
            return 0, "Read timeout expired"
        except ConnectionRefusedError:
            return 0, "Connection refused"
        except (OSError, http.client.HTTPException) as exc:
            return 0, f"Connection error: {exc}"
        finally:
            connection.close()

    def _next_for_webhook(self) -> JSONDict | None:
        """The oldest pending update not in flight whose chat has nothing in flight.

        Stops at the first one found (a burst keeps thousands pending); updates the webhook
        did not ask for are dropped on the way, as Telegram never stores them.
        """
        assert self.webhook is not None
        allowed = self.webhook.allowed_updates
        busy = set(self._in_flight.values())
        unwanted: list[JSONDict] = []
        found: JSONDict | None = None
        for update in self._pending:
            if update["update_id"] in self._in_flight or _chat_of(update) in busy:
                continue
            if not _wanted(update, allowed):
                unwanted.append(update)
                continue
            found = update
            break
        for update in unwanted:
            self._pending.remove(update)
        return found

    def _webhook_loop(self) -> None:
        """Deliver pending updates in update_id order (one per chat at a time, up to
        ``webhook_connections`` at once); retry each until a 2xx."""
        while True:
            with self._cond:
                while not self._stopping and (
                    self.webhook is None or self._next_for_webhook() is None
                ):
                    self._cond.wait()
                if self._stopping or self.webhook is None:
                    return
                update = self._next_for_webhook()
                assert update is not None
                self._in_flight[update["update_id"]] = _chat_of(update)
                config = self.webhook
            body = _json_bytes(update)
            status, detail = self._post(config.url, body, config.secret_token)
            with self._cond:
                update_id = update["update_id"]
                self._in_flight.pop(update_id, None)
                self.webhook_deliveries.append((update_id, status))
                if 200 <= status < 300:
                    self._remove_pending(update_id)
                    self._forced.discard(update_id)
                    self._cond.notify_all()
                    continue
                message = detail if status == 0 else f"Wrong response from the webhook: {detail}"
                self._last_webhook_error = (int(time.time()), message)
                self._cond.notify_all()
                deadline = time.monotonic() + self.webhook_retry_delay
                while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
                    self._cond.wait(remaining)

    # ------------------------------------------------------------------ HTTP routing

    def _route(
        self, verb: str, raw_path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        if verb == "GET" and path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            if token != self.token:
                return self._json(401, _error_body(401, "Unauthorized"))
            with self._cond:
                stored = self._files_by_path.get(file_path)
            if stored is None:
                return self._json(404, _error_body(404, "Not Found"))
            return 200, "application/octet-stream", stored.data
        if not path.startswith("/bot"):
            return self._json(404, _error_body(404, "Not Found"))
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            with self._cond:
                self.calls.append(Call(method, {}, time.monotonic(), 401, None, "Unauthorized"))
                self._cond.notify_all()
            return self._json(401, _error_body(401, "Unauthorized"))
        status, payload = self._api(method, content_type, body, parts.query)
        return self._json(status, payload)

    @staticmethod
    def _json(status: int, payload: JSONDict) -> tuple[int, str, bytes]:
        return status, "application/json", _json_bytes(payload)

    def _api(self, name: str, content_type: str, body: bytes, query: str) -> tuple[int, JSONDict]:
        at = time.monotonic()
        method = self._canonical.get(name.lower(), name)
        params: dict[str, Any] = {}
        status, result, description, retry_after = 200, None, None, None
        try:
            params = _parse_params(content_type, body, query)
            fault = self._take_fault(method, params)
            if fault is not None:
                if fault.delay > 0:
                    self._pause(fault.delay)
                if not 200 <= fault.status < 300:
                    raise _ApiError(
                        fault.status,
                        _fault_description(fault.status, fault.retry_after),
                        fault.retry_after,
                    )
            handler = self._handlers.get(method)
            if handler is None:
                raise _ApiError(404, "Not Found")
            with self._cond:
                chat_id = _as_int(params.get("chat_id"))
                if chat_id is not None and chat_id in self._blocked:
                    raise _ApiError(403, _BLOCKED)
                result = handler(params)
        except _ApiError as exc:
            status, description, retry_after = exc.status, exc.description, exc.retry_after
        with self._cond:
            self.calls.append(Call(method, params, at, status, copy.deepcopy(result), description))
            self._cond.notify_all()
        if status == 200:
            return status, {"ok": True, "result": result}
        return status, _error_body(status, description or "", retry_after)

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method != method or fault.remaining <= 0:
                    continue
                if fault.chat_id is not None and _as_int(params.get("chat_id")) != fault.chat_id:
                    continue
                fault.remaining -= 1
                self._cond.notify_all()  # ``faults_left`` waiters: the call is on the wire
                return fault
            throttle = self._throttles.get(method)
            if throttle is not None:
                share, retry_after, rng = throttle
                if rng.random() < share:
                    return _Fault(method, 0, 429, retry_after, 0.0, None)
            return None

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
                self._cond.wait(remaining)

    # ------------------------------------------------------------------ state helpers

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _member(self, chat_id: int, language_code: str | None) -> _Member:
        member = self._members.get(chat_id)
        if member is None:
            name = f"会員{chat_id}"
            user: JSONDict = {"id": chat_id, "is_bot": False, "first_name": name}
            member = _Member(user=user, chat={"id": chat_id, "type": "private", "first_name": name})
            self._members[chat_id] = member
        if language_code is not None:
            member.user["language_code"] = language_code
        elif "language_code" not in member.user:
            member.user["language_code"] = "ja"
        return member

    def _member_message(self, chat_id: int, language_code: str | None, **content: Any) -> JSONDict:
        member = self._member(chat_id, language_code)
        message: JSONDict = {
            "message_id": member.next_message_id,
            "from": copy.deepcopy(member.user),
            "chat": copy.deepcopy(member.chat),
            "date": int(time.time()),
            **content,
        }
        member.next_message_id += 1
        member.messages[message["message_id"]] = message
        return copy.deepcopy(message)

    def _register_chats(self, update: JSONDict) -> None:
        """Raw updates make their private chats known, so the bot may answer them."""
        for value in update.values():
            if not isinstance(value, dict):
                continue
            chat = value.get("chat") or (value.get("message") or {}).get("chat") or {}
            chat_id = _as_int(chat.get("id"))
            if chat_id is not None and chat_id not in self._members and chat.get("type"):
                self._member(chat_id, (value.get("from") or {}).get("language_code"))
                member = self._members[chat_id]
                member.chat = copy.deepcopy(chat)
                if isinstance(value.get("from"), dict):
                    member.user = copy.deepcopy(value["from"])
                if "message_id" in value:
                    member.next_message_id = max(
                        member.next_message_id, int(value["message_id"]) + 1
                    )

    def _store_file(self, data: bytes, folder: str, suffix: str) -> _StoredFile:
        number = next(self._ids)
        kind = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC"}.get(folder, "BAAC")
        stored = _StoredFile(
            file_id=f"{kind}AgIAAxkBAAI{number:08d}",
            file_unique_id=f"AQAD{number:08d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _insert_pending(self, update: JSONDict) -> None:
        """Kept in update_id order (bisect: a burst queues thousands)."""
        bisect.insort(self._pending, update, key=_update_id)

    def _remove_pending(self, update_id: int) -> None:
        at = bisect.bisect_left(self._pending, update_id, key=_update_id)
        if at < len(self._pending) and _update_id(self._pending[at]) == update_id:
            del self._pending[at]

    def _deliverable(self, allowed: list[str] | None) -> list[JSONDict]:
        """Pending updates the client asked for; others are dropped as Telegram never stores
        them."""
        kept = [update for update in self._pending if _wanted(update, allowed)]
        if len(kept) != len(self._pending):
            self._pending = kept[:]
        return kept

    def _known_chat(self, params: dict[str, Any]) -> _Member:
        chat_id = _as_int(params.get("chat_id"))
        if params.get("chat_id") in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if chat_id is None or chat_id not in self._members:
            raise _ApiError(400, _CHAT_NOT_FOUND)
        return self._members[chat_id]

    def _bot_message(self, member: _Member, message: JSONDict) -> JSONDict:
        member.messages[message["message_id"]] = message
        member.bot_message_ids.append(message["message_id"])
        return copy.deepcopy(message)

    def _new_bot_message(self, member: _Member, params: dict[str, Any]) -> JSONDict:
        message: JSONDict = {
            "message_id": member.next_message_id,
            "from": self._bot_user(),
            "chat": copy.deepcopy(member.chat),
            "date": int(time.time()),
        }
        reply_to = _as_int(params.get("reply_to_message_id"))
        reply_parameters = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply_parameters, dict):
            reply_to = _as_int(reply_parameters.get("message_id"))
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if reply_to is not None:
            original = member.messages.get(reply_to)
            if original is not None:
                message["reply_to_message"] = {
                    k: v for k, v in copy.deepcopy(original).items() if k != "reply_to_message"
                }
            elif not allow_missing:
                raise _ApiError(400, "Bad Request: message to be replied not found")
        member.next_message_id += 1
        return message

    def _editable(self, params: dict[str, Any]) -> tuple[_Member, JSONDict] | None:
        """Find the bot message an edit refers to; ``None`` for inline messages."""
        if params.get("inline_message_id"):
            return None
        member = self._known_chat(params)
        message_id = _as_int(params.get("message_id"))
        message = member.messages.get(message_id) if message_id is not None else None
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message_id not in member.bot_message_ids:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return member, message

    # ------------------------------------------------------------------ Bot API methods

    def _get_me(self, params: dict[str, Any]) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self._pending[offset:]
            self._pending = keep
            if keep:
                self.confirmed_offset = max(self.confirmed_offset, int(keep[0]["update_id"]))
            return
        self._pending = [
            u for u in self._pending if u["update_id"] >= offset or u["update_id"] in self._forced
        ]
        self.confirmed_offset = max(self.confirmed_offset, offset)

    def _get_updates(self, params: dict[str, Any]) -> list[JSONDict]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"))
        if offset:
            self._confirm(offset)
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = params.get("timeout") or 0
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + max(timeout, 0.0)
        self.polls_waiting += 1
        self._cond.notify_all()
        try:
            return self._poll(generation, deadline, limit)
        finally:
            self.polls_waiting -= 1
            self._cond.notify_all()

    def _poll(self, generation: int, deadline: float, limit: int) -> list[JSONDict]:
        while True:
            if self._stopping:
                return []
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self.webhook is not None:
                raise _ApiError(
                    409, "Conflict: can't use getUpdates method while webhook is active"
                )
            ready = self._deliverable(self._allowed_updates)[:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                for update in ready:
                    self._forced.discard(update["update_id"])
                return copy.deepcopy(ready)
            self._cond.wait(remaining)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if url is None:
            raise _ApiError(400, 'Bad Request: parameter "url" is required')
        if url == "":
            return self._delete_webhook(params)
        if urlsplit(str(url)).scheme not in ("http", "https"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        self.webhook = WebhookConfig(
            url=str(url),
            secret_token=None if secret is None else str(secret),
            max_connections=_as_int(params.get("max_connections")) or 40,
            allowed_updates=[str(kind) for kind in allowed or []] or None,
            ip_address=params.get("ip_address"),
        )
        if params.get("drop_pending_updates"):
            self._pending = []
        self._last_webhook_error = None
        self._cond.notify_all()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending = []
        self._cond.notify_all()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates:
                info["allowed_updates"] = list(self.webhook.allowed_updates)
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
            if self._last_webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._last_webhook_error
        return info

    def _send_message(self, params: dict[str, Any]) -> JSONDict:
        member = self._known_chat(params)
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        text = _render(str(raw), params.get("parse_mode"))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > _MAX_TEXT:
            raise _ApiError(400, _TOO_LONG)
        markup = _check_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(member, params)
        message["text"] = text
        if isinstance(params.get("entities"), list):
            message["entities"] = copy.deepcopy(params["entities"])
        if markup is not None:
            message["reply_markup"] = markup
        return self._bot_message(member, message)

    def _edit(self, params: dict[str, Any], field_name: str | None) -> JSONDict | bool:
        found = self._editable(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        new_text: str | None = None
        if field_name is not None:
            raw = params.get(field_name)
            if field_name == "text" and (raw is None or str(raw).strip() == ""):
                raise _ApiError(400, "Bad Request: message text is empty")
            new_text = _render(str(raw or ""), params.get("parse_mode"))
            if field_name == "text" and _utf16_len(new_text) > _MAX_TEXT:
                raise _ApiError(400, _TOO_LONG)
            if field_name == "caption" and _utf16_len(new_text) > _MAX_CAPTION:
                raise _ApiError(400, "Bad Request: message caption is too long")
        if found is None:
            return True
        _member, message = found
        if field_name is not None and field_name not in message and field_name == "text":
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        same_text = field_name is None or message.get(field_name, "") == new_text
        if same_text and message.get("reply_markup") == markup:
            raise _ApiError(400, _NOT_MODIFIED)
        if field_name is not None and new_text is not None:
            if new_text or field_name == "text":
                message[field_name] = new_text
            else:
                message.pop(field_name, None)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_text(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, "text")

    def _edit_message_caption(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, "caption")

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, None)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        member = self._known_chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None or member.messages.pop(message_id, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        pressed = self._callback_queries.get(query_id)
        if pressed is None or self.now() - pressed > self.query_lifetime:
            raise _ApiError(400, _QUERY_INVALID)
        if len(str(params.get("text") or "")) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = None
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._known_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope")
        scope_key = json.dumps(scope, sort_keys=True) if scope else '{"type": "default"}'
        return scope_key, str(params.get("language_code") or "")

    def commands_for(
        self, language_code: str = "", scope: JSONDict | None = None
    ) -> list[JSONDict]:
        """Commands the bot registered for a language ("" = all) and scope (default scope)."""
        with self._cond:
            key = self._commands_key({"language_code": language_code, "scope": scope})
            return copy.deepcopy(self.my_commands.get(key, []))

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        for command in commands:
            if not isinstance(command, dict):
                raise _ApiError(400, "Bad Request: can't parse BotCommand")
            if not _BOT_COMMAND.fullmatch(str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.my_commands[key] = copy.deepcopy(commands)
        else:
            self.my_commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[JSONDict]:
        return copy.deepcopy(self.my_commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.my_commands.pop(self._commands_key(params), None)
        return True

    def _get_file(self, params: dict[str, Any]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > _MAX_DOWNLOAD:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _bot_file(self, value: Any, folder: str, default_name: str) -> tuple[_StoredFile, str, str]:
        """Resolve what the bot sent as a file: an upload, a known file_id, or a URL."""
        if isinstance(value, UploadedFile):
            # As Telegram refuses them: an empty upload, and one over the bots' 50 MB.
            if not value.data:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            if len(value.data) > self.max_upload:
                raise _ApiError(413, "Request Entity Too Large")
            suffix = re.search(r"\.[A-Za-z0-9]{1,8}$", value.filename)
            stored = self._store_file(value.data, folder, suffix.group(0) if suffix else "")
            return stored, value.filename, value.content_type
        if isinstance(value, str) and value in self._files:
            return self._files[value], default_name, "application/octet-stream"
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or default_name
            return self._store_file(b"", folder, ""), name, "application/octet-stream"
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _caption(self, params: dict[str, Any], message: JSONDict) -> None:
        if params.get("caption"):
            caption = _render(str(params["caption"]), params.get("parse_mode"))
            if _utf16_len(caption) > _MAX_CAPTION:
                raise _ApiError(400, "Bad Request: message caption is too long")
            message["caption"] = caption

    def _send_document_by_bot(self, params: dict[str, Any]) -> JSONDict:
        member = self._known_chat(params)
        stored, name, mime = self._bot_file(params.get("document"), "documents", "document")
        markup = _check_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(member, params)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": mime,
            "file_size": len(stored.data),
        }
        self._caption(params, message)
        if markup is not None:
            message["reply_markup"] = markup
        return self._bot_message(member, message)

    def _send_photo_by_bot(self, params: dict[str, Any]) -> JSONDict:
        member = self._known_chat(params)
        stored, _, _ = self._bot_file(params.get("photo"), "photos", "photo.jpg")
        markup = _check_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(member, params)
        message["photo"] = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data),
                "width": 1280,
                "height": 960,
            }
        ]
        self._caption(params, message)
        if markup is not None:
            message["reply_markup"] = markup
        return self._bot_message(member, message)
