"""Case rules staff work by: statuses, outcomes and what the member is told.

Pure functions; ``storage.cases`` applies them in one transaction per action.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.i18n import N_, Translator
from flows.status import CLOSED_STATUSES, OUTCOMES, OUTCOMES_NEEDING_REASON

IDENTITY_METHODS: dict[str, str] = {
    "phone_callback": N_("登録電話へ折返し"),
    "document": N_("書面"),
    "in_person": N_("来所"),
    "other": N_("その他"),
}
MAX_STAFF_TEXT = 4096


class CaseActionError(ValueError):
    """A staff action that breaks a rule; the message says what to do instead.

    ``ja`` is the same message for staff, who work in Japanese (Slack and the staff
    terminal); the English one is for logs and the English-worded commands.
    """

    def __init__(self, message: str, ja: str) -> None:
        super().__init__(message)
        self.ja = ja


_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff70\u2043\ufe63\s]")


def case_number(typed: str) -> str:
    """A case number as stored (``CD-2026-00001``), however staff typed it: full width
    (ＣＤ－２０２６－０００１), any dash (‐ − ー), lower case, with spaces around."""
    folded = unicodedata.normalize("NFKC", typed).strip()
    return _DASHES.sub(lambda m: "" if m.group().isspace() else "-", folded).upper()


def require_open(status: str) -> None:
    if status in CLOSED_STATUSES:
        raise CaseActionError(
            "This case is closed; reopen it first.",
            "この案件は完了しているため、操作できません。再開してから操作してください。",
        )


def require_closed(status: str) -> None:
    if status not in CLOSED_STATUSES:
        raise CaseActionError(
            "Only a closed case can be reopened.", "再開できるのは、完了した案件だけです。"
        )


def require_text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseActionError(f"{what} is required.", "必要な項目が入力されていません。")
    if len(text) > MAX_STAFF_TEXT:
        raise CaseActionError(
            f"{what} is longer than {MAX_STAFF_TEXT} characters.",
            f"{MAX_STAFF_TEXT}文字以内にしてください。",
        )
    return text


def check_outcome(outcome: str, reason: str | None) -> str | None:
    """一部対応 and 対応不可 need a reason, which the member is told (APPI Art. 36)."""
    if outcome not in OUTCOMES:
        raise CaseActionError(
            f"Outcome must be one of {', '.join(OUTCOMES)}.",
            "結果は「回答済」「一部対応」「対応不可」のどれかで指定してください。",
        )
    if outcome in OUTCOMES_NEEDING_REASON and not (reason or "").strip():
        raise CaseActionError(
            "Partial and refused need a reason (the member is told it).",
            "「一部対応」「対応不可」で完了するときは、理由が必要です（会員に伝わります）。",
        )
    if outcome in OUTCOMES_NEEDING_REASON:
        return require_text(reason, "A reason")
    return (reason or "").strip() or None


IDENTITY_BOUND_REQUESTS: frozenset[str] = frozenset(
    {"disclosure", "third_party_record", "correction", "suspension", "third_party_stop"}
)
"""Requests about a person's own data: both co-ops act on them only once the requester is
confirmed, so they cannot be answered (in full or in part) without a recorded check."""
OUTCOMES_NEEDING_IDENTITY: frozenset[str] = frozenset({"answered", "partial"})


def require_identity_for_outcome(
    request_type: str, outcome: str, identity_method: str | None
) -> None:
    """回答済/一部対応 on a personal-data request need a recorded identity check first.

    対応不可 stays possible without one: "identity could not be confirmed" is itself a reason.
    """
    if (
        request_type in IDENTITY_BOUND_REQUESTS
        and outcome in OUTCOMES_NEEDING_IDENTITY
        and identity_method is None
    ):
        raise CaseActionError(
            "No identity check is recorded; verify the requester before closing as "
            "answered or partial.",
            "本人確認の記録がないため、「回答済」「一部対応」では完了できません。"
            "先に本人確認を記録してください。",
        )


def require_identity_for_answer(request_type: str, identity_method: str | None) -> None:
    """The answer itself (the disclosed data) goes out only to a requester whose identity is
    recorded as checked: sending it first would hand personal data to whoever asked."""
    if request_type in IDENTITY_BOUND_REQUESTS and identity_method is None:
        raise CaseActionError(
            "No identity check is recorded; verify the requester before sending the answer.",
            "本人確認の記録がないため、回答を送れません。先に本人確認を記録してください。",
        )


class CloseNeedsConfirmation(CaseActionError):
    """Closing now would skip something staff should see first: the member's unread messages,
    a due date paused while waiting for the member, or a question or complaint closed as
    answered though staff never wrote to the member. Each surface says what to do first and
    how to close anyway (terminal ``--force``, Slack a tick in the close form)."""

    def __init__(self, unread: int, paused: bool, unanswered: bool = False) -> None:
        reasons_en, reasons_ja = [], []
        if unread:
            reasons_en.append(f"{unread} unread message(s) from the member")
            reasons_ja.append(f"会員からの未読メッセージが{unread}件あります")
        if paused:
            reasons_en.append("the due date is paused")
            reasons_ja.append("回答期限を一時停止しています")
        if unanswered:
            reasons_en.append("no reply was ever sent to the member")
            reasons_ja.append("会員にまだ一度も返信していません")
        super().__init__(
            "Not closed: " + " and ".join(reasons_en) + "; confirm to close anyway.",
            "完了していません。" + "。".join(reasons_ja) + "。確認のうえ完了してください。",
        )
        self.unread = unread
        self.paused = paused
        self.unanswered = unanswered


AWAITING_AN_ANSWER: frozenset[str] = frozenset({"inquiry"})
"""Requests that are a question: 回答済 means the member was answered."""
COMPLAINT = "complaint"  # the human flow's ``about`` answer for a complaint


def expects_a_reply(request_type: str, fields: Mapping[str, Any], complained: bool) -> bool:
    """A question, or a complaint (a 苦情 case, or a complaint made on the case): closing it as
    回答済 tells the member it was answered, so it should follow a reply staff sent."""
    if request_type in AWAITING_AN_ANSWER or complained:
        return True
    return request_type == "human" and fields.get("about") == COMPLAINT


def require_close_confirmed(
    unread: int, paused: bool, confirmed: bool, *, unanswered: bool = False
) -> None:
    """A close that would skip the member's unread words, a paused clock or an answer the
    member never got needs staff to confirm it (audit is unchanged: the close is recorded as
    any other). ``unanswered``: closing as 回答済 a case that expects a reply never sent."""
    if not confirmed and (unread or paused or unanswered):
        raise CloseNeedsConfirmation(unread, paused, unanswered)


def check_identity_method(method: str) -> str:
    """The method's code, given as the code or as its label in Japanese or English: staff
    type what the refusal shows them (「書面」, 「登録電話へ折返し」), and both must work."""
    wanted = unicodedata.normalize("NFKC", method).strip().casefold()
    if wanted in _METHOD_WORDS:
        return _METHOD_WORDS[wanted]
    for code, label in IDENTITY_METHODS.items():
        names = (code, label, Translator("en")(label))
        if wanted in (unicodedata.normalize("NFKC", n).casefold() for n in names):
            return code
    raise CaseActionError(
        f"Method must be one of {', '.join(IDENTITY_METHODS)}.",
        "確認の方法は次のどれかで指定してください："
        + "、".join(f"{label}（{key}）" for key, label in IDENTITY_METHODS.items()),
    )


_METHOD_WORDS: dict[str, str] = {
    word: "phone_callback"
    for word in (
        "電話",
        "折返し",
        "折り返し",
        "電話折返し",
        "電話折り返し",
        "登録電話へ折り返し",
        "登録電話への折り返し",
        "登録電話への折返し",
    )
} | {"郵送": "document", "来店": "in_person", "窓口": "in_person"}
"""What staff say for a method besides its label (「電話」 is the registered-phone callback:
the only phone check the co-ops describe)."""


class IdentityAlreadyRecorded(CaseActionError):
    """The requester's identity check is recorded once: a second record (a colleague who did
    not see the first, or a double entry) would tell the member of a second check."""

    def __init__(self, number: str, method: str, when: datetime | None) -> None:
        en, ja = Translator("en"), Translator("ja")
        label = IDENTITY_METHODS.get(method, method)
        on_en = f" on {en.datetime(when)}" if when else ""
        on_ja = f"{ja.datetime(when)}に" if when else ""
        super().__init__(
            f"The identity check on {number} is already recorded{on_en} ({en(label)}); "
            "it is recorded only once.",
            f"{number} の本人確認は、{on_ja}記録済みです（{ja(label)}）。"
            "本人確認の記録は一度だけです。",
        )
        self.number = number
        self.method = method


class ClaimedByOther(CaseActionError):
    """Someone else has the case: each surface says how to take it over."""

    def __init__(self, number: str, assignee: str) -> None:
        super().__init__(
            f"{number} is already claimed by {assignee}; confirm to take it over.",
            f"{number} はほかの方（{assignee}）が担当しています。引き継ぐ場合は確認してください。",
        )
        self.number = number
        self.assignee = assignee


def reply_notice(t: Translator, number: str, text: str, *, late: bool = False) -> str:
    """Staff's words; ``late`` (the case is overdue) adds the apology before them."""
    return "\n".join(
        [
            t("【受付番号 {number}】担当者からのご連絡です。", number=number),
            *_apology(t, late and not apologises(text)),
            text,
            # Staff often end with this themselves; the member reads it once.
            *([] if _ASK_TO_REPLY in text else [t(REPLY_HERE)]),
        ]
    )


REPLY_HERE = N_("お返事は、このチャットにそのまま入力してください。")
_ASK_TO_REPLY = "このチャットにそのまま入力"


LATE_APOLOGY = N_("お待たせして申し訳ございません。")
"""Said to the member whenever the desk is late: a case past its due date, or one extended."""


def is_late(status: str, paused: bool, due_at: datetime, now: datetime) -> bool:
    """Open, not paused and past its due date: what staff send now comes late."""
    return status not in CLOSED_STATUSES and not paused and due_at < now


# 「大変お待たせして申し訳ございません」「お詫び申し上げます」: staff apologised themselves.
_APOLOGY_WORDS = re.compile(r"申し訳|申しわけ|お詫び|おわび|お詫|sorry|apolog", re.IGNORECASE)


def apologises(text: str) -> bool:
    """Whether staff's own words already apologise: the desk's apology would be said twice."""
    return bool(_APOLOGY_WORDS.search(text))


def _apology(t: Translator, late: bool) -> list[str]:
    return [t(LATE_APOLOGY)] if late else []


def extension_notice(t: Translator, number: str, due: datetime, reason: str) -> str:
    """An extension keeps the member waiting longer than promised: it always apologises."""
    return "\n".join(
        [
            t(
                "【受付番号 {number}】回答の目安を{due}に延ばします。",
                number=number,
                due=t.date(due),
            ),
            t(LATE_APOLOGY),
            t("理由：{reason}", reason=reason),
        ]
    )


def pause_notice(t: Translator, number: str, reason: str) -> str:
    return t(
        "【受付番号 {number}】{reason}をお待ちしています。届くまでの間、回答の期限は止まります。",
        number=number,
        reason=reason,
    )


def resume_notice(t: Translator, number: str, due: datetime) -> str:
    return t(
        "【受付番号 {number}】手続きを再開しました。回答の目安は{due}です。",
        number=number,
        due=t.date(due),
    )


def outcome_notice(
    t: Translator, number: str, outcome: str, reason: str | None, *, late: bool = False
) -> str:
    """The outcome; ``late`` (closed after its due date) adds the apology."""
    head = {
        "answered": N_("【受付番号 {number}】お申し出への対応が終わりました。"),
        "partial": N_("【受付番号 {number}】お申し出の一部について対応しました。"),
        "refused": N_(
            "【受付番号 {number}】申し訳ありませんが、お申し出のとおりの対応はできませんでした。"
        ),
    }[outcome]
    lines = [t(head, number=number), *_apology(t, late and not apologises(reason or ""))]
    if reason:
        lines.append(t("理由：{reason}", reason=reason))
    lines.append(t("ご不明な点は、このチャットでお知らせください。"))
    return "\n".join(lines)


def reopen_notice(t: Translator, number: str) -> str:
    """The reason stays with staff (it may name others); the member learns the case is open."""
    return t(
        "【受付番号 {number}】お申し出について、担当者が対応を再開しました。"
        "お返事は、このチャットにそのまま入力してください。",
        number=number,
    )


def withdrawal_notice(t: Translator, number: str) -> str:
    return t("【受付番号 {number}】お申し出の取り下げを承りました。", number=number)


QUESTIONS: frozenset[str] = frozenset({"inquiry", "human"})
"""Requests that are a question or a wish to talk: answered without an identity check."""


def status_when_claimed(request_type: str, deceased: bool) -> str:
    """A question or a wish to talk needs no identity check, so it is worked at once
    (対応中); any other request, and anything about a deceased person (whose asker is
    checked), waits for the check (本人確認待ち)."""
    return "in_progress" if request_type in QUESTIONS and not deceased else "awaiting_identity"


def claimed_notice(
    t: Translator, number: str, *, request_type: str = "", deceased: bool = False
) -> str:
    """Sent when the case first gets its person, so the member knows someone has it.

    A question promises no identity check (none is made); a request about a deceased person
    checks the asker, who is not the person, and their relationship to them."""
    if deceased:
        return t(
            "【受付番号 {number}】担当者が決まりました。ご請求者さまのご本人確認と、"
            "亡くなった方とのご関係の確認のうえ、手続きを進めます。",
            number=number,
        )
    if request_type in QUESTIONS:
        return t(
            "【受付番号 {number}】担当者が決まりました。担当者からご連絡します。",
            number=number,
        )
    return t(
        "【受付番号 {number}】担当者が決まりました。ご本人確認のうえ、手続きを進めます。",
        number=number,
    )


def identity_verified_notice(t: Translator, number: str) -> str:
    return t(
        "【受付番号 {number}】ご本人確認ができました。引き続き、担当者が手続きを進めます。",
        number=number,
    )
