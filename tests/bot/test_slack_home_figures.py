"""Supervisors see this month's and last month's figures on App Home; staff do not; each look
is on record (``view_stats``), written by the read itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.slack.home_figures import months_around
from flows.i18n import JST
from tests.bot.test_slack_end_to_end import STAFF, SUPERVISOR, _block_text, desk_running
from tests.bot.test_slack_end_to_end import file_request as file_by_telegram
from tests.conftest import DATABASES, database_for
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

HEADING = "受付状況（責任者向け）"


def test_supervisors_app_home_shows_this_and_last_months_figures_and_staffs_does_not(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with (
        database_for(DATABASES[0], tmp_path) as database,
        desk_running(fake, slack, tmp_path, database=database) as desk,
    ):
        file_by_telegram(desk, 901, "coopdeli", "human")
        this, last = months_around(datetime.now(UTC))
        staff = STAFF["coopdeli"]
        for user in (SUPERVISOR, staff):
            assert desk.sender.app_home_opened(user).status == 200
            slack.wait_for(lambda api, user=user: api.published_home(user) is not None)
        home = slack.published_home(SUPERVISOR)
        assert home is not None
        text = _block_text(home["blocks"])
        assert HEADING in text
        this_title = f"*{this.year}年{this.month}月の受付状況（組合：すべて）*\n受付件数：1\n"
        last_title = f"*{last.year}年{last.month}月の受付状況（組合：すべて）*\n受付件数：0\n"
        assert this_title in text and last_title in text
        assert text.index(this_title) < text.index(last_title)
        assert "担当者へのご相談 1" in text  # by type, this month
        staff_home = slack.published_home(staff)
        assert staff_home is not None and HEADING not in _block_text(staff_home["blocks"])
        rows = desk.served.query(
            "SELECT actor, action, detail FROM auditentry WHERE action = 'view_stats' ORDER BY id"
        )
    seen = [(actor, action, str(detail)) for actor, action, detail in rows]
    assert [s[:2] for s in seen] == [(f"slack:{SUPERVISOR}", "view_stats")] * 2
    assert f"{this:%Y-%m}" in seen[0][2] and f"{last:%Y-%m}" in seen[1][2]


def test_the_months_around_new_year_in_japan() -> None:
    # 2027-01-01 00:30 in Japan is still 2026-12-31 in UTC.
    now = datetime(2027, 1, 1, 0, 30, tzinfo=JST).astimezone(UTC)
    assert [f"{d:%Y-%m-%d}" for d in months_around(now)] == ["2027-01-01", "2026-12-01"]
