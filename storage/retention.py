"""Retention: what the desk holds is removed on time, in stages, and every removal is on record.

Both policies promise to dispose of personal data no longer used (「速やかに適正な方法で廃棄」) and
name no period, so the periods are org data (``flows.profiles.Retention``), counted in days
after a case closes. A case that is not closed is never touched, however old.

- **register** (``register_days``): the case itself goes, with everything tied to it: events,
  transcript, files, lookup hashes, Slack card, consent records, deadline marks.
- **transcripts** (``transcripts_days``): the chat lines of the case, the free text in its
  events (member messages, replies, notes, reasons), its summary, last reply and outcome reason,
  every answer in its fields that is not a coded choice (names, contact details, the member's
  own words: ``flows.register``) with the lookup hashes made from them, and sent outgoing
  messages of its conversation older than the cutoff. The register row stays.

Every case stage also puts the Slack copies of what it removes on a to-do list in the same
transaction (``storage.slack_posts``): the member's files at the attachments stage, the case's
threads, files and cards at the transcripts or register stage. ``bot.slack.scrub`` works it.
- **attachments** (``attachments_days``): the case's files.
- **idle_chat** (``idle_chat_days``): in a conversation with no open case, silent that long,
  chat lines never part of any case, files held for a request never made, sent messages, and
  the half-entered request (the state; the row stays, it holds the chat id for delivery).
- **keys**: processed-update keys older than :data:`KEYS_DAYS`; they only stop a redelivered
  update or a repeated click from counting twice, which happens within minutes.

Each stage for each case writes a :class:`PurgeRecord` in the transaction that removes the data;
for case events that record is also what opens the append-only triggers (``storage.schema``),
for that case only. A stage done is never redone, so a second run removes nothing. Work goes
in batches of cases, each its own transaction, so a backlog never holds one huge transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, true
from sqlmodel import Session, col, select

from flows.i18n import JST
from flows.profiles import Retention
from flows.register import register_fields
from flows.status import CLOSED_STATUSES
from storage import crypto, slack_posts
from storage.audit import Actor, AuditLog
from storage.cases import AUDITED_DATA
from storage.db import Database
from storage.models import (
    AnswerDelivery,
    AnswerFile,
    Attachment,
    AuditEntry,
    Case,
    CaseCard,
    CaseEvent,
    CaseLookup,
    ConsentRecord,
    Conversation,
    EmailMessage,
    OutboxMessage,
    ProcessedUpdate,
    PurgeRecord,
    TranscriptLine,
)
from storage.progress import Progress, silent
from storage.turns import case_lines

log = structlog.get_logger(__name__)
T = TypeVar("T")

REGISTER, TRANSCRIPTS, ATTACHMENTS, IDLE_CHAT, KEYS = (
    "register",
    "transcripts",
    "attachments",
    "idle_chat",
    "keys",
)
# In the order a run takes them: a case due for the register stage goes whole, first.
STAGES: tuple[str, ...] = (REGISTER, TRANSCRIPTS, ATTACHMENTS, IDLE_CHAT, KEYS)
KEYS_DAYS = 30
BATCH = 50
# Event kinds whose data holds no free text. Every other kind, including any added later, is
# redacted at the transcripts stage: deny by default.
TEXT_FREE_EVENTS = frozenset(
    {
        "created",
        "claimed",
        "identity_verified",
        "resumed",
        "reminder",
        "escalated",
        "attachment",
        "member_unreachable",
        "delivery_waiting",  # data: a reason code only
    }
)
# What a redacted event keeps: codes, dates, queues and staff ids, as the audit log does, so
# the register still shows that an extension, transfer or outcome happened and when.
KEPT_EVENT_DATA = AUDITED_DATA
# Deadline marks of a case (``CaseService.mark_deadlines``): needed as long as the case is open
# whatever their age, so they go with the case at the register stage, not at the keys stage.
_CASE_KEY_PREFIXES = ("reminder:", "escalated:")


@dataclass(frozen=True)
class Removal:
    """One stage for one case, or for idle chats and keys one org's share of a batch."""

    stage: str
    org_id: str | None
    case_number: str | None
    counts: dict[str, int]
    reason: str


@dataclass
class PurgePlan:
    """What a run removed, or with ``dry_run`` what it would remove; nothing personal."""

    at: datetime
    dry_run: bool
    removals: list[Removal] = field(default_factory=list)
    # Orgs with closed cases but no known retention periods: those cases were left alone.
    unknown_orgs: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.removals

    def totals(self) -> dict[str, dict[str, int]]:
        """Per stage: cases (for case stages) and rows per table."""
        totals: dict[str, dict[str, int]] = {}
        for removal in self.removals:
            stage = totals.setdefault(removal.stage, {})
            if removal.case_number is not None:
                stage["cases"] = stage.get("cases", 0) + 1
            for table, count in removal.counts.items():
                stage[table] = stage.get(table, 0) + count
        return totals


@dataclass
class _DryRun:
    """What earlier stages of a dry run would have removed, so later stages do not count it
    again (a real run finds it gone): cases the register stage takes, and per conversation
    the sent messages up to a cutoff."""

    removed: set[int] = field(default_factory=set)
    sent_cutoff: dict[int, datetime] = field(default_factory=dict)

    def copy(self) -> _DryRun:
        return _DryRun(set(self.removed), dict(self.sent_cutoff))

    def not_counted(self, conversation_id: int) -> ColumnElement[bool]:
        cutoff = self.sent_cutoff.get(conversation_id)
        return true() if cutoff is None else col(OutboxMessage.created_at) > cutoff

    def counted(self, conversation_id: int, cutoff: datetime) -> None:
        known = self.sent_cutoff.get(conversation_id)
        self.sent_cutoff[conversation_id] = cutoff if known is None else max(known, cutoff)


def _jst_day(moment: datetime) -> str:
    return moment.astimezone(JST).date().isoformat()


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def redacted(data: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """Event data without its free text: only :data:`KEPT_EVENT_DATA` keys, and a marker."""
    return {**{k: v for k, v in data.items() if k in KEPT_EVENT_DATA}, "purged": stage}


def _done(stage: str) -> ColumnElement[bool]:
    """The case already went through ``stage`` (matched by id and number, as the triggers do)."""
    return (
        select(PurgeRecord.id)
        .where(
            col(PurgeRecord.case_id) == col(Case.id),
            col(PurgeRecord.case_number) == col(Case.number),
            PurgeRecord.stage == stage,
        )
        .exists()
    )


def _closed_before(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        col(Case.status).in_(CLOSED_STATUSES),
        col(Case.closed_at).is_not(None),
        col(Case.closed_at) <= cutoff,
    )


class Purger:
    """Runs retention: ``plan`` says what is due, ``purge`` removes it and keeps the record."""

    def __init__(
        self,
        db: Database,
        periods: Mapping[str, Retention],
        audit: AuditLog,
        *,
        batch: int = BATCH,
        keys_days: int = KEYS_DAYS,
    ) -> None:
        if not periods:
            raise ValueError("retention needs the periods of at least one org")
        self.db = db
        self.periods = dict(periods)
        self.audit = audit
        self.batch = batch
        self.keys_days = keys_days

    # ------------------------------------------------------------------ the run

    def plan(self, now: datetime, org: str | None = None, progress: Progress = silent) -> PurgePlan:
        """What a purge at ``now`` would remove. Reads case metadata and counts rows only;
        writes nothing, so it is not on the audit log."""
        return self._run(now, None, org, progress)

    def purge(
        self, now: datetime, actor: Actor, org: str | None = None, progress: Progress = silent
    ) -> PurgePlan:
        """Remove what is due at ``now``; each removal is a purge record, the run an audit
        entry (``purge``) with the totals. ``org`` limits it to one org (and skips the keys,
        which belong to none)."""
        plan = self._run(now, actor, org, progress)
        self.audit.record(
            actor,
            "purge",
            detail={"org": org, "stages": plan.totals(), "unknown_orgs": plan.unknown_orgs},
        )
        if not plan.empty:
            # SQLite: the old pages (zeroed by secure_delete) reach the file and the WAL is
            # emptied, so no removed text stays on disk. Best effort: a busy WAL is left as is.
            result = crypto.compact(self.db, vacuum=False)
            if result not in (None, "ok"):
                log.warning("purge.checkpoint_busy", result=result)
        log.info("purge.done", stages=plan.totals(), org=org)
        return plan

    def _run(
        self, now: datetime, actor: Actor | None, org: str | None, progress: Progress
    ) -> PurgePlan:
        if org is not None and org not in self.periods:
            raise ValueError(f"unknown org {org!r}; known: {', '.join(sorted(self.periods))}")
        plan = PurgePlan(at=now, dry_run=actor is None)
        plan.unknown_orgs = self._unknown_orgs()
        dry = _DryRun() if actor is None else None
        orgs = [org] if org else sorted(self.periods)
        stages: list[tuple[str, Callable[[Retention], int]]] = [
            (REGISTER, lambda r: r.register_days),
            (TRANSCRIPTS, lambda r: r.transcripts_days),
            (ATTACHMENTS, lambda r: r.attachments_days),
        ]
        for stage, days_of in stages:
            for org_id in orgs:
                days = days_of(self.periods[org_id])
                ids = self._due_cases(stage, org_id, now - timedelta(days=days))
                step, done = f"{org_id}: {stage}", 0
                progress(step, 0, len(ids))
                for chunk in _chunks(ids, self.batch):
                    work = partial(self._case_stage, stage=stage, days=days, now=now, actor=actor)
                    plan.removals += self._batch(work, chunk, dry)
                    done += len(chunk)
                    progress(step, done, len(ids))
        idle, done = self._idle_candidates(now), 0
        progress(IDLE_CHAT, 0, len(idle))
        for chunk in _chunks(idle, self.batch):
            plan.removals += self._batch_idle(chunk, now, actor, org, dry)
            done += len(chunk)
            progress(IDLE_CHAT, done, len(idle))
        if org is None:
            plan.removals += self._keys(now, actor)
        return plan

    def _batch(
        self,
        work: Callable[[Session, int, _DryRun | None], Removal | None],
        ids: Sequence[int],
        dry: _DryRun | None,
    ) -> list[Removal]:
        """One transaction for a batch, run again as a whole after a clash (a dry run's
        bookkeeping too: only a finished attempt counts)."""

        def attempt() -> tuple[list[Removal], _DryRun | None]:
            trial = dry.copy() if dry is not None else None
            with self.db.transaction() as session:
                found = [work(session, item, trial) for item in ids]
                return [removal for removal in found if removal is not None], trial

        removals, trial = self.db.retrying(attempt)
        if dry is not None and trial is not None:
            dry.removed, dry.sent_cutoff = trial.removed, trial.sent_cutoff
        return removals

    def _unknown_orgs(self) -> list[str]:
        with self.db.transaction() as session:
            rows = session.exec(
                select(Case.org_id)
                .where(col(Case.status).in_(CLOSED_STATUSES))
                .where(col(Case.org_id).not_in(list(self.periods)))
                .distinct()
            ).all()
        if rows:
            log.warning("purge.unknown_orgs", orgs=sorted(rows))
        return sorted(rows)

    # ------------------------------------------------------------------ cases

    def _due_cases(self, stage: str, org_id: str, cutoff: datetime) -> list[int]:
        with self.db.transaction() as session:
            query = select(Case.id).where(Case.org_id == org_id, _closed_before(cutoff))
            if stage != REGISTER:
                query = query.where(not_(_done(stage)))
            if stage == ATTACHMENTS:  # a case without files needs no record of removing none
                query = query.where(
                    or_(
                        select(Attachment.id)
                        .where(col(Attachment.case_id) == col(Case.id))
                        .exists(),
                        # staff's answer files go with the member's files
                        select(AnswerFile.id)
                        .where(col(AnswerFile.case_id) == col(Case.id))
                        .exists(),
                    )
                )
            return [
                case_id for case_id in session.exec(query.order_by(col(Case.id))).all() if case_id
            ]

    def _case_stage(
        self,
        session: Session,
        case_id: int,
        dry: _DryRun | None,
        *,
        stage: str,
        days: int,
        now: datetime,
        actor: Actor | None,
    ) -> Removal | None:
        """Check the case again under its lock (another run may have been first), then count
        what goes; unless dry, record it and remove it."""
        query = select(Case).where(Case.id == case_id)
        if actor is not None:
            query = query.with_for_update()
        case = session.exec(query).first()
        cutoff = now - timedelta(days=days)
        if case is None or case.closed_at is None or case.status not in CLOSED_STATUSES:
            return None
        if case.closed_at > cutoff or self._stage_done(session, case, stage):
            return None
        if dry is not None and case.id in dry.removed:
            return None
        counts = {
            REGISTER: self._register_counts,
            TRANSCRIPTS: self._transcript_counts,
            ATTACHMENTS: self._attachment_counts,
        }[stage](session, case, now, dry)
        if stage == ATTACHMENTS and not counts["attachment"] and not counts["answerfile"]:
            return None
        reason = f"closed {_jst_day(case.closed_at)} + {days} days ({stage}_days)"
        removal = Removal(stage, case.org_id, case.number, counts, reason)
        if dry is not None:
            if stage == REGISTER:
                dry.removed.add(case_id)
            if stage in (REGISTER, TRANSCRIPTS):
                dry.counted(case.conversation_id, self._transcripts_cutoff(case, now))
            return removal
        assert actor is not None
        # First the record: it is what lets the triggers allow this case's events to change.
        self._record(session, removal, actor, now, case.id)
        {
            REGISTER: self._remove_case,
            TRANSCRIPTS: self._remove_transcript,
            ATTACHMENTS: self._remove_attachments,
        }[stage](session, case, now)
        log.info("purge.case", case=case.number, stage=stage)
        return removal

    def _stage_done(self, session: Session, case: Case, stage: str) -> bool:
        return (
            session.exec(
                select(PurgeRecord.id).where(
                    PurgeRecord.case_id == case.id,
                    PurgeRecord.case_number == case.number,
                    PurgeRecord.stage == stage,
                )
            ).first()
            is not None
        )

    def _transcripts_cutoff(self, case: Case, now: datetime) -> datetime:
        return now - timedelta(days=self.periods[case.org_id].transcripts_days)

    def _sent_before(self, case: Case, now: datetime) -> ColumnElement[bool]:
        """Sent messages of the case's conversation older than the transcript period: only
        copies of transcript lines, kept for delivery, which is long done."""
        return and_(
            col(OutboxMessage.conversation_id) == case.conversation_id,
            col(OutboxMessage.status) == "sent",
            col(OutboxMessage.created_at) <= self._transcripts_cutoff(case, now),
        )

    def _text_events(self, case: Case) -> ColumnElement[bool]:
        return and_(col(CaseEvent.case_id) == case.id, col(CaseEvent.kind).not_in(TEXT_FREE_EVENTS))

    @staticmethod
    def _count(session: Session, model: Any, where: ColumnElement[bool]) -> int:
        return int(session.exec(select(func.count()).select_from(model).where(where)).one())

    def _sent_count(self, session: Session, case: Case, now: datetime, dry: _DryRun | None) -> int:
        where = self._sent_before(case, now)
        if dry is not None:
            where = and_(where, dry.not_counted(case.conversation_id))
        return self._count(session, OutboxMessage, where)

    def _transcript_counts(
        self, session: Session, case: Case, now: datetime, dry: _DryRun | None
    ) -> dict[str, int]:
        return {
            "transcriptline": self._count(session, TranscriptLine, case_lines(case)),
            "caseevent": self._count(session, CaseEvent, self._text_events(case)),
            "outboxmessage": self._sent_count(session, case, now, dry),
            "caselookup": self._count(session, CaseLookup, col(CaseLookup.case_id) == case.id),
            "slackscrub": len(slack_posts.scrub_items(session, case, TRANSCRIPTS)),
            "case": 1,  # free-text fields, summary, last staff reply, outcome reason cleared
        }

    def _attachment_counts(
        self, session: Session, case: Case, now: datetime, dry: _DryRun | None
    ) -> dict[str, int]:
        return {
            "attachment": self._count(session, Attachment, col(Attachment.case_id) == case.id),
            "answerfile": self._count(session, AnswerFile, col(AnswerFile.case_id) == case.id),
            "emailmessage": self._count(
                session, EmailMessage, col(EmailMessage.case_id) == case.id
            ),
            "slackscrub": len(slack_posts.scrub_items(session, case, ATTACHMENTS)),
        }

    def _register_counts(
        self, session: Session, case: Case, now: datetime, dry: _DryRun | None
    ) -> dict[str, int]:
        return {
            "caseevent": self._count(session, CaseEvent, col(CaseEvent.case_id) == case.id),
            "transcriptline": self._count(session, TranscriptLine, case_lines(case)),
            "outboxmessage": self._sent_count(session, case, now, dry),
            "attachment": self._count(session, Attachment, col(Attachment.case_id) == case.id),
            "answerfile": self._count(session, AnswerFile, col(AnswerFile.case_id) == case.id),
            "answerdelivery": self._count(
                session, AnswerDelivery, col(AnswerDelivery.case_id) == case.id
            ),
            "emailmessage": self._count(
                session, EmailMessage, col(EmailMessage.case_id) == case.id
            ),
            "caselookup": self._count(session, CaseLookup, col(CaseLookup.case_id) == case.id),
            "casecard": self._count(session, CaseCard, col(CaseCard.case_id) == case.id),
            "consentrecord": self._count(
                session, ConsentRecord, col(ConsentRecord.case_id) == case.id
            ),
            "processedupdate": self._count(session, ProcessedUpdate, self._case_keys(case)),
            "slackscrub": len(slack_posts.scrub_items(session, case, REGISTER)),
            "case": 1,
        }

    @staticmethod
    def _case_keys(case: Case) -> ColumnElement[bool]:
        return or_(
            *(
                col(ProcessedUpdate.key).startswith(f"{prefix}{case.id}:", autoescape=True)
                for prefix in _CASE_KEY_PREFIXES
            )
        )

    @staticmethod
    def _delete(session: Session, model: Any, where: ColumnElement[bool]) -> None:
        session.execute(delete(model).where(where).execution_options(synchronize_session=False))

    def _remove_transcript(self, session: Session, case: Case, now: datetime) -> None:
        self._delete(session, TranscriptLine, case_lines(case))
        self._delete(session, OutboxMessage, self._sent_before(case, now))
        for event in session.exec(select(CaseEvent).where(self._text_events(case))).all():
            event.data = redacted(event.data, TRANSCRIPTS)
            session.add(event)
        # The register keeps the member's choices (codes); names, contact details and their
        # own words go, and so do the lookup hashes made from them.
        case.fields = register_fields(case.request_type, case.fields)
        self._delete(session, CaseLookup, col(CaseLookup.case_id) == case.id)
        slack_posts.queue_scrub(session, case, TRANSCRIPTS, now)
        case.summary = []
        case.last_staff_reply = None
        case.outcome_reason = None
        session.add(case)
        session.flush()

    def _remove_attachments(self, session: Session, case: Case, now: datetime) -> None:
        self._delete(session, Attachment, col(Attachment.case_id) == case.id)
        self._remove_answer_files(session, case)
        slack_posts.queue_scrub(session, case, ATTACHMENTS, now)

    def _remove_answer_files(self, session: Session, case: Case) -> None:
        """Staff's answer files, and the e-mails that carried their links (the address)."""
        self._delete(session, AnswerFile, col(AnswerFile.case_id) == case.id)
        self._delete(session, EmailMessage, col(EmailMessage.case_id) == case.id)

    def _remove_case(self, session: Session, case: Case, now: datetime) -> None:
        """Everything tied to the case, then the case (its events first: they refer to it)."""
        slack_posts.queue_scrub(session, case, REGISTER, now)  # before its card row goes
        self._delete(session, CaseEvent, col(CaseEvent.case_id) == case.id)
        self._delete(session, TranscriptLine, case_lines(case))
        self._delete(session, OutboxMessage, self._sent_before(case, now))
        self._delete(session, Attachment, col(Attachment.case_id) == case.id)
        self._remove_answer_files(session, case)
        self._delete(session, AnswerDelivery, col(AnswerDelivery.case_id) == case.id)
        self._delete(session, CaseLookup, col(CaseLookup.case_id) == case.id)
        self._delete(session, CaseCard, col(CaseCard.case_id) == case.id)
        self._delete(session, ConsentRecord, col(ConsentRecord.case_id) == case.id)
        self._delete(session, ProcessedUpdate, self._case_keys(case))
        session.delete(case)
        session.flush()

    def _record(
        self,
        session: Session,
        removal: Removal,
        actor: Actor,
        now: datetime,
        case_id: int | None = None,
    ) -> None:
        session.add(
            PurgeRecord(
                at=now,
                actor=actor.id,
                org_id=removal.org_id,
                case_id=case_id,
                case_number=removal.case_number,
                stage=removal.stage,
                counts=removal.counts,
                reason=removal.reason,
            )
        )
        session.flush()

    # ------------------------------------------------------------------ idle chats

    def _idle_candidates(self, now: datetime) -> list[int]:
        """Conversations silent for at least the shortest idle period, with no open case."""
        shortest = min(r.idle_chat_days for r in self.periods.values())
        open_case = (
            select(Case.id)
            .where(
                col(Case.conversation_id) == col(Conversation.id),
                col(Case.status).not_in(CLOSED_STATUSES),
            )
            .exists()
        )
        with self.db.transaction() as session:
            rows = session.exec(
                select(Conversation.id)
                .where(col(Conversation.updated_at) <= now - timedelta(days=shortest))
                .where(not_(open_case))
                .order_by(col(Conversation.id))
            ).all()
            return [row for row in rows if row is not None]

    def _idle_rule(self, state_org: str | None, case_orgs: Sequence[str]) -> tuple[str | None, int]:
        """Who the chat belongs to, and how long it must be idle.

        The longest idle period among the orgs the chat touched (or, when it touched none, among
        all): a chat is never cleared before any of them allows. It counts as the org the member
        last chose, else that of their latest case.
        """
        touched = {o for o in (state_org, *case_orgs) if o in self.periods}
        days = max(self.periods[o].idle_chat_days for o in (touched or self.periods))
        if state_org in self.periods:
            return state_org, days
        latest = case_orgs[-1] if case_orgs else None
        return (latest if latest in self.periods else None), days

    def _batch_idle(
        self,
        ids: Sequence[int],
        now: datetime,
        actor: Actor | None,
        org: str | None,
        dry: _DryRun | None,
    ) -> list[Removal]:
        """Idle chats of a batch, one record per org: a conversation is not a case and the
        record names no chat."""

        def attempt() -> list[Removal]:
            with self.db.transaction() as session:
                per_org: dict[str | None, dict[str, int]] = defaultdict(dict)
                days_of: dict[str | None, int] = {}
                for conversation_id in ids:
                    found = self._idle_chat(session, conversation_id, now, actor, org, dry)
                    if found is None:
                        continue
                    owner, days, counts = found
                    days_of[owner] = max(days, days_of.get(owner, 0))
                    total = per_org[owner]
                    for table, count in counts.items():
                        total[table] = total.get(table, 0) + count
                removals = [
                    Removal(
                        IDLE_CHAT,
                        owner,
                        None,
                        counts,
                        f"no open case, idle {days_of[owner]}+ days (idle_chat_days)",
                    )
                    for owner, counts in per_org.items()
                ]
                if actor is not None:
                    for removal in removals:
                        self._record(session, removal, actor, now)
                return removals

        return self.db.retrying(attempt)

    def _idle_chat(
        self,
        session: Session,
        conversation_id: int,
        now: datetime,
        actor: Actor | None,
        org: str | None,
        dry: _DryRun | None,
    ) -> tuple[str | None, int, dict[str, int]] | None:
        query = select(Conversation).where(Conversation.id == conversation_id)
        if actor is not None:
            query = query.with_for_update()  # a turn of this member waits, or goes first
        conversation = session.exec(query).first()
        if conversation is None:
            return None
        cases = session.exec(
            select(Case).where(Case.conversation_id == conversation_id).order_by(col(Case.id))
        ).all()
        if any(c.status not in CLOSED_STATUSES for c in cases):
            return None
        state_org = conversation.state.get("org") if conversation.state else None
        staying = [c.org_id for c in cases if dry is None or c.id not in dry.removed]
        owner, days = self._idle_rule(state_org if isinstance(state_org, str) else None, staying)
        cutoff = now - timedelta(days=days)
        if conversation.updated_at > cutoff or (org is not None and owner != org):
            return None
        # Lines never part of a case: not written to one, outside every case's intake segment.
        lines = and_(
            col(TranscriptLine.conversation_id) == conversation_id,
            col(TranscriptLine.case_id).is_(None),
            *(
                not_(col(TranscriptLine.id).between(c.transcript_from, c.transcript_to))
                for c in cases
            ),
        )
        sent = and_(
            col(OutboxMessage.conversation_id) == conversation_id,
            col(OutboxMessage.status) == "sent",
            col(OutboxMessage.created_at) <= cutoff,
            dry.not_counted(conversation_id) if dry is not None else true(),
        )
        held = and_(
            col(Attachment.conversation_id) == conversation_id, col(Attachment.case_id).is_(None)
        )
        counts = {
            "transcriptline": self._count(session, TranscriptLine, lines),
            "outboxmessage": self._count(session, OutboxMessage, sent),
            "attachment": self._count(session, Attachment, held),
        }
        if not any(counts.values()) and not conversation.state:
            return None
        counts["conversation"] = 1
        if actor is not None:
            self._delete(session, TranscriptLine, lines)
            self._delete(session, OutboxMessage, sent)
            self._delete(session, Attachment, held)
            conversation.state = {}
            session.add(conversation)
        return owner, days, counts

    # ------------------------------------------------------------------ keys

    def _keys(self, now: datetime, actor: Actor | None) -> list[Removal]:
        """Old processed-update keys, a bounded number per transaction."""
        cutoff = now - timedelta(days=self.keys_days)
        old = and_(
            col(ProcessedUpdate.created_at) < cutoff,
            *(
                not_(col(ProcessedUpdate.key).startswith(prefix, autoescape=True))
                for prefix in _CASE_KEY_PREFIXES
            ),
        )
        reason = f"older than {self.keys_days} days"
        if actor is None:
            with self.db.transaction() as session:
                count = self._count(session, ProcessedUpdate, old)
            return [Removal(KEYS, None, None, {"processedupdate": count}, reason)] if count else []

        def attempt() -> Removal | None:
            with self.db.transaction() as session:
                keys = session.exec(
                    select(ProcessedUpdate.key).where(old).limit(self.batch * 20)
                ).all()
                if not keys:
                    return None
                self._delete(session, ProcessedUpdate, col(ProcessedUpdate.key).in_(keys))
                removal = Removal(KEYS, None, None, {"processedupdate": len(keys)}, reason)
                self._record(session, removal, actor, now)
                return removal

        removals: list[Removal] = []
        while (removal := self.db.retrying(attempt)) is not None:
            removals.append(removal)
        return removals

    # ------------------------------------------------------------------ history and schedule

    def history(self, since: datetime | None = None) -> list[PurgeRecord]:
        with self.db.transaction() as session:
            query = select(PurgeRecord).order_by(col(PurgeRecord.id))
            if since is not None:
                query = query.where(col(PurgeRecord.at) >= since)
            return list(session.exec(query).all())

    def last_run(self, actor: str) -> datetime | None:
        """When ``actor`` (e.g. the scheduler) last finished a purge: its audit entry is
        written at the end of a run, so a run that failed half-way does not count."""
        with self.db.transaction() as session:
            return session.exec(
                select(AuditEntry.at)
                .where(AuditEntry.actor == actor, AuditEntry.action == "purge")
                .order_by(col(AuditEntry.seq).desc())
                .limit(1)
            ).first()
