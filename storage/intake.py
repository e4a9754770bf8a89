"""Writing a case staff entered, and the notices its member gets by post or phone.

A case needs a conversation; an entered one gets its own on the ``offline`` channel, which no
member channel serves (no outbox worker claims its rows, no turn ever reads it). Its chat id
is the intake's idempotency key, so a retried submission finds the case it already made, and
the key's unique index stops two racing ones. What the desk or staff would send the member
(the receipt, a reply, an extension, the closing notice) is queued there like for any member,
and stays pending as a task until staff record how and when they sent it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from flows.intake import CASE_NUMBER_SLOT, IntakeDraft
from flows.routes import OFFLINE_CHANNEL
from storage.db import Database
from storage.lookup import index_case
from storage.models import Case, Conversation, OutboxMessage
from storage.turns import enqueue, next_case_number


@dataclass(frozen=True)
class NoticeTask:
    """A message for a member with no chat, waiting for staff to send it by post or phone."""

    id: int
    case_number: str
    queue: str
    created_at: datetime
    text: str
    fields: dict[str, Any]  # the request's answers: where the letter or the call goes


def chat_id_for(key: str) -> str:
    return f"intake:{key}"


def existing(session: Session, key: str) -> Case | None:
    """The case an intake with ``key`` already made, if any."""
    conversation = session.exec(
        select(Conversation).where(
            Conversation.channel == OFFLINE_CHANNEL, Conversation.chat_id == chat_id_for(key)
        )
    ).first()
    if conversation is None:
        return None
    return session.exec(select(Case).where(Case.conversation_id == conversation.id)).first()


def create(session: Session, draft: IntakeDraft, key: str, now: datetime) -> Case:
    """The case and its offline conversation, with the receipt queued as the first task.
    The number is counted in the year of entry, like a chat's is in the year it is filed."""
    conversation = Conversation(
        channel=OFFLINE_CHANNEL, chat_id=chat_id_for(key), created_at=now, updated_at=now
    )
    session.add(conversation)
    session.flush()  # a racing submission with the same key waits here, then finds this one
    assert conversation.id is not None
    case = Case(
        number=next_case_number(session, draft.org_id, draft.case_prefix, now),
        org_id=draft.org_id,
        queue=draft.queue,
        request_type=draft.request_type,
        requester=draft.requester,
        fields=dict(draft.fields),
        summary=[list(pair) for pair in draft.summary],
        flags=list(draft.flags),
        lang=draft.lang,
        channel=OFFLINE_CHANNEL,
        conversation_id=conversation.id,
        received_at=draft.arrived_at,
        due_at=draft.due_at,
        route=draft.route,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    index_case(session, case)  # keyed hashes, so staff can find it by phone or name
    if draft.receipt:
        enqueue(
            session,
            conversation,
            draft.receipt.replace(CASE_NUMBER_SLOT, case.number),
            now,
            case_id=case.id,
            direction="bot",
        )
    return case


def tasks(session: Session, queues: Collection[str] | None = None) -> list[NoticeTask]:
    """The notices not yet sent by post or phone, oldest first (of ``queues``, if given)."""
    query = (
        select(OutboxMessage, Case)
        .join(Case, col(Case.conversation_id) == col(OutboxMessage.conversation_id))
        .where(OutboxMessage.channel == OFFLINE_CHANNEL, OutboxMessage.status == "pending")
        .order_by(col(OutboxMessage.id))
    )
    if queues is not None:
        query = query.where(col(Case.queue).in_(list(queues)))
    return [
        NoticeTask(row.id or 0, case.number, case.queue, row.created_at, row.text, case.fields)
        for row, case in session.exec(query).all()
    ]


def task_of(session: Session, case: Case, task_id: int) -> OutboxMessage | None:
    """The case's pending notice ``task_id``, locked; ``None`` if it is no such task."""
    row = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.id == task_id,
            OutboxMessage.channel == OFFLINE_CHANNEL,
            OutboxMessage.conversation_id == case.conversation_id,
        )
        .with_for_update()
    ).first()
    return row


def mark_sent(session: Session, row: OutboxMessage, on: date, now: datetime) -> None:
    """The notice went out by post or phone: the row leaves the tasks."""
    row.status = "sent"
    row.sent_at = now
    session.add(row)


def waiting(db: Database, case: Case) -> int:
    """How many of the case's notices staff have still to send by post or phone (the card
    shows it); none for a member with a chat, whose notices the channel sends."""
    if case.channel != OFFLINE_CHANNEL:
        return 0
    with db.transaction() as session:
        count = session.exec(
            select(func.count()).where(
                OutboxMessage.conversation_id == case.conversation_id,
                OutboxMessage.channel == OFFLINE_CHANNEL,
                OutboxMessage.status == "pending",
            )
        ).one()
    return int(count)
