"""The audit log: every look at identity fields or transcripts, and every staff action.

Staff reads are written by the case service in the read's own transaction (``session=``),
committed *before* the data is handed to a surface, so a view that crashes half-way is still
on record; refusals are recorded too (``denied:…``, after the refused transaction). Staff
actions are written in the action's own transaction: the action and its entry commit
together or not at all.

Triggers stop UPDATE and DELETE through the application. Against someone with file access
who drops them, the entries form a hash chain: each ``entry_hash`` covers the previous one
and the entry's content, so an edited, deleted or re-ordered entry breaks the chain and
:meth:`AuditLog.verify` names the first broken link. (A complete rewrite of the chain from
the edit onwards is only caught against a head hash noted elsewhere, which ``madoguchi audit
--verify`` prints.) Entries hold no personal data: ids, case numbers, action names, counts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from storage.db import Database
from storage.models import AuditChainHead, AuditEntry
from storage.turns import Clock

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which surface, e.g. ``Actor("slack:U123", "slack")``."""

    id: str
    surface: str


SURFACES = ("slack", "cli")
GENESIS = "0" * 64  # the first entry's prev_hash


def staff_actor(actor: str) -> Actor:
    """The audit identity of a case event's actor: ``slack:U123`` stays as it is; terminal
    staff, recorded on events by bare name (``sato``), become ``cli:sato`` as on their views,
    so one ``--actor`` finds both what someone looked at and what they did."""
    surface, sep, _name = actor.partition(":")
    if sep and surface in SURFACES:
        return Actor(actor, surface)
    return Actor(f"cli:{actor}", "cli")


def canonical(entry: AuditEntry) -> str:
    """The hashed content of an entry, in one spelling whatever the database hands back."""
    return json.dumps(
        {
            "seq": entry.seq,
            "at": entry.at.astimezone(UTC).isoformat(),
            "actor": entry.actor,
            "surface": entry.surface,
            "action": entry.action,
            "case_number": entry.case_number,
            "allowed": bool(entry.allowed),
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """sha256 over the previous link and this entry: change either and the chain breaks.

    A module function so a data migration can chain entries written before the chain.
    """
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: intact, or the first entry that does not fit."""

    ok: bool
    checked: int  # entries walked
    head_seq: int  # the last entry verified (0 for an empty log)
    head_hash: str  # note it down elsewhere: a later complete rewrite will not match it
    bad_seq: int | None = None
    reason: str | None = None


class AuditLog:
    """Appends and reads audit entries."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        case_number: str | None = None,
        allowed: bool = True,
        detail: dict[str, Any] | None = None,
        session: Session | None = None,
    ) -> AuditEntry:
        """Append an entry: in ``session`` (the caller's transaction) if given, else in its own.

        ``detail`` must hold no personal data (no names, phones, message text or queries).
        """
        if session is None:
            with self.db.transaction() as own:
                entry = self._append(own, actor, action, case_number, allowed, detail)
        else:
            entry = self._append(session, actor, action, case_number, allowed, detail)
        log.info("audit", action=action, case=case_number, allowed=allowed, surface=actor.surface)
        return entry

    def _append(
        self,
        session: Session,
        actor: Actor,
        action: str,
        case_number: str | None,
        allowed: bool,
        detail: dict[str, Any] | None,
    ) -> AuditEntry:
        head = self._head(session)
        entry = AuditEntry(
            seq=head.seq + 1,
            prev_hash=head.hash,
            entry_hash="",
            at=self.clock(),
            actor=actor.id,
            surface=actor.surface,
            action=action,
            case_number=case_number,
            allowed=allowed,
            # As the JSON column will hand it back (tuples become lists), so the hash holds.
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False)),
        )
        entry.entry_hash = entry_hash(head.hash, entry)
        head.seq, head.hash = entry.seq, entry.entry_hash
        session.add(entry)
        session.add(head)
        return entry

    def _head(self, session: Session) -> AuditChainHead:
        """The chain's head, locked until the transaction ends: appends never interleave.

        On SQLite the transaction already holds the write lock (``BEGIN IMMEDIATE``); on
        PostgreSQL ``FOR UPDATE`` makes a second appender wait for the first to commit.
        """
        query = select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
        head = session.exec(query).first()
        if head is not None:
            return head
        # First append (or a head lost): continue from the last chained entry there is.
        last = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.seq).is_not(None))
            .order_by(col(AuditEntry.seq).desc())
        ).first()
        if last is not None:
            log.warning("audit.chain_head_rebuilt", seq=last.seq)
        fresh = AuditChainHead(
            id=1, seq=last.seq if last else 0, hash=last.entry_hash if last else GENESIS
        )
        try:
            with session.begin_nested():
                session.add(fresh)
        except IntegrityError:  # another process created it first: wait for its lock
            return session.exec(query).one()
        return fresh

    def verify(self) -> VerifyResult:
        """Walk the chain in ``seq`` order; the first entry whose link or hash is wrong is named.

        An edited entry fails its own hash; a deleted one leaves a gap in ``seq`` and a broken
        link; swapped entries fail both; entries cut off the end disagree with the head.
        """
        with self.db.transaction() as session:
            head = session.get(AuditChainHead, 1)
            entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
            previous, seq, checked = GENESIS, 0, 0

            def broken(bad: int | None, reason: str) -> VerifyResult:
                return VerifyResult(False, checked, seq, previous, bad, reason)

            for entry in entries:
                if entry.seq != seq + 1:
                    return broken(entry.seq, f"expected seq {seq + 1}: an entry is missing")
                if entry.prev_hash != previous:
                    return broken(entry.seq, "link to the previous entry does not match")
                if entry_hash(entry.prev_hash, entry) != entry.entry_hash:
                    return broken(entry.seq, "content does not match its hash")
                previous, seq, checked = entry.entry_hash, entry.seq, checked + 1
            if head is None and seq:
                return broken(None, "the chain head is missing")
            if head is not None and head.seq > seq:
                return broken(seq + 1, f"entries {seq + 1}–{head.seq} are missing from the end")
            if head is not None and (head.seq, head.hash) != (seq, previous):
                return broken(seq, "the chain head does not match the last entry")
            return VerifyResult(True, checked, seq, previous)

    def entries(
        self,
        *,
        case_number: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        with self.db.transaction() as session:
            query = select(AuditEntry).order_by(col(AuditEntry.seq))
            if case_number:
                query = query.where(AuditEntry.case_number == case_number.strip().upper())
            if actor:
                # "U123" or "sato" finds slack:U123 or cli:sato; "slack:U123" only itself.
                query = query.where(
                    AuditEntry.actor == actor
                    if ":" in actor
                    else or_(
                        AuditEntry.actor == actor,
                        col(AuditEntry.actor).endswith(f":{actor}", autoescape=True),
                    )
                )
            if since:
                query = query.where(col(AuditEntry.at) >= since)
            return list(session.exec(query).all())
