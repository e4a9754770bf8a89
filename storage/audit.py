"""The audit log: every look at identity fields or transcripts, and every staff action.

Entries are written in their own transaction *before* the data is shown, so a view that
crashes half-way is still on record; refusals are recorded too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlmodel import col, select

from storage.db import Database
from storage.models import AuditEntry
from storage.turns import Clock

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which surface, e.g. ``Actor("slack:U123", "slack")``."""

    id: str
    surface: str


class AuditLog:
    """Appends and reads audit entries."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        case_number: str | None = None,
        allowed: bool = True,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.db.transaction() as session:
            session.add(
                AuditEntry(
                    at=self.clock(),
                    actor=actor.id,
                    surface=actor.surface,
                    action=action,
                    case_number=case_number,
                    allowed=allowed,
                    detail=detail or {},
                )
            )
        log.info("audit", action=action, case=case_number, allowed=allowed, surface=actor.surface)

    def entries(
        self,
        *,
        case_number: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        with self.db.transaction() as session:
            query = select(AuditEntry).order_by(col(AuditEntry.id))
            if case_number:
                query = query.where(AuditEntry.case_number == case_number.strip().upper())
            if actor:
                query = query.where(AuditEntry.actor == actor)
            if since:
                query = query.where(col(AuditEntry.at) >= since)
            return list(session.exec(query).all())
