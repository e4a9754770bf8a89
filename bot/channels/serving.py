"""The member channels ``madoguchi serve`` can run: every channel whose ``ENTRY`` names a
``start`` (see ``bot.channels``), its functions imported here, when ``serve`` starts.

Each entry starts its channel from the settings when they configure it (``None`` otherwise),
given the shared ``App`` and the process's ``Wakeups``; ``serve`` then mounts its routes on
the one HTTP app, runs its background work, and gives it an outbox worker. Its ``check``,
if any, runs with every other start-up check, so one run reports every problem.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from bot.app import App
from bot.channels import ENTRIES
from bot.channels.base import MemberChannel
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


def _function(path: str) -> Any:
    """``"package.module:function"``, imported."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


MEMBER_CHANNELS: tuple[ServedChannel, ...] = tuple(
    ServedChannel(
        entry.limits.name,
        cast(ChannelFactory, _function(entry.start)),
        cast(ChannelCheck, _function(entry.check)) if entry.check else None,
    )
    for entry in ENTRIES
    if entry.start is not None
)


def outbox_worker(
    app: App, channel: MemberChannel, wakeups: Wakeups, **options: Any
) -> OutboxWorker:
    """The delivery engine for ``channel``, woken whenever its members have new messages."""
    worker = OutboxWorker(app.db, channel, app.clock, **options)
    wakeups.add_outbox(channel.limits.name, worker.wake)
    return worker
