"""What every conversation mode provides, so that none can be half-wired.

A mode is the question the member is at (the menu, a step of a request, a confirmation…).
The turn's plumbing (global words, numbers, files, edited messages, 「戻る」) works the same in
every mode because it only ever asks the mode these things.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.dialogue.choosing import Given
    from flows.steps import Option
    from flows.turn import Turn


class Mode(ABC):
    """One mode of the dialogue: what it offers, how it asks, how it takes the member's input."""

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
