"""Backups of the embedded SQLite database, and putting one back.

``take`` copies a live database with SQLite's online backup API. It holds one read
transaction on the source for the whole copy and copies the pages in steps inside it: in WAL
mode readers never block the writer, so the desk keeps committing turns meanwhile, and the
copy is exactly the database as of the first step (committed data only, no half-written
turn); a writer's later commits go to the WAL and do not restart the copy. The copy is
written next to its destination under a temporary name, switched out of WAL mode (a backup
is one self-contained file), checked (``PRAGMA integrity_check``, the schema's revision) and
only then moved to its name.

``check`` and ``restore`` are the other way round: the file is copied next to the database,
checked there (a SQLite database, intact, a madoguchi schema at a revision this code knows),
and swapped in with one rename once the database it replaces has been kept aside.

PostgreSQL has its own tools (pg_dump, pg_restore); nothing here speaks to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from storage.leases import holder_is_gone
from storage.private_files import PRIVATE
from storage.progress import Progress, silent
from storage.schema import alembic_config, head_revision

STEP_PAGES = 1024  # 4 MiB at SQLite's default page size: a step is a few milliseconds
SQLITE_MAGIC = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """What is wrong, in one line that also says what to do."""


@dataclass(frozen=True)
class Copy:
    """A checked backup file: its size and schema revision."""

    path: Path
    size: int
    revision: str


def companions(database: Path) -> list[Path]:
    """The database's own files: itself and what SQLite keeps beside it."""
    return [database, *(database.with_name(database.name + suffix) for suffix in COMPANIONS)]


def take(database: Path, target: Path, *, force: bool = False, progress: Progress = silent) -> Copy:
    """Copy the live ``database`` to ``target`` (mode 0600), consistent as of the start."""
    _refuse_target(database, target, force)
    if not database.is_file():
        raise BackupError(f"{database} does not exist: there is nothing to back up (DATABASE_URL)")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    with _removed_on_failure(partial):
        _create_private(partial)
        source = sqlite3.connect(database, isolation_level=None)  # it only reads
        try:
            source.execute("PRAGMA busy_timeout=30000")
            # One snapshot for every step: the steps below run inside this read transaction.
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchall()
            destination = sqlite3.connect(partial, isolation_level=None)
            try:
                source.backup(destination, pages=STEP_PAGES, progress=_pages(progress))
                destination.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            finally:
                destination.close()
        finally:
            source.close()
        try:
            revision = verify(partial, target.name)
        except BackupError as problem:
            raise BackupError(
                f"{problem}; the database itself may be damaged: check it with "
                f"sqlite3 {database} 'PRAGMA integrity_check'"
            ) from None
        _fsync(partial)
        _place(partial, target, force)
    return Copy(target, target.stat().st_size, revision)


def verify(path: Path, name: str | None = None) -> str:
    """The schema revision of the madoguchi database at ``path`` after checking it is intact;
    :class:`BackupError` saying what is wrong with it (called ``name``) otherwise."""
    name = name or path.name
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{name} is not a SQLite database")
    try:
        connection = sqlite3.connect(_read_only(path), uri=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                first = problems[0].splitlines()[-1]  # past "*** in database main ***"
                raise BackupError(f"{name} is damaged (integrity_check: {first})")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables or "conversation" not in tables:
                raise BackupError(f"{name} is a SQLite database but not madoguchi's")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{name} is damaged or not a database ({error})") from None
    if row is None:
        raise BackupError(f"{name} has no schema revision: it is not a madoguchi backup")
    return str(row[0])


def known(revision: str) -> bool:
    """Whether this madoguchi's migrations include ``revision`` (else a newer one made it)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def running_server(database: Path, now: datetime | None = None) -> str | None:
    """The process holding a lease on ``database`` (``madoguchi serve`` always holds the purge
    job's, renewed every 10 s and released on a clean stop), or None."""
    if not database.is_file():
        return None
    now = now or datetime.now(UTC)
    try:
        connection = sqlite3.connect(_read_only(database), uri=True)
        try:
            connection.execute("PRAGMA busy_timeout=5000")
            rows = connection.execute("SELECT holder, expires_at FROM lease").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return None  # no lease table: nothing ever served from it
    for holder, expires in rows:
        until = datetime.fromisoformat(str(expires))
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if until > now and not holder_is_gone(str(holder)):
            return str(holder).rsplit(":", 1)[0]  # host:pid
    return None


def prepare(backup: Path, database: Path) -> tuple[Path, str]:
    """Copy ``backup`` next to ``database`` (0600) and check the copy; (copy, revision).

    The backup file itself is only read. A write-ahead log beside it (a file copied from a
    live database rather than made by ``madoguchi backup``) is copied too and folded in.
    """
    if not backup.is_file():
        raise BackupError(f"{backup} does not exist or is not a file")
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(f".{database.name}.restoring-{os.getpid()}")
    with _removed_on_failure(staged):
        _create_private(staged)
        shutil.copyfile(backup, staged)
        wal = backup.with_name(backup.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            shutil.copyfile(wal, staged.with_name(staged.name + "-wal"))
        with open(staged, "rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise BackupError(f"{backup.name} is not a SQLite database")
        try:
            settle(staged, backup.name)
            revision = verify(staged, backup.name)
        except BackupError as problem:
            raise BackupError(f"{problem}: restore another backup") from None
        if not known(revision):
            raise BackupError(
                f"{backup.name} is at schema revision {revision}, newer than this madoguchi "
                f"knows (newest {head_revision()}): restore it with that newer version"
            )
    return staged, revision


def put_in_place(staged: Path, database: Path, now: datetime) -> Path | None:
    """Swap the checked copy in for ``database`` in one rename; the file it replaces (its
    write-ahead log folded in first) is kept as ``<database>.before-restore-<time>``."""
    aside = None
    if database.exists():
        holder = running_server(database, now)
        if holder:
            raise BackupError(
                f"madoguchi serve is running on this database ({holder}): stop it first"
            )
        _fold_wal(database)
        aside = database.with_name(f"{database.name}.before-restore-{now:%Y%m%dT%H%M%SZ}")
        try:
            os.link(database, aside)  # the old file stays at its name until the swap
        except OSError:
            shutil.copy2(database, aside)
    for stale in companions(database)[1:]:
        stale.unlink(missing_ok=True)  # they describe the old file, not the new one
    _fsync(staged)
    os.replace(staged, database)
    _fsync(database.parent)
    return aside


def _fold_wal(database: Path) -> None:
    """Checkpoint the write-ahead log into the main file, or refuse if another connection
    holds it open (a process is using the database)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=5000")
        busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{database.name} cannot be opened ({error})") from None
    finally:
        connection.close()
    if busy:
        raise BackupError(
            f"{database.name} is in use by another process: stop every madoguchi process first"
        )


def settle(path: Path, name: str) -> None:
    """Fold a write-ahead log into the file and leave it out of WAL mode (madoguchi puts it
    back in WAL mode when it opens it): a read-only look then needs nothing beside it."""
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=DELETE").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{name} is damaged or not a database ({error})") from None


def _refuse_target(database: Path, target: Path, force: bool) -> None:
    resolved = target.parent.resolve() / target.name
    if resolved in {p.parent.resolve() / p.name for p in companions(database)}:
        raise BackupError(f"{target} is the database itself: give another file")
    if target.is_symlink():
        raise BackupError(f"{target} is a symbolic link: give the real path")
    if target.is_dir():
        raise BackupError(f"{target} is a directory: give a file name, e.g. {target}/desk.sqlite3")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist: create it first (mode 0700)")
    if target.exists() and not force:
        raise BackupError(f"{target} exists: give another name, or --force to replace it")


def _place(partial: Path, target: Path, force: bool) -> None:
    """Give the finished copy its name; without ``force`` never over an existing file, even
    one created meanwhile (a hard link fails if the name is taken)."""
    if force:
        os.replace(partial, target)
    else:
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupError(
                f"{target} exists: give another name, or --force to replace it"
            ) from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise BackupError(f"{target} exists: give another name, or --force") from None
            os.replace(partial, target)
        partial.unlink(missing_ok=True)
    _fsync(target.parent)


def _pages(progress: Progress) -> Callable[[int, int, int], None]:
    """sqlite3's step callback (status, pages left, pages in all) as a ``Progress``."""

    def report(_status: int, remaining: int, total: int) -> None:
        progress("pages", total - remaining, total)

    return report


def _create_private(path: Path) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE)
    os.fchmod(descriptor, PRIVATE)
    os.close(descriptor)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _removed_on_failure(path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for leftover in companions(path):
            leftover.unlink(missing_ok=True)
        raise


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"
