"""What every member channel provides (the seam of issue 17).

A channel turns its platform's events into :class:`~flows.messages.Inbound` and hands each to
the one turn runner (per-chat order, one committed transaction, the idempotency key); it sends
outbox rows through :meth:`MemberChannel.send`, driven by the one delivery engine
(``bot.delivery.OutboxWorker``); it states its platform's limits in :class:`ChannelLimits`,
which everything that queues a message reads to split text rather than cut it. Everything
else (webhooks, polling, files) stays inside the channel's own module.

``send`` reports the platform's answer by raising ``bot.dispatch.TemporaryFailure`` (retry
later, ``retry_after`` when the platform says) or ``bot.dispatch.Unreachable`` (the member
blocked or left: kept, and flagged on their open cases); returning means every row given was
accepted. A channel whose platform takes several messages in one call (LINE: 5) gets up to
``messages_per_call`` consecutive rows of one chat at once and must send them all or none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from starlette.routing import BaseRoute

from flows.messages import Inbound
from flows.safe_text import TextLimit
from storage.models import OutboxMessage
from storage.turns import TurnOutcome


def typed_command(text: str) -> tuple[str, str | None] | None:
    """A typed command (``/start``, ``/start@desk_bot coopdeli``, ``/STATUS``) as its name and
    argument, read as Telegram marks commands, so every channel where members type them
    restarts or asks the same way; ``None`` for words."""
    if not text.startswith("/"):
        return None
    head, _, rest = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip() or None


@dataclass(frozen=True)
class ChannelLimits:
    """What one platform accepts, owned by the channel's module (kept free of its client
    library, so staff commands can split text for any channel without loading it)."""

    name: str  # the channel's id, as stored on conversations and outbox rows
    text: TextLimit  # one message's text; longer text is queued in parts
    max_choices: int | None = None  # buttons one message can carry; more are typed as numbers
    choice_label: int | None = None  # characters a button label may have
    messages_per_call: int = 1  # rows one send may carry (LINE's reply and push: 5)
    send_rate: float = 25.0  # messages a second in all, this process's share
    per_chat_interval: float = 1.0  # seconds between two sends to one chat
    # Whether the turn's replies are joined up to each set of buttons, one message per turn
    # (platforms that count messages against a quota or show each as a notification).
    one_message_per_turn: bool = False
    # How staff name the channel (「連絡手段：LINE」): a platform's own name, or a Babel
    # message that staff surfaces translate; the id when empty.
    title: str = ""


@dataclass(frozen=True)
class ChannelEntry:
    """What a channel declares as ``ENTRY`` in its light module (a package's ``__init__``, or
    ``NAME_limits`` beside ``NAME``), found there by ``bot.channels``: adding a channel is
    its module and nothing else. ``start`` and ``check`` are ``"module:function"`` paths,
    imported only when ``serve`` starts, so the client library stays unloaded elsewhere."""

    limits: ChannelLimits
    start: str | None = None  # serve runs it: (Settings, App, Wakeups) -> MemberChannel | None
    check: str | None = None  # (Settings) -> problems of its settings, one line each
    order: int = 100  # where serve starts it and staff see it among the others


class MemberChannel(Protocol):
    """A running member channel inside ``madoguchi serve`` (or the terminal chat)."""

    @property
    def limits(self) -> ChannelLimits: ...

    async def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Send these rows of one chat, in order, all or none (see the module docstring)."""
        ...

    def routes(self) -> Sequence[BaseRoute]:
        """Its HTTP endpoints on the one app (webhooks); none for a polling channel."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Its background work until ``stop`` (long polling); returns at once if none."""
        ...

    async def close(self) -> None:
        """Release its client sessions."""
        ...


class TurnRunner(Protocol):
    """The one way a channel's event becomes a committed turn (``bot.runner``): events of one
    chat one after another, chats in parallel; the idempotency key makes a redelivery a no-op;
    a turn that keeps failing is recorded and the member asked to send it again; after the
    commit the chat's outbox and the staff side are woken."""

    async def run(
        self,
        inbound: Inbound,
        *,
        prepare: Callable[[Inbound], Awaitable[Inbound]] | None = None,
        received: float | None = None,
    ) -> TurnOutcome:
        """``prepare`` runs inside the chat's turn (fetching a file); ``received`` is the
        ``time.perf_counter()`` of arrival, for the ``turn.timed`` log."""
        ...


@runtime_checkable
class ReportsHealth(Protocol):
    """A channel with something for operators to watch in ``/healthz`` (LINE's push quota)."""

    async def health(self) -> dict[str, object]: ...


@runtime_checkable
class ReportsReadiness(Protocol):
    """A channel that can tell when it is not working, for ``/readyz`` (``bot.watch``):
    None while it works, else why not in a few words (Telegram: the last long poll failed)."""

    def not_ready(self) -> str | None: ...


@runtime_checkable
class OffersPages(Protocol):
    """A channel members open in a browser (the web chat): ``serve`` prints where."""

    def page_paths(self) -> Sequence[str]: ...
