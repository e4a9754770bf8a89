"""Leases: one process at a time runs a singleton job, and a dead holder's job is taken over."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from storage.db import Database
from storage.models import Lease


def process_identity() -> str:
    """Names this process in leases and claims: host, pid and a random part for restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_is_gone(holder: str) -> bool:
    """True if ``holder`` was a process on this machine that no longer runs (it crashed and
    was restarted): its lease need not be waited out."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A process that has ended but not yet been reaped by its parent (Linux's /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def acquire(db: Database, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; true if ``holder`` has it until ``now + ttl``."""
    expires = now + ttl
    with db.transaction() as session:
        current = session.get(Lease, name)
        if current is not None and current.holder != holder and holder_is_gone(current.holder):
            now = max(now, current.expires_at + timedelta(microseconds=1))
        insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(Lease)
            .values(name=name, holder=holder, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        taken = session.execute(
            update(Lease)
            .where(
                col(Lease.name) == name,
                (col(Lease.holder) == holder) | (col(Lease.expires_at) < now),
            )
            .values(holder=holder, expires_at=expires)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def release(db: Database, name: str, holder: str) -> None:
    """Let another process take the job at once (on a clean stop)."""
    with db.transaction() as session:
        session.execute(
            update(Lease)
            .where(col(Lease.name) == name, col(Lease.holder) == holder)
            .values(expires_at=datetime(2000, 1, 1).astimezone())
        )
