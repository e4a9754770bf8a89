"""What ``/readyz`` and ``/metrics`` read of the database: read-only, cheap, on a connection
of their own.

A look never queues behind members' turns: on SQLite it opens its own connection (no
``BEGIN IMMEDIATE``, so it never waits for the write lock; WAL readers do not block writers)
and never creates a missing file; on PostgreSQL it keeps one connection of its own, with a
statement timeout, read-only. Every figure is a count or a time: no row's content is read.

Callers run these on a thread of their own, one at a time (``bot.watch``), and cache them.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, NullPool, and_, case, create_engine, func
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col, select

from flows.status import CLOSED_STATUSES
from storage.db import sqlite_file
from storage.models import AuditChainHead, AuditEntry, Case, OutboxMessage, UTCDateTime
from storage.schema import head_revision

# Audit actions are the code's own names (``view_transcript``, ``denied:export``); anything
# else is counted as "other" rather than trusted as a label.
_ACTION = re.compile(r"[a-z][a-z0-9_:]{0,47}")
SCHEDULER = "scheduler"  # the purge job's audit actor (``bot.purge_job``)


@dataclass(frozen=True)
class OutboxFigures:
    """One channel's unsent rows: due now, and put off until later (a retry after a failure
    or a 429, or a member who cannot be reached); when the oldest due one was queued."""

    channel: str
    due: int
    later: int
    oldest_due: datetime | None


@dataclass(frozen=True)
class QueueFigures:
    """Open cases of one org's queue, and how many of them are past their due date."""

    org_id: str
    queue: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Figures:
    at: datetime
    outbox: list[OutboxFigures]
    queues: list[QueueFigures]
    audit: dict[str, int]  # entries per action, since the log began
    purge_finished: datetime | None  # the scheduled purge's last finished run


@dataclass
class _AuditTally:
    """Entries per action up to ``seq``: each look counts only the entries added since.

    ``seq`` is handed out under the chain head's lock, so entries commit in ``seq`` order
    and none can appear later below a ``seq`` already counted."""

    seq: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Observer:
    """Read-only looks at the database (see the module docstring); ``timeout`` bounds a
    wait for a lock or a statement, in seconds."""

    def __init__(self, url: str, *, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self.engine = _engine(url, timeout)
        self._audit = _AuditTally()
        # The SQLite file the desk opened: one put in its place later (a file deleted, then
        # made afresh by another command) is not the desk's, though it answers.
        self._file = sqlite_file(url)
        self._identity = _identity(self._file)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection
            connection.rollback()  # nothing was written; end the read snapshot

    def schema_problem(self) -> str | None:
        """None when the database answers and is at this madoguchi's schema revision; else
        why not, in a few words (raises when it cannot be reached)."""
        now_there = _identity(self._file)
        if now_there is not None and now_there != self._identity:  # a missing one: unreachable
            return "the database file was replaced since start-up: restart madoguchi serve"
        with self._connection() as connection:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        revision = found[0][0] if found else None
        if revision == head_revision():
            return None
        return f"schema at revision {revision}, this madoguchi needs {head_revision()}"

    def figures(self, now: datetime) -> Figures:
        """The desk's figures now: a few grouped counts over indexed columns."""
        with self._connection() as connection:
            return Figures(
                at=now,
                outbox=_outbox(connection, now),
                queues=_queues(connection, now),
                audit=self._audit_counts(connection),
                purge_finished=connection.execute(
                    select(func.max(col(AuditEntry.at))).where(
                        col(AuditEntry.actor) == SCHEDULER, col(AuditEntry.action) == "purge"
                    )
                ).scalar(),
            )

    def _audit_counts(self, connection: Connection) -> dict[str, int]:
        tally = self._audit
        head = connection.execute(select(col(AuditChainHead.seq))).scalar() or 0
        if head > tally.seq:
            rows = connection.execute(
                select(col(AuditEntry.action), func.count(), func.max(col(AuditEntry.seq)))
                .where(col(AuditEntry.seq) > tally.seq, col(AuditEntry.seq) <= head)
                .group_by(col(AuditEntry.action))
            ).all()
            for action, count, _last in rows:
                name = action if _ACTION.fullmatch(action) else "other"
                tally.counts[name] = tally.counts.get(name, 0) + count
            tally.seq = head
        return dict(tally.counts)


def _outbox(connection: Connection, now: datetime) -> list[OutboxFigures]:
    later = and_(
        col(OutboxMessage.next_attempt_at).is_not(None), col(OutboxMessage.next_attempt_at) > now
    )
    rows = connection.execute(
        select(
            col(OutboxMessage.channel),
            func.count(),
            func.sum(case((later, 1), else_=0)),
            func.min(case((later, None), else_=col(OutboxMessage.created_at)), type_=UTCDateTime()),
        )
        .where(col(OutboxMessage.status) == "pending")
        .group_by(col(OutboxMessage.channel))
    ).all()
    return [
        OutboxFigures(channel, count - int(put_off or 0), int(put_off or 0), oldest)
        for channel, count, put_off, oldest in rows
    ]


def _queues(connection: Connection, now: datetime) -> list[QueueFigures]:
    overdue = and_(col(Case.paused_at).is_(None), col(Case.due_at) < now)
    rows = connection.execute(
        select(
            col(Case.org_id), col(Case.queue), func.count(), func.sum(case((overdue, 1), else_=0))
        )
        .where(col(Case.status).not_in(CLOSED_STATUSES))
        .group_by(col(Case.org_id), col(Case.queue))
    ).all()
    return [QueueFigures(org, queue, n, int(late or 0)) for org, queue, n, late in rows]


def _identity(path: Path | None) -> tuple[int, int] | None:
    """The file's device and inode (None when there is none)."""
    if path is None:
        return None
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _engine(url: str, timeout: float) -> Engine:
    path = sqlite_file(url)
    if make_url(url).get_backend_name() == "sqlite":
        if path is None:  # in memory, or a file: URI
            return create_engine(url, poolclass=NullPool)
        uri = f"{path.absolute().as_uri()}?mode=rw"  # never creates a missing file

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(
                uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA query_only=ON")
            return connection

        # A new connection per look (at most one a second): a file moved or deleted under
        # the desk is noticed, not read through a descriptor still open.
        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    milliseconds = max(1, int(timeout * 1000))
    return create_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=timeout,
        pool_pre_ping=True,
        pool_recycle=600,
        hide_parameters=True,
        connect_args={
            "connect_timeout": max(2, math.ceil(timeout)),  # libpq's least
            "options": f"-c statement_timeout={milliseconds} -c default_transaction_read_only=on",
        },
    )
