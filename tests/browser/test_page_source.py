"""What the Content-Security-Policy and the 'text only' rule ask of the page's own source,
checked without a browser: no inline script, style or event handler in the HTML, and
chat.js writes every text with ``textContent`` (never as markup)."""

from __future__ import annotations

import re

import pytest

from bot.channels.webchat import pages
from bot.channels.webchat.channel import STATIC
from flows.i18n import Translator
from flows.profiles import load_profiles

PROFILES = load_profiles()
MARKUP_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")


def _rendered() -> list[str]:
    found = []
    for lang in ("ja", "en"):
        t = Translator(lang)
        found.append(pages.chooser(list(PROFILES.values()), t))
        found += [pages.chat_page(org, t, "csrf-token") for org in PROFILES.values()]
    return found


@pytest.mark.parametrize("html", _rendered())
def test_the_pages_carry_no_inline_script_style_or_handler(html: str) -> None:
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert re.findall(r"\s(style|on[a-z]+)=", html) == []


def test_chat_js_writes_text_only() -> None:
    source = (STATIC / "chat.js").read_text(encoding="utf-8")
    script = "\n".join(line.split("//")[0] for line in source.splitlines())  # code, not notes
    assert [sink for sink in MARKUP_SINKS if sink in script] == []
    assert "textContent" in script
