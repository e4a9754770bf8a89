"""``madoguchi backup`` and ``madoguchi restore``: the embedded SQLite database, copied while
the desk runs and put back after a check (``storage.backup`` does the work).

A backup is a copy of every member's personal data, so both are audit entries
(``backup_taken`` in the database copied, ``backup_restored`` in the one put back) holding
the file's name, size and schema revision, never its directory. PostgreSQL is backed up with
its own tools; both commands say so and stop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bot.audit_cli import terminal_actor
from bot.config import Settings
from bot.keys_cli import master_keys
from bot.progress import Quiet, progress_bar
from storage import backup as backups
from storage import crypto
from storage.audit import AuditLog
from storage.db import Database, sqlite_file
from storage.schema import SchemaOutOfDate, head_revision

POSTGRES_TOOL = {
    "backup": "back it up with pg_dump -Fc",
    "restore": "restore it with pg_restore --clean",
}


def _sqlite_file(settings: Settings, command: str) -> Path:
    """The SQLite file DATABASE_URL names; exit 2 with the right tool for anything else."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        typer.echo(
            f"madoguchi {command}: DATABASE_URL is PostgreSQL: {POSTGRES_TOOL[command]} "
            "(README, Backups)",
            err=True,
        )
        raise typer.Exit(2)
    path = sqlite_file(settings.database_url)
    if path is None:
        typer.echo(f"madoguchi {command}: DATABASE_URL names no SQLite file", err=True)
        raise typer.Exit(2)
    return path


def _size(size: int) -> str:
    """``286720`` as ``280.0 KiB``: what an operator compares with the disk's free space."""
    if size < 1024:
        return f"{size} bytes"
    for power, unit in enumerate(("KiB", "MiB", "GiB"), 1):
        if size < 1024 ** (power + 1) or unit == "GiB":
            return f"{size / 1024**power:.1f} {unit}"
    raise AssertionError("unreachable")


def _refuse(command: str, problem: object) -> typer.Exit:
    typer.echo(f"madoguchi {command}: {problem}", err=True)
    return typer.Exit(1)


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (readable by you only)")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists")] = False,
    quiet: Quiet = False,
) -> None:
    """Copy the live SQLite database to FILE while the desk keeps running, then check the copy
    (integrity, schema revision). PostgreSQL: use pg_dump (README, Backups)."""
    settings = Settings()
    database = _sqlite_file(settings, "backup")
    try:
        with progress_bar(quiet) as report:
            copy = backups.take(database, file, force=force, progress=report)
    except backups.BackupError as problem:
        raise _refuse("backup", problem) from None
    except OSError as error:
        raise _refuse("backup", f"cannot write {file}: {error.strerror or error}") from None
    detail = {"file": file.name, "bytes": copy.size, "revision": copy.revision}
    typer.echo(
        f"{file}: {_size(copy.size)}, schema revision {copy.revision}, integrity ok "
        "(the database as it was when the backup began)."
    )
    try:
        db = Database(settings.database_url, upgrade=False)
    except SchemaOutOfDate:
        typer.echo(
            "Not in the audit log: the database is at an older revision; "
            "run `madoguchi db upgrade`.",
            err=True,
        )
    else:
        try:
            AuditLog(db, lambda: datetime.now(UTC)).record(
                terminal_actor(), "backup_taken", detail=detail
            )
        finally:
            db.close()
    if settings.data_keys:
        try:
            keys = crypto.parse_master_keys(settings.data_keys.get_secret_value())
        except ValueError as problem:
            # The copy is made and checked; the setting is serve's problem, said here too.
            typer.echo(f"madoguchi backup: the backup is made, but {problem}", err=True)
            return
        ids = ", ".join(key.id for key in keys)
        typer.echo(
            f"Personal data in it is encrypted: keep MADOGUCHI_DATA_KEYS ({ids}) apart from "
            "the backup. Without the keys it cannot be read; stored with it, they protect nothing."
        )
    else:
        typer.echo(
            "Personal data in it is stored in clear (MADOGUCHI_DATA_KEYS is not set): keep the "
            "file as safe as the database."
        )


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `madoguchi backup`")],
) -> None:
    """Put FILE back as the SQLite database after checking it; the database it replaces is
    kept beside it. Stop `madoguchi serve` first. PostgreSQL: use pg_restore (README)."""
    settings = Settings()
    database = _sqlite_file(settings, "restore")
    now = datetime.now(UTC)
    holder = backups.running_server(database, now)
    if holder:
        raise _refuse(
            "restore",
            f"madoguchi serve is running on {database} ({holder}): stop it first "
            "(e.g. sudo systemctl stop madoguchi)",
        )
    staged: Path | None = None
    try:
        staged, revision = backups.prepare(file, database)
        upgraded = _check_and_record(settings, staged, file, revision)
        kept = backups.put_in_place(staged, database, now)
    except backups.BackupError as problem:
        raise _refuse("restore", problem) from None
    except OSError as error:
        raise _refuse("restore", f"{error.strerror or error}: {error.filename or file}") from None
    finally:
        if staged is not None:
            for leftover in backups.companions(staged):
                leftover.unlink(missing_ok=True)
    size = database.stat().st_size
    note = f" (upgraded to {head_revision()})" if upgraded else ""
    typer.echo(
        f"{database}: restored from {file.name}, schema revision {revision}{note}, {_size(size)}."
    )
    if kept is not None:
        typer.echo(f"The database it replaced is kept as {kept}; delete it once the desk works.")
    typer.echo("Start `madoguchi serve` again.")


def _check_and_record(settings: Settings, staged: Path, file: Path, revision: str) -> bool:
    """Open the staged copy as the desk will (upgrading an older schema, as every madoguchi
    does on SQLite), refuse it if MADOGUCHI_DATA_KEYS cannot open its data keys, and write the
    ``backup_restored`` entry into it: the entry goes in with the restore, or not at all.
    Whether the schema was upgraded."""
    db = Database(f"sqlite:///{staged}")
    try:
        problems = crypto.key_problems(master_keys(settings, "madoguchi restore"), db)
        if problems:
            raise backups.BackupError(
                f"{file.name} cannot be read with MADOGUCHI_DATA_KEYS ({problems[0]}): set the "
                "keys in use when it was made"
            )
        AuditLog(db, lambda: datetime.now(UTC)).record(
            terminal_actor(),
            "backup_restored",
            detail={"file": file.name, "bytes": file.stat().st_size, "revision": revision},
        )
    finally:
        db.close()
    backups.settle(staged, file.name)
    return revision != head_revision()
