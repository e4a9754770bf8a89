"""Tables. Every turn writes several of them in one transaction (see ``storage.turns``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, LargeBinary, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns aware datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: madoguchi stores only aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


class Conversation(SQLModel, table=True):
    """One member on one channel; ``state`` is the engine's JSON state."""

    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reachable: bool = True
    segment_start: int = 0  # first transcript line not yet part of a case
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()


class TranscriptLine(SQLModel, table=True):
    """Every message in and out, kept for staff and supervisors."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    direction: str  # member | bot | staff
    author: str | None = None
    text: str
    created_at: datetime = _utc_column()


class Case(SQLModel, table=True):
    """A request as staff work it; its history is in ``CaseEvent``."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)
    org_id: str
    queue: str = Field(index=True)
    request_type: str
    status: str = "received"
    requester: str
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lang: str = "ja"
    channel: str
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    transcript_from: int = 0
    transcript_to: int = 0
    received_at: datetime = _utc_column()
    due_at: datetime = _utc_column()
    paused_at: datetime | None = _utc_column(nullable=True)
    assignee: str | None = None
    identity_method: str | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    last_staff_reply: str | None = None
    # Staff are talking with the member: their free text goes to this case (see the engine).
    relay_open: bool = False
    closed_at: datetime | None = _utc_column(nullable=True)


class CaseEvent(SQLModel, table=True):
    """Append-only history of a case (enforced by triggers in ``storage.db``)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str
    actor: str
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_column()


class Attachment(SQLModel, table=True):
    """A file a member sent: with its case, or held (``case_id`` empty) for the next one."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str  # photo | document
    mime: str  # detected from the bytes
    name: str | None = None
    caption: str | None = None
    size: int
    sha256: str  # hex digest, so staff can show the file they hold is the one received
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _utc_column()


class ConsentRecord(SQLModel, table=True):
    """The consent ledger: a withdrawal is on record the moment the member sends it."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    org_id: str
    member_ref: str
    member_number: str | None = None
    channel: str
    scope: str
    source: str
    created_at: datetime = _utc_column()


class OutboxMessage(SQLModel, table=True):
    """An outgoing message, stored with the turn and sent by the dispatcher."""

    __table_args__ = (Index("ix_outbox_pending", "status", "channel", "chat_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    channel: str
    chat_id: str
    text: str
    choices: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    multiple: bool = False
    status: str = "pending"  # pending | sent
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    created_at: datetime = _utc_column()
    sent_at: datetime | None = _utc_column(nullable=True)


class ProcessedUpdate(SQLModel, table=True):
    """Idempotency keys of handled inbound events: a redelivery finds its key and stops."""

    key: str = Field(primary_key=True)
    created_at: datetime = _utc_column()


class CaseCounter(SQLModel, table=True):
    """Per org and year, the last case number handed out (KY-2026-00001, …)."""

    org_id: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class AuditEntry(SQLModel, table=True):
    """Who looked at or did what, from where: append-only (triggers in ``storage.db``).

    Refused attempts are entries too (``allowed`` false): an unauthorised look is on record.
    """

    __table_args__ = (Index("ix_audit_case", "case_number", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    actor: str = Field(index=True)  # e.g. slack:U123, cli:sato
    surface: str  # slack | cli | terminal
    action: str  # e.g. view_transcript, view_identity, claim, denied:transcript
    case_number: str | None = None
    allowed: bool = True
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CaseCard(SQLModel, table=True):
    """Where a case is shown to staff (a Slack message) and how far its thread is mirrored.

    ``event_cursor`` is the last ``CaseEvent.id`` already posted to the thread; ``fingerprint``
    identifies the card as last rendered, so an unchanged card is not sent again.
    """

    case_id: int = Field(foreign_key="case.id", primary_key=True)
    channel: str
    ref: str  # the message's ts
    event_cursor: int = 0
    fingerprint: str = ""
    updated_at: datetime = _utc_column()
