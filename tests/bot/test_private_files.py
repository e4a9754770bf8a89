"""Files that hold personal data are their owner's only (0600): the SQLite database with its
-wal and -shm, every export and every saved attachment, whatever the umask of the process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.db import Database
from tests.bot.conftest import Invoke, madoguchi_command
from tests.conftest import Clock
from tests.storage.test_member_data import Scene, scene_on

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lenient_umask() -> Iterator[None]:
    """A umask that would make new files world-readable (0644), as on most systems."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_sqlite_database_and_its_wal_and_shm_are_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "desk.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        with db.transaction() as session:
            session.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
        # The pool keeps its connection open, and with it the WAL and its index.
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        db.engine.dispose()


def test_the_madoguchi_command_creates_its_files_for_its_owner_only(tmp_path: Path) -> None:
    """Whatever the umask it was started with (here 022), the command sets 077 for itself."""
    path = tmp_path / "fresh.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "cases"],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{path}",
            "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert mode(path) == 0o600


@pytest.fixture
def scene(tmp_path: Path, sqlite_url: str, clock: Clock) -> Iterator[Scene]:
    with scene_on(sqlite_url, clock, tmp_path) as built:
        yield built


@pytest.fixture
def run(scene: Scene) -> Iterator[Invoke]:
    with madoguchi_command(scene.desk.db_url, staff="sato") as invoke:
        yield invoke


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_every_export_and_saved_file_is_the_owners_only(
    scene: Scene, run: Invoke, tmp_path: Path, fmt: str
) -> None:
    written = {
        "transcript": tmp_path / f"transcript.{fmt}",
        "member-data": tmp_path / f"member.{fmt}",
    }
    for command, target in written.items():
        result = run(command, scene.disclosure, "--format", fmt, "--out", str(target))
        assert result.exit_code == 0, result.output
    saved = tmp_path / "file.pdf"
    result = run("staff", "file", scene.withdrawal, "1", "--out", str(saved))
    assert result.exit_code == 0, result.output
    for target in (*written.values(), saved):
        assert target.stat().st_size > 0
        assert mode(target) == 0o600, target


def test_an_export_over_an_existing_readable_file_makes_it_the_owners_only(
    scene: Scene, run: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "old.html"
    target.write_text("an old export", encoding="utf-8")
    target.chmod(0o644)
    result = run("transcript", scene.disclosure, "--out", str(target))
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("command", ["transcript", "member-data"])
def test_an_export_never_writes_through_a_symbolic_link(
    scene: Scene, run: Invoke, tmp_path: Path, command: str
) -> None:
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("not the export's", encoding="utf-8")
    planted = tmp_path / "export.html"
    planted.symlink_to(elsewhere)
    result = run(command, scene.disclosure, "--out", str(planted))
    assert result.exit_code == 1
    assert result.stderr == (
        f"madoguchi {command}: cannot write {planted}: it is a symbolic link; give the real path\n"
    )
    assert elsewhere.read_text(encoding="utf-8") == "not the export's"


def test_a_saved_file_never_goes_through_a_symbolic_link(
    scene: Scene, run: Invoke, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"untouched")
    planted = tmp_path / "file.pdf"
    planted.symlink_to(elsewhere)
    result = run("staff", "file", scene.withdrawal, "1", "--out", str(planted))
    assert result.exit_code != 0
    assert elsewhere.read_bytes() == b"untouched"


@pytest.mark.parametrize("command", ["transcript", "member-data"])
def test_an_export_to_a_missing_folder_is_one_line(
    scene: Scene, run: Invoke, tmp_path: Path, command: str
) -> None:
    target = tmp_path / "no-such-folder" / "x.html"
    result = run(command, scene.disclosure, "--out", str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        f"madoguchi {command}: cannot write {target}: No such file or directory\n"
    )


@pytest.mark.parametrize("command", ["transcript", "member-data"])
def test_an_export_to_dash_goes_to_standard_output(
    scene: Scene, run: Invoke, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(command, scene.disclosure, "--format", "json", "--out", "-")
    assert result.exit_code == 0, result.output
    assert scene.disclosure in result.stdout
    assert not (tmp_path / "-").exists()
