"""Member channels: one module each (``telegram``, ``terminal``), one interface."""

from __future__ import annotations

from flows.safe_text import TextLimit


def text_limits() -> dict[str, TextLimit]:
    """What one message may carry on each member channel that has a limit, as the channel's
    own module says. Whatever queues a message for a member (a turn, a staff reply from any
    surface or process) splits longer text by these, so nothing is cut on the way."""
    from bot.channels import telegram  # it imports bot.app, which calls this: not at the top

    return {telegram.CHANNEL: telegram.TEXT_LIMIT}
