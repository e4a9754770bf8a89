"""When a member's turn raises: leave the update for the platform to send again, or give it up.

A failure of the database or the machine (unreachable, locked, disk full) is not the update's
fault: the update is left unconfirmed, so the platform sends it again and it is processed once
the database is back. Any other exception (a bug, input nobody foresaw) would fail the same way
on every redelivery: a webhook answered 500 forever, a polling offset that never moves and
every member behind it unanswered. Such a turn is given up at once, and one that keeps failing
"environmentally" after a few tries too: ``TurnStore.record_failure`` stores its key marked
failed and asks the member to send it again, and the update is confirmed.
"""

from __future__ import annotations

from storage.db import is_unavailable

# Tries of one update while the database seems unavailable, before it is given up on.
ATTEMPTS_WHILE_UNAVAILABLE = 3
# Keys remembered at most: an outage can leave entries for updates another process finished.
_REMEMBERED = 10_000


class TurnFailures:
    """Counts the failed tries of each update and says when to give one up."""

    def __init__(self, attempts: int = ATTEMPTS_WHILE_UNAVAILABLE) -> None:
        self.attempts = attempts
        self._tries: dict[str, int] = {}

    def give_up(self, key: str, error: BaseException) -> bool:
        """Whether the update with idempotency ``key``, whose turn raised ``error``, is given up
        (recorded as failed and confirmed) rather than left to be delivered again."""
        if not is_unavailable(error):
            self._tries.pop(key, None)
            return True
        tries = self._tries.pop(key, 0) + 1
        if tries >= self.attempts:
            return True
        if len(self._tries) >= _REMEMBERED:
            self._tries.clear()
        self._tries[key] = tries
        return False

    def succeeded(self, key: str) -> None:
        self._tries.pop(key, None)
