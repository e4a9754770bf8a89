"""The chat as staff read it (``madoguchi staff show``, the Slack thread): the member's words
and the desk's questions, not the option lists under them.

The desk sends choices under most questions (the menu after every /start, the org pick, a
step's options, 送信する・修正する under the summary); a transcript that repeats them buries
what the member wrote. So a desk message keeps its own lines and its choices become one short
line: 「（メニューを表示）」 for the whole menu (in either language it is sent in), 「（選択肢
N件）」 for any other list. The chat before the request (greetings, the menu, a question
answered on the way) stays, since nothing a member writes may vanish; a 「―― ここから申出 ――」
line shows where the request itself begins. The stored transcript (exports, supervisors'
``/madoguchi transcript``) keeps every message whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from flows.i18n import LANGUAGES, N_, Translator
from flows.steps import Option
from flows.wording import ANYTHING_ELSE_OPTIONS
from storage.models import TranscriptLine

MENU_SHOWN = N_("（メニューを表示）")
CHOICES_SHOWN = N_("（選択肢 {count}件）")
REQUEST_STARTS = N_("―― ここから申出 ――")
# How a transcript line lists the choices sent with a message (``storage.turns.transcript_text``).
_CHOICE = re.compile(r"^  \[(.*)\]$")


def menu_labels(options: Iterable[Option]) -> list[frozenset[str]]:
    """The menu's choices as each language's transcript names them."""
    shown = list(options)
    return [frozenset(Translator(lang)(option.label) for option in shown) for lang in LANGUAGES]


def _split_choices(text: str) -> tuple[str, list[str]]:
    """A desk message's own words and the choices listed under them."""
    lines = text.split("\n")
    labels: list[str] = []
    while lines and (choice := _CHOICE.match(lines[-1])):
        labels.append(choice.group(1))
        lines.pop()
    return "\n".join(lines), labels


def without_choices(text: str, menus: Collection[frozenset[str]], t: Translator) -> str:
    """A desk message with its choices as one short line: 「（メニューを表示）」 for one of
    the ``menus``, 「（選択肢 N件）」 for any other list; a message without choices as it is."""
    said, labels = _split_choices(text)
    if not labels:
        return text
    short = t(MENU_SHOWN) if frozenset(labels) in menus else t(CHOICES_SHOWN, count=len(labels))
    space = "" if t.lang == "ja" else " "  # 「…選んでください。（メニューを表示）」
    return f"{said}{space}{short}" if said else short


@dataclass(frozen=True)
class Row:
    """One row of the staff view: a transcript line with the text to show, or (``line`` is
    ``None``) the mark where the request begins."""

    line: TranscriptLine | None
    text: str


@dataclass(frozen=True)
class StaffTranscript:
    """How one deployment's transcripts read for staff; ``menu`` is the engine's main menu."""

    menus: list[frozenset[str]]
    offers: list[frozenset[str]]

    @classmethod
    def of(cls, menu: Iterable[Option]) -> StaffTranscript:
        return cls(menu_labels(menu), menu_labels(ANYTHING_ELSE_OPTIONS))

    def rows(self, lines: Sequence[TranscriptLine], intake_to: int, t: Translator) -> list[Row]:
        """The lines as staff read them, with the mark before the member's first message
        after the last menu (or 「ほかにご用件は」 offer) of the intake, whose lines end at
        id ``intake_to``: what came before was chat, not the request."""
        starts = self._request_start(lines, intake_to)
        rows: list[Row] = []
        for index, line in enumerate(lines):
            if index == starts:
                rows.append(Row(None, t(REQUEST_STARTS)))
            shown = without_choices(line.text, self.menus, t) if line.direction == "bot" else None
            rows.append(Row(line, line.text if shown is None else shown))
        return rows

    def _request_start(self, lines: Sequence[TranscriptLine], intake_to: int) -> int | None:
        """The index of the member's line that began the request: their last message of the
        intake that answered a menu or a 「ほかにご用件は」 offer (``None`` if none did)."""
        start: int | None = None
        offered = False
        for index, line in enumerate(lines):
            if (line.id or 0) > intake_to:
                break  # after the request was sent: follow-ups, staff replies
            if line.direction == "member" and offered:
                start, offered = index, False
            elif line.direction == "bot":
                labels = frozenset(_split_choices(line.text)[1])
                offered = offered or labels in self.menus or labels in self.offers
        return start
