"""Database set-up: SQLite in WAL mode by default, PostgreSQL for several processes.

Writers never rely on timing. On SQLite every transaction takes the write lock up front; on
PostgreSQL the code that reads and then writes a row locks it (``FOR UPDATE``), unique
constraints catch what two processes insert at once, and ``retrying`` runs a unit of work
again when the server aborts it for a deadlock or a conflicting insert.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from storage.private_files import create_private, readable_by_others
from storage.schema import ensure_schema

log = structlog.get_logger(__name__)
T = TypeVar("T")
# PostgreSQL aborts one of two clashing transactions with these; running it again is correct.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}  # serialization, deadlock, unique clash


def is_transient(error: DBAPIError) -> bool:
    """A clash with another process that running the unit of work again resolves."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state in _RETRYABLE_SQLSTATES:
        return True
    # SQLite: another connection held the lock past busy_timeout, or a unique clash.
    message = str(error.orig)
    return "database is locked" in message or "UNIQUE constraint failed" in message


def is_unavailable(error: BaseException) -> bool:
    """A failure of the database or the machine rather than of the work itself (a lost
    connection, a lock held too long, a full disk): the same work may well succeed later."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or is_transient(error)
    return isinstance(error, OSError)


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
        # Rows rewritten (key rotation) or removed (retention) leave no old bytes behind.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: two processes never deadlock upgrading a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine with madoguchi's connection settings; the schema is left as it is."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            file = Path(path)
            if file.is_dir():  # before the mode check below, which would warn about it
                raise IsADirectoryError(f"{file} is a directory, not a database file")
            file.parent.mkdir(parents=True, exist_ok=True)
            create_private(file)  # SQLite gives its -wal and -shm files the same mode
            if readable_by_others(file):
                log.warning("sqlite.readable_by_others", hint="chmod 600 the database file")
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        _prepare_sqlite(engine)
        return engine
    # hide_parameters: an error message must not carry the values it failed to write.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=60,
        hide_parameters=True,
    )


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite ``url`` names; None for a server, an in-memory database, a ``file:``
    URI or text that is no URL (whoever opens it says which)."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    return None if path.startswith("file:") else Path(path)


class DatabaseUnavailable(Exception):
    """``DATABASE_URL`` names no database madoguchi can open; the message is one line and
    never carries the password. ``server_away``: a database server that did not answer,
    which may pass by itself (still starting, the network), unlike a wrong URL or path."""

    def __init__(self, message: str, *, fix: str = "", server_away: bool = False) -> None:
        super().__init__(f"{message}; {fix}" if fix else message)
        self.detail, self.fix = message, fix
        self.server_away = server_away


def open_database(url: str) -> Database:
    """:class:`Database` for ``url``, or :class:`DatabaseUnavailable` saying why not."""
    with reaching(url):
        return Database(url)


def probe_engine(url: str) -> Engine:
    """An engine (see :func:`make_engine`) that has connected once, or
    :class:`DatabaseUnavailable` saying why it cannot."""
    with reaching(url):
        engine = make_engine(url)
        try:
            engine.connect().close()
        except BaseException:
            engine.dispose()
            raise
        return engine


@contextmanager
def reaching(url: str) -> Iterator[None]:
    """Failures to reach the database ``url`` names, as :class:`DatabaseUnavailable`."""
    use = "use sqlite:///path/to/desk.sqlite3 or postgresql+psycopg://user@host/name."
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        raise DatabaseUnavailable("is not a database URL", fix=use) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(f"{parsed.drivername} is not supported", fix=use)
    try:
        yield
    except (SQLAlchemyError, OSError, ImportError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        if parsed.password:
            detail = detail.replace(str(parsed.password), "***")
        shown = parsed.render_as_string(hide_password=True)
        server = parsed.get_backend_name() == "postgresql"
        raise DatabaseUnavailable(
            f"{shown} could not be opened ({detail})",
            fix="start the database server, or correct the host, port, user and password in "
            "DATABASE_URL."
            if server
            else "check that its folder exists and that madoguchi's user may write in it.",
            server_away=server,
        ) from None


class Database:
    """Owns the SQLAlchemy engine; ``transaction()`` is one unit of work."""

    def __init__(self, url: str, *, upgrade: bool | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        ensure_schema(self.engine, upgrade=upgrade)
        sqlite = self.dialect == "sqlite"
        # SQLite has one writer at a time, and a thread that finds the file locked sleeps in
        # growing steps (up to 100 ms) before it looks again. Threads of this process queue
        # here instead and go the moment the writer before them commits.
        self._writer: threading.RLock | contextlib.nullcontext[None] = (
            threading.RLock() if sqlite else contextlib.nullcontext()
        )
        # ``run``'s threads: one for SQLite (see there), the event loop's default otherwise.
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="madoguchi-db") if sqlite else None
        )

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run blocking database work from the event loop, off its thread.

        On SQLite every call runs on one thread, in the order made: SQLite takes one writer
        at a time anyway, so more threads add no work done, only handovers of its lock, each
        a wait for Python's GIL (up to 5 ms when another thread is busy, more than a turn).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(work, *args))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any error: nothing is ever half-written."""
        with (
            self._writer,
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def retrying(self, work: Callable[[], T], *, attempts: int = 8) -> T:
        """Run ``work`` (which opens its own transaction) again after a transient clash.

        ``work`` must be safe to repeat: a failed attempt was rolled back as a whole.
        """
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except DBAPIError as error:
                if attempt == attempts or not is_transient(error):
                    raise
                log.info("db.retry", attempt=attempt, code=type(error.orig).__name__)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.engine.dispose()
