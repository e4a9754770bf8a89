"""The chat as ``madoguchi staff show`` prints it: the member's words, not the menus.

The desk sends the whole menu (ten choices) after every /start, cancel or 「メニュー」; staff know
it, and a transcript that repeats it buries what the member wrote. So a desk message whose
choices are exactly the menu's (in either language it is sent in) is shown with one short
「（メニューを表示）」 in place of the choices. The stored transcript (exports, supervisors'
``/madoguchi transcript``) keeps every message whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from flows.i18n import LANGUAGES, N_, Translator
from flows.steps import Option

MENU_SHOWN = N_("（メニューを表示）")
# How a transcript line lists the choices sent with a message (``storage.turns.transcript_text``).
_CHOICE = re.compile(r"^  \[(.*)\]$")


def menu_labels(options: Iterable[Option]) -> list[frozenset[str]]:
    """The menu's choices as each language's transcript names them."""
    shown = list(options)
    return [frozenset(Translator(lang)(option.label) for option in shown) for lang in LANGUAGES]


def without_menu(text: str, menus: Collection[frozenset[str]], t: Translator) -> str:
    """A desk message with the menu's choices replaced by 「（メニューを表示）」; any other
    message (a step's own choices, the short 「ほかにご用件は」 offer) as it is."""
    lines = text.split("\n")
    labels: list[str] = []
    while lines and (choice := _CHOICE.match(lines[-1])):
        labels.append(choice.group(1))
        lines.pop()
    if not labels or frozenset(labels) not in menus:
        return text
    said = "\n".join(lines)
    space = "" if t.lang == "ja" else " "  # 「…選んでください。（メニューを表示）」
    return f"{said}{space}{t(MENU_SHOWN)}" if said else t(MENU_SHOWN)
