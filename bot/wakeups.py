"""Who is woken, in this process, when something was committed that someone must act on.

Every member channel's outbox worker registers here under its channel's name; the staff
side (the Slack card sync) registers too. A member's turn wakes its own channel's outbox and
the staff side; a staff action (Slack, or anything else acting on a case in this process)
wakes every member outbox, since the member of that case may be on any channel and a worker
with nothing to send costs one look at the database. What is committed by another process
(the staff terminal, a second ``serve``) is found by each worker's own periodic look.
"""

from __future__ import annotations

from collections.abc import Callable

OutboxWake = Callable[[str | None], None]  # the chat with new rows, or None: look at every chat


class Wakeups:
    """The one notification list of a process (see the module docstring)."""

    def __init__(self) -> None:
        self._outboxes: dict[str, list[OutboxWake]] = {}
        self._staff: list[Callable[[], None]] = []

    def add_outbox(self, channel: str, wake: OutboxWake) -> None:
        """``wake`` sends ``channel``'s newly committed rows (an ``OutboxWorker.wake``)."""
        self._outboxes.setdefault(channel, []).append(wake)

    def add_staff(self, wake: Callable[[], None]) -> None:
        """``wake`` brings the staff side up to date (a ``CardSync.wake``)."""
        self._staff.append(wake)

    def chat(self, channel: str, chat_id: str | None = None) -> None:
        """Rows were committed for ``chat_id`` on ``channel``: send them now."""
        for wake in self._outboxes.get(channel, ()):
            wake(chat_id)

    def member_outboxes(self) -> None:
        """Rows may have been committed for any member (a staff action): every channel looks."""
        for wakes in self._outboxes.values():
            for wake in wakes:
                wake(None)

    def staff(self) -> None:
        """A member's turn changed what staff see (a new case, a message on one)."""
        for wake in self._staff:
            wake()

    def after_turn(self, channel: str, chat_id: str, *, changed: bool) -> None:
        """After a member's turn was committed (``changed``) or found to be a redelivery."""
        self.chat(channel, chat_id)
        if changed:
            self.staff()
