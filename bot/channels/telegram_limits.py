"""What Telegram accepts, kept apart from python-telegram-bot: every command that queues a
message for a member (``staff``, ``purge``) splits text by these and must not load PTB."""

from __future__ import annotations

from bot.channels.base import ChannelEntry, ChannelLimits
from flows.safe_text import TextLimit, utf16_length

CHANNEL = "telegram"
# One message's text: 4,096 characters after entity parsing, which Telegram counts in UTF-16
# units (an emoji outside the BMP is two). Longer text is refused, so it is queued in parts.
TEXT_LIMIT = TextLimit(4096, utf16_length)

LIMITS = ChannelLimits(
    name=CHANNEL,
    text=TEXT_LIMIT,
    messages_per_call=1,  # sendMessage takes one message
    # About 30 messages a second from one bot; ``TELEGRAM_SEND_RATE`` sets this process's share.
    send_rate=30.0,
    per_chat_interval=1.0,  # about one message a second in one chat
    # A turn's replies go as one message: each message is a notification on the phone.
    one_message_per_turn=True,
    title="Telegram",
)


ENTRY = ChannelEntry(
    LIMITS,
    start="bot.channels.telegram:start",
    check="bot.channels.telegram:check",
    order=10,
)
