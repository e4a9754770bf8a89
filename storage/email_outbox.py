"""E-mails waiting for the co-op's SMTP server: claimed before sending (so two processes
never send one twice), marked sent only after the server accepted it, retried with back-off
after a failure, and given up on (with a case event staff see) when the server refuses the
address for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, or_, select

from storage.db import Database
from storage.models import Case, CaseEvent, EmailMessage
from storage.turns import Clock

CLAIM_FOR = timedelta(minutes=5)  # a worker that died mid-send loses its claim after this


@dataclass(frozen=True)
class Mail:
    """What a worker needs to send one e-mail, read out of its transaction."""

    id: int
    recipient: str
    subject: str
    body: str
    attempts: int


class EmailOutbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def claim_due(self, limit: int = 10) -> list[Mail]:
        """Pending e-mails whose time has come, claimed for ``CLAIM_FOR``."""
        now = self.clock()
        with self.db.transaction() as session:
            rows = session.exec(
                select(EmailMessage)
                .where(
                    EmailMessage.status == "pending",
                    or_(
                        col(EmailMessage.next_attempt_at).is_(None),
                        col(EmailMessage.next_attempt_at) <= now,
                    ),
                    or_(
                        col(EmailMessage.claimed_until).is_(None),
                        col(EmailMessage.claimed_until) <= now,
                    ),
                )
                .order_by(col(EmailMessage.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            mails = []
            for row in rows:
                assert row.id is not None
                row.claimed_until = now + CLAIM_FOR
                session.add(row)
                mails.append(Mail(row.id, row.recipient, row.subject, row.body, row.attempts))
            return mails

    def sent(self, mail_id: int) -> None:
        with self.db.transaction() as session:
            row = session.get(EmailMessage, mail_id)
            if row is not None:
                row.status, row.sent_at, row.claimed_until = "sent", self.clock(), None
                row.attempts += 1
                session.add(row)

    def retry_later(self, mail_id: int, error: str, delay: float) -> None:
        with self.db.transaction() as session:
            row = session.get(EmailMessage, mail_id)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:200]
                row.claimed_until = None
                row.next_attempt_at = self.clock() + timedelta(seconds=delay)
                session.add(row)

    def refused(self, mail_id: int, error: str) -> None:
        """The server refused it for good (a 5xx for the address): staff must act."""
        with self.db.transaction() as session:
            row = session.get(EmailMessage, mail_id)
            if row is None:
                return
            row.attempts += 1
            row.status, row.last_error, row.claimed_until = "failed", error[:200], None
            session.add(row)
            case = session.get(Case, row.case_id)
            if case is not None:
                data = {"error": error[:200]}
                session.add(
                    CaseEvent(
                        case_id=row.case_id,
                        kind="answer_email_failed",
                        actor="system",
                        data=data,
                        created_at=self.clock(),
                    )
                )

    def pending(self) -> list[EmailMessage]:
        with self.db.transaction() as session:
            return list(
                session.exec(select(EmailMessage).where(EmailMessage.status == "pending")).all()
            )
