"""The member channels ``madoguchi serve`` can run: adding a channel is one entry here.

Each entry starts its channel from the settings when they configure it (``None`` otherwise),
given the shared ``App`` and the process's ``Wakeups``; ``serve`` then mounts its routes on
the one HTTP app, runs its background work, and gives it an outbox worker. Its ``check``,
if any, runs with every other start-up check, so one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.app import App
from bot.channels import line, telegram, telegram_limits
from bot.channels.base import MemberChannel
from bot.channels.line import channel as line_channel
from bot.config import Settings
from bot.delivery import OutboxWorker
from bot.wakeups import Wakeups

ChannelFactory = Callable[[Settings, App, Wakeups], Awaitable[MemberChannel | None]]
ChannelCheck = Callable[[Settings], Awaitable[list[str]]]


@dataclass(frozen=True)
class ServedChannel:
    """One member channel ``serve`` knows how to start."""

    name: str
    start: ChannelFactory
    check: ChannelCheck | None = None  # problems of its settings, one line each


MEMBER_CHANNELS: tuple[ServedChannel, ...] = (
    ServedChannel(telegram_limits.CHANNEL, telegram.start, telegram.check),
    ServedChannel(line.CHANNEL, line_channel.start),
)


def outbox_worker(
    app: App, channel: MemberChannel, wakeups: Wakeups, **options: Any
) -> OutboxWorker:
    """The delivery engine for ``channel``, woken whenever its members have new messages."""
    worker = OutboxWorker(app.db, channel, app.clock, **options)
    wakeups.add_outbox(channel.limits.name, worker.wake)
    return worker
