"""One desk and one Chromium per module (the browser is heavy); a fresh context per test.

Every browser test module starts with ``pytestmark = needs_chromium``: without
``/usr/bin/chromium`` the module is skipped with the way to install it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.bot.served import Served
from tests.bot.web_served import serving_web
from tests.browser.chromium import BrowserMember, system_chromium

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real ``madoguchi serve`` with the web chat on, on its own SQLite file."""
    folder = tmp_path_factory.mktemp("webdesk")
    with serving_web(folder / "desk.sqlite3", log_file=folder / "serve.log") as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with system_chromium() as browser:
        yield browser


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """New browser contexts (separate cookies and storage: separate devices), closed after."""
    opened: list[BrowserContext] = []

    def open_context(**options: object) -> BrowserContext:
        context = chromium.new_context(locale="ja-JP", **options)  # type: ignore[arg-type]
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def new_member(
    served: Served, contexts: Callable[..., BrowserContext]
) -> Callable[..., BrowserMember]:
    """A member on a new device: ``new_member(org="seikatsuclub-kyosai", viewport=PHONE)``."""

    def make(org: str = "coopdeli", **options: object) -> BrowserMember:
        return BrowserMember(served, contexts(**options).new_page(), org)

    return make
