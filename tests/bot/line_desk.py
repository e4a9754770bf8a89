"""A desk serving LINE members in this test process, against the fake LINE.

A small stand-in for what ``madoguchi serve`` will wire once the channel seam lands: the real
``LineChannel`` (its webhook on a real uvicorn server, the real ``line-bot-sdk`` talking to
:class:`tests.fakes.line.FakeLine`), a minimal turn runner (``app.db.run(app.turns.process,
…)``) and a delivery step that hands each chat's pending rows, five at a time, to
``channel.send``. It will be replaced by the seam's runner and outbox worker.

Nothing waits on time: :meth:`LineDesk.settle` waits until every stored event is worked and
then sends what is due on the desk's clock (a :class:`tests.conftest.Clock` the test moves);
reply tokens age on the fake's clock (:meth:`FakeLine.advance`), which the channel reads too.
"""

from __future__ import annotations

import asyncio
import socket
import textwrap
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from sqlmodel import col, select
from starlette.applications import Starlette

from bot import channels
from bot.app import App
from bot.channels.line import CHANNEL, LIMITS
from bot.channels.line.api import LineApi
from bot.channels.line.channel import WEBHOOK_PATH, LineChannel
from bot.config import Settings
from bot.dispatch import TemporaryFailure, Unreachable, backoff, record_attempt
from flows.messages import Inbound
from storage import inbox
from storage.models import Case, CaseEvent, Conversation, InboxEvent, OutboxMessage
from storage.turns import TurnOutcome
from tests.bot.served import ENGINE, ROOT
from tests.conftest import Clock
from tests.fakes.line import FakeLine
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, pending_step

T = TypeVar("T")
TIMEOUT = 20.0


class MinimalRunner:
    """The turn runner's contract (``bot.channels.base.TurnRunner``) at its smallest."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.gate: asyncio.Event | None = None  # set: turns wait for it (a stopped desk)
        self.turns = 0
        self.fail_next = 0  # turns that raise, as when the database is briefly away

    async def run(
        self,
        inbound: Inbound,
        *,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None = None,
        received: float | None = None,
    ) -> TurnOutcome:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("the database is away")
        if prepare is not None:
            inbound = await prepare(inbound)
        outcome: TurnOutcome = await self.app.db.run(self.app.turns.process, inbound)
        self.turns += 0 if outcome.duplicate else 1
        return outcome


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


@dataclass
class LineDesk:
    app: App
    clock: Clock
    fake: FakeLine
    channel: LineChannel
    runner: MinimalRunner
    loop: asyncio.AbstractEventLoop
    failures: list[Exception] = field(default_factory=list)

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(TIMEOUT)

    def settle(self) -> None:
        """Every stored event worked, then every due row sent (as far as LINE takes them)."""
        self.call(self._settle())

    async def _settle(self) -> None:
        await self.channel.idle()
        while await self._deliver_round():
            await self.channel.idle()

    async def _deliver_round(self) -> int:
        """Send each chat's due rows (up to five, oldest first); how many sends succeeded."""
        batches = await self.app.db.run(self._due_batches)
        sent = 0
        for rows in batches:
            try:
                await self.channel.send(rows)
            except TemporaryFailure as failure:
                self.failures.append(failure)
                delay = failure.retry_after or backoff(rows[0].attempts)
                for row in rows:
                    record_attempt(self.app.db, self.clock, row, error=str(failure), delay=delay)
                continue
            except Unreachable as failure:
                self.failures.append(failure)
                for row in rows:
                    record_attempt(
                        self.app.db, self.clock, row, error=str(failure), unreachable=True
                    )
                continue
            for row in rows:
                record_attempt(self.app.db, self.clock, row)
            sent += 1
        return sent

    def _due_batches(self) -> list[list[OutboxMessage]]:
        now = self.clock()
        with self.app.db.transaction() as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.channel == CHANNEL)
                .order_by(col(OutboxMessage.id))
            ).all()
        batches: dict[str, list[OutboxMessage]] = {}
        held: set[str] = set()
        for row in rows:
            if row.chat_id in held:
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                held.add(row.chat_id)  # a chat's order is kept: nothing passes its head
                continue
            batch = batches.setdefault(row.chat_id, [])
            if len(batch) < LIMITS.messages_per_call:
                batch.append(row)
        return list(batches.values())

    # ------------------------------------------------------------------ reading the database

    def conversation(self, user_id: str) -> Conversation | None:
        with self.app.db.transaction() as session:
            return session.exec(
                select(Conversation).where(
                    Conversation.channel == CHANNEL, Conversation.chat_id == user_id
                )
            ).first()

    def cases_of(self, user_id: str) -> list[Case]:
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(Case)
                    .join(Conversation, col(Conversation.id) == col(Case.conversation_id))
                    .where(Conversation.channel == CHANNEL, Conversation.chat_id == user_id)
                    .order_by(col(Case.id))
                ).all()
            )

    def events(self, number: str, kind: str) -> list[CaseEvent]:
        case = self.app.cases.get(number)
        with self.app.db.transaction() as session:
            return list(
                session.exec(
                    select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
                ).all()
            )

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


class LineMember:
    """One member's LINE app: each action waits until the desk's whole answer is shown."""

    def __init__(self, desk: LineDesk, user_id: str | None = None) -> None:
        self.desk = desk
        self.user_id = user_id or desk.fake.new_member()
        self.answers: list[str] = []

    @property
    def fake(self) -> FakeLine:
        return self.desk.fake

    def _answer_to(self, act: Callable[[], str]) -> str:
        before = len(self.fake.shown(self.user_id))
        act()
        self.desk.settle()
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
        for _ in range(40):
            conversation = self.desk.conversation(self.user_id)
            state = conversation.state if conversation else {}
            if state.get("mode") == "summary":
                return self.answer("送信する", with_buttons=with_buttons)
            if state.get("mode") == "reuse":  # an earlier request's answers: typed anew
                reply = self.answer("使わない", with_buttons=with_buttons)
                continue
            if state.get("mode") != "flow":
                return reply
            step = pending_step(ENGINE, state)
            assert step is not None
            reply = self.answer(GOOD_ANSWERS[step], with_buttons=with_buttons)
        raise AssertionError("the flow did not end")

    def taps_menu(self, key: str) -> str:
        """Taps an area of the rich menu (``disclosure``, ``status`` …)."""
        return self._answer_to(lambda: self.fake.press_rich_menu(self.user_id, key))

    def transcript(self, script: str) -> str:
        """会員: types, 会員が押す: taps a quick reply, 窓口: must be in the answer to the
        member's latest action, 窓口にない: must not."""
        answer = self.answers[-1] if self.answers else ""
        for raw in textwrap.dedent(script).strip().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            speaker, _, text = line.partition(":")
            text = text.strip()
            if speaker == "会員":
                answer = self.says(text)
            elif speaker == "会員が押す":
                answer = self.presses(text)
            elif speaker == "窓口":
                assert text in answer, f"expected {text!r} in the desk's answer:\n{answer}"
            elif speaker == "窓口にない":
                assert text not in answer, f"did not expect {text!r} in:\n{answer}"
            else:
                raise ValueError(f"a transcript line starts with 会員: or 窓口: — {line!r}")
        return answer


def line_settings(directory: Path, fake: FakeLine, deployment: Path | None = None) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite:///{directory / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=deployment or ROOT / "madoguchi.toml",
        LINE_CHANNEL_SECRET=fake.channel_secret,
        LINE_CHANNEL_ACCESS_TOKEN=fake.access_token,
        LINE_API_BASE_URL=fake.base_url,
        LINE_DATA_API_BASE_URL=fake.base_url,
    )


@contextmanager
def line_desk(
    directory: Path,
    fake: FakeLine,
    *,
    deployment: Path | None = None,
    clock: Clock | None = None,
    gate: bool = False,
    **channel_options: Any,
) -> Iterator[LineDesk]:
    """The desk on a SQLite file in ``directory``, its webhook registered with the fake.
    ``gate``: turns wait (an event is stored and answered, never worked) until the desk
    is left, as when a process stops between storing and working."""
    settings = line_settings(directory, fake, deployment)
    clock = clock or Clock()
    app = App.build(
        settings,
        clock=clock,
        one_message_per_turn=frozenset({CHANNEL}),
        text_limits={**channels.text_limits(), CHANNEL: LIMITS.text},
    )
    runner = MinimalRunner(app)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stop = asyncio.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    async def start() -> tuple[LineChannel, uvicorn.Server, list[asyncio.Task[Any]]]:
        if gate:
            runner.gate = asyncio.Event()
        api = LineApi(
            fake.access_token, settings.line_api_base_url, settings.line_data_api_base_url, 10.0
        )
        channel = LineChannel(
            app,
            runner,
            api,
            channel_secret=fake.channel_secret,
            now=fake.now,
            sleep=no_wait,
            **channel_options,
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
        while not server.started:
            await asyncio.sleep(0.01)
        return channel, server, tasks

    channel, server, tasks = asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
    fake.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    desk = LineDesk(app, clock, fake, channel, runner, loop)
    try:
        yield desk
    finally:

        async def finish() -> None:
            stop.set()
            server.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            await channel.close()

        asyncio.run_coroutine_threadsafe(finish(), loop).result(TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        listener.close()
        app.db.close()
