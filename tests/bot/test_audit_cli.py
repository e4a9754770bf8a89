"""``madoguchi audit``: the log filtered by case, actor and day (和暦 too), as a table or JSON
lines, and ``--verify`` that fails loudly when the chain is broken."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import cli
from storage.audit import Actor
from tests.bot.conftest import Invoke, madoguchi_command
from tests.conftest import Clock, Desk, build_desk

ROOT = Path(__file__).resolve().parents[2]
SATO = Actor("cli:sato", "cli")
SLACK = Actor("slack:U123", "slack")
# 2026-11-22 23:59 and 2026-11-23 00:30 in Japan: either side of JST midnight.
LATE_ON_22 = datetime(2026, 11, 22, 14, 59, tzinfo=UTC)
EARLY_ON_23 = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


@pytest.fixture
def desk(sqlite_url: str, clock: Clock) -> Iterator[Desk]:
    """A log of four entries on two JST days, on a file (``--verify`` tests edit the file)."""
    desk = build_desk(sqlite_url, clock)
    audit = desk.app.audit
    audit.record(SATO, "view_case", case_number="KY-2026-00001")
    clock.now = LATE_ON_22
    audit.record(SLACK, "view_transcript", case_number="KY-2026-00001")
    clock.now = EARLY_ON_23
    audit.record(SLACK, "denied:transcript", case_number="CD-2026-00002", allowed=False)
    audit.record(SATO, "export_transcript", case_number="CD-2026-00002", detail={"format": "csv"})
    yield desk
    desk.app.db.close()


@pytest.fixture
def run(desk: Desk) -> Iterator[Invoke]:
    with madoguchi_command(desk.db_url, "audit") as invoke:
        yield invoke


def seqs(result: Result) -> list[int]:
    assert result.exit_code == 0, result.output
    return [json.loads(line)["seq"] for line in result.stdout.splitlines()]


def test_the_table_shows_japan_time_actor_surface_action_case_and_refusals(run: Invoke) -> None:
    result = run()

    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == [
        "seq",
        "日時（日本時間）",
        "実行者",
        "経路",
        "操作",
        "受付番号",
        "可否",
    ]
    assert rows[0].split() == [
        "1",
        "2026-11-22",
        "10:00:00",
        "cli:sato",
        "cli",
        "view_case",
        "KY-2026-00001",
        "許可",
    ]
    assert rows[2].split()[3:] == [
        "slack:U123",
        "slack",
        "denied:transcript",
        "CD-2026-00002",
        "拒否",
    ]
    assert rows[1].split()[1:3] == ["2026-11-22", "23:59:00"]
    assert len(rows) == 4


def test_json_lines_carry_every_field_and_the_chain(run: Invoke) -> None:
    result = run("--json")

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[3] == {
        "seq": 4,
        "at": "2026-11-23T00:30:00+09:00",
        "actor": "cli:sato",
        "surface": "cli",
        "action": "export_transcript",
        "case_number": "CD-2026-00002",
        "allowed": True,
        "detail": {"format": "csv"},
        "prev_hash": lines[2]["entry_hash"],
        "entry_hash": lines[3]["entry_hash"],
    }
    assert lines[0]["prev_hash"] == "0" * 64


def test_filters_by_case_and_actor(run: Invoke) -> None:
    assert seqs(run("--json", "--case", "ky-2026-00001")) == [1, 2]
    assert seqs(run("--json", "--actor", "slack:U123")) == [2, 3]
    assert seqs(run("--json", "--actor", "sato")) == [1, 4]
    assert seqs(run("--json", "--actor", "sato", "--case", "CD-2026-00002")) == [4]
    assert run("--case", "KY-2026-09999").stdout == "該当する記録はありません。\n"


@pytest.mark.parametrize("day", ["2026-11-23", "2026/11/23", "令和8年11月23日", "R8.11.23"])
def test_since_is_a_day_from_japan_midnight_in_any_usual_spelling(run: Invoke, day: str) -> None:
    assert seqs(run("--json", "--since", day)) == [3, 4]


def test_since_the_day_before_includes_its_last_minute(run: Invoke) -> None:
    assert seqs(run("--json", "--since", "R8.11.22")) == [1, 2, 3, 4]


def test_an_unreadable_since_is_a_usage_error(run: Invoke, desk: Desk) -> None:
    result = run("--since", "きのう")
    assert result.exit_code == 2
    assert "日付を読み取れませんでした" in result.output
    assert len(desk.app.audit.entries()) == 4


def test_reading_the_log_is_on_record_after_the_output(run: Invoke, desk: Desk) -> None:
    first = run("--json", "--case", "KY-2026-00001")
    assert "view_audit" not in first.stdout
    [trace] = [e for e in desk.app.audit.entries() if e.action == "view_audit"]
    assert (trace.actor, trace.surface, trace.case_number) == ("cli:chief", "cli", None)
    assert trace.detail == {"filters": {"case": "KY-2026-00001"}, "count": 2}

    again = run("--json", "--actor", "chief")
    assert [json.loads(line)["action"] for line in again.stdout.splitlines()] == ["view_audit"]


def test_verify_passes_on_a_clean_log_and_prints_the_head_to_note_down(
    run: Invoke, desk: Desk
) -> None:
    head = desk.app.audit.entries()[-1]
    result = run("--verify")

    assert result.exit_code == 0, result.output
    assert "改ざんされていません（4件）" in result.stdout
    assert f"seq 4、hash {head.entry_hash}" in result.stdout
    trace = desk.app.audit.entries()[-1]
    assert (trace.action, trace.detail) == (
        "view_audit",
        {"verify": True, "intact": True, "bad_seq": None},
    )
    assert run("--verify").exit_code == 0  # its own trace is part of the chain


def test_verify_exits_1_naming_the_first_altered_entry(run: Invoke, desk: Desk) -> None:
    with sqlite3.connect(desk.db_path) as db:
        db.execute("DROP TRIGGER auditentry_no_update")
        db.execute('UPDATE auditentry SET detail = \'{"format": "html"}\' WHERE seq = 4')
        db.execute("UPDATE auditentry SET actor = 'slack:U999' WHERE seq = 2")

    result = run("--verify")

    assert result.exit_code == 1
    assert "seq 2" in result.stderr and "seq 1 までは正常" in result.stderr
    assert result.stdout == ""
    assert desk.app.audit.entries()[-1].detail["intact"] is False


def test_cases_json_is_an_audited_look_at_identity_fields(
    run: Invoke, desk: Desk, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        ["cases", "--json"],
        env={
            "DATABASE_URL": desk.db_url,
            "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
            "MADOGUCHI_STAFF": "chief",
        },
    )
    assert result.exit_code == 0, result.output
    trace = desk.app.audit.entries()[-1]
    assert (trace.action, trace.actor, trace.detail) == ("list_cases", "cli:chief", {"count": 0})
