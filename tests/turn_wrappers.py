"""Test stand-ins that change what one turn does, around the real turn store."""

from __future__ import annotations

from typing import Any

from flows.messages import Inbound
from storage.turns import TurnOutcome


class WrappedTurns:
    """The real turn store with ``process`` overridable: the runner's batches
    (``process_many``) go through it one turn at a time, each turn's exception in its place,
    as the real store returns them; everything else is the real store's."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def process(self, inbound: Inbound) -> TurnOutcome:
        outcome: TurnOutcome = self.real.process(inbound)
        return outcome

    def process_many(self, inbounds: list[Inbound]) -> list[TurnOutcome | Exception]:
        results: list[TurnOutcome | Exception] = []
        for inbound in inbounds:
            try:
                results.append(self.process(inbound))
            except Exception as error:
                results.append(error)
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
