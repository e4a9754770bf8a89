"""One escaping function per place where text lands, applied at the point it lands.

Member text is data, never markup: on a Slack card ``<!channel>`` must stay characters, in a
spreadsheet ``=HYPERLINK(…)`` must stay a string, on a staff terminal ``ESC[2J`` must not clear
the screen. HTML goes through ``html.escape`` where pages are built.
"""

from __future__ import annotations

import re

from flows.safe_text import BIDI_CONTROLS


def for_slack(text: str) -> str:
    """Escape ``text`` for Slack mrkdwn and plain_text: ``&``, ``<`` and ``>`` are its only
    control characters, and escaping them leaves no mention, broadcast or disguised link live."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Excel, LibreOffice and Google Sheets start a formula (or DDE call) with these, also after
# leading spaces; OWASP's rule, which defusedcsv applies too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def for_csv(value: str) -> str:
    """Neutralise a cell that a spreadsheet would run as a formula, by a leading apostrophe."""
    if value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# What a terminal must not receive raw: C0 and C1 controls (Unicode category Cc) but line
# breaks and tabs, lone surrogates (Cs), and the bidi controls. A class, so the scan runs in C.
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(BIDI_CONTROLS)) + "]"
)


def for_terminal(text: str) -> str:
    """Show control and bidi characters as visible escapes (``\\x1b``) so output cannot move the
    cursor, recolour, retitle or reorder a staff member's terminal. Line breaks and tabs stay.
    A lone surrogate (which no terminal encoding can write) shows as ``\\ud800``."""
    return _TERMINAL_UNSAFE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text
    )


def for_terminal_json(text: str) -> str:
    """``for_terminal`` for a JSON document: the characters become ``\\u009b``-style escapes,
    so the output stays valid JSON with the same values. (``json.dumps`` already escapes C0
    controls; with ``ensure_ascii=False`` it leaves C1 controls, bidi overrides and lone
    surrogates raw.)"""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
