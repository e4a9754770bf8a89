"""Everything madoguchi itself holds about the member behind a case, for a disclosure (開示).

The member is found in two ways, kept apart so the second can move to a keyed-hash lookup
without touching the rest: the case's own conversation (the chat they wrote from), and other
conversations of the same co-op whose cases carry the same member number, or the same phone
together with the same name. A shared household phone alone is not enough: a disclosure must
never hand one person another's requests. Each conversation says why it was included, so staff
can check before anything leaves the desk.

File bytes are never loaded here: a disclosure lists what was received (name, type, size,
sha256, date); staff fetch a file itself with ``madoguchi staff file``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from flows import cases as rules
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
# Engine modes in which ``answers`` hold a request being entered (see ``flows.engine``).
_ENTERING = frozenset({"flow", "summary", "edit_pick", "confirm_cancel"})

THIS_CASE = "this_case"  # the conversation the request came from
BY_MEMBER_NUMBER = "member_number"
BY_PHONE_AND_NAME = "phone_and_name"


@dataclass(frozen=True)
class MemberKeys:
    """What identifies the member across conversations, normalised for comparison."""

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
        """Why ``other`` is the same member, or ``None``."""
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
    matched_by: str  # THIS_CASE, BY_MEMBER_NUMBER or BY_PHONE_AND_NAME
    transcript: list[TranscriptLine]
    in_progress: InProgress | None


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


def matching_conversations(session: Session, case: Case) -> dict[int, str]:
    """The member's conversations, each with why it counts as theirs.

    Today this compares the identity fields of every other case of the same org; once cases
    carry keyed hashes of phone, name and member number, only this function changes.
    """
    found = {case.conversation_id: THIS_CASE}
    keys = MemberKeys.of(case.fields)
    if keys.member_number is None and keys.phone is None:
        return found
    others = session.exec(
        select(Case).where(
            Case.org_id == case.org_id, col(Case.conversation_id) != case.conversation_id
        )
    ).all()
    for other in others:
        if other.conversation_id in found:
            continue
        why = keys.match(MemberKeys.of(other.fields))
        if why:
            found[other.conversation_id] = why
    return found


def collect(db: Database, number: str) -> MemberData:
    """Everything held about the member of case ``number``, read in one transaction."""
    with db.transaction() as session:
        case = session.exec(select(Case).where(Case.number == number.strip().upper())).first()
        if case is None:
            raise rules.CaseActionError(
                f"No case numbered {number}.", f"{number} は見つかりませんでした。"
            )
        matched = matching_conversations(session, case)
        ids = list(matched)
        conversations = session.exec(
            select(Conversation).where(col(Conversation.id).in_(ids)).order_by(col(Conversation.id))
        ).all()
        lines = session.exec(
            select(TranscriptLine)
            .where(col(TranscriptLine.conversation_id).in_(ids))
            .order_by(col(TranscriptLine.id))
        ).all()
        cases = session.exec(
            select(Case).where(col(Case.conversation_id).in_(ids)).order_by(col(Case.id))
        ).all()
        numbers = {c.id: c.number for c in cases}
        events = session.exec(
            select(CaseEvent)
            .where(col(CaseEvent.case_id).in_(list(numbers)))
            .order_by(col(CaseEvent.id))
        ).all()
        consents = session.exec(
            select(ConsentRecord)
            .where(col(ConsentRecord.conversation_id).in_(ids))
            .order_by(col(ConsentRecord.id))
        ).all()
        files = _files(session, ids, numbers)
        by_conversation = _group(lines, lambda line: line.conversation_id)
        by_case = _group(events, lambda event: event.case_id)
        return MemberData(
            case=case,
            conversations=[
                ConversationRecord(
                    conversation=conversation,
                    matched_by=matched[conversation.id or 0],
                    transcript=by_conversation.get(conversation.id or 0, []),
                    in_progress=_in_progress(conversation.state),
                )
                for conversation in conversations
            ],
            cases=[CaseRecord(c, by_case.get(c.id or 0, [])) for c in cases],
            consents=list(consents),
            files=files,
        )


def _files(session: Session, ids: list[int], numbers: Mapping[int | None, str]) -> list[FileInfo]:
    """File metadata only: the bytes column is deferred, so it never leaves the disk."""
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
    ]


def _in_progress(state: Mapping[str, Any]) -> InProgress | None:
    answers = state.get("answers") or {}
    if state.get("mode") not in _ENTERING or not state.get("flow") or not answers:
        return None
    return InProgress(state.get("org"), state.get("flow"), dict(answers))


def _group(rows: Iterable[R], key: Callable[[R], int | None]) -> dict[int, list[R]]:
    grouped: dict[int, list[R]] = {}
    for row in rows:
        grouped.setdefault(key(row) or 0, []).append(row)
    return grouped
