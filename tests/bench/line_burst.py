"""LINE burst: many LINE members file a disclosure request at once through the webhook, on
the same stored database as the Telegram burst, in the same ``make bench`` run.

A real ``madoguchi serve`` with LINE only gets signed webhook requests from the fake LINE over
``CONNECTIONS`` connections at once. A member writes their next message once the desk's answer
to the previous one has arrived (a free reply, as LINE members are answered), so the load
follows what the server can take. LINE is answered 200 once an event is stored; the turn is
worked after, so the arrival-to-commit time (the server's own ``turn.timed``, from the
webhook request's arrival) includes storing the event in the inbox and its wait there.
``LINE_SEND_RATE`` is set out of the way, as ``TELEGRAM_SEND_RATE`` is for the Telegram burst.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.burst import SCRIPT
from tests.bench.run import FULL
from tests.bot.line_served import serving_line
from tests.fakes.line import FakeLine

# The Telegram burst's disclosure request, as a LINE member makes it: adding the account
# (follow) instead of the deep link, then the co-op by its number.
TEXTS: tuple[str, ...] = ("2", *(text for _command, text in SCRIPT[1:]))  # 2: コープデリ
EVENTS = 1 + len(TEXTS)  # the follow, then the texts
CONNECTIONS = 40  # webhook requests LINE has open at once (as the Telegram burst's 40)
MEMBERS = 2_000 if FULL else 50
AT_ONCE = 400 if FULL else 50
WARM_UP = 2
SEND_RATE = "10000"


@dataclass(frozen=True)
class LineRun:
    """One LINE burst against one server process."""

    updates: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_ms: float  # per event, user + system

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


@dataclass
class _Member:
    user_id: str
    written: int = 0  # events sent so far
    answers: int = 0  # reply or push calls LINE accepted for them


@dataclass
class LineMembers:
    """Members who each write once the answer to their previous message arrived, ``at_once``
    of them at a time; webhook requests go over ``CONNECTIONS`` threads, and one thread reads
    the fake's record of the desk's calls."""

    fake: FakeLine
    users: list[str]
    at_once: int
    alive: Callable[[], bool] = lambda: True
    event_ids: list[str] = field(default_factory=list)

    def run(self, timeout: float) -> float:
        """Every member's request, sent; seconds from the first event to the last answer."""
        waiting = list(reversed(self.users))
        active: dict[str, _Member] = {}
        sent: list[Future[None]] = []
        seen = len(self.fake.calls)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as connections:

            def start_next() -> None:
                member = _Member(waiting.pop())
                active[member.user_id] = member
                write(member)

            def write(member: _Member) -> None:
                sent.append(connections.submit(self._send, member.user_id, member.written))
                member.written += 1

            for _ in range(min(self.at_once, len(waiting))):
                start_next()
            while active:
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"{len(active)} members still busy\n{self.fake.summary(5)}")
                if not self.alive():
                    raise RuntimeError(f"the server stopped\n{self.fake.summary(5)}")
                for done in [f for f in sent if f.done()]:
                    done.result()  # a webhook answered other than 200 fails the run
                    sent.remove(done)
                try:
                    self.fake.wait_for(lambda api, n=seen: len(api.calls) > n, timeout=5)
                except AssertionError:
                    continue  # nothing for five seconds: is the server alive?
                calls = self.fake.calls[seen:]
                seen += len(calls)
                for call in calls:
                    if call.endpoint not in ("reply", "push") or call.status != 200:
                        continue
                    member = active.get(self.fake.recipient(call) or "")
                    if member is None:
                        continue
                    member.answers += 1
                    if member.answers < member.written:
                        continue
                    if member.written < EVENTS:
                        write(member)
                    else:
                        del active[member.user_id]
                        if waiting:
                            start_next()
        return time.monotonic() - started

    def _send(self, user_id: str, position: int) -> None:
        if position == 0:
            event_id = self.fake.follow(user_id)
        else:
            event_id = self.fake.send_text(user_id, TEXTS[position - 1])
        self.event_ids.append(event_id)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_turns(log: Path, event_ids: list[str]) -> list[float]:
    keys = {f"line:{event_id}" for event_id in event_ids}
    latencies = []
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            if '"turn.timed"' in line:
                event = json.loads(line)
                if event.get("key") in keys:
                    latencies.append(float(event["ms"]))
    return latencies


def _check_cases(database: Path, users: list[str]) -> None:
    """Every member's request ended as a case: the script still fits the flow."""
    names = ",".join(f"'{user}'" for user in users)
    with closing(sqlite3.connect(database)) as db:
        (cases,) = db.execute(
            "SELECT count(*) FROM \"case\" WHERE request_type = 'disclosure' AND conversation_id "
            f"IN (SELECT id FROM conversation WHERE channel = 'line' AND chat_id IN ({names}))"
        ).fetchone()
    if cases != len(users):
        raise RuntimeError(f"{cases} cases for {len(users)} LINE members: the script is stale")


def one_run(database: Path, directory: Path, members: int = MEMBERS) -> LineRun:
    """A fresh server on ``database``: ``WARM_UP`` members, then ``members`` timed ones."""
    log = directory / "serve-line.log"
    with (
        FakeLine() as fake,
        serving_line(
            fake, database, log_file=log, MADOGUCHI_LOG_LEVEL="INFO", LINE_SEND_RATE=SEND_RATE
        ) as desk,
    ):
        process = desk.served.process

        def alive() -> bool:
            return process.poll() is None

        LineMembers(fake, [fake.new_member() for _ in range(WARM_UP)], WARM_UP, alive).run(60)
        users = [fake.new_member() for _ in range(members)]
        timed = LineMembers(fake, users, AT_ONCE, alive)
        cpu = _cpu_seconds(process.pid)
        seconds = timed.run(timeout=120 + members * EVENTS / 10)
        server_cpu = _cpu_seconds(process.pid) - cpu
    _check_cases(database, users)
    updates = members * EVENTS
    latencies = _timed_turns(log, timed.event_ids)
    if len(latencies) != updates:
        raise RuntimeError(f"{updates} events but {len(latencies)} turn.timed lines in {log}")
    return LineRun(updates, seconds, latencies, server_cpu / updates * 1000)
