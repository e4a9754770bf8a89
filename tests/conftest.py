"""Shared fixtures: a whole desk on a real database (SQLite, and PostgreSQL when a server is
given), and members who talk to it."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from hypothesis import settings

from bot.app import App
from bot.channels import ChannelLimits, terminal_limits
from bot.config import Settings
from bot.delivery import OutboxWorker
from flows.messages import Inbound, ReceivedFile
from storage.models import OutboxMessage
from tests import databases, transcripts

# Property tests draw the same examples on every run, so main stays green on a clean clone and
# a failure found once is found again; HYPOTHESIS_EXPLORE=1 draws new ones (try it after a
# change to a parser, and add what it finds as an explicit example).
# No deadline: a slow example on a busy machine is not a failure (speed is for `make bench`).
settings.register_profile("repeatable", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("explore", print_blob=True, deadline=None)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") else "repeatable")

# 2026-11-22 10:00 JST
START = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
_keys = itertools.count()


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Inbox:
    """A member channel (the terminal's limits) that keeps what the delivery engine sends."""

    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []

    @property
    def limits(self) -> ChannelLimits:
        return terminal_limits.LIMITS

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        self.messages.extend(messages)


@dataclass
class Member:
    """A member talking to the desk over the terminal channel."""

    desk: Desk
    chat_id: str
    received: list[OutboxMessage] = field(default_factory=list)

    def _send(self, **kwargs: str | ReceivedFile | None) -> str:
        self.desk.app.turns.process(
            Inbound(
                channel="terminal",
                chat_id=self.chat_id,
                idempotency_key=f"k{next(_keys)}",
                **kwargs,
            )  # type: ignore[arg-type]
        )
        return self.read()

    def read(self) -> str:
        """Everything delivered since the last read, as one text with choices as lines."""
        before = len(self.desk.inbox.messages)
        self.desk.deliver(self.chat_id)
        new = self.desk.inbox.messages[before:]
        self.received += new
        return "\n".join(
            m.text + "".join(f"\n  {i}. {label}" for i, (_id, label) in enumerate(m.choices, 1))
            for m in new
        )

    def start(self, org: str | None = None, lang: str | None = None) -> str:
        return self._send(command="start", argument=org, lang=lang)

    def says(self, text: str) -> str:
        return self._send(text=text)

    def presses(self, choice: str) -> str:
        return self._send(choice=choice)

    def sends_file(
        self,
        data: bytes | None,
        *,
        kind: str = "document",
        name: str | None = None,
        caption: str | None = None,
        problem: str | None = None,
    ) -> str:
        """A file as a channel hands it over (already downloaded unless ``problem`` says)."""
        size = len(data) if data is not None else None
        file = ReceivedFile(kind, name, size, data, caption, problem)
        return self._send(attachment=file)

    def transcript(self, script: str) -> str:
        """Play a dialogue written as 会員:/窓口: lines; each 窓口 line must appear in the reply."""
        return transcripts.play(script, self.says)


@dataclass
class Desk:
    app: App
    clock: Clock
    inbox: Inbox
    db_url: str

    def deliver(self, chat_id: str | None = None) -> None:
        """Send what is due now (to ``chat_id``, else to every terminal chat) through the one
        delivery engine, into the inbox."""
        worker = OutboxWorker(self.app.db, self.inbox, self.app.clock, only_chat=chat_id)
        asyncio.run(worker.drain_all())

    @property
    def db_path(self) -> Path:
        """The SQLite file (only for tests that are about the file itself)."""
        assert self.db_url.startswith("sqlite:///"), "this test needs SQLite"
        return Path(self.db_url.removeprefix("sqlite:///"))

    def member(
        self, chat_id: str = "alice", org: str | None = None, lang: str | None = None
    ) -> Member:
        member = Member(self, chat_id)
        member.start(org, lang)
        return member


def database_url_for(database: Path | str) -> str:
    """A SQLite file's URL, or the URL given."""
    return database if isinstance(database, str) else f"sqlite:///{database}"


def build_desk(
    database: Path | str, clock: Clock, deployment: Path | None = None, **settings: str
) -> Desk:
    url = database_url_for(database)
    app_settings = Settings(
        DATABASE_URL=url,
        MADOGUCHI_DEPLOYMENT=deployment or Path(__file__).parent.parent / "madoguchi.toml",
        **settings,
    )
    app = App.build(app_settings, clock=clock)
    inbox = Inbox()
    return Desk(app, clock, inbox, url)


def let_org_serve(app: App, org: str, queue: str) -> None:
    """A deployment where ``org`` has a second queue (its profile names one): transfers
    between an org's own queues can then be tried. Cases never move to another org's."""
    owned = app.cases.org_queues or {}
    app.cases.org_queues = {**owned, org: frozenset({*owned.get(org, ()), queue})}


@pytest.fixture
def clock() -> Clock:
    return Clock()


DATABASES = ["sqlite", "postgresql"]


@contextmanager
def database_for(kind: str, directory: Path) -> Iterator[str]:
    """An empty database at the newest schema, as a URL: a SQLite file in ``directory``, or a
    PostgreSQL database (the test is skipped, with how to run it, if there is no server)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'desk.sqlite3'}"
        return
    problem = databases.postgres_problem()
    if problem:
        pytest.skip(problem)
    url = databases.new_postgres_database()
    try:
        yield url
    finally:
        databases.drop_postgres_database(url)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The test's own empty database: a SQLite file, then the same test on PostgreSQL."""
    with database_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests about the SQLite file itself (triggers, bytes on disk)."""
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    problem = databases.postgres_problem()
    if problem:
        terminalreporter.write_line(problem, yellow=True)


def pytest_sessionfinish() -> None:
    if not databases.postgres_problem():
        databases.drop_template()


@pytest.fixture
def desk(database_url: str, clock: Clock) -> Iterator[Desk]:
    desk = build_desk(database_url, clock)
    yield desk
    desk.app.db.close()


@pytest.fixture(autouse=True)
def _structlog_as_it_was() -> Iterator[None]:
    """A command run in-process (typer's CliRunner) configures structlog for its own stderr
    and level; the next test in this worker must not log into that closed stream or at it."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
