"""What ``madoguchi doctor`` checks, and the local part ``madoguchi serve`` refuses to start on.

Each check looks at one thing an installation needs (its settings, its database and schema,
its keys, the disk, each platform's token and set-up) and answers one :class:`Check`: ``OK``,
``WARN`` (works, but needs a look), ``FAIL`` (something members or staff will notice) or
``SKIP`` (not configured). Nothing here writes: the database is read without being opened as a
desk (which would create or upgrade its schema), and the platforms are asked only read-only
methods. Platforms are asked side by side with a short timeout; a platform that is down is a
``FAIL`` with its error, never a traceback. No line carries a token or personal data.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import aiohttp
from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.config import ConfigurationError, Passing, Settings, load_deployment
from bot.preflight import (
    deployment_problems,
    settings_problems,
    slack_auth_problem,
    webchat_on,
)
from storage import crypto
from storage.db import DatabaseUnavailable, probe_engine
from storage.private_files import readable_by_others
from storage.schema import FIRST_REVISION, current_revision, head_revision, known_revision

Status = Literal["OK", "WARN", "FAIL", "SKIP"]

# Free space on the database's filesystem: below the first figure doctor warns, below the
# second `serve` refuses to start (SQLite then fails writes mid-turn, "database or disk is
# full"). A write-ahead log grows to some megabytes between checkpoints; `keys rotate`
# rebuilds the file (VACUUM), which needs about the database's size again.
FREE_WARN_BYTES = 1024**3  # 1 GiB
FREE_FAIL_BYTES = 100 * 1024**2  # 100 MiB
# Seconds a platform has to answer each check; they run side by side.
NETWORK_TIMEOUT = 10.0
# A webhook delivery error older than this is history, not a problem.
RECENT_ERROR_SECONDS = 24 * 3600
# Updates waiting at Telegram beyond this many mean nobody is taking them.
PENDING_WARN = 100


@dataclass(frozen=True)
class Check:
    """One check's result: what was looked at, what was found, and what to do about it."""

    status: Status
    name: str
    detail: str
    fix: str = ""
    passing: bool = False  # a server away, which may answer later (``config.Passing``)

    def line(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix and self.status in ("WARN", "FAIL") else ""
        return f"{self.status:<4}  {self.name}: {self.detail}{fix}"

    def problem(self) -> str:
        """The check as one problem line for ``serve``'s refusal."""
        fix = f" {self.fix[:1].upper()}{self.fix[1:]}" if self.fix else ""
        line = f"{self.detail}{fix}"
        return Passing(line) if self.passing else line


def exit_status(checks: list[Check]) -> int:
    """0: all OK (or skipped); 1: warnings only; 2: something failed."""
    statuses = {check.status for check in checks}
    return 2 if "FAIL" in statuses else 1 if "WARN" in statuses else 0


# What a Slack conversation id looks like (C… public or private, G… older private ones).
SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


# ---------------------------------------------------------------------- configuration


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


def _sqlite_path(url: str) -> Path | None:
    """The SQLite file a URL names (None for PostgreSQL, an in-memory database, or a URL
    that is none: the database check says so)."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    return None if path.startswith("file:") else Path(path)


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
    path = _sqlite_path(url)
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
        return Check("OK", "database", f"{where} does not exist yet: serve creates it at {head}")
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
    path = _sqlite_path(settings.database_url)
    if path is None:
        return Check("SKIP", "disk", "the database is on its server: watch that server's disk")
    folder = path.resolve().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # serve creates the folder; its disk is the nearest existing one
    try:
        free = shutil.disk_usage(folder).free
    except OSError as error:
        return Check("WARN", "disk", f"free space on {folder} could not be measured ({error}).")
    detail = f"{_size(free)} free on the filesystem of {folder}"
    fix = (
        f"free space there or move the database (DATABASE_URL); figures: warn below "
        f"{_size(FREE_WARN_BYTES)}, serve refuses below {_size(FREE_FAIL_BYTES)}."
    )
    if free < FREE_FAIL_BYTES:
        return Check("FAIL", "disk", f"only {detail}: writes would fail.", fix)
    if free < FREE_WARN_BYTES:
        return Check("WARN", "disk", f"only {detail}.", fix)
    return Check("OK", "disk", detail)


def _size(count: int) -> str:
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GiB"
    return f"{count / 1024**2:.0f} MiB"


def file_check(settings: Settings) -> Check:
    """The SQLite file and its WAL readable by their owner only."""
    path = _sqlite_path(settings.database_url)
    if path is None:
        return Check("SKIP", "database file", "not a SQLite file")
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
        schema = Check("FAIL", "database", f"DATABASE_URL: {error}", passing=error.server_away)
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


# ---------------------------------------------------------------------- the platforms


async def telegram_checks(settings: Settings) -> list[Check]:
    """The token (``getMe``) and the webhook's state (``getWebhookInfo``)."""
    from bot.channels.telegram import make_bot
    from bot.preflight import telegram_problems

    token = settings.telegram_bot_token
    if not token:
        return [Check("SKIP", "telegram", "not configured (TELEGRAM_BOT_TOKEN is not set)")]
    bot = make_bot(
        token, settings.telegram_api_base_url, timeout=min(settings.telegram_timeout, 5.0)
    )
    try:
        problems = await telegram_problems(bot, settings)
        if problems:
            return [Check("FAIL", "telegram", problems[0])]
        checks = [Check("OK", "telegram", f"token accepted: the bot is @{bot.username}")]
        info = await bot.get_webhook_info()
        checks.append(
            _webhook_state(
                settings,
                info.url,
                info.pending_update_count,
                info.last_error_date,
                info.last_error_message,
                token,
            )
        )
        return checks
    finally:
        await bot.shutdown()


def _webhook_state(
    settings: Settings,
    url: str,
    pending: int,
    error_at: datetime | None,
    error: str | None,
    token: str,
) -> Check:
    """Where Telegram sends updates, how many wait, and its last failed delivery."""
    wanted = settings.telegram_webhook_url

    def shown(address: str) -> str:  # some put the token in the webhook's path
        return address.replace(token, "<TELEGRAM_BOT_TOKEN>")

    mode = f"webhook {shown(url)}" if url else "no webhook (long polling)"
    detail = f"{mode}; {pending} update(s) waiting"
    findings: list[str] = []
    fixes: list[str] = []
    if wanted and url != wanted:
        findings.append(f"TELEGRAM_WEBHOOK_URL is {shown(wanted)}")
        fixes.append(
            "serve sets the webhook when it starts; if it is running, another "
            "process uses this bot token"
        )
    if not wanted and url:
        findings.append("TELEGRAM_WEBHOOK_URL is not set")
        fixes.append("serve removes the webhook when it starts (long polling)")
    if error_at is not None:
        age = time.time() - error_at.timestamp()
        if age < RECENT_ERROR_SECONDS:
            when = error_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            findings.append(f"Telegram's last delivery failed at {when}: {error or 'no reason'}")
            fixes.append(
                f"check that {shown(url) or 'the webhook'} reaches `madoguchi serve` "
                "(reverse proxy, TLS certificate, serve running)"
            )
    if pending >= PENDING_WARN and not findings:
        findings.append("that many waiting means nobody is taking them")
        fixes.append("start `madoguchi serve`, or see why it does not take them")
    if findings:
        return Check(
            "WARN", "telegram webhook", f"{detail}; {'; '.join(findings)}.", "; ".join(fixes) + "."
        )
    return Check("OK", "telegram webhook", detail)


async def slack_checks(settings: Settings) -> list[Check]:
    """The token (``auth.test``) and the bot's membership of every channel ``[slack]`` names
    (queues' and supervisors'), asked with ``conversations.history`` for nothing newer than
    now: its scopes (``channels:history``, ``groups:history``) the app already has for
    retention, and it reads no message."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    token = settings.slack_bot_token
    if not token:
        return [Check("SKIP", "slack", "not configured (SLACK_BOT_TOKEN is not set)")]
    url = settings.slack_api_url
    client = AsyncWebClient(token=token, base_url=url, timeout=5)
    try:
        who = await client.auth_test()
    except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as error:
        return [Check("FAIL", "slack", slack_auth_problem(error, url))]
    bot = str(who.get("user") or "the bot")
    checks = [Check("OK", "slack", f"token accepted: @{bot} in workspace {who.get('team')}")]
    try:
        slack = load_deployment(settings)[0].slack
    except ConfigurationError:  # reported by the deployment check
        return checks
    channels = [(config.channel, f"queue {queue}") for queue, config in slack.queues.items()]
    if slack.supervisors_channel:
        channels.append((slack.supervisors_channel, "supervisors"))

    async def member_of(channel: str, role: str) -> Check:
        name = f"slack channel {channel}"
        if not SLACK_CHANNEL_ID.fullmatch(channel):  # "#kyosai": a name, which Slack refuses
            return Check(
                "FAIL",
                name,
                f"not a channel id ({role}).",
                "write the channel's id (C…, at the bottom of the channel's details), not its "
                "#name, in madoguchi.toml [slack].",
            )
        try:
            await client.conversations_history(
                channel=channel, limit=1, oldest=f"{time.time():.6f}"
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "error"))
            if reason == "not_in_channel":
                return Check(
                    "FAIL",
                    name,
                    f"the bot is not in this channel ({role}).",
                    f"invite it: /invite @{bot} in that channel.",
                )
            if reason == "channel_not_found":
                return Check(
                    "FAIL",
                    name,
                    f"no such channel visible to the bot ({role}).",
                    "check the id in madoguchi.toml [slack]; a private channel must "
                    f"invite the bot first (/invite @{bot}).",
                )
            if reason == "missing_scope":
                needed = error.response.get("needed", "?")
                return Check(
                    "FAIL",
                    name,
                    f"the token lacks the scope {needed} ({role}).",
                    "add it under OAuth & Permissions and reinstall the app.",
                )
            return Check("FAIL", name, f"Slack answered {reason} ({role}).")
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return Check("FAIL", name, f"Slack could not be reached ({type(error).__name__}).")
        return Check("OK", name, f"the bot is in it ({role})")

    checks += await asyncio.gather(*(member_of(channel, role) for channel, role in channels))
    return checks


async def line_checks(settings: Settings) -> list[Check]:
    """The token (bot info), the webhook endpoint set in the console, and the month's quota."""
    from linebot.v3.messaging import ApiException

    from bot.channels.line.api import NETWORK_ERRORS, LineApi, refusal

    secret, token = settings.line_channel_secret, settings.line_channel_access_token
    if not (secret and token):
        return [
            Check(
                "SKIP",
                "line",
                "not configured (LINE_CHANNEL_SECRET and "
                "LINE_CHANNEL_ACCESS_TOKEN are not both set)",
            )
        ]
    api = LineApi(
        token.get_secret_value(),
        settings.line_api_base_url,
        settings.line_data_api_base_url,
        min(settings.line_timeout, 5.0),
    )
    timeout = api.timeout

    def failed(name: str, error: BaseException) -> Check:
        if isinstance(error, ApiException):
            if error.status == 401:
                return Check(
                    "FAIL",
                    name,
                    f"LINE_CHANNEL_ACCESS_TOKEN was rejected by LINE (401: {refusal(error)}).",
                    "issue a long-lived channel access token in the LINE Developers console "
                    "(Messaging API tab) and set it.",
                )
            return Check("FAIL", name, f"LINE answered {error.status}: {refusal(error)}")
        return Check(
            "FAIL",
            name,
            f"LINE at {settings.line_api_base_url} could not be reached "
            f"({type(error).__name__}): check LINE_API_BASE_URL and the "
            "network.",
        )

    try:
        try:
            info = await api.messaging.get_bot_info(_request_timeout=timeout)
        except (ApiException, *NETWORK_ERRORS) as error:
            return [failed("line", error)]
        checks = [Check("OK", "line", f"token accepted: {info.display_name} ({info.basic_id})")]
        try:
            hook = await api.messaging.get_webhook_endpoint(_request_timeout=timeout)
            checks.append(_line_webhook(hook.endpoint, hook.active))
        except (ApiException, *NETWORK_ERRORS) as error:
            checks.append(failed("line webhook", error))
        try:
            quota = await api.messaging.get_message_quota(_request_timeout=timeout)
            used = await api.messaging.get_message_quota_consumption(_request_timeout=timeout)
            limit = (
                int(quota.value) if quota.type == "limited" and quota.value is not None else None
            )
            checks.append(_line_quota(used.total_usage, limit, settings.line_quota_warn_share))
        except (ApiException, *NETWORK_ERRORS) as error:
            checks.append(failed("line quota", error))
        return checks
    finally:
        await api.close()


def _line_webhook(endpoint: str, active: bool) -> Check:
    name = "line webhook"
    if not endpoint:
        return Check(
            "FAIL",
            name,
            "no Webhook URL is set: LINE sends the desk nothing.",
            "set https://<your host>/line/webhook in the Messaging API tab.",
        )
    if not active:
        return Check(
            "FAIL",
            name,
            f"{endpoint} is set but 'Use webhook' is off.",
            "turn 'Use webhook' on in the Messaging API tab.",
        )
    if not endpoint.rstrip("/").endswith("/line/webhook"):
        return Check(
            "WARN",
            name,
            f"LINE sends events to {endpoint}.",
            "the desk takes them at https://<your host>/line/webhook.",
        )
    return Check("OK", name, f"{endpoint}, in use")


def _line_quota(used: int, limit: int | None, warn_share: float) -> Check:
    name = "line quota"
    if limit is None:
        return Check("OK", name, f"{used} push messages this month; the plan has no monthly limit")
    detail = f"{used} of {limit} push messages used this month"
    if used >= limit:
        return Check(
            "FAIL",
            name,
            f"{detail}: staff replies and notices wait until the next "
            "month (answers to members' own messages still go).",
            "raise the plan's limit in the LINE Official Account Manager.",
        )
    if used >= warn_share * limit:
        return Check(
            "WARN",
            name,
            f"{detail} ({used / limit:.0%}).",
            "raise the plan's limit before it runs out.",
        )
    return Check("OK", name, detail)


async def smtp_check(settings: Settings) -> list[Check]:
    """The co-op's SMTP server answers (and takes the login, when one is set); sends nothing."""
    import aiosmtplib

    from bot.email_delivery import SmtpServer

    server = SmtpServer.of(settings)
    if server is None:
        return [Check("SKIP", "smtp", "not configured (SMTP_HOST is not set)")]
    where = f"{server.host}:{server.port}"
    implicit = server.port == 465
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=implicit,
        start_tls=server.starttls and not implicit,
        timeout=5,
    )
    try:
        await client.connect()
        if server.user:
            await client.login(server.user, server.password or "")
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as error:
        return [
            Check(
                "FAIL",
                "smtp",
                f"{where} refused SMTP_USER's login ({error.code}).",
                "check SMTP_USER and SMTP_PASSWORD.",
            )
        ]
    except (aiosmtplib.SMTPException, OSError) as error:
        return [
            Check(
                "FAIL",
                "smtp",
                f"{where} could not be used ({type(error).__name__}).",
                "check SMTP_HOST, SMTP_PORT and SMTP_STARTTLS.",
            )
        ]
    login = ", login accepted" if server.user else ""
    return [Check("OK", "smtp", f"{where} answers{login}")]


Remote = Callable[[Settings], Awaitable[list[Check]]]
REMOTE: tuple[tuple[str, Remote], ...] = (
    ("telegram", telegram_checks),
    ("slack", slack_checks),
    ("line", line_checks),
    ("smtp", smtp_check),
)


async def _bounded(name: str, check: Remote, settings: Settings) -> list[Check]:
    """One platform's checks within :data:`NETWORK_TIMEOUT`; whatever goes wrong is a line."""
    try:
        return await asyncio.wait_for(check(settings), NETWORK_TIMEOUT)
    except TimeoutError:
        return [
            Check(
                "FAIL",
                name,
                f"no answer within {NETWORK_TIMEOUT:.0f} s.",
                "check the network and the API address settings.",
            )
        ]
    except Exception as error:  # an answer nobody expected: a line, not a traceback
        return [Check("FAIL", name, f"the check failed ({type(error).__name__}).")]


def _here(settings: Settings) -> list[Check]:
    """The checks of this machine; one that cannot even run (a folder it may not read) is a
    line too."""
    checks: list[Check] = []
    for name, check in (("configuration", configuration_checks), ("database", local_checks)):
        try:
            checks += check(settings)
        except Exception as error:
            checks.append(
                Check("FAIL", name, f"the check failed ({type(error).__name__}: {error}).")
            )
    return checks


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in a fixed order; the platforms are asked side by side."""
    remote = asyncio.gather(*(_bounded(name, check, settings) for name, check in REMOTE))
    local = asyncio.to_thread(_here, settings)
    here, there = await asyncio.gather(local, remote)
    return [*here, *(check for checks in there for check in checks)]


__all__ = ["Check", "exit_status", "run_checks", "serve_problems"]
