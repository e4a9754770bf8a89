"""Schema versions: the migrations build exactly the models' schema, old databases are brought
up to date with their data, and a server process never runs on a schema it does not know."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage.db import Database
from storage.schema import (
    FIRST_REVISION,
    SchemaOutOfDate,
    alembic_config,
    current_revision,
    head_revision,
)
from storage.staff import StaffActor
from tests import databases
from tests.conftest import DATABASES, Clock, build_desk
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    problem = databases.postgres_problem()
    if problem:
        pytest.skip(problem)
    url = databases.new_empty_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def _schema_differences(url: str) -> list[object]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _triggers(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return {row[0] for row in connection.exec_driver_sql(query)}


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        return current_revision(connection)


def test_running_every_migration_gives_the_models_schema_and_triggers(
    empty_url: str, tmp_path: Path
) -> None:
    command.upgrade(alembic_config(url=empty_url), "head")
    assert _schema_differences(empty_url) == []
    assert _revision(empty_url) == head_revision()

    # A fresh database is built from the models instead (quicker): it must be the same.
    if empty_url.startswith("sqlite"):
        built = f"sqlite:///{tmp_path / 'built.sqlite3'}"
        Database(built).close()
    else:
        built = databases.new_empty_postgres_database()
        Database(built).close()
    try:
        assert _schema_differences(built) == []
        assert _triggers(built) == _triggers(empty_url)
        assert _triggers(built)  # the append-only triggers exist on both databases
        assert _revision(built) == head_revision()
    finally:
        if not built.startswith("sqlite"):
            databases.drop_postgres_database(built)


def _legacy_database(url: str) -> None:
    """A database as madoguchi made it before migrations: today's first schema, no version."""
    command.upgrade(alembic_config(url=url), FIRST_REVISION)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()


def _file_a_request(url: str, clock: Clock) -> str:
    desk = build_desk(url, clock)
    member = desk.member(org="seikatsuclub-kyosai")
    for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    desk.app.db.close()
    return case.number


def test_an_old_sqlite_database_is_upgraded_on_open_and_keeps_its_data(
    tmp_path: Path, clock: Clock
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _legacy_database(url)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as connection:  # rows as the old code wrote them, JSON and all
        connection.exec_driver_sql(
            "INSERT INTO auditentry (at, actor, surface, action, case_number, allowed, detail) "
            "VALUES ('2026-11-01 00:00:00', 'cli:sato', 'cli', 'view_case', 'KY-2026-00001', "
            "1, '{}')"
        )
    engine.dispose()

    number = _file_a_request(url, clock)  # opening it upgrades it

    assert _revision(url) == head_revision()
    desk = build_desk(url, clock)
    assert desk.app.cases.get(number).assignee == "sato"
    assert [
        c.number for c in desk.app.cases.find("03-5285-1865", StaffActor.trusted("cli:chief"))
    ] == [number]
    entries = desk.app.audit.entries()
    assert entries[0].action == "view_case" and entries[0].seq == 1  # chained in id order
    assert desk.app.audit.verify().ok
    desk.app.db.close()


def test_an_old_postgresql_database_waits_for_db_upgrade_then_keeps_its_data(
    clock: Clock,
) -> None:
    problem = databases.postgres_problem()
    if problem:
        pytest.skip(problem)
    url = databases.new_empty_postgres_database()
    try:
        _legacy_database(url)
        with pytest.raises(SchemaOutOfDate, match="madoguchi db upgrade"):
            Database(url)

        env = {**os.environ, "DATABASE_URL": url}
        refused = subprocess.run(
            [sys.executable, "-m", "bot", "cases"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2
        assert "madoguchi db upgrade" in refused.stderr
        assert "Traceback" not in refused.stderr

        upgraded = subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert upgraded.returncode == 0, upgraded.stderr
        assert f"upgraded from revision {FIRST_REVISION} to {head_revision()}" in upgraded.stdout
        assert "postgres@" in upgraded.stdout and "password" not in upgraded.stdout

        number = _file_a_request(url, clock)
        desk = build_desk(url, clock)
        assert desk.app.cases.get(number).assignee == "sato"
        assert desk.app.audit.verify().ok
        desk.app.db.close()
    finally:
        databases.drop_postgres_database(url)


def test_db_upgrade_on_a_new_file_says_it_created_it_then_that_it_is_up_to_date(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}"}
    runs = [
        subprocess.run(
            [sys.executable, "-m", "bot", "db", command_name],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for command_name in ("upgrade", "upgrade", "current")
    ]
    assert [run.returncode for run in runs] == [0, 0, 0]
    assert f"created, schema at revision {head_revision()}" in runs[0].stdout
    assert "already at revision" in runs[1].stdout
    assert f"revision {head_revision()}" in runs[2].stdout
