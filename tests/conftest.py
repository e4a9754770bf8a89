"""Shared fixtures: a whole desk on a real SQLite file, and members who talk to it."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Settings
from bot.dispatch import Dispatcher
from flows.messages import Inbound, ReceivedFile
from storage.models import OutboxMessage

# 2026-11-22 10:00 JST
START = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
_keys = itertools.count()


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Inbox:
    """Collects what the dispatcher delivers to one channel, per chat."""

    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []

    def send(self, message: OutboxMessage) -> None:
        self.messages.append(message)


@dataclass
class Member:
    """A member talking to the desk over the terminal channel."""

    desk: Desk
    chat_id: str
    received: list[OutboxMessage] = field(default_factory=list)

    def _send(self, **kwargs: str | ReceivedFile | None) -> str:
        self.desk.app.turns.process(
            Inbound(
                channel="terminal",
                chat_id=self.chat_id,
                idempotency_key=f"k{next(_keys)}",
                **kwargs,
            )  # type: ignore[arg-type]
        )
        return self.read()

    def read(self) -> str:
        """Everything delivered since the last read, as one text with choices as lines."""
        before = len(self.desk.inbox.messages)
        self.desk.dispatcher.deliver("terminal", self.chat_id)
        new = self.desk.inbox.messages[before:]
        self.received += new
        return "\n".join(
            m.text + "".join(f"\n  {i}. {label}" for i, (_id, label) in enumerate(m.choices, 1))
            for m in new
        )

    def start(self, org: str | None = None, lang: str | None = None) -> str:
        return self._send(command="start", argument=org, lang=lang)

    def says(self, text: str) -> str:
        return self._send(text=text)

    def presses(self, choice: str) -> str:
        return self._send(choice=choice)

    def sends_file(
        self,
        data: bytes | None,
        *,
        kind: str = "document",
        name: str | None = None,
        caption: str | None = None,
        problem: str | None = None,
    ) -> str:
        """A file as a channel hands it over (already downloaded unless ``problem`` says)."""
        size = len(data) if data is not None else None
        file = ReceivedFile(kind, name, size, data, caption, problem)
        return self._send(attachment=file)

    def transcript(self, script: str) -> str:
        """Play a dialogue written as 会員:/窓口: lines; each 窓口 line must appear in the reply."""
        reply = ""
        for raw in textwrap.dedent(script).strip().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            speaker, _, text = line.partition(":")
            text = text.strip()
            if speaker == "会員":
                reply = self.says(text)
            elif speaker == "窓口":
                assert text in reply, f"expected {text!r} in the bot's answer:\n{reply}"
            elif speaker == "窓口にない":
                assert text not in reply, f"did not expect {text!r} in:\n{reply}"
            else:
                raise ValueError(f"transcript line must start with 会員: or 窓口: — {line!r}")
        return reply


@dataclass
class Desk:
    app: App
    clock: Clock
    inbox: Inbox
    dispatcher: Dispatcher
    db_path: Path

    def member(
        self, chat_id: str = "alice", org: str | None = None, lang: str | None = None
    ) -> Member:
        member = Member(self, chat_id)
        member.start(org, lang)
        return member


def build_desk(db_path: Path, clock: Clock, deployment: Path | None = None) -> Desk:
    settings = Settings(
        DATABASE_URL=f"sqlite:///{db_path}",
        MADOGUCHI_DEPLOYMENT=deployment or Path(__file__).parent.parent / "madoguchi.toml",
    )
    app = App.build(settings, clock=clock)
    inbox = Inbox()
    return Desk(app, clock, inbox, app.dispatcher({"terminal": inbox}), db_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(tmp_path: Path, clock: Clock) -> Iterator[Desk]:
    desk = build_desk(tmp_path / "desk.sqlite3", clock)
    yield desk
    desk.app.db.close()
