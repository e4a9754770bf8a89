"""The download page of an answer link, ``/answer/<token>`` on the serve app.

GET shows a small page asking for the code (no personal data: file types and sizes only);
POST with the right code streams the file. A wrong code is counted and audited, and the
fifth locks the link; an expired or locked link says so and that staff can send it again.

Nobody is signed in here, so everything that costs is refused first: requests over the
per-address rates, a token that cannot be one, a POST without this page's CSRF cookie and
field, and any body over ``BODY_LIMIT`` are turned away before the database is asked.
Headers as the web chat's (``bot.channels.webchat.security``): strict CSP, nosniff, no
caching, no referrer.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
from collections.abc import Sequence
from html import escape
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.channels.webchat.security import (
    RateLimit,
    client_address,
    origin_allowed,
    security_headers,
)
from bot.http_limits import BodyRefused, read_body
from flows.answer_files import size_label
from flows.i18n import N_, Translator
from storage import answers

PATH = "/answer/{token}"
BODY_LIMIT = 2048  # a code, a file number and the CSRF token
CSRF_COOKIE = "answer_csrf"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_KIND = {"application/pdf": "PDF", "text/csv": "CSV", "image/jpeg": "JPEG", "image/png": "PNG"}


class AnswerPage:
    """The routes, with their rate limits (in memory, per process)."""

    def __init__(
        self,
        app: App,
        *,
        views_per_minute: int = 30,
        tries_per_minute: int = 10,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.views = RateLimit(views_per_minute, 60.0)
        self.tries = RateLimit(tries_per_minute, 60.0)
        self.allowed_origins = tuple(allowed_origins)
        self.headers = security_headers(())  # never framed

    def routes(self) -> list[BaseRoute]:
        return [Route(PATH, self.page, methods=["GET"]), Route(PATH, self.take, methods=["POST"])]

    # ------------------------------------------------------------------ handlers

    async def page(self, request: Request) -> Response:
        t = Translator("ja")
        if not self.views.allow(client_address(request)):
            return self._busy(t)
        token = str(request.path_params["token"])
        if not _TOKEN.fullmatch(token):
            return self._notice(t, "unknown")
        state = await asyncio.to_thread(answers.open_link, self.app.db, token, self.app.clock())
        t = Translator(state.lang)
        if state.status != "ok":
            return self._notice(t, state.status)
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = self._form(t, state, csrf, None)
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/answer/",
        )
        return response

    async def take(self, request: Request) -> Response:
        t = Translator("ja")
        token = str(request.path_params["token"])
        address = client_address(request)
        if not self.tries.allow(address) or not self.tries.allow(f"token:{token[:64]}"):
            return self._busy(t)
        if not _TOKEN.fullmatch(token) or not origin_allowed(request, self.allowed_origins):
            return self._notice(t, "unknown", status=403)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not cookie:
            return self._notice(t, "unknown", status=403)
        try:
            body = await read_body(request, BODY_LIMIT)
        except BodyRefused as refused:
            return refused.response()
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not hmac.compare_digest(form.get("csrf", "").encode(), cookie.encode()):
            return self._notice(t, "unknown", status=403)
        code = form.get("code", "").strip().translate(_WIDE_DIGITS)
        index = int(form["n"]) if form.get("n", "").isdigit() else 0
        got = await asyncio.to_thread(
            answers.download, self.app.db, self.app.audit, token, code, index, self.app.clock()
        )
        t = Translator(got.lang)
        if got.status == "ok" and got.file is not None:
            return self._file(got.file.name, got.file.mime, got.file.data)
        if got.status == "wrong":
            state = await asyncio.to_thread(answers.open_link, self.app.db, token, self.app.clock())
            if state.status == "ok":
                return self._form(t, state, cookie, got.tries_left, status=403)
            return self._notice(t, state.status)
        return self._notice(t, got.status)

    # ------------------------------------------------------------------ responses

    def _file(self, name: str, mime: str, data: bytes) -> Response:
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("_") or "answer"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        headers = {**self.headers, "Content-Disposition": disposition}
        return Response(data, media_type=mime, headers=headers)

    def _html(self, t: Translator, body: str, status: int = 200) -> HTMLResponse:
        page = (
            f'<!doctype html><html lang="{t.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(t('ご回答のダウンロード'))}</title></head><body>"
            f"<h1>{escape(t('ご回答のダウンロード'))}</h1>{body}</body></html>"
        )
        return HTMLResponse(page, status_code=status, headers=self.headers)

    def _form(
        self,
        t: Translator,
        state: answers.LinkState,
        csrf: str,
        tries_left: int | None,
        status: int = 200,
    ) -> HTMLResponse:
        parts = []
        if tries_left is not None:
            warning = t(
                "確認コードが違います。あと{left}回まちがえると、このリンクは使えなくなります。",
                left=tries_left,
            )
            parts.append(f'<p role="alert">{escape(warning)}</p>')
        ask = t("お知らせした確認コード（6けたの数字）を入力して、ダウンロードしてください。")
        parts.append(f"<p>{escape(ask)}</p>")
        if state.expires_at is not None:
            until = t("このリンクは{date}まで使えます。", date=t.date(state.expires_at))
            parts.append(f"<p>{escape(until)}</p>")
        for number, file in enumerate(state.files, 1):
            label = t(
                "ファイル{n}（{kind}、{size}）",
                n=number,
                kind=_KIND.get(file.mime, file.mime),
                size=size_label(file.size),
            )
            parts.append(
                '<form method="post">'
                f"<p>{escape(label)}</p>"
                f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
                f'<input type="hidden" name="n" value="{number}">'
                f'<label>{escape(t("確認コード"))} <input name="code" inputmode="numeric" '
                'autocomplete="one-time-code" maxlength="12" required></label> '
                f'<button type="submit">{escape(t("ダウンロード"))}</button></form>'
            )
        return self._html(t, "".join(parts), status)

    def _notice(self, t: Translator, state: str, *, status: int | None = None) -> HTMLResponse:
        """Why the link opens nothing (unknown, expired, locked), and what to do."""
        text = t(_NOTICES.get(state, _NOTICES["unknown"]))
        return self._html(t, f"<p>{escape(text)}</p>", status or _STATUS.get(state, 404))

    def _busy(self, t: Translator) -> HTMLResponse:
        text = t(
            "短い時間にたくさんのアクセスがありました。しばらくしてからもう一度お試しください。"
        )
        return self._html(t, f"<p>{escape(text)}</p>", 429)


_NOTICES = {
    "unknown": N_("このリンクは見つかりませんでした。お知らせしたリンクをもう一度ご確認ください。"),
    "expired": N_(
        "このリンクは有効期限が過ぎました。お手数ですが、窓口にご連絡ください。"
        "もう一度お送りします。"
    ),
    "locked": N_(
        "確認コードを続けてまちがえたため、このリンクは使えなくなりました。"
        "お手数ですが、窓口にご連絡ください。新しいリンクをお送りします。"
    ),
}
_STATUS = {"unknown": 404, "expired": 410, "locked": 410}
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
