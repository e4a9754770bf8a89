"""Where madoguchi posted in Slack for each case, and what retention removes there.

The card sync records every card, thread message and file it posts (:func:`record_post`).
A purge stage moves the posts it covers into the to-do list (:func:`queue_scrub`) in the
transaction that removes the data from the database; ``bot.slack.scrub`` then works the list
(:func:`due`, :func:`finish`, :func:`retry_later`). So a crash between the two never forgets
a copy, and an item done is never done again; what is done is removed from the list once
nothing can queue it again (:func:`forget_done`).

What each stage takes from Slack, as it takes the original from the database:

- **attachments**: the member's files uploaded to the case's threads;
- **transcripts** and **register**: everything else: every message and file of the case
  (intake, chat, relayed messages, actions, member-data exports), each of its threads listed
  for the bot's own replies nobody recorded (posted before this was kept, or lost to a crash
  right after posting), and each of its cards rewritten as a stub that holds only the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, delete, select

from storage.db import Database
from storage.models import Case, CaseCard, SlackPost, SlackScrub

CARD, MESSAGE, FILE, THREAD = "card", "message", "file", "thread"
ATTACHMENTS_STAGE = "attachments"
# The order a case's items are worked in: recorded messages and files first, then what is
# left in the threads, then the cards.
_ORDER = (MESSAGE, FILE, THREAD, CARD)


@dataclass(frozen=True)
class ScrubItem:
    """One thing to remove or rewrite in Slack."""

    kind: str
    channel: str
    ref: str
    thread_ts: str | None = None


def record_post(
    db: Database,
    case_id: int,
    channel: str,
    kind: str,
    ref: str,
    at: datetime,
    *,
    thread_ts: str | None = None,
    attachment_id: int | None = None,
) -> None:
    """Remember a post as soon as Slack has answered it."""
    with db.transaction() as session:
        session.add(
            SlackPost(
                case_id=case_id,
                channel=channel,
                kind=kind,
                ref=ref,
                thread_ts=thread_ts,
                attachment_id=attachment_id,
                created_at=at,
            )
        )


def _posts(session: Session, case_id: int, stage: str) -> list[SlackPost]:
    query = select(SlackPost).where(SlackPost.case_id == case_id)
    if stage == ATTACHMENTS_STAGE:
        query = query.where(col(SlackPost.attachment_id).is_not(None))
    return list(session.exec(query.order_by(col(SlackPost.id))).all())


def scrub_items(session: Session, case: Case, stage: str) -> list[ScrubItem]:
    """What ``stage`` removes from Slack for ``case``, in the order it is worked; nothing
    already on the to-do list."""
    assert case.id is not None
    posts = _posts(session, case.id, stage)
    items = [
        ScrubItem(p.kind, p.channel, p.ref, p.thread_ts if p.kind == FILE else None)
        for p in posts
        if p.kind in (MESSAGE, FILE)
    ]
    if stage != ATTACHMENTS_STAGE:
        cards = [(p.channel, p.ref) for p in posts if p.kind == CARD]
        card = session.get(CaseCard, case.id)
        if card is not None and card.ref:  # a card posted before posts were recorded
            cards.append((card.channel, card.ref))
        for channel, ts in dict.fromkeys(cards):
            items += [ScrubItem(THREAD, channel, ts), ScrubItem(CARD, channel, ts)]
    queued = {
        (row.kind, row.channel, row.ref)
        for row in session.exec(
            select(SlackScrub).where(SlackScrub.case_number == case.number)
        ).all()
    }
    unique = dict.fromkeys(i for i in items if (i.kind, i.channel, i.ref) not in queued)
    return sorted(unique, key=lambda item: _ORDER.index(item.kind))


def queue_scrub(session: Session, case: Case, stage: str, now: datetime) -> int:
    """Put what ``stage`` removes from Slack on the to-do list, and forget those posts; in
    the caller's (the purge's) transaction. Returns how many items were queued."""
    assert case.id is not None
    items = scrub_items(session, case, stage)
    for item in items:
        session.add(
            SlackScrub(
                case_number=case.number,
                stage=stage,
                kind=item.kind,
                channel=item.channel,
                ref=item.ref,
                thread_ts=item.thread_ts,
                created_at=now,
            )
        )
    for post in _posts(session, case.id, stage):
        session.delete(post)
    session.flush()
    return len(items)


def due(db: Database, now: datetime, limit: int = 100) -> list[SlackScrub]:
    """Items not done whose next attempt is due, oldest first (a case's in their order)."""
    with db.transaction() as session:
        return list(
            session.exec(
                select(SlackScrub)
                .where(col(SlackScrub.done_at).is_(None))
                .where(
                    col(SlackScrub.next_attempt_at).is_(None)
                    | (col(SlackScrub.next_attempt_at) <= now)
                )
                .order_by(col(SlackScrub.id))
                .limit(limit)
            ).all()
        )


def finish(db: Database, item_id: int, now: datetime, note: str | None = None) -> None:
    """The item is done (or there is nothing left that the bot could do: ``note`` says why,
    and the scrubber logs it); :func:`forget_done` removes it once nothing needs it."""
    with db.transaction() as session:
        item = session.get(SlackScrub, item_id)
        if item is not None and item.done_at is None:
            item.done_at = now
            item.last_error = note
            session.add(item)


def forget_done(db: Database) -> None:
    """Remove the done items nothing needs: a done row only stops :func:`scrub_items` from
    queueing the same thing twice. A message or file is never queued again (its post row
    went when it was queued); a card and its thread (found from the case's card row) are
    remembered while the case exists, so its register stage does not redo them."""
    with db.transaction() as session:
        session.exec(
            delete(SlackScrub)
            .where(col(SlackScrub.done_at).is_not(None))
            .where(
                col(SlackScrub.kind).in_((MESSAGE, FILE))
                | ~exists().where(col(Case.number) == col(SlackScrub.case_number))
            )
        )


def retry_later(db: Database, item_id: int, at: datetime, error: str) -> int:
    """Count a failed attempt and try again from ``at``; returns the attempts so far."""
    with db.transaction() as session:
        item = session.get(SlackScrub, item_id)
        if item is None:
            return 0
        item.attempts += 1
        item.next_attempt_at = at
        item.last_error = error
        session.add(item)
        return item.attempts


def pending(db: Database) -> int:
    """Items not done yet (due or waiting for a retry)."""
    with db.transaction() as session:
        return len(
            session.exec(select(SlackScrub.id).where(col(SlackScrub.done_at).is_(None))).all()
        )
