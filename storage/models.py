"""Tables. Every turn writes several of them in one transaction (see ``storage.turns``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    LargeBinary,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.sealed import EncryptedBytes, EncryptedJSON, EncryptedText


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
    state: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(EncryptedJSON("conversation.state"), nullable=False),
    )
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
    text: str = Field(sa_column=Column(EncryptedText("transcriptline.text"), nullable=False))
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
    fields: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(EncryptedJSON("case.fields"), nullable=False)
    )
    summary: list[list[str]] = Field(
        default_factory=list, sa_column=Column(EncryptedJSON("case.summary"), nullable=False)
    )
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
    outcome_reason: str | None = Field(
        default=None, sa_column=Column(EncryptedText("case.outcome_reason"), nullable=True)
    )
    last_staff_reply: str | None = Field(
        default=None, sa_column=Column(EncryptedText("case.last_staff_reply"), nullable=True)
    )
    # Staff are talking with the member: their free text goes to this case (see the engine).
    relay_open: bool = False
    closed_at: datetime | None = _utc_column(nullable=True)
    # The member's messages since staff last acted on the case (any staff action reads them).
    unread_messages: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The member wrote about the case after it closed (会員から連絡あり), until staff reply
    # or reopen it.
    member_contact_at: datetime | None = _utc_column(nullable=True)
    # The member complained (about a delay, a refusal, staff): 苦情あり on every staff surface
    # until the case is closed, however soon staff read the words.
    complained_at: datetime | None = _utc_column(nullable=True)
    # How the request reached the co-op (flows.routes: chat, post, phone, visit, email): the
    # register counts by route, and a request staff entered has no chat to tell the member in.
    route: str = Field(default="chat", sa_column_kwargs={"server_default": "chat"})


class CaseEvent(SQLModel, table=True):
    """Append-only history of a case (enforced by triggers in ``storage.schema``)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str
    actor: str
    data: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(EncryptedJSON("caseevent.data"), nullable=False)
    )
    created_at: datetime = _utc_column()


class CaseLookup(SQLModel, table=True):
    """Keyed hashes of a case's phones, names and member number (``storage.lookup``).

    Staff find a case by what the member told them while the database holds those only
    encrypted; a case has several rows per kind (氏名, フリガナ, 旧姓, the agent's…).
    """

    __table_args__ = (Index("ix_caselookup_digest", "kind", "digest"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str  # phone | name | member_number
    digest: str


class DataKey(SQLModel, table=True):
    """A data key, stored only wrapped (AES-GCM) by a master key from MADOGUCHI_DATA_KEYS.

    Rows are encrypted with data keys, so rotating a master key re-wraps these few rows and
    never rewrites append-only case events or consent records. ``index`` keys the lookup
    hashes and never changes; the newest ``data`` key not retired encrypts new writes.
    """

    id: int | None = Field(default=None, primary_key=True)  # chosen by storage.crypto
    purpose: str  # data | index
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kek_id: str  # the master key's id in MADOGUCHI_DATA_KEYS
    created_at: datetime = _utc_column()
    retired: bool = False  # still decrypts, never encrypts


class Attachment(SQLModel, table=True):
    """A file a member sent: with its case, or held (``case_id`` empty) for the next one."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str  # photo | document
    mime: str  # detected from the bytes
    name: str | None = Field(
        default=None, sa_column=Column(EncryptedText("attachment.name"), nullable=True)
    )
    caption: str | None = Field(
        default=None, sa_column=Column(EncryptedText("attachment.caption"), nullable=True)
    )
    size: int
    sha256: str  # hex digest, so staff can show the file they hold is the one received
    data: bytes = Field(sa_column=Column(EncryptedBytes("attachment.data"), nullable=False))
    created_at: datetime = _utc_column()


class ConsentRecord(SQLModel, table=True):
    """The consent ledger: a withdrawal is on record the moment the member sends it."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    org_id: str
    member_ref: str = Field(
        sa_column=Column(EncryptedText("consentrecord.member_ref"), nullable=False)
    )
    member_number: str | None = Field(
        default=None,
        sa_column=Column(EncryptedText("consentrecord.member_number"), nullable=True),
    )
    channel: str
    scope: str
    source: str
    created_at: datetime = _utc_column()


# How an outgoing message waits for the platform's overall rate limit (a chat's own messages
# always keep their order): a member waiting for the answer to what they just wrote comes
# before staff notices, so a batch of notices never makes the chat itself feel stuck.
PRIORITY_NOTICE = 0
PRIORITY_ANSWER = 1


class OutboxMessage(SQLModel, table=True):
    """An outgoing message, stored with the turn and sent by ``bot.delivery``'s outbox worker."""

    __table_args__ = (Index("ix_outbox_pending", "status", "channel", "chat_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    channel: str
    chat_id: str
    text: str = Field(sa_column=Column(EncryptedText("outboxmessage.text"), nullable=False))
    choices: list[list[str]] = Field(
        default_factory=list,
        sa_column=Column(EncryptedJSON("outboxmessage.choices"), nullable=False),
    )
    multiple: bool = False
    priority: int = Field(default=PRIORITY_NOTICE, sa_column_kwargs={"server_default": "0"})
    # A staff answer file sent with this row as a document (Telegram; ``text`` its caption).
    answer_file_id: int | None = None
    status: str = "pending"  # pending | sent
    # A worker claims the row before sending it, so two processes never send it both; a
    # claim not finished by ``claimed_until`` (the worker died) may be taken by another.
    claimed_by: str | None = None
    claimed_until: datetime | None = _utc_column(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    created_at: datetime = _utc_column()
    sent_at: datetime | None = _utc_column(nullable=True)


class Lease(SQLModel, table=True):
    """A job only one process may run at a time (Slack card sync, deadlines, polling).

    The holder renews it well before ``expires_at``; if it dies, another takes it over.
    """

    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime = _utc_column()


class ProcessedUpdate(SQLModel, table=True):
    """Idempotency keys of handled inbound events: a redelivery finds its key and stops.

    ``failed`` marks an event whose turn raised and was given up on (the member was asked to
    send it again), so a platform's redeliveries of it are not tried forever.
    """

    key: str = Field(primary_key=True)
    created_at: datetime = _utc_column()
    failed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class CaseCounter(SQLModel, table=True):
    """Per org and year, the last case number handed out (KY-2026-00001, …)."""

    org_id: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class AuditEntry(SQLModel, table=True):
    """Who looked at or did what, from where: append-only (triggers in ``storage.schema``).

    Refused attempts are entries too (``allowed`` false): an unauthorised look is on record.
    Entries form a hash chain (``seq``, ``prev_hash``, ``entry_hash``; see ``storage.audit``),
    so an edit made behind the triggers' back, with file access, is still detectable.
    """

    __table_args__ = (
        Index("ix_audit_case", "case_number", "id"),
        UniqueConstraint("seq", name="uq_auditentry_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int  # 1, 2, 3… without gaps: the chain's order
    prev_hash: str  # the previous entry's entry_hash; 64 zeros for the first
    entry_hash: str  # sha256 hex over prev_hash and this entry's canonical JSON
    at: datetime = _utc_column()
    actor: str = Field(index=True)  # e.g. slack:U123, cli:sato
    surface: str  # slack | cli | terminal
    action: str  # e.g. view_transcript, view_identity, claim, denied:transcript
    case_number: str | None = None
    allowed: bool = True
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditChainHead(SQLModel, table=True):
    """The audit chain's last link (one row, ``id`` 1), locked by every append.

    Appends read it ``FOR UPDATE`` so concurrent writers (several PostgreSQL processes) queue
    up and never fork the chain; it also shows when entries were cut off the end of the log.
    """

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str


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


class PurgeRecord(SQLModel, table=True):
    """What retention removed, when and by which rule: append-only (triggers in
    ``storage.schema``), and never purged itself.

    No foreign key to the case: the register stage deletes the case and this row must outlive
    it. Its presence for a case (id *and* number) is what lets the append-only triggers allow
    that case's events to be redacted or deleted. No personal data: ids, case numbers, stage
    names, counts per table and the rule applied.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    actor: str  # scheduler, cli:sato
    org_id: str | None = None  # None: not one org's (processed-update keys)
    case_id: int | None = Field(default=None, index=True)
    case_number: str | None = None
    stage: str  # transcripts | attachments | register | idle_chat | keys
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str  # e.g. "closed 2025-11-01 + 365 days (transcripts_days)"


class SlackPost(SQLModel, table=True):
    """Something madoguchi posted in Slack for a case, recorded as it is posted: a card, a
    message (in the case's thread or the supervisors' channel) or an uploaded file.

    Retention must find every copy of a case in Slack after the case (and its card row) is
    gone: the purge moves these rows into :class:`SlackScrub` in its own transaction. No
    foreign key, so a post recorded while its case is being purged never blocks either.
    """

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(index=True)
    channel: str
    kind: str  # card | message | file
    ref: str  # a message's ts, or a file's id
    thread_ts: str | None = None  # the card's ts for posts in its thread
    attachment_id: int | None = None  # a member's file: it goes with the attachments stage
    created_at: datetime = _utc_column()


class SlackScrub(SQLModel, table=True):
    """The to-do list of what retention removes from Slack, written in the purge transaction
    so a crash between the purge and the Slack calls forgets nothing (``bot.slack.scrub``).

    ``kind``: ``message`` (``chat.delete``), ``file`` (``files.delete``), ``thread`` (list the
    thread and delete the bot's own replies not recorded) or ``card`` (rewrite as a stub).
    No personal data: channel ids, timestamps, file ids and the case number of the stub.
    """

    __table_args__ = (Index("ix_slackscrub_due", "done_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str
    stage: str  # the retention stage that asked for it
    kind: str
    channel: str
    ref: str
    thread_ts: str | None = None  # a file's thread: the message that shared it goes too
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    created_at: datetime = _utc_column()
    done_at: datetime | None = _utc_column(nullable=True)


class StaffDraft(SQLModel, table=True):
    """Text staff wrote for a member (a reply, a closing or extension reason), held between
    the form and its confirmation so the confirmation sends what the server stored, never
    what a client sends back. Short-lived: used once, and expired ones are removed whenever
    a new one is written.

    No foreign key to the case: a draft must never stand in the way of retention deleting it.
    """

    id: str = Field(primary_key=True)  # random and unguessable, carried by the preview modal
    case_id: int = Field(index=True)
    actor: str  # who wrote it; only they may confirm it
    kind: str  # reply | close | extend
    text: str = Field(sa_column=Column(EncryptedText("staffdraft.text"), nullable=False))
    # What the action needs besides the text: the outcome of a close, the new due date of an
    # extension. Codes and dates only.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_column()
    expires_at: datetime = _utc_column()


class InboxEvent(SQLModel, table=True):
    """A member's event a webhook channel (LINE) has received and not yet worked.

    LINE wants its webhook answered within about two seconds, before a turn may be done, so
    the events are stored here first (one row each, keyed by the turn's idempotency key) and
    the answer is sent after the commit; the channel then works them in order per chat, and a
    restart works whatever is still here. A row is deleted once its turn is committed (the
    processed key in ``ProcessedUpdate`` keeps a redelivery from counting twice), so the
    member's words stay here only as long as they wait.
    """

    __table_args__ = (Index("ix_inboxevent_channel", "channel", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # e.g. line:<webhookEventId>
    channel: str
    chat_id: str
    # The platform's event as it arrived (JSON): member text, so encrypted like a transcript.
    payload: str = Field(sa_column=Column(EncryptedText("inboxevent.payload"), nullable=False))
    received_at: datetime = _utc_column()
    attempts: int = 0  # tries whose turn raised; the row waits ``next_attempt_at`` then
    next_attempt_at: datetime | None = _utc_column(nullable=True)


class LinePushMonth(SQLModel, table=True):
    """Push messages the desk sent on LINE in one month (Japan's calendar), counted against
    the channel's monthly quota: replies are free, pushes are not. ``warned_at`` is when the
    warning share was first passed that month, so the warning is given once."""

    month: str = Field(primary_key=True)  # 2026-12
    pushes: int = 0
    warned_at: datetime | None = _utc_column(nullable=True)


class WebSession(SQLModel, table=True):
    """A member's web chat in one browser: the conversation a session cookie leads to.

    The cookie holds a random token; only its SHA-256 is stored, so a copy of the database
    opens no one's chat. ``csrf`` is the token the page sends back with every POST.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    org_id: str
    chat_id: str = Field(index=True)  # the conversation's chat id on the ``web`` channel
    csrf: str
    created_at: datetime = _utc_column()
    last_seen_at: datetime = _utc_column()


class WebResumeCode(SQLModel, table=True):
    """The one-time code shown to a web member when a case is filed: with the case number it
    opens the same chat in another browser, once."""

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True)
    code_hash: str
    chat_id: str
    org_id: str
    created_at: datetime = _utc_column()
    used_at: datetime | None = _utc_column(nullable=True)
    failed_tries: int = 0


class AnswerFile(SQLModel, table=True):
    """A file of staff's answer (a 開示's PDF, CSV, images), encrypted like members' uploads.

    Pending until a delivery takes it (``delivery_id``); retention removes it with the case's
    attachments.
    """

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    delivery_id: int | None = Field(default=None, foreign_key="answerdelivery.id", index=True)
    name: str = Field(sa_column=Column(EncryptedText("answerfile.name"), nullable=False))
    mime: str  # detected from the bytes
    size: int
    sha256: str  # hex digest, in every download's audit entry and the answer_sent event
    data: bytes = Field(sa_column=Column(EncryptedBytes("answerfile.data"), nullable=False))
    added_by: str
    created_at: datetime = _utc_column()


class AnswerDelivery(SQLModel, table=True):
    """One sending of a case's answer. A download link is a random token and a short code
    shown to the member another way; only their SHA-256 are stored, so a copy of the database
    opens no link. Wrong codes are counted, and ``MAX_WRONG_CODES`` of them lock it."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    method: str  # the member's choice: chat | email
    channel: str  # where it went: telegram | line | web | terminal | email
    token_hash: str | None = Field(default=None, unique=True, index=True)
    code_hash: str | None = None
    expires_at: datetime | None = _utc_column(nullable=True)
    wrong_codes: int = 0
    locked_at: datetime | None = _utc_column(nullable=True)
    downloads: int = 0
    created_by: str
    created_at: datetime = _utc_column()


class EmailMessage(SQLModel, table=True):
    """An e-mail to a member (an answer's download link), stored with the staff action and
    sent through the co-op's SMTP server by ``bot.email_outbox``, retried like the outbox."""

    __table_args__ = (Index("ix_emailmessage_pending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    recipient: str = Field(
        sa_column=Column(EncryptedText("emailmessage.recipient"), nullable=False)
    )
    subject: str = Field(sa_column=Column(EncryptedText("emailmessage.subject"), nullable=False))
    body: str = Field(sa_column=Column(EncryptedText("emailmessage.body"), nullable=False))
    status: str = "pending"  # pending | sent | failed
    claimed_until: datetime | None = _utc_column(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    created_at: datetime = _utc_column()
    sent_at: datetime | None = _utc_column(nullable=True)
