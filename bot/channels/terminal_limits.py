"""What the terminal chat (``madoguchi chat``) accepts: anything, as fast as it is printed.

Kept apart from the terminal's module, which needs the whole app, so that the registry in
``bot.channels`` can list it for ``App.build``.
"""

from __future__ import annotations

import math

from bot.channels.base import ChannelEntry, ChannelLimits
from flows.i18n import N_
from flows.safe_text import TextLimit

CHANNEL = "terminal"

LIMITS = ChannelLimits(
    name=CHANNEL,
    # No platform limit: a guard far above what the desk writes (a confirmation screen with
    # several long answers stays well below it); a longer text prints in parts, one after
    # the other, which at a terminal looks the same.
    text=TextLimit(1 << 16),
    # A turn's replies are printed as they come; several at a time, so a member's answer
    # appears at once however many rows it has.
    messages_per_call=20,
    send_rate=math.inf,
    per_chat_interval=0.0,
    title=N_("ターミナル（お試し用）"),
)


# Not served: ``madoguchi chat`` runs it in the terminal (``bot.channels.terminal``).
ENTRY = ChannelEntry(LIMITS, order=90)
