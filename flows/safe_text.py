"""Text as every channel must hand it in, and as every platform can take it out.

Two jobs, both pure and channel-neutral:

- ``clean_inbound`` runs once, at the edge, on every field a member or staff member sends
  (message text, captions, button data, file names, form inputs). Lone UTF-16 surrogates cannot
  be encoded or stored, NUL is refused by PostgreSQL, and control or bidi-override characters
  can disguise text on a staff screen; none of them carries meaning a person typed.
- ``split_text`` cuts a long text into parts that each fit a platform's limit, at paragraph,
  line or sentence boundaries where it can, so nothing is ever truncated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Explicit direction controls: embeddings, overrides and isolates (U+202A–202E, U+2066–2069).
# They can make 「exe.pdf」 read as 「fdp.exe」 on a staff screen. LRM/RLM (U+200E/200F) only
# nudge neutral characters and are kept.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT = "\ufffd"
_KEPT_CONTROLS = frozenset("\n\t")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")


def _is_removed(ch: str) -> bool:
    if ch in _KEPT_CONTROLS:
        return False
    if ch in BIDI_CONTROLS:
        return True
    return unicodedata.category(ch) == "Cc"  # C0 and C1 controls, NUL and ESC among them


def clean_inbound(raw: str) -> str:
    """Return ``raw`` with what no person means removed, keeping everything they wrote.

    Lone surrogates become U+FFFD (a visible mark that something was garbled, rather than a
    silent gap); line breaks of every kind become ``\\n``; NUL, other control characters and
    bidi overrides go. Emoji, ZWJ sequences, variation selectors and every script stay.
    """
    if raw.isascii() and raw.isprintable():
        return raw  # the common case, with nothing to do
    text = _NEWLINES.sub("\n", raw)
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return "".join(ch for ch in text if not _is_removed(ch))


def clean_optional(raw: str | None) -> str | None:
    """``clean_inbound`` for fields a platform may leave out."""
    return None if raw is None else clean_inbound(raw)


# Where a part may end, best first: a blank line, a line break, the end of a sentence.
_BOUNDARIES = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"[。！？!?]+[」』）)]*|\.(?=\s)"),
    re.compile(r"[、，,]\s*|\s+"),
)


def _cut_point(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The largest index ``i`` with ``measure(text[:i]) <= limit``, moved back to a boundary."""
    # Every measure counts each character at least once (len, UTF-16 units, bytes), so the
    # cut lies within the first ``limit`` characters: probes stay short however long the text.
    low, high = 1, min(len(text), limit)
    while low < high:  # binary search: measure need not be len (LINE counts UTF-16 units)
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    hard = low
    floor = hard // 2  # a boundary is only worth it if the part keeps at least half its room
    for boundary in _BOUNDARIES:
        ends = [m.end() for m in boundary.finditer(text, 0, hard) if floor <= m.end() <= hard]
        if ends:
            return ends[-1]
    # No boundary: cut hard, but not inside what shows as one character.
    cut = hard
    while 1 < cut < len(text) and _continues(text, cut):
        cut -= 1
    return cut if cut > 1 else hard  # one cluster longer than the limit: cut it after all


_ZWJ = "\u200d"


def _continues(text: str, index: int) -> bool:
    """Whether ``text[index]`` belongs to the character before it: a combining mark (the
    dakuten of a decomposed が), a variation selector, an emoji skin tone, or either side of
    a zero-width joiner (the parts of 👨‍👩‍👧)."""
    char = text[index]
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or "\ufe00" <= char <= "\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or "\U000e0020" <= char <= "\U000e007f"  # the tags of flag sequences
        or char == _ZWJ
        or text[index - 1] == _ZWJ
    )


def split_text(text: str, limit: int, *, measure: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (as ``measure`` counts), in order.
    ``measure`` must count every character at least once, as len, UTF-16 units and bytes do.

    Joining the parts gives the text back apart from whitespace at the cuts and at either end,
    which is dropped so no part starts or ends blank. A text within the limit comes back as
    one part, as it is.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _cut_point(rest, limit, measure)
        part = rest[:cut].strip()
        if part:
            parts.append(part)
        rest = rest[cut:].lstrip()
    if parts:
        rest = rest.rstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as LINE and JavaScript count it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class TextLimit:
    """How much text one message of a channel may carry, counted as that platform counts.

    Owned by the channel (Telegram: 4,096 UTF-16 units; LINE: 5,000) and handed to the code
    that queues messages, so ``storage`` and ``flows`` never hard-code a platform's number.
    """

    size: int
    measure: Callable[[str], int] = len

    def fits(self, text: str) -> bool:
        return self.measure(text) <= self.size

    def split(self, text: str) -> list[str]:
        """``text`` as the messages to send, in order; one message if it fits."""
        return split_text(text, self.size, measure=self.measure)
