"""Driving a real ``madoguchi serve`` process from tests: start it against the fakes, and a
member's phone that types, presses and waits for the bot's answer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.engine import Engine
from flows.profiles import load_profiles
from tests.conftest import database_url_for
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import MENU_NUMBER, answered_to_the_end

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-token_for-tests"
ENGINE = Engine(load_profiles())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[str]
    db_url: str
    env: dict[str, str]
    port: int

    def state(self, chat_id: int) -> dict[str, Any]:
        rows = self.query(
            f"SELECT state FROM conversation WHERE channel='telegram' AND chat_id='{int(chat_id)}'"
        )
        if not rows:
            return {}
        state = rows[0][0]
        return state if isinstance(state, dict) else dict(json.loads(state))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the server's database directly (SQL that SQLite and PostgreSQL both take)."""
        engine = sa.create_engine(self.db_url, poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    sql = sql.replace("%", "%%")  # psycopg reads % as a placeholder
                return [tuple(row) for row in connection.exec_driver_sql(sql).fetchall()]
        finally:
            engine.dispose()


@contextmanager
def serving(
    fake: FakeBotApi,
    database: Path | str,
    *,
    webhook: bool = False,
    deployment: Path = ROOT / "madoguchi.toml",
    log_file: Path | None = None,
    **settings: str,
) -> Iterator[Served]:
    """A serve process against the fake; its logs (stderr) go to ``log_file`` if given."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for(database),
        "MADOGUCHI_DEPLOYMENT": str(deployment),
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        **settings,
    }
    if webhook:
        # A given URL (a load balancer in front of several processes) is kept.
        env.setdefault("TELEGRAM_WEBHOOK_URL", f"http://127.0.0.1:{port}/telegram/webhook")
        env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
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
    if webhook:
        fake.wait_for(lambda api: api.webhook is not None)
    else:
        fake.wait_for(lambda api: api.polls_waiting > 0)
    served = Served(process, database_url_for(database), env, port)
    try:
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """For facts only the server's database can tell (it is another process, so there is no
    event to await): re-check every 50 ms until true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def run_madoguchi(
    args: list[str], env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """``madoguchi ARGS`` as another process, as staff or an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def staff_reply(served: Served, number: str, text: str) -> None:
    """What a staff member does in another terminal: ``madoguchi staff reply``."""
    done = run_madoguchi(
        ["staff", "reply", number, text], {**served.env, "MADOGUCHI_STAFF": "sato"}
    )
    assert done.returncode == 0, done.stderr


def last_message(fake: FakeBotApi, chat_id: int) -> dict[str, Any]:
    return fake.bot_messages(chat_id)[-1]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


class Member:
    """One member's phone: types or presses, then waits for the bot's one answer."""

    def __init__(self, fake: FakeBotApi, served: Served, chat_id: int) -> None:
        self.fake, self.served, self.chat_id = fake, served, chat_id

    def _await_answer(self, before: int) -> str:
        messages = self.fake.wait_for_messages(self.chat_id, before + 1, timeout=20)
        return str(messages[-1]["text"])

    def says(self, text: str) -> str:
        before = len(self.fake.sent_messages(self.chat_id))
        self.fake.send_text(self.chat_id, text)
        return self._await_answer(before)

    def command(self, command: str, argument: str | None = None) -> str:
        before = len(self.fake.sent_messages(self.chat_id))
        self.fake.send_command(self.chat_id, command, argument)
        return self._await_answer(before)

    def presses(self, label_part: str) -> str:
        before = len(self.fake.sent_messages(self.chat_id))
        options = buttons(last_message(self.fake, self.chat_id))
        if label_part.isdigit():
            data = options[int(label_part) - 1][1]
        else:
            data = next(d for text, d in options if label_part in text)
        self.fake.press(self.chat_id, data)
        return self._await_answer(before)

    def answer(self, text: str, *, with_buttons: bool) -> str:
        options = buttons(last_message(self.fake, self.chat_id))
        if with_buttons and (
            (text.isdigit() and int(text) <= len(options))
            or any(text in label for label, _ in options)
        ):
            return self.presses(text)
        return self.says(text)

    def completes(self, request_type: str, *, with_buttons: bool) -> str:
        reply = self.answer(MENU_NUMBER[request_type], with_buttons=with_buttons)
        return answered_to_the_end(
            ENGINE,
            lambda: self.served.state(self.chat_id),
            lambda text: self.answer(text, with_buttons=with_buttons),
            reply=reply,
        )


def member_with_a_case(
    fake: FakeBotApi, served: Served, chat_id: int, request_type: str
) -> tuple[Member, str]:
    """A コープデリ member who has sent ``request_type`` with the buttons, and its case number:
    where tests of what staff send back start."""
    member = Member(fake, served, chat_id)
    member.command("start", "coopdeli")
    member.completes(request_type, with_buttons=True)
    [(number,)] = served.query('SELECT number FROM "case"')
    return member, str(number)
