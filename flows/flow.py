"""What a request flow is: its steps plus what it records when submitted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.messages import ConsentEntry
from flows.notices import Notice
from flows.steps import Context, Step


@dataclass(frozen=True)
class RequestFlow:
    """One request type: the questions to ask and what submitting it records."""

    type_id: str
    title: str  # the request type as members and staff name it
    menu_label: str
    intro: str
    steps: tuple[Step, ...]
    aliases: tuple[str, ...] = ()  # words that pick this flow from the menu
    confirm: bool = True  # show the summary before sending
    consents: Callable[[Context], list[ConsentEntry]] | None = None
    closing: Callable[[Context], list[str]] | None = None  # extra lines in the receipt
    # Shown on the confirmation screen whatever path filled the answers (flows/notices.py).
    notices: tuple[Notice, ...] = ()
