"""How long work tells how far it has got, without knowing who listens.

Storage (and flows) stay free of any user interface: a long loop takes a :class:`Progress`
and calls it as it goes; ``bot.progress`` turns that into a bar on a terminal, or nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, step: str, done: int, total: int) -> None:
        """``done`` of ``total`` items of ``step`` (e.g. a table's rows) are finished; called
        again as ``done`` grows, and once more when the step ends."""


def silent(step: str, done: int, total: int) -> None:
    """Nobody is watching (a script, the scheduler, a test)."""
