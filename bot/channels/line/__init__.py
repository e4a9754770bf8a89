"""Members on LINE (the Messaging API): what one message may carry, kept free of the SDK.

The channel itself is ``bot.channels.line.channel.LineChannel``; everything that only needs
the limits (staff commands splitting a reply, the seam's registry) imports this module and
never pays for loading ``line-bot-sdk``.
"""

from __future__ import annotations

from bot.channels.base import ChannelEntry, ChannelLimits
from flows.safe_text import TextLimit, utf16_length

CHANNEL = "line"
# One text message: 5,000 characters as LINE counts them (UTF-16 code units). Longer text is
# queued in parts, never cut.
TEXT_LIMIT = TextLimit(5000, utf16_length)
MAX_QUICK_REPLIES = 13  # quick-reply buttons on one message
QUICK_REPLY_LABEL = 20  # characters of a button's label
POSTBACK_DATA = 300  # characters of a postback's data (the engine's choice id)
MESSAGES_PER_CALL = 5  # message objects in one reply or push

LIMITS = ChannelLimits(
    name=CHANNEL,
    text=TEXT_LIMIT,
    max_choices=MAX_QUICK_REPLIES,
    choice_label=QUICK_REPLY_LABEL,
    messages_per_call=MESSAGES_PER_CALL,
    # LINE limits requests per channel and endpoint (about 2,000 a second for messages) and
    # publishes no per-chat limit; this process's share is kept well below it.
    send_rate=100.0,
    per_chat_interval=0.0,
    # Every push counts against the month's quota and each message is a notification: one
    # message per answer, joined up to each set of buttons.
    one_message_per_turn=True,
    title="LINE",
)

ENTRY = ChannelEntry(LIMITS, start="bot.channels.line.channel:start", order=20)

__all__ = ["CHANNEL", "ENTRY", "LIMITS", "TEXT_LIMIT"]
