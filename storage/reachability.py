"""Members who cannot be reached on their channel, whichever way the desk learns it: a send
the platform refused (Telegram's "bot was blocked", LINE's 403: ``storage.outbox``) or the
platform saying so at once (LINE's unfollow: :func:`member_left`). Both go through
:func:`mark_unreachable`, so staff see the same thing either way and a member is flagged once.

A platform that tells the desk at once lets it say so before staff write, and keeps it from
spending pushes on someone who cannot receive them. The member's return (any new message,
LINE's follow) makes them reachable again in ``TurnStore``, which sends what waited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from flows.status import CLOSED_STATUSES
from storage.db import Database
from storage.models import Case, CaseEvent, Conversation, OutboxMessage, ProcessedUpdate

log = structlog.get_logger(__name__)
# Held back this long (or until the member comes back) rather than sent to nobody.
WAIT_FOR_RETURN = timedelta(hours=24)


def mark_unreachable(session: Session, conversation: Conversation, now: datetime) -> bool:
    """The member cannot be reached: flagged on the conversation, a ``member_unreachable``
    event on every open case of theirs (the Slack card and thread, ``staff show`` and the
    exports say it), and every message waiting for them held for ``WAIT_FOR_RETURN`` or until
    they write again. Once: False, and nothing done, if they were flagged already."""
    if not conversation.reachable:
        return False
    conversation.reachable = False
    session.add(conversation)
    for case in session.exec(
        select(Case)
        .where(Case.conversation_id == conversation.id, col(Case.status).not_in(CLOSED_STATUSES))
        .with_for_update()
    ):
        assert case.id is not None
        session.add(
            CaseEvent(case_id=case.id, kind="member_unreachable", actor="system", created_at=now)
        )
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.conversation_id) == conversation.id,
            col(OutboxMessage.status) == "pending",
        )
        .values(next_attempt_at=now + WAIT_FOR_RETURN, claimed_until=None)
    )
    log.info("member.unreachable", channel=conversation.channel, conversation=conversation.id)
    return True


def member_left(db: Database, channel: str, chat_id: str, key: str, now: datetime) -> bool:
    """The platform says the member left (LINE's unfollow: blocked the account or removed it
    as a friend): :func:`mark_unreachable`, once per event ``key`` (a redelivery is a no-op).
    True if this changed anything (not for a chat never seen, nor one flagged already)."""
    return db.retrying(lambda: _member_left(db, channel, chat_id, key, now))


def _member_left(db: Database, channel: str, chat_id: str, key: str, now: datetime) -> bool:
    with db.transaction() as session:
        conversation = session.exec(
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.chat_id == chat_id)
            .with_for_update()
        ).first()
        if session.get(ProcessedUpdate, key) is not None:
            return False
        session.add(ProcessedUpdate(key=key, created_at=now))
        return conversation is not None and mark_unreachable(session, conversation, now)


def reachable(db: Database, channel: str, chat_id: str) -> bool:
    """Whether the member can be sent to: not known to have left (a member never seen is)."""
    with db.transaction() as session:
        found = session.exec(
            select(Conversation.reachable).where(
                Conversation.channel == channel, Conversation.chat_id == chat_id
            )
        ).first()
        return found is None or bool(found)
