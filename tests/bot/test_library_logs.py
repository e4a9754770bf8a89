"""A platform client's own log lines keep their wording and lose what the platform sent: python-
telegram-bot logs a whole unreadable response (which may hold a member's message) with its
traceback; the desk's log must carry neither."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bot.served import ROOT

LOGS_A_RESPONSE = """
import logging
from bot.app import configure_logging
configure_logging("WARNING")
try:
    raise ValueError("Expecting value")
except ValueError:
    logging.getLogger("telegram.request.BaseRequest").exception(
        'Can not load invalid JSON data: "%s"', '{"text": "山田花子 090-1234-5678"'
    )
logging.getLogger("uvicorn.error").warning("Invalid HTTP request received: %s", "kept")
from bot import escaping
try:
    escaping.for_terminal(ValueError("山田花子 090-1234-5678"))  # not text: a TypeError
except TypeError:
    logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    import structlog
    structlog.get_logger("bot.outbox").exception("outbox.scan_failed")
"""


@pytest.fixture(scope="module")
def logged() -> subprocess.CompletedProcess[str]:
    """The script above, run once in a process of its own: its logging is configured anew."""
    return subprocess.run(
        [sys.executable, "-c", LOGS_A_RESPONSE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_platform_clients_log_line_keeps_its_words_but_not_the_response_or_traceback(
    logged: subprocess.CompletedProcess[str],
) -> None:
    done = logged
    assert done.returncode == 0, done.stderr
    assert "Can not load invalid JSON data" in done.stderr
    assert "山田" not in done.stderr and "090" not in done.stderr
    assert "Traceback" not in done.stderr
    assert "Invalid HTTP request received: kept" in done.stderr  # not a platform client's


def test_an_error_in_the_desks_own_lines_says_its_kind_and_where_never_its_message(
    logged: subprocess.CompletedProcess[str],
) -> None:
    done = logged
    assert done.returncode == 0, done.stderr
    uvicorn, ours = done.stderr.splitlines()[-2:]
    assert uvicorn.startswith("Exception in ASGI application (error, error TypeError, where bot/")
    assert '"error": "TypeError"' in ours and '"where": "bot/escaping.py:' in ours
    assert '"exc_info"' not in ours
    assert "山田" not in done.stderr and "Traceback" not in done.stderr
