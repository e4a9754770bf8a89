"""Members on the co-op's own website: a chat page per org (``/chat/<org>``), no app needed.

The page, its sessions and its event stream are ``bot.channels.webchat.channel``; this module
holds only what the registry and every process need (the channel's limits), with nothing to
load. A page that is closed is not an unreachable member: its messages are kept as sent and
shown when the page comes back.
"""

from __future__ import annotations

import math

from bot.channels.base import ChannelEntry, ChannelLimits
from flows.i18n import N_
from flows.safe_text import TextLimit

CHANNEL = "web"
# One message on the page: no platform limit, a guard far above what the desk writes.
TEXT_LIMIT = TextLimit(20_000)

LIMITS = ChannelLimits(
    name=CHANNEL,
    text=TEXT_LIMIT,
    # Every button is shown; a long list is still numbered in the text.
    messages_per_call=50,
    send_rate=math.inf,  # a row is "sent" when it is on the page's record
    per_chat_interval=0.0,
    title=N_("ウェブチャット"),
)

ENTRY = ChannelEntry(LIMITS, start="bot.channels.webchat.channel:start", order=30)

__all__ = ["CHANNEL", "ENTRY", "LIMITS", "TEXT_LIMIT"]
