"""Schema versions: Alembic migrations on SQLite and PostgreSQL, applied by ``madoguchi db``.

A fresh database is built from the models and stamped at the newest revision, which is what
running every migration would give (``tests/storage/test_migrations.py`` holds the two equal).
A database behind the newest revision is upgraded on SQLite, the embedded single-file
default, and refused on any other server: several processes share it, so the operator runs
``madoguchi db upgrade`` once, before they start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"
# Any fixed number: PostgreSQL's advisory lock that keeps two starting processes from both
# creating or upgrading the schema.
_SCHEMA_LOCK = 4_741_505


class SchemaOutOfDate(RuntimeError):
    """The database is at an older revision and this process may not upgrade it."""


# A case whose retention has begun: a purge record names it by id *and* number, so a SQLite
# rowid handed out again after the register stage deleted the newest case opens nothing.
_PURGED_CASE = (
    'SELECT 1 FROM purgerecord JOIN "case" ON "case".id = purgerecord.case_id '
    'AND "case".number = purgerecord.case_number WHERE purgerecord.case_id = OLD.case_id'
)
# What a redaction may change: only ``data``. An event is never moved, renamed or re-dated.
_EVENT_KEPT = ("id", "case_id", "kind", "actor", "created_at")


def _case_event_statements(dialect: str) -> list[str]:
    """Case events are append-only, except that retention (``storage.retention``) may redact
    or delete the events of a case once it has written that case's purge record.

    SQLite checks a trigger's tables when another table is renamed: a migration that rebuilds
    ``case`` or ``purgerecord`` (``batch_alter_table``) must drop these two triggers first and
    run these statements again afterwards.
    """
    message = "case events are append-only"
    if dialect == "sqlite":
        moved = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _EVENT_KEPT)
        return [
            "DROP TRIGGER IF EXISTS caseevent_no_update",
            "CREATE TRIGGER caseevent_no_update BEFORE UPDATE ON caseevent "
            f"WHEN NOT EXISTS ({_PURGED_CASE}) OR {moved} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            "DROP TRIGGER IF EXISTS caseevent_no_delete",
            "CREATE TRIGGER caseevent_no_delete BEFORE DELETE ON caseevent "
            f"WHEN NOT EXISTS ({_PURGED_CASE}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    if dialect == "postgresql":
        moved = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _EVENT_KEPT)
        return [
            "CREATE OR REPLACE FUNCTION caseevent_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NOT EXISTS ({_PURGED_CASE}) THEN RAISE EXCEPTION '{message}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
            f"IF {moved} THEN RAISE EXCEPTION '{message}'; END IF; "
            "RETURN NEW; END $$",
            "DROP TRIGGER IF EXISTS caseevent_append_only ON caseevent",
            "CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON caseevent "
            "FOR EACH ROW EXECUTE FUNCTION caseevent_append_only()",
        ]
    return []


def append_only_statements(dialect: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on history tables, whatever the code does.

    Case events have a gate for retention (see ``_case_event_statements``); the audit log and
    the purge records have none.
    """
    tables = (("auditentry", "audit entries"), ("purgerecord", "purge records"))
    statements: list[str] = _case_event_statements(dialect)
    for table, what in tables:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
                )
        elif dialect == "postgresql":
            statements += [
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '{what} are append-only'; END $$",
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
            ]
    return statements


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revision(revision: str) -> bool:
    """Whether this madoguchi's migrations include ``revision`` (a newer madoguchi may have
    written one it does not know)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown or malformed id
        return False


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a schema change, safe against a second process doing the same.

    SQLite copies a table to alter it, so foreign keys are off meanwhile (they can only be
    switched outside a transaction); the write lock keeps other processes out. PostgreSQL
    takes an advisory lock for the transaction.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK}
                    )
                yield connection
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def ensure_schema(engine: Engine, *, upgrade: bool | None = None) -> None:
    """Create a fresh schema, or check (and on SQLite upgrade) an existing one.

    ``upgrade`` overrides the default (SQLite yes, other servers no).
    """
    if upgrade is None:
        upgrade = engine.dialect.name == "sqlite"
    with _schema_transaction(engine) as connection:
        tables = set(inspect(connection).get_table_names())
        revision = current_revision(connection)
        if not tables - {"alembic_version"}:
            SQLModel.metadata.create_all(connection)
            for statement in append_only_statements(connection.dialect.name):
                connection.exec_driver_sql(statement)
            _stamp(connection, head_revision())
            return
        if revision is None:  # made by create_all before madoguchi had migrations
            _stamp(connection, FIRST_REVISION)
            revision = FIRST_REVISION
        if revision == head_revision():
            return
        if not upgrade:
            raise SchemaOutOfDate(
                f"The database schema is at revision {revision}; this madoguchi needs "
                f"{head_revision()}. Run `madoguchi db upgrade` once, then start it again."
            )
        command.upgrade(alembic_config(connection), "head")


def upgrade_to_head(engine: Engine) -> tuple[str | None, str]:
    """``madoguchi db upgrade``: (revision before, revision after). The revision before is
    None for a database that had no tables (it was created), ``FIRST_REVISION`` for one made
    before madoguchi had migrations."""
    with _schema_transaction(engine) as connection:
        before = current_revision(connection)
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        if before is None and tables:
            _stamp(connection, FIRST_REVISION)
            before = FIRST_REVISION
        command.upgrade(alembic_config(connection), "head")
        return before, head_revision()


def _stamp(connection: Connection, revision: str) -> None:
    command.stamp(alembic_config(connection), revision)
