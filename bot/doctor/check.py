"""One check's result, and the exit status a list of them gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config import Passing, Problem

Status = Literal["OK", "WARN", "FAIL", "SKIP"]


@dataclass(frozen=True)
class Check:
    """One check's result: what was looked at, what was found, and what to do about it."""

    status: Status
    name: str
    detail: str
    fix: str = ""
    passing: bool = False  # a server away, which may answer later (``config.Passing``)

    def line(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix and self.status in ("WARN", "FAIL") else ""
        return f"{self.status:<4}  {self.name}: {self.detail}{fix}"

    @classmethod
    def of(cls, name: str, problem: str) -> Check:
        """A failure from a start-up problem line (:class:`config.Problem`), its fix apart."""
        if not isinstance(problem, Problem):
            return cls("FAIL", name, problem)
        detail = problem.detail if problem.detail.endswith(".") else f"{problem.detail}."
        return cls("FAIL", name, detail, problem.fix, passing=isinstance(problem, Passing))

    def problem(self) -> str:
        """The check as one problem line for ``serve``'s refusal."""
        fix = f" {self.fix[:1].upper()}{self.fix[1:]}" if self.fix else ""
        line = f"{self.detail}{fix}"
        return Passing(line) if self.passing else line


def exit_status(checks: list[Check]) -> int:
    """0: all OK (or skipped); 1: warnings only; 2: something failed."""
    statuses = {check.status for check in checks}
    return 2 if "FAIL" in statuses else 1 if "WARN" in statuses else 0


# What a Slack conversation id looks like (C… public or private, G… older private ones).
