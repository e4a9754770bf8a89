"""Database set-up: SQLite in WAL mode by default, anything SQLAlchemy speaks otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DDL, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from storage.models import AuditEntry, CaseEvent


def _append_only(table: Any, what: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` inside the database, whatever the code does."""
    name = table.name
    for verb in ("UPDATE", "DELETE"):
        statement = (
            f"CREATE TRIGGER IF NOT EXISTS {name}_no_{verb.lower()} BEFORE {verb} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
        )
        trigger = DDL(statement).execute_if(dialect="sqlite")  # type: ignore[no-untyped-call]
        event.listen(table, "after_create", trigger)


_append_only(CaseEvent.__table__, "case events")  # type: ignore[attr-defined]
_append_only(AuditEntry.__table__, "audit entries")  # type: ignore[attr-defined]


def _prepare_sqlite(engine: Engine) -> None:
    """WAL, full sync and immediate write locks, so a turn is durable and never half-written."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: two processes never deadlock upgrading a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the SQLAlchemy engine; ``transaction()`` is one unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"check_same_thread": False})
            _prepare_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any error: nothing is ever half-written."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
