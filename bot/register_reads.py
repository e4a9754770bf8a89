"""The register and a month's figures as every staff surface reads them (terminal, Slack):
read and audited by ``storage.register``, built into rows and figures by ``flows``."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.app import App
from bot.register_export import RegisterDocument
from flows.register_columns import entries, rows
from flows.register_stats import MonthFigures, month_figures
from storage.register import RegisterReader, day_start, next_month
from storage.staff import StaffActor


def register_document(
    app: App,
    actor: StaffActor,
    first: date,
    last: date,
    org: str | None = None,
    *,
    detail: dict[str, Any] | None = None,
) -> RegisterDocument:
    """Every request that arrived from ``first`` to ``last``, as one export's rows."""
    data = RegisterReader(app.db, app.audit).arrived(actor, first, last, org, detail=detail)
    now = app.clock()
    found = entries(data.cases, data.events_of, app.orgs, app.cases.queue_names, now)
    return RegisterDocument(
        first=first,
        last=last,
        org=app.orgs[org].name.ja if org else None,
        exported_by=actor.id,
        exported_at=now,
        rows=rows(found),
    )


def read_month_figures(
    app: App, actor: StaffActor, first: date, org: str | None = None
) -> MonthFigures:
    """The figures of the month starting on ``first``."""
    data = RegisterReader(app.db, app.audit).month(actor, first, org)
    found = entries(data.cases, data.events_of, app.orgs, app.cases.queue_names, app.clock())
    end = day_start(next_month(first))
    return month_figures(found, first, end, app.orgs[org].name.ja if org else None)
