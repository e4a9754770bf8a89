"""Long commands show a progress bar to a person at a terminal, with the real total, and stay
quiet in scripts (output redirected) and with --quiet; the work's result is the same."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from bot.progress import progress_bar
from bot.register_export import RegisterDocument, RegisterFormat, render
from storage import crypto
from storage.staff import StaffActor
from tests.bot.served import ROOT, run_madoguchi
from tests.conftest import Clock, Desk, build_desk
from tests.storage.test_case_service import new_case

BAR = "━"  # rich's bar; nothing else madoguchi prints uses it
CASES = 3


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A SQLite desk with a few cases, two of them closed long enough ago to be purged."""
    clock = Clock(datetime.now(UTC) - timedelta(days=400))
    desk = build_desk(tmp_path / "desk.sqlite3", clock)
    for chat in ("alice", "bob", "carol"):
        number = new_case(desk, chat_id=chat)
        if chat != "carol":
            desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    yield desk
    desk.app.db.close()


def env(desk: Desk) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": desk.db_url,
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "chief",
        "TERM": "xterm-256color",
    }


def in_a_terminal(args: list[str], environment: dict[str, str]) -> tuple[int, str]:
    """``madoguchi ARGS`` with a terminal (a pseudo-terminal) for its input and both outputs,
    as a person runs it; everything it wrote there."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=environment,
        cwd=ROOT,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_reindex_at_a_terminal_shows_a_bar_counting_every_case(desk: Desk) -> None:
    status, screen = in_a_terminal(["keys", "reindex"], env(desk))
    assert status == 0, screen
    assert BAR in screen
    assert f"{CASES}/{CASES}" in screen
    assert f"Lookup hashes recomputed for {CASES} case(s)." in screen


def test_reindex_in_a_script_or_with_quiet_prints_only_its_result(desk: Desk) -> None:
    scripted = run_madoguchi(["keys", "reindex"], env(desk))
    assert scripted.returncode == 0, scripted.stderr
    assert scripted.stdout == f"Lookup hashes recomputed for {CASES} case(s).\n"
    assert scripted.stderr == ""
    status, screen = in_a_terminal(["keys", "reindex", "--quiet"], env(desk))
    assert status == 0
    assert BAR not in screen and "\x1b" not in screen  # no bar, no cursor movements
    assert screen.strip() == f"Lookup hashes recomputed for {CASES} case(s)."


def test_purge_at_a_terminal_shows_each_stage_and_removes_the_same_as_in_a_script(
    desk: Desk,
) -> None:
    status, screen = in_a_terminal(["purge", "--dry-run"], env(desk))
    scripted = run_madoguchi(["purge", "--dry-run"], env(desk))
    assert status == 0 and scripted.returncode == 0, screen + scripted.stderr
    assert "coopdeli: transcripts" in screen and BAR in screen
    assert "2/2" in screen  # alice's and bob's closed cases are due
    assert BAR not in scripted.stdout + scripted.stderr
    plan = scripted.stdout.strip().splitlines()[1:]  # after the line with the time
    assert plan and all(line in screen.replace("\r\n", "\n") for line in plan)


def test_backup_at_a_terminal_counts_the_databases_pages(desk: Desk, tmp_path: Path) -> None:
    connection = sqlite3.connect(desk.db_path)
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    status, screen = in_a_terminal(["backup", str(tmp_path / "copy.sqlite3")], env(desk))
    assert status == 0, screen
    assert BAR in screen and f"{pages}/{pages}" in screen


def test_key_rotation_reports_each_table_with_its_row_count(desk: Desk) -> None:
    """In-process, with rich drawing into a terminal it is told it has."""
    screen = io.StringIO()
    keys = crypto.parse_master_keys("k01:" + "A" * 43 + "=")
    crypto.install(crypto.Keyring(keys, desk.app.db))
    try:
        console = Console(file=screen, force_terminal=True, width=120)
        with progress_bar(console=console) as report:
            done = crypto.reencrypt(desk.app.db, 200, report)
    finally:
        crypto.install(None)
    lines = screen.getvalue()
    assert done["transcriptline"] > 0
    count = done["transcriptline"]
    assert f"{count}/{count}" in lines and "transcriptline" in lines


def test_register_export_reports_its_rows_and_writes_the_same_document() -> None:
    document = RegisterDocument(
        first=datetime(2026, 11, 1).date(),
        last=datetime(2026, 11, 30).date(),
        org=None,
        exported_by="cli:chief",
        exported_at=datetime(2026, 12, 1, tzinfo=UTC),
        rows=[[f"KD-2026-{n:05d}"] for n in range(1, 251)],
    )
    screen = io.StringIO()
    with progress_bar(console=Console(file=screen, force_terminal=True, width=120)) as report:
        shown = render(document, RegisterFormat.csv, report)
    assert "250/250" in screen.getvalue()
    with progress_bar(quiet=True, console=Console(file=screen)) as report:
        assert render(document, RegisterFormat.csv, report) == shown
    assert shown == render(document, RegisterFormat.csv)
