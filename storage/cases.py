"""Staff actions on cases: each one event, one transaction, and the member told via the outbox."""

from __future__ import annotations

import builtins
import functools
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

import structlog
from sqlmodel import Session, col, func, or_, select

from flows import answer_files
from flows import cases as rules
from flows.bereavement import DECEASED
from flows.i18n import JST, Translator
from flows.intake import ERR_SENT_BEFORE_TASK, ERR_SENT_IN_FUTURE, IntakeDraft, paper_text
from flows.office_calendar import is_open, last_open_day, promised_due
from flows.profiles import OfficeDays
from flows.routes import OFFLINE_CHANNEL
from flows.safe_text import TextLimit
from flows.status import CLOSED_STATUSES
from storage import answers, case_changes, drafts, intake, lookup, member_data
from storage.audit import AuditLog, staff_actor
from storage.db import Database
from storage.intake import NoticeTask
from storage.models import (
    Attachment,
    Case,
    CaseCard,
    CaseEvent,
    Conversation,
    ProcessedUpdate,
    TranscriptLine,
)
from storage.staff import Refused, StaffActor, require_queue, require_supervisor
from storage.turns import Clock, case_lines, enqueue

log = structlog.get_logger(__name__)
Action = TypeVar("Action", bound=Callable[..., Any])


def _retried(action: Action) -> Action:
    """Run a staff action again if the database aborted it for a clash with another process.

    An access refusal rolls the action back; its ``denied:`` entry is written after, in a
    transaction of its own, so the attempt stays on record whatever surface made it."""

    @functools.wraps(action)
    def run(self: CaseService, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.db.retrying(lambda: action(self, *args, **kwargs))
        except Refused as refused:
            self._record_refusal(refused)
            raise

    return cast(Action, run)


NOT_STAFF = frozenset({"member", "system"})  # event actors whose events are not staff actions
# Event data that may go into the audit log: codes, dates, queues, staff ids, case numbers and
# row ids. Never the texts (replies, notes, reasons), which can hold personal data.
AUDITED_DATA = frozenset(
    {
        "previous",
        "method",
        "from",
        "to",
        "outcome",
        "waited_seconds",
        "linked_case",
        "conversation",
        "route",
        "task",
        "on",
    }
    | {"channel", "sha256", "expires", "sent_on"}  # an answer's delivery: codes and digests
)
# What each staff read is audited as: the action its refusal is recorded as (``denied:…``),
# and whether it is for supervisors alone (the whole record, as Slack's transcript always was).
READ_PURPOSES: dict[str, tuple[str, bool]] = {
    "view_case": ("view_case", False),
    "view_transcript": ("transcript", True),
    "export_transcript": ("transcript", True),
}
# Staff actions that mean the member's messages were read: a reply answers them, and claiming
# is done from the card or after ``show``, where they stand. Reopening, closing, transferring
# (to a queue that has not seen them) and the rest leave them unread: staff must still see them.
_READING = frozenset({"replied", "claimed"})
# A member-data delivery reserved but never confirmed (the process died while uploading) may be
# tried again after this long; a confirmed one never is, for the same data.
EXPORT_STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class CaseDetail:
    """A case with its events and transcript, for staff screens and exports."""

    case: Case
    events: list[CaseEvent]
    transcript: list[TranscriptLine]
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class MemberDataExport:
    """The member's data for one export, and whether this request is the one to deliver it."""

    data: member_data.MemberData
    fresh: bool  # False: the same data already went, or is going, to that destination
    key: str | None = None  # holds the delivery; hand it to ``export_delivered``/``export_failed``


def _reopen_counts(session: Session, case_ids: Collection[int]) -> dict[int, int]:
    """How often each case was reopened. A reopen keeps the due date, so this count is what
    sets a reopened case's reminder and escalation apart from those sent before its close."""
    if not case_ids:
        return {}
    rows = session.exec(
        select(CaseEvent.case_id, func.count())
        .where(col(CaseEvent.case_id).in_(list(case_ids)), CaseEvent.kind == "reopened")
        .group_by(col(CaseEvent.case_id))
    ).all()
    return {case_id: count for case_id, count in rows}


def case_to_dict(case: Case) -> dict[str, Any]:
    """The JSON shape of ``madoguchi cases --json``."""
    return {
        "id": case.id,
        "number": case.number,
        "org": case.org_id,
        "queue": case.queue,
        "type": case.request_type,
        "status": case.status,
        "requester": case.requester,
        "fields": case.fields,
        "received_at": case.received_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "assignee": case.assignee,
        "outcome": case.outcome,
    }


class CaseService:
    """What staff can do to a case and see of it, whatever surface they use.

    Every action and staff read takes the :class:`~storage.staff.StaffActor` its surface
    built, checks it against the case's queue (or supervisors only) and writes the audit
    entry itself, so Slack and the terminal refuse alike and no surface can forget either.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        queues: Collection[str],
        audit: AuditLog | None = None,
        *,
        extension_days: Mapping[str, int] | None = None,
        text_limits: Mapping[str, TextLimit] | None = None,
        office_days: Mapping[str, OfficeDays] | None = None,
        org_queues: Mapping[str, Collection[str]] | None = None,
        queue_names: Mapping[str, str] | None = None,
        answer_settings: answers.AnswerSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.queues = frozenset(queues)
        # Per org: the queues its cases may be transferred to. A case never leaves its co-op
        # (another co-op's staff must not see the member's request). None: no org is split.
        self.org_queues = (
            {org: frozenset(ids) for org, ids in org_queues.items()} if org_queues else None
        )
        # Each queue's name as staff say it (宅配センター); they may type it instead of the id.
        self.queue_names = dict(queue_names or {})
        self.audit = audit or AuditLog(db, clock)
        # Per org: how many days extensions may add to a case's due date in all (the co-ops
        # publish "2 weeks, extendable by up to 2 more"). An org not listed has no cap.
        self.extension_days = dict(extension_days or {})
        # Per channel, what one message may carry: a long reply reaches the member in parts.
        self.text_limits = dict(text_limits or {})
        # Per org: the days its office is closed, on which no due date may fall. An org not
        # listed gets the desk's default calendar (土日, 祝日, 年末年始).
        self.office_days = dict(office_days or {})
        # Where answer download links point and each org's rule for answer files.
        self.answer_settings = answer_settings or answers.AnswerSettings()

    def open_day_due(self, org_id: str, moment: datetime) -> datetime:
        """``moment`` moved back to the org's last open day on or before it: the due date
        that is promised and stored (a form shows it before staff confirm)."""
        return promised_due(moment, self._office(org_id))

    def queues_of(self, org_id: str) -> builtins.list[str]:
        """The queues a case of ``org_id`` may be in: its own co-op's, never another's."""
        if self.org_queues is None:
            return sorted(self.queues)
        return sorted(self.org_queues.get(org_id, ()))

    def queue_label(self, queue: str) -> str:
        """The queue's name as staff say it (宅配センター), or its id if it has none."""
        return self.queue_names.get(queue, queue)

    def queue_id(self, typed: str) -> str | None:
        """The queue staff named by its id or its name (any width); None if there is none."""
        wanted = unicodedata.normalize("NFKC", typed).strip().casefold()
        for queue in sorted(self.queues):
            names = (queue, self.queue_names.get(queue, queue))
            if wanted in (unicodedata.normalize("NFKC", n).casefold() for n in names):
                return queue
        return None

    def _office(self, org_id: str) -> OfficeDays:
        return self.office_days.get(org_id, OfficeDays())

    # ------------------------------------------------------------------ reading

    # Staff reads take the actor: each checks it and writes its audit entry in the read's own
    # transaction, before anything is handed back, so no surface can show data unrecorded.

    @_retried
    def list(
        self, actor: StaffActor, queue: str | None = None, *, include_closed: bool = True
    ) -> builtins.list[Case]:
        """The cases of the queues ``actor`` may see (or of ``queue``); audited as
        ``list_cases`` with how many, since the rows carry the requesters' details."""
        with self.db.transaction() as session:
            if queue is not None:
                require_queue(actor, queue, "list_cases", None)
            allowed = None if actor.supervisor else actor.queues
            cases = self._list(session, queue, allowed, include_closed)
            seen = {"count": len(cases), **({"queue": queue} if queue else {})}
            self.audit.record(actor.audit, "list_cases", detail=seen, session=session)
            return cases

    def list_unaudited(
        self, queue: str | None = None, *, include_closed: bool = True
    ) -> builtins.list[Case]:
        """Every case, unchecked and unaudited: for the engine and tests, never a staff
        surface (``tests/test_architecture.py`` holds ``bot/`` to :meth:`list`)."""
        with self.db.transaction() as session:
            return self._list(session, queue, None, include_closed)

    @staticmethod
    def _list(
        session: Session,
        queue: str | None,
        allowed: Collection[str] | None,
        include_closed: bool,
    ) -> builtins.list[Case]:
        query = select(Case).order_by(col(Case.id))
        if queue:
            query = query.where(Case.queue == queue)
        if allowed is not None:
            query = query.where(col(Case.queue).in_(sorted(allowed)))
        if not include_closed:
            # A closed case the member wrote about again needs staff: it stays in the list.
            query = query.where(
                or_(
                    col(Case.status).not_in(CLOSED_STATUSES),
                    col(Case.unread_messages) > 0,
                    col(Case.member_contact_at).is_not(None),
                )
            )
        return builtins.list(session.exec(query).all())

    def authorize(self, number: str, actor: StaffActor, action: str) -> Case:
        """The case, if ``actor`` may ``action`` it; else the refusal every surface shows,
        audited as ``denied:<action>``. For forms that must know before they open."""
        try:
            with self.db.transaction() as session:
                return self._acting(session, number, actor, action)
        except Refused as refused:
            self._record_refusal(refused)
            raise

    def _record_refusal(self, refused: Refused) -> None:
        self.audit.record(
            refused.actor.audit,
            f"denied:{refused.action}",
            case_number=refused.number,
            allowed=False,
        )

    def get(self, number: str) -> Case:
        with self.db.transaction() as session:
            return self._get(session, number)

    @_retried
    def find(self, query: str, actor: StaffActor, limit: int = 20) -> builtins.list[Case]:
        """Cases by number, phone, member number or name, the newest ``limit`` in order: for
        supervisors only, audited as ``find`` with the numbers found (never the query).

        Typed as staff type them (any width, spaces, hyphens, kana). Phones, names and member
        numbers are encrypted, so they are matched through keyed hashes (``storage.lookup``):
        a name matches whole, or as one of its space-separated parts, never as a substring.
        """
        require_supervisor(actor, "find")
        wanted = unicodedata.normalize("NFKC", query).strip()
        with self.db.transaction() as session:
            found: builtins.list[Case] = []
            if wanted:
                matched = lookup.matches(lookup.query_digests(wanted))
                newest = session.exec(
                    select(Case)
                    .where(or_(Case.number == rules.case_number(wanted), matched))
                    .order_by(col(Case.id).desc())
                    .limit(limit)
                ).all()
                found = builtins.list(reversed(newest))
            matched_numbers = {"matched": [c.number for c in found]}
            self.audit.record(actor.audit, "find", detail=matched_numbers, session=session)
            return found

    def open_cases(self, queues: Collection[str] | None = None) -> builtins.list[Case]:
        with self.db.transaction() as session:
            query = (
                select(Case)
                .where(col(Case.status).not_in(CLOSED_STATUSES))
                .order_by(col(Case.due_at))
            )
            if queues is not None:
                query = query.where(col(Case.queue).in_(list(queues)))
            return list(session.exec(query).all())

    def office_open(self, org_id: str, moment: datetime) -> bool:
        """Whether ``org_id``'s office works on ``moment``'s day (in Japan)."""
        return is_open(moment.astimezone(JST).date(), self._office(org_id))

    def org_of_queue(self, queue: str) -> str | None:
        """The co-op whose cases ``queue`` holds; None where no org is split into queues."""
        for org_id, queues in (self.org_queues or {}).items():
            if queue in queues:
                return org_id
        return None

    @_retried
    def mark_deadlines(self, reminder_days: int) -> builtins.list[str]:
        """Add a ``reminder`` event to open cases due within ``reminder_days`` and an
        ``escalated`` event to overdue ones: once per case and due date (an extension earns a
        new reminder). Returns the case numbers that got an event.

        Only on a day the case's office is open: nobody is there to act on a nudge sent on a
        weekend, a holiday or 年末年始, so it goes out at the first check of the next open day
        (still a reminder if the due date, always an open day, has not passed)."""
        now = self.clock()
        marked: builtins.list[str] = []
        with self.db.transaction() as session:
            cases = session.exec(
                select(Case).where(
                    col(Case.status).not_in(CLOSED_STATUSES),
                    col(Case.paused_at).is_(None),
                    col(Case.due_at) <= now + timedelta(days=reminder_days),
                )
            ).all()
            reopens = _reopen_counts(session, [c.id for c in cases if c.id is not None])
            for case in cases:
                if not self.office_open(case.org_id, now):
                    continue
                kind = "escalated" if case.due_at < now else "reminder"
                key = f"{kind}:{case.id}:{case.due_at.isoformat()}"
                if reopens.get(case.id or 0):
                    key += f":reopened-{reopens[case.id or 0]}"
                if self._seen(session, key):
                    continue
                due = Translator("ja").date(case.due_at)
                self._event(session, case, kind, "system", {"due": due})
                marked.append(case.number)
        return marked

    def number_for_card(self, channel: str, ref: str) -> str | None:
        """The case whose staff card is message ``ref`` in ``channel`` (e.g. a Slack thread)."""
        with self.db.transaction() as session:
            card = session.exec(
                select(CaseCard).where(CaseCard.channel == channel, CaseCard.ref == ref)
            ).first()
            case = session.get(Case, card.case_id) if card else None
            return case.number if case else None

    def is_done(self, key: str) -> bool:
        """Whether a once-only job (e.g. today's digest for a queue) already ran."""
        with self.db.transaction() as session:
            return session.get(ProcessedUpdate, key) is not None

    @_retried
    def mark_done(self, key: str) -> None:
        with self.db.transaction() as session:
            self._seen(session, key)

    @_retried
    def detail(
        self,
        number: str,
        actor: StaffActor,
        *,
        purpose: str = "view_case",
        audit_detail: dict[str, Any] | None = None,
    ) -> CaseDetail:
        """A case with its history, transcript and files, audited as ``purpose``:
        ``view_case`` (a staff screen: staff of the queue), ``view_transcript`` or
        ``export_transcript`` (the whole record: supervisors only, as ``transcript``)."""
        denied, supervisors_only = READ_PURPOSES[purpose]
        with self.db.transaction() as session:
            if supervisors_only:
                require_supervisor(actor, denied, rules.case_number(number))
            case = self._get(session, number)
            require_queue(actor, case.queue, denied, case.number)
            found = self._detail(session, case)
            self.audit.record(
                actor.audit, purpose, case_number=case.number, detail=audit_detail, session=session
            )
            return found

    def detail_unaudited(self, number: str) -> CaseDetail:
        """A case's detail, unchecked and unaudited: for the engine and tests, never a staff
        surface (``tests/test_architecture.py`` holds ``bot/`` to :meth:`detail`)."""
        with self.db.transaction() as session:
            return self._detail(session, self._get(session, number))

    @staticmethod
    def _detail(session: Session, case: Case) -> CaseDetail:
        events = builtins.list(
            session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
            ).all()
        )
        lines = session.exec(
            select(TranscriptLine).where(case_lines(case)).order_by(col(TranscriptLine.id))
        ).all()
        files = session.exec(
            select(Attachment).where(Attachment.case_id == case.id).order_by(col(Attachment.id))
        ).all()
        return CaseDetail(case, events, builtins.list(lines), builtins.list(files))

    @_retried
    def attachment(self, number: str, index: int, actor: StaffActor) -> Attachment:
        """The case's ``index``-th file (1-based, in the order received), bytes included, for
        staff of its queue; audited as ``download_attachment`` with its sha256."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "download_attachment")
            files = session.exec(
                select(Attachment).where(Attachment.case_id == case.id).order_by(col(Attachment.id))
            ).all()
            if not 1 <= index <= len(files):
                raise rules.CaseActionError(
                    f"{case.number} has no file {index}.",
                    f"{case.number} にファイル {index} はありません。",
                )
            chosen = files[index - 1]
            self.audit.record(
                actor.audit,
                "download_attachment",
                case_number=case.number,
                detail={"index": index, "sha256": chosen.sha256},
                session=session,
            )
            return chosen

    # ------------------------------------------------------------------ actions

    @_retried
    def claim(
        self, number: str, actor: StaffActor, *, take_over: bool = False, key: str | None = None
    ) -> Case:
        """Take a case; taking over someone else's needs an explicit ``take_over``.

        Claiming one's own case again (a double click) changes nothing.
        """
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "claim")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            if case.assignee == actor.on_record:
                return case
            if case.assignee and case.assignee != actor.on_record and not take_over:
                raise rules.ClaimedByOther(case.number, case.assignee)
            previous = case.assignee
            case.assignee = actor.on_record
            if case.status == "received":
                case.status = rules.status_when_claimed(case.request_type, DECEASED in case.flags)
            if previous is None:
                # A take-over changes nothing for the member; the first claim is news.
                t = Translator(case.lang)
                notice = rules.claimed_notice(
                    t,
                    case.number,
                    request_type=case.request_type,
                    deceased=DECEASED in case.flags,
                )
                self._tell_member(session, case, notice, actor.on_record, progress=True)
            self._event(session, case, "claimed", actor.on_record, {"previous": previous})
            return case

    @_retried
    def verify_identity(
        self, number: str, actor: StaffActor, method: str, *, key: str | None = None
    ) -> Case:
        """Record the requester's identity check, once: a second record (another person, or
        the same one again) is refused, saying when and how it was recorded."""
        code = rules.check_identity_method(method)
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "verify")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            self._require_no_identity_check(session, case)
            case.identity_method = code
            case.status = "in_progress"
            t = Translator(case.lang)
            self._tell_member(
                session,
                case,
                rules.identity_verified_notice(t, case.number),
                actor.on_record,
                progress=True,
            )
            case.assignee = case.assignee or actor.on_record
            self._event(session, case, "identity_verified", actor.on_record, {"method": code})
            return case

    def check_identity_unrecorded(self, number: str) -> None:
        """Raise the refusal ``verify_identity`` would give (the check is already recorded): the
        Slack form says so before staff pick a method."""
        with self.db.transaction() as session:
            self._require_no_identity_check(session, self._open_case(session, number))

    def _require_no_identity_check(self, session: Session, case: Case) -> None:
        if case.identity_method is None:
            return
        recorded = session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "identity_verified")
            .order_by(col(CaseEvent.id).desc())
        ).first()
        when = recorded.created_at if recorded else None
        raise rules.IdentityAlreadyRecorded(case.number, case.identity_method, when)

    @_retried
    def reply(self, number: str, actor: StaffActor, text: str, *, key: str | None = None) -> Case:
        """The only way staff words reach the member."""
        body = rules.require_text(text, "A reply")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "reply")
            if self._seen(session, key):
                return case
            self._reply(session, case, actor.on_record, body)
            return case

    def _reply(self, session: Session, case: Case, actor: str, body: str) -> None:
        t = Translator(case.lang)
        late = self._late(case)
        self._tell_member(session, case, rules.reply_notice(t, case.number, body, late=late), actor)
        case.last_staff_reply = body
        case.relay_open = case.status not in CLOSED_STATUSES
        case.member_contact_at = None  # the member's words about the closed case are answered
        self._event(session, case, "replied", actor, {"text": body})

    @_retried
    def note(
        self,
        number: str,
        actor: StaffActor,
        text: str,
        *,
        key: str | None = None,
        source: str | None = None,
    ) -> Case:
        """An internal note: kept in the history, never sent to the member.

        ``source`` names where it was written (e.g. ``slack``), so it is not echoed back there.
        """
        body = rules.require_text(text, "A note")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "note")
            if self._seen(session, key):
                return case
            data = {"text": body, **({"source": source} if source else {})}
            self._event(session, case, "note", actor.on_record, data)
            return case

    @_retried
    def extend(
        self,
        number: str,
        actor: StaffActor,
        new_due: datetime,
        reason: str,
        *,
        key: str | None = None,
    ) -> Case:
        why = rules.require_text(reason, "A reason")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "extend")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            self._extend(session, case, actor.on_record, new_due, why)
            return case

    def _extend(self, session: Session, case: Case, actor: str, picked: datetime, why: str) -> None:
        new_due = self._later_open_day(case, picked)
        self._check_extension_cap(session, case, new_due)
        old = case.due_at
        case.due_at = new_due
        t = Translator(case.lang)
        self._tell_member(
            session, case, rules.extension_notice(t, case.number, new_due, why), actor
        )
        self._event(
            session,
            case,
            "extended",
            actor,
            {"from": old.isoformat(), "to": new_due.isoformat(), "reason": why},
        )

    def check_extension(self, number: str, new_due: datetime) -> None:
        """Raise the refusal ``extend`` would give for the date picked (not later than the
        current one once moved off a closed day, or past the cap): a form checks this before
        it closes, so staff see the reason beside the date they picked."""
        with self.db.transaction() as session:
            case = self._get(session, number)
            self._check_extension_cap(session, case, self._later_open_day(case, new_due))

    def _later_open_day(self, case: Case, picked: datetime) -> datetime:
        """The open day an extension to ``picked`` promises; refused unless a later day than
        the current due date (the same day at a later hour would tell the member nothing)."""
        new_due = self.open_day_due(case.org_id, picked)
        if new_due.astimezone(JST).date() > case.due_at.astimezone(JST).date():
            return new_due
        if new_due != picked:
            en, ja = Translator("en"), Translator("ja")
            raise rules.CaseActionError(
                f"The office is closed on {en.date(picked)}: the due date would be the open day "
                f"before it, {en.date(new_due)}, which is not later than the current one.",
                f"{ja.date(picked)}は休業日のため、期限はその前の営業日の{ja.date(new_due)}に"
                "なり、現在の期限より後になりません。別の日を選んでください。",
            )
        raise rules.CaseActionError(
            "The new due date must be later than the current one.",
            "新しい期限は、現在の期限より後にしてください。",
        )

    def _latest_due_date(self, session: Session, case: Case) -> date | None:
        """Extensions may move the due date by ``extension_days`` in all, counted in calendar
        days (JST) from the due date without them; a pause moves both."""
        limit = self.extension_days.get(case.org_id)
        if limit is None:
            return None
        earlier = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "extended")
        ).all()
        added = sum(
            (
                datetime.fromisoformat(e.data["to"]) - datetime.fromisoformat(e.data["from"])
                for e in earlier
            ),
            timedelta(),
        )
        return (case.due_at - added + timedelta(days=limit)).astimezone(JST).date()

    def _check_extension_cap(self, session: Session, case: Case, new_due: datetime) -> None:
        latest = self._latest_due_date(session, case)
        if latest is not None and new_due.astimezone(JST).date() > latest:
            limit = self.extension_days[case.org_id]
            latest = last_open_day(latest, self._office(case.org_id))
            raise rules.CaseActionError(
                f"Extensions may add at most {limit} days in all: the latest due date is "
                f"{Translator('en').date(latest)}.",
                f"延長できるのは合わせて{limit}日までです。期限は"
                f"{Translator('ja').date(latest)}までにしてください。",
            )

    @_retried
    def pause(
        self, number: str, actor: StaffActor, waiting_for: str, *, key: str | None = None
    ) -> Case:
        """Stop the clock while waiting for the member (e.g. for a 委任状)."""
        why = rules.require_text(waiting_for, "What we wait for")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "pause")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            if case.paused_at is not None:
                raise rules.CaseActionError(
                    "The case is already paused.", "期限はすでに止めてあります。"
                )
            case.paused_at = self.clock()
            t = Translator(case.lang)
            self._tell_member(
                session, case, rules.pause_notice(t, case.number, why), actor.on_record
            )
            self._event(session, case, "paused", actor.on_record, {"waiting_for": why})
            return case

    @_retried
    def resume(self, number: str, actor: StaffActor, *, key: str | None = None) -> Case:
        """Restart the clock; the due date moves by the time spent waiting, and back to an open
        day if that lands on a closed one (so never before an open day promised before)."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "resume")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            if case.paused_at is None:
                raise rules.CaseActionError("The case is not paused.", "期限は止めていません。")
            waited: timedelta = self.clock() - case.paused_at
            case.due_at = self.open_day_due(case.org_id, case.due_at + waited)
            case.paused_at = None
            t = Translator(case.lang)
            self._tell_member(
                session, case, rules.resume_notice(t, case.number, case.due_at), actor.on_record
            )
            self._event(
                session,
                case,
                "resumed",
                actor.on_record,
                {"waited_seconds": int(waited.total_seconds())},
            )
            return case

    @_retried
    def transfer(
        self, number: str, actor: StaffActor, queue: str, note: str, *, key: str | None = None
    ) -> Case:
        why = rules.require_text(note, "A note")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "transfer")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            queue = self._transfer_target(case, queue)
            if queue == case.queue:
                raise rules.CaseActionError(
                    f"{case.number} is already in {queue}.", "すでにその窓口の案件です。"
                )
            previous = case.queue
            case.queue, case.assignee = queue, None
            self._event(
                session,
                case,
                "transferred",
                actor.on_record,
                {"from": previous, "to": queue, "note": why},
            )
            return case

    def _transfer_target(self, case: Case, typed: str) -> str:
        """The queue a transfer goes to: one of the case's own co-op, named by id or name.

        A queue of another co-op is refused like an unknown one: the member asked this co-op,
        and its staff alone may read the request. The refusal lists the queues there are."""
        queue = self.queue_id(typed)
        own = self.queues_of(case.org_id)
        if queue is not None and queue in own:
            return queue
        listed_en = ", ".join(f"{self.queue_label(q)} ({q})" for q in own)
        listed_ja = "、".join(f"{self.queue_label(q)}（{q}）" for q in own)
        if queue is None:
            why_en, why_ja = f"There is no queue {typed!r}.", f"窓口「{typed}」はありません。"
        else:
            why_en = f"{self.queue_label(queue)} is a queue of another co-op."
            why_ja = f"{self.queue_label(queue)}はほかの組合の窓口のため、転送できません。"
        return_en = f" Queues of this case's co-op: {listed_en}."
        return_ja = f"この案件の組合の窓口：{listed_ja}。"
        raise rules.CaseActionError(why_en + return_en, why_ja + return_ja)

    @_retried
    def close(
        self,
        number: str,
        actor: StaffActor,
        outcome: str,
        reason: str | None = None,
        *,
        key: str | None = None,
        confirmed: bool = False,
    ) -> Case:
        """Close with 回答済/一部対応/対応不可; the member is told, with any required reason.

        With unread member messages, a paused due date, or as 回答済 a question or complaint
        never replied to, it is refused (``rules.CloseNeedsConfirmation``) unless staff
        ``confirmed`` closing anyway."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "close")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            self._close(session, case, actor.on_record, outcome, reason, confirmed)
            return case

    def check_close(self, number: str, outcome: str, *, confirmed: bool = False) -> None:
        """Raise the refusal ``close`` would give (a missing identity check; unread messages, a
        paused clock or an unanswered question not confirmed): a form checks this before it
        closes, so staff see the reason beside what they picked."""
        with self.db.transaction() as session:
            case = self._open_case(session, number)
            rules.require_identity_for_outcome(case.request_type, outcome, case.identity_method)
            self._require_close_confirmed(case, outcome, confirmed)
            self._require_answer_delivered(session, case, outcome)

    @staticmethod
    def _require_close_confirmed(case: Case, outcome: str, confirmed: bool) -> None:
        unanswered = (
            outcome == "answered"
            and case.last_staff_reply is None
            and rules.expects_a_reply(
                case.request_type, case.fields, complained=case.complained_at is not None
            )
        )
        rules.require_close_confirmed(
            case.unread_messages, case.paused_at is not None, confirmed, unanswered=unanswered
        )

    def _close(
        self,
        session: Session,
        case: Case,
        actor: str,
        outcome: str,
        reason: str | None,
        confirmed: bool,
    ) -> None:
        why = rules.check_outcome(outcome, reason)
        rules.require_identity_for_outcome(case.request_type, outcome, case.identity_method)
        self._require_close_confirmed(case, outcome, confirmed)
        self._require_answer_delivered(session, case, outcome)
        late = self._late(case)
        case.status = case.outcome = outcome
        case.outcome_reason = why
        case.relay_open = False
        case.closed_at = self.clock()
        case.complained_at = None  # a complaint marks the case until it is closed
        t = Translator(case.lang)
        notice = rules.outcome_notice(t, case.number, outcome, why, late=late)
        self._tell_member(session, case, notice, actor)
        self._event(session, case, "closed", actor, {"outcome": outcome, "reason": why})

    # ------------------------------------------------------------------ the answer itself

    @_retried
    @_retried
    def attach_answer(
        self, number: str, actor: StaffActor, name: str, data: bytes, *, key: str | None = None
    ) -> answers.FileShown | None:
        """Add a file to the case's pending answer (checked: type from the bytes, size per
        org, not empty); None for a repeated ``key``."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "send_answer")
            if self._seen(session, key):
                return None
            rules.require_open(case.status)
            answers.require_answer_type(case)
            rule = self.answer_settings.rule(case.org_id)
            row = answers.add_file(session, case, actor.on_record, name, data, rule, self.clock())
            return answers.FileShown(row.name, row.mime, row.size, row.sha256)

    @_retried
    def preview_answer(self, number: str, actor: StaffActor) -> answers.AnswerPreview:
        """What :meth:`send_answer` would send, and where to (the member's address: the look
        is audited), or why it cannot."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "send_answer")
            rules.require_open(case.status)
            rules.require_identity_for_answer(case.request_type, case.identity_method)
            shown = answers.preview(session, case, self.answer_settings, self.clock())
            self.audit.record(
                actor.audit, "preview_answer", case_number=case.number, session=session
            )
            return shown

    @_retried
    def send_answer(
        self, number: str, actor: StaffActor, *, key: str | None = None
    ) -> answers.SentAnswer | None:
        """Send the pending answer files by the member's chosen method, in one transaction:
        a Telegram chat gets them as documents; LINE, the web chat and the terminal a link
        with its code; an e-mail carries the link only, its code going to the member's chat
        (or, with no chat, back to staff for the paper notice). None for a repeated ``key``
        (a double click sends once)."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "send_answer")
            if self._seen(session, key):
                return None
            rules.require_open(case.status)
            rules.require_identity_for_answer(case.request_type, case.identity_method)
            now = self.clock()
            shown = answers.preview(session, case, self.answer_settings, now)
            delivery, link = answers.new_delivery(session, case, actor.on_record, shown, now)
            sent = answers.deliver(
                session, case, delivery, shown, link, self.answer_settings, now, self._tell_member
            )
            self._event(session, case, "answer_sent", actor.on_record, answers.sent_event(shown))
            return sent

    @_retried
    def record_paper_send(
        self,
        number: str,
        actor: StaffActor,
        method: str,
        sent_on: date,
        tracking: str | None = None,
        *,
        key: str | None = None,
    ) -> Case:
        """Record a paper answer: 簡易書留, 本人限定受取郵便, 普通郵便 or 窓口手渡し, the day it
        went and its tracking number. A member with a chat is told it is on its way."""
        code = answer_files.paper_method(method)
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "answer_posted")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            answers.require_answer_type(case)
            data = answers.posted_event(code, sent_on, tracking, self.clock())
            if case.route == "chat" and code != "handed_over":
                notice = answers.posted_notice(Translator(case.lang), case.number, code, sent_on)
                self._tell_member(session, case, notice, actor.on_record)
            self._event(session, case, "answer_posted", actor.on_record, data)
            return case

    @staticmethod
    def _require_answer_delivered(session: Session, case: Case, outcome: str) -> None:
        """A 開示 or 第三者提供記録 closes 回答済 only once the answer went out."""
        if (
            outcome == "answered"
            and case.request_type in answer_files.DELIVERY_REQUIRED
            and not answers.has_delivery(session, case)
        ):
            raise rules.CaseActionError(
                f"{case.number}'s answer has not been sent or posted yet.",
                f"{case.number} はまだ回答を送っていないため、回答済で完了できません。"
                "ファイルを会員へ送付するか、郵送・手渡しを記録してから完了してください。",
            )

    # ------------------------------------------------------------------ drafts

    @_retried
    def draft(
        self,
        number: str,
        actor: StaffActor,
        kind: str,
        text: str,
        *,
        outcome: str | None = None,
        new_due: datetime | None = None,
        confirmed: bool = False,
    ) -> str:
        """Hold what staff wrote for the member until they confirm it; returns the draft's id.

        ``kind`` is ``reply``, ``close`` (with ``outcome``) or ``extend`` (with ``new_due``).
        The confirmation (:meth:`send_draft`) sends exactly this text, so a preview can show
        it and no client has to carry it.
        """
        body = rules.require_text(text, "A reply" if kind == "reply" else "A reason")
        detail: dict[str, Any]
        if kind == "reply":
            detail = {}
        elif kind == "close" and outcome is not None:
            rules.check_outcome(outcome, body)
            detail = {"outcome": outcome, "confirmed": confirmed}
        elif kind == "extend" and new_due is not None:
            detail = {"due": new_due.isoformat()}
        else:
            raise ValueError(f"not a draft: {kind!r} (outcome {outcome!r}, due {new_due!r})")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, kind)
            if kind != "reply":
                rules.require_open(case.status)
            if kind == "close" and outcome is not None:
                rules.require_identity_for_outcome(case.request_type, outcome, case.identity_method)
                self._require_close_confirmed(case, outcome, confirmed)
                self._require_answer_delivered(session, case, outcome)
            assert case.id is not None
            return drafts.save(
                session,
                case_id=case.id,
                actor=actor.on_record,
                kind=kind,
                text=body,
                detail=detail,
                now=self.clock(),
            )

    @_retried
    def send_draft(self, draft_id: str, number: str, actor: StaffActor) -> Case:
        """Carry out a confirmed draft: the reply, close or extension with the stored text.

        Only its author may, only on its own case, and only once: a second confirmation (a
        double click, a retry) finds the draft's key and changes nothing.
        """
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "send_draft")
            if self._seen(session, f"draft:{draft_id}"):
                return case
            draft = drafts.take(session, draft_id, self.clock())
            if draft is None:
                raise rules.CaseActionError(
                    "This draft has expired or was already used; please write it again.",
                    "この下書きは有効期限が切れたか、使用済みです。もう一度入力してください。",
                )
            if draft.actor != actor.on_record or draft.case_id != case.id:
                raise rules.CaseActionError(
                    "This draft belongs to someone else or another case.",
                    "この下書きは、ほかの方か別の案件のものです。",
                )
            if draft.kind == "reply":
                self._reply(session, case, actor.on_record, draft.text)
            else:
                rules.require_open(case.status)
                if draft.kind == "close":
                    outcome, confirmed = draft.detail["outcome"], draft.detail.get("confirmed")
                    self._close(
                        session, case, actor.on_record, str(outcome), draft.text, bool(confirmed)
                    )
                else:
                    due = datetime.fromisoformat(str(draft.detail["due"]))
                    self._extend(session, case, actor.on_record, due, draft.text)
            return case

    @_retried
    def reopen(
        self, number: str, actor: StaffActor, reason: str, *, key: str | None = None
    ) -> Case:
        """Back to 対応中 with a reason (a member's follow-up, a mistaken close). The due date
        stays the original one: the statutory clock runs from the member's request, so a
        reopened case past it shows as overdue rather than getting a fresh period."""
        why = rules.require_text(reason, "A reason")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "reopen")
            if self._seen(session, key):
                return case
            rules.require_closed(case.status)
            previous = case.status
            case.status = "in_progress"
            case.outcome = case.outcome_reason = None
            case.closed_at = case.member_contact_at = None
            case.relay_open = True
            case.assignee = case.assignee or actor.on_record
            t = Translator(case.lang)
            self._tell_member(session, case, rules.reopen_notice(t, case.number), actor.on_record)
            self._event(
                session, case, "reopened", actor.on_record, {"previous": previous, "reason": why}
            )
            return case

    @_retried
    def mark_read(self, number: str) -> Case:
        """Staff read the case's history (``staff show``): the member's messages are read."""
        with self.db.transaction() as session:
            case = self._get(session, number)
            if case.unread_messages:
                case.unread_messages = 0
                session.add(case)
            return case

    @_retried
    def withdraw(
        self, number: str, actor: StaffActor, note: str, *, key: str | None = None
    ) -> Case:
        """The member withdrew the request (e.g. said so on the phone): 取下げ, and confirm it."""
        why = rules.require_text(note, "A note")
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "withdraw")
            if self._seen(session, key):
                return case
            rules.require_open(case.status)
            case_changes.mark_withdrawn(case, self.clock())
            t = Translator(case.lang)
            self._tell_member(
                session, case, rules.withdrawal_notice(t, case.number), actor.on_record
            )
            self._event(session, case, "withdrawn", actor.on_record, {"note": why})
            return case

    # ------------------------------------------------------------------ the member's data

    @_retried
    def link_member(
        self, number: str, actor: StaffActor, other: str, *, key: str | None = None
    ) -> Case:
        """Record that case ``other``'s conversation is the requester's own, so the disclosure
        of ``number`` includes it. Only after the requester's identity is verified on
        ``number``: staff compare the two and vouch for it, never typed details alone.
        """
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "link")
            if self._seen(session, key):
                return case
            if case.identity_method is None:
                raise rules.CaseActionError(
                    f"Verify the requester's identity on {case.number} before linking.",
                    f"{case.number} の本人確認をしてから、ほかの案件を結び付けてください。",
                )
            linked = self._other_case(session, case, other)
            if linked.conversation_id in member_data.linked_conversations(session, case):
                return case  # linked already (a double click): nothing changes
            data = {"linked_case": linked.number, "conversation": linked.conversation_id}
            self._event(session, case, member_data.LINKED, actor.on_record, data)
            return case

    @_retried
    def unlink_member(
        self, number: str, actor: StaffActor, other: str, *, key: str | None = None
    ) -> Case:
        """Undo ``link_member`` (a mistaken link): later exports leave that conversation out."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "unlink")
            if self._seen(session, key):
                return case
            linked = self._other_case(session, case, other)
            if linked.conversation_id not in member_data.linked_conversations(session, case):
                raise rules.CaseActionError(
                    f"{linked.number} is not linked to {case.number}.",
                    f"{linked.number} は {case.number} に結び付けられていません。",
                )
            data = {"linked_case": linked.number, "conversation": linked.conversation_id}
            self._event(session, case, member_data.UNLINKED, actor.on_record, data)
            return case

    def possible_matches(self, number: str) -> builtins.list[member_data.PossibleMatch]:
        """Other cases whose typed details resemble this one's, for staff to check and link."""
        with self.db.transaction() as session:
            return member_data.possible_matches(session, self._get(session, number))

    @_retried
    def export_member_data(
        self, number: str, actor: StaffActor, fmt: str, *, destination: str | None = None
    ) -> MemberDataExport:
        """The member's data for a disclosure; the look is audited in the same transaction.

        With a ``destination`` the data is delivered there (``slack``: uploaded to the case's
        thread) once per version of it: a double click, a retry or eight clicks at once find
        the key the first one wrote, get ``fresh=False`` and no audit entry, and must deliver
        nothing. The one that is fresh confirms with ``export_delivered``, or gives the key
        back with ``export_failed`` so the next click can try again.
        """
        with self.db.transaction() as session:
            # Locked: exports of one case take turns.
            case = self._acting(session, number, actor, "member_data")
            data = member_data.gather(session, case)
            key = None
            if destination is not None:
                key = f"member_data:{destination}:{case.id}:{data.fingerprint()[:32]}"
                if not self._reserve(session, key):
                    return MemberDataExport(data, fresh=False, key=key)
            self.audit.record(
                actor.audit,
                "view_member_data",
                case_number=case.number,
                detail={"format": fmt, **data.counts()},
                session=session,
            )
            return MemberDataExport(data, fresh=True, key=key)

    @_retried
    def export_delivered(self, key: str) -> None:
        with self.db.transaction() as session:
            self._seen(session, f"{key}:sent")

    @_retried
    def export_failed(self, key: str) -> None:
        with self.db.transaction() as session:
            reserved = session.get(ProcessedUpdate, key)
            if reserved is not None:
                session.delete(reserved)

    def _reserve(self, session: Session, key: str) -> bool:
        """Take ``key`` for one delivery: free, or reserved by a delivery that never finished."""
        now = self.clock()
        reserved = session.get(ProcessedUpdate, key)
        if reserved is None:
            session.add(ProcessedUpdate(key=key, created_at=now))
            session.flush()  # a racing process waits on the key's unique index, then retries
            return True
        if session.get(ProcessedUpdate, f"{key}:sent") is not None:
            return False
        if reserved.created_at > now - EXPORT_STALE_AFTER:
            return False  # being delivered right now
        reserved.created_at = now
        session.add(reserved)
        return True

    def _other_case(self, session: Session, case: Case, number: str) -> Case:
        """The case staff named to link: another conversation's, of the same co-op."""
        other = session.exec(select(Case).where(Case.number == rules.case_number(number))).first()
        if other is None:
            raise rules.CaseActionError(
                f"No case numbered {number}.", f"{number} は見つかりませんでした。"
            )
        if other.org_id != case.org_id:
            raise rules.CaseActionError(
                "Only a case of the same co-op can be linked.",
                "結び付けられるのは、同じ組合の案件だけです。",
            )
        if other.conversation_id == case.conversation_id:
            raise rules.CaseActionError(
                f"{other.number} comes from the same conversation; it is already included.",
                f"{other.number} はこのご依頼と同じ会話の案件です。すでに含まれています。",
            )
        return other

    # ------------------------------------------------------------------ staff intake

    @_retried
    def intake(self, draft: IntakeDraft, actor: StaffActor, *, key: str) -> Case:
        """A request that came by post, phone, visit or e-mail, as a case like any chat one;
        ``key`` (one per form) makes a retried or double submission return the same case.
        Only the staff of the org's queue (or a supervisor) may enter one."""
        with self.db.transaction() as session:
            require_queue(actor, draft.queue, "intake", None)
            made = intake.existing(session, key)
            if made is not None:
                return made
            now = self.clock()
            case = intake.create(session, draft, key, now)
            data = {
                "queue": case.queue,
                "type": case.request_type,
                "route": draft.route,
                "arrived_at": draft.arrived_at.isoformat(),
                "entered_by": actor.on_record,
                "entered_at": now.isoformat(),
                "documents": list(draft.documents),
            }
            self._event(session, case, "created", actor.on_record, data)
            return case

    def authorize_queue(self, actor: StaffActor, queue: str, action: str) -> None:
        """Refuse (and audit) ``actor`` acting on ``queue`` where no case exists yet: a form
        that enters one checks before it opens, and :meth:`intake` checks again."""
        try:
            require_queue(actor, queue, action, None)
        except Refused as refused:
            self._record_refusal(refused)
            raise

    def notice_tasks(
        self, actor: StaffActor, queues: Collection[str] | None = None
    ) -> builtins.list[NoticeTask]:
        """Notices to members with no chat that staff have still to send by post or phone, of
        the queues ``actor`` may see; the texts are the member's notices, so each case's look
        is audited (``view_notice_tasks``) in the same transaction."""
        wanted = actor.visible(sorted(self.queues) if queues is None else queues)
        with self.db.transaction() as session:
            found = intake.tasks(session, wanted)
            for number in dict.fromkeys(task.case_number for task in found):
                self.audit.record(
                    actor.audit, "view_notice_tasks", case_number=number, session=session
                )
            return found

    @_retried
    def notice_sent(
        self,
        number: str,
        actor: StaffActor,
        task: int,
        method: str,
        on: date,
        *,
        key: str | None = None,
    ) -> Case:
        """Staff sent notice ``task`` of the case by ``method`` on ``on``: it leaves the tasks."""
        with self.db.transaction() as session:
            case = self._acting(session, number, actor, "notice_sent")
            if self._seen(session, key):
                return case
            row = intake.task_of(session, case, task)
            if row is None or row.status != "pending":
                raise rules.CaseActionError(
                    f"{case.number} has no notice {task} waiting to be sent.",
                    f"{case.number} に送付待ちの連絡 {task} はありません。",
                )
            now = self.clock()
            created = row.created_at.astimezone(JST).date()
            if on > now.astimezone(JST).date():
                raise rules.CaseActionError(
                    "The date sent is in the future.", Translator("ja")(ERR_SENT_IN_FUTURE)
                )
            if on < created:
                raise rules.CaseActionError(
                    "The date sent is before the notice was made.",
                    Translator("ja")(ERR_SENT_BEFORE_TASK, created=created.isoformat()),
                )
            intake.mark_sent(session, row, on, now)
            data = {"task": task, "method": method, "on": on.isoformat()}
            self._event(session, case, "notice_sent", actor.on_record, data)
            return case

    # ------------------------------------------------------------------ helpers

    def _seen(self, session: Session, key: str | None) -> bool:
        """True if this action already happened (a Slack retry, a double click): no effect.

        The key is stored in the action's own transaction, so the effect and the record of it
        commit together or not at all.
        """
        if key is None:
            return False
        if session.get(ProcessedUpdate, key) is not None:
            return True
        session.add(ProcessedUpdate(key=key, created_at=self.clock()))
        # Written now, so the same action racing in another process waits on the key's unique
        # index and then fails; ``retrying`` runs it again and it finds the key.
        session.flush()
        return False

    def _get(self, session: Session, number: str) -> Case:
        """The case, locked for this transaction: two staff acting at once take turns."""
        case = session.exec(
            select(Case).where(Case.number == rules.case_number(number)).with_for_update()
        ).first()
        if case is None:
            raise rules.CaseActionError(
                f"No case numbered {number}.", f"{number} は見つかりませんでした。"
            )
        return case

    def _acting(self, session: Session, number: str, actor: StaffActor, action: str) -> Case:
        """The case, locked, once ``actor`` may act on its queue (else refused and audited)."""
        case = self._get(session, number)
        require_queue(actor, case.queue, action, case.number)
        return case

    def _open_case(self, session: Session, number: str) -> Case:
        case = self._get(session, number)
        rules.require_open(case.status)
        return case

    def _event(
        self, session: Session, case: Case, kind: str, actor: str, data: dict[str, Any]
    ) -> None:
        assert case.id is not None
        if actor not in NOT_STAFF and kind in _READING:
            case.unread_messages = 0  # staff answering or taking the case read what was written
        session.add(case)
        session.add(
            CaseEvent(case_id=case.id, kind=kind, actor=actor, data=data, created_at=self.clock())
        )
        if actor not in NOT_STAFF:
            # In the action's transaction: the action and its audit entry commit together.
            self.audit.record(
                staff_actor(actor),
                kind,
                case_number=case.number,
                detail={k: v for k, v in data.items() if k in AUDITED_DATA},
                session=session,
            )
        log.info("case.event", case=case.number, kind=kind)

    def _late(self, case: Case) -> bool:
        """Past its due date and not paused: the member's next message from staff apologises."""
        return rules.is_late(case.status, case.paused_at is not None, case.due_at, self.clock())

    def _tell_member(
        self, session: Session, case: Case, text: str, actor: str, *, progress: bool = False
    ) -> None:
        """Queue ``text`` for the member. A ``progress`` notice (担当者が決まりました, ご本人確認が
        できました) is news in a chat but not worth a letter or a call: a member with no chat
        gets only the notices that ask or answer something."""
        conversation = session.get(Conversation, case.conversation_id)
        assert conversation is not None
        if conversation.channel == OFFLINE_CHANNEL:
            if progress:
                return
            text = paper_text(text, Translator(case.lang))  # a letter or a call: no chat
        enqueue(
            session,
            conversation,
            text,
            self.clock(),
            case_id=case.id,
            direction="staff",
            author=actor,
            limit=self.text_limits.get(conversation.channel),
        )
