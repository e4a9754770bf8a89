"""Out of hours: a member writing when nobody is at the desk is told when staff will read it.

A request filed, or words relayed to staff, outside the org's published hours (or on a day the
office is closed) gets one line naming the next working day from the office calendar. An org
that publishes no hours (コープデリ) is out of hours only on a closed day, and no hours are
named for it. Pure: the turn knows ``now``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flows.i18n import JST, Translator
from flows.office_calendar import is_open
from flows.profiles import OfficeHours, OrgProfile

_LONGEST_CLOSURE = 400  # as in flows.office_calendar: no open day this far ahead is a bug


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _staffed_day(day: date, org: OrgProfile) -> bool:
    """An open day on which the published hours apply (``weekdays``: Monday to Friday)."""
    if not is_open(day, org.office_days):
        return False
    hours = org.hours
    return hours is None or hours.days == "open_days" or day.weekday() < 5


def next_staffed_day(moment: datetime, org: OrgProfile) -> date | None:
    """The day staff will read what arrives at ``moment``: ``None`` within hours (or, with no
    published hours, on an open day); today if it is before opening; else the next day."""
    local = moment.astimezone(JST)
    today = local.date()
    hours = org.hours
    if _staffed_day(today, org):
        if hours is None or _clock(hours.open) <= local.time() < _clock(hours.close):
            return None
        if local.time() < _clock(hours.open):
            return today
    for ahead in range(1, _LONGEST_CLOSURE):
        day = today + timedelta(days=ahead)
        if _staffed_day(day, org):
            return day
    raise ValueError(f"no staffed day in the {_LONGEST_CLOSURE} days after {today.isoformat()}")


def notice(moment: datetime, org: OrgProfile, t: Translator) -> tuple[date, str] | None:
    """The line telling the member when staff will read it, with that day; ``None`` in hours."""
    day = next_staffed_day(moment, org)
    if day is None:
        return None
    local = moment.astimezone(JST)
    closed = not is_open(local.date(), org.office_days)
    return day, _sentence(t, org.hours, day, closed=closed)


def _sentence(t: Translator, hours: OfficeHours | None, day: date, *, closed: bool) -> str:
    if closed or hours is None:
        return t(
            "本日は窓口がお休みのため、担当者が確認するのは{day}以降になります。",
            day=t.date(day),
        )
    return t(
        "受付時間（{hours}）外のため、担当者が確認するのは{day}以降になります。",
        hours=hours.wording(t.lang),
        day=t.date(day),
    )
