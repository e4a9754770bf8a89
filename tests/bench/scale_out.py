"""PostgreSQL and scale-out: the burst on 1, 2 and 4 ``madoguchi serve`` processes behind one
round-robin webhook URL, each time on a fresh PostgreSQL database, as README's "PostgreSQL and
several processes" runs them.

Throughput is updates accepted per second from the moment the burst is queued. The server CPU
per update counts madoguchi's processes and the database server's (the postmaster and every
process under it, read from /proc: backends, WAL writer, checkpointer; a backend that ended
counts through its parent's children time), from the burst's start until every answer was
sent, so the split between them shows where the time goes. The outgoing rate is set out of the
way, as in the SQLite burst: pacing is the delivery scenario's subject. What must not happen
whatever the speed: an update applied twice or not at all, a member with two cases, a chat
that receives its messages out of order or twice. Without a reachable PostgreSQL the scenario
is reported as skipped, with the reason; without the server's processes in this machine's
/proc, its CPU is.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

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

PROCESSES = (1, 2, 4)  # the process counts run, one fresh database each
MEMBERS = 300 if FULL else 30
RUNS = 3 if FULL else 1
FIRST_CHAT = 5000
# Telegram delivers up to 40 updates at once by default (setWebhook's max_connections); two
# cores are saturated well before that.
CONNECTIONS = 16
SEND_RATE = 10_000  # messages/s over all processes: out of the way, as in the SQLite burst
CPU_TARGET = 2.0  # ms of server CPU per update, madoguchi and PostgreSQL together (issue 20)


@dataclass(frozen=True)
class _Run:
    processes: int
    updates: int
    seconds: float
    madoguchi_cpu: float  # seconds, all madoguchi processes, burst start to last answer sent
    database_cpu: float | None  # seconds, the PostgreSQL server (None: not on this machine)
    busiest_share: float  # of the updates the balancer forwarded, to the busiest process
    unprocessed: int  # accepted, but no stored key
    doubled_turns: int
    cases_wrong: int  # members without exactly one case
    chats_wrong: int  # chats whose messages differ from their outbox rows in id order
    drain_seconds: float


def _cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU of ``pid`` from /proc (with ``children``: of its ended children too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster(url: str) -> int | None:
    """The PostgreSQL server's postmaster pid, if it runs on this machine: the parent of the
    backend serving a connection, if that is a postgres process here."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    finally:
        engine.dispose()
    try:
        status = Path(f"/proc/{backend}/status").read_text()
        parent = int(next(ln for ln in status.splitlines() if ln.startswith("PPid:")).split()[1])
        command = Path(f"/proc/{parent}/cmdline").read_bytes()
    except (OSError, StopIteration, ValueError):
        return None  # a server elsewhere (or in another PID namespace)
    return parent if b"postgres" in command else None


def database_cpu(parent: int) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster, the processes under it, and those
    that ended (their time is the postmaster's children time once it reaped them)."""
    total = _cpu_seconds(parent, children=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked: counted in the parent's children time next time
        if int(stat[1]) == parent:
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _start(
    count: int,
    processes: ExitStack,
    fake: FakeBotApi,
    url: str,
    logs: Path,
    settings: dict[str, str],
) -> list[Served]:
    """``count`` processes, started side by side (start-up is mostly imports: a second each);
    each one that started is stopped with ``processes``, even if another failed to."""
    starting = [served(fake, url, logs, **settings) for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
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


def _one_run(server: str, directory: Path, seed: int, count: int) -> _Run:
    with (
        fresh_postgres_database(server, f"madoguchi_bench_scale_{count}_{seed}") as url,
        FakeBotApi(webhook_connections=CONNECTIONS) as fake,
        Balancer() as balancer,
        ExitStack() as processes,
    ):
        Database(url).close()  # the schema, once, before the processes start (db upgrade)
        settings = {
            "TELEGRAM_WEBHOOK_URL": balancer.url("/telegram/webhook"),
            "TELEGRAM_SEND_RATE": str(SEND_RATE / count),  # each its share
        }
        serving = _start(count, processes, fake, url, directory / "serve.log", settings)
        for process in serving:
            balancer.add(process.port)
        # Each process's first update pays for its connections and lazy imports: not timed.
        for chat in range(FIRST_CHAT - 2 * count, FIRST_CHAT):
            fake.send_command(chat, "start", "coopdeli")
        wait_until(lambda: not fake.pending_update_ids(), 60, "the warm-up updates accepted")
        first = serving[0]
        pending = "SELECT count(*) FROM outboxmessage WHERE status <> 'sent'"
        wait_until(lambda: scalar(first, pending) == 0, 60, "the warm-up answers sent")
        chats = range(FIRST_CHAT, FIRST_CHAT + MEMBERS)
        parent = postmaster(url)
        pids = [process.process.pid for process in serving]
        madoguchi_before = sum(_cpu_seconds(pid) for pid in pids)
        database_before = database_cpu(parent) if parent else 0.0
        started = time.monotonic()
        with fake.atomically():  # the whole burst at once, as after a campaign mail
            for chat in chats:
                for command, text in REQUEST:
                    if command is not None:
                        fake.send_command(chat, command, text)
                    else:
                        fake.send_text(chat, text)
        total = MEMBERS * len(REQUEST) + 2 * count
        wait_until(lambda: not fake.pending_update_ids(), 300, "every update accepted")
        seconds = time.monotonic() - started
        wait_until(lambda: scalar(first, pending) == 0, 300, "every message sent")
        drain = time.monotonic() - started
        madoguchi = sum(_cpu_seconds(pid) for pid in pids) - madoguchi_before
        database = database_cpu(parent) - database_before if parent else None
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
        # Stopped side by side, not one after another (each waits for its graceful shutdown).
        for process in serving:
            process.process.send_signal(signal.SIGTERM)
        for process in serving:
            process.process.wait(timeout=20)
    handled = list(balancer.handled.values())
    return _Run(
        processes=count,
        updates=MEMBERS * len(REQUEST),
        seconds=seconds,
        madoguchi_cpu=madoguchi,
        database_cpu=database,
        busiest_share=max(handled) / max(sum(handled), 1),
        unprocessed=len(accepted - processed) + (total - len(accepted)),
        doubled_turns=sum(max(0, n - len(REQUEST)) for n in member_lines.values()),
        cases_wrong=sum(1 for chat in chats if cases.get(str(chat), 0) != 1),
        chats_wrong=sum(1 for chat in chats if received[str(chat)] != stored[str(chat)]),
        drain_seconds=drain,
    )


def bench_scale_out() -> list[Figure]:
    """Throughput and CPU are the median run's for each process count; the violation counts
    are the worst run's over all of them."""
    server, problem = postgres_server()
    if server is None:
        why = f"skipped: {problem} (set MADOGUCHI_BENCH_POSTGRES to a server to run it)"
        return [
            Figure("pg_updates_per_second_1p", None, "updates/s", note=why),
            Figure("pg_cpu_1p", None, "server CPU ms per update", f"≤ {CPU_TARGET:g} ms"),
            Figure("scale_out_violations", None, "ordering or duplicate violations", "0"),
        ]
    by_count: dict[int, list[_Run]] = {count: [] for count in PROCESSES}
    for seed in range(RUNS):
        for count in PROCESSES:
            print(f"  PostgreSQL: {count} process(es), run {seed + 1}", file=sys.stderr, flush=True)
            with tempfile.TemporaryDirectory(prefix="madoguchi-scale-") as directory:
                by_count[count].append(_one_run(server, Path(directory), seed, count))
    runs = [run for count_runs in by_count.values() for run in count_runs]
    unprocessed = max(run.unprocessed for run in runs)
    doubled = max(run.doubled_turns for run in runs)
    cases = max(run.cases_wrong for run in runs)
    chats = max(run.chats_wrong for run in runs)
    violations = unprocessed + doubled + cases + chats
    figures = [
        *_throughput(by_count),
        Figure(
            "scale_out_updates",
            statistics.median(run.updates for run in runs),
            f"updates in each burst ({MEMBERS} members filing a request at once)",
        ),
        Figure(
            "scale_out_busiest_share",
            statistics.median(run.busiest_share for run in by_count[max(PROCESSES)]) * 100,
            f"% of updates on the busiest of {max(PROCESSES)} processes (round robin: "
            f"{100 / max(PROCESSES):g}%)",
        ),
        Figure(
            "scale_out_drain_seconds",
            statistics.median(run.drain_seconds for run in by_count[max(PROCESSES)]),
            f"s until every answer was sent, {max(PROCESSES)} processes (a chat's answers one a "
            "second)",
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
    return figures


def _throughput(by_count: dict[int, list[_Run]]) -> list[Figure]:
    """Updates/s and server CPU per update (madoguchi + PostgreSQL) for each process count."""
    figures = []
    for count, runs in by_count.items():
        rate = statistics.median_low(run.updates / run.seconds for run in runs)
        madoguchi = statistics.median(run.madoguchi_cpu / run.updates for run in runs) * 1000
        measured = [run.database_cpu / run.updates for run in runs if run.database_cpu is not None]
        database = statistics.median(measured) * 1000 if measured else None
        rate_note = ""
        if count == PROCESSES[0]:
            rate_note = (
                f"{_runs(len(runs))} per process count: {MEMBERS} members' whole requests "
                f"queued at once, Telegram delivering over {CONNECTIONS} connections through a "
                "round-robin balancer, each count on a fresh database; the processes share this "
                "machine's cores with PostgreSQL, the fake and the driver, so on a small machine "
                "more processes add little CPU."
                + (
                    ""
                    if FULL
                    else f" Quick mode: {MEMBERS} members instead of 300, one run instead of 3; "
                    "a burst of a few seconds, so these figures swing with the machine's load."
                )
            )
        figures.append(
            Figure(
                f"pg_updates_per_second_{count}p",
                rate,
                f"updates/s accepted, {count} process{'es' if count > 1 else ''} on PostgreSQL",
                note=rate_note,
            )
        )
        if database is None:
            figures.append(
                Figure(
                    f"pg_cpu_{count}p",
                    None,
                    "server CPU ms per update (madoguchi + PostgreSQL)",
                    f"≤ {CPU_TARGET:g} ms" if count == PROCESSES[0] else "",
                    note="the PostgreSQL server's processes are not in this machine's /proc: "
                    f"madoguchi alone spent {madoguchi:.2f} ms per update",
                )
            )
            continue
        total = madoguchi + database
        target = count == PROCESSES[0]
        met = total <= CPU_TARGET
        figures += [
            Figure(
                f"pg_cpu_{count}p",
                total,
                "server CPU ms per update (madoguchi + PostgreSQL)",
                f"≤ {CPU_TARGET:g} ms" if target else "",
                met if target else None,
                ""
                if not target or met
                else (
                    f"missed ({total / CPU_TARGET:.1f}× the target): madoguchi {madoguchi:.2f} ms "
                    f"({madoguchi / total:.0%}), the database server {database:.2f} ms "
                    f"({database / total:.0%}) per update, from the burst's start until every "
                    "answer was sent; the database server's part counts all its work, so no "
                    "other bench may use the same server meanwhile"
                ),
            ),
            Figure(f"pg_cpu_madoguchi_{count}p", madoguchi, "ms per update in madoguchi"),
            Figure(
                f"pg_cpu_database_{count}p",
                database,
                "ms per update in PostgreSQL (postmaster and its processes)",
            ),
            Figure(
                f"pg_database_share_{count}p",
                database / total * 100,
                "% of the server CPU in PostgreSQL (the rest in madoguchi)",
            ),
        ]
    return figures


def _runs(count: int) -> str:
    return "one run" if count == 1 else f"{count} runs (median)"
