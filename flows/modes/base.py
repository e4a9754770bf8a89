"""What every conversation mode provides, so that none can be half-wired.

A mode is the question the member is at (the menu, a step of a request, a confirmation…).
The turn's plumbing (global words, numbers, files, edited messages, 「戻る」) works the same in
every mode because it only ever asks the mode these things.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from flows.dialogue.choosing import Given
    from flows.steps import Option
    from flows.turn import Turn


class Mode(ABC):
    """One mode of the dialogue: what it offers, how it asks, how it takes the member's input,
    and where the words that act at every step (戻る・やめる・やり直し・メニュー) lead from it.

    The defaults are those of a mode outside any request (the menu); the plumbing in
    ``flows.dialogue.navigation`` imports every mode, so the defaults import it when called.
    """

    # At no request: 「状況」 lists the member's cases to pick one from, rather than a
    # reminder before asking the question again.
    lists_cases: ClassVar[bool] = False

    @abstractmethod
    def options(self, turn: Turn) -> tuple[Option, ...]:
        """The choices shown now, in their numbers' order (a pressed button is named by them)."""

    @abstractmethod
    def ask(self, turn: Turn) -> None:
        """Ask (again) what the member is expected to answer in this mode."""

    @abstractmethod
    def take(self, turn: Turn, given: Given) -> None:
        """Act on the member's reply: a pressed button and/or cleaned text."""

    def leave(self, turn: Turn) -> None:  # noqa: B027 (optional: most modes keep nothing)
        """A global word (「戻る」「キャンセル」「状況」) typed here acts on what the member was
        doing before this mode; most modes have nothing to put back."""

    def answers_word(self, turn: Turn, text: str) -> bool:
        """True where a global word is one of this mode's own answers (「やり直す」)."""
        return False

    def takes_japanese(self, turn: Turn) -> bool:
        """True where Japanese is the value asked for, so no hint to switch language is given."""
        return False

    def back(self, turn: Turn) -> None:
        """「戻る」 with no earlier question here: a half-done edit is undone, or the menu."""
        from flows.dialogue import navigation

        navigation.undo_edit_or_leave(turn)

    def cancel(self, turn: Turn) -> None:
        """「やめる」 with nothing being entered: the menu."""
        from flows.dialogue import navigation

        navigation.stop(turn, said=False)

    def to_menu(self, turn: Turn) -> None:
        """「メニュー」 with nothing being entered."""
        from flows.dialogue import navigation

        navigation.leave_for_menu(turn)

    def restart(self, turn: Turn) -> None:
        """「やり直し」: confirmed first where answers would go (like 「キャンセル」)."""
        from flows.dialogue import navigation

        navigation.ask_restart(turn)
