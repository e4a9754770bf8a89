"""Fixtures for channel tests: the fake Bot API and the fake Slack Web API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner, Result

from bot.cli import cli
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


Invoke = Callable[..., Result]


@contextmanager
def madoguchi_command(db_url: str, *command: str, staff: str = "chief") -> Iterator[Invoke]:
    """Run ``madoguchi <command> …`` in-process against a database, as staff member ``staff``
    (the supervisor "chief" unless told)."""
    env = {
        "DATABASE_URL": db_url,
        "MADOGUCHI_DEPLOYMENT": str(Path(__file__).resolve().parents[2] / "madoguchi.toml"),
        "MADOGUCHI_STAFF": staff,
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }
    logging_before = structlog.get_config()  # the command configures logging for itself

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [*command, *args], env=env)

    try:
        yield invoke
    finally:
        structlog.configure(**logging_before)
