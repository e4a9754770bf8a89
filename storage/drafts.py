"""Staff drafts: what a preview shows and its confirmation sends, held on the server.

Always used inside a case service transaction (``storage.cases``), so writing a draft and
acting on it each commit together with everything else the step does.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from storage.models import StaffDraft

# Long enough to read a preview and think it over; short enough that an abandoned draft (it
# holds what staff wrote about a member) does not linger.
DRAFT_LIFETIME = timedelta(hours=1)


def save(
    session: Session,
    *,
    case_id: int,
    actor: str,
    kind: str,
    text: str,
    detail: dict[str, Any],
    now: datetime,
) -> str:
    """Store a draft and return its id; expired drafts of anyone are removed on the way."""
    purge_expired(session, now)
    draft_id = secrets.token_urlsafe(16)
    session.add(
        StaffDraft(
            id=draft_id,
            case_id=case_id,
            actor=actor,
            kind=kind,
            text=text,
            detail=detail,
            created_at=now,
            expires_at=now + DRAFT_LIFETIME,
        )
    )
    return draft_id


def take(session: Session, draft_id: str, now: datetime) -> StaffDraft | None:
    """The draft, locked for this transaction and removed with it; ``None`` if it is unknown,
    already used or expired."""
    draft = session.exec(
        select(StaffDraft).where(StaffDraft.id == draft_id).with_for_update()
    ).first()
    if draft is None:
        return None
    session.delete(draft)
    return draft if draft.expires_at > now else None


def purge_expired(session: Session, now: datetime) -> None:
    """Remove every draft past its lifetime: they hold what staff wrote about a member."""
    session.exec(delete(StaffDraft).where(col(StaffDraft.expires_at) <= now))
