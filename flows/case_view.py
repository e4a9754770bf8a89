"""What a member sees of their own case: its status in plain words, its dates, what they
submitted and every message staff sent them.

Pure functions of a ``CaseView``; the engine says them and ties each text that holds the
case's answers or staff's words to that case (``Reply.case_number``), so the text goes with
the case at its purge.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.cases import LATE_APOLOGY, apologises
from flows.i18n import N_, Translator
from flows.messages import CaseView
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.status import CLOSED_STATUSES, status_label
from flows.steps import Context
from flows.wording import item_line

# The status as a sentence an older member understands, not a staff label.
PLAIN_STATUS: dict[str, str] = {
    "received": N_("受け付けました。担当者が決まるまで、お待ちください。"),
    "awaiting_identity": N_("担当者が決まりました。ご本人確認のあとで手続きを進めます。"),
    "in_progress": N_("ご本人確認が済み、担当者が手続きを進めています。"),
    "answered": N_("対応が終わりました。"),
    "partial": N_("お申し出の一部について対応しました。"),
    "refused": N_("お申し出のとおりの対応はできませんでした。"),
    "withdrawn": N_("お申し出は取り下げられました。"),
}
# A case staff took up (or reopened) before anyone checked who the member is.
IN_PROGRESS_UNVERIFIED = N_("担当者が手続きを進めています。")
PAUSED = N_("書類などが届くのをお待ちしています。その間、回答の期限は止まっています。")
# While paused the due date is not known: resuming moves it by the time waited.
DATE_AFTER_PAUSE = N_("回答の目安の日は、手続きを再開したときにあらためてお知らせします。")
OVERDUE_APOLOGY = N_(
    "お待たせしており申し訳ございません。回答の目安の日を過ぎています。"
    "担当者からご連絡するよう、お伝えすることもできます。"
)


def is_open(case: CaseView) -> bool:
    return case.status not in CLOSED_STATUSES


def is_overdue(case: CaseView, now: datetime) -> bool:
    """Past its due date, still open and not paused: the member is owed an apology."""
    return is_open(case) and not case.paused and case.due_at < now


def staff_apologised(case: CaseView) -> bool:
    """Staff's latest message already apologises: the desk does not say it again."""
    return bool(case.staff_messages) and apologises(case.staff_messages[-1].text)


def plain_status(case: CaseView) -> str:
    """The status sentence (a msgid), never claiming an identity check that did not happen."""
    if case.status == "in_progress" and not case.identity_verified:
        return IN_PROGRESS_UNVERIFIED
    return PLAIN_STATUS.get(case.status, case.status)


def list_line(case: CaseView, t: Translator, now: datetime) -> str:
    """One line of the member's list of cases: an open case with its due date (and an
    apology on that very line when it is late), a closed one with its outcome and close date."""
    if case.paused and is_open(case):
        return t(
            "{number}　{type}　状況：{status}　回答の期限は止まっています",
            number=case.number,
            type=title(case, t),
            status=t(status_label(case.status)),
        )
    if not is_open(case):
        return t(
            "{number}　{type}　{outcome}　完了日：{date}",
            number=case.number,
            type=title(case, t),
            outcome=t(plain_status(case)),
            date=t.date(case.closed_at or case.received_at),
        )
    line = t(
        "{number}　{type}　状況：{status}　回答期限の目安：{due}",
        number=case.number,
        type=title(case, t),
        status=t(status_label(case.status)),
        due=t.date(case.due_at),
    )
    if is_overdue(case, now):
        line += "\n" + t(OVERDUE_APOLOGY)
    return line


def title(case: CaseView, t: Translator) -> str:
    flow = FLOWS.get(case.request_type)
    return t(flow.title) if flow else case.request_type


def heading(case: CaseView, t: Translator) -> str:
    """Which case: number, type and the day it was received."""
    return t(
        "受付番号 {number}（{type}、{date}受付）",
        number=case.number,
        type=title(case, t),
        date=t.date(case.received_at),
    )


def status_text(case: CaseView, t: Translator, now: datetime) -> str:
    """One case's status: which case, where it stands, its dates, and an apology when it is
    late. The one function every part of the desk uses to tell a member how a case stands."""
    lines = [heading(case, t), t(plain_status(case))]
    paused = case.paused and is_open(case)
    if paused:
        lines.append(t(PAUSED))
    lines.append(t("受付日：{date}", date=t.date(case.received_at)))
    if paused:  # no date while the clock is stopped: resuming sets a new one
        lines.append(t(DATE_AFTER_PAUSE))
        return "\n".join(lines)
    for extension in case.extensions if is_open(case) else ():  # a closed case has no due date
        lines.append(
            t(
                "回答の目安を{due}に延ばしました。理由：{reason}",
                due=t.date(extension.to),
                reason=extension.reason,
            )
        )
    extended = case.extensions and is_open(case) and not is_overdue(case, now)
    if extended and not staff_apologised(case):
        lines.append(t(LATE_APOLOGY))
    if is_open(case):
        lines.append(t("回答の目安：{due}", due=t.date(case.due_at)))
    elif case.closed_at is not None:
        lines.append(t("完了日：{date}", date=t.date(case.closed_at)))
    if is_overdue(case, now):
        lines.append(t(OVERDUE_APOLOGY))
    return "\n".join(lines)


def detail_text(case: CaseView, org: OrgProfile, t: Translator, now: datetime) -> str:
    """The whole case for its member: status and dates, their answers as in the receipt,
    and every message staff sent them, oldest first."""
    lines = [status_text(case, t, now), "", t("お申し出の内容：")]
    lines += [item_line(t, label, value) for label, value in submitted(case, org, t, now)]
    if len(lines) == 3:
        lines.append(t("（保存期間が過ぎたため、内容は表示できません）"))
    lines += ["", t("担当者からのご連絡：")]
    if not case.staff_messages:
        lines.append(t("まだありません。"))
    for message in case.staff_messages:
        lines.append(t("{date}：", date=t.datetime(message.at)))
        lines.append(message.text)
    return "\n".join(lines)


def submitted(
    case: CaseView, org: OrgProfile, t: Translator, now: datetime
) -> list[tuple[str, str]]:
    """The answers the case still holds, labelled and shown as the summary showed them."""
    return labelled_answers(case.request_type, case.fields, org, t, now)


def labelled_answers(
    request_type: str, fields: Mapping[str, Any], org: OrgProfile, t: Translator, now: datetime
) -> list[tuple[str, str]]:
    """A request's answers with the catalog's labels in ``t``'s language: what the member
    sees of their case, and what staff see in theirs (whatever language the member used)."""
    flow = FLOWS.get(request_type)
    if flow is None:
        return []
    ctx = Context(org=org, answers=dict(fields), now=now, t=t)
    return [
        (t(step.label), step.display(fields[step.id], ctx))
        for step in flow.steps
        if step.id in fields and step.applies(ctx)
    ] + staff_question_lines(list(fields.get(STAFF_QUESTIONS_FIELD) or []), t)


# The member's questions and wishes typed inside the form that the desk did not answer: kept
# in the case's fields and shown beside the answers, so a person answers them.
STAFF_QUESTIONS_FIELD = "questions_for_staff"
STAFF_QUESTIONS_LABEL = N_("担当者へのご質問・ご要望")


def staff_question_lines(questions: list[str], t: Translator) -> list[tuple[str, str]]:
    """The questions for staff as one summary item (label, value), if any."""
    if not questions:
        return []
    return [(t(STAFF_QUESTIONS_LABEL), " / ".join(str(q) for q in questions))]
