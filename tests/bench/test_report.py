"""The bench's own arithmetic, checked without running a scenario: the profile's shares and
the calibration flag, which the report's notes are computed from."""

from __future__ import annotations

import os
import time

import pytest

from tests.bench.run import calibration_line
from tests.bench.scale_out import _cpu_seconds, database_cpu
from tests.bench.where import OUTSIDE, package, summarize

WORKER = "_worker (concurrent/futures/thread.py:83);TurnStore._process (storage/turns.py:278)"
LOOP = "serve (bot/cli.py:170);run (bot/event_loop.py:22);run (asyncio/runners.py:190)"
RAW = "\n".join(
    [
        f"{WORKER};Session.flush (sqlalchemy/orm/session.py:4331) 6",
        f"{WORKER};Engine.turn (flows/engine.py:134) 2",
        f"{LOOP};TelegramChannel.webhook (bot/channels/telegram.py:99);"
        "Update.de_json (telegram/_update.py:600) 1",
        f"{LOOP};_run (asyncio/events.py:80) 1",
    ]
)


def test_package_names_what_py_spy_prints() -> None:
    assert package("sqlalchemy/orm/session.py") == "sqlalchemy"
    assert package("storage/turns.py") == "storage/turns"
    assert package("asyncio/runners.py") == "asyncio (stdlib)"
    assert package("<sqlalchemy-generated>") == "sqlalchemy"


def test_summarize_counts_each_sample_once_per_list() -> None:
    profile = summarize(RAW)
    assert profile.samples == 10
    assert dict(profile.by_package) == {
        "sqlalchemy": 0.6,
        "flows/engine": 0.2,
        "telegram": 0.1,
        "asyncio (stdlib)": 0.1,
    }
    # The innermost madoguchi function takes the library code it called.
    assert dict(profile.own_functions) == {
        "TurnStore._process (storage/turns.py)": 0.6,
        "Engine.turn (flows/engine.py)": 0.2,
        "TelegramChannel.webhook (bot/channels/telegram.py)": 0.1,
        OUTSIDE: 0.1,
    }
    assert sum(share for _, share in profile.own_functions) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("start", "end", "flagged"),
    [(100.0, 119.0, False), (100.0, 121.0, True), (100.0, 79.0, True), (100.0, 81.0, False)],
)
def test_calibration_is_flagged_past_twenty_percent(
    start: float, end: float, flagged: bool
) -> None:
    assert ("Flagged" in calibration_line(start, end)) is flagged


def test_database_cpu_counts_the_children_of_a_parent() -> None:
    """A process and its children: what the PostgreSQL reading does for the postmaster."""
    child = os.fork()
    if child == 0:  # burn a little CPU, then wait to be killed
        deadline = _cpu_seconds(os.getpid()) + 0.2
        while _cpu_seconds(os.getpid()) < deadline:
            pass
        while True:
            time.sleep(1)
    try:
        while _cpu_seconds(child) < 0.2:
            pass
        assert database_cpu(os.getpid()) >= _cpu_seconds(os.getpid()) + 0.2
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
