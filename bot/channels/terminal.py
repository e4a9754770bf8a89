"""The terminal channel: a member conversation on stdin/stdout, pipe-friendly.

Choices print as numbered lines; ``> `` starts a line whenever input is awaited; end of
input ends the session cleanly. Messages from staff are picked up from the outbox.
"""

from __future__ import annotations

import threading
import uuid
from typing import TextIO

import structlog

from bot.app import App
from bot.dispatch import Dispatcher
from bot.escaping import for_terminal
from flows.messages import Inbound
from flows.safe_text import clean_optional
from storage.models import OutboxMessage

log = structlog.get_logger(__name__)
CHANNEL = "terminal"
PROMPT = "> "


class TerminalSender:
    """Prints outbox rows for one terminal member."""

    def __init__(self, out: TextIO, lock: threading.Lock) -> None:
        self.out = out
        self.lock = lock

    def send(self, message: OutboxMessage) -> None:
        lines = [message.text]
        lines += [f"  {i}. {label}" for i, (_id, label) in enumerate(message.choices, 1)]
        with self.lock:  # the desk's answers repeat what the member typed: shown, never run
            self.out.write(for_terminal("\n".join(lines)) + "\n\n")
            self.out.flush()


class TerminalChat:
    """One member at the terminal."""

    def __init__(self, app: App, user: str, out: TextIO) -> None:
        self.app = app
        self.user = user
        self.out = out
        self.lock = threading.Lock()
        self.delivering = threading.Lock()  # the poller and the input loop never send the same row
        self.dispatcher: Dispatcher = app.dispatcher({CHANNEL: TerminalSender(out, self.lock)})

    def send(
        self,
        *,
        text: str | None = None,
        command: str | None = None,
        argument: str | None = None,
        lang: str | None = None,
    ) -> None:
        inbound = Inbound(  # cleaned like every channel's input: pasted escapes go here
            channel=CHANNEL,
            chat_id=self.user,
            idempotency_key=f"{CHANNEL}:{uuid.uuid4()}",
            text=clean_optional(text),
            command=command,
            argument=clean_optional(argument),
            lang=clean_optional(lang),
        )
        try:
            self.app.turns.process(inbound)
        except Exception as error:
            # No platform sends it again: the member is asked to, and the chat goes on.
            log.error("terminal.turn_failed", error=type(error).__name__)
            self.app.turns.record_failure(inbound)
        self.flush()

    def flush(self) -> int:
        with self.delivering:
            return self.dispatcher.deliver(CHANNEL, self.user)

    def prompt(self) -> None:
        with self.lock:
            self.out.write(PROMPT)
            self.out.flush()

    def run(
        self, stdin: TextIO, org: str | None, lang: str | None, poll_seconds: float | None
    ) -> None:
        """Read lines until end of input; staff messages are polled in the background."""
        self.send(command="start", argument=org, lang=lang)
        stop = threading.Event()
        poller = None
        if poll_seconds:
            poller = threading.Thread(target=self._poll, args=(stop, poll_seconds), daemon=True)
            poller.start()
        try:
            while True:
                self.prompt()
                line = stdin.readline()
                if line == "":
                    break
                self.send(text=line.rstrip("\r\n"))
        finally:
            stop.set()
            if poller:
                poller.join(timeout=poll_seconds)
            with self.lock:
                self.out.write("\n")
                self.out.flush()

    def _poll(self, stop: threading.Event, every: float) -> None:
        while not stop.wait(every):
            if self.flush():
                self.prompt()
