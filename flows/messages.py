"""The values a turn takes in and gives out; plain data, no channel types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ReceivedFile:
    """A file a member sent, as the channel received it.

    ``data`` is ``None`` when the channel did not download it: ``problem`` says why
    (``too_large`` from the size the platform declared, ``download_failed``).
    """

    kind: str  # photo | document | other (stickers, voice, video, …)
    name: str | None = None
    size: int | None = None
    data: bytes | None = None
    caption: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One normalised member event, whatever channel it came from."""

    channel: str
    chat_id: str
    idempotency_key: str
    text: str | None = None
    choice: str | None = None  # id of a pressed button
    command: str | None = None  # start, help, status, cancel, lang
    argument: str | None = None  # e.g. /start coopdeli
    lang: str | None = None  # with /start: the language to use from now on
    attachment: ReceivedFile | None = None
    # The member changed a message already sent (Telegram's edited_message): ``text`` is the
    # new wording. It cannot say which earlier answer it changes, so it is never taken as one.
    edited: bool = False


@dataclass(frozen=True)
class Choice:
    """A button (or numbered line in the terminal); ``id`` comes back as ``Inbound.choice``."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One outgoing message. ``{case_number}`` in the text is filled when the case is stored."""

    text: str
    choices: tuple[Choice, ...] = ()
    multiple: bool = False
    has_case_number: bool = False
    # The member's existing case this text shows (its answers, staff's words): its transcript
    # line is tied to that case, so it goes at the case's purge and never outlives it.
    case_number: str | None = None


@dataclass(frozen=True)
class CaseDraft:
    """A request ready to become a case; storage gives it its number."""

    org_id: str
    queue: str
    request_type: str
    requester: str
    fields: dict[str, Any]
    summary: list[tuple[str, str]]  # (label, value) in Japanese, as staff read it
    received_at: datetime
    due_at: datetime
    lang: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentEntry:
    """A consent withdrawal recorded at once in the ledger, before staff act on it."""

    org_id: str
    channel: str
    scope: str
    source: str


@dataclass(frozen=True)
class CaseMessage:
    """A member's message for an existing case (sent after hand-off)."""

    case_number: str
    text: str
    complaint: bool = False  # flagged to supervisors as well (delay, a refusal, staff)


@dataclass(frozen=True)
class Withdrawal:
    """The member confirmed withdrawing their own open case (取下げ); ``text`` is the words
    they asked with, if they typed them, kept with the case for staff."""

    case_number: str
    text: str | None = None


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed the org's checks, to be stored with a case.

    ``case_number`` names the member's open case it belongs to; ``None`` holds it for the
    request being entered (or the next one), which picks it up when it becomes a case.
    """

    kind: str
    mime: str
    name: str | None
    data: bytes
    caption: str | None = None
    case_number: str | None = None


@dataclass
class TurnResult:
    """Everything a turn produced; storage writes it in one transaction."""

    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    new_case: CaseDraft | None = None
    consents: list[ConsentEntry] = field(default_factory=list)
    case_messages: list[CaseMessage] = field(default_factory=list)
    files: list[AcceptedFile] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    inbound_display: str = ""  # what the member said, as the transcript shows it


@dataclass(frozen=True)
class CaseView:
    """What the member may see of one of their own cases."""

    number: str
    request_type: str
    status: str
    received_at: datetime
    due_at: datetime
    last_staff_reply: str | None = None
    relay_open: bool = False  # staff are in conversation with the member on this case
    org_id: str = ""
    # The answers as submitted (what retention has left of them), for the member's own view
    # and to offer their identity answers again in their next request.
    fields: Mapping[str, Any] = field(default_factory=dict)
    staff_messages: tuple[StaffMessage, ...] = ()  # every message staff sent about this case
    extensions: tuple[Extension, ...] = ()
    paused: bool = False  # the deadline is stopped while the desk waits for something
    closed_at: datetime | None = None
    # Staff checked who the member is: only then may the desk say 「ご本人確認が済み」.
    identity_verified: bool = False


@dataclass(frozen=True)
class StaffMessage:
    """A message staff sent the member about a case, as it was sent."""

    at: datetime
    text: str


@dataclass(frozen=True)
class Extension:
    """The due date moved to ``to``, with the reason the member was given."""

    to: datetime
    reason: str
