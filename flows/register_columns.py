"""The request register's columns: each one a label and a function of one case, written once.

The CSV, the workbook and the printable page all render this one table, so the three can
never disagree on what a column holds (APPI checklist, "Record-keeping": number, arrival,
channel, type, scope, identity check, requester type and evidence, answer method, fee,
outcome and reason, each notice to the member).

What personal data the register carries, and why: none beyond staff ids. The register is the
co-op's account of how each request was handled, not the request itself: it names the case by
number, and whoever needs the person opens that case, a look the desk audits case by case.
So no names, フリガナ, phones, birth dates, member numbers, addresses or e-mail (encrypted at
rest, and an export is a copy outside that protection), and no message text (the register is
not the transcript: staff replies and the member's words stay in the case). The scope is the
member's coded choices, the same ones ``flows.register`` keeps once the transcript is purged,
so the register reads alike before and after; a free-text detail is only marked as present.
What stays: document names (住民票, 委任状: what was received, not who sent it), file types
and counts, the staff who checked identity, and the outcome's reason (the co-op's own words
to the member, which the law asks it to keep).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flows.asker import describe_requester
from flows.case_events import MEMBER_NOTICE_KINDS, PAPER_NOTICE_KINDS, event_label
from flows.cases import IDENTITY_METHODS
from flows.i18n import JST, N_, Translator
from flows.profiles import OrgProfile
from flows.register import register_fields
from flows.registry import FLOWS
from flows.routes import OFFLINE_CHANNEL, route_label
from flows.status import STATUS_LABELS, status_label
from flows.steps import SKIPPED, Context, Option, Step

Cell = str | int | date | datetime | None
JA = Translator("ja")
LIST_SEPARATOR = "\n"  # one item per line inside a cell: Excel wraps it, HTML shows <br>
# The steps that start who is asking: the ones before them describe what is asked for.
_FIRST_PERSONAL_STEPS = frozenset({"requester", "asker_name", "name"})
# How a notice reached the member, by the channel the case came from or the method an event
# names (a letter, a call); an unknown code is shown as it is.
NOTICE_METHODS: dict[str, str] = {
    "telegram": "Telegram",
    "line": "LINE",
    "web": N_("Webチャット"),
    "terminal": N_("端末チャット"),
    "email": N_("メール"),
    "postal": N_("郵送"),
    "post": N_("郵送"),
    "phone": N_("電話"),
    "in_person": N_("窓口"),
    "offline": N_("チャットなし"),
}
WITHIN = N_("期限内")
LATE = N_("期限超過")
OPEN = N_("対応中")
OPEN_LATE = N_("期限超過（未完了）")
NOT_COUNTED = N_("対象外（取下げ）")
FREE_TEXT_NOTED = N_("{label}：記入あり（案件記録を参照）")


class RegisterCase(Protocol):
    """What the register reads of a case (``storage.models.Case``; flows imports no storage)."""

    number: str
    org_id: str
    queue: str
    route: str
    request_type: str
    requester: str
    fields: dict[str, Any]
    channel: str
    status: str
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    identity_method: str | None
    outcome: str | None
    outcome_reason: str | None


class RegisterEvent(Protocol):
    """What the register reads of a case event (``storage.models.CaseEvent``)."""

    kind: str
    actor: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Entry:
    """One case as the register reads it: the row, the org's facts, the desk's clock."""

    case: RegisterCase
    events: Sequence[RegisterEvent]  # oldest first
    org: OrgProfile | None
    queue_name: str
    now: datetime

    def of_kind(self, *kinds: str) -> list[RegisterEvent]:
        return [e for e in self.events if e.kind in kinds]


@dataclass(frozen=True)
class Column:
    """A register column: its Japanese header, its value, and how wide a workbook shows it."""

    label: str
    value: Callable[[Entry], Cell]
    width: int = 14


def jst_day(moment: datetime | None) -> date | None:
    return moment.astimezone(JST).date() if moment else None


def _flow_steps(request_type: str) -> dict[str, Step]:
    flow = FLOWS.get(request_type)
    return {step.id: step for step in flow.steps} if flow else {}


def _options(step: Step, entry: Entry) -> tuple[Option, ...]:
    if not callable(step.options):
        return step.options
    if entry.org is None:
        return ()
    return step.options(Context(entry.org, entry.case.fields, entry.now, JA))


def choice_label(step: Step, code: str, entry: Entry) -> str:
    """A stored option id as the member saw it, in Japanese; an unknown code as it is."""
    for option in _options(step, entry):
        if option.id == code:
            return JA(option.label)
    return code


def _scope_steps(request_type: str) -> list[Step]:
    """The steps that say what is asked for: those before the requester's own."""
    flow = FLOWS.get(request_type)
    if flow is None:
        return []
    steps: list[Step] = []
    for step in flow.steps:
        if step.id in _FIRST_PERSONAL_STEPS:
            break
        steps.append(step)
    return steps


def scope(entry: Entry) -> str:
    """The coded scope (開示の範囲：全部), one line per step; free text only marked."""
    case = entry.case
    coded = register_fields(case.request_type, case.fields)
    lines = []
    for step in _scope_steps(case.request_type):
        value = case.fields.get(step.id)
        if value in (None, SKIPPED, []) or step.kind == "document":
            continue
        label = JA(step.label)
        if step.id in coded:
            codes = coded[step.id] if isinstance(coded[step.id], list) else [coded[step.id]]
            shown = "、".join(choice_label(step, code, entry) for code in codes)
            lines.append(f"{label}：{shown}")
        else:
            lines.append(JA(FREE_TEXT_NOTED, label=label))
    return LIST_SEPARATOR.join(lines)


def documents(entry: Entry) -> str:
    """Documents named in the request's fields and those recorded at intake."""
    case = entry.case
    named = [
        str(case.fields[step.id])
        for step in _flow_steps(case.request_type).values()
        if step.kind == "document" and case.fields.get(step.id) not in (None, SKIPPED)
    ]
    for event in entry.of_kind("created"):
        recorded = event.data.get("documents") or []
        named += [str(d) for d in recorded] if isinstance(recorded, list) else [str(recorded)]
    return "、".join(dict.fromkeys(named))


def files(entry: Entry) -> str:
    """Files the member sent: how many and of what type (never names: members write them)."""
    received = entry.of_kind("attachment")
    if not received:
        return ""
    kinds = [str(e.data.get("mime", "")).rpartition("/")[2].upper() or "?" for e in received]
    counted = "、".join(f"{kind} {kinds.count(kind)}" for kind in dict.fromkeys(kinds))
    return JA(N_("{count}件（{kinds}）"), count=len(received), kinds=counted)


def _identity_event(entry: Entry) -> RegisterEvent | None:
    checks = entry.of_kind("identity_verified")
    return checks[-1] if checks else None


def identity_method(entry: Entry) -> str:
    code = entry.case.identity_method
    return JA(IDENTITY_METHODS.get(code, code)) if code else ""


def identity_date(entry: Entry) -> date | None:
    event = _identity_event(entry)
    return jst_day(event.created_at) if event else None


def identity_by(entry: Entry) -> str:
    event = _identity_event(entry)
    return str(event.actor) if event else ""


def answer_method(entry: Entry) -> str:
    step = _flow_steps(entry.case.request_type).get("method")
    code = entry.case.fields.get("method")
    if step is None or not isinstance(code, str) or code == SKIPPED:
        return ""
    return choice_label(step, code, entry)


def fee_notice(entry: Entry) -> str:
    """Whether the receipt told the member a fee may apply: the org's rule for the type."""
    if entry.org is None or entry.case.request_type not in FLOWS:
        return ""
    try:
        applies = entry.org.fees.applies(entry.case.request_type)
    except ValueError:  # a type the fee rules do not know (the hand-off to a person)
        applies = False
    return JA(N_("あり")) if applies else JA(N_("なし"))


def notice_method(event: RegisterEvent, entry: Entry) -> str:
    code = str(event.data.get("method") or entry.case.channel)
    return JA(NOTICE_METHODS[code]) if code in NOTICE_METHODS else code


def notices(entry: Entry) -> str:
    """Each notice to the member: date, what it was, how it went (one per line).

    A member with no chat is told only by the letters and calls staff record as sent (with
    the day they went): a reply or a closing notice written for them is a task until then,
    not a notice given."""
    kinds = PAPER_NOTICE_KINDS if entry.case.channel == OFFLINE_CHANNEL else MEMBER_NOTICE_KINDS
    return LIST_SEPARATOR.join(
        f"{_notice_day(e)} {JA(event_label(e.kind))}（{notice_method(e, entry)}）"
        for e in entry.of_kind(*kinds)
    )


def _notice_day(event: RegisterEvent) -> str:
    """The day a notice went: the day staff say they sent it, else the event's own."""
    sent_on = event.data.get("on")
    return str(sent_on) if sent_on else str(jst_day(event.created_at))


def extensions(entry: Entry) -> str:
    """Each extension: when, from which due date to which, and why (staff's reason)."""
    lines = []
    for event in entry.of_kind("extended"):
        old = jst_day(datetime.fromisoformat(str(event.data["from"])))
        new = jst_day(datetime.fromisoformat(str(event.data["to"])))
        why = str(event.data.get("reason") or "")
        lines.append(
            JA(
                N_("{day}：{old}→{new}（理由：{why}）"),
                day=jst_day(event.created_at),
                old=old,
                new=new,
                why=why,
            )
        )
    return LIST_SEPARATOR.join(lines)


def first_due(entry: Entry) -> date | None:
    """The due date before any extension (the first one moved it from there)."""
    extended = entry.of_kind("extended")
    if extended:
        return jst_day(datetime.fromisoformat(str(extended[0].data["from"])))
    return jst_day(entry.case.due_at)


def days_taken(entry: Entry) -> int | None:
    """Calendar days from arrival to closing, in Japan (the 14-day target counts so)."""
    closed, arrived = jst_day(entry.case.closed_at), jst_day(entry.case.received_at)
    return (closed - arrived).days if closed and arrived else None


def within_target(entry: Entry) -> str:
    """期限内 if closed on or before the final due date (an extension told to the member with
    its reason moves the promise); open cases say whether they are past it now."""
    case = entry.case
    due = jst_day(case.due_at)
    assert due is not None
    if case.status == "withdrawn":
        return JA(NOT_COUNTED)
    closed = jst_day(case.closed_at)
    if closed is not None:
        return JA(WITHIN) if closed <= due else JA(LATE)
    today = jst_day(entry.now)
    return JA(OPEN_LATE) if today is not None and today > due else JA(OPEN)


def outcome(entry: Entry) -> str:
    code = entry.case.outcome
    return JA(STATUS_LABELS[code]) if code in STATUS_LABELS else (code or "")


COLUMNS: tuple[Column, ...] = (
    Column(N_("受付番号"), lambda e: e.case.number, 16),
    Column(N_("組合"), lambda e: e.org.name.ja if e.org else e.case.org_id, 20),
    Column(N_("担当窓口"), lambda e: e.queue_name, 12),
    Column(N_("受付経路"), lambda e: JA(route_label(e.case.route)), 10),
    Column(N_("到着日時"), lambda e: e.case.received_at.astimezone(JST), 18),
    Column(
        N_("請求の種類"),
        lambda e: (
            JA(FLOWS[e.case.request_type].title)
            if e.case.request_type in FLOWS
            else e.case.request_type
        ),
        22,
    ),
    Column(N_("請求の範囲"), scope, 30),
    Column(
        N_("請求者の種別"), lambda e: describe_requester(e.case.requester, e.case.fields, JA), 22
    ),
    Column(N_("提出書類"), documents, 18),
    Column(N_("受領ファイル"), files, 16),
    Column(N_("本人確認の方法"), identity_method, 16),
    Column(N_("本人確認日"), identity_date, 12),
    Column(N_("本人確認者"), identity_by, 14),
    Column(N_("回答方法"), answer_method, 20),
    Column(N_("手数料の案内"), fee_notice, 10),
    Column(N_("会員への通知"), notices, 30),
    Column(N_("延長と理由"), extensions, 30),
    Column(N_("状況"), lambda e: JA(status_label(e.case.status)), 12),
    Column(N_("結果"), outcome, 10),
    Column(N_("結果の理由"), lambda e: e.case.outcome_reason or "", 30),
    Column(N_("完了日"), lambda e: jst_day(e.case.closed_at), 12),
    Column(N_("所要日数"), days_taken, 8),
    Column(N_("当初の期限"), first_due, 12),
    Column(N_("最終の期限"), lambda e: jst_day(e.case.due_at), 12),
    Column(N_("期限内か"), within_target, 14),
)


def headers() -> list[str]:
    return [JA(column.label) for column in COLUMNS]


def rows(entries: Iterable[Entry]) -> list[list[Cell]]:
    """Every entry's cells, in the columns' order."""
    return [[column.value(entry) for column in COLUMNS] for entry in entries]


def entries(
    cases: Iterable[RegisterCase],
    events_of: Callable[[Any], Sequence[RegisterEvent]],
    orgs: Mapping[str, OrgProfile],
    queue_names: Mapping[str, str],
    now: datetime,
) -> list[Entry]:
    """The register's entries for ``cases`` as storage read them."""
    return [
        Entry(
            case,
            events_of(case),
            orgs.get(case.org_id),
            queue_names.get(case.queue, case.queue),
            now,
        )
        for case in cases
    ]
