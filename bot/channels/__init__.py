"""Member channels: one module each (``telegram``, ``line``, ``terminal``), one interface
(``bot.channels.base``), and this registry of what each platform accepts.

Every process that queues a message for a member (a turn, a staff reply from Slack or the
terminal, a purge) builds its ``App`` from :data:`LIMITS`, so text is split by the limit of
the channel the member uses, whichever process writes it. The registry imports no client
library: a new channel adds its light ``*_limits`` module here, and its factory to
``bot.channels.serving``.
"""

from __future__ import annotations

from bot.channels import line, telegram_limits, terminal_limits
from bot.channels.base import ChannelLimits
from flows.safe_text import TextLimit

LIMITS: tuple[ChannelLimits, ...] = (
    telegram_limits.LIMITS,
    line.LIMITS,
    terminal_limits.LIMITS,
)


def limits_of(channel: str) -> ChannelLimits | None:
    """The limits of the channel named ``channel`` (as stored on conversations)."""
    return next((limits for limits in LIMITS if limits.name == channel), None)


def channel_title(channel: str) -> str:
    """How staff name the channel a member uses (the case's ``channel``): LINE, Telegram, or
    a Babel message for the staff surface to translate. An id no channel claims any more is
    shown as it is."""
    limits = limits_of(channel)
    return (limits.title if limits else "") or channel


def text_limits() -> dict[str, TextLimit]:
    """What one message may carry on each member channel. Whatever queues a message for a
    member (a turn, a staff reply from any surface or process) splits longer text by these,
    so nothing is cut on the way."""
    return {limits.name: limits.text for limits in LIMITS}


def one_message_per_turn() -> frozenset[str]:
    """The channels whose turns are sent as one message per set of buttons."""
    return frozenset(limits.name for limits in LIMITS if limits.one_message_per_turn)


__all__ = [
    "LIMITS",
    "ChannelLimits",
    "channel_title",
    "limits_of",
    "one_message_per_turn",
    "text_limits",
]
