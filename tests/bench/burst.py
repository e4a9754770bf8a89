"""Burst: many members file a disclosure request at once through the webhook, on SQLite.

A real ``madoguchi serve`` (webhook mode, WAL, ``synchronous=FULL``: every turn durable) gets
its updates from the fake Bot API, which delivers them like Telegram: over ``CONNECTIONS``
connections at once, never two of one chat at a time, each chat in order. ``AT_ONCE`` members
are mid-request at any moment (a new one starts when one has finished); each writes the next
line as soon as Telegram has handed over the previous one. With as many members as the server
answers updates a second, a chat's next line comes about a second after the previous one, so
the answers keep up with Telegram's one message a second per chat and sending them is part of
the measured work (``burst_answers_in_window`` shows how far that held). The overall outgoing
rate limit is set out of the way (``SEND_RATE``): pacing under limits is the delivery
scenario's subject.

Measured where it happens: latency from the request's arrival to the turn's commit is logged
by the server itself (``turn.timed``); the server's CPU time and peak RSS come from /proc;
throughput is updates answered 2xx per second of the burst. The same burst runs on databases
that already hold 1k, 10k and 100k members' conversations (``tests.bench.history``), to see
whether a turn costs more as the database grows. Then members write at a steady pace that
offers 80% of the peak rate (``LOAD``), for the wait a member feels when the server is busy but
not flooded. The fake and this driver run in the bench process, beside the server on the same
cores; their CPU is reported too.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.bench import where
from tests.bench.common import percentile
from tests.bench.history import prefill
from tests.bench.run import FULL, PROFILE, Figure
from tests.bot.served import Served, serving
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER

if TYPE_CHECKING:
    from tests.bench.line_burst import LineRun
    from tests.bench.web_burst import WebRun

JSONDict = dict[str, Any]

# A disclosure request with typed answers, /start to receipt (checked: each member's ends in
# a case, or the run fails).
DISCLOSURE_STEPS = (
    "scope",
    "requester",
    "name",
    "kana",
    "former_name",
    "birth_date",
    "phone",
    "member_number",
    "method",
    "postal_code",
    "address",
)
SCRIPT: tuple[tuple[str | None, str], ...] = (
    ("start", "coopdeli"),
    (None, MENU_NUMBER["disclosure"]),
    *((None, GOOD_ANSWERS[step]) for step in DISCLOSURE_STEPS),
    (None, "送信する"),
)

CONNECTIONS = 40  # Telegram's default max_connections for a webhook
# Members mid-request at any moment: enough that a chat's next line comes after its answer
# could be sent (Telegram: one message a second per chat) at the rate one process takes.
AT_ONCE = 400
WARM_UP = 2  # members played first, not counted: connections, caches, the first case number
SEND_RATE = "10000"  # messages/s: outgoing pacing is the delivery scenario's subject
# Stored conversations before a run; the headline (and the baseline's size) is the middle one.
SIZES = (1_000, 10_000, 100_000)
HEADLINE = 10_000
# The per-size series: quick, one run of 30 members per size; FULL, three runs of 500.
MEMBERS = 500 if FULL else 30
REPEATS = 3 if FULL else 1
# The headline burst at HEADLINE stored: 20,000 members in FULL (one run: it takes a quarter
# of an hour); quick, 200, about as many as one process answers in a second, so each chat's
# next line comes after its answer could go out.
BURST_MEMBERS = 20_000 if FULL else 200
# The profiled burst (PROFILE): the headline's, at most 2,000 members (the shares settle long
# before FULL's 20,000, which take a quarter of an hour).
PROFILE_MEMBERS = min(BURST_MEMBERS, 2_000)
# The steady run offers this share of the headline's rate (issue 20: p99 at 80% of the peak).
LOAD = 0.8
# Members offering LOAD × the headline rate, writing at a steady pace.
STEADY_MEMBERS = 500 if FULL else 100
# The baseline's members (up to AT_ONCE at a time); the durable one is slow, so fewer.
BASELINE_MEMBERS = 500 if FULL else 30
BASELINE_DURABLE_MEMBERS = 100 if FULL else 4


@dataclass(frozen=True)
class Run:
    """One burst against one server process."""

    updates: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_ms: float  # per update, user + system
    driver_cpu_share: float  # fake + this driver, as a share of one core
    peak_rss_mb: float
    answers_in_window: float  # share of the burst's answers sent before its last commit
    server_cpu_share: float  # server CPU seconds per second of the burst (1.0: one core)
    server_wait_share: float  # seconds its threads were runnable but not running, per second

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


# Telegram never reuses an update_id, and the server remembers every one it processed: ids stay
# unique across all runs of a ``make bench`` (each run has a new fake).
_update_ids = itertools.count(700_000_001)


def update_for(chat: int, line: int, update_id: int) -> JSONDict:
    """Line ``line`` of ``SCRIPT`` from ``chat`` as Telegram would send it (private chat, with
    the bot_command entity on commands)."""
    command, text = SCRIPT[line]
    user = {"id": chat, "is_bot": False, "first_name": f"会員{chat}", "language_code": "ja"}
    message: JSONDict = {
        "message_id": line + 1,
        "from": user,
        "chat": {"id": chat, "type": "private", "first_name": user["first_name"]},
        "date": int(time.time()),
    }
    if command is not None:
        name = f"/{command}"
        message["text"] = f"{name} {text}" if text else name
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(name)}]
    else:
        message["text"] = text
    return {"update_id": update_id, "message": message}


class Members:
    """Members who each send their lines one after another, ``at_once`` of them at a time.

    A member writes a line once Telegram has delivered the previous one (answered it 2xx, so it
    is committed), and no sooner than ``interval`` seconds after writing the previous one: 0
    finds the most the server can take; a longer interval offers a steady rate of
    ``at_once / interval`` updates a second. Reads the fake's record of webhook deliveries;
    non-2xx answers are retried by the fake itself.
    """

    def __init__(
        self,
        fake: FakeBotApi,
        chats: range,
        at_once: int,
        alive: Callable[[], bool] = lambda: True,
        interval: float = 0.0,
    ) -> None:
        self.fake = fake
        self.alive = alive  # the server: a dead one fails the run at once, not at the timeout
        self.waiting = list(reversed(chats))
        self.at_once = at_once
        self.interval = interval
        self.in_flight: dict[int, tuple[int, int]] = {}  # update_id -> (chat, line)
        self.due: list[tuple[float, int, int]] = []  # heap of (when, chat, line) to write
        self.written_at: dict[int, float] = {}
        self.update_ids: list[int] = []

    def run(self, timeout: float) -> float:
        """Play every member's script; returns the seconds from the first line to the last
        line's 2xx."""
        fake = self.fake
        seen = len(fake.webhook_deliveries)
        started = time.monotonic()
        # Paced members start spread over one interval, so the load is steady, not waves.
        starting = min(self.at_once, len(self.waiting))
        for place in range(starting):
            heapq.heappush(
                self.due, (started + place * self.interval / starting, self.waiting.pop(), 0)
            )
        while self.in_flight or self.due:
            now = time.monotonic()
            remaining = started + timeout - now
            if remaining <= 0:
                raise TimeoutError(f"{len(self.in_flight)} members still busy\n{fake.summary(5)}")
            if not self.alive():
                raise RuntimeError(f"the server stopped\n{fake.summary(5)}")
            with fake.atomically():
                while self.due and self.due[0][0] <= now:
                    _, chat, line = heapq.heappop(self.due)
                    self._write(chat, line)
            wait = min(remaining, 5.0, self.due[0][0] - now if self.due else 5.0)
            # Re-checked on every call the server makes, not polled; 5 s of nothing: alive?
            fake.holds_within(_delivered_beyond(seen), timeout=max(wait, 0.001))
            with fake.atomically():
                delivered = fake.webhook_deliveries[seen:]
                seen += len(delivered)
                for update_id, status in delivered:
                    if 200 <= status < 300 and update_id in self.in_flight:
                        self._next(*self.in_flight.pop(update_id))
        return time.monotonic() - started

    def _next(self, chat: int, line: int) -> None:
        if line + 1 < len(SCRIPT):
            when = self.written_at[chat] + self.interval
            if when <= time.monotonic():
                self._write(chat, line + 1)
            else:
                heapq.heappush(self.due, (when, chat, line + 1))
        elif self.waiting:
            self._write(self.waiting.pop(), 0)

    def _write(self, chat: int, line: int) -> None:
        update_id = self.fake.queue_update(update_for(chat, line, next(_update_ids)))
        self.in_flight[update_id] = (chat, line)
        self.written_at[chat] = time.monotonic()
        self.update_ids.append(update_id)


def _delivered_beyond(count: int) -> Callable[[FakeBotApi], bool]:
    def more(api: FakeBotApi) -> bool:
        return len(api.webhook_deliveries) > count

    return more


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _waiting_seconds(pid: int) -> float:
    """How long ``pid``'s threads were ready to run but waited for a core (the kernel's run
    queue delay, /proc/…/schedstat): the share of a slow burst lost to other load."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _timed_turns(log: Path, update_ids: set[int]) -> list[float]:
    """The server's own arrival-to-commit times for the given updates (``turn.timed``)."""
    keys = {f"telegram:{update_id}" for update_id in update_ids}
    latencies = []
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            if '"turn.timed"' not in line:
                continue
            event = json.loads(line)
            if event.get("key") in keys:
                latencies.append(float(event["ms"]))
    return latencies


def one_run(
    database: Path,
    members: int,
    first_chat: int,
    directory: Path,
    interval: float = 0.0,
    profile: Path | None = None,
) -> Run:
    """A fresh server on ``database``; ``WARM_UP`` members, then ``members`` timed ones, each
    writing at most one line per ``interval`` seconds (0: as fast as the server takes them).
    With ``profile``, py-spy records the server through the timed members into that file."""
    log = directory / f"serve-{first_chat}.log"
    warm_up = range(first_chat, first_chat + WARM_UP)
    chats = range(warm_up.stop, warm_up.stop + members)
    with (
        FakeBotApi(webhook_connections=CONNECTIONS) as fake,
        serving(
            fake,
            database,
            webhook=True,
            log_file=log,
            MADOGUCHI_LOG_LEVEL="INFO",  # for turn.timed
            TELEGRAM_SEND_RATE=SEND_RATE,
        ) as served,
    ):
        pid = served.process.pid

        def alive() -> bool:
            return served.process.poll() is None

        Members(fake, warm_up, WARM_UP, alive).run(timeout=60)
        timed = Members(fake, chats, AT_ONCE, alive, interval)
        with where.recording(pid, profile) if profile else contextlib.nullcontext():
            cpu, own, waited = _cpu_seconds(pid), _own_cpu_seconds(), _waiting_seconds(pid)
            seconds = timed.run(timeout=120 + members * len(SCRIPT) / 10)
            server_cpu, driver_cpu = _cpu_seconds(pid) - cpu, _own_cpu_seconds() - own
            waited = _waiting_seconds(pid) - waited
        answered = _answered(served, chats)
        peak = _peak_rss_mb(pid)
    _check_cases(database, range(first_chat, chats.stop))
    updates = len(timed.update_ids)
    latencies = _timed_turns(log, set(timed.update_ids))
    if len(latencies) != updates:
        raise RuntimeError(f"{updates} updates but {len(latencies)} turn.timed lines in {log}")
    _settle(database)
    return Run(
        updates=updates,
        seconds=seconds,
        latencies_ms=latencies,
        server_cpu_ms=server_cpu * 1000 / updates,
        driver_cpu_share=driver_cpu / seconds,
        peak_rss_mb=peak,
        answers_in_window=answered,
        server_cpu_share=server_cpu / seconds,
        server_wait_share=waited / seconds,
    )


def _in(chats: range) -> str:
    """SQL for "a conversation of these chats" (chat ids are stored as text)."""
    return f"CAST(chat_id AS INTEGER) BETWEEN {chats.start} AND {chats.stop - 1}"


def _answered(served: Served, chats: range) -> float:
    """The share of the members' answers already sent (the rest wait for the chat's pace)."""
    rows = served.query(
        f"SELECT status, count(*) FROM outboxmessage WHERE channel = 'telegram' AND {_in(chats)} "
        "GROUP BY status"
    )
    counts = {str(status): int(count) for status, count in rows}
    return counts.get("sent", 0) / max(1, sum(counts.values()))


def _check_cases(database: Path, chats: range) -> None:
    """Every member's request ended as a case: the script still fits the flow."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        (cases,) = db.execute(
            "SELECT count(*) FROM \"case\" WHERE request_type = 'disclosure' AND conversation_id "
            f"IN (SELECT id FROM conversation WHERE channel = 'telegram' AND {_in(chats)})"
        ).fetchone()
    if cases != len(chats):
        raise RuntimeError(f"{cases} cases for {len(chats)} members: the script is stale")


def _settle(database: Path) -> None:
    """Count what the stopped server still had to send as sent, so the next run on this file
    starts with an empty outbox (its chats are unknown to the next fake)."""
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as db:
        db.execute("UPDATE outboxmessage SET status = 'sent' WHERE status = 'pending'")


@contextmanager
def stored(sizes: tuple[int, ...]) -> Iterator[dict[int, Path]]:
    """One database per size, filled once and reused by every run on it."""
    directory = Path(tempfile.mkdtemp(prefix="madoguchi-burst-"))
    try:
        files = {}
        for size in sizes:
            files[size] = directory / f"stored-{size}.sqlite3"
            prefill(files[size], size, SCRIPT)
        yield files
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class Results:
    by_size: dict[int, list[Run]]  # the per-size series
    headline: list[Run]  # the series' runs at HEADLINE, or FULL's big burst
    steady: list[Run]  # members offering LOAD × the headline rate, at HEADLINE
    line: list[LineRun]  # LINE members through LINE's webhook, at HEADLINE
    web: list[WebRun]  # web chat members through the page's POSTs, at HEADLINE
    profile: where.Profile | None  # PROFILE=1: py-spy's shares through one more headline burst
    profile_missing: str  # why there is no profile


_results: list[Results] = []


def results() -> Results:
    """Every run, made once per ``make bench`` (the baseline compares against them)."""
    if _results:
        return _results[0]
    by_size: dict[int, list[Run]] = {size: [] for size in SIZES}
    first_chat = 100_000
    with stored(SIZES) as files:
        for repeat in range(REPEATS):
            for size in SIZES:
                print(f"  burst: {size:,} stored, run {repeat + 1}", file=sys.stderr, flush=True)
                by_size[size].append(one_run(files[size], MEMBERS, first_chat, files[size].parent))
                first_chat += MEMBERS + WARM_UP
        print(f"  burst: {BURST_MEMBERS:,} members", file=sys.stderr, flush=True)
        headline = [one_run(files[HEADLINE], BURST_MEMBERS, first_chat, files[HEADLINE].parent)]
        first_chat += BURST_MEMBERS + WARM_UP
        # The same burst from LINE members, on the same stored conversations.
        from tests.bench import line_burst  # it builds on this module's script

        print(f"  burst: {line_burst.MEMBERS:,} LINE members", file=sys.stderr, flush=True)
        line = [line_burst.one_run(files[HEADLINE], files[HEADLINE].parent)]
        _settle(files[HEADLINE])
        from tests.bench import web_burst

        print(f"  burst: {web_burst.MEMBERS:,} web chat members", file=sys.stderr, flush=True)
        web = [web_burst.one_run(files[HEADLINE], files[HEADLINE].parent)]
        _settle(files[HEADLINE])
        # Members at 80% of the rate the server can take: the wait members feel on a busy day
        # that is not the very peak.
        interval = steady_interval(statistics.median(run.rate for run in headline))
        steady = []
        for repeat in range(REPEATS):
            print(f"  burst: {LOAD:.0%} load, run {repeat + 1}", file=sys.stderr, flush=True)
            steady.append(
                one_run(
                    files[HEADLINE], STEADY_MEMBERS, first_chat, files[HEADLINE].parent, interval
                )
            )
            first_chat += STEADY_MEMBERS + WARM_UP
        profile, missing = None, ""
        if not PROFILE:
            missing = (
                "PROFILE=1 (on by default with FULL=1) records one more headline burst's server "
                "with py-spy"
            )
        elif where.py_spy() is None:
            missing = "PROFILE=1 asked for it, but py-spy is not installed (pip install py-spy)"
        else:
            print("  burst: profiled (py-spy)", file=sys.stderr, flush=True)
            raw = files[HEADLINE].parent / "profile.txt"
            directory = files[HEADLINE].parent
            one_run(files[HEADLINE], PROFILE_MEMBERS, first_chat, directory, profile=raw)
            profile = where.summarize(raw.read_text(encoding="utf-8"))
    _results.append(Results(by_size, headline, steady, line, web, profile, missing))
    return _results[0]


def steady_interval(peak_rate: float) -> float:
    """Seconds between one member's lines so that ``STEADY_MEMBERS`` offer ``LOAD`` × the
    peak."""
    return min(AT_ONCE, STEADY_MEMBERS) / (peak_rate * LOAD)


def headline_rate() -> float:
    """Updates/s of the headline burst (median of its runs)."""
    return statistics.median(run.rate for run in results().headline)


def headline_cpu() -> float:
    """Server CPU ms per update in the headline burst (median of its runs)."""
    return statistics.median(run.server_cpu_ms for run in results().headline)


def bench_burst() -> list[Figure]:
    """Throughput, latency, memory and per-turn cost as the database grows."""
    found = results()
    main = found.headline
    rate = headline_rate()
    p50, p95, p99 = (
        statistics.median(percentile(run.latencies_ms, share) for run in main)
        for share in (0.50, 0.95, 0.99)
    )
    load = [
        statistics.median(percentile(run.latencies_ms, share) for run in found.steady)
        for share in (0.50, 0.95, 0.99)
    ]
    load_rate = statistics.median(run.rate for run in found.steady)
    load_busy = statistics.median(run.server_cpu_share for run in found.steady)
    load_wait = statistics.median(run.server_wait_share for run in found.steady)
    cost_here = statistics.median(run.server_cpu_ms for run in main)
    busy = statistics.median(run.server_cpu_share for run in main)
    waiting = statistics.median(run.server_wait_share for run in main)
    cost = {
        size: statistics.median(run.server_cpu_ms for run in runs)
        for size, runs in found.by_size.items()
    }
    rates = {
        size: statistics.median(run.rate for run in runs) for size, runs in found.by_size.items()
    }
    growth = {size: cost[size] / cost[SIZES[0]] for size in SIZES[1:]}
    members = BURST_MEMBERS
    pct = f"{LOAD:.0%}".removesuffix("%")
    scale = (
        f"{_runs(len(main))} of {members:,} members ({min(AT_ONCE, members)} at a time, "
        f"Telegram delivering over {CONNECTIONS} connections) on {HEADLINE:,} stored "
        f"conversations; the per-size series is {_runs(REPEATS)} of {MEMBERS} members per "
        "size, fewer than answer at a chat's pace (see burst_answers_in_window), so its "
        "figures are for comparing sizes. "
        + ("" if FULL else f"Quick mode runs {members:,} members; FULL=1 runs 20,000. ")
        + f"TELEGRAM_SEND_RATE={SEND_RATE}, so only Telegram's one message a second per chat "
        "paces the answers."
    )
    if busy >= 0.85:
        slow = (
            f"the server was on the CPU {busy:.0%} of the burst (one core: Python runs one "
            f"thread at a time) at {cost_here:.2f} ms of CPU per update, so one process tops "
            f"out near {1000 / cost_here:,.0f} updates/s; 1,000/s needs ≤ 1 ms per update "
            "(see burst_cpu for where it goes)"
        )
    else:
        slow = (
            f"the server was on the CPU only {busy:.0%} of the burst ({cost_here:.2f} ms per "
            f"update) and its threads waited for a free core {waiting:.0%} of it (summed; "
            "runnable but not running, while the fake "
            f"and driver took {statistics.median(r.driver_cpu_share for r in main):.0%} of a "
            "core and the machine's other load the rest: see the calibration line); the rest "
            "of the time it waited for its commits' fsyncs or for the next updates"
        )
    figures = [
        Figure(
            "burst_updates_per_second",
            rate,
            f"updates/s ({members:,} members × {len(SCRIPT)} updates, {HEADLINE:,} stored)",
            "≥ 1,000 from one process",
            rate >= 1000,
            scale + ("" if rate >= 1000 else f" Target missed: {slow}."),
        ),
        Figure("burst_turn_p50", p50, "ms, arrival to commit, at the peak"),
        Figure("burst_turn_p95", p95, "ms, arrival to commit, at the peak"),
        Figure(
            "burst_turn_p99",
            p99,
            "ms, arrival to commit, at the peak",
            note=(
                f"reported, no target (the target is at {LOAD:.0%} of the peak: see "
                f"burst_at_{pct}pct_turn_p99). At the peak Telegram keeps {CONNECTIONS} requests "
                f"open and the process finishes about {rate:,.0f} a second, so a request waits "
                f"about {CONNECTIONS / rate * 1000:,.0f} ms on average (Little's law) behind the "
                "others for the event loop and the database."
            ),
        ),
        *line_figures(found.line, rate, p99),
        *web_figures(found.web),
        Figure(
            f"burst_at_{pct}pct_updates_per_second",
            load_rate,
            f"updates/s answered, {LOAD * rate:,.0f}/s offered ({LOAD:.0%} of the peak above)",
        ),
        Figure(f"burst_at_{pct}pct_turn_p50", load[0], "ms, arrival to commit"),
        Figure(f"burst_at_{pct}pct_turn_p95", load[1], "ms, arrival to commit"),
        Figure(
            f"burst_at_{pct}pct_turn_p99",
            load[2],
            "ms, arrival to commit",
            "< 50 ms",
            load[2] < 50,
            f"{_runs(len(found.steady))} of {STEADY_MEMBERS} members, each writing a line every "
            f"{steady_interval(rate):.2f} s at most: the wait a member feels when the server is "
            "busy but not flooded."
            + (
                ""
                if load[2] < 50
                else f" Missed: at {load_rate:,.0f} updates/s the server was on the CPU "
                f"{load_busy:.0%} of the time; an update needs about {cost_here:.1f} ms of its "
                f"CPU, so nearly all of the p99 is waiting: behind other updates"
                + (
                    f", and for a free core (its threads were runnable but not running for "
                    f"{load_wait:.0%} of the run, summed: the machine's other load, see the "
                    "calibration line)"
                    if load_wait > 0.1
                    else ""
                )
                + (
                    f"; the server answered {load_rate / (LOAD * rate):.0%} of the offered rate"
                    if load_rate < 0.95 * LOAD * rate
                    else ""
                )
                + "."
            ),
        ),
        Figure(
            "burst_peak_rss",
            statistics.median(run.peak_rss_mb for run in main),
            "MB (server, VmHWM)",
        ),
        Figure(
            "burst_cpu",
            cost_here,
            "server CPU ms per update",
            "≤ 1 ms per update",
            cost_here <= 1,
            "" if cost_here <= 1 else f"missed ({cost_here:.2f}×): {_where(found)}",
        ),
        Figure(
            "burst_server_busy",
            busy * 100,
            "% of one core, the server through the burst",
        ),
        Figure(
            "burst_server_waiting",
            waiting * 100,
            "% of the burst, summed over the server's threads, runnable but waiting for a core",
        ),
        Figure(
            "burst_answers_in_window",
            statistics.median(run.answers_in_window for run in main) * 100,
            "% of answers sent by the last commit",
            note="members write their next line once the previous one is committed; below "
            "100%, answers still waiting for their chat's one-a-second slot were sent after the "
            "window, so part of the sending work is not in the figures above.",
        ),
        Figure(
            "burst_driver_cpu",
            statistics.median(run.driver_cpu_share for run in main) * 100,
            "% of a core (fake Bot API + driver, beside the server)",
        ),
        *(
            Figure(f"burst_cost_{_label(size)}", cost[size], "server CPU ms per update")
            for size in SIZES
        ),
        *(
            Figure(f"burst_updates_per_second_{_label(size)}", rates[size], "updates/s")
            for size in SIZES
        ),
        *(
            Figure(
                f"burst_cost_growth_{_label(size)}",
                growth[size],
                f"× the {_label(SIZES[0])} cost",
                "≤ 1.25 (flat)",
                growth[size] <= 1.25,
                ""
                if growth[size] <= 1.25
                else (
                    f"missed in this run ({cost[size]:.1f} against {cost[SIZES[0]]:.1f} ms). "
                    + (
                        "Quick mode has one run per size, and identical runs differed by up "
                        "to a third in CPU per update on this shared machine: FULL=1 (five "
                        "runs per size) tells growth from noise."
                        if REPEATS == 1
                        else "The medians of several runs grew: look for a query that scans."
                    )
                ),
            )
            for size in SIZES[1:]
        ),
    ]
    return figures


def _where(found: Results) -> str:
    """Where the headline's CPU goes, as far as this run measured it."""
    if found.profile is None:
        return f"not profiled in this run: {found.profile_missing}"
    packages = ", ".join(f"{name} {share:.0%}" for name, share in found.profile.by_package[:4])
    own = ", ".join(f"{name} {share:.0%}" for name, share in found.profile.own_functions[:3])
    return (
        f"py-spy through the same burst, by the code running: {packages}; by the innermost "
        f"madoguchi function: {own} (see Where the time goes)"
    )


def bench_where() -> list[Figure]:
    """Where the headline burst's server CPU goes (``PROFILE=1``): shares of py-spy's samples."""
    found = results()
    profile = found.profile
    if profile is None:
        note = f"not profiled in this run: {found.profile_missing}"
        return [Figure("where_samples", None, "py-spy samples", note=note)]
    how = (
        f"py-spy ({where.RATE} samples/s of the thread holding the GIL, which bounds the server) "
        f"on one more server through the headline burst ({PROFILE_MEMBERS:,} members on "
        f"{HEADLINE:,} stored). where_package_*: each sample counts for the package of its "
        "innermost Python frame (C code that keeps the GIL counts for the Python code that "
        "called it; C code that releases it, such as SQLite's statements and fsync, is not "
        "sampled). where_own_*: each sample counts for its innermost madoguchi function, with "
        "the library code that function called (serve: uvicorn and Starlette around the "
        "handlers)."
    )
    return [
        Figure("where_samples", float(profile.samples), "py-spy samples", note=how),
        *(
            Figure(f"where_package_{_slug(name)}", share * 100, f"% of samples: {name}")
            for name, share in profile.by_package
        ),
        *(
            Figure(f"where_own_{place}", share * 100, f"% of samples under {name}")
            for place, (name, share) in enumerate(profile.own_functions, 1)
        ),
    ]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def web_figures(runs: list[WebRun]) -> list[Figure]:
    """The web chat's path: the page's POST to the committed answer, many browsers at once."""
    from tests.bench import web_burst

    rate, p50, p95, p99, cost, resends = web_burst.summary(runs)
    how = (
        f"{_runs(len(runs))} of {web_burst.MEMBERS:,} browsers at once, each opening the page "
        f"(a new session and the greeting) and sending the {len(web_burst.TEXTS)} lines of the "
        "Telegram burst's disclosure request one after another, each the next once the previous "
        f"POST answered (its turn committed), on {HEADLINE:,} stored conversations. "
        + ("" if FULL else f"Quick mode runs {web_burst.MEMBERS}; FULL=1 runs 200. ")
        + "The latency is the page's: from its POST leaving the browser to the answer."
    )
    return [
        Figure("web_burst_messages_per_second", rate, "web chat messages/s", note=how),
        Figure("web_turn_p50", p50, "ms, the page's send to its committed answer"),
        Figure("web_turn_p95", p95, "ms, the page's send to its committed answer"),
        Figure("web_turn_p99", p99, "ms, the page's send to its committed answer"),
        Figure("web_burst_cpu", cost, "server CPU ms per web chat message"),
        Figure(
            "web_resends",
            resends,
            "POSTs sent again after a dropped connection",
            note="As chat.js does: the same message id again, which the desk takes once.",
        ),
    ]


def line_figures(runs: list[LineRun], telegram_rate: float, telegram_p99: float) -> list[Figure]:
    """LINE's path beside Telegram's: the same request, the same stored database, one run."""
    from tests.bench import line_burst

    rate = statistics.median(run.rate for run in runs)
    p50, p95, p99 = (
        statistics.median(percentile(run.latencies_ms, share) for run in runs)
        for share in (0.50, 0.95, 0.99)
    )
    cost = statistics.median(run.server_cpu_ms for run in runs)
    how = (
        f"{_runs(len(runs))} of {line_burst.MEMBERS:,} LINE members "
        f"({min(line_burst.AT_ONCE, line_burst.MEMBERS)} at a time, LINE delivering over "
        f"{line_burst.CONNECTIONS} connections) × {line_burst.EVENTS} events (follow, then the "
        f"Telegram burst's disclosure request) on {HEADLINE:,} stored conversations; a member "
        "writes once the answer to their previous message arrived (a free reply). "
        + ("" if FULL else f"Quick mode runs {line_burst.MEMBERS} members; FULL=1 runs 2,000. ")
        + f"Telegram in the same run: {telegram_rate:,.0f} updates/s, p99 {telegram_p99:,.0f} ms. "
        "Each LINE event costs more: it is stored in the inbox before LINE's 200 and deleted "
        "after its turn, two more durable transactions than a Telegram webhook update. And "
        "since LINE is answered as soon as an event is stored, every member has an event "
        "waiting at once (Telegram's fake holds updates back until one of its 40 connections "
        f"is free): by Little's law the wait is about {min(line_burst.AT_ONCE, line_burst.MEMBERS)}"
        f" ÷ {rate:,.0f} ≈ {min(line_burst.AT_ONCE, line_burst.MEMBERS) / rate * 1000:,.0f} ms, "
        "mostly in the inbox behind other members' turns."
    )
    return [
        Figure(
            "line_burst_updates_per_second",
            rate,
            "LINE events/s (webhook → inbox → turn)",
            note=how,
        ),
        Figure("line_burst_turn_p50", p50, "ms, LINE webhook arrival to commit"),
        Figure("line_burst_turn_p95", p95, "ms, LINE webhook arrival to commit"),
        Figure(
            "line_burst_turn_p99", p99, "ms, LINE webhook arrival to commit", "< 50 ms", p99 < 50
        ),
        Figure("line_burst_cpu", cost, "server CPU ms per LINE event"),
    ]


def _runs(count: int) -> str:
    return "one run" if count == 1 else f"{count} runs (median)"


def _label(size: int) -> str:
    return f"{size // 1000}k"
