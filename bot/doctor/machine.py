"""The checks of this machine: settings, the deployment file, the database and its schema, the
keys, the disk and the file. ``serve`` refuses to start on the failures of the last four
(:func:`serve_problems`); it checks its settings itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.config import Settings, load_deployment
from bot.doctor.check import Check
from bot.preflight import (
    deployment_problems,
    settings_problems,
    webchat_on,
)
from storage import crypto
from storage.db import DatabaseUnavailable, probe_engine, sqlite_file
from storage.private_files import readable_by_others
from storage.schema import FIRST_REVISION, current_revision, head_revision, known_revision

# Free space on the database's filesystem: below the first figure doctor warns, below the
# second `serve` refuses to start (SQLite then fails writes mid-turn, "database or disk is
# full"). A write-ahead log grows to some megabytes between checkpoints; `keys rotate`
# rebuilds the file (VACUUM), which needs about the database's size again.
FREE_WARN_BYTES = 1024**3  # 1 GiB
FREE_FAIL_BYTES = 100 * 1024**2  # 100 MiB


def configuration_checks(settings: Settings) -> list[Check]:
    """The environment's settings and the deployment file, with ``serve``'s own problem
    lists (``bot.preflight``)."""
    checks = [Check("FAIL", "settings", problem) for problem in settings_problems(settings)]
    if not checks:
        checks.append(Check("OK", "settings", f"serving {_served(settings)}"))
    problems = deployment_problems(settings)
    checks += [Check("FAIL", "deployment", problem) for problem in problems]
    if not problems:
        deployment, orgs = load_deployment(settings)
        where = settings.deployment_file
        shown = where if where.is_file() else f"{where} (absent: built-in defaults)"
        queues = sorted(q for queues in deployment.queues_by_org(orgs).values() for q in queues)
        checks.append(
            Check(
                "OK",
                "deployment",
                f"{shown}: co-ops {', '.join(orgs)}; queues {', '.join(queues)}",
            )
        )
    return checks


def _served(settings: Settings) -> str:
    """What these settings serve, as IT staff name it."""
    parts = []
    if settings.telegram_bot_token:
        mode = "webhook" if settings.telegram_webhook_url else "long polling"
        parts.append(f"Telegram ({mode})")
    if settings.line_channel_secret and settings.line_channel_access_token:
        parts.append("LINE")
    if webchat_on(settings):
        parts.append("the web chat")
    if settings.slack_bot_token:
        parts.append("Slack (Socket Mode)" if settings.slack_app_token else "Slack (HTTP)")
    return ", ".join(parts)


# ---------------------------------------------------------------------- the database


# Why a URL that names no SQLite file has no disk or file to check here, by its backend.
_NO_FILE = {
    "postgresql": "the database is on its server: watch that server's disk",
    "sqlite": "the database is held in memory, not in a file",  # and lost when serve stops
    "other": "not checked: DATABASE_URL names no database madoguchi supports",
    "none": "not checked: DATABASE_URL is not a database URL",
}


def _backend(url: str) -> str:
    """``postgresql``, ``sqlite``, ``other`` or ``none`` (not a URL)."""
    try:
        backend = make_url(url).get_backend_name()
    except SQLAlchemyError:
        return "none"
    return backend if backend in ("postgresql", "sqlite") else "other"


def _where(url: str) -> str:
    """The database named without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "DATABASE_URL"


@contextmanager
def _read_only_engine(url: str) -> Iterator[Engine | None]:
    """An engine on the desk's database, or None when its SQLite file does not exist yet
    (opening would create it). Raises :class:`DatabaseUnavailable`."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        yield None
        return
    engine = probe_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema_check(settings: Settings, engine: Engine | None) -> Check:
    """Reachable, and at the newest migration. SQLite is upgraded when ``serve`` opens it
    (a warning); a server database is refused at an older revision (a failure)."""
    url, head = settings.database_url, head_revision()
    where = _where(url)
    if engine is None:
        return _missing_file(where, head, sqlite_file(url))
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        revision = current_revision(connection)
    if not tables:
        return Check("OK", "database", f"{where} is empty: serve creates the schema at {head}")
    revision = revision or FIRST_REVISION  # made before madoguchi had migrations
    if revision == head:
        return Check("OK", "database", f"{where} reachable, schema at the newest revision {head}")
    if not known_revision(revision):
        return Check(
            "FAIL",
            "database",
            f"{where} is at revision {revision}, which this madoguchi does not know "
            f"(its newest is {head}; a newer madoguchi wrote it).",
            "install the madoguchi that wrote it, or a newer one.",
        )
    detail = f"{where} is at revision {revision}; this madoguchi needs {head}."
    if engine.dialect.name == "sqlite":
        return Check(
            "WARN",
            "database",
            f"{detail} serve upgrades a SQLite file when it opens it.",
            "run `madoguchi db upgrade` now to be sure it can.",
        )
    return Check(
        "FAIL", "database", detail, "run `madoguchi db upgrade` once, then start madoguchi."
    )


def _missing_file(where: str, head: str, path: Path | None) -> Check:
    """A SQLite file not there yet: new (fine), a folder that is not there either (a typo in
    DATABASE_URL, say), or a file gone from beside its write-ahead log (deleted or moved while
    in use: serve would begin an empty desk over the members' requests)."""
    if path is not None and Path(f"{path}-wal").exists():
        return Check(
            "FAIL",
            "database",
            f"{where} is missing, but its write-ahead log {path}-wal is there: the file was "
            "deleted or moved while in use.",
            "put the file back (or `madoguchi restore` a backup) before starting serve; "
            "serve would begin an empty desk.",
        )
    if path is not None and not path.parent.exists():
        return Check(
            "WARN",
            "database",
            f"{where} does not exist, nor does its folder {path.parent}: serve creates both "
            f"at {head}, an empty desk.",
            "check DATABASE_URL for a typo if the desk has run before.",
        )
    return Check("OK", "database", f"{where} does not exist yet: serve creates it at {head}")


def keys_check(settings: Settings, engine: Engine | None, schema: Check) -> Check:
    """``MADOGUCHI_DATA_KEYS`` readable, and opening every data key the database holds (a
    key missing or wrong would fail every turn that reads a member's data). ``schema`` is
    the database's check: a database that could not be read has its keys left unchecked."""
    secret = settings.data_keys.get_secret_value() if settings.data_keys else None
    try:
        keys = crypto.parse_master_keys(secret)
    except crypto.BadMasterKeys as problem:
        return Check(
            "FAIL",
            "encryption",
            f"{problem}.",
            "copy the key(s) from your secret store as `madoguchi keys new` printed them.",
        )
    if schema.status == "FAIL":
        return Check("SKIP", "encryption", "not checked: the database could not be read")
    stored: list[str] = []  # the master key ids that wrap the stored data keys
    problems: list[str] = []
    if engine is not None and "datakey" in inspect(engine).get_table_names():
        with Session(engine) as session:
            stored = [
                row[0]
                for row in session.connection().exec_driver_sql(
                    "SELECT kek_id FROM datakey ORDER BY id"
                )
            ]
            if keys and stored:
                problems = crypto.stored_key_problems(keys, session)
    wrapping = ", ".join(sorted(set(stored)))
    if not keys and stored:
        return Check(
            "FAIL",
            "encryption",
            f"the database holds encrypted data (data keys wrapped by master key {wrapping}) "
            "but MADOGUCHI_DATA_KEYS is not set: members' data cannot be read.",
            f"set MADOGUCHI_DATA_KEYS to the master key(s) {wrapping} from your secret store.",
        )
    if not keys:
        return Check(
            "WARN",
            "encryption",
            "off: personal data is stored in clear (MADOGUCHI_DATA_KEYS is not set).",
            "`madoguchi keys new`, put the key in MADOGUCHI_DATA_KEYS, then "
            "`madoguchi keys rotate` (see README, Encryption at rest).",
        )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check(
            "FAIL",
            "encryption",
            f"{problems[0]}{more}.",
            f"set MADOGUCHI_DATA_KEYS to the master key(s) {wrapping} this database was "
            "encrypted with; keep the old ones listed after the current one.",
        )
    ids = ", ".join(key.id for key in keys)
    if not stored:
        return Check(
            "OK", "encryption", f"on (master key {ids}); data keys are made at first start"
        )
    return Check(
        "OK",
        "encryption",
        f"on: master key {keys[0].id} encrypts; all {len(stored)} data keys open",
    )


def disk_check(settings: Settings) -> Check:
    """Free space where the SQLite file lives (a server database's disk is the server's)."""
    path = sqlite_file(settings.database_url)
    if path is None:
        backend = _backend(settings.database_url)
        if backend == "sqlite":  # in memory: each connection would have its own, empty one
            return Check(
                "FAIL",
                "disk",
                f"{_NO_FILE[backend]}: every request would be lost when madoguchi stops.",
                "set DATABASE_URL to a file (sqlite:///path/to/desk.sqlite3) or a server.",
            )
        return Check("SKIP", "disk", _NO_FILE[backend])
    folder = path.resolve().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # serve creates the folder; its disk is the nearest existing one
    try:
        usage = shutil.disk_usage(folder)
    except OSError as error:
        return Check("WARN", "disk", f"free space on {folder} could not be measured ({error}).")
    if usage.total == 0:  # /proc, /sys: no disk at all, so no space will ever be freed
        return Check(
            "FAIL",
            "disk",
            f"{folder} is on no disk (a virtual filesystem): the database cannot be kept there.",
            "set DATABASE_URL to a file on a disk.",
        )
    free = usage.free
    detail = f"{_size(free)} free on the filesystem of {folder}"
    fix = (
        f"free space there or move the database (DATABASE_URL); figures: warn below "
        f"{_size(FREE_WARN_BYTES)}, serve refuses below {_size(FREE_FAIL_BYTES)}."
    )
    if free < FREE_FAIL_BYTES:
        # Space freed, serve may start: systemd tries again (EXIT_TRY_AGAIN), unlike a setting.
        return Check("FAIL", "disk", f"only {detail}: writes would fail.", fix, passing=True)
    if free < FREE_WARN_BYTES:
        return Check("WARN", "disk", f"only {detail}.", fix)
    return Check("OK", "disk", detail)


def _size(count: int) -> str:
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GiB"
    return f"{count / 1024**2:.0f} MiB"


def file_check(settings: Settings) -> Check:
    """The SQLite file and its WAL readable by their owner only."""
    path = sqlite_file(settings.database_url)
    if path is None:
        backend = _backend(settings.database_url)
        shown = "not a SQLite file" if backend == "postgresql" else _NO_FILE[backend]
        return Check("SKIP", "database file", shown)
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    if not files:
        return Check("OK", "database file", f"{path} is made private (0600) when created")
    open_to_others = [p for p in files if readable_by_others(p)]
    if open_to_others:
        return Check(
            "WARN",
            "database file",
            f"{', '.join(map(str, open_to_others))} can be read by other users.",
            f"chmod 600 {path}*",
        )
    return Check("OK", "database file", f"{path} readable by its owner only")


def local_checks(settings: Settings) -> list[Check]:
    """The database, its schema and keys, the disk and the file: what this machine holds."""
    try:
        with _read_only_engine(settings.database_url) as engine:
            schema = schema_check(settings, engine)
            keys = keys_check(settings, engine if schema.status != "FAIL" else None, schema)
    except DatabaseUnavailable as error:
        schema = Check(
            "FAIL",
            "database",
            f"DATABASE_URL: {error.detail}.",
            error.fix,
            passing=error.server_away,
        )
        keys = keys_check(settings, None, schema)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        schema = Check("FAIL", "database", f"{_where(settings.database_url)}: {reason}")
        keys = keys_check(settings, None, schema)
    return [schema, keys, disk_check(settings), file_check(settings)]


def serve_problems(settings: Settings) -> list[str]:
    """What stops ``serve`` before it starts, from the same checks: a database it cannot use,
    keys it cannot read the data with, a disk too full to write."""
    return [check.problem() for check in local_checks(settings) if check.status == "FAIL"]
