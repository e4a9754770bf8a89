"""Member channels: one module each (``telegram``, ``line``, ``terminal``), one interface
(``bot.channels.base``), and this registry of what each platform accepts.

Every process that queues a message for a member (a turn, a staff reply from Slack or the
terminal, a purge) builds its ``App`` from :data:`LIMITS`, so text is split by the limit of
the channel the member uses, whichever process writes it. The registry is found, not
written: each channel declares an ``ENTRY`` (``base.ChannelEntry``) in its light module (a
package's ``__init__``, or ``NAME_limits`` beside a module ``NAME``), which imports no
client library. Adding a channel is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.channels.base import ChannelEntry, ChannelLimits
from flows.routes import OFFLINE_CHANNEL, OFFLINE_TITLE
from flows.safe_text import TextLimit

# The light part of a channel: a package (its ``__init__``) or a ``NAME_limits`` module.
_LIGHT_SUFFIX = "_limits"


def declared_in(package: str) -> tuple[ChannelEntry, ...]:
    """Every channel's ``ENTRY`` in ``package`` (this one, or a test's), in their order; a
    channel's other modules (its client library) are not imported."""
    found = []
    for module_info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if not (module_info.ispkg or module_info.name.endswith(_LIGHT_SUFFIX)):
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        entry = getattr(module, "ENTRY", None)
        if isinstance(entry, ChannelEntry):
            found.append(entry)
    return tuple(sorted(found, key=lambda entry: (entry.order, entry.limits.name)))


ENTRIES: tuple[ChannelEntry, ...] = declared_in(__name__)
LIMITS: tuple[ChannelLimits, ...] = tuple(entry.limits for entry in ENTRIES)


def limits_of(channel: str) -> ChannelLimits | None:
    """The limits of the channel named ``channel`` (as stored on conversations)."""
    return next((limits for limits in LIMITS if limits.name == channel), None)


def channel_title(channel: str) -> str:
    """How staff name the channel a member uses (the case's ``channel``): LINE, Telegram, or
    a Babel message for the staff surface to translate. An id no channel claims any more is
    shown as it is."""
    if channel == OFFLINE_CHANNEL:
        return OFFLINE_TITLE  # entered by staff: the member has no chat
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
    "ENTRIES",
    "LIMITS",
    "ChannelLimits",
    "channel_title",
    "declared_in",
    "limits_of",
    "one_message_per_turn",
    "text_limits",
]
