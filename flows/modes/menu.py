"""The menu mode: the list of requests and questions, and starting what was chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.dialogue import case_status, free_text, navigation
from flows.dialogue.choosing import (
    Given,
    resolve,
)
from flows.dialogue.names import (
    INQUIRY,
    MENU,
    STATUS_ID,
)
from flows.modes import (
    request,
    topics,
)
from flows.modes.base import Mode
from flows.registry import FLOWS
from flows.steps import Option
from flows.understanding import prefill

if TYPE_CHECKING:
    from flows.turn import Turn


def show_menu(turn: Turn, *, pending: str | None = None) -> None:
    """The menu; ``pending`` is the member's message the choice will be read with."""
    turn.conv.mode = MENU
    turn.conv.offered = None
    turn.conv.pending_text = pending
    turn.say(turn.t("ご用件を選んでください。"), turn.engine.menu_options())


def menu_choice(turn: Turn, given: Given) -> None:
    """A menu item by button, number or words; a sentence is understood instead."""
    option = resolve(given, turn.engine.menu_options(), turn.t)
    pending, turn.conv.pending_text = turn.conv.pending_text, None
    if option is not None:
        start_option(turn, option.id, pending)
    elif given.text:
        # Still on the table after an offer (a published answer): 「それ」 may point at it.
        earlier = pending if turn.conv.offered else None
        free_text.understand(turn, given.text, earlier=earlier)
    else:
        free_text.not_understood(turn, None)


def start_option(turn: Turn, option_id: str, text: str | None = None) -> None:
    """Start what the member chose, with their words (if any) read into it."""
    if option_id == STATUS_ID:
        case_status.show_status(turn, text)
    elif option_id == "inquiry":
        if text:
            topics.inquiry_question(turn, text)
        else:
            turn.conv.mode = INQUIRY
            topics.ask_inquiry_topic(turn)
    elif text:
        request.start_flow(
            turn, option_id, prefill(FLOWS[option_id], turn.read(text)), explain=True
        )
    else:
        request.start_flow(turn, option_id, {})


class Menu(Mode):
    """The menu of requests and questions; typed sentences are understood from here."""

    lists_cases = True

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return turn.engine.menu_options()

    def ask(self, turn: Turn) -> None:
        show_menu(turn)

    def take(self, turn: Turn, given: Given) -> None:
        menu_choice(turn, given)

    def cancel(self, turn: Turn) -> None:
        if turn.conv.mode == MENU:  # not a stored mode no longer known, read as the menu
            turn.say(turn.t("いま手続き中のものはありません。"))
        navigation.stop(turn, said=False)
