"""Wiring: one place that builds the database, engine and services from settings."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from bot.config import Deployment, Settings
from bot.dispatch import Dispatcher, Sender
from flows.engine import Engine
from flows.profiles import OrgProfile
from storage.audit import AuditLog
from storage.cases import CaseService
from storage.db import Database
from storage.turns import Clock, TurnStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def configure_logging(level: str) -> None:
    """Structured logs on stderr; events carry ids, never names, phones or message text."""
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
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

    @classmethod
    def build(
        cls,
        settings: Settings | None = None,
        clock: Clock = utc_now,
        *,
        one_message_per_turn: frozenset[str] = frozenset(),
    ) -> App:
        settings = settings or Settings()
        deployment = Deployment.load(settings.deployment_file)
        orgs = deployment.profiles()
        db = Database(settings.database_url)
        engine = Engine(orgs)
        return cls(
            db=db,
            orgs=orgs,
            engine=engine,
            turns=TurnStore(db, engine, clock, one_message_per_turn=one_message_per_turn),
            cases=CaseService(db, clock, {org.queue.id for org in orgs.values()}),
            audit=AuditLog(db, clock),
            clock=clock,
            deployment=deployment,
        )

    def dispatcher(self, senders: Mapping[str, Sender]) -> Dispatcher:
        return Dispatcher(self.db, senders, self.clock)
