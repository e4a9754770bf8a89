"""A desk serving LINE members in this test process, against the fake LINE.

The parts ``madoguchi serve`` wires for LINE, in an event loop of their own: the real
``LineChannel`` (its webhook on a real uvicorn server, the real ``line-bot-sdk`` talking to
:class:`tests.fakes.line.FakeLine`), the one turn runner (``bot.runner.ChatTurnRunner``) and
the one delivery engine (``OutboxWorker``, made by ``bot.channels.serving.outbox_worker``, as
``serve`` makes it), around an ``App`` on a real SQLite file and a hand-moved clock. So the
LINE tests exercise the same seam as ``serve``; ``tests/bot/test_line_end_to_end.py`` runs
``serve`` itself.

Nothing waits on time: :meth:`LineDesk.settle` waits until every stored event is worked and
then lets the worker send what is due on the desk's clock (a :class:`tests.conftest.Clock`
the test moves), paced on virtual seconds; reply tokens age on the fake's clock
(:meth:`FakeLine.advance`), which the channel reads too.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import uvicorn
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select
from starlette.applications import Starlette

from bot.app import App
from bot.channels.line import CHANNEL
from bot.channels.line.api import LineApi
from bot.channels.line.channel import WEBHOOK_PATH, LineChannel
from bot.channels.serving import outbox_worker
from bot.config import Settings
from bot.delivery import OutboxWorker, RateLimiter
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from flows.messages import Inbound
from storage import inbox
from storage.models import (
    InboxEvent,
    OutboxMessage,
    ProcessedUpdate,
)
from storage.turns import TurnOutcome
from tests import transcripts
from tests.bot.desk_base import ChatRecords, VirtualSeconds, loop_in_a_thread, paced_card_sync
from tests.bot.served import ENGINE, ROOT
from tests.bot.test_slack_end_to_end import DEPLOYMENT
from tests.conftest import Clock
from tests.fakes.line import FakeLine
from tests.fakes.slack_api import FakeSlackApi
from tests.flows.answers import MENU_NUMBER, answered_to_the_end
from tests.turn_wrappers import WrappedTurns

T = TypeVar("T")
TIMEOUT = 20.0


class GatedRunner:
    """The one turn runner behind a gate: until it opens, events are stored and answered but
    never worked, as when a process stops between the two."""

    def __init__(self, runner: ChatTurnRunner) -> None:
        self.runner = runner
        self.gate = asyncio.Event()

    async def run(
        self,
        inbound: Inbound,
        *,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None = None,
        received: float | None = None,
    ) -> TurnOutcome:
        await self.gate.wait()
        return await self.runner.run(inbound, prepare=prepare, received=received)


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


@dataclass
class LineDesk(ChatRecords):
    channel_name: ClassVar[str] = CHANNEL
    app: App
    clock: Clock
    fake: FakeLine
    channel: LineChannel
    worker: OutboxWorker
    wakeups: Wakeups
    loop: asyncio.AbstractEventLoop

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(TIMEOUT)

    def settle(self) -> None:
        """Every stored event worked, then every due row sent (as far as LINE takes them)."""
        self.call(self._settle())

    def answered(self, _user_id: str, _event_id: str) -> None:
        self.settle()

    async def _settle(self) -> None:
        await self.channel.resumed.wait()  # a restart's leftovers are queued
        await self.channel.idle()
        await self.worker.drain_all()

    def database_away(self, turns: int) -> None:
        """The next ``turns`` turns fail as when the database is briefly locked or away."""
        left = [turns]

        class Away(WrappedTurns):
            def process(self, inbound: Inbound) -> TurnOutcome:
                if left[0]:
                    left[0] -= 1
                    locked = sqlite3.OperationalError("database is locked")
                    raise OperationalError("BEGIN IMMEDIATE", None, locked)
                return super().process(inbound)

        self.app.turns = Away(self.app.turns)  # type: ignore[assignment]

    def turns(self) -> int:
        """LINE events whose turn was committed (each key once, whatever LINE sent twice)."""
        with self.app.db.transaction() as session:
            return int(
                session.exec(
                    select(func.count())
                    .select_from(ProcessedUpdate)
                    .where(col(ProcessedUpdate.key).startswith(f"{CHANNEL}:"))
                ).one()
            )

    def send_errors(self) -> list[OutboxMessage]:
        """Rows LINE refused at least once (sent since or not)."""
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(OutboxMessage).where(col(OutboxMessage.last_error).is_not(None))
                ).all()
            )

    # ------------------------------------------------------------------ reading the database

    def pending(self, user_id: str) -> list[OutboxMessage]:
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == CHANNEL,
                        OutboxMessage.chat_id == user_id,
                        OutboxMessage.status == "pending",
                    )
                    .order_by(col(OutboxMessage.id))
                ).all()
            )

    def inbox_size(self) -> int:
        with self.app.db.transaction() as session:
            return inbox.count(session, CHANNEL)

    def inbox_rows(self) -> list[InboxEvent]:
        with self.app.db.transaction() as session:
            return list(session.exec(select(InboxEvent)).all())


class Answering(Protocol):
    """A desk a member talks to: in this process (:class:`LineDesk`) or ``madoguchi serve``."""

    fake: FakeLine

    def answered(self, user_id: str, event_id: str) -> None:
        """Return once the desk's whole answer to the member's event ``event_id`` is on their
        phone."""
        ...

    def state(self, user_id: str) -> dict[str, Any]:
        """The member's dialogue state, as stored."""
        ...


class LineMember:
    """One member's LINE app: each action waits until the desk's whole answer is shown."""

    def __init__(self, desk: Answering, user_id: str | None = None) -> None:
        self.desk = desk
        self.user_id = user_id or desk.fake.new_member()
        self.answers: list[str] = []
        self.event_ids: list[str] = []  # the webhook events of what the member did, in order

    @property
    def fake(self) -> FakeLine:
        return self.desk.fake

    def _answer_to(self, act: Callable[[], str]) -> str:
        before = len(self.fake.shown(self.user_id))
        self.event_ids.append(act())
        self.desk.answered(self.user_id, self.event_ids[-1])
        shown = self.fake.shown(self.user_id)[before:]
        answer = "\n".join(str(message["text"]) for message in shown)
        self.answers.append(answer)
        return answer

    def follows(self) -> str:
        return self._answer_to(lambda: self.fake.follow(self.user_id))

    def says(self, text: str) -> str:
        return self._answer_to(lambda: self.fake.send_text(self.user_id, text))

    def at_the_menu(self, org: str = "コープデリ") -> str:
        """Adds the account and picks the co-op: the menu is shown."""
        self.follows()
        return self.presses(org)

    def presses(self, label_part: str) -> str:
        """Taps the quick reply whose label holds ``label_part``."""
        buttons = self.fake.buttons(self.user_id)
        data = next((d for label, d in buttons if label_part in label), None)
        assert data is not None, f"no button with {label_part!r}: {buttons!r}"
        return self._answer_to(lambda: self.fake.press(self.user_id, data))

    def answer(self, text: str, *, with_buttons: bool) -> str:
        """``text`` by its quick reply (its number or part of its label) when asked to and
        one matches; typed otherwise."""
        buttons = self.fake.buttons(self.user_id)
        if with_buttons and text.isdigit() and 0 < int(text) <= len(buttons):
            data = buttons[int(text) - 1][1]
            return self._answer_to(lambda: self.fake.press(self.user_id, data))
        if with_buttons and any(text in label for label, _ in buttons):
            return self.presses(text)
        return self.says(text)

    def completes(self, request_type: str, *, with_buttons: bool) -> str:
        """From the menu, the request sent with valid answers; the desk's last answer."""
        reply = self.answer(MENU_NUMBER[request_type], with_buttons=with_buttons)
        return self.finishes(with_buttons=with_buttons, reply=reply)

    def finishes(self, *, with_buttons: bool, reply: str = "") -> str:
        """The request being entered, answered to its end and sent."""
        return answered_to_the_end(
            ENGINE,
            lambda: self.desk.state(self.user_id),
            lambda text: self.answer(text, with_buttons=with_buttons),
            reply=reply,
        )

    def taps_menu(self, key: str) -> str:
        """Taps an area of the rich menu (``disclosure``, ``status`` …)."""
        return self._answer_to(lambda: self.fake.press_rich_menu(self.user_id, key))

    def transcript(self, script: str) -> str:
        """会員: types, 会員が押す: taps a quick reply, 窓口: must be in the answer to the
        member's latest action, 窓口にない: must not."""
        answer = self.answers[-1] if self.answers else ""
        return transcripts.play(script, self.says, self.presses, answer)


def line_settings(
    directory: Path, fake: FakeLine, deployment: Path | None = None, **more: str
) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite:///{directory / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=deployment or ROOT / "madoguchi.toml",
        LINE_CHANNEL_SECRET=fake.channel_secret,
        LINE_CHANNEL_ACCESS_TOKEN=fake.access_token,
        LINE_API_BASE_URL=fake.base_url,
        LINE_DATA_API_BASE_URL=fake.base_url,
        **more,  # type: ignore[arg-type]
    )


# What starting the desk gives: the channel, the delivery engine, the webhook's server, tasks.
_Started = tuple[LineChannel, OutboxWorker, uvicorn.Server, list[asyncio.Task[Any]]]


@contextmanager
def line_desk(
    directory: Path,
    fake: FakeLine,
    *,
    deployment: Path | None = None,
    clock: Clock | None = None,
    gate: bool = False,
    slack: FakeSlackApi | None = None,
    **channel_options: Any,
) -> Iterator[LineDesk]:
    """The desk on a SQLite file in ``directory``, its webhook registered with the fake.
    ``gate``: turns wait (an event is stored and answered, never worked) until the desk
    is left, as when a process stops between storing and working. ``slack``: the card sync
    too, with the Slack end-to-end tests' queues, brought up to date only when something
    wakes it (its timer is an hour)."""
    if slack is not None and deployment is None:
        deployment = directory / "madoguchi.toml"
        deployment.write_text(DEPLOYMENT, encoding="utf-8")
    settings = line_settings(directory, fake, deployment)
    clock = clock or Clock()
    app = App.build(settings, clock=clock)
    wakeups = Wakeups()
    with closing(app.db), socket.socket() as listener, loop_in_a_thread() as loop:
        stop = asyncio.Event()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        async def start() -> _Started:
            runner = ChatTurnRunner(app, wakeups)
            api = LineApi(
                fake.access_token, settings.line_api_base_url, settings.line_data_api_base_url, 10.0
            )
            channel = LineChannel(
                app,
                GatedRunner(runner) if gate else runner,
                api,
                channel_secret=fake.channel_secret,
                wakeups=wakeups,
                now=fake.now,
                sleep=no_wait,
                **channel_options,
            )
            worker = outbox_worker(app, channel, wakeups)
            pacing = VirtualSeconds()
            worker.limiter = RateLimiter(
                channel.limits.send_rate,
                channel.limits.per_chat_interval,
                monotonic=pacing.monotonic,
                sleep=pacing.sleep,
            )
            server = uvicorn.Server(
                uvicorn.Config(
                    Starlette(routes=list(channel.routes())), log_level="warning", lifespan="off"
                )
            )
            tasks = [
                asyncio.create_task(server.serve(sockets=[listener])),
                asyncio.create_task(channel.run(stop)),
            ]
            if slack is not None:
                sync = paced_card_sync(app, slack, clock, pacing, interval=3600.0)
                wakeups.add_staff(sync.wake)
                tasks.append(asyncio.create_task(sync.run(stop)))
            while not server.started:
                await asyncio.sleep(0.01)
            return channel, worker, server, tasks

        channel, worker, server, tasks = asyncio.run_coroutine_threadsafe(start(), loop).result(
            TIMEOUT
        )
        fake.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        desk = LineDesk(app, clock, fake, channel, worker, wakeups, loop)
        try:
            yield desk
        finally:

            async def finish() -> None:
                stop.set()
                server.should_exit = True
                for task in tasks[2:]:  # the card sync waits for a wake-up or its timer
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await channel.close()

            asyncio.run_coroutine_threadsafe(finish(), loop).result(TIMEOUT)
