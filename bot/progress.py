"""Progress bars for long commands (purge, key rotation and reindex, backup, register export):
a bar on stderr when a person watches a terminal, nothing in scripts.

The work itself reports through ``storage.progress.Progress``; this is the one module that
draws it (with rich, which typer brings). A person is watching when both stdout and stderr
are terminals: with either redirected (cron, a pipe, a file) the command stays quiet, as
it does with ``--quiet``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from storage.progress import Progress as Report
from storage.progress import silent

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar (also when not on a terminal)")
]


def watched() -> bool:
    """Whether a person is watching: stdout and stderr both go to a terminal."""
    return sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def progress_bar(quiet: bool = False, console: Console | None = None) -> Iterator[Report]:
    """A :class:`storage.progress.Progress` that draws one bar per step on stderr (or on
    ``console``), or does nothing when ``quiet`` or nobody watches."""
    if quiet or (console is None and not watched()):
        yield silent
        return
    # Imported only to draw: every other command starts without it.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        total = max(total, done)  # rows added meanwhile (the desk keeps running)
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=total)
        bar.update(tasks[step], completed=done, total=total)

    with bar:
        yield report
