"""Out of hours: a member who files a request, or whose words are relayed to staff, when the
desk is not staffed is told the next working day staff will read them, once per evening or
closed spell. 生活クラブ共済連 publishes 平日9:00〜17:00; コープデリ publishes no hours, so only
its closed days count, and no hours are ever named for it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from flows.i18n import Translator
from flows.office_hours import next_staffed_day, notice
from flows.profiles import load_profiles
from storage.staff import StaffActor
from tests.conftest import Desk, Member
from tests.flows.answers import only_case
from tests.flows.test_working_days import at, file_on

KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
ORGS = load_profiles()
SATURDAY_NIGHT = at(2026, 12, 5, 22, 40)
WEEKDAY_EVENING = at(2026, 12, 8, 18, 30)  # a Tuesday
NEW_YEAR = at(2026, 12, 30, 11, 0)  # a Wednesday, in 年末年始
WEEKDAY_MORNING = at(2026, 12, 8, 10, 0)


@pytest.mark.parametrize(
    ("org", "moment", "day"),
    [
        (KYOSAI, SATURDAY_NIGHT, date(2026, 12, 7)),
        (COOPDELI, SATURDAY_NIGHT, date(2026, 12, 7)),
        (KYOSAI, WEEKDAY_EVENING, date(2026, 12, 9)),
        (COOPDELI, WEEKDAY_EVENING, None),  # no published hours: an open day is in hours
        (KYOSAI, NEW_YEAR, date(2027, 1, 4)),
        (COOPDELI, NEW_YEAR, date(2027, 1, 4)),
        (KYOSAI, WEEKDAY_MORNING, None),
        (COOPDELI, WEEKDAY_MORNING, None),
        (KYOSAI, at(2026, 12, 8, 7, 50), date(2026, 12, 8)),  # before opening: that morning
        (KYOSAI, at(2026, 12, 8, 17, 0), date(2026, 12, 9)),  # closing time is out
        (KYOSAI, at(2027, 1, 8, 20, 0), date(2027, 1, 12)),  # Friday, then 成人の日 Monday
    ],
)
def test_the_day_staff_read_what_arrives(org: str, moment: datetime, day: date | None) -> None:
    assert next_staffed_day(moment, ORGS[org]) == day


def test_a_kyosai_member_filing_on_a_weekday_evening_is_told_the_hours_and_the_next_day(
    desk: Desk,
) -> None:
    _member, receipt = file_on(desk, WEEKDAY_EVENING, KYOSAI)
    assert "回答の目安：2026年12月22日(火)までにご連絡します。" in receipt
    assert (
        "受付時間（平日9:00〜17:00）外のため、担当者が確認するのは2026年12月9日(水)以降になります。"
    ) in receipt


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_a_member_filing_on_saturday_night_is_told_staff_read_it_on_monday(
    desk: Desk, org: str
) -> None:
    _member, receipt = file_on(desk, SATURDAY_NIGHT, org)
    assert "本日は窓口がお休みのため、担当者が確認するのは2026年12月7日(月)以降になります。" in (
        receipt
    )


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_a_member_filing_on_30_december_is_told_staff_read_it_after_the_new_year(
    desk: Desk, org: str
) -> None:
    _member, receipt = file_on(desk, NEW_YEAR, org)
    assert "担当者が確認するのは2027年1月4日(月)以降になります。" in receipt


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_a_member_filing_on_a_weekday_morning_hears_nothing_about_hours(
    desk: Desk, org: str
) -> None:
    _member, receipt = file_on(desk, WEEKDAY_MORNING, org)
    assert "担当者が確認するのは" not in receipt
    assert "受付時間" not in receipt


def test_coopdeli_which_publishes_no_hours_hears_nothing_on_a_weekday_evening(
    desk: Desk,
) -> None:
    _member, receipt = file_on(desk, WEEKDAY_EVENING, COOPDELI)
    assert "担当者が確認するのは" not in receipt and "受付時間" not in receipt


def test_coopdeli_on_a_sunday_is_told_the_office_is_closed_and_never_given_hours(
    desk: Desk,
) -> None:
    _member, on_sunday = file_on(desk, at(2026, 12, 6, 20, 0), COOPDELI)
    assert "担当者が確認するのは2026年12月7日(月)以降" in on_sunday
    assert "受付時間" not in on_sunday and "9:00" not in on_sunday


def staff_asked(desk: Desk, member: Member, moment: datetime) -> str:
    """Staff reply in hours on the case the member filed, and the member reads it later."""
    number = only_case(desk).number
    desk.clock.now = moment
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "いつ頃のご利用分でしょうか。")
    member.read()
    return number


def test_words_relayed_to_kyosai_staff_on_a_weekday_evening_are_told_the_next_day_once(
    desk: Desk,
) -> None:
    member, _ = file_on(desk, WEEKDAY_MORNING, KYOSAI)
    number = staff_asked(desk, member, at(2026, 12, 8, 15, 0))
    desk.clock.now = WEEKDAY_EVENING
    member.transcript(
        f"""
        会員: 先月の分です
        窓口: 受付番号 {number} の担当者にお伝えしました。
        窓口: 受付時間（平日9:00〜17:00）外のため、
        窓口: 担当者が確認するのは2026年12月9日(水)以降になります。
        会員: 11月の第2週です
        窓口: 担当者にお伝えしました
        窓口にない: 担当者が確認するのは
        """
    )
    desk.clock.now = at(2026, 12, 8, 23, 10)  # the same evening: still not repeated
    member.transcript(
        """
        会員: よろしくお願いします
        窓口にない: 担当者が確認するのは
        """
    )
    desk.clock.now = at(2026, 12, 9, 10, 0)  # in hours the next morning: nothing said
    member.transcript(
        """
        会員: 追加で一点あります
        窓口: 担当者にお伝えしました
        窓口にない: 担当者が確認するのは
        """
    )
    desk.clock.now = at(2026, 12, 12, 9, 30)  # a Saturday: a new spell, told again
    member.transcript(
        """
        会員: 書類を送りました
        窓口: 本日は窓口がお休みのため、担当者が確認するのは2026年12月14日(月)以降になります。
        """
    )


def test_words_relayed_to_coopdeli_staff_on_a_weekday_evening_get_no_notice(desk: Desk) -> None:
    member, _ = file_on(desk, WEEKDAY_MORNING, COOPDELI)
    number = staff_asked(desk, member, at(2026, 12, 8, 15, 0))
    desk.clock.now = WEEKDAY_EVENING
    member.transcript(
        f"""
        会員: 先月の分です
        窓口: 受付番号 {number} の担当者にお伝えしました。
        窓口にない: 担当者が確認するのは
        """
    )


def test_the_notice_reads_in_english_for_a_member_who_chose_english() -> None:
    told = notice(WEEKDAY_EVENING, ORGS[KYOSAI], Translator("en"))
    assert told == (
        date(2026, 12, 9),
        "This arrived outside our hours (Weekdays, 9:00 to 17:00), "
        "so staff will read it on or after Wed, 9 Dec 2026.",
    )
    closed = notice(NEW_YEAR, ORGS[COOPDELI], Translator("en"))
    assert closed is not None
    assert (
        closed[1]
        == "The office is closed today, so staff will read this on or after Mon, 4 Jan 2027."
    )
