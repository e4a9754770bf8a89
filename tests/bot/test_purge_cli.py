"""``madoguchi purge``: what is due per org and stage (``--dry-run`` changes nothing), the
removal with its record, ``--history``; and the daily run in ``serve``, once a day and caught
up after a stop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import select

from bot.config import Settings
from bot.purge_job import DailyPurge
from storage.models import AuditEntry, PurgeRecord
from storage.staff import StaffActor
from tests.bot.conftest import Invoke, madoguchi_command
from tests.bot.served import eventually, serving
from tests.conftest import Clock, Desk, build_desk
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_case_service import new_case
from tests.storage.test_retention import everything

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(desk: Desk) -> Iterator[Invoke]:
    with madoguchi_command(desk.db_url, "purge") as invoke:
        yield invoke


def closed_days_ago(desk: Desk, days: int, org: str, chat_id: str) -> str:
    """A case closed ``days`` before the real now (the command runs on the real clock)."""
    desk.clock.now = datetime.now(UTC) - timedelta(days=days)
    number = new_case(desk, org=org, chat_id=chat_id)
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    return number


@pytest.fixture
def due(desk: Desk) -> tuple[str, str]:
    """A コープデリ case past its transcript period, a 共済連 case past its register period."""
    old = closed_days_ago(desk, 2000, "seikatsuclub-kyosai", "bob")
    recent = closed_days_ago(desk, 400, "coopdeli", "alice")
    return recent, old


def purge_entries(desk: Desk) -> list[AuditEntry]:
    return [e for e in desk.app.audit.entries() if e.action == "purge"]


def test_a_dry_run_shows_each_org_and_stage_and_changes_nothing(
    desk: Desk, run: Invoke, due: tuple[str, str]
) -> None:
    recent, old = due
    before = everything(desk)

    result = run("--dry-run")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("試行です（何も変更していません）。")
    coopdeli = out.index("コープデリ（coopdeli）")
    kyosai = out.index("生活クラブ共済連（seikatsuclub-kyosai）")
    assert f"会話記録・返信・メモ：1件 {recent}" in out[coopdeli:kyosai]
    assert f"受付記録（案件そのもの）：1件 {old}" in out[kyosai:]
    assert "案件の氏名・連絡先・自由記述・要約・返信・理由 1" in out[coopdeli:kyosai]
    assert everything(desk) == before
    assert purge_entries(desk) == []


def test_purge_removes_records_and_a_second_run_finds_nothing(
    desk: Desk, run: Invoke, due: tuple[str, str]
) -> None:
    recent, old = due

    result = run()

    assert result.exit_code == 0, result.output
    assert "保存期間を過ぎた次のものを削除しました" in result.stdout
    assert f"受付記録（案件そのもの）：1件 {old}" in result.stdout
    assert [c.number for c in desk.app.cases.list_unaudited()] == [recent]
    with desk.app.db.transaction() as session:
        records = session.exec(select(PurgeRecord)).all()
    assert {(r.stage, r.case_number) for r in records} >= {
        ("register", old),
        ("transcripts", recent),
    }
    assert {r.actor for r in records} == {"cli:chief"}
    [entry] = purge_entries(desk)
    assert entry.actor == "cli:chief" and entry.detail["stages"]["register"]["cases"] == 1

    again = run()
    assert again.exit_code == 0, again.output
    assert "削除の対象はありません。" in again.stdout
    assert len(purge_entries(desk)) == 2  # every run is on record, even an empty one


def test_org_limits_the_run_to_that_org(desk: Desk, run: Invoke, due: tuple[str, str]) -> None:
    recent, old = due

    result = run("--org", "coopdeli")

    assert result.exit_code == 0, result.output
    assert recent in result.stdout and old not in result.stdout
    assert {c.number for c in desk.app.cases.list_unaudited()} == {recent, old}
    unknown = run("--org", "nowhere")
    assert unknown.exit_code == 2 and "nowhere" in unknown.output


def test_history_lists_what_was_removed(desk: Desk, run: Invoke, due: tuple[str, str]) -> None:
    recent, old = due
    assert run("--history").stdout.strip() == "削除の記録はありません。"
    run()

    result = run("--history")

    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.split() == [
        "日時（日本時間）",
        "実行者",
        "段階",
        "組織",
        "受付番号",
        "件数",
        "理由",
    ]
    register = next(line for line in lines if old in line)
    assert "cli:chief" in register and "register" in register and "case=1" in register
    assert "+ 1825 days (register_days)" in register
    assert any(recent in line and "transcripts" in line for line in lines)
    later = run("--history", "--since", "2099-01-01")
    assert later.stdout.strip() == "削除の記録はありません。"


# ---------------------------------------------------------------------- the daily run


def jst(day: int, hour: int, minute: int = 0) -> datetime:
    """November ``day``, 2026, at ``hour`` in Japan."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def test_the_daily_run_happens_once_a_day_from_the_purge_hour(desk: Desk, clock: Clock) -> None:
    job = DailyPurge(desk.app.purger(), clock, hour=3)
    clock.now = jst(22, 10)

    assert job.run_once() is not None  # the first start: today's run is due
    assert job.run_once() is None
    clock.now = jst(23, 2, 59)
    assert job.run_once() is None  # the 23rd's run is at 03:00
    assert job.seconds_to_next(clock.now) == 60
    clock.now = jst(23, 3)
    assert job.run_once() is not None
    clock.now = jst(23, 23, 59)
    assert job.run_once() is None
    assert [e.actor for e in purge_entries(desk)] == ["scheduler", "scheduler"]


def test_a_run_missed_while_down_happens_at_the_next_start(desk: Desk, clock: Clock) -> None:
    number = new_case(desk, org="coopdeli")
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    clock.now = jst(22, 23)
    assert DailyPurge(desk.app.purger(), clock, hour=3).run_once() is not None
    # Down for a year and a few days; started again at 01:00, before the purge hour.
    clock.now = jst(22, 1) + timedelta(days=370)

    plan = DailyPurge(desk.app.purger(), clock, hour=3).run_once()

    assert plan is not None and [r.case_number for r in plan.removals if r.case_number] == [number]
    assert DailyPurge(desk.app.purger(), clock, hour=3).run_once() is None
    assert len(purge_entries(desk)) == 2


def test_the_job_runs_under_its_loop_and_stops(desk: Desk, clock: Clock) -> None:
    job = DailyPurge(desk.app.purger(), clock, hour=3, interval=0.05)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(job.run(stop))
        for _ in range(200):
            if purge_entries(desk):
                break
            await asyncio.sleep(0.02)
        clock.advance(days=1)
        job.wake()  # a new day: checked at once, not at the next interval
        for _ in range(200):
            if len(purge_entries(desk)) == 2:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert len(purge_entries(desk)) == 2


def test_the_purge_hour_is_an_hour_of_the_day() -> None:
    assert Settings().purge_hour == 3
    assert Settings(PURGE_HOUR="5").purge_hour == 5
    with pytest.raises(ValidationError):
        Settings(PURGE_HOUR="24")


def test_serve_runs_the_purge_at_start_when_no_run_was_due_yet(
    fake: FakeBotApi, sqlite_url: str, clock: Clock
) -> None:
    """The wiring: ``serve`` holds the purge lease and runs the day's purge as the scheduler."""
    clock.now = datetime.now(UTC) - timedelta(days=400)
    desk = build_desk(sqlite_url, clock)
    number = new_case(desk, org="coopdeli")
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    desk.app.db.close()
    with serving(fake, sqlite_url) as served:
        eventually(
            lambda: (
                ("transcripts", number, "scheduler")
                in served.query("SELECT stage, case_number, actor FROM purgerecord")
            )
        )
        assert served.query("SELECT holder FROM lease WHERE name = 'purge'")
        eventually(
            lambda: served.query("SELECT count(*) FROM auditentry WHERE action = 'purge'") == [(1,)]
        )
