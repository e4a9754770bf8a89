"""Wiring: one place that builds the database, engine and services from settings."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from bot import channels
from bot.config import (
    ConfigurationError,
    Deployment,
    Settings,
    load_deployment,
    load_settings,
)
from flows.engine import Engine
from flows.profiles import OrgProfile
from flows.safe_text import TextLimit
from storage import crypto
from storage.answers import AnswerSettings
from storage.audit import AuditLog
from storage.cases import CaseService
from storage.db import Database, DatabaseUnavailable, open_database
from storage.retention import Purger
from storage.turns import Clock, TurnStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_keyring(settings: Settings, db: Database) -> crypto.Keyring | None:
    """The keyring of MADOGUCHI_DATA_KEYS, installed for every encrypted column.

    Column types cannot see their engine, so the keyring is process-wide; with encryption off
    none is installed, so a second App in the same process never inherits another's keys.
    """
    crypto.install(None)
    secret = settings.data_keys.get_secret_value() if settings.data_keys else None
    keys = crypto.parse_master_keys(secret)
    keyring = crypto.Keyring(keys, db) if keys else None
    crypto.install(keyring)
    return keyring


# Libraries that log request bodies (message text, names) at DEBUG or INFO: they never log
# below WARNING, whatever level madoguchi's own events are set to.
CHATTY_LIBRARIES = (
    "telegram",
    "linebot",  # logs every response body at DEBUG (a member's file, among others)
    "httpx",
    "httpcore",
    "slack_sdk",
    "slack_bolt",
    "aiohttp",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "asyncio",
)


# Platform clients whose own log lines may carry what the platform sent: python-telegram-bot
# logs a whole unreadable response ("Can not load invalid JSON data: ...") with a traceback,
# which can hold a member's message. Their lines keep the words, never the data or traceback.
PAYLOAD_LOGGERS = ("telegram", "linebot", "slack_sdk", "slack_bolt", "httpx", "httpcore")
# Servers whose words are the server's own but whose tracebacks are not: uvicorn logs an
# application's error with its whole traceback, SQL and values included.
TRACEBACK_LOGGERS = ("uvicorn",)


class WithoutPayload(logging.Filter):
    """A platform client's line as its fixed wording only: no arguments, no traceback; an
    error's kind and where in madoguchi it was raised are kept (see :func:`error_kind`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.split(".", 1)[0]
        if library in PAYLOAD_LOGGERS and (record.args or record.exc_info):
            said = f"{_error_said(record)}; details left out"
            record.msg = f"{record.name}: {record.msg} ({record.levelname.lower()}{said})"
            record.args = None
        elif library in TRACEBACK_LOGGERS and record.exc_info:
            said = f"{_error_said(record)}; traceback left out"
            record.msg = f"{record.msg} ({record.levelname.lower()}{said})"
        else:
            return True  # madoguchi's own lines and the rest: as they are
        record.exc_info = None
        record.exc_text = None
        return True


def _error_said(record: logging.LogRecord) -> str:
    """``, error OperationalError, where storage/x.py:12`` for a record with an error."""
    kind = error_kind(None, "", {"exc_info": record.exc_info}) if record.exc_info else {}
    return "".join(f", {key} {value}" for key, value in kind.items())


def error_kind(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """An event's ``exc_info`` as the error's kind and the last madoguchi line it passed
    (``error``, ``where``): what someone reading the journal needs to know where to look,
    without the message or traceback, which may carry a member's words or SQL values."""
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    error, trace = exc_info[1], exc_info[2]
    if error is None:
        return event
    event.setdefault("error", type(error).__name__)
    if error.__cause__ is not None:
        event.setdefault("cause", type(error.__cause__).__name__)
    ours = [
        frame
        for frame in traceback.extract_tb(trace)
        if OUR_PACKAGES.intersection(Path(frame.filename).parts[-4:-1])
    ]
    if ours:
        tail = Path(ours[-1].filename).parts[-4:]
        first = next(i for i, part in enumerate(tail) if part in OUR_PACKAGES)
        event.setdefault("where", f"{'/'.join(tail[first:])}:{ours[-1].lineno}")
    return event


OUR_PACKAGES = frozenset({"bot", "flows", "storage"})


def configure_logging(level: str) -> None:
    """Structured logs on stderr; events carry ids, never names, phones or message text."""
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, WithoutPayload) for f in handler.filters):
            handler.addFilter(WithoutPayload())
    quiet = max(logging.WARNING, logging.getLevelName(level.upper()))
    for library in CHATTY_LIBRARIES:
        logging.getLogger(library).setLevel(quiet)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            error_kind,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


@dataclass
class App:
    """The services every channel and command shares."""

    db: Database
    orgs: Mapping[str, OrgProfile]
    engine: Engine
    turns: TurnStore
    cases: CaseService
    audit: AuditLog
    clock: Clock
    deployment: Deployment
    keyring: crypto.Keyring | None = None  # None: personal data is stored in clear

    @classmethod
    def build(
        cls,
        settings: Settings | None = None,
        clock: Clock = utc_now,
        *,
        one_message_per_turn: frozenset[str] | None = None,
        text_limits: Mapping[str, TextLimit] | None = None,
    ) -> App:
        """The shared services. ``text_limits`` say how much text one message may carry per
        channel (longer text is queued in parts), and ``one_message_per_turn`` which channels
        get a turn's replies joined up; both by default from every member channel's own
        limits (``bot.channels.LIMITS``)."""
        settings = settings or load_settings()
        # A wrong [retention] stops start-up, not the 3 a.m. run.
        deployment, orgs = load_deployment(settings)
        org_queues = deployment.queues_by_org(orgs)
        try:
            db = open_database(settings.database_url)
        except DatabaseUnavailable as error:
            raise ConfigurationError(f"DATABASE_URL: {error}") from None
        keyring = open_keyring(settings, db)
        engine = Engine(orgs)
        if text_limits is None:
            text_limits = channels.text_limits()
        if one_message_per_turn is None:
            one_message_per_turn = channels.one_message_per_turn()
        return cls(
            db=db,
            orgs=orgs,
            engine=engine,
            turns=TurnStore(
                db,
                engine,
                clock,
                one_message_per_turn=one_message_per_turn,
                text_limits=text_limits,
            ),
            cases=CaseService(
                db,
                clock,
                {queue for queues in org_queues.values() for queue in queues},
                extension_days={i: o.deadlines.extension_max_days for i, o in orgs.items()},
                office_days={i: o.office_days for i, o in orgs.items()},
                text_limits=text_limits,
                org_queues=org_queues,
                queue_names={
                    q: name for queues in org_queues.values() for q, name in queues.items()
                },
                answer_settings=AnswerSettings(
                    link_base_url=settings.answer_link_base_url,
                    rules={i: o.answers for i, o in orgs.items()},
                    org_names={i: o.name.get("ja") for i, o in orgs.items()},
                ),
            ),
            audit=AuditLog(db, clock),
            clock=clock,
            deployment=deployment,
            keyring=keyring,
        )

    def purger(self) -> Purger:
        """Retention for every known org: cases of an org no longer served expire too."""
        return Purger(self.db, self.deployment.retention_periods(), self.audit)
