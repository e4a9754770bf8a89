"""Scale-out: the burst on 4 ``madoguchi serve`` processes behind one round-robin webhook URL,
on one fresh PostgreSQL database, as README's "PostgreSQL and several processes" runs them.

Throughput is updates accepted per second from the moment the burst is queued. What must not
happen whatever the speed: an update applied twice or not at all, a member with two cases, a
chat that receives its messages out of order or twice. Without a reachable PostgreSQL the
scenario is reported as skipped, with the reason.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from tests.bench.common import (
    REQUEST,
    accepted_updates,
    cases_per_chat,
    fresh_postgres_database,
    postgres_server,
    processed_updates,
    received_messages,
    scalar,
    served,
    stored_messages,
    wait_until,
)
from tests.bench.run import FULL, Figure
from tests.bot.served import Served
from tests.fakes.balancer import Balancer
from tests.fakes.telegram_api import FakeBotApi

PROCESSES = 4
MEMBERS = 300 if FULL else 30
RUNS = 3 if FULL else 1
FIRST_CHAT = 5000
# Telegram delivers up to 40 updates at once by default (setWebhook's max_connections); two
# cores are saturated well before that.
CONNECTIONS = 16


@dataclass(frozen=True)
class _Run:
    updates: int
    seconds: float
    busiest_share: float  # of the updates the balancer forwarded, to the busiest process
    unprocessed: int  # accepted, but no stored key
    doubled_turns: int
    cases_wrong: int  # members without exactly one case
    chats_wrong: int  # chats whose messages differ from their outbox rows in id order
    drain_seconds: float


def _start(
    processes: ExitStack, fake: FakeBotApi, url: str, logs: Path, settings: dict[str, str]
) -> list[Served]:
    """The processes, started side by side (start-up is mostly imports: a second each); each
    one that started is stopped with ``processes``, even if another failed to."""
    starting = [served(fake, url, logs, **settings) for _ in range(PROCESSES)]
    with ThreadPoolExecutor(PROCESSES) as pool:
        futures = [pool.submit(manager.__enter__) for manager in starting]
    started: list[Served] = []
    for manager, future in zip(starting, futures, strict=True):
        if future.exception() is None:
            processes.push(manager.__exit__)
            started.append(future.result())
    for future in futures:
        if (error := future.exception()) is not None:
            raise error
    return started


def _one_run(server: str, directory: Path, seed: int) -> _Run:
    with (
        fresh_postgres_database(server, f"madoguchi_bench_scale_{seed}") as url,
        FakeBotApi(webhook_connections=CONNECTIONS) as fake,
        Balancer() as balancer,
        ExitStack() as processes,
    ):
        Database(url).close()  # the schema, once, before the processes start (db upgrade)
        settings = {
            "TELEGRAM_WEBHOOK_URL": balancer.url("/telegram/webhook"),
            "TELEGRAM_SEND_RATE": str(30 / PROCESSES),  # each its share of Telegram's 30/s
        }
        serving = _start(processes, fake, url, directory / "serve.log", settings)
        for process in serving:
            balancer.add(process.port)
        # Each process's first update pays for its connections and lazy imports: not timed.
        for chat in range(FIRST_CHAT - 2 * PROCESSES, FIRST_CHAT):
            fake.send_command(chat, "start", "coopdeli")
        wait_until(lambda: not fake.pending_update_ids(), 60, "the warm-up updates accepted")
        chats = range(FIRST_CHAT, FIRST_CHAT + MEMBERS)
        started = time.monotonic()
        with fake.atomically():  # the whole burst at once, as after a campaign mail
            for chat in chats:
                for command, text in REQUEST:
                    if command is not None:
                        fake.send_command(chat, command, text)
                    else:
                        fake.send_text(chat, text)
        total = MEMBERS * len(REQUEST) + 2 * PROCESSES
        wait_until(lambda: not fake.pending_update_ids(), 300, "every update accepted")
        seconds = time.monotonic() - started
        first = serving[0]
        pending = "SELECT count(*) FROM outboxmessage WHERE status <> 'sent'"
        wait_until(lambda: scalar(first, pending) == 0, 300, "every message sent")
        drain = time.monotonic() - started
        accepted = accepted_updates(fake)
        processed = processed_updates(first)
        cases = cases_per_chat(first)
        stored, received = stored_messages(first), received_messages(fake)
        member_lines = Counter(
            str(chat)
            for (chat,) in first.query(
                "SELECT v.chat_id FROM transcriptline t JOIN conversation v "
                "ON v.id = t.conversation_id WHERE t.direction = 'member'"
            )
        )
    handled = list(balancer.handled.values())
    return _Run(
        updates=MEMBERS * len(REQUEST),
        seconds=seconds,
        busiest_share=max(handled) / max(sum(handled), 1),
        unprocessed=len(accepted - processed) + (total - len(accepted)),
        doubled_turns=sum(max(0, n - len(REQUEST)) for n in member_lines.values()),
        cases_wrong=sum(1 for chat in chats if cases.get(str(chat), 0) != 1),
        chats_wrong=sum(1 for chat in chats if received[str(chat)] != stored[str(chat)]),
        drain_seconds=drain,
    )


def bench_scale_out() -> list[Figure]:
    """Throughput is the median run's; the violation counts are the worst run's."""
    server, problem = postgres_server()
    if server is None:
        why = f"skipped: {problem} (set MADOGUCHI_BENCH_POSTGRES to a server to run it)"
        return [
            Figure("scale_out_updates_per_second", None, "updates/s", note=why),
            Figure("scale_out_violations", None, "ordering or duplicate violations", "0"),
        ]
    runs = []
    for seed in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="madoguchi-scale-") as directory:
            runs.append(_one_run(server, Path(directory), seed))
    middle = statistics.median_low([run.updates / run.seconds for run in runs])
    unprocessed = max(run.unprocessed for run in runs)
    doubled = max(run.doubled_turns for run in runs)
    cases = max(run.cases_wrong for run in runs)
    chats = max(run.chats_wrong for run in runs)
    violations = unprocessed + doubled + cases + chats
    scaled = (
        "Four processes share this machine's two cores with PostgreSQL, the fake and the "
        "driver, so more processes add no CPU here: they show that turns and sends stay "
        "exactly once and in order when spread over processes."
    )
    if not FULL:
        scaled += (
            f" Quick mode: {MEMBERS} members instead of 300, one run instead of 3; a burst of "
            "a few seconds, so this figure swings with the machine's load."
        )
    return [
        Figure(
            "scale_out_updates_per_second",
            middle,
            f"updates/s accepted, {PROCESSES} processes on PostgreSQL, {CONNECTIONS} deliveries "
            "at once",
            note=scaled,
        ),
        Figure(
            "scale_out_updates",
            statistics.median(run.updates for run in runs),
            f"updates in the burst ({MEMBERS} members filing a request at once)",
        ),
        Figure(
            "scale_out_busiest_share",
            statistics.median(run.busiest_share for run in runs) * 100,
            "% of updates on the busiest process (round robin: 25%)",
        ),
        Figure(
            "scale_out_drain_seconds",
            statistics.median(run.drain_seconds for run in runs),
            "s until every answer was sent (30 messages/s in all)",
        ),
        Figure(
            "scale_out_violations",
            violations,
            "ordering or duplicate violations, worst run",
            "0",
            violations == 0,
            note=(
                ""
                if violations == 0
                else f"{unprocessed} updates without a stored effect, {doubled} applied twice, "
                f"{cases} members without exactly one case, {chats} chats whose messages differ "
                "from their outbox rows"
            ),
        ),
        Figure("scale_out_unprocessed", unprocessed, "accepted updates with no stored key"),
        Figure("scale_out_doubled_turns", doubled, "updates applied twice"),
        Figure("scale_out_cases_wrong", cases, "members without exactly one case"),
        Figure(
            "scale_out_chats_wrong", chats, "chats not receiving exactly their rows in id order"
        ),
    ]
