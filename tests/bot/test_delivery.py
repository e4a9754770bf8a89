"""Asynchronous, rate-limited delivery: order per chat, concurrency across chats, no loss."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import App
from bot.channels import ChannelLimits, telegram_limits
from bot.config import Settings
from bot.delivery import OutboxWorker, RateLimiter
from bot.dispatch import TemporaryFailure, Unreachable
from flows.messages import Inbound
from storage.models import (
    PRIORITY_ANSWER,
    PRIORITY_NOTICE,
    CaseEvent,
    Conversation,
    OutboxMessage,
)
from storage.staff import StaffActor
from tests.conftest import Clock
from tests.flows.answers import COMPLAINT

ROOT = Path(__file__).resolve().parents[2]


def build(database_url: str, clock: Clock, channel: str = "telegram") -> App:
    settings = Settings(
        DATABASE_URL=database_url,
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
    )
    return App.build(settings, clock=clock, one_message_per_turn=frozenset({channel}))


def say(app: App, chat_id: str, key: str, **event: str) -> None:
    app.turns.process(Inbound("telegram", chat_id, key, **event))  # type: ignore[arg-type]


class RecordingSender:
    """A channel with Telegram's limits that accepts messages, or fails / holds them for
    chats it is told about."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: dict[str, Exception] = {}
        self.held: dict[str, asyncio.Event] = {}
        self.delivered = asyncio.Event()  # set whenever a message got through
        self.started: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    @property
    def limits(self) -> ChannelLimits:
        return telegram_limits.LIMITS

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        [message] = messages  # one row a call, as sendMessage takes
        self.started[message.chat_id].set()
        if message.chat_id in self.held:
            await self.held[message.chat_id].wait()
        failure = self.failures.get(message.chat_id)
        if failure is not None:
            raise failure
        self.sent.append((message.chat_id, message.text))
        self.delivered.set()


def pending(app: App, chat_id: str) -> list[OutboxMessage]:
    with app.db.transaction() as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending"
                )
            ).all()
        )


def fast_worker(app: App, sender: RecordingSender) -> OutboxWorker:
    worker = OutboxWorker(app.db, sender, app.clock, per_chat_interval=0.0)
    return worker


def test_one_turn_is_one_telegram_message_with_its_buttons(
    database_url: str, tmp_path: Path
) -> None:
    app = build(database_url, Clock())
    say(app, "1", "u1", command="start", argument="coopdeli")
    rows = pending(app, "1")
    assert len(rows) == 1
    assert "こんにちは" in rows[0].text and "ご用件を選んでください" in rows[0].text
    assert len(rows[0].choices) == 10


def test_a_slow_chat_does_not_hold_up_the_others(database_url: str, tmp_path: Path) -> None:
    app = build(database_url, Clock())
    for chat in ("slow", "quick"):
        say(app, chat, f"start-{chat}", command="start", argument="coopdeli")

    async def scenario() -> list[tuple[str, str]]:
        sender = RecordingSender()
        sender.held["slow"] = asyncio.Event()
        worker = fast_worker(app, sender)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        await sender.delivered.wait()  # while "slow" is still stuck in its send
        assert [chat for chat, _ in sender.sent] == ["quick"]
        sender.held["slow"].set()
        await worker.drain_all()
        stop.set()
        await running
        return sender.sent

    sent = asyncio.run(asyncio.wait_for(scenario(), timeout=10))
    assert sorted(chat for chat, _ in sent) == ["quick", "slow"]  # each exactly once


def test_messages_in_one_chat_keep_their_order_after_a_429(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    app = build(database_url, clock)
    say(app, "1", "a", command="start", argument="coopdeli")
    say(app, "1", "b", text="3")
    sender = RecordingSender()
    sender.failures["1"] = TemporaryFailure("429", retry_after=7)
    worker = fast_worker(app, sender)
    asyncio.run(worker.drain_all())
    assert sender.sent == []
    assert pending(app, "1")[0].next_attempt_at == clock.now + _seconds(7)

    del sender.failures["1"]
    asyncio.run(worker.drain_all())
    assert sender.sent == []  # not before retry_after
    clock.advance(seconds=8)
    asyncio.run(worker.drain_all())
    texts = [text for _, text in sender.sent]
    assert len(texts) == 2
    assert "こんにちは" in texts[0] and "開示" in texts[1]


def test_network_errors_are_retried_with_backoff_and_nothing_is_lost(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    app = build(database_url, clock)
    say(app, "1", "a", command="start", argument="coopdeli")
    sender = RecordingSender()
    sender.failures["1"] = TemporaryFailure("TimedOut")
    worker = fast_worker(app, sender)
    for _ in range(3):
        asyncio.run(worker.drain_all())
        clock.advance(minutes=10)
    assert pending(app, "1")[0].attempts == 3
    del sender.failures["1"]
    asyncio.run(worker.drain_all())
    assert len(sender.sent) == 1 and pending(app, "1") == []


def test_a_member_who_blocked_the_bot_is_unreachable_and_their_case_says_so(
    database_url: str,
    tmp_path: Path,
) -> None:
    clock = Clock()
    app = build(database_url, clock)
    say(app, "1", "start", command="start", argument="coopdeli")
    for key, text in enumerate(COMPLAINT):
        say(app, "1", f"k{key}", text=text)
    [case] = app.cases.list_unaudited()
    asyncio.run(fast_worker(app, RecordingSender()).drain_all())

    app.cases.reply(case.number, StaffActor.trusted("sato"), "お電話でご説明します。")
    sender = RecordingSender()
    sender.failures["1"] = Unreachable("forbidden")
    asyncio.run(fast_worker(app, sender).drain_all())

    with app.db.transaction() as session:
        conversation = session.exec(select(Conversation)).one()
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert conversation.reachable is False
    assert "member_unreachable" in [e.kind for e in events]
    assert len(pending(app, "1")) == 1  # kept for when they come back


class VirtualTime:
    """A monotonic clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self._advance(seconds)

    def _advance(self, seconds: float) -> None:
        # At least to the next float, as a real clock always moves on: ``now + (t - now)`` may
        # land one step short of ``t``, and a sleep of what is left would then change nothing.
        self.now = max(self.now + seconds, math.nextafter(self.now, math.inf))


class SteppedTime(VirtualTime):
    """Virtual time in which a sleeper also lets the other tasks run, as a real sleep does."""

    async def sleep(self, seconds: float) -> None:
        self._advance(seconds)
        await asyncio.sleep(0)


def test_the_rate_limiter_caps_the_total_at_30_a_second() -> None:
    time = VirtualTime()
    limiter = RateLimiter(per_second=30, per_chat_interval=1.0, monotonic=time, sleep=time.sleep)

    async def burst() -> list[float]:
        stamps = []
        for chat in range(95):  # 95 different chats at once
            await limiter.acquire(str(chat))
            stamps.append(time.now)
        return stamps

    stamps = asyncio.run(burst())
    assert max(sum(1 for s in stamps if start <= s < start + 1) for start in stamps) == 30
    assert stamps[-1] < 4.0  # and it does not wait more than it must


def test_the_rate_limiter_spaces_one_chat_but_not_the_others() -> None:
    time = VirtualTime()
    limiter = RateLimiter(per_second=30, per_chat_interval=1.0, monotonic=time, sleep=time.sleep)

    async def scenario() -> tuple[float, float]:
        await limiter.acquire("alice")
        before = time.now
        await limiter.acquire("bob")
        bob_waited = time.now - before
        await limiter.acquire("alice")
        return bob_waited, time.now

    bob_waited, alice_again = asyncio.run(scenario())
    assert bob_waited == pytest.approx(1 / 30)  # only the overall pacing, not alice's second
    assert alice_again == 1.0


def test_a_backlog_goes_out_evenly_so_an_answer_never_waits_for_a_burst_to_pass() -> None:
    time = VirtualTime()
    limiter = RateLimiter(per_second=30, per_chat_interval=1.0, monotonic=time, sleep=time.sleep)

    async def scenario() -> tuple[list[float], float]:
        stamps = []
        for chat in range(90):  # three seconds of notices
            await limiter.acquire(str(chat))
            stamps.append(time.now)
        written = time.now
        await limiter.acquire("member", urgent=True)
        return stamps, time.now - written

    stamps, answer_waited = asyncio.run(scenario())
    assert min(b - a for a, b in itertools.pairwise(stamps)) == pytest.approx(1 / 30)
    assert answer_waited == pytest.approx(1 / 30)  # one interval, not the rest of a second


def test_an_urgent_send_takes_the_next_slot_before_sends_waiting_longer() -> None:
    time = SteppedTime()
    limiter = RateLimiter(per_second=1, per_chat_interval=0.0, monotonic=time, sleep=time.sleep)
    order: list[tuple[str, float]] = []

    async def send(chat: str, urgent: bool = False) -> None:
        await limiter.acquire(chat, urgent=urgent)
        order.append((chat, time.now))

    async def scenario() -> None:
        await send("first")  # the window is now full for a second
        await asyncio.gather(send("notice-1"), send("notice-2"), send("answer", urgent=True))

    asyncio.run(scenario())
    assert order == [("first", 0.0), ("answer", 1.0), ("notice-1", 2.0), ("notice-2", 3.0)]


def test_a_send_counts_against_the_limit_until_it_has_finished() -> None:
    """A slow request may reach the platform at any moment before it returns: the next slot
    is a second after it finished, not a second after it began."""
    time = SteppedTime()
    limiter = RateLimiter(per_second=1, per_chat_interval=1.0, monotonic=time, sleep=time.sleep)
    started: dict[str, float] = {}

    async def slow(chat: str) -> None:
        async with limiter.slot(chat):
            started[chat] = time.now
            await time.sleep(5.0)  # the request hangs for 5 s

    async def scenario() -> None:
        await asyncio.gather(slow("a"), slow("b"))
        await slow("a")

    asyncio.run(scenario())
    assert started == {"a": 12.0, "b": 6.0}  # b: 1 s after a's first send ended; a: after b


class FirstSendHeld:
    """Holds the first send in flight until the other chats wait for a slot, so the order in
    which they then go is the limiter's, not the threads'."""

    def __init__(self, worker: Callable[[], OutboxWorker], others: int) -> None:
        self.worker, self.others = worker, others
        self.sent: list[tuple[str, str]] = []

    @property
    def limits(self) -> ChannelLimits:
        return telegram_limits.LIMITS

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        [message] = messages
        if not self.sent:
            while self.worker().limiter.waiting < self.others:
                await asyncio.sleep(0.01)
        self.sent.append((message.chat_id, message.text))


def test_a_chat_with_an_answer_waiting_goes_before_a_backlog_of_notices(
    database_url: str, tmp_path: Path
) -> None:
    app = build(database_url, Clock())
    chats = ["n1", "n2", "n3", "n4", "member"]
    for chat in chats:
        say(app, chat, f"start-{chat}", command="start", argument="coopdeli")
        for key, text in enumerate(COMPLAINT):
            say(app, chat, f"{chat}-{key}", text=text)
    asyncio.run(fast_worker(app, RecordingSender()).drain_all())
    numbers = {case.conversation_id: case.number for case in app.cases.list_unaudited()}
    for number in numbers.values():  # a batch of notices, the member's last
        app.cases.reply(number, StaffActor.trusted("sato"), "ご案内です。")
    say(app, "member", "later", text="ありがとうございます")  # and now they write
    assert [(row.chat_id, row.priority) for row in pending(app, "member")] == [
        ("member", PRIORITY_NOTICE),
        ("member", PRIORITY_ANSWER),
    ]

    time = SteppedTime()
    worker = OutboxWorker(
        app.db, FirstSendHeld(lambda: worker, others=4), app.clock, per_chat_interval=0
    )
    worker.limiter = RateLimiter(1, 0.0, monotonic=time, sleep=time.sleep)
    asyncio.run(worker.drain_all())
    sent = worker.channel.sent  # type: ignore[attr-defined]

    order = [chat for chat, _ in sent]
    assert sorted(order) == sorted([*chats, "member"])  # everything, once
    # The member's chat went next (the first send was already under way), its own messages
    # in their order: the notice written before their message, then the answer to it.
    assert order.index("member") <= 1
    member = [text for chat, text in sent if chat == "member"]
    assert "ご案内です。" in member[0] and "ご案内です。" not in member[1]


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def test_an_answer_written_during_its_chats_send_goes_right_after_it_even_with_the_rest_busy(
    database_url: str, tmp_path: Path
) -> None:
    """The worker tops up its claimed rows only when a tenth of them is free, but a chat given
    a row while its previous one was on the wire is looked at again as soon as that send ends,
    not at the next poll (a minute here)."""
    app = build(database_url, Clock())
    others = [f"n{number}" for number in range(19)]
    for chat in [*others, "member"]:
        say(app, chat, f"start-{chat}", command="start", argument="coopdeli")

    async def scenario() -> list[str]:
        sender = RecordingSender()
        sender.held = {chat: asyncio.Event() for chat in [*others, "member"]}
        worker = OutboxWorker(
            app.db,
            sender,
            app.clock,
            per_chat_interval=0.0,
            global_per_second=400,
            claim_seconds=0.1,  # at most 20 rows claimed at once: two free is a tenth
            poll_interval=60,
            sends_at_once=32,
        )
        rounds = asyncio.Event()
        start_round = worker._start_round

        async def counted_round() -> int:
            claimed = await start_round()
            rounds.set()
            return claimed

        worker._start_round = counted_round  # type: ignore[method-assign]
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        await sender.started["member"].wait()
        say(app, "member", "member-menu", text="3")  # the member answers meanwhile
        rounds.clear()
        worker.wake("member")
        await rounds.wait()  # that round found the chat busy and left its new row
        sender.held["member"].set()  # the other 19 chats stay on the wire
        while [chat for chat, _ in sender.sent].count("member") < 2:
            sender.delivered.clear()
            await sender.delivered.wait()
        for chat in others:
            sender.held[chat].set()
        stop.set()
        await running
        return [chat for chat, _ in sender.sent]

    sent = asyncio.run(asyncio.wait_for(scenario(), timeout=10))
    assert sent[:2] == ["member", "member"]
