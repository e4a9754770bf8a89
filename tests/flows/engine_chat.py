"""A member talking to the engine alone, as a Japanese transcript: no desk, no database.

``Engine.turn`` is a pure function of (stored state, inbound event, clock), so a dialogue test
needs nothing else: the state a turn returns is the state the next turn is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flows.engine import Engine
from flows.messages import CaseDraft, CaseView, Inbound, Reply
from flows.profiles import load_profiles

ENGINE = Engine(load_profiles())
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


class EngineChat:
    """One chat with the engine; ``lines`` is the transcript (会員／窓口)."""

    def __init__(
        self, org: str = "coopdeli", *, now: datetime = NOW, cases: Sequence[CaseView] = ()
    ) -> None:
        self.now = now
        self.cases = cases
        self.state: dict[str, object] | None = None
        self.lines: list[str] = []
        self.cases_sent: list[CaseDraft] = []
        self.last: tuple[Reply, ...] = ()
        self._sent = 0
        self._turn(f"/start {org}", Inbound("test", "chat", "k0", command="start", argument=org))

    def says(self, text: str) -> str:
        """The member types ``text``; the desk's replies, joined, are returned."""
        return self._turn(text, self._inbound(text=text))

    def presses(self, label: str) -> str:
        """The member presses the button labelled ``label`` under the last reply."""
        shown = [choice for reply in self.last for choice in reply.choices]
        choice = next(c for c in shown if c.label == label)
        return self._turn(f"［{label}］", self._inbound(choice=choice.id))

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)

    def _inbound(self, **event: str) -> Inbound:
        self._sent += 1
        return Inbound("test", "chat", f"k{self._sent}", **event)

    def _turn(self, shown: str, inbound: Inbound) -> str:
        result = ENGINE.turn(self.state, inbound, self.now, self.cases)
        self.state = result.state
        self.last = tuple(result.replies)
        if result.new_case is not None:
            self.cases_sent.append(result.new_case)
        self.lines.append(f"会員：{shown}")
        said = "\n".join(reply.text for reply in result.replies)
        self.lines += [f"窓口：{line}" for line in said.split("\n")]
        return said
