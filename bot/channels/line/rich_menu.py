"""The rich menu's five buttons (開示・訂正・停止・状況・担当者) and what each one says to the
engine; no SDK here, so reading a pressed button costs nothing.

A button sends a postback ``menu:<key>``. The channel hands the engine what it already
understands anywhere: the request's own menu label, as if the member had typed it (at the menu
it starts that request; inside another form it offers to switch, carrying the answers over),
or the ``status`` command. A choice id would not do: inside a form the engine takes only the
step's own choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.registry import FLOWS

POSTBACK_PREFIX = "menu:"
# What LINE accepts for a rich menu's image and area (the large size, two rows).
WIDTH, HEIGHT = 2500, 1686
CHAT_BAR_TEXT = "メニュー"  # at most 14 characters


@dataclass(frozen=True)
class MenuButton:
    """One area of the rich menu: ``words`` are handed to the engine as the member's text,
    or ``command`` as a command."""

    key: str
    label: str  # as printed on the image
    words: str | None = None
    command: str | None = None


BUTTONS: tuple[MenuButton, ...] = (
    MenuButton("disclosure", "開示", words=FLOWS["disclosure"].menu_label),
    MenuButton("correction", "訂正", words=FLOWS["correction"].menu_label),
    MenuButton("suspension", "停止", words=FLOWS["suspension"].menu_label),
    MenuButton("status", "状況", command="status"),
    MenuButton("human", "担当者", words=FLOWS["human"].menu_label),
)
_BY_KEY = {button.key: button for button in BUTTONS}


def pressed(data: str) -> MenuButton | None:
    """The rich-menu button a postback's data names, if it names one."""
    if not data.startswith(POSTBACK_PREFIX):
        return None
    return _BY_KEY.get(data.removeprefix(POSTBACK_PREFIX))


def areas() -> list[tuple[MenuButton, tuple[int, int, int, int]]]:
    """Each button with its area (x, y, width, height): three on the top row, two below."""
    top, bottom = BUTTONS[:3], BUTTONS[3:]
    half = HEIGHT // 2
    placed: list[tuple[MenuButton, tuple[int, int, int, int]]] = []
    for row, buttons in ((0, top), (1, bottom)):
        width = WIDTH // len(buttons)
        for index, button in enumerate(buttons):
            right = WIDTH if index == len(buttons) - 1 else (index + 1) * width
            placed.append((button, (index * width, row * half, right - index * width, half)))
    return placed
