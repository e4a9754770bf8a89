"""What the crash, delivery and scale-out scenarios share: members who talk to a real
``madoguchi serve`` through the fake Bot API, and the counts made from what the fake recorded.

The fake records every call with its arrival time, so latencies and rates are measured where
Telegram would see them, not where madoguchi thinks it sent them.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.bot.served import Served, serving
from tests.fakes.telegram_api import Call, FakeBotApi
from tests.flows.answers import COMPLAINT

# What a member sends to file a complaint, the shortest way to a case: (command, text).
REQUEST: tuple[tuple[str | None, str], ...] = (
    ("start", "coopdeli"),
    *((None, line) for line in COMPLAINT),
)


@dataclass
class _Member:
    chat: int
    lines: Sequence[tuple[str | None, str]]
    sent: int = 0  # lines written so far
    answers: int = 0  # bot messages received so far
    written_at: float = 0.0  # when the line waiting for its answer was written
    due: float = 0.0  # when to write the next line (after reading and thinking)


@dataclass(frozen=True)
class Answer:
    """A member's line and the bot's answer to it, timed by the fake."""

    chat: int
    written: float
    answered: float

    @property
    def seconds(self) -> float:
        return self.answered - self.written


@dataclass
class Crowd:
    """Members who each write a line, wait for the bot's answer, think, and write the next.

    A member writes only after the answer arrived, as a person does, so the load follows what
    the server can take. One thread drives them all from the fake's recorded calls (no thread
    per member), and ``answers`` times each answer by the fake's own clock.
    """

    fake: FakeBotApi
    think: tuple[float, float] = (0.5, 1.5)
    seed: int = 0
    answers: list[Answer] = field(default_factory=list)
    members: dict[int, _Member] = field(default_factory=dict)
    writing: bool = True  # False: members only wait for answers to what they wrote
    _seen: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def join(self, chat: int, lines: Sequence[tuple[str | None, str]] = REQUEST) -> None:
        """A member starts writing now."""
        self.members[chat] = _Member(chat, lines, due=time.monotonic())

    @property
    def busy(self) -> int:
        """Members who have not yet had the answer to the last line of their script."""
        return sum(1 for m in self.members.values() if m.answers < len(m.lines))

    @property
    def awaiting(self) -> int:
        """Members waiting for the answer to the line they wrote last."""
        return sum(1 for m in self.members.values() if m.answers < m.sent)

    @property
    def lines_written(self) -> int:
        return sum(m.sent for m in self.members.values())

    def step(self) -> None:
        """Read what the bot sent since the last step, then let due members write."""
        calls = self.fake.calls[self._seen :]
        self._seen += len(calls)
        now = time.monotonic()
        for call in calls:
            if call.method != "sendMessage" or call.status != 200:
                continue
            member = self.members.get(call.params.get("chat_id", 0))
            if member is None:
                continue
            member.answers += 1
            if member.answers == member.sent:  # the answer to the line just written
                self.answers.append(Answer(member.chat, member.written_at, call.at))
                member.due = now + self._random.uniform(*self.think)
        for member in self.members.values() if self.writing else ():
            ready = member.sent < len(member.lines) and member.answers >= member.sent
            if ready and member.due <= now:
                self._write(member)

    def _write(self, member: _Member) -> None:
        command, text = member.lines[member.sent]
        member.written_at = time.monotonic()
        member.sent += 1
        if command is not None:
            self.fake.send_command(member.chat, command, text)
        else:
            self.fake.send_text(member.chat, text)

    def run(
        self,
        until: Callable[[], bool],
        *,
        timeout: float,
        arrivals: Iterator[int] | None = None,
        per_second: float = 0.0,
        open_while: Callable[[], bool] = lambda: True,
    ) -> None:
        """Step every 10 ms until ``until()``; new members from ``arrivals`` join at
        ``per_second`` while ``open_while()``. Raises if ``timeout`` seconds pass first."""
        started = time.monotonic()
        joined = 0
        while not until():
            now = time.monotonic()
            if now - started > timeout:
                raise TimeoutError(
                    f"members still waiting after {timeout:.0f}s: {self.busy} of "
                    f"{len(self.members)}\n{self.fake.summary(10)}"
                )
            if arrivals is not None and per_second and open_while():
                while joined < (now - started) * per_second:
                    self.join(next(arrivals))
                    joined += 1
            self.step()
            time.sleep(0.01)


# ---------------------------------------------------------------- serving


@contextmanager
def served(fake: FakeBotApi, database: Path | str, logs: Path, **settings: str) -> Iterator[Served]:
    """A ``madoguchi serve`` in webhook mode whose logs go to a file, not the report."""
    environment: dict[str, Any] = dict(settings)  # environment variables, not ``deployment``
    with serving(fake, database, webhook=True, log_file=logs, **environment) as process:
        yield process


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Re-check every 50 ms (the server is another process: nothing to await)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:.0f}s: {what}")
        time.sleep(0.05)


def scalar(process: Served, sql: str) -> int:
    return int(process.query(sql)[0][0])


def accepted_updates(fake: FakeBotApi) -> set[int]:
    """Updates the webhook answered with a 2xx: Telegram will never send them again."""
    return {update for update, status in list(fake.webhook_deliveries) if 200 <= status < 300}


def processed_updates(process: Served) -> set[int]:
    rows = process.query("SELECT key FROM processedupdate WHERE key LIKE 'telegram:%'")
    return {int(key.removeprefix("telegram:")) for (key,) in rows}


def cases_per_chat(process: Served) -> dict[str, int]:
    rows = process.query(
        'SELECT v.chat_id, count(*) FROM "case" c JOIN conversation v '
        "ON v.id = c.conversation_id GROUP BY v.chat_id"
    )
    return {str(chat): int(n) for chat, n in rows}


def stored_messages(process: Served, after: int = 0) -> dict[str, list[str]]:
    """Each chat's outgoing messages in outbox order (what it should receive), from row
    ``after`` on."""
    rows = process.query(
        f"SELECT chat_id, text FROM outboxmessage WHERE id > {int(after)} ORDER BY id"
    )
    stored: dict[str, list[str]] = defaultdict(list)
    for chat, text in rows:
        stored[str(chat)].append(str(text))
    return stored


def received_messages(fake: FakeBotApi) -> dict[str, list[str]]:
    """Each chat's messages as the fake accepted them, in arrival order."""
    received: dict[str, list[str]] = defaultdict(list)
    for call in successful_sends(fake):
        received[str(call.params["chat_id"])].append(str(call.params["text"]))
    return received


def successful_sends(fake: FakeBotApi) -> list[Call]:
    return [c for c in list(fake.calls) if c.method == "sendMessage" and c.status == 200]


@dataclass(frozen=True)
class Delivery:
    """What was stored to be sent against what arrived, over all chats."""

    stored: int
    lost: int  # stored, never received
    twice: int  # received more often than stored
    out_of_order: int  # chats whose first arrivals are not the stored order


def compare(stored: dict[str, list[str]], received: dict[str, list[str]]) -> Delivery:
    lost = twice = out_of_order = 0
    for chat in set(stored) | set(received):
        want, got = stored.get(chat, []), received.get(chat, [])
        want_counts, got_counts = Counter(want), Counter(got)
        lost += sum((want_counts - got_counts).values())
        twice += sum((got_counts - want_counts).values())
        if _first_arrivals(got) != want:
            out_of_order += 1
    return Delivery(sum(len(texts) for texts in stored.values()), lost, twice, out_of_order)


def _first_arrivals(texts: Iterable[str]) -> list[str]:
    """The messages with each repeat of the message just before removed: a resend after a
    crash comes straight after the original, before anything newer in that chat."""
    kept: list[str] = []
    for text in texts:
        if not kept or kept[-1] != text:
            kept.append(text)
    return kept


# ---------------------------------------------------------------- figures


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at or above ``share`` of them."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


# ---------------------------------------------------------------- PostgreSQL


def postgres_server() -> tuple[str | None, str]:
    """The PostgreSQL server to run on (MADOGUCHI_BENCH_POSTGRES, else MADOGUCHI_TEST_POSTGRES)
    and, if there is none, why."""
    url = os.environ.get("MADOGUCHI_BENCH_POSTGRES") or os.environ.get(
        "MADOGUCHI_TEST_POSTGRES", ""
    )
    if not url:
        return None, "no server in MADOGUCHI_BENCH_POSTGRES or MADOGUCHI_TEST_POSTGRES"
    try:
        with _admin(url).connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        return None, f"PostgreSQL not reachable: {str(error.orig).strip().splitlines()[0]}"
    return url, ""


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


@contextmanager
def fresh_postgres_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database on ``server`` for one run, dropped afterwards; yields its URL."""
    database = f"{name}_{os.getpid()}"
    admin = _admin(server)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {database}")
    try:
        yield make_url(server).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()
