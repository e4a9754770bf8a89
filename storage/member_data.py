"""Everything madoguchi itself holds about the member behind a case, for a disclosure (開示).

A disclosure that hands out someone else's data is itself a breach, so what counts as the
member's is decided by staff, never by what anyone typed: the export holds the conversation
the request came from and, once the requester's identity has been verified on the case, the
conversations staff linked to it (``member_linked`` events, written by ``CaseService.link_member``
after that check). A member number, phone or name typed into a request can be claimed by
anyone, so other cases that share them are only offered to staff as possible matches to
check (their numbers, never their data).

File bytes are never loaded here: a disclosure lists what was received (name, type, size,
sha256, date); staff fetch a file itself with ``madoguchi staff file``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from flows import cases as rules
from flows.engine import Conversation as DialogueState
from flows.engine import holds_a_form
from flows.parsing import normalise_for_matching
from storage.db import Database
from storage.models import (
    Attachment,
    Case,
    CaseEvent,
    ConsentRecord,
    Conversation,
    TranscriptLine,
)

R = TypeVar("R")
# Both kinds of 開示: the member's own data, and the records of what was given to third parties.
DISCLOSURE_TYPES = frozenset({"disclosure", "third_party_record"})

THIS_CASE = "this_case"  # the conversation the request came from
LINKED_BY_STAFF = "linked_by_staff"  # staff confirmed it is the same person, after the ID check
# Why another case may be the same person's: offered to staff to check, never merged on its own.
BY_MEMBER_NUMBER = "member_number"
BY_PHONE_AND_NAME = "phone_and_name"
# Case-event kinds (``CaseService.link_member`` / ``unlink_member``); data names the other
# case and its conversation. The latest of the two for a conversation decides.
LINKED, UNLINKED = "member_linked", "member_unlinked"


@dataclass(frozen=True)
class MemberKeys:
    """What a request says identifies the member (typed, so unproven), normalised to compare."""

    member_number: str | None
    phone: str | None
    names: frozenset[str]

    @classmethod
    def of(cls, fields: Mapping[str, Any]) -> MemberKeys:
        """The principal's keys (never the agent's: an agent's phone is not the member)."""
        number = re.sub(r"[^0-9A-Z]", "", _nfkc(fields.get("member_number")).upper())
        phone = re.sub(r"\D", "", _nfkc(fields.get("phone")))
        names = {normalise_for_matching(_nfkc(fields.get(key))) for key in ("name", "kana")}
        return cls(
            member_number=number if len(number) >= 4 else None,
            phone=phone if len(phone) >= 6 else None,
            names=frozenset(n for n in names if len(n) >= 2),
        )

    def match(self, other: MemberKeys) -> str | None:
        """Why ``other`` might be the same member (for staff to check), or ``None``."""
        if self.member_number and self.member_number == other.member_number:
            return BY_MEMBER_NUMBER
        if self.phone and self.phone == other.phone and self.names & other.names:
            return BY_PHONE_AND_NAME
        return None


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


@dataclass(frozen=True)
class FileInfo:
    """A received file as a disclosure lists it: metadata and checksum, not the bytes."""

    id: int
    conversation_id: int
    case_number: str | None  # None: held for the member's next request
    kind: str
    mime: str
    name: str | None
    caption: str | None
    size: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class InProgress:
    """A request the member has started but not sent: what they have typed so far."""

    org_id: str | None
    request_type: str | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class ConversationRecord:
    """One chat of the member, with every line in and out."""

    conversation: Conversation
    matched_by: str  # THIS_CASE or LINKED_BY_STAFF
    transcript: list[TranscriptLine]
    in_progress: InProgress | None
    linked_via: str | None = None  # the case staff named when they linked it


@dataclass(frozen=True)
class CaseRecord:
    case: Case
    events: list[CaseEvent]


@dataclass(frozen=True)
class MemberData:
    """All madoguchi holds about the member who made ``case``."""

    case: Case
    conversations: list[ConversationRecord]
    cases: list[CaseRecord]
    consents: list[ConsentRecord]
    files: list[FileInfo]

    @property
    def transcript_lines(self) -> int:
        return sum(len(c.transcript) for c in self.conversations)

    def counts(self) -> dict[str, int]:
        """Sizes only (no personal data): fit for the audit log and staff screens."""
        return {
            "conversations": len(self.conversations),
            "cases": len(self.cases),
            "consents": len(self.consents),
            "files": len(self.files),
            "lines": self.transcript_lines,
        }

    @property
    def verified(self) -> bool:
        """Whether staff have checked the requester's identity on this request."""
        return self.case.identity_method is not None

    def fingerprint(self) -> str:
        """A digest of everything an export of this data shows: equal digests, equal exports.

        Lets a surface upload one file per version of the data however often it is asked.
        """
        content = {
            "case": self.case.number,
            "conversations": [
                [
                    r.conversation.model_dump(),
                    r.matched_by,
                    r.linked_via,
                    [line.model_dump() for line in r.transcript],
                    asdict(r.in_progress) if r.in_progress else None,
                ]
                for r in self.conversations
            ],
            "cases": [
                [r.case.model_dump(), [e.model_dump() for e in r.events]] for r in self.cases
            ],
            "consents": [c.model_dump() for c in self.consents],
            "files": [asdict(f) for f in self.files],
        }
        text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PossibleMatch:
    """Another case whose typed details resemble this one's: for staff to check, not to merge."""

    number: str
    why: str  # BY_MEMBER_NUMBER or BY_PHONE_AND_NAME


def linked_conversations(session: Session, case: Case) -> dict[int, str]:
    """Conversations staff linked to the requester of ``case``, each with the case they named.

    Nothing before the requester's identity is verified: a link is only as good as the check
    that the person asking is the person whose data it is.
    """
    if case.identity_method is None:
        return {}
    events = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, col(CaseEvent.kind).in_([LINKED, UNLINKED]))
        .order_by(col(CaseEvent.id))
    ).all()
    linked: dict[int, str] = {}
    for event in events:
        conversation = int(event.data["conversation"])
        if event.kind == LINKED:
            linked[conversation] = str(event.data["linked_case"])
        else:
            linked.pop(conversation, None)
    linked.pop(case.conversation_id, None)
    return linked


def possible_matches(session: Session, case: Case) -> list[PossibleMatch]:
    """Cases of the same co-op whose member number, or phone and name, equal this one's, from
    conversations not (yet) part of the member's data. Anyone can type these details, so staff
    check them (after the identity check) before linking; nothing of theirs is read here.

    Today this compares the identity fields of every other case of the same org; once cases
    carry keyed hashes of phone, name and member number, only this function changes.
    """
    keys = MemberKeys.of(case.fields)
    if keys.member_number is None and keys.phone is None:
        return []
    included = {case.conversation_id, *linked_conversations(session, case)}
    others = session.exec(
        select(Case)
        .where(Case.org_id == case.org_id, col(Case.conversation_id).not_in(list(included)))
        .order_by(col(Case.id))
    ).all()
    found = []
    for other in others:
        why = keys.match(MemberKeys.of(other.fields))
        if why:
            found.append(PossibleMatch(other.number, why))
    return found


def member_conversations(session: Session, case: Case) -> dict[int, tuple[str, str | None]]:
    """The conversations a disclosure covers: (why, the case a link named) for each."""
    found: dict[int, tuple[str, str | None]] = {case.conversation_id: (THIS_CASE, None)}
    for conversation, number in linked_conversations(session, case).items():
        found[conversation] = (LINKED_BY_STAFF, number)
    return found


def collect(db: Database, number: str) -> MemberData:
    """Everything held about the member of case ``number``, read in one transaction."""
    with db.transaction() as session:
        case = session.exec(select(Case).where(Case.number == number.strip().upper())).first()
        if case is None:
            raise rules.CaseActionError(
                f"No case numbered {number}.", f"{number} は見つかりませんでした。"
            )
        return gather(session, case)


def gather(session: Session, case: Case) -> MemberData:
    """``collect`` inside the caller's transaction (e.g. with the export's idempotency key).

    Only what the member gave the case's own co-op: one chat can file with two co-ops the
    desk serves, separate data controllers, and one co-op's disclosure never carries the
    other's cases, lines, consents or files (``_org_lines``)."""
    org = case.org_id
    matched = member_conversations(session, case)
    ids = list(matched)
    conversations = session.exec(
        select(Conversation).where(col(Conversation.id).in_(ids)).order_by(col(Conversation.id))
    ).all()
    every_case = session.exec(
        select(Case).where(col(Case.conversation_id).in_(ids)).order_by(col(Case.id))
    ).all()
    cases = [c for c in every_case if c.org_id == org]
    current = {c.id or 0: DialogueState.from_state(c.state).org for c in conversations}
    lines = _org_lines(
        session.exec(
            select(TranscriptLine)
            .where(col(TranscriptLine.conversation_id).in_(ids))
            .order_by(col(TranscriptLine.id))
        ).all(),
        every_case,
        org,
        current,
    )
    numbers = {c.id: c.number for c in cases}
    events = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_(list(numbers)))
        .order_by(col(CaseEvent.id))
    ).all()
    consents = session.exec(
        select(ConsentRecord)
        .where(col(ConsentRecord.conversation_id).in_(ids), ConsentRecord.org_id == org)
        .order_by(col(ConsentRecord.id))
    ).all()
    held_for = {i for i, now_with in current.items() if now_with == org}
    files = _files(session, ids, numbers, held_for)
    by_conversation = _group(lines, lambda line: line.conversation_id)
    by_case = _group(events, lambda event: event.case_id)
    return MemberData(
        case=case,
        conversations=[
            ConversationRecord(
                conversation=conversation,
                matched_by=matched[conversation.id or 0][0],
                transcript=by_conversation.get(conversation.id or 0, []),
                in_progress=_in_progress(conversation.state, org),
                linked_via=matched[conversation.id or 0][1],
            )
            for conversation in conversations
        ],
        cases=[CaseRecord(c, by_case.get(c.id or 0, [])) for c in cases],
        consents=list(consents),
        files=files,
    )


def _org_lines(
    lines: Sequence[TranscriptLine],
    cases: Sequence[Case],
    org: str,
    current: Mapping[int, str | None],
) -> list[TranscriptLine]:
    """The lines of the member's chats that are ``org``'s: those tied to its cases, and the
    untied lines of the intake segment each of its cases was filed from. An untied line after
    a chat's last case (a request not sent yet) is the co-op's the chat is with now. A line
    tied to, or in the intake of, the other co-op's case is that co-op's and left out."""
    ours = {c.id for c in cases if c.org_id == org}
    last = {c.conversation_id: c.transcript_to for c in cases}  # cases come in id order
    segments: dict[int, list[tuple[int, int, str]]] = {}
    for c in cases:
        segments.setdefault(c.conversation_id, []).append(
            (c.transcript_from, c.transcript_to, c.org_id)
        )

    def belongs(line: TranscriptLine) -> bool:
        if line.case_id is not None:
            return line.case_id in ours
        position = line.id or 0
        for start, end, owner in segments.get(line.conversation_id, []):
            if start <= position <= end:
                return owner == org
        if position > last.get(line.conversation_id, 0):
            return current.get(line.conversation_id) == org
        return False  # between segments: a line of no known co-op is not disclosed

    return [line for line in lines if belongs(line)]


def _files(
    session: Session, ids: list[int], numbers: Mapping[int | None, str], held_for: set[int]
) -> list[FileInfo]:
    """File metadata only: the bytes column is deferred, so it never leaves the disk. A file
    of another co-op's case is left out; one held for the next request goes with the co-op
    its chat is with now (``held_for``: those chats)."""
    rows = session.exec(
        select(Attachment)
        .where(col(Attachment.conversation_id).in_(ids))
        .options(defer(cast("QueryableAttribute[bytes]", Attachment.data)))
        .order_by(col(Attachment.id))
    ).all()
    return [
        FileInfo(
            id=row.id or 0,
            conversation_id=row.conversation_id,
            case_number=numbers.get(row.case_id) if row.case_id is not None else None,
            kind=row.kind,
            mime=row.mime,
            name=row.name,
            caption=row.caption,
            size=row.size,
            sha256=row.sha256,
            created_at=row.created_at,
        )
        for row in rows
        if (row.case_id in numbers if row.case_id is not None else row.conversation_id in held_for)
    ]


def _in_progress(state: Mapping[str, Any], org: str) -> InProgress | None:
    """The request being entered, if it is for ``org``."""
    conv = DialogueState.from_state(state)
    if not holds_a_form(conv) or conv.org != org:
        return None
    return InProgress(conv.org, conv.flow, dict(conv.answers))


def _group(rows: Iterable[R], key: Callable[[R], int | None]) -> dict[int, list[R]]:
    grouped: dict[int, list[R]] = {}
    for row in rows:
        grouped.setdefault(key(row) or 0, []).append(row)
    return grouped
