"""The member-channel contract, checked once for every channel, each against its fake.

Every channel is driven the way ``madoguchi serve`` (or ``madoguchi chat``) drives it: made
by its factory, its rows sent by the one delivery engine, the member's turns run by the one
turn runner. A new channel adds a harness to ``HARNESSES`` (its factory, its fake, and how
the fake shows what the member received or refuses a send); every check below then holds
for it too.

Pacing is kept (the channel's own per-chat gap and overall rate) on virtual seconds, and
the desk's clock is moved by hand: nothing waits for real.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot import channels
from bot.app import App
from bot.channels import telegram
from bot.channels.base import MemberChannel
from bot.channels.line import channel as line_channel
from bot.channels.serving import outbox_worker
from bot.channels.terminal import PROMPT, TerminalChannel
from bot.channels.webchat.channel import WebChannel, web_settings
from bot.config import Settings
from bot.delivery import OutboxWorker, RateLimiter
from bot.dispatch import TemporaryFailure
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage import web_sessions
from storage.models import CaseEvent, Conversation, OutboxMessage
from storage.outbox import pending_rows
from storage.staff import StaffActor
from storage.turns import enqueue
from tests.bot.telegram_desk import VirtualSeconds
from tests.conftest import Clock
from tests.fakes.line import FakeLine
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

ROOT = Path(__file__).resolve().parents[2]
CHOICES = [["first", "いち"], ["second", "に"], ["third", "さん"], ["fourth", "よん"]]


@dataclass(frozen=True)
class Shown:
    """One message as the member's app shows it: its text and its buttons' labels."""

    text: str
    labels: tuple[str, ...] = ()


@dataclass
class Harness:
    """One channel made by its factory, with its fake platform."""

    app: App
    clock: Clock
    channel: MemberChannel
    wakeups: Wakeups
    chat_id: str  # a member the platform knows
    received: Callable[[], list[Shown]]  # what reached that member, in order
    refuse_next_send: Callable[[], None]  # the next send fails, for now only
    member_leaves: Callable[[], None]  # every send to the member is refused from now on

    @property
    def name(self) -> str:
        return self.channel.limits.name

    def worker(self) -> OutboxWorker:
        """The engine as ``serve`` gives it to the channel, paced on virtual seconds."""
        worker = outbox_worker(self.app, self.channel, self.wakeups)
        pacing = VirtualSeconds()
        limits = self.channel.limits
        worker.limiter = RateLimiter(
            limits.send_rate,
            limits.per_chat_interval,
            monotonic=pacing.monotonic,
            sleep=pacing.sleep,
        )
        return worker

    async def deliver(self) -> None:
        await self.worker().drain_all()

    async def says(self, key: str, **event: str) -> None:
        inbound = Inbound(self.name, self.chat_id, f"{self.name}:{key}", **event)  # type: ignore[arg-type]
        await ChatTurnRunner(self.app, self.wakeups).run(inbound)

    def queue(self, text: str, choices: list[list[str]] | None = None) -> None:
        """A message for the member, queued as a staff reply is: split by the app's limits."""
        now = self.clock()
        with self.app.db.transaction() as session:
            conversation = session.exec(
                select(Conversation).where(
                    Conversation.channel == self.name, Conversation.chat_id == self.chat_id
                )
            ).first()
            if conversation is None:
                conversation = Conversation(
                    channel=self.name, chat_id=self.chat_id, created_at=now, updated_at=now
                )
                session.add(conversation)
                session.flush()
            limit = self.app.turns.text_limits.get(self.name)
            enqueue(session, conversation, text, now, choices=choices, limit=limit)

    def pending(self) -> list[OutboxMessage]:
        return pending_rows(self.app.db, self.name, self.chat_id)


HarnessFactory = Callable[[str, Path], AbstractAsyncContextManager[Harness]]


def settings_for(database_url: str, **extra: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
        **extra,  # type: ignore[arg-type]
    )


_NUMBER = re.compile(r"^[0-9]+\.\s*")


@asynccontextmanager
async def telegram_harness(database_url: str, _directory: Path) -> AsyncIterator[Harness]:
    """Telegram through ``serve``'s factory, against the fake Bot API."""
    with FakeBotApi() as fake:
        settings = settings_for(
            database_url, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url
        )
        clock = Clock()
        app = App.build(settings, clock=clock)
        wakeups = Wakeups()
        channel = await telegram.start(settings, app, wakeups)
        assert channel is not None
        member = 4242
        fake.ensure_chat(member)

        def received() -> list[Shown]:
            return [
                Shown(
                    sent["text"],
                    tuple(
                        _NUMBER.sub("", button["text"])
                        for row in (sent.get("reply_markup") or {}).get("inline_keyboard", [])
                        for button in row
                    ),
                )
                for sent in fake.sent_messages(member)
            ]

        try:
            yield Harness(
                app,
                clock,
                channel,
                wakeups,
                str(member),
                received,
                lambda: fake.fail_next("sendMessage", status=429, retry_after=3, chat_id=member),
                lambda: fake.block(member),
            )
        finally:
            await channel.close()
            app.db.close()


def _without_numbered_choices(text: str, choices: int) -> str:
    """A LINE message's text without the numbered list of its quick replies' choices, which
    the channel adds under the text so a typed number works too."""
    if not choices:
        return text
    body, _, listed = text.rpartition("\n\n")
    lines = listed.split("\n")
    assert len(lines) == choices and all(_NUMBER.match(line) for line in lines), text[-200:]
    return body


@asynccontextmanager
async def line_harness(database_url: str, _directory: Path) -> AsyncIterator[Harness]:
    """LINE through ``serve``'s factory, against the fake LINE (no reply token: pushes)."""
    with FakeLine() as fake:
        settings = settings_for(
            database_url,
            LINE_CHANNEL_SECRET=fake.channel_secret,
            LINE_CHANNEL_ACCESS_TOKEN=fake.access_token,
            LINE_API_BASE_URL=fake.base_url,
            LINE_DATA_API_BASE_URL=fake.base_url,
        )
        clock = Clock()
        app = App.build(settings, clock=clock)
        wakeups = Wakeups()
        channel = await line_channel.start(settings, app, wakeups)
        assert channel is not None
        member = fake.new_member(friend=True)

        def received() -> list[Shown]:
            shown = []
            for message in fake.shown(member):
                items = message.get("quickReply", {}).get("items", [])
                labels = tuple(_NUMBER.sub("", item["action"]["label"]) for item in items)
                shown.append(Shown(_without_numbered_choices(message["text"], len(labels)), labels))
            return shown

        try:
            yield Harness(
                app,
                clock,
                channel,
                wakeups,
                member,
                received,
                lambda: fake.fail_next("push", status=429),
                lambda: fake.block_quietly(member),
            )
        finally:
            await channel.close()
            app.db.close()


class TerminalOutput(io.StringIO):
    """The member's terminal: takes what is printed, or refuses it when told to."""

    def __init__(self) -> None:
        super().__init__()
        self.refusals: list[OSError] = []
        self.closed_for_good = False

    def write(self, text: str) -> int:
        if self.closed_for_good:
            raise BrokenPipeError("the terminal is gone")
        if self.refusals:
            raise self.refusals.pop(0)
        return super().write(text)


@asynccontextmanager
async def terminal_harness(database_url: str, _directory: Path) -> AsyncIterator[Harness]:
    """The terminal chat's channel, printing to a terminal the test reads."""
    clock = Clock()
    app = App.build(settings_for(database_url), clock=clock)
    out = TerminalOutput()
    channel = TerminalChannel(out)

    def received() -> list[Shown]:
        shown = []
        for block in out.getvalue().replace(PROMPT, "").split("\n\n"):
            if not block:
                continue
            lines = block.split("\n")
            labels = tuple(_NUMBER.sub("", line.strip()) for line in lines if line[:2] == "  ")
            text = "\n".join(line for line in lines if line[:2] != "  ")
            shown.append(Shown(text, labels))
        return shown

    def leave() -> None:
        out.closed_for_good = True

    try:
        yield Harness(
            app,
            clock,
            channel,
            Wakeups(),
            "hanako",
            received,
            lambda: out.refusals.append(BlockingIOError("the terminal is busy")),
            leave,
        )
    finally:
        await channel.close()
        app.db.close()


class _WebPageBusy(WebChannel):
    """The web chat, whose next record of a sent row fails once (the database busy)."""

    failing = False

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        if self.failing:
            self.failing = False
            raise TemporaryFailure("the database is busy", retry_after=60)
        await super().send(messages)


@asynccontextmanager
async def web_harness(database_url: str, _directory: Path) -> AsyncIterator[Harness]:
    """The web chat through ``serve``'s settings; what the member's page shows is what the
    page reads back (``storage.web_sessions``)."""
    settings = settings_for(database_url, WEBCHAT_ENABLED="1")
    clock = Clock()
    app = App.build(settings, clock=clock)
    wakeups = Wakeups()
    configured = web_settings(settings, app)
    assert configured is not None
    channel = _WebPageBusy(app, ChatTurnRunner(app, wakeups), configured)
    member = "w-hanako"

    def received() -> list[Shown]:
        return [
            Shown(m.text, tuple(label for _id, label in m.choices))
            for m in web_sessions.history(app.db, member)
            if m.author == "desk"
        ]

    def refuse_next_send() -> None:
        channel.failing = True

    def leave() -> None:
        pytest.skip("a web page is never unreachable: a closed page reads its messages later")

    try:
        yield Harness(app, clock, channel, wakeups, member, received, refuse_next_send, leave)
    finally:
        await channel.close()
        app.db.close()


HARNESSES: dict[str, HarnessFactory] = {
    "telegram": telegram_harness,
    "line": line_harness,
    "terminal": terminal_harness,
    "web": web_harness,
}


@pytest.fixture(params=list(HARNESSES))
def harness(request: pytest.FixtureRequest) -> HarnessFactory:
    return HARNESSES[request.param]


def run(
    harness: HarnessFactory,
    database_url: str,
    tmp_path: Path,
    scenario: Callable[[Harness], Awaitable[None]],
) -> None:
    async def whole() -> None:
        async with harness(database_url, tmp_path) as made:
            await scenario(made)

    asyncio.run(asyncio.wait_for(whole(), timeout=60))


def no_space(text: str) -> str:
    return "".join(text.split())


# ---------------------------------------------------------------------- the checks


def test_a_channels_limits_are_sane_and_are_the_ones_every_process_splits_by(
    harness: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    async def scenario(made: Harness) -> None:
        limits = made.channel.limits
        registered = channels.limits_of(limits.name)
        assert registered is not None, "declare the channel's ENTRY (see bot.channels)"
        assert (registered.text, registered.messages_per_call, registered.one_message_per_turn) == (
            limits.text,
            limits.messages_per_call,
            limits.one_message_per_turn,
        )
        assert limits.text.size >= 1 and limits.text.fits("あ")
        assert not limits.text.fits("a" * (limits.text.size + 1))
        assert limits.messages_per_call >= 1
        assert limits.send_rate > 0 and limits.per_chat_interval >= 0
        assert limits.max_choices is None or limits.max_choices >= 1
        assert limits.choice_label is None or limits.choice_label >= 1
        # What the app queues is split by it, and merged as it says.
        assert made.app.turns.text_limits[limits.name] == limits.text
        assert made.app.cases.text_limits[limits.name] == limits.text
        merged = limits.name in made.app.turns.one_message_per_turn
        assert merged == limits.one_message_per_turn
        # It stops when told to (polling included), and its routes can be mounted.
        stop = asyncio.Event()
        stop.set()
        await asyncio.wait_for(made.channel.run(stop), timeout=30)
        assert all(hasattr(route, "path") for route in made.channel.routes())

    run(harness, database_url, tmp_path, scenario)


def test_a_text_longer_than_one_message_arrives_whole_in_ordered_parts(
    harness: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    async def scenario(made: Harness) -> None:
        limit = made.channel.limits.text
        sentences, length = [], 0
        while length <= limit.size:
            sentences.append(f"{len(sentences) + 1}番目のお知らせです。\n")
            length += limit.measure(sentences[-1])
        text = "".join(sentences) + "最後の一文です。"
        made.queue(text, CHOICES)
        await made.deliver()
        shown = made.received()
        assert len(shown) >= 2  # split, not refused and not cut
        assert all(limit.fits(message.text) for message in shown)
        assert no_space("".join(message.text for message in shown)) == no_space(text)
        assert [m.labels for m in shown] == [()] * (len(shown) - 1) + [
            ("いち", "に", "さん", "よん")
        ]
        assert made.pending() == []

    run(harness, database_url, tmp_path, scenario)


def test_a_message_with_choices_shows_them_in_their_order(
    harness: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    async def scenario(made: Harness) -> None:
        made.queue("どちらになさいますか。", list(reversed(CHOICES)))
        await made.deliver()
        assert made.received() == [Shown("どちらになさいますか。", ("よん", "さん", "に", "いち"))]

    run(harness, database_url, tmp_path, scenario)


def test_a_send_that_fails_for_now_is_sent_again_later_in_order_and_once(
    harness: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    async def scenario(made: Harness) -> None:
        made.queue("一通目です。")
        made.queue("二通目です。")
        made.refuse_next_send()
        await made.deliver()
        assert made.received() == []  # the second never overtakes the first
        assert [row.text for row in made.pending()] == ["一通目です。", "二通目です。"]
        await made.deliver()
        assert made.received() == []  # not before its time

        made.clock.advance(minutes=10)
        await made.deliver()
        assert made.received() == [Shown("一通目です。"), Shown("二通目です。")]
        assert made.pending() == []

    run(harness, database_url, tmp_path, scenario)


def test_a_member_who_cannot_be_reached_is_flagged_on_their_open_cases_and_nothing_is_lost(
    harness: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    async def scenario(made: Harness) -> None:
        await made.says("start", command="start", argument="coopdeli")
        for number, text in enumerate(COMPLAINT):
            await made.says(f"complaint-{number}", text=text)
        await made.deliver()
        [case] = made.app.cases.list_unaudited()
        before = len(made.received())

        made.app.cases.reply(case.number, StaffActor.trusted("sato"), "お電話でご説明します。")
        made.member_leaves()
        await made.deliver()
        with made.app.db.transaction() as session:
            conversation = session.exec(select(Conversation)).one()
            events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert conversation.reachable is False
        assert [e.kind for e in events].count("member_unreachable") == 1
        assert len(made.received()) == before
        [kept] = made.pending()  # kept for when they come back
        assert "お電話でご説明します。" in kept.text

    run(harness, database_url, tmp_path, scenario)
