"""Changes to a case that both staff (``storage.cases.CaseService``) and the member's own
turn (``storage.turns``) make, written once so both follow the same rules."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from flows.status import CLOSED_STATUSES
from storage.models import Case, CaseEvent

MEMBER = "member"


def mark_withdrawn(case: Case, now: datetime) -> None:
    """取下げ: the case is closed and no longer takes the member's words as a reply."""
    case.status = "withdrawn"
    case.closed_at = now
    case.relay_open = False
    case.complained_at = None  # a complaint marks the case until it is closed


def withdraw_by_member(
    session: Session, case: Case, now: datetime, text: str | None = None
) -> bool:
    """The member withdrew their own request in the chat, in their turn's transaction.

    A closed case cannot be withdrawn (staff may have closed it since the member was asked):
    ``False`` and nothing changes. The event is what tells staff: the Slack card shows
    取下げ and its thread says the member withdrew it, with the words they asked in."""
    if case.status in CLOSED_STATUSES:
        return False
    assert case.id is not None
    mark_withdrawn(case, now)
    session.add(case)
    session.add(
        CaseEvent(
            case_id=case.id,
            kind="withdrawn",
            actor=MEMBER,
            data={"source": "chat", **({"text": text} if text else {})},
            created_at=now,
        )
    )
    return True
