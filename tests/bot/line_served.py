"""A real ``madoguchi serve`` process serving LINE members against the fake LINE (and, when
given, staff in the fake Slack), as ``tests.bot.served`` does for Telegram.

The fake delivers each webhook request and gets the desk's 200 once the events are stored;
the turns are worked after. A member waits for the desk's answer by what only the server's
database can tell (it is another process): the event's key committed and nothing left to
send to the member, every row being marked sent only after LINE took it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.channels.line.channel import WEBHOOK_PATH
from tests.bot.served import ROOT, Served, eventually, free_port
from tests.conftest import database_url_for
from tests.fakes.line import FakeLine


@dataclass
class LineServed:
    """The serve process and the fake LINE it talks to; a desk :class:`LineMember` uses."""

    served: Served
    fake: FakeLine

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.served.query(sql)

    def scalar(self, sql: str) -> int:
        return int(self.query(sql)[0][0])

    def answered(self, user_id: str, event_id: str) -> None:
        _checked(user_id, event_id)
        eventually(
            lambda: (
                self.scalar(f"SELECT count(*) FROM processedupdate WHERE key = 'line:{event_id}'")
                == 1
                and self.scalar(
                    "SELECT count(*) FROM outboxmessage WHERE channel = 'line' "
                    f"AND chat_id = '{user_id}' AND status <> 'sent'"
                )
                == 0
            ),
            timeout=30,
        )

    def state(self, user_id: str) -> dict[str, Any]:
        _checked(user_id)
        rows = self.query(
            f"SELECT state FROM conversation WHERE channel = 'line' AND chat_id = '{user_id}'"
        )
        if not rows:
            return {}
        state = rows[0][0]
        return state if isinstance(state, dict) else dict(json.loads(state))

    def health(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.served.port}/healthz"
        with urllib.request.urlopen(url, timeout=5) as answer:
            found: dict[str, Any] = json.loads(answer.read())
            return found


def _checked(*ids: str) -> None:
    """Ids go into SQL here: only LINE's own shapes (user ids, event ids) are let through."""
    assert all(value.isalnum() for value in ids), ids


@contextmanager
def serving_line(
    fake: FakeLine,
    database: Path | str,
    *,
    deployment: Path = ROOT / "madoguchi.toml",
    log_file: Path | None = None,
    **settings: str,
) -> Iterator[LineServed]:
    """``madoguchi serve`` with LINE's secret and token, its API at the fake, the fake's
    webhook at the server; no Telegram. Its logs (stderr) go to ``log_file`` if given."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "SLACK_", "LINE_"))
    }
    env |= {
        "DATABASE_URL": database_url_for(database),
        "MADOGUCHI_DEPLOYMENT": str(deployment),
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        "LINE_CHANNEL_SECRET": fake.channel_secret,
        "LINE_CHANNEL_ACCESS_TOKEN": fake.access_token,
        "LINE_API_BASE_URL": fake.base_url,
        "LINE_DATA_API_BASE_URL": fake.base_url,
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log_file.open("a", encoding="utf-8") if log_file else None,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # printed once everything is wired
    assert "serving" in first, first
    fake.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    try:
        yield LineServed(Served(process, database_url_for(database), env, port), fake)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
