"""One escaping function per place where text lands, applied at the point it lands.

Member text is data, never markup: on a Slack card ``<!channel>`` must stay characters, in a
spreadsheet ``=HYPERLINK(…)`` must stay a string, on a staff terminal ``ESC[2J`` must not clear
the screen. HTML goes through ``html.escape`` where pages are built.
"""

from __future__ import annotations

import unicodedata

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


def for_terminal(text: str) -> str:
    """Show control and bidi characters as visible escapes (``\\x1b``) so output cannot move the
    cursor, recolour, retitle or reorder a staff member's terminal. Line breaks and tabs stay."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
