"""What a member channel's ``send`` reports when the platform did not take a message.

The delivery engine (``bot.delivery.OutboxWorker``) keeps every row it could not send: a
:class:`TemporaryFailure` is retried later, in order (after ``retry_after`` when the platform
says, else with a growing backoff); :class:`Unreachable` holds the chat's rows until the
member writes again and flags their open cases. Nothing is ever dropped.
"""

from __future__ import annotations

MAX_BACKOFF_SECONDS = 300.0


class TemporaryFailure(Exception):
    """The channel could not take the message now; ``retry_after`` seconds if it said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(Exception):
    """The member cannot be reached (e.g. blocked the bot); the message is kept, not dropped."""


def backoff(attempts: int) -> float:
    """Seconds before the next try of a row that failed ``attempts`` times already."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 10)))
