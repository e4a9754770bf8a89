"""The office calendar: the latest open day on or before a date, for any calendar a profile can
hold, and the dates the desk promises around 年末年始 and Golden Week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from flows.i18n import JST
from flows.office_calendar import answer_due, is_open, last_open_day, promised_due
from flows.profiles import WEEKDAYS, ClosedPeriod, OfficeDays, load_profiles

DEFAULT = OfficeDays()
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> ClosedPeriod:
    """A yearly closure of 1 to 31 days, possibly over the new year."""
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)))
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=30)))
    return ClosedPeriod(start=f"{start:%m-%d}", end=f"{end:%m-%d}")


@st.composite
def calendars(draw: st.DrawFn) -> OfficeDays:
    """Any calendar a profile may hold: at least one weekday open, short closures."""
    closed = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=6))
    return OfficeDays.model_validate(
        {
            "closed_weekdays": closed,
            "public_holidays_closed": draw(st.booleans()),
            "closed_periods": draw(st.lists(periods(), max_size=3)),
        }
    )


@given(DAYS, calendars())
def test_the_day_found_is_open_not_after_the_date_and_skips_no_open_day(
    day: date, office: OfficeDays
) -> None:
    found = last_open_day(day, office)
    assert is_open(found, office)
    assert found <= day
    between = (found + timedelta(days=n) for n in range(1, (day - found).days + 1))
    assert not any(is_open(d, office) for d in between)


@given(DAYS, calendars())
def test_an_open_day_is_its_own_answer(day: date, office: OfficeDays) -> None:
    assert (last_open_day(day, office) == day) == is_open(day, office)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    calendars(),
)
def test_a_promised_moment_keeps_its_time_of_day_on_the_last_open_day(
    local: datetime, office: OfficeDays
) -> None:
    moment = local.replace(tzinfo=JST)
    promised = promised_due(moment, office).astimezone(JST)
    assert promised.date() == last_open_day(moment.date(), office)
    assert promised.time() == moment.time()


@pytest.mark.parametrize(
    ("closed", "promised"),
    [
        (date(2026, 12, 20), date(2026, 12, 18)),  # a Sunday: the Friday before
        (date(2026, 12, 31), date(2026, 12, 28)),  # 年末年始: the Monday before it starts
        (date(2027, 1, 3), date(2026, 12, 28)),  # the last day of 年末年始, a Sunday too
        (date(2027, 1, 11), date(2027, 1, 8)),  # 成人の日
        (date(2027, 5, 5), date(2027, 4, 30)),  # Golden Week: こどもの日 back past 憲法記念日
        (date(2026, 5, 6), date(2026, 5, 1)),  # a 振替休日
        (date(2026, 11, 23), date(2026, 11, 20)),  # 勤労感謝の日 on a Monday
    ],
)
def test_a_closed_day_moves_back_to_the_last_open_day_before_it(
    closed: date, promised: date
) -> None:
    assert not is_open(closed, DEFAULT)
    assert last_open_day(closed, DEFAULT) == promised


@pytest.mark.parametrize(
    ("filed", "promised"),
    [
        (date(2026, 12, 6), date(2026, 12, 18)),  # not Sunday 20日
        (date(2026, 12, 17), date(2026, 12, 28)),  # not 31日, in 年末年始
        (date(2026, 12, 4), date(2026, 12, 18)),  # an open day stays
    ],
)
@pytest.mark.parametrize("org", ["coopdeli", "seikatsuclub-kyosai"])
def test_a_request_is_due_on_the_last_open_day_within_14_days(
    org: str, filed: date, promised: date
) -> None:
    received = datetime.combine(filed, time(10, 0), JST)
    due = answer_due(load_profiles()[org], "disclosure", received)
    assert due.astimezone(JST) == datetime.combine(promised, time(10, 0), JST)


def test_both_co_ops_close_on_weekends_holidays_and_the_assumed_new_year_span() -> None:
    """Neither policy publishes closed days: both carry the desk's documented assumption."""
    for profile in load_profiles().values():
        assert profile.office_days == DEFAULT
        assert DEFAULT.closed_weekdays == ("sat", "sun") and DEFAULT.public_holidays_closed
        assert DEFAULT.closed_periods == (ClosedPeriod(start="12-29", end="01-03"),)


@pytest.mark.parametrize(
    "bad",
    [
        {"closed_weekdays": list(WEEKDAYS)},  # never open
        {"closed_periods": [{"start": "01-03", "end": "12-29"}]},  # 年末年始 written backwards
        {"closed_periods": [{"start": "02-30", "end": "03-01"}]},  # no such day
        {"closed_periods": [{"start": "12-29"}]},
        {"closed_weekdays": ["saturday"]},
    ],
)
def test_a_calendar_that_could_never_promise_a_date_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OfficeDays.model_validate(bad)
