"""Applying a turn: one transaction for state, transcript, cases, consents and outbox."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import overload

import structlog
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from flows.engine import Engine
from flows.messages import (
    AcceptedFile,
    CaseView,
    Extension,
    Inbound,
    Reply,
    StaffMessage,
    TurnResult,
    Withdrawal,
)
from flows.safe_text import TextLimit
from flows.status import CLOSED_STATUSES
from storage import case_changes, turn_rows
from storage.db import Database, is_transient
from storage.lookup import index_case
from storage.models import (
    PRIORITY_ANSWER,
    PRIORITY_NOTICE,
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    ConsentRecord,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
    TranscriptLine,
)

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class TurnOutcome:
    """What a processed turn did, for callers that need to know (tests, channels)."""

    duplicate: bool
    conversation_id: int | None = None
    case_number: str | None = None


def render_reply(reply: Reply, case_number: str | None) -> str:
    if reply.has_case_number and case_number:
        return reply.text.replace("{case_number}", case_number)
    return reply.text


def transcript_text(text: str, choices: list[list[str]]) -> str:
    """A bot message as the transcript shows it, choices included."""
    if not choices:
        return text
    return text + "\n" + "\n".join(f"  [{label}]" for _id, label in choices)


def next_case_number(session: Session, org_id: str, prefix: str, now: datetime) -> str:
    """Readable numbers per org and year; the counter row is locked by the turn's write lock."""
    counter = session.exec(
        select(CaseCounter)
        .where(CaseCounter.org_id == org_id, CaseCounter.year == now.year)
        .with_for_update()
    ).first()
    if counter is None:
        counter = CaseCounter(org_id=org_id, year=now.year, last=0)
    counter.last += 1
    session.add(counter)
    return f"{prefix}-{now.year}-{counter.last:05d}"


def case_lines(case: Case) -> ColumnElement[bool]:
    """A case's transcript: the intake segment (lines ``transcript_from``–``transcript_to`` of
    its conversation, written before the case existed and tied to no case) and the lines
    written to the case. A line tied to another case (a file or a message the member added
    to an earlier case, staff's reply there) is that case's even inside this one's segment."""
    return and_(
        col(TranscriptLine.conversation_id) == case.conversation_id,
        or_(
            col(TranscriptLine.case_id) == case.id,
            and_(
                col(TranscriptLine.case_id).is_(None),
                col(TranscriptLine.id).between(case.transcript_from, case.transcript_to),
            ),
        ),
    )


class CasesOnDemand(Sequence[CaseView]):
    """The member's cases, read only if the turn looks at them: most answers in a flow do not,
    and the query would be a tenth of their cost."""

    def __init__(self, session: Session, conversation_id: int) -> None:
        self._session = session
        self._conversation_id = conversation_id

    @functools.cached_property
    def _cases(self) -> list[CaseView]:
        return member_cases(self._session, self._conversation_id)

    def __len__(self) -> int:
        return len(self._cases)

    @overload
    def __getitem__(self, index: int) -> CaseView: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CaseView]: ...
    def __getitem__(self, index: int | slice) -> CaseView | Sequence[CaseView]:
        return self._cases[index]


def member_cases(session: Session, conversation_id: int) -> list[CaseView]:
    """The member's own cases as they may see them, with what retention has left of each:
    the answers, staff's messages to them (the case's staff lines) and its extensions.

    All of the chat's cases, of every co-op: the engine reads them only through
    ``flows.org_cases.OrgCases``, which keeps to the co-op the chat is with at each point of
    the turn (a turn can pick or switch it), and knows the others' numbers only to say whose
    they are."""
    cases = session.exec(
        select(Case).where(Case.conversation_id == conversation_id).order_by(col(Case.id))
    ).all()
    ids = [c.id for c in cases]
    staff: dict[int, list[StaffMessage]] = {}
    extensions: dict[int, list[Extension]] = {}
    if ids:
        for line in session.exec(
            select(TranscriptLine)
            .where(
                col(TranscriptLine.case_id).in_(ids),
                TranscriptLine.direction == "staff",
            )
            .order_by(col(TranscriptLine.id))
        ).all():
            assert line.case_id is not None
            staff.setdefault(line.case_id, []).append(StaffMessage(line.created_at, line.text))
        for event in session.exec(
            select(CaseEvent)
            .where(col(CaseEvent.case_id).in_(ids), CaseEvent.kind == "extended")
            .order_by(col(CaseEvent.id))
        ).all():
            if "to" in event.data:
                extensions.setdefault(event.case_id, []).append(
                    Extension(
                        datetime.fromisoformat(str(event.data["to"])),
                        str(event.data.get("reason") or ""),
                    )
                )
    return [
        CaseView(
            number=c.number,
            request_type=c.request_type,
            status=c.status,
            received_at=c.received_at,
            due_at=c.due_at,
            last_staff_reply=c.last_staff_reply,
            relay_open=c.relay_open,
            org_id=c.org_id,
            fields=c.fields,
            staff_messages=tuple(staff.get(c.id or 0, ())),
            extensions=tuple(extensions.get(c.id or 0, ())),
            paused=c.paused_at is not None,
            closed_at=c.closed_at,
            identity_verified=c.identity_method is not None,
        )
        for c in cases
    ]


def message_parts(
    text: str, choices: list[list[str]], multiple: bool, limit: TextLimit | None
) -> list[tuple[str, list[list[str]], bool]]:
    """One outgoing message as the rows it is queued in: split to the channel's limit, in
    order, with the buttons (and whether several may be picked) on the last part only."""
    parts = limit.split(text) if limit is not None else [text]
    return [
        (part, choices if last else [], multiple and last)
        for part, last in zip(parts, [False] * (len(parts) - 1) + [True], strict=True)
    ]


def enqueue(
    session: Session,
    conversation: Conversation,
    text: str,
    now: datetime,
    *,
    choices: list[list[str]] | None = None,
    multiple: bool = False,
    case_id: int | None = None,
    direction: str = "bot",
    author: str | None = None,
    priority: int = PRIORITY_NOTICE,
    limit: TextLimit | None = None,
) -> TranscriptLine:
    """Queue one message for the member and keep it in the transcript; ``priority`` says
    whether the member is waiting for it (``PRIORITY_ANSWER``) or not (a notice).

    A text longer than the channel's ``limit`` is queued as several rows, one per part, in
    order, with the buttons on the last. Each part is marked sent on its own, so a part that
    went out is never sent again when a later one fails, and the outbox worker's one-row-at-a-
    time order per chat keeps the parts in order through crashes and retries. The transcript
    keeps the message whole, as one line.
    """
    assert conversation.id is not None
    choices = choices or []
    for part, part_choices, part_multiple in message_parts(text, choices, multiple, limit):
        session.add(
            OutboxMessage(
                conversation_id=conversation.id,
                channel=conversation.channel,
                chat_id=conversation.chat_id,
                text=part,
                choices=part_choices,
                multiple=part_multiple,
                priority=priority,
                created_at=now,
            )
        )
    line = TranscriptLine(
        conversation_id=conversation.id,
        case_id=case_id,
        direction=direction,
        author=author,
        text=transcript_text(text, choices),
        created_at=now,
    )
    session.add(line)
    return line


class TurnStore:
    """Runs member turns against the database."""

    def __init__(
        self,
        db: Database,
        engine: Engine,
        clock: Clock,
        *,
        one_message_per_turn: frozenset[str] = frozenset(),
        text_limits: Mapping[str, TextLimit] | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.one_message_per_turn = one_message_per_turn
        # Per channel, what one message may carry: longer text is queued in parts.
        self.text_limits = dict(text_limits or {})

    def process(self, inbound: Inbound) -> TurnOutcome:
        """Apply one inbound event exactly once; a repeated idempotency key does nothing.

        Turns of one conversation take turns on its row lock, whichever process they landed
        on; the key is checked under that lock and stored by a unique index, so a redelivery
        racing the first delivery in another process has no effect either.
        """
        return self.db.retrying(lambda: self._process(inbound))

    def _process(self, inbound: Inbound) -> TurnOutcome:
        with self.db.transaction() as session:
            return self._turn(session, inbound)

    def process_many(self, inbounds: Sequence[Inbound]) -> list[TurnOutcome | Exception]:
        """Group commit: several chats' turns in one transaction and one fsync.

        Each turn runs inside a savepoint of its own, so a turn that raises is undone alone
        and the others still commit; its exception is returned in its place. Nothing is
        returned before the commit, so no caller acknowledges an event before its effects are
        durable: one transaction per turn in meaning, with the commit's cost shared. A turn
        that met a transient clash, or a batch whose commit failed, is run again on its own.
        The caller keeps one chat's turns out of the same batch (``bot.turn_batches``).
        """
        results: list[TurnOutcome | Exception] = []
        try:
            with self.db.transaction() as session:
                for inbound in inbounds:
                    try:
                        with session.begin_nested():
                            results.append(self._turn(session, inbound))
                    except Exception as error:  # undone alone; the caller decides
                        results.append(error)
        except DBAPIError as error:
            if not is_transient(error):
                raise
            log.info("turn.batch_retried", turns=len(inbounds))
            results = [self._alone(inbound) for inbound in inbounds]
        return [
            self._alone(inbound)
            if isinstance(outcome, DBAPIError) and is_transient(outcome)
            else outcome
            for inbound, outcome in zip(inbounds, results, strict=True)
        ]

    def _alone(self, inbound: Inbound) -> TurnOutcome | Exception:
        try:
            return self.process(inbound)
        except Exception as error:
            return error

    def _turn(self, session: Session, inbound: Inbound) -> TurnOutcome:
        """One turn inside the caller's transaction.

        The common turn (a known, reachable chat whose turn files nothing and touches no
        case) is read and written as plain rows (``storage.turn_rows``); the rest goes
        through the ORM objects below.
        """
        now = self.clock()
        connection = session.connection()
        row = turn_rows.lock_conversation(connection, inbound.channel, inbound.chat_id)
        if row is None:
            row = turn_rows.add_conversation(connection, inbound.channel, inbound.chat_id, now)
        elif not row.reachable:
            return self._turn_with_objects(session, inbound, now)
        if not turn_rows.claim_key(connection, inbound.idempotency_key, now):
            log.info("turn.duplicate", channel=inbound.channel)
            return TurnOutcome(duplicate=True)
        result = self.engine.turn(row.state, inbound, now, CasesOnDemand(session, row.id))
        if _plain(result, row.state):
            rows = turn_rows.TurnRows.start(row, inbound.channel, inbound.chat_id, now)
            if result.inbound_display:
                rows.line("member", result.inbound_display)
            limit = self.text_limits.get(inbound.channel)
            for text, choices, multiple, _shows in self._messages(inbound.channel, result, None):
                for part in message_parts(text, choices, multiple, limit):
                    rows.message(*part)
                rows.line("bot", transcript_text(text, choices))
            rows.write(connection, result.state)
            log.info("turn.done", conversation=row.id, case=None)
            return TurnOutcome(False, row.id, None)
        conversation = session.get(Conversation, row.id, populate_existing=True)
        assert conversation is not None
        number = self._write(session, conversation, result, now)
        log.info("turn.done", conversation=row.id, case=number)
        return TurnOutcome(False, row.id, number)

    def _turn_with_objects(self, session: Session, inbound: Inbound, now: datetime) -> TurnOutcome:
        """A returning member who was unreachable, through the ORM (their waiting messages go
        out again)."""
        conversation = self._conversation(session, inbound, now)
        assert conversation.id is not None
        if session.get(ProcessedUpdate, inbound.idempotency_key) is not None:
            log.info("turn.duplicate", channel=inbound.channel)
            return TurnOutcome(duplicate=True)
        # Written with the rest at commit: the conversation lock already keeps a racing
        # redelivery out until then, and the key's primary index catches any other clash.
        session.add(ProcessedUpdate(key=inbound.idempotency_key, created_at=now))
        result = self.engine.turn(
            conversation.state, inbound, now, CasesOnDemand(session, conversation.id)
        )
        number = self._write(session, conversation, result, now)
        log.info("turn.done", conversation=conversation.id, case=number)
        return TurnOutcome(False, conversation.id, number)

    def record_failure(self, inbound: Inbound) -> TurnOutcome:
        """Give up on an event whose turn raised, in a transaction of its own.

        Its key is stored marked ``failed``, so a redelivery is a duplicate instead of the same
        failure again (a webhook answered 500 forever, a polling offset that never moves), and
        the member is asked to send their message again. Nothing of the event is stored: it
        may be what broke the turn. The dialogue state is left as it was.
        """
        return self.db.retrying(lambda: self._record_failure(inbound))

    def _record_failure(self, inbound: Inbound) -> TurnOutcome:
        with self.db.transaction() as session:
            now = self.clock()
            conversation = self._conversation(session, inbound, now)
            if session.get(ProcessedUpdate, inbound.idempotency_key) is not None:
                return TurnOutcome(duplicate=True)  # it was committed after all
            session.add(ProcessedUpdate(key=inbound.idempotency_key, created_at=now, failed=True))
            apology = self.engine.failed_turn_reply(conversation.state)
            enqueue(session, conversation, apology.text, now, priority=PRIORITY_ANSWER)
            conversation.updated_at = now
            session.add(conversation)
            log.warning("turn.failed_recorded", conversation=conversation.id)
            return TurnOutcome(False, conversation.id)

    def _conversation(self, session: Session, inbound: Inbound, now: datetime) -> Conversation:
        """The member's conversation, created if new, locked for the rest of the turn."""
        found = select(Conversation).where(
            Conversation.channel == inbound.channel, Conversation.chat_id == inbound.chat_id
        )
        conversation = session.exec(found.with_for_update()).first()
        if conversation is None:
            # Two processes may both get here for a new member; the unique (channel, chat_id)
            # lets one insert win and the other's turn is retried and finds the row.
            conversation = Conversation(
                channel=inbound.channel, chat_id=inbound.chat_id, created_at=now, updated_at=now
            )
            session.add(conversation)
            session.flush()
        elif not conversation.reachable:
            # The member is back: what waited for them goes out now, in order.
            conversation.reachable = True
            pending = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.conversation_id == conversation.id,
                    OutboxMessage.status == "pending",
                )
            ).all()
            for row in pending:
                row.next_attempt_at = None
                session.add(row)
        return conversation

    def _messages(
        self, channel: str, result: TurnResult, number: str | None
    ) -> list[tuple[str, list[list[str]], bool, str | None]]:
        """The turn's replies as outgoing messages, each with the existing case it shows, if any.

        Channels in ``one_message_per_turn`` get the replies joined up to each set of buttons:
        one notification per answer, and a rate limit of about a message a second per chat
        is not spent on a greeting. Replies are joined only while the join fits the channel's
        limit; a single reply longer than that is split later, when it is queued. A joined
        message that shows a case is that case's.
        """
        messages: list[tuple[str, list[list[str]], bool, str | None]] = []
        merge = channel in self.one_message_per_turn
        limit = self.text_limits.get(channel)
        waiting: tuple[str, str | None] | None = None  # text joined so far, not yet sent
        for position, reply in enumerate(result.replies, 1):
            text = render_reply(reply, number)
            shows = reply.case_number
            choices = [[c.id, c.label] for c in reply.choices]
            if not merge:
                messages.append((text, choices, reply.multiple, shows))
                continue
            if waiting is not None:
                joined = f"{waiting[0]}\n\n{text}"
                if limit is None or limit.fits(joined):
                    text, shows = joined, shows or waiting[1]
                else:
                    messages.append((waiting[0], [], False, waiting[1]))
            waiting = None
            if choices or position == len(result.replies):
                messages.append((text, choices, reply.multiple, shows))
            else:
                waiting = (text, shows)
        return messages

    def _write(
        self, session: Session, conversation: Conversation, result: TurnResult, now: datetime
    ) -> str | None:
        assert conversation.id is not None
        first_line: TranscriptLine | None = None
        if result.inbound_display:
            first_line = TranscriptLine(
                conversation_id=conversation.id,
                direction="member",
                text=result.inbound_display,
                created_at=now,
            )
            session.add(first_line)
        # The member's existing case this turn added to (a file, words passed on), if any.
        added_to: int | None = None
        # A member of two co-ops reaches only the cases of the one the chat is with now.
        org = _current_org(result.state)
        for file in result.files:
            added_to = self._store_file(session, conversation, org, file, now) or added_to
        case = self._create_case(session, conversation, result, now)
        number = case.number if case else None
        reply_lines: list[TranscriptLine] = []
        last_line: TranscriptLine | None = None
        for text, choices, multiple, shows in self._messages(conversation.channel, result, number):
            last_line = enqueue(
                session,
                conversation,
                text,
                now,
                choices=choices,
                multiple=multiple,
                priority=PRIORITY_ANSWER,  # the member just wrote and waits for this
                limit=self.text_limits.get(conversation.channel),
                case_id=_own_case_id(session, conversation.id, org, shows),
            )
            reply_lines.append(last_line)
        for withdrawal in result.withdrawals:
            added_to = _withdraw(session, conversation.id, org, withdrawal, now) or added_to
        for message in result.case_messages:
            # Locked like a staff action would: one case's events are written one at a time,
            # so they commit in id order and the Slack mirror's cursor never skips one.
            target = session.exec(
                select(Case).where(Case.number == message.case_number).with_for_update()
            ).first()
            if target is None or not _reachable(target, conversation.id, org):
                continue  # only the member's own cases, of this co-op
            assert target.id is not None
            session.add(
                # The words the member chose to pass on, e.g. a withdrawal, kept with the case.
                CaseEvent(
                    case_id=target.id,
                    kind="member_message",
                    actor="member",
                    created_at=now,
                    data={"text": message.text} if message.text else {},
                )
            )
            _note_follow_up(session, target, message.complaint, now)
            added_to = target.id
            if (
                message.text
                and case is None
                and (first_line is None or first_line.text != message.text)
            ):
                _tie_earlier_words(session, conversation.id, message.text, target.id)
        if added_to is not None:
            # The turn's lines are that case's: the member's message (a file's caption, words
            # passed on) and the desk's acknowledgement go with the case, at its purge too, and
            # never stay behind in the chat while another case keeps it open. A turn that
            # files a new case keeps its lines in that case's segment instead.
            for line in [first_line] + ([] if case is not None else reply_lines):
                if line is not None and line.case_id is None:
                    line.case_id = added_to
        if case is not None:
            session.flush()  # the transcript lines' ids bound the case's part of the transcript
            assert case.id is not None
            case.transcript_to = last_line.id if last_line and last_line.id else 0
            conversation.segment_start = case.transcript_to + 1
            session.add(case)
            for entry in result.consents:
                session.add(
                    ConsentRecord(
                        conversation_id=conversation.id,
                        case_id=case.id,
                        org_id=entry.org_id,
                        member_ref=f"{conversation.channel}:{conversation.chat_id}",
                        member_number=str(case.fields.get("member_number") or "") or None,
                        channel=entry.channel,
                        scope=entry.scope,
                        source=entry.source,
                        created_at=now,
                    )
                )
        before = _current_org(conversation.state)
        if case is None and before is not None and org is not None and before != org:
            # The chat moved to the other co-op: what follows is a new intake segment, so
            # the next case's transcript never carries what was said to the co-op before.
            session.flush()
            turn_lines = [line.id for line in (first_line, *reply_lines) if line and line.id]
            conversation.segment_start = min(turn_lines, default=conversation.segment_start)
        conversation.state = result.state
        conversation.updated_at = now
        session.add(conversation)
        return number

    def _store_file(
        self,
        session: Session,
        conversation: Conversation,
        org: str | None,
        file: AcceptedFile,
        now: datetime,
    ) -> int | None:
        """Keep the file with its checksum, on the member's own case or held for the next;
        the id of the case it went to, if any."""
        assert conversation.id is not None
        case: Case | None = None
        if file.case_number is not None:
            case = session.exec(
                select(Case).where(Case.number == file.case_number).with_for_update()
            ).first()
            if case is not None and not _reachable(case, conversation.id, org):
                case = None  # only the member's own cases, of this co-op
        attachment = Attachment(
            conversation_id=conversation.id,
            case_id=case.id if case else None,
            kind=file.kind,
            mime=file.mime,
            name=file.name,
            caption=file.caption,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            data=file.data,
            created_at=now,
        )
        session.add(attachment)
        session.flush()
        if case is None:
            return None
        _attachment_event(session, case, attachment, now)
        return case.id

    def _create_case(
        self, session: Session, conversation: Conversation, result: TurnResult, now: datetime
    ) -> Case | None:
        draft = result.new_case
        if draft is None:
            return None
        assert conversation.id is not None
        org = self.engine.orgs[draft.org_id]
        case = Case(
            number=next_case_number(session, org.id, org.case_prefix, now),
            org_id=draft.org_id,
            queue=draft.queue,
            request_type=draft.request_type,
            requester=draft.requester,
            fields=draft.fields,
            summary=[list(pair) for pair in draft.summary],
            flags=list(draft.flags),
            lang=draft.lang,
            channel=conversation.channel,
            conversation_id=conversation.id,
            transcript_from=conversation.segment_start,
            received_at=draft.received_at,
            due_at=draft.due_at,
            # Asking for a person is a hand-off: what the member writes next is for them.
            relay_open=draft.request_type == "human",
        )
        session.add(case)
        session.flush()
        assert case.id is not None
        index_case(session, case)  # keyed hashes, so staff can find it by phone or name
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="created",
                actor="member",
                data={"queue": case.queue, "type": case.request_type},
                created_at=now,
            )
        )
        held = session.exec(
            select(Attachment).where(
                Attachment.conversation_id == conversation.id,
                col(Attachment.case_id).is_(None),
            )
        ).all()
        for attachment in held:
            attachment.case_id = case.id
            session.add(attachment)
            _attachment_event(session, case, attachment, now)
        log.info("case.created", case=case.number, queue=case.queue, type=case.request_type)
        return case


def _plain(result: TurnResult, before: Mapping[str, object]) -> bool:
    """Whether a turn only answers in the chat: no case filed, added to or withdrawn, no file,
    no reply tied to a case, and the chat still with the same co-op (a switch starts a new
    intake segment, which the ORM path records)."""
    return (
        result.new_case is None
        and not result.files
        and not result.withdrawals
        and not result.case_messages
        and not result.consents
        and all(reply.case_number is None for reply in result.replies)
        and (_current_org(before) is None or _current_org(before) == _current_org(result.state))
    )


def _current_org(state: Mapping[str, object]) -> str | None:
    """The org the chat is with after the turn (``flows.engine.Conversation.org``)."""
    org = state.get("org")
    return org if isinstance(org, str) else None


def _reachable(case: Case, conversation_id: int, org: str | None) -> bool:
    """Whether a turn of this chat, now with ``org``, may act on ``case``: the member's own
    case of that co-op. The engine already reads only those (``flows.org_cases``); this keeps
    a turn from ever writing to another co-op's case, a separate data controller's."""
    return case.conversation_id == conversation_id and case.org_id == org


def _own_case_id(
    session: Session, conversation_id: int, org: str | None, number: str | None
) -> int | None:
    """The id of the member's own case ``number`` of ``org``; ``None`` for no number or a
    case that is someone else's or the other co-op's."""
    if number is None:
        return None
    case = session.exec(select(Case).where(Case.number == number)).first()
    return case.id if case is not None and _reachable(case, conversation_id, org) else None


def _withdraw(
    session: Session,
    conversation_id: int,
    org: str | None,
    withdrawal: Withdrawal,
    now: datetime,
) -> int | None:
    """The member withdrew their own open case from the chat: 取下げ, by the case rules staff
    work by (``storage.case_changes``); the Slack card and thread follow from the event.
    Returns the case's id, or ``None`` if it is not theirs or closed in the meantime."""
    case = session.exec(
        select(Case).where(Case.number == withdrawal.case_number).with_for_update()
    ).first()
    if case is None or not _reachable(case, conversation_id, org):
        return None
    if not case_changes.withdraw_by_member(session, case, now, withdrawal.text):
        return None
    assert case.id is not None
    if withdrawal.text:
        _tie_earlier_words(session, conversation_id, withdrawal.text, case.id)
    return case.id


def _note_follow_up(session: Session, case: Case, complaint: bool, now: datetime) -> None:
    """Staff see the member's words as unread until they act on the case; words about a closed
    case mark it 会員から連絡あり; a complaint gets an event of its own, which the Slack mirror
    flags to supervisors (the event holds no text: the words are in the message event)."""
    assert case.id is not None
    case.unread_messages += 1
    if case.status in CLOSED_STATUSES:
        case.member_contact_at = now
    if complaint:
        case.complained_at = now
        session.add(CaseEvent(case_id=case.id, kind="complaint", actor="member", created_at=now))
        log.info("case.complaint", case=case.number)
    session.add(case)


def _attachment_event(session: Session, case: Case, attachment: Attachment, now: datetime) -> None:
    """The case history notes each file (without its bytes), so surfaces can show or upload it."""
    assert case.id is not None
    session.add(
        CaseEvent(
            case_id=case.id,
            kind="attachment",
            actor="member",
            created_at=now,
            data={
                "attachment_id": attachment.id,
                "mime": attachment.mime,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    )


# How far back the words a member passes on with a button may have been written: the offer
# that asked where they should go came in the turn just before.
_EARLIER_WORDS_LOOKBACK = 10


def _tie_earlier_words(session: Session, conversation_id: int, text: str, case_id: int) -> None:
    """Words typed in an earlier turn and passed on to a case now (「申し込みを取り下げたい」,
    then the case's button): their line, and the desk's question about them since, are that
    case's. The line is the member's latest untied one with exactly these words; the text is
    encrypted, so it is compared here rather than in SQL."""
    recent = session.exec(
        select(TranscriptLine)
        .where(
            TranscriptLine.conversation_id == conversation_id,
            col(TranscriptLine.case_id).is_(None),
            TranscriptLine.direction == "member",
        )
        .order_by(col(TranscriptLine.id).desc())
        .limit(_EARLIER_WORDS_LOOKBACK)
    ).all()
    words = next((line for line in recent if line.text == text), None)
    if words is None:
        return
    since = session.exec(
        select(TranscriptLine).where(
            TranscriptLine.conversation_id == conversation_id,
            col(TranscriptLine.case_id).is_(None),
            col(TranscriptLine.id) >= words.id,
        )
    ).all()
    for line in since:
        line.case_id = case_id
        session.add(line)
