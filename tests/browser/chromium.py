"""The system's Chromium (Debian's ``chromium``) under Playwright, and a member at its page.

Nothing here downloads a browser: Playwright is pointed at ``/usr/bin/chromium`` and started
with a fresh profile, without background networking, component updates or sync, so a test
reaches only the desk on 127.0.0.1. ``tests/browser/chromium.sh ensure`` installs the package
where it is missing (``make test`` runs it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, sync_playwright

from tests.bot.served import ENGINE, Served, eventually
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, pending_step

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (
    f"{CHROMIUM} is missing: install Debian's chromium (tests/browser/chromium.sh ensure, "
    "run by make test as root) to run the browser tests"
)
CASE_NUMBER = re.compile(r"受付番号 ([A-Z]+-\d{4}-\d{5})")
CODE = re.compile(r"確認コード (\d{4}-\d{4})")


@contextmanager
def system_chromium() -> Iterator[Browser]:
    """One headless Chromium for a test module. ``launch`` gives it a fresh temporary profile
    (its user-data dir), removed on close; every test opens its own context in it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserMember:
    """One member at the chat page in a real browser: presses buttons, types, reads."""

    served: Served
    page: Page
    org: str = "coopdeli"
    console: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # What the browser complains about (a Content-Security-Policy refusal shows here).
        self.page.on("console", lambda message: self.console.append(message.text))

    def policy_refusals(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.served.port}/chat/{self.org}"

    def opens_the_page(self, query: str = "") -> None:
        self.page.goto(self.url + query)
        self.waits_for_the_desk()

    # ------------------------------------------------------------------ what the page shows

    def chat_id(self) -> str:
        token = next(
            c["value"] for c in self.page.context.cookies() if c["name"] == "madoguchi_chat"
        )
        digest = hashlib.sha256(token.encode()).hexdigest()
        rows = self.served.query(f"SELECT chat_id FROM websession WHERE token_hash = '{digest}'")
        return str(rows[0][0])

    def _last_sent(self) -> int:
        chat = self.chat_id()
        pending = self.served.query(
            "SELECT count(*) FROM outboxmessage "
            f"WHERE channel = 'web' AND chat_id = '{chat}' AND status = 'pending'"
        )
        if pending[0][0]:
            return -1
        rows = self.served.query(
            "SELECT max(id) FROM outboxmessage "
            f"WHERE channel = 'web' AND chat_id = '{chat}' AND status = 'sent'"
        )
        return int(rows[0][0] or 0)

    def waits_for_the_desk(self) -> None:
        """Until the page has the answer to what the member did (the log is busy from the
        member's message to the desk's answer) and everything the desk queued is shown."""
        self.page.locator("#log:not([aria-busy='true'])").wait_for()
        eventually(lambda: self._last_sent() >= 0)
        last = self._last_sent()
        self.page.wait_for_function(
            "n => Number(document.getElementById('log').dataset.shown || 0) >= n", arg=last
        )
        self.page.locator("#typing").wait_for(state="hidden")

    def desk_texts(self) -> list[str]:
        return self.page.locator("#log li.desk > p").all_inner_texts()

    def member_texts(self) -> list[str]:
        return self.page.locator("#log li.member").all_inner_texts()

    def last_desk_text(self) -> str:
        return self.desk_texts()[-1]

    def live_choices(self) -> Locator:
        return self.page.locator("#log .choices button:enabled")

    def state(self) -> dict[str, Any]:
        rows = self.served.query(
            f"SELECT state FROM conversation WHERE channel = 'web' AND chat_id = '{self.chat_id()}'"
        )
        state = rows[0][0]
        return state if isinstance(state, dict) else dict(json.loads(state))

    # ------------------------------------------------------------------ what the member does

    def presses(self, label: str) -> str:
        self.live_choices().filter(has_text=label).first.click()
        self.waits_for_the_desk()
        return self.last_desk_text()

    def types(self, text: str) -> str:
        self.page.locator("#text").fill(text)
        self.page.locator("#send").click()
        self.waits_for_the_desk()
        return self.last_desk_text()

    def answers(self, text: str, *, with_buttons: bool) -> str:
        labels = self.live_choices().all_inner_texts()
        if with_buttons and any(text in label for label in labels):
            return self.presses(text)
        return self.types(text)

    def completes(self, request_type: str, *, with_buttons: bool) -> str:
        """A whole request, as the dialogue tests answer it; returns what the desk said last
        (the receipt and the way back from another browser)."""
        before = len(self.desk_texts())
        self.answers(MENU_NUMBER[request_type], with_buttons=with_buttons)
        self.completes_from_here(with_buttons=with_buttons)
        return "\n".join(self.desk_texts()[before:])

    def completes_from_here(self, *, with_buttons: bool = True) -> str:
        """Answers the open request's questions to the receipt; returns the last message."""
        for _ in range(40):
            state = self.state()
            if state.get("mode") == "summary":
                self.answers("送信する", with_buttons=with_buttons)
                break
            if state.get("mode") == "reuse":
                self.answers("使わない", with_buttons=with_buttons)
                continue
            if state.get("mode") != "flow":
                break
            step = pending_step(ENGINE, state)
            assert step is not None
            self.answers(GOOD_ANSWERS[step], with_buttons=with_buttons)
        else:
            raise AssertionError("the flow did not end")
        return self.last_desk_text()
