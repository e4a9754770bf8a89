"""A member who left the channel (LINE's unfollow: blocked the account or removed it as a
friend) before any message bounced: staff must know their replies will not arrive.

The delivery side learns the same from a refused send (``bot.dispatch.record_attempt``); a
platform that tells us at once lets the desk say so before staff write, and keeps it from
spending pushes on someone who cannot receive them. The member's return (any new message,
LINE's follow) makes them reachable again in ``TurnStore``, which sends what waited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlmodel import Session, col, select

from flows.status import CLOSED_STATUSES
from storage.db import Database
from storage.models import Case, CaseEvent, Conversation, OutboxMessage, ProcessedUpdate

log = structlog.get_logger(__name__)
# Held back this long (or until the member comes back) rather than sent to nobody.
WAIT_FOR_RETURN = timedelta(hours=24)


def member_left(db: Database, channel: str, chat_id: str, key: str, now: datetime) -> bool:
    """Mark the member unreachable, once per event ``key``; True if this changed anything.

    Every open case of theirs gets a ``member_unreachable`` event (the Slack card and thread
    say it), and their pending messages wait for their return instead of going out now.
    """
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
        if conversation is None or not conversation.reachable:
            return False
        conversation.reachable = False
        session.add(conversation)
        flag_open_cases(session, conversation, now)
        for row in session.exec(
            select(OutboxMessage).where(
                OutboxMessage.conversation_id == conversation.id,
                OutboxMessage.status == "pending",
            )
        ):
            row.next_attempt_at = now + WAIT_FOR_RETURN
            session.add(row)
        log.info("member.left", channel=channel, conversation=conversation.id)
        return True


def flag_open_cases(session: Session, conversation: Conversation, now: datetime) -> None:
    """Every open case of the member says that messages do not reach them."""
    for case in session.exec(
        select(Case)
        .where(Case.conversation_id == conversation.id, col(Case.status).not_in(CLOSED_STATUSES))
        .with_for_update()
    ):
        assert case.id is not None
        session.add(
            CaseEvent(case_id=case.id, kind="member_unreachable", actor="system", created_at=now)
        )


def reachable(db: Database, channel: str, chat_id: str) -> bool:
    """Whether the member can be sent to: not known to have left (a member never seen is)."""
    with db.transaction() as session:
        found = session.exec(
            select(Conversation.reachable).where(
                Conversation.channel == channel, Conversation.chat_id == chat_id
            )
        ).first()
        return found is None or bool(found)
