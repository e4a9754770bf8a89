"""A real ``madoguchi serve`` process with the web chat on, and a member's browser as plain
HTTP (the page's JSON calls, with its cookie and CSRF token), as ``tests.bot.served`` does
for Telegram. The real-browser tests (``tests/browser``) drive the same page in Chromium.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bot.served import ENGINE, ROOT, Served, eventually, free_port
from tests.conftest import database_url_for
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, pending_step

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@contextmanager
def serving_web(
    database: Path | str,
    *,
    deployment: Path = ROOT / "madoguchi.toml",
    log_file: Path | None = None,
    **settings: str,
) -> Iterator[Served]:
    """``madoguchi serve`` with only the web chat on (no Telegram, LINE or Slack)."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "SLACK_", "LINE_", "WEBCHAT_"))
    }
    env |= {
        "DATABASE_URL": database_url_for(database),
        "MADOGUCHI_DEPLOYMENT": str(deployment),
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        "WEBCHAT_ENABLED": "1",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log_file.open("a", encoding="utf-8") if log_file else None,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "serving" in first, first
    try:
        yield Served(process, database_url_for(database), env, port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class WebMember:
    """One browser: its cookies, the page's CSRF token, and what the page has shown."""

    served: Served
    org: str = "coopdeli"
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    csrf: str = ""
    cursor: int = 0
    shown: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.served.port}/chat/{self.org}"

    def _open(self, request: urllib.request.Request) -> Answer:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        try:
            with opener.open(request, timeout=20) as response:
                raw = response.read()
                status, headers = response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, headers = error.read(), error.code, dict(error.headers)
        text = raw.decode("utf-8")
        try:
            body = json.loads(text) if text.startswith("{") else {"html": text}
        except ValueError:
            body = {"html": text}
        return Answer(status, body, headers)

    def opens_the_page(self, query: str = "") -> Answer:
        answer = self._open(urllib.request.Request(self.base + query))
        found = CSRF.search(answer.body.get("html", ""))
        if found:
            self.csrf = found[1]
        return answer

    def post(
        self,
        path: str,
        payload: Any,
        *,
        csrf: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CSRF-Token": self.csrf if csrf is None else csrf,
                **(headers or {}),
            },
        )
        return self._open(request)

    def uploads(self, name: str, data: bytes, message_id: str | None = None) -> Answer:
        """A file as the page sends it (the raw bytes, the name in a header)."""
        request = urllib.request.Request(
            f"{self.base}/upload?id={message_id or uuid.uuid4().hex}",
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/octet-stream",
                "X-CSRF-Token": self.csrf,
                "X-File-Name": urllib.parse.quote(name),
            },
        )
        return self._open(request)

    def sends(self, message_id: str | None = None, **what: str) -> Answer:
        """One message as the page sends it; returns once its turn is committed."""
        return self.post("/send", {"id": message_id or uuid.uuid4().hex, **what})

    def reads(self) -> list[dict[str, Any]]:
        """What the page shows after the desk has sent everything it queued."""
        eventually(lambda: self.nothing_pending())
        answer = self._open(urllib.request.Request(f"{self.base}/messages?after={self.cursor}"))
        new = answer.body["messages"]
        self.cursor = answer.body["cursor"]
        self.shown += new
        return list(new)

    def history(self) -> list[dict[str, Any]]:
        answer = self._open(urllib.request.Request(f"{self.base}/messages"))
        return list(answer.body["messages"])

    def says(self, text: str) -> str:
        assert self.sends(text=text).status == 200
        return "\n".join(m["text"] for m in self.reads())

    def presses(self, label: str) -> str:
        choices = [c for m in self.shown if m["choices"] for c in m["choices"]]
        last = next(m for m in reversed(self.shown) if m["author"] == "desk")
        options = last["choices"] or choices
        choice = next(i for i, shown_label in options if label in shown_label)
        assert self.sends(choice=choice).status == 200
        return "\n".join(m["text"] for m in self.reads())

    def chat_id(self) -> str:
        token = next(c.value for c in self.jar if c.name == "madoguchi_chat")
        digest = hashlib.sha256(str(token).encode()).hexdigest()
        rows = self.served.query(f"SELECT chat_id FROM websession WHERE token_hash = '{digest}'")
        return str(rows[0][0])

    def nothing_pending(self) -> bool:
        chat = self.chat_id()
        rows = self.served.query(
            "SELECT count(*) FROM outboxmessage "
            f"WHERE channel = 'web' AND chat_id = '{chat}' AND status = 'pending'"
        )
        return bool(rows[0][0] == 0)

    def state(self) -> dict[str, Any]:
        rows = self.served.query(
            f"SELECT state FROM conversation WHERE channel = 'web' AND chat_id = '{self.chat_id()}'"
        )
        state = rows[0][0]
        return state if isinstance(state, dict) else dict(json.loads(state))

    def answer(self, text: str, *, with_buttons: bool) -> str:
        last = next(m for m in reversed(self.shown) if m["author"] == "desk")
        labels = [label for _id, label in last["choices"]]
        if with_buttons and any(text in label for label in labels):
            return self.presses(text)
        return self.says(text)

    def completes(self, request_type: str, *, with_buttons: bool) -> str:
        reply = self.answer(MENU_NUMBER[request_type], with_buttons=with_buttons)
        for _ in range(40):
            state = self.state()
            if state.get("mode") == "summary":
                return self.answer("送信する", with_buttons=with_buttons)
            if state.get("mode") == "reuse":
                reply = self.answer("使わない", with_buttons=with_buttons)
                continue
            if state.get("mode") != "flow":
                return reply
            step = pending_step(ENGINE, state)
            assert step is not None
            reply = self.answer(GOOD_ANSWERS[step], with_buttons=with_buttons)
        raise AssertionError("the flow did not end")
