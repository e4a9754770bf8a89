"""Crash: SIGKILL a real ``madoguchi serve`` (SQLite, webhook mode) at random moments while
members file requests, restart it, and count what was lost or doubled.

Why SIGKILL: it is the crash nothing can clean up after (power cut, OOM killer). The promise
under test is the README's: an update answered 2xx was committed, an update not answered is
sent again by Telegram (the fake redelivers it) and counts once, and an outgoing message is
sent at least once (a crash between Telegram accepting it and the row being marked sent
repeats it, which is reported, not hidden).
"""

from __future__ import annotations

import itertools
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench.common import (
    Crowd,
    accepted_updates,
    cases_per_chat,
    compare,
    processed_updates,
    received_messages,
    scalar,
    served,
    stored_messages,
    wait_until,
)
from tests.bench.run import FULL, Figure
from tests.fakes.telegram_api import FakeBotApi

KILLS = 20 if FULL else 3
RUNS = 3 if FULL else 1
ARRIVALS_PER_SECOND = 3.0  # new members a second while the server is being killed
LIFETIME = (0.3, 2.5)  # seconds a server runs before it is killed, uniformly at random
FIRST_CHAT = 1000


@dataclass(frozen=True)
class _Run:
    kills: int
    members: int
    updates: int
    redelivered: int
    lost_updates: int
    without_case: int
    doubled_cases: int
    doubled_turns: int
    messages: int
    messages_lost: int
    sent_twice: int
    out_of_order: int
    restart_seconds: float
    seconds: float


def _one_run(seed: int, directory: Path) -> _Run:
    rng = random.Random(seed)
    database, logs = directory / "crash.sqlite3", directory / "serve.log"
    started = time.monotonic()
    with FakeBotApi(webhook_connections=8) as fake:
        crowd = Crowd(fake, think=(0.2, 1.0), seed=seed)
        closed = threading.Event()  # no new members once every kill is done
        failure: list[BaseException] = []

        def drive() -> None:
            try:
                crowd.run(
                    lambda: closed.is_set() and crowd.busy == 0,
                    timeout=KILLS * 15 + 180,
                    arrivals=itertools.count(FIRST_CHAT),
                    per_second=ARRIVALS_PER_SECOND,
                    open_while=lambda: not closed.is_set(),
                )
            except BaseException as error:
                failure.append(error)

        driver = threading.Thread(target=drive, daemon=True)
        restarts: list[float] = []
        kills = 0
        driver.start()
        for _ in range(KILLS):
            begun = time.monotonic()
            with served(fake, database, logs) as process:
                restarts.append(time.monotonic() - begun)
                time.sleep(rng.uniform(*LIFETIME))
                process.process.kill()  # no shutdown: whatever was in flight is cut off
                process.process.wait(timeout=10)
                kills += 1
        closed.set()
        with served(fake, database, logs) as process:
            driver.join()
            if failure:
                raise failure[0]
            wait_until(lambda: not fake.pending_update_ids(), 60, "every update accepted")
            wait_until(
                lambda: (
                    scalar(process, "SELECT count(*) FROM outboxmessage WHERE status <> 'sent'")
                    == 0
                ),
                120,
                "every outgoing message sent",
            )
            accepted = accepted_updates(fake)
            failed = {update for update, status in fake.webhook_deliveries if status == 0}
            redelivered = len(failed & accepted)
            processed = processed_updates(process)
            cases = cases_per_chat(process)
            member_lines = scalar(
                process, "SELECT count(*) FROM transcriptline WHERE direction = 'member'"
            )
            delivery = compare(stored_messages(process), received_messages(fake))
    members = [str(chat) for chat in crowd.members]
    return _Run(
        kills=kills,
        members=len(members),
        updates=crowd.lines_written,
        redelivered=redelivered,
        lost_updates=len(accepted - processed),
        without_case=sum(1 for chat in members if cases.get(chat, 0) == 0),
        doubled_cases=sum(n - 1 for n in cases.values() if n > 1),
        doubled_turns=max(0, member_lines - len(processed)),
        messages=delivery.stored,
        messages_lost=delivery.lost,
        sent_twice=delivery.twice,
        out_of_order=delivery.out_of_order,
        restart_seconds=statistics.median(restarts) if restarts else 0.0,
        seconds=time.monotonic() - started,
    )


def bench_crash() -> list[Figure]:
    """``KILLS`` kills per run; the violation counts are the worst run's."""
    runs = []
    for seed in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="madoguchi-crash-") as directory:
            runs.append(_one_run(seed, Path(directory)))

    def worst(name: str) -> float:
        return float(max(getattr(run, name) for run in runs))

    def middle(name: str) -> float:
        return float(statistics.median(getattr(run, name) for run in runs))

    lost, without, doubled = worst("lost_updates"), worst("without_case"), worst("doubled_cases")
    turns, messages_lost, disorder = (
        worst("doubled_turns"),
        worst("messages_lost"),
        worst("out_of_order"),
    )
    how = (
        f"each kill {LIFETIME[0]:g}–{LIFETIME[1]:g} s (uniformly at random) after the server "
        f"began serving; new members arrive at {ARRIVALS_PER_SECOND:g}/s until the last kill"
    )
    scaled = "" if FULL else f"; quick mode: {KILLS} kills instead of 20, one run instead of 3"
    return [
        Figure("crash_kills", middle("kills"), "SIGKILLs per run", note=how + scaled),
        Figure("crash_members", middle("members"), "members who filed a request"),
        Figure("crash_updates", middle("updates"), "member messages sent"),
        Figure(
            "crash_redelivered",
            middle("redelivered"),
            "updates delivered again after a delivery failed (server down or killed mid-call)",
        ),
        Figure(
            "crash_lost_updates",
            lost,
            "accepted (2xx) updates with no stored effect, worst run",
            "0",
            lost == 0,
        ),
        Figure(
            "crash_members_without_case",
            without,
            "members with no case, worst run",
            "0",
            without == 0,
        ),
        Figure("crash_doubled_cases", doubled, "extra cases, worst run", "0", doubled == 0),
        Figure(
            "crash_doubled_turns",
            turns,
            "member messages applied twice, worst run",
            "0",
            turns == 0,
        ),
        Figure(
            "crash_messages_lost",
            messages_lost,
            "outgoing messages never received, worst run",
            "0",
            messages_lost == 0,
        ),
        Figure(
            "crash_chats_out_of_order",
            disorder,
            "chats whose messages arrived out of order, worst run",
            "0",
            disorder == 0,
        ),
        Figure(
            "crash_sent_twice",
            middle("sent_twice"),
            f"outgoing messages sent twice after the kills (of {middle('messages'):,.0f}; "
            "at-least-once)",
            note="a message is repeated when the process dies after Telegram accepted it and "
            "before its row was marked sent; members see it twice, nothing is lost",
        ),
        Figure("crash_restart_seconds", middle("restart_seconds"), "s from start to serving"),
        Figure("crash_run_seconds", middle("seconds"), "s per run"),
    ]
