"""Picking an item of the summary to change; its old value is kept until the new one is given."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.dialogue import navigation
from flows.dialogue.choosing import (
    Given,
    resolve,
)
from flows.dialogue.names import (
    BACK,
    EDIT_PICK,
)
from flows.i18n import N_
from flows.modes import (
    request,
    summary,
)
from flows.modes.base import Mode
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn


def edit_options(turn: Turn) -> tuple[Option, ...]:
    """The summary's items, then 「確認画面に戻る」."""
    return (
        *(Option(step.id, step.label) for step in summary.summary_steps(turn)),
        Option(BACK, N_("確認画面に戻る"), ("戻る", "back")),
    )


def ask_edit(turn: Turn) -> None:
    """Ask which item to change."""
    turn.conv.mode = EDIT_PICK
    turn.say(turn.t("修正する項目を選んでください。"), edit_options(turn))


def edit_pick(turn: Turn, given: Given) -> None:
    """Take the item to change; an unclear reply asks again."""
    option = resolve(given, edit_options(turn), turn.t)
    named = summary.item_named(turn, given.text) if option is None and given.text else None
    if named is not None:
        edit(turn, named.id)  # 「名前がまちがっています」: the name item
        return
    if option is None:
        turn.say(turn.t("修正する項目を番号で選んでください。"))
        ask_edit(turn)
        return
    if option.id == BACK:
        summary.show_summary(turn)
        return
    edit(turn, option.id)


def edit(turn: Turn, step_id: str) -> None:
    """Ask the item's question again, keeping its old value to show and to restore on 「戻る」."""
    conv = turn.conv
    conv.editing = step_id
    conv.previous = conv.answers.pop(step_id)
    request.advance(turn)


class EditPick(Mode):
    """Which item of the summary to change."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return edit_options(turn)

    def ask(self, turn: Turn) -> None:
        ask_edit(turn)

    def take(self, turn: Turn, given: Given) -> None:
        edit_pick(turn, given)

    def back(self, turn: Turn) -> None:
        if not navigation.undo_edit(turn):
            summary.show_summary(turn)

    def cancel(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.stop(turn, said=True)

    def to_menu(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.leave_for_menu(turn)
