"""The office calendar: a date promised to a member never falls on a day the office is closed.

The 14-day target counts calendar days from arrival (APPI checklist, "Working days"); a date
that lands on a weekend, a public holiday or 年末年始 moves back to the last open day before
it, so the promise stays within the target and someone is there to keep it. Every date the
desk promises or shows as due (filing, extension, resume) goes through :func:`promised_due`,
and the stored due date is that promise, so staff and member see the same day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import jpholiday

from flows.i18n import JST
from flows.profiles import OfficeDays, OrgProfile

# More closed days in a row than any calendar a profile can hold (a 31-day closure, its
# weekends and holidays): a search that finds no open day this far back is a bug, not a wait.
_LONGEST_CLOSURE = 400


class NoOpenDayError(ValueError):
    """The calendar has no open day near the date asked about."""


def is_open(day: date, office: OfficeDays) -> bool:
    """Whether the office works that day: not a closed weekday, holiday or closed period."""
    if office.weekday_closed(day):
        return False
    if office.public_holidays_closed and jpholiday.is_holiday(day):
        return False
    return not any(period.includes(day) for period in office.closed_periods)


def last_open_day(day: date, office: OfficeDays) -> date:
    """The latest open day on or before ``day``."""
    for back in range(_LONGEST_CLOSURE):
        candidate = day - timedelta(days=back)
        if is_open(candidate, office):
            return candidate
    raise NoOpenDayError(f"no open day in the {_LONGEST_CLOSURE} days up to {day.isoformat()}")


def promised_due(moment: datetime, office: OfficeDays) -> datetime:
    """``moment`` moved back, whole days at a time, to the last open day (in Japan) on or
    before its own; its time of day is kept, so an open day's moment is returned as it is."""
    local = moment.astimezone(JST).date()
    return moment - timedelta(days=(local - last_open_day(local, office)).days)


def answer_due(org: OrgProfile, request_type: str, received: datetime) -> datetime:
    """The due date of a request filed at ``received``: the org's target in calendar days from
    arrival, moved back to the last open day."""
    target = received + timedelta(days=org.deadlines.days_for(request_type))
    return promised_due(target, org.office_days)
