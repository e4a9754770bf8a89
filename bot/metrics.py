"""The desk's figures for Prometheus (prometheus-client), as ``/metrics`` shows them.

Two kinds, told apart in every HELP line:

- **This process's** counters and the turn histogram, counted where things happen: a
  ``Counter.inc`` is about a microsecond, with no database work and no lock held across an
  await. Each ``madoguchi serve`` process counts its own; add them up across processes.
- **The database's** figures (outbox, open cases, audit entries, the last purge), read when
  ``/metrics`` is scraped (``storage.figures``, through ``bot.watch``: bounded and cached).
  Every process shows the same values: take ``max``, never ``sum``, across processes.

Label values come from fixed vocabularies only: channel ids, org and queue ids from the
deployment, outcomes and action names from the code. Never a chat id, a case number, a name
or a word a member typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from flows.routes import OFFLINE_CHANNEL
from storage.figures import Figures

# Only the series themselves: no ``*_created`` twin beside each one.
disable_created_metrics()  # type: ignore[no-untyped-call]
# This process's own registry: what a test process or a library registers elsewhere never
# shows up here. Python's process figures (memory, CPU, open files) come along.
REGISTRY = CollectorRegistry(auto_describe=True)
for _standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_standard)

PROCESS = "This process's count; add across processes."
DATABASE = "Read from the database when scraped: every process shows the same; take max."

UPDATES_RECEIVED = Counter(
    "madoguchi_updates_received",
    f"Member events handed to the turn runner, per channel. {PROCESS}",
    ["channel"],
    registry=REGISTRY,
)
UPDATES_PROCESSED = Counter(
    "madoguchi_updates_processed",
    "Member events whose turn ended, per channel and outcome: done (committed), duplicate "
    "(a redelivery), failed (given up; the member was asked to send it again), error (left "
    f"for the platform to deliver again). {PROCESS}",
    ["channel", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "madoguchi_turn_seconds",
    f"Seconds from an event's arrival to its turn's commit, per channel. {PROCESS}",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "madoguchi_messages_sent",
    f"Outbox messages the platform accepted, per channel. {PROCESS}",
    ["channel"],
    registry=REGISTRY,
)
SEND_RETRIES = Counter(
    "madoguchi_send_retries",
    "Sends put off to be tried again, per channel and reason: rate_limited (the platform's "
    "429), temporary (a timeout, a 5xx), unreachable (the member blocked or left), error "
    f"(a fault in madoguchi). Nothing is dropped. {PROCESS}",
    ["channel", "reason"],
    registry=REGISTRY,
)
PURGE_RUNS = Counter(
    "madoguchi_purge_runs",
    f"Scheduled retention purges run by this process, per outcome (done, failed). {PROCESS}",
    ["outcome"],
    registry=REGISTRY,
)
SLACK_CARDS_FAILING = Gauge(
    "madoguchi_slack_cards_failing",
    "Cases whose Slack card or thread this process could not bring up to date at its last "
    "try (Slack away, the bot not in the channel): staff do not see them yet. Only the "
    "process posting cards counts; take max.",
    registry=REGISTRY,
)
TURN_OUTCOMES = ("done", "duplicate", "failed", "error")
RETRY_REASONS = ("rate_limited", "temporary", "unreachable", "error")
PURGE_OUTCOMES = ("done", "failed")


@dataclass(frozen=True)
class TurnMeters:
    """One channel's turn counters, bound once: the turn path only calls ``inc``/``observe``."""

    received: Counter
    done: Counter
    duplicate: Counter
    failed: Counter
    error: Counter
    seconds: Histogram


@cache
def turn_meters(channel: str) -> TurnMeters:
    outcomes = {o: UPDATES_PROCESSED.labels(channel, o) for o in TURN_OUTCOMES}
    return TurnMeters(
        UPDATES_RECEIVED.labels(channel), **outcomes, seconds=TURN_SECONDS.labels(channel)
    )


@dataclass(frozen=True)
class SendMeters:
    """One channel's delivery counters, bound once (see :class:`TurnMeters`)."""

    sent: Counter
    retries: Mapping[str, Counter]


@cache
def send_meters(channel: str) -> SendMeters:
    return SendMeters(
        MESSAGES_SENT.labels(channel), {r: SEND_RETRIES.labels(channel, r) for r in RETRY_REASONS}
    )


def purge_meter(outcome: str) -> Counter:
    return PURGE_RUNS.labels(outcome)


def show_channels(channels: Iterable[str]) -> None:
    """Every series of these channels at 0 from the start, so a rate is defined at once."""
    for channel in channels:
        turn_meters(channel)
        send_meters(channel)
    for outcome in PURGE_OUTCOMES:
        purge_meter(outcome)


class DatabaseFigures(Collector):
    """The database's figures (``storage.figures.Figures``) as metric families.

    ``latest`` is set by ``/metrics`` just before it renders (``None``: the read failed or
    took too long, and only ``madoguchi_database_up 0`` is shown). Ids outside the known
    channels, orgs and queues are shown as ``other``: a label never carries stored text.
    """

    def __init__(self, channels: Iterable[str], org_queues: Mapping[str, Iterable[str]]) -> None:
        self.channels = tuple(channels)
        self.org_queues = {org: tuple(queues) for org, queues in org_queues.items()}
        self.latest: Figures | None = None
        self.parts_ready: Mapping[str, bool] = {}  # /readyz's parts (names from the code)

    def describe(self) -> Iterable[Metric]:
        return []  # read at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        figures = self.latest
        up = GaugeMetricFamily(
            "madoguchi_database_up",
            "1 when the database answered this scrape's read within its time limit, else 0.",
        )
        up.add_metric([], 0 if figures is None else 1)
        yield up
        ready = GaugeMetricFamily(
            "madoguchi_ready",
            "1 when this part of the process is ready as /readyz sees it (startup, database, "
            "each channel: its worker, its poll or socket), else 0.",
            labels=["part"],
        )
        for part, is_ready in self.parts_ready.items():
            ready.add_metric([part], 1 if is_ready else 0)
        yield ready
        if figures is None:
            return
        yield from self._outbox(figures)
        yield from self._cases(figures)
        audit = CounterMetricFamily(
            "madoguchi_audit_entries",
            f"Audit log entries per action (view_transcript, reply, denied:…). {DATABASE}",
            labels=["action"],
        )
        for action, count in sorted(figures.audit.items()):
            audit.add_metric([action], count)
        yield audit
        purge = GaugeMetricFamily(
            "madoguchi_purge_last_finished_timestamp_seconds",
            f"When the scheduled retention purge last finished (Unix time). {DATABASE}",
        )
        if figures.purge_finished is not None:
            purge.add_metric([], figures.purge_finished.timestamp())
        yield purge

    def _outbox(self, figures: Figures) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "madoguchi_outbox_messages",
            "Unsent outbox messages per channel and state: due (to go now) or later (put off: "
            f"a retry, a 429, a member who cannot be reached). {DATABASE}",
            labels=["channel", "state"],
        )
        age = GaugeMetricFamily(
            "madoguchi_outbox_oldest_due_age_seconds",
            f"Age of the oldest message due to be sent, per channel; 0 when none. {DATABASE}",
            labels=["channel"],
        )
        letters = GaugeMetricFamily(
            "madoguchi_offline_notices_waiting",
            "Notices to members without a chat (a letter or a call, `madoguchi staff tasks`) that "
            "staff have not yet marked sent. Not outbox traffic: a letter takes days, so no age "
            f"alert belongs here. {DATABASE}",
        )
        letters.add_metric(
            [], sum(row.due + row.later for row in figures.outbox if row.channel == OFFLINE_CHANNEL)
        )
        due = dict.fromkeys(self.channels, 0)
        later = dict.fromkeys(self.channels, 0)
        oldest = dict.fromkeys(self.channels, 0.0)
        for row in figures.outbox:
            if row.channel == OFFLINE_CHANNEL:
                continue  # staff's letters and calls: madoguchi_offline_notices_waiting
            channel = row.channel if row.channel in due else "other"
            due[channel] = due.get(channel, 0) + row.due
            later[channel] = later.get(channel, 0) + row.later
            if row.oldest_due is not None:
                waited = max(0.0, (figures.at - row.oldest_due).total_seconds())
                oldest[channel] = max(oldest.get(channel, 0.0), waited)
        for channel in due:
            depth.add_metric([channel, "due"], due[channel])
            depth.add_metric([channel, "later"], later[channel])
            age.add_metric([channel], oldest[channel])
        yield depth
        yield age
        yield letters

    def _cases(self, figures: Figures) -> Iterator[Metric]:
        open_cases = GaugeMetricFamily(
            "madoguchi_cases_open",
            f"Open cases per org and queue (paused ones included). {DATABASE}",
            labels=["org", "queue"],
        )
        overdue = GaugeMetricFamily(
            "madoguchi_cases_overdue",
            f"Open cases past their due date, not paused, per org and queue. {DATABASE}",
            labels=["org", "queue"],
        )
        counts = {(o, q): [0, 0] for o, queues in self.org_queues.items() for q in queues}
        for row in figures.queues:
            key = (row.org_id, row.queue)
            if key not in counts:
                org = row.org_id if row.org_id in self.org_queues else "other"
                key = (org, "other")
            counted = counts.setdefault(key, [0, 0])
            counted[0] += row.open
            counted[1] += row.overdue
        for (org, queue), (opened, late) in sorted(counts.items()):
            open_cases.add_metric([org, queue], opened)
            overdue.add_metric([org, queue], late)
        yield open_cases
        yield overdue
