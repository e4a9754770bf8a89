"""Staff intake: a request that came by post, phone, visit or e-mail, entered as a case.

Pure and turn-free. The fields are the chat flow's own steps (``flows/requests``), asked in the
flow's order with the same conditions, and every typed value is read by the chat's own reader
(``values.parse_answer``): intake and chat cannot drift apart, and a case entered by staff has
the same field keys, values and summary lines as one the member typed.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flows import asker, bereavement, office_calendar, parsing
from flows.dialogue.choosing import Given
from flows.dialogue.values import parse_answer
from flows.flow import RequestFlow
from flows.i18n import JST, N_, Translator
from flows.modes.request import answer_options
from flows.profiles import OrgProfile
from flows.registry import REQUEST_FLOWS
from flows.routes import ROUTE_WORDS, ROUTES, STAFF_ENTERED
from flows.safe_text import clean_inbound
from flows.steps import SKIPPED, Context, Option, Step

INTAKE_FLOWS: dict[str, RequestFlow] = {flow.type_id: flow for flow in REQUEST_FLOWS}
"""The requests staff enter: the statutory ones (開示等の請求) the register counts."""

CASE_NUMBER_SLOT = "{case_number}"  # filled with the number when the case is written
CHAT_METHOD = "chat"  # 「このチャットで受け取る」: never offered to a member with no chat

# The APPI came into force on 2005-04-01: no request under it arrived earlier. The co-ops'
# founding dates are not published, so this is the floor an arrival date may not go below.
EARLIEST_ARRIVAL = date(2005, 4, 1)
# An arrival this long ago is possible (a letter found late) but more often a typo: staff
# confirm it before the case is written.
CONFIRM_ARRIVAL_OLDER_THAN = timedelta(days=30)

ERR_REQUIRED = N_("この項目は必須です。")
ERR_UNKNOWN_ORG = N_("「{org}」という組織はありません。{choices}のどれかを指定してください。")
ERR_UNKNOWN_TYPE = N_(
    "「{type}」というお申し出の種類はありません。{choices}のどれかを指定してください。"
)
ERR_UNKNOWN_ROUTE = N_(
    "「{route}」という受付経路はありません。{choices}のどれかを指定してください。"
)
ERR_UNKNOWN_FIELD = N_("「{field}」という項目はこのお申し出にはありません。")
ERR_ARRIVAL_FORMAT = N_(
    "到着日時は「2026-12-25 10:00」や「令和8年12月25日 10時」のように入力してください。"
)
ERR_ARRIVAL_FUTURE = N_(
    "到着日時が未来になっています。郵便が届いた日時か、受け付けた日時を入力してください。"
)
ERR_ARRIVAL_TOO_OLD = N_(
    "到着日が{floor}より前になっています（個人情報保護法の施行前です）。日付をご確認ください。"
)
ASK_ARRIVAL_OLD = N_(
    "到着日が{days}日前です。回答期限はこの日から数えます。この日付でよろしいですか。"
)


class IntakeError(ValueError):
    """Input staff must correct; the message is Japanese source text, already filled in."""


class ArrivalNeedsConfirmation(IntakeError):
    """An arrival more than 30 days ago: written only once staff confirm it."""


@dataclass(frozen=True)
class IntakeField:
    """One step as an intake form shows it."""

    step: Step
    label: str  # the step's label, translated
    choices: tuple[Option, ...]  # answers to pick from (empty: typed)
    required: bool
    conditional: bool  # asked only on some answers (e.g. 代理人の場合)
    condition_label: str | None  # how a form names when it applies


@dataclass
class Walk:
    """The flow walked with the answers staff gave: the values read, and what is wrong."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # step id → Japanese reason

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class IntakeDraft:
    """A request ready to become a case: what ``CaseService.intake`` writes."""

    org_id: str
    queue: str
    case_prefix: str
    request_type: str
    requester: str
    fields: dict[str, Any]
    summary: list[tuple[str, str]]
    route: str
    arrived_at: datetime
    due_at: datetime
    documents: tuple[str, ...]
    # The receipt to send the member by post or phone; ``{case_number}`` is filled on writing.
    receipt: str = ""
    flags: tuple[str, ...] = ()
    lang: str = "ja"


def flow_of(type_id: str, t: Translator) -> RequestFlow:
    """The request type by its id or its title (開示), or an :class:`IntakeError`."""
    wanted = unicodedata.normalize("NFKC", type_id).strip()
    for flow in INTAKE_FLOWS.values():
        if wanted in (flow.type_id, t(flow.title), flow.title):
            return flow
    # As staff say it: a word the chat's menu knows (訂正, 利用停止, 第三者), or a part of the
    # title that names one type alone.
    folded = wanted.casefold()
    named = [
        flow
        for flow in INTAKE_FLOWS.values()
        if folded in (alias.casefold() for alias in flow.aliases)
        or (len(wanted) >= 2 and (wanted in flow.title or wanted in t(flow.title)))
    ]
    if len(named) == 1:
        return named[0]
    choices = "、".join(f"{f.type_id}（{t(f.title)}）" for f in INTAKE_FLOWS.values())
    raise IntakeError(t(ERR_UNKNOWN_TYPE, type=type_id, choices=choices))


def org_of(typed: str, orgs: Mapping[str, OrgProfile], t: Translator) -> OrgProfile:
    """The org by its id or its (short) name, or an :class:`IntakeError`."""
    wanted = unicodedata.normalize("NFKC", typed).strip()
    for org in orgs.values():
        names = (org.id, org.name.get(t.lang), org.short_name.get(t.lang), org.name.ja)
        if wanted in names or wanted in (org.short_name.ja,):
            return org
    choices = "、".join(f"{o.id}（{o.short_name.get(t.lang)}）" for o in orgs.values())
    raise IntakeError(t(ERR_UNKNOWN_ORG, org=typed, choices=choices))


def route_of(typed: str, t: Translator) -> str:
    """The route by its code (post) or its name (郵送), or an :class:`IntakeError`."""
    wanted = unicodedata.normalize("NFKC", typed).strip()
    for route in STAFF_ENTERED:
        words = (route, t(ROUTES[route]), ROUTES[route], *ROUTE_WORDS.get(route, ()))
        if wanted.casefold() in (word.casefold() for word in words):
            return route
    choices = "、".join(f"{r}（{t(ROUTES[r])}）" for r in STAFF_ENTERED)
    raise IntakeError(t(ERR_UNKNOWN_ROUTE, route=typed, choices=choices))


_TIME_AT_END = re.compile(r"\s*(\d{1,2})\s*(?::|時)\s*(\d{1,2})?\s*分?\s*$")


def parse_arrival(text: str, now: datetime, t: Translator, *, confirmed: bool = False) -> datetime:
    """The arrival (postmark or reception) as staff typed it, in Japan's time: 西暦 or 和暦,
    any width, with a time (10:00, 10時30分) or without (the start of that day, so the clock
    never starts later than the day it arrived). Refuses the future and dates before the
    APPI; asks for confirmation (:class:`ArrivalNeedsConfirmation`) past 30 days."""
    folded = unicodedata.normalize("NFKC", clean_inbound(text)).strip()
    hour, minute = 0, 0
    if match := _TIME_AT_END.search(folded):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        folded = folded[: match.start()].strip()
        if hour > 23 or minute > 59:
            raise IntakeError(t(ERR_ARRIVAL_FORMAT))
    if not folded:
        raise IntakeError(t(ERR_ARRIVAL_FORMAT))
    # The future is refused below, to the minute, with its own reason.
    day = parsing.parse_date(folded, today=date.max)
    if not day.ok or day.value is None:
        raise IntakeError(t(ERR_ARRIVAL_FORMAT))
    arrived = datetime.combine(day.value, time(hour, minute), JST)
    return check_arrival(arrived, now, t, confirmed=confirmed)


def check_arrival(
    arrived: datetime, now: datetime, t: Translator, *, confirmed: bool = False
) -> datetime:
    """``arrived`` if it is a possible arrival; see :func:`parse_arrival`."""
    if arrived.tzinfo is None:
        raise IntakeError(t(ERR_ARRIVAL_FORMAT))
    if arrived > now:
        raise IntakeError(t(ERR_ARRIVAL_FUTURE))
    if arrived.astimezone(JST).date() < EARLIEST_ARRIVAL:
        raise IntakeError(t(ERR_ARRIVAL_TOO_OLD, floor=t.date(EARLIEST_ARRIVAL)))
    if now - arrived > CONFIRM_ARRIVAL_OLDER_THAN and not confirmed:
        raise ArrivalNeedsConfirmation(t(ASK_ARRIVAL_OLD, days=(now - arrived).days))
    return arrived.astimezone(UTC)


def context(org: OrgProfile, answers: Mapping[str, Any], now: datetime, t: Translator) -> Context:
    return Context(org=org, answers=answers, now=now, t=t, in_chat=False)


def choices(step: Step, ctx: Context) -> tuple[Option, ...]:
    """The answers the step takes, as the chat offers them, but never 「このチャットで受け取る」:
    a member who wrote or called has no chat to receive the answer in."""
    return tuple(o for o in answer_options(step, ctx) if o.id != CHAT_METHOD)


def applicable_steps(flow: RequestFlow, ctx: Context) -> list[Step]:
    """The flow's steps whose conditions hold for the answers so far, in the flow's order."""
    return [step for step in flow.steps if step.applies(ctx)]


# How a form names the answers a conditional step depends on (labels, not codes).
_CONDITION_LABELS: dict[str, str] = {
    "legal_kind": N_("法定代理人の場合"),
    "agent_name": N_("代理人の場合"),
    "agent_phone": N_("代理人の場合"),
    "agent_relation": N_("代理人の場合（親権者を除く）"),
    "asker_name": N_("亡くなった方についての場合"),
    "asker_relation": N_("亡くなった方についての場合"),
    "asker_phone": N_("亡くなった方についての場合"),
    "deceased_name": N_("亡くなった方についての場合"),
    "deceased_birth_date": N_("亡くなった方についての場合"),
    "deceased_member_number": N_("亡くなった方についての場合"),
    "name": N_("亡くなった方についての場合を除く"),
    "kana": N_("亡くなった方についての場合を除く"),
    "former_name": N_("亡くなった方についての場合を除く"),
    "birth_date": N_("亡くなった方についての場合を除く"),
    "phone": N_("亡くなった方についての場合を除く"),
    "member_number": N_("亡くなった方についての場合を除く"),
    "email": N_("メールで受け取る場合"),
    "postal_code": N_("郵送で受け取る場合"),
    "address": N_("郵送で受け取る場合"),
}
_SOME_ANSWERS = N_("前の答えによる")


def form_fields(
    flow: RequestFlow, org: OrgProfile, now: datetime, t: Translator
) -> list[IntakeField]:
    """Every step of the flow for a one-page form (Slack): a conditional step is labelled with
    when it applies, and its choices are those the step offers whatever the answers."""
    fields = []
    for step in flow.steps:
        ctx = context(org, {}, now, t)
        optional = step.optional or step.optional_when is not None
        options = tuple(o for o in step.option_list(ctx) if o.id != CHAT_METHOD)
        condition = None
        if step.when is not None:
            condition = t(_CONDITION_LABELS.get(step.id, _SOME_ANSWERS))
        fields.append(
            IntakeField(
                step=step,
                label=t(step.label),
                choices=options,
                required=not optional,
                conditional=step.when is not None,
                condition_label=condition,
            )
        )
    return fields


def check(step: Step, typed: str, ctx: Context, orgs: Iterable[OrgProfile]) -> parsing.Parsed[Any]:
    """One typed value (or a choice's id) read as the chat reads it; an empty one is 「なし・
    わからない」 where the step may be passed, and refused where it is required. The error
    is Japanese text for staff."""
    text = clean_inbound(typed).strip()
    options = choices(step, ctx)
    if not text:
        if step.is_optional(ctx):
            return parsing.Parsed(value=SKIPPED)
        return parsing.Parsed(error=ctx.t(ERR_REQUIRED))
    by_id = next((o for o in options if o.id == text), None)
    given = Given(choice=by_id.id, text=None) if by_id else Given(choice=None, text=text)
    parsed = parse_answer(step, given, ctx, options, orgs)
    if step.id == "method" and parsed.value == CHAT_METHOD:
        return parsing.Parsed(error=ctx.t(parsing.ERR_CHOICE))
    if not parsed.ok:
        return parsing.Parsed(error=ctx.t(parsed.error or parsing.ERR_CHOICE))
    return parsed


def walk(
    flow: RequestFlow,
    org: OrgProfile,
    typed: Mapping[str, str],
    now: datetime,
    t: Translator,
    orgs: Iterable[OrgProfile],
) -> Walk:
    """The flow's steps in order with ``typed`` (step id → text or choice id): each step that
    applies to the answers so far is read by :func:`check`; one not given is passed where the
    step may be passed, and missing where it is required. A value for a step that does not
    apply is ignored; one for no step of the flow is an error."""
    orgs = list(orgs)
    result = Walk()
    known = {step.id for step in flow.steps}
    for key in typed:
        if key not in known:
            result.errors[key] = t(ERR_UNKNOWN_FIELD, field=key)
    for step in flow.steps:
        ctx = context(org, result.answers, now, t)
        if not step.applies(ctx):
            continue
        parsed = check(step, typed.get(step.id, ""), ctx, orgs)
        if parsed.ok:
            result.answers[step.id] = parsed.value
        else:
            result.errors[step.id] = parsed.error or t(ERR_REQUIRED)
    return result


def summary_lines(
    flow: RequestFlow, org: OrgProfile, answers: Mapping[str, Any], now: datetime
) -> list[tuple[str, str]]:
    """Label and value of each answer in Japanese, as the chat's summary gives staff."""
    t = Translator("ja")
    ctx = context(org, answers, now, t)
    return [
        (t(step.label), step.display(answers[step.id], ctx))
        for step in flow.steps
        if step.id in answers and step.applies(ctx)
    ]


def document_choices(org: OrgProfile, t: Translator) -> list[str]:
    """The documents a form offers to tick: the one the org's policy names (委任者署名捺印の
    委任状), if it names one; any other is typed as free text."""
    named = org.agents.power_of_attorney
    return [named.get(t.lang)] if named is not None else []


def draft(
    flow: RequestFlow,
    org: OrgProfile,
    answers: Mapping[str, Any],
    route: str,
    arrived_at: datetime,
    now: datetime,
    documents: Sequence[str] = (),
) -> IntakeDraft:
    """The case to write from a walk with no errors: the chat's fields and summary, the due
    date counted from arrival on the org's calendar."""
    ctx = context(org, answers, now, Translator("ja"))
    fields = {
        step.id: answers[step.id] for step in flow.steps if step.id in answers and step.applies(ctx)
    }
    flags = ("deceased",) if bereavement.about_deceased(fields) else ()
    cleaned = tuple(d for d in (clean_inbound(d).strip() for d in documents) if d)
    made = IntakeDraft(
        org_id=org.id,
        queue=org.queue.id,
        case_prefix=org.case_prefix,
        request_type=flow.type_id,
        requester=asker.requester_type(fields),
        fields=fields,
        summary=summary_lines(flow, org, fields, now),
        route=route,
        arrived_at=arrived_at,
        due_at=office_calendar.answer_due(org, flow.type_id, arrived_at),
        documents=cleaned,
        flags=flags,
    )
    receipt = receipt_lines(made, org, CASE_NUMBER_SLOT, Translator(made.lang))
    return dataclasses.replace(made, receipt="\n".join(receipt))


NOTICE_METHODS: dict[str, str] = {
    "post": N_("郵送"),
    "registered_post": N_("簡易書留"),
    "restricted_post": N_("本人限定受取郵便"),
    "phone": N_("電話"),
    "in_person": N_("窓口で手渡し"),
    "email": N_("メール"),
}
"""How staff sent a notice to a member with no chat (``staff sent``)."""
ERR_UNKNOWN_NOTICE_METHOD = N_("送付の方法は{choices}のどれかで指定してください。")
ERR_SENT_IN_FUTURE = N_("送付日が未来になっています。")
ERR_SENT_BEFORE_TASK = N_("送付日が、連絡の作成日（{created}）より前になっています。")


def notice_method_of(typed: str, t: Translator) -> str:
    """The notice method by its code (post) or its name (郵送), or an :class:`IntakeError`."""
    wanted = unicodedata.normalize("NFKC", typed).strip()
    for code, label in NOTICE_METHODS.items():
        if wanted in (code, t(label), label):
            return code
    choices = "、".join(t(label) for label in NOTICE_METHODS.values())
    raise IntakeError(t(ERR_UNKNOWN_NOTICE_METHOD, choices=choices))


def receipt_lines(draft: IntakeDraft, org: OrgProfile, number: str, t: Translator) -> list[str]:
    """The receipt a chat member gets at once, as a notice for staff to send: the number,
    who will contact them, the due date, any fee (the same messages as the chat's)."""
    ctx = context(org, draft.fields, draft.arrived_at, t)
    lines = [
        t("お申し出を受け付けました。"),
        t("受付番号：{number}", number=number),
        asker.contact_line(ctx, org.queue.name.get(t.lang)),
        t("回答の目安：{due}までにご連絡します。", due=t.date(draft.due_at)),
    ]
    if org.fees.applies(draft.request_type):
        lines.append(
            t(
                "この手続きには、実費相当分の手数料をいただく場合があります。金額は担当者からご案内します。"
            )
        )
    return lines


# What a chat notice says that a letter or a call cannot: each chat sentence and its wording
# for a member with no chat ("" drops it).
_PAPER_WORDING: dict[str, str] = {
    "お返事は、このチャットにそのまま入力してください。": "",
    "ご不明な点は、このチャットでお知らせください。": N_(
        "ご不明な点は、担当窓口までお問い合わせください。"
    ),
    # The reply templates' closing lines (flows/templates/default.toml).
    N_("このチャットか、次の窓口に"): N_("次の窓口に"),
    N_("このチャットでおたずねください"): N_("担当窓口へおたずねください"),
}


def paper_text(text: str, t: Translator) -> str:
    """A notice the desk words for a chat, reworded for the member who gets it on paper or
    by phone: no 「このチャット」 they do not have."""
    for chat, paper in _PAPER_WORDING.items():
        text = text.replace(t(chat), t(paper) if paper else "")
    return "\n".join(line for line in text.split("\n") if line.strip())
