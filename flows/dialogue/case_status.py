"""The member's own cases: the status list and one case shown whole, tied to that case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    case_view,
)
from flows.dialogue import navigation
from flows.dialogue.names import (
    CALL_ME,
    CASES_SHOWN,
    MENU_CHOICE,
    VIEW,
    WITHDRAW,
)
from flows.messages import (
    CaseView,
    Reply,
)
from flows.modes import (
    menu,
    unclear,
)

if TYPE_CHECKING:
    from flows.turn import Turn


def own_case(turn: Turn, number: str | None) -> CaseView | None:
    """The member's own case with this number, if they have one."""
    return next((c for c in turn.cases if c.number == number), None)


def show_status(turn: Turn, text: str | None, number: str | None = None) -> None:
    """「状況」: one case is shown whole; several are listed to pick one from."""
    named = own_case(turn, number.upper()) if number else None
    if named is not None:
        show_case(turn, named, text)
        return
    if not turn.cases:
        turn.say(turn.t("受付済みのお申し出はありません。"))
        menu.show_menu(turn)
        return
    if len(turn.cases) == 1:
        show_case(turn, turn.cases[0], text)
        return
    # Listed in the order of the numbered choices below: newest first.
    turn.say(navigation.status_text(turn, list(reversed(turn.cases))))
    newest = list(reversed(turn.cases[-CASES_SHOWN:]))
    unclear.offer(
        turn,
        text,
        turn.t("くわしくご覧になるお申し出を選んでください。"),
        [*(VIEW + c.number for c in newest), MENU_CHOICE],
    )


def show_case_number(turn: Turn, number: str, text: str | None) -> None:
    """A case picked from the status list; one no longer there leads back to the menu."""
    case = own_case(turn, number)
    if case is None:
        menu.show_menu(turn)
        return
    show_case(turn, case, text)


def show_case(turn: Turn, case: CaseView, text: str | None) -> None:
    """The case as its member may see it, tied to the case; what they can do with it."""
    turn.result.replies.append(
        Reply(
            text=case_view.detail_text(case, turn.org, turn.t, turn.now),
            case_number=case.number,
        )
    )
    # Withdrawing comes last: a 「1」 typed by habit must not be the first step to undoing
    # what the member asked for (it is confirmed anyway).
    options: list[str] = []
    if case_view.is_overdue(case, turn.now):
        options.append(CALL_ME + case.number)
    options.append(MENU_CHOICE)
    if case_view.is_open(case):
        options.append(WITHDRAW + case.number)
    unclear.offer(turn, text, turn.t("次から選んでください。"), options)
