"""``madoguchi backup`` and ``madoguchi restore``: a consistent copy of the live SQLite database
taken while members' turns keep committing, put back elsewhere with nothing lost up to the
backup's point and nothing half-written; and what both commands refuse."""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from storage import backup as backups
from storage.db import Database
from storage.private_files import PRIVATE
from storage.schema import alembic_config, head_revision
from tests.bot.conftest import Invoke, madoguchi_command
from tests.bot.served import eventually, serving
from tests.fakes.telegram_api import FakeBotApi

CHATS = range(9100, 9130)
KEY = "k01:" + "A" * 43 + "="  # 32 zero bytes: a test key only


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(database: Path, sql: str) -> int:
    return int(rows(database, sql)[0][0])


def keys(database: Path) -> set[str]:
    return {key for (key,) in rows(database, "SELECT key FROM processedupdate")}


def audit_actions(database: Path) -> list[str]:
    return [action for (action,) in rows(database, "SELECT action FROM auditentry ORDER BY seq")]


def whole_turns(database: Path) -> None:
    """Every turn in the file is all there: its key, the member's line, the answer's lines
    and the messages queued to send them (a turn commits all of these or none)."""
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]
    member_lines = count(database, "SELECT count(*) FROM transcriptline WHERE direction='member'")
    bot_lines = count(database, "SELECT count(*) FROM transcriptline WHERE direction='bot'")
    outbox = count(database, "SELECT count(*) FROM outboxmessage")
    assert member_lines == len(keys(database)) > 0
    assert bot_lines == outbox >= member_lines


def new_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Database(f"sqlite:///{path}").close()
    return path


@contextmanager
def members_writing(fake: FakeBotApi) -> Iterator[None]:
    """A burst: members keep writing until the block ends, a few rounds ahead of the desk, so
    it is never idle and the queue stays bounded however fast the machine."""
    stop = threading.Event()

    def burst() -> None:
        sent = 0
        while not stop.is_set():
            for chat in CHATS:
                fake.send_text(chat, "ヘルプ" if sent % 2 else "こんにちは")
            sent += 1
            fake.wait_for(lambda api: len(api.pending_update_ids()) < 3 * len(CHATS), 60)

    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(burst)
        try:
            yield
        finally:
            stop.set()
        writing.result()


@pytest.fixture
def live(tmp_path: Path) -> Path:
    return new_database(tmp_path / "var" / "desk.sqlite3")


@pytest.fixture
def run(live: Path) -> Iterator[Invoke]:
    with madoguchi_command(f"sqlite:///{live}") as invoke:
        yield invoke


def test_a_backup_during_a_burst_restores_every_turn_committed_before_it_and_no_half_turn(
    fake: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "var" / "desk.sqlite3"
    copy, fresh = tmp_path / "backups" / "desk.sqlite3", tmp_path / "new" / "desk.sqlite3"
    copy.parent.mkdir()
    real_take = backups.take
    during = threading.Event()
    committed_meanwhile: set[str] = set()

    def take_while_turns_commit(*args: Any, **kwargs: Any) -> backups.Copy:
        """The copy goes one page a step and, after its first step, waits for members' turns
        to commit: the copy really overlaps the desk's writes."""
        monkeypatch.setattr(backups, "STEP_PAGES", 1)

        def first_step(step: str, done: int, total: int) -> None:
            if not during.is_set():
                # Read after the copy's snapshot began (a read before the call would race
                # the turns committing until its first statement).
                at_first_step = keys(database)
                eventually(lambda: len(keys(database)) >= len(at_first_step) + 40)
                committed_meanwhile.update(keys(database) - at_first_step)
                during.set()

        return real_take(*args, **{**kwargs, "progress": first_step})

    monkeypatch.setattr(backups, "take", take_while_turns_commit)
    with serving(fake, database) as served, members_writing(fake):
        eventually(lambda: count(database, "SELECT count(*) FROM processedupdate") >= 100)
        before = keys(database)  # committed before the backup began
        with madoguchi_command(served.db_url) as invoke:
            taken = invoke("backup", str(copy))
            assert taken.exit_code == 0, taken.output
            assert during.is_set()
            after = keys(database)
            refused = invoke("restore", str(copy))
        assert refused.exit_code == 1
        assert "madoguchi serve is running" in refused.stderr
        assert "backup_taken" in audit_actions(database)
    assert f"schema revision {head_revision()}, integrity ok" in taken.stdout
    assert stat.S_IMODE(copy.stat().st_mode) == PRIVATE
    assert not [p for p in copy.parent.iterdir() if p != copy]  # no -wal, no leftovers

    new_database(fresh).unlink()  # a fresh machine: the folder, no database yet
    with madoguchi_command(f"sqlite:///{fresh}") as invoke:
        restored = invoke("restore", str(copy))
    assert restored.exit_code == 0, restored.output
    in_backup = keys(fresh)
    assert before <= in_backup < after  # all committed before it; not what came later
    assert not in_backup & committed_meanwhile  # the database as it was when the copy began
    whole_turns(fresh)
    assert audit_actions(fresh)[-1] == "backup_restored"
    assert stat.S_IMODE(fresh.stat().st_mode) == PRIVATE


def test_the_copy_holds_committed_data_only(live: Path, tmp_path: Path) -> None:
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute(
        "INSERT INTO processedupdate (key, created_at, failed) VALUES ('done', '2026-12-01', 0)"
    )
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO processedupdate (key, created_at, failed) VALUES ('half', '2026-12-01', 0)"
    )
    try:
        backups.take(live, tmp_path / "copy.sqlite3")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert keys(tmp_path / "copy.sqlite3") == {"done"}


def test_a_backup_never_replaces_a_file_without_force_nor_writes_over_the_database(
    run: Invoke, live: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"yesterday's backup")
    refused = run("backup", str(target))
    assert refused.exit_code == 1
    assert "exists: give another name, or --force" in refused.stderr
    assert target.read_bytes() == b"yesterday's backup"
    assert run("backup", "--force", str(target)).exit_code == 0
    assert backups.verify(target) == head_revision()
    itself = run("backup", str(live))
    assert itself.exit_code == 1 and "is the database itself" in itself.stderr
    nowhere = run("backup", str(tmp_path / "missing" / "copy.sqlite3"))
    assert nowhere.exit_code == 1 and "does not exist: create it first" in nowhere.stderr
    (tmp_path / "link.sqlite3").symlink_to(target)
    linked = run("backup", "--force", str(tmp_path / "link.sqlite3"))
    assert linked.exit_code == 1 and "symbolic link" in linked.stderr


def _not_a_database(path: Path) -> None:
    path.write_text("name,phone\n", encoding="utf-8")


def _damaged(path: Path) -> None:
    """An index's pages left behind by a schema edit: the file opens and reads, and only
    ``integrity_check`` finds the damage."""
    connection = sqlite3.connect(path)
    with connection:
        (name,) = connection.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        ).fetchone()
        connection.execute("PRAGMA writable_schema=ON")
        connection.execute("DELETE FROM sqlite_master WHERE name = ?", (name,))
    connection.close()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _newer(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()


def _someone_elses(path: Path) -> None:
    path.unlink()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE orders (id INTEGER)")
    connection.close()


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (_not_a_database, "is not a SQLite database"),
        (_damaged, "is damaged (integrity_check: "),
        (_truncated, "is damaged"),
        (_newer, "newer than this madoguchi knows"),
        (_someone_elses, "is a SQLite database but not madoguchi's"),
    ],
    ids=["not-a-database", "damaged", "truncated", "newer-revision", "another-application"],
)
def test_restore_refuses_a_file_it_cannot_trust_and_leaves_the_database_alone(
    run: Invoke, live: Path, tmp_path: Path, spoil: Any, says: str
) -> None:
    backup = tmp_path / "backup.sqlite3"
    assert run("backup", str(backup)).exit_code == 0
    spoil(backup)
    before = live.read_bytes()
    refused = run("restore", str(backup))
    assert refused.exit_code == 1, refused.output
    assert says in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert live.read_bytes() == before
    assert sorted(p.name for p in live.parent.iterdir() if p.name.startswith(".")) == []


def test_restore_keeps_the_replaced_database_aside_with_its_last_commits(
    run: Invoke, live: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.sqlite3"
    assert run("backup", str(backup)).exit_code == 0
    later = sqlite3.connect(live)  # a commit after the backup
    with later:
        later.execute("PRAGMA journal_mode=WAL")
        later.execute(
            "INSERT INTO processedupdate (key, created_at, failed) "
            "VALUES ('later', '2026-12-01', 0)"
        )
    later.close()
    restored = run("restore", str(backup))
    assert restored.exit_code == 0, restored.output
    (aside,) = live.parent.glob("desk.sqlite3.before-restore-*")
    assert f"kept as {aside}" in restored.stdout
    assert keys(aside) == {"later"}
    assert keys(live) == set()
    assert audit_actions(live) == ["backup_restored"]


def test_an_older_backup_is_upgraded_as_it_is_restored(
    run: Invoke, live: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    command.upgrade(alembic_config(url=f"sqlite:///{old}"), "0013")
    restored = run("restore", str(old))
    assert restored.exit_code == 0, restored.output
    assert f"schema revision 0013 (upgraded to {head_revision()})" in restored.stdout
    assert rows(live, "SELECT version_num FROM alembic_version") == [(head_revision(),)]


def test_restore_needs_the_keys_the_backup_was_encrypted_with(live: Path, tmp_path: Path) -> None:
    backup = tmp_path / "encrypted.sqlite3"
    encrypted = new_database(tmp_path / "other" / "desk.sqlite3")
    with madoguchi_command(f"sqlite:///{encrypted}") as invoke, pytest.MonkeyPatch.context() as env:
        env.setenv("MADOGUCHI_DATA_KEYS", KEY)
        assert invoke("keys", "rotate", "--no-vacuum").exit_code == 0
        taken = invoke("backup", str(backup))
    assert "keep MADOGUCHI_DATA_KEYS (k01) apart from the backup" in taken.stdout
    with madoguchi_command(f"sqlite:///{live}") as invoke:
        refused = invoke("restore", str(backup))
        assert refused.exit_code == 1
        assert "cannot be read with MADOGUCHI_DATA_KEYS" in refused.stderr
        with pytest.MonkeyPatch.context() as env:
            env.setenv("MADOGUCHI_DATA_KEYS", KEY)  # the key kept apart, brought back
            restored = invoke("restore", str(backup))
            assert restored.exit_code == 0, restored.output
            assert invoke("keys", "status").exit_code == 0


def test_a_nightly_backup_with_unreadable_keys_is_still_made_and_says_what_is_wrong(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MADOGUCHI_DATA_KEYS", "garbage")
    copy = tmp_path / "nightly.sqlite3"
    taken = run("backup", str(copy))
    assert taken.exit_code == 0, taken.output  # the timer's backup exists: not a failure
    assert copy.is_file() and "integrity ok" in taken.stdout
    [warning] = taken.stderr.strip().splitlines()
    assert warning.startswith("madoguchi backup: the backup is made, but MADOGUCHI_DATA_KEYS ")
    assert warning.count("MADOGUCHI_DATA_KEYS") == 1


@pytest.mark.parametrize(("verb", "tool"), [("backup", "pg_dump -Fc"), ("restore", "pg_restore")])
def test_on_postgresql_both_commands_point_at_its_own_tools(verb: str, tool: str) -> None:
    with madoguchi_command("postgresql+psycopg://madoguchi@db.example/madoguchi") as invoke:
        result = invoke(verb, "desk.dump")
    assert result.exit_code == 2
    assert tool in result.stderr and len(result.stderr.strip().splitlines()) == 1
