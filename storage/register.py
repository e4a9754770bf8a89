"""Reading the request register and its monthly figures: two queries and an audit entry.

A register read hands every request of a period to whoever asked, so the look is on record
(who, which period, how many cases) in the same transaction as the read, here and not at each
call site: Slack, the terminal and whatever comes next cannot forget it. The cases come in
one query and all their events in a second (a subquery on the same filter), never one query
per case; both are plain SQL that SQLite and PostgreSQL read alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, or_, select

from flows.i18n import JST
from storage.audit import AuditLog
from storage.db import Database
from storage.models import Case, CaseEvent
from storage.staff import Refused, StaffActor, require_supervisor


@dataclass(frozen=True)
class RegisterData:
    """The cases a read found (in order of arrival) with each one's events, oldest first."""

    cases: list[Case]
    events: dict[int, list[CaseEvent]]

    def events_of(self, case: Case) -> list[CaseEvent]:
        return self.events.get(case.id or 0, [])


def day_start(day: date) -> datetime:
    """Midnight in Japan: the register's days are the desk's own days."""
    return datetime.combine(day, time(0), JST)


class RegisterReader:
    """The register's reads; each one audited in its own transaction before it returns.

    The register is the supervisors' (every org's requests at once): another actor is refused
    here, with its ``denied:`` entry, whatever surface asked."""

    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def arrived(
        self,
        actor: StaffActor,
        first: date,
        last: date,
        org: str | None = None,
        *,
        purpose: str = "register",
        detail: dict[str, Any] | None = None,
    ) -> RegisterData:
        """Every request that arrived (``received_at``, Japan time) from ``first`` to ``last``
        inclusive, of ``org`` or of all; the read is audited as ``view_register``."""
        arrived = and_(
            col(Case.received_at) >= day_start(first),
            col(Case.received_at) < day_start(last + timedelta(days=1)),
        )
        return self._read(
            actor,
            arrived,
            org,
            action="view_register",
            detail={"from": first.isoformat(), "to": last.isoformat(), "purpose": purpose}
            | (detail or {}),
        )

    def month(self, actor: StaffActor, first: date, org: str | None = None) -> RegisterData:
        """The cases a month's figures need: those that arrived in the month starting on
        ``first``, and those that arrived earlier and were still open at its end (not closed
        before the next month began). Audited as ``view_stats``."""
        start, end = day_start(first), day_start(next_month(first))
        needed = and_(
            col(Case.received_at) < end,
            or_(
                col(Case.received_at) >= start,
                col(Case.closed_at).is_(None),
                col(Case.closed_at) >= end,
            ),
        )
        return self._read(
            actor, needed, org, action="view_stats", detail={"month": first.strftime("%Y-%m")}
        )

    def _read(
        self,
        actor: StaffActor,
        where: ColumnElement[bool],
        org: str | None,
        *,
        action: str,
        detail: dict[str, Any],
    ) -> RegisterData:
        try:
            require_supervisor(actor, action)
        except Refused:
            self.audit.record(actor.audit, f"denied:{action}", allowed=False)
            raise
        if org is not None:
            where = and_(where, Case.org_id == org)
        with self.db.transaction() as session:
            cases = list(
                session.exec(
                    select(Case).where(where).order_by(col(Case.received_at), col(Case.id))
                ).all()
            )
            events = _events(session, where)
            self.audit.record(
                actor.audit,
                action,
                detail={**detail, "org": org, "cases": len(cases)},
                session=session,
            )
            return RegisterData(cases, events)


def _events(session: Session, where: ColumnElement[bool]) -> dict[int, list[CaseEvent]]:
    """The events of every case ``where`` selects, in one query (no list of ids to bind)."""
    ids = select(Case.id).where(where)
    rows: Sequence[CaseEvent] = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_(ids))
        .order_by(col(CaseEvent.case_id), col(CaseEvent.id))
    ).all()
    grouped: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in rows:
        grouped[event.case_id].append(event)
    return dict(grouped)


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` is in."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
