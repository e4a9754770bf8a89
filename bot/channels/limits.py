"""What one message may carry on each member channel, kept apart from the channels' client
libraries: every command that queues a message for a member (``staff``, ``purge``, the
terminal chat) needs the limits, and none of them should load python-telegram-bot for it."""

from __future__ import annotations

from flows.safe_text import TextLimit, utf16_length

TELEGRAM = "telegram"
# One message's text: 4,096 characters after entity parsing, which Telegram counts in UTF-16
# units (an emoji outside the BMP is two). Longer text is refused, so it is queued in parts.
TELEGRAM_TEXT_LIMIT = TextLimit(4096, utf16_length)


def text_limits() -> dict[str, TextLimit]:
    """What one message may carry on each member channel that has a limit. Whatever queues a
    message for a member (a turn, a staff reply from any surface or process) splits longer
    text by these, so nothing is cut on the way."""
    return {TELEGRAM: TELEGRAM_TEXT_LIMIT}
