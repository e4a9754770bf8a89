"""Sending a completed request: the case draft for storage and the member's receipt.

The receipt promises contact to the asker and says the due date and any fee the profile gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flows import (
    asker,
    bereavement,
    case_view,
    cases,
    office_calendar,
    office_hours,
)
from flows.dialogue import switching
from flows.flow import RequestFlow
from flows.i18n import Translator
from flows.messages import (
    CaseDraft,
    Reply,
)
from flows.modes import (
    summary,
    unclear,
)
from flows.steps import Context

if TYPE_CHECKING:
    from flows.turn import Turn


def submit(turn: Turn) -> None:
    """Hand the completed request to storage as a case draft, then the receipt and a short
    「ほかにご用件はありますか」 rather than the whole menu."""
    flow, org, conv = turn.flow, turn.org, turn.conv
    ctx = turn.ctx()
    fields = {step.id: conv.answers[step.id] for step in summary.summary_steps(turn)}
    if conv.staff_questions:
        # Questions typed inside the form that the desk could not answer: a person answers.
        fields[case_view.STAFF_QUESTIONS_FIELD] = list(conv.staff_questions)
    received = turn.now
    due = office_calendar.answer_due(org, flow.type_id, received)
    flags = []
    if bereavement.about_deceased(fields):
        flags.append("deceased")
    lines = summary.summary_lines(turn, Translator("ja"))
    earlier = switching.for_staff(turn)
    if earlier is not None:
        # The wish left behind in a request switched away from reaches staff with this one.
        fields[switching.FIELD] = earlier[1]
        lines.append(earlier)
    turn.result.new_case = CaseDraft(
        org_id=org.id,
        queue=org.queue.id,
        request_type=flow.type_id,
        requester=asker.requester_type(fields),
        fields=fields,
        summary=lines,
        received_at=received,
        due_at=due,
        lang=conv.lang,
        flags=tuple(flags),
    )
    if flow.consents:
        turn.result.consents.extend(flow.consents(ctx))
    receipt(turn, flow, ctx, due)
    unclear.anything_else(turn)


def receipt(turn: Turn, flow: RequestFlow, ctx: Context, due: datetime) -> None:
    """What the member keeps: the number, who will contact them, the due date, any fee."""
    t, org = turn.t, turn.org
    lines = [
        t("お申し出を受け付けました。"),
        t("受付番号：{number}", number="{case_number}"),
        asker.contact_line(
            ctx, org.queue.name.get(t.lang), question=flow.type_id in cases.QUESTIONS
        ),
        t("回答の目安：{due}までにご連絡します。", due=t.date(due)),
    ]
    lines += out_of_hours(turn)
    if org.fees.applies(flow.type_id):
        lines.append(
            t(
                "この手続きには、実費相当分の手数料をいただく場合があります。金額は担当者からご案内します。"
            )
        )
    if flow.closing:
        lines += flow.closing(ctx)
    lines.append(t("状況は「状況」と入力するといつでも確認できます。"))
    turn.result.replies.append(Reply(text="\n".join(lines), has_case_number=True))


def out_of_hours(turn: Turn) -> list[str]:
    """The line saying when staff will read this, out of hours, once per evening or closed
    spell (the receipt and the words relayed after it name the same day once)."""
    told = office_hours.notice(turn.now, turn.org, turn.t)
    if told is None or told[0].isoformat() == turn.conv.hours_told:
        return []
    turn.conv.hours_told = told[0].isoformat()
    return [told[1]]
