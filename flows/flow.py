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
    # Show the summary before sending: always, never, or when the answers say so.
    confirm: bool | Callable[[Context], bool] = True
    consents: Callable[[Context], list[ConsentEntry]] | None = None
    closing: Callable[[Context], list[str]] | None = None  # extra lines in the receipt
    # Shown on the confirmation screen whatever path filled the answers (flows/notices.py).
    notices: tuple[Notice, ...] = ()
    # Said once when the request starts, after its intro (not at every re-ask of a step).
    preface: Callable[[Context], list[str]] | None = None
    preface_topic: str | None = None  # the published topic it says (skipped once told)

    def confirms(self, ctx: Context) -> bool:
        """Whether the member sees the summary before this request is sent."""
        return self.confirm(ctx) if callable(self.confirm) else self.confirm
