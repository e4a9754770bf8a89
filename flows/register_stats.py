"""A month's figures for supervisors, counted from the register's own entries.

Counted from the same entries and column functions as the register (``register_columns``),
so a figure and the rows behind it agree. Definitions, as supervisors read them:

- **arrived**: requests whose arrival (``received_at``, Japan time) is in the month, by type,
  org and route;
- **within target**: of the month's requests closed with an outcome (回答済・一部対応・対応不可,
  as of the read), those closed on or before their final due date (an extension told to the
  member with its reason moves the promise); withdrawn requests are not counted;
- **median days**: calendar days from arrival to closing, of those same requests;
- **extensions**: the month's requests extended at least once, and extensions in all;
- **refusals**: the month's requests closed 一部対応 or 対応不可, by outcome and reason;
- **open / overdue at month end**: requests that arrived by the month's end, any month, and
  were not closed before it; overdue if the due date in force then had passed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flows.i18n import JST
from flows.register_columns import JA, Entry, days_taken, jst_day
from flows.registry import FLOWS
from flows.routes import ROUTES, route_label
from flows.status import OUTCOMES, OUTCOMES_NEEDING_REASON, status_label

Count = tuple[str, int]


@dataclass(frozen=True)
class Refusal:
    outcome: str  # its label: 一部対応 / 対応不可
    reason: str
    count: int


@dataclass(frozen=True)
class MonthFigures:
    """One month's figures; ``org`` is the org's name, or None for every org served."""

    month: date  # its first day
    org: str | None
    arrived: int
    by_type: list[Count]
    by_org: list[Count]
    by_route: list[Count]
    closed: int  # with an outcome, of those that arrived in the month
    within_target: int
    median_days: float | None
    extended_cases: int
    extensions: int
    refusals: list[Refusal]
    open_at_end: int
    overdue_at_end: int

    @property
    def share_within_target(self) -> float | None:
        return self.within_target / self.closed if self.closed else None


def _counted(labels: Iterable[str], order: Iterable[str] = ()) -> list[Count]:
    """Counts in a known order first (types, routes as the desk lists them), then the rest."""
    counts = Counter(labels)
    ordered = [label for label in order if label in counts]
    ordered += sorted(label for label in counts if label not in ordered)
    return [(label, counts[label]) for label in ordered]


def _due_at(entry: Entry, moment: datetime) -> datetime:
    """The due date in force at ``moment``: extensions made later are undone."""
    later = [e for e in entry.of_kind("extended") if e.created_at >= moment]
    return datetime.fromisoformat(str(later[0].data["from"])) if later else entry.case.due_at


def month_figures(
    entries: list[Entry], month: date, end: datetime, org: str | None = None
) -> MonthFigures:
    """The figures for the month from ``month`` (its first day) to ``end`` (the next month's
    first moment, Japan time), from ``entries`` that ``RegisterReader.month`` read."""
    start = datetime.combine(month, time(0), JST)
    arrived = [e for e in entries if start <= e.case.received_at < end]
    closed = [e for e in arrived if e.case.status in OUTCOMES and e.case.closed_at is not None]
    within = [
        e
        for e in closed
        if (jst_day(e.case.closed_at) or month) <= (jst_day(e.case.due_at) or month)
    ]
    days = [d for d in (days_taken(e) for e in closed) if d is not None]
    extended = [e for e in arrived if e.of_kind("extended")]
    refused = Counter(
        (JA(status_label(e.case.status)), e.case.outcome_reason or "")
        for e in arrived
        if e.case.status in OUTCOMES_NEEDING_REASON
    )
    still_open = [
        e
        for e in entries
        if e.case.received_at < end and (e.case.closed_at is None or e.case.closed_at >= end)
    ]
    overdue = [
        e for e in still_open if (jst_day(_due_at(e, end)) or month) < end.astimezone(JST).date()
    ]
    flows_order = [JA(flow.title) for flow in FLOWS.values()]
    return MonthFigures(
        month=month,
        org=org,
        arrived=len(arrived),
        by_type=_counted(
            (
                JA(FLOWS[e.case.request_type].title)
                if e.case.request_type in FLOWS
                else e.case.request_type
                for e in arrived
            ),
            flows_order,
        ),
        by_org=_counted(e.org.name.ja if e.org else e.case.org_id for e in arrived),
        by_route=_counted(
            (JA(route_label(e.case.route)) for e in arrived), (JA(r) for r in ROUTES.values())
        ),
        closed=len(closed),
        within_target=len(within),
        median_days=float(statistics.median(days)) if days else None,
        extended_cases=len(extended),
        extensions=sum(len(e.of_kind("extended")) for e in arrived),
        refusals=[
            Refusal(outcome, reason, count)
            for (outcome, reason), count in sorted(refused.items(), key=lambda i: (-i[1], i[0]))
        ],
        open_at_end=len(still_open),
        overdue_at_end=len(overdue),
    )
