"""The terminal channel: a member conversation on stdin/stdout, pipe-friendly.

Choices print as numbered lines; ``> `` starts a line whenever input is awaited; end of
input ends the session cleanly. The member's lines become turns through the shared runner,
and what the desk says (answers, and messages from staff, picked up every few seconds) is
printed by the one delivery engine, kept to this member's chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Sequence
from typing import TextIO

from starlette.routing import BaseRoute

from bot.app import App
from bot.channels.base import ChannelLimits, typed_command
from bot.channels.terminal_limits import CHANNEL, LIMITS
from bot.delivery import OutboxWorker
from bot.dispatch import TemporaryFailure, Unreachable
from bot.escaping import for_terminal
from bot.runner import ChatTurnRunner
from bot.turn_failures import TurnFailures
from bot.wakeups import Wakeups
from flows.messages import Inbound
from flows.safe_text import clean_inbound, clean_optional
from storage.models import OutboxMessage

PROMPT = "> "


class TerminalChannel:
    """Prints outbox rows for the member at this terminal (a ``MemberChannel``)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        # The prompt is showing: a message printed now (from staff) shows it again after.
        self.awaiting_input = False

    @property
    def limits(self) -> ChannelLimits:
        return LIMITS

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Print the rows in one write, so they appear all or none. An output that cannot
        take it now is a temporary failure; one that is gone (the terminal closed, a broken
        pipe) means the member cannot be reached: the rows wait for their next chat."""
        shown = []
        for message in messages:
            lines = [message.text]
            lines += [f"  {i}. {label}" for i, (_id, label) in enumerate(message.choices, 1)]
            # The desk's answers repeat what the member typed: shown, never run.
            shown.append(for_terminal("\n".join(lines)) + "\n\n")
        if self.awaiting_input:
            shown.append(PROMPT)
        try:
            self.out.write("".join(shown))
            self.out.flush()
        except BrokenPipeError as error:
            raise Unreachable("terminal closed") from error
        except OSError as error:
            raise TemporaryFailure(type(error).__name__) from error

    def routes(self) -> Sequence[BaseRoute]:
        return []

    async def run(self, stop: asyncio.Event) -> None:
        """Nothing in the background: the input loop is the chat's (``TerminalChat``)."""

    async def close(self) -> None:
        self.out.flush()

    def prompt(self) -> None:
        self.out.write(PROMPT)
        self.out.flush()
        self.awaiting_input = True


class TerminalChat:
    """One member at the terminal: their lines in, the desk's messages out."""

    def __init__(self, app: App, user: str, out: TextIO) -> None:
        self.app = app
        self.user = user
        self.out = out
        self.channel = TerminalChannel(out)
        self.wakeups = Wakeups()
        # No platform sends a line again: a turn that fails is given up at once, the member
        # asked to send it again, and the chat goes on.
        self.runner = ChatTurnRunner(app, self.wakeups, failures=TurnFailures(attempts=1))
        # Other terminals' members are theirs to print: this one sends its own chat only.
        self.worker = OutboxWorker(app.db, self.channel, app.clock, only_chat=user)
        self.wakeups.add_outbox(CHANNEL, self.worker.wake)

    async def send(
        self,
        *,
        text: str | None = None,
        command: str | None = None,
        argument: str | None = None,
        lang: str | None = None,
    ) -> None:
        """One line from the member, as a turn; returns once its answer is printed."""
        inbound = Inbound(  # cleaned like every channel's input: pasted escapes go here
            channel=CHANNEL,
            chat_id=self.user,
            idempotency_key=f"{CHANNEL}:{uuid.uuid4()}",
            text=clean_optional(text),
            command=command,
            argument=clean_optional(argument),
            lang=clean_optional(lang),
        )
        await self.runner.run(inbound)
        await self.worker.drain_all()

    async def say(self, line: str) -> None:
        """A typed line: ``/start`` (or any /command) is a command, as on Telegram, so it
        restarts the chat rather than reaching a case that awaits the member's answer."""
        typed = typed_command(clean_inbound(line))
        if typed is None:
            await self.send(text=line)
        else:
            await self.send(command=typed[0], argument=typed[1])

    def run(
        self, stdin: TextIO, org: str | None, lang: str | None, poll_seconds: float | None
    ) -> None:
        """Read lines until end of input; with ``poll_seconds``, messages from staff are
        looked for that often meanwhile."""
        asyncio.run(self.session(stdin, org, lang, poll_seconds))

    async def session(
        self, stdin: TextIO, org: str | None, lang: str | None, poll_seconds: float | None
    ) -> None:
        await self.worker.release_dead_claims()
        await self.send(command="start", argument=org, lang=lang)
        stop = asyncio.Event()
        polling = None
        if poll_seconds:
            self.worker.poll_interval = poll_seconds
            polling = asyncio.create_task(self.worker.run(stop))
        lines = _lines_of(stdin)
        try:
            while True:
                self.channel.prompt()
                line = await lines.get()
                self.channel.awaiting_input = False
                if line is None:
                    break
                await self.say(line.rstrip("\r\n"))
        finally:
            stop.set()
            if polling is not None:
                await polling
            self.out.write("\n")
            self.out.flush()


def _lines_of(stdin: TextIO) -> asyncio.Queue[str | None]:
    """``stdin``'s lines as they come, then None at its end. Read by a daemon thread, not the
    loop's executor: a blocked read must not keep the process alive after Ctrl-C."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def give(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads any more
            loop.call_soon_threadsafe(lines.put_nowait, line)

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                give(line)
        finally:
            give(None)

    threading.Thread(target=read, name="madoguchi-stdin", daemon=True).start()
    return lines
