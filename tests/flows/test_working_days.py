"""Working days, as transcripts (会員/窓口) on a fixed clock: a date promised to a member never
falls on a day the office is closed (土日, 祝日, 年末年始); it moves back to the last open day
before it, and staff see the same date. While a case is paused, no date is shown."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.config import ConfigurationError, Settings, load_deployment
from flows.cases import CaseActionError
from flows.i18n import JST
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.flows.answers import file_a_complaint, only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]

# A disclosure answered in the chat, every identity answer given, up to the receipt.
DISCLOSURE = """
    会員: 3
    会員: すべて
    会員: ご本人
    会員: 山田 花子
    会員: ヤマダ ハナコ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: 1234-5678
    会員: メール
    会員: hanako@example.jp
    窓口: 入力内容をご確認ください
"""


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def file_on(desk: Desk, moment: datetime, org: str = "coopdeli") -> tuple[Member, str]:
    """A member who files a disclosure at ``moment`` (Japan time), and the receipt."""
    desk.clock.now = moment
    member = desk.member(org=org)
    member.transcript(DISCLOSURE)
    return member, member.says("送信する")


def complaint_on(desk: Desk, moment: datetime, org: str = "coopdeli") -> tuple[Member, str]:
    desk.clock.now = moment
    member = desk.member(org=org)
    file_a_complaint(member)
    return member, only_case(desk).number


def due_day(desk: Desk, number: str) -> date:
    return desk.app.cases.detail_unaudited(number).case.due_at.astimezone(JST).date()


# ---------------------------------------------------------------------- filing


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_files_on_sunday_6_december_is_promised_friday_18th_not_sunday_20th(
    desk: Desk, org: str
) -> None:
    member, receipt = file_on(desk, at(2026, 12, 6), org)
    assert "回答の目安：2026年12月18日(金)までにご連絡します。" in receipt
    assert due_day(desk, only_case(desk).number) == date(2026, 12, 18)  # staff see the same
    member.transcript(
        """
        会員: 状況
        窓口: 回答の目安：2026年12月18日(金)
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_files_just_before_new_year_is_promised_monday_28th_not_the_31st(
    desk: Desk, org: str
) -> None:
    _member, receipt = file_on(desk, at(2026, 12, 17), org)
    assert "回答の目安：2026年12月28日(月)までにご連絡します。" in receipt
    assert due_day(desk, only_case(desk).number) == date(2026, 12, 28)


# ---------------------------------------------------------------------- staff actions


@pytest.mark.parametrize("org", ORGS)
def test_an_extension_into_the_new_year_closure_is_promised_on_the_last_open_day_before_it(
    desk: Desk, org: str
) -> None:
    member, number = complaint_on(desk, at(2026, 12, 10), org)  # due Thursday 12月24日
    extended = desk.app.cases.extend(
        number, StaffActor.trusted("sato"), at(2027, 1, 3, 23, 59), "確認のため"
    )
    assert extended.due_at == at(2026, 12, 28, 23, 59)  # stored as promised
    member.read()
    said = member.received[-1].text
    assert "回答の目安を2026年12月28日(月)に延ばします。" in said
    assert "2027年1月3日" not in said
    member.transcript(
        """
        会員: 状況
        窓口: 回答の目安：2026年12月28日(月)
        """
    )


def test_an_extension_to_a_closed_day_that_would_not_move_the_date_is_refused_with_why(
    desk: Desk,
) -> None:
    _member, number = complaint_on(desk, at(2026, 12, 4))  # due Friday 12月18日
    due = desk.app.cases.detail_unaudited(number).case.due_at
    with pytest.raises(CaseActionError) as refused:
        desk.app.cases.check_extension(number, at(2026, 12, 19, 23, 59))  # the Saturday
    assert "2026年12月19日(土)は休業日のため" in refused.value.ja
    assert "2026年12月18日(金)" in refused.value.ja
    with pytest.raises(CaseActionError):
        desk.app.cases.extend(
            number, StaffActor.trusted("sato"), at(2026, 12, 20, 23, 59), "確認のため"
        )
    assert desk.app.cases.detail_unaudited(number).case.due_at == due


@pytest.mark.parametrize("org", ORGS)
def test_resuming_into_the_new_year_closure_promises_the_last_open_day_before_it(
    desk: Desk, org: str
) -> None:
    member, number = complaint_on(desk, at(2026, 12, 10), org)  # due Thursday 12月24日
    desk.app.cases.pause(number, StaffActor.trusted("sato"), "委任状")
    desk.clock.advance(days=6)  # the waited time alone would give Wednesday 12月30日
    resumed = desk.app.cases.resume(number, StaffActor.trusted("sato"))
    assert resumed.due_at == at(2026, 12, 28)
    member.read()
    assert "回答の目安は2026年12月28日(月)です。" in member.received[-1].text


# ---------------------------------------------------------------------- a paused case


@pytest.mark.parametrize("org", ORGS)
def test_a_member_whose_case_is_paused_is_told_the_clock_is_stopped_and_shown_no_date(
    desk: Desk, org: str
) -> None:
    member, number = complaint_on(desk, at(2026, 12, 10), org)
    desk.app.cases.extend(
        number, StaffActor.trusted("sato"), at(2026, 12, 25, 23, 59), "確認のため"
    )
    desk.app.cases.pause(number, StaffActor.trusted("sato"), "委任状")
    member.read()
    seen = member.transcript(
        """
        会員: 私の申請はどうなっていますか
        窓口: その間、回答の期限は止まっています。
        窓口: 回答の目安の日は、手続きを再開したときにあらためてお知らせします。
        """
    )
    status = seen.split("お申し出の内容：")[0]  # staff's messages below keep their own words
    assert "回答の目安：" not in status and "12月25日" not in status
    file_a_complaint(member)  # with two cases, 「状況」 lists them
    listed = member.says("状況")
    [line] = [line for line in listed.splitlines() if line.startswith(number)]
    assert line.endswith("回答の期限は止まっています")
    assert "回答期限の目安" not in line and "12月25日" not in line


# ---------------------------------------------------------------------- a deployment's calendar

# A co-op whose office also closes from 12月21日: the deployment says so, no code changes.
LONGER_NEW_YEAR = """
orgs = ["coopdeli"]
[office_days.coopdeli]
closed_periods = [{ start = "12-21", end = "01-05" }]
"""


def test_a_deployment_that_closes_coopdeli_from_the_21st_gets_promises_before_it(
    database_url: str, clock: Clock, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(LONGER_NEW_YEAR, encoding="utf-8")
    desk = build_desk(database_url, clock, deployment)
    try:
        _member, receipt = file_on(desk, at(2026, 12, 10))  # 14 days: Thursday 12月24日
        assert "回答の目安：2026年12月18日(金)までにご連絡します。" in receipt
        assert due_day(desk, only_case(desk).number) == date(2026, 12, 18)
    finally:
        desk.app.db.close()


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[office_days.coopdeli]\nclosed_periods = [{ start = "12-01", end = "01-31" }]', "62"),
        ('[office_days.coopdeli]\nclosed_weekdays = ["someday"]', "closed_weekdays"),
        ("[office_days.nowhere]\npublic_holidays_closed = false", "nowhere"),
    ],
)
def test_a_mistaken_office_days_table_stops_the_start_with_a_line_naming_it(
    tmp_path: Path, table: str, problem: str
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(f'orgs = ["coopdeli"]\n{table}\n', encoding="utf-8")
    with pytest.raises(ConfigurationError) as stopped:
        load_deployment(Settings(MADOGUCHI_DEPLOYMENT=deployment))
    assert problem in str(stopped.value)
    assert "office_days" in str(stopped.value)
