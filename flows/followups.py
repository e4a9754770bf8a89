"""Where a member's follow-up goes: the case it is about, so every follow-up reaches a person.

While a member has an open case, what they write is for the staff working it (unless it plainly
starts a new request). A message about a closed case still reaches it for a while after the
close (the org's ``retention.followup_days``); after that the case is left closed and the
member is offered a new request or a person. Pure functions: the engine decides what to say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows.intents import Classification
from flows.messages import CaseView
from flows.status import CLOSED_STATUSES

# 「いつ電話がきますか」「まだですか」「どうなっていますか」: asking about timing.
_TIMING = re.compile(
    r"いつ(?!も)|まだ|状況|進捗|どうなって|どうなりました|遅い|おそい|遅すぎ|遅れ|待って|連絡が(?:ない|ありません|来ない|こない)"
    r"|when|still|how long|any news",
    re.IGNORECASE,
)
# Dissatisfaction the classifier's ``complaint`` concept does not catch in these forms.
# Said politely too: 「なぜこんなに遅れたのですか」 (why, about the delay),
# 「一言お詫びがあっても」, 「もう2週間も待っています」. A bare 「なぜですか」 names no delay:
# it refers back to an answer.
_COMPLAINT = re.compile(
    r"納得(?:でき|いか|いき)|遅すぎ|おそすぎ|ひどい|酷い|不誠実|失礼|いい加減|いいかげん"
    r"|苦情|クレーム|責任者|上司|unacceptable|ridiculous"
    r"|(?:なぜ|何故|なんで|どうして)[^。?？!！]*?(?:遅れ|おくれ|遅い|おそい|延び|のび|延長|待たせ|待たされ)"
    r"|お詫び|おわび|お詫|謝罪|謝って|あやまって|待たされ"
    r"|(?:[0-9０-９]+|[一二三四五六七八九十何]+|数)\s*(?:日|週間|か月|ヶ月|カ月|ヵ月)も(?:待|まっ)",
    re.IGNORECASE,
)


# 「なぜですか」「できませんでしたというお返事でした」「先週お願いしましたが」: about an earlier
# request and what came of it, so for the case it is about, never a new request.
_EARLIER_ANSWER = (
    r"出来ませんでした|できませんでした|できないと|出来ないと|返事|返信|回答が|回答を|回答は"
    r"|断られ|ことわられ"
    r"|(?:お願い|おねがい|頼み|たのみ|申し込み|申込み|申し出|請求し)ました(?:が|けど|けれど)"
    r"|refused|your answer|your reply"
)
_REFERS_BACK = re.compile(
    r"なぜ|何故|なんで|どうして|理由|わけを|\bwhy\b|" + _EARLIER_ANSWER, re.IGNORECASE
)


@dataclass(frozen=True)
class FollowUp:
    """The case a member's message is about; ``closed`` if it was closed (within the period)."""

    case: CaseView
    closed: bool
    others: tuple[str, ...] = ()  # the member's other open cases, named so nothing is guessed


def target(
    cases: Sequence[CaseView], now: datetime, followup_days: int, mentioned: str | None = None
) -> FollowUp | None:
    """The case a follow-up goes to: the one named in it, else the newest open case, else the
    newest case closed within ``followup_days``; ``None`` when there is none."""
    open_cases = [c for c in cases if c.status not in CLOSED_STATUSES]
    named = next((c for c in cases if mentioned and c.number == mentioned.upper()), None)
    reachable = named is not None and (
        named.status not in CLOSED_STATUSES or _recent(named, now, followup_days)
    )
    if named is not None and reachable:
        others = tuple(c.number for c in open_cases if c.number != named.number)
        return FollowUp(named, named.status in CLOSED_STATUSES, others)
    if open_cases:
        newest = open_cases[-1]  # the member's cases come in the order they were filed
        others = tuple(c.number for c in open_cases if c.number != newest.number)
        return FollowUp(newest, False, others)
    recent = [c for c in cases if _recent(c, now, followup_days)]
    if recent:
        return FollowUp(max(reversed(recent), key=_closed_at), True)
    return None


def refers_back(reading: Classification) -> bool:
    """Whether the message is about an earlier request or its answer (「なぜですか」)."""
    return bool(_REFERS_BACK.search(reading.text))


def has_case_of_type(
    cases: Sequence[CaseView], now: datetime, followup_days: int, request_type: str
) -> bool:
    """Whether a case of ``request_type`` is open or closed within the follow-up period."""
    return any(c.request_type == request_type for c in _reachable(cases, now, followup_days))


def referred_to(
    cases: Sequence[CaseView], now: datetime, followup_days: int, request_type: str | None
) -> FollowUp | tuple[CaseView, ...] | None:
    """The case a message that refers back (``refers_back``) is about: of the type it names
    if it names one, else the case staff last wrote to. Several that fit equally are returned
    for the member to choose from; ``None`` when no case is open or recently closed."""
    candidates = _reachable(cases, now, followup_days)
    typed = [c for c in candidates if c.request_type == request_type]
    if typed:
        candidates = typed
    if not candidates:
        return None
    latest = max(_last_staff_at(c) for c in candidates)
    best = [c for c in candidates if _last_staff_at(c) == latest]
    if len(best) > 1:
        return tuple(best)
    (case,) = best
    closed = case.status in CLOSED_STATUSES
    others = tuple(
        c.number for c in cases if c.status not in CLOSED_STATUSES and c.number != case.number
    )
    return FollowUp(case, closed, others)


def _reachable(cases: Sequence[CaseView], now: datetime, followup_days: int) -> list[CaseView]:
    return [c for c in cases if c.status not in CLOSED_STATUSES or _recent(c, now, followup_days)]


def _last_staff_at(case: CaseView) -> datetime:
    """When staff last wrote to the member on the case (never: the earliest time)."""
    return max((m.at for m in case.staff_messages), default=datetime.min.replace(tzinfo=UTC))


def expired_case(cases: Sequence[CaseView]) -> CaseView | None:
    """The member's most recently closed case, for telling them it is closed (called when no
    case is open or recently closed)."""
    closed = [c for c in cases if c.status in CLOSED_STATUSES]
    return max(reversed(closed), key=_closed_at) if closed else None


def asks_about_timing(reading: Classification) -> bool:
    # The words, not the intent: the classifier reads 「いつも…」 and 「納得できません」 as status.
    return bool(_TIMING.search(reading.text))


def is_complaint(reading: Classification) -> bool:
    return "complaint" in reading.concepts or bool(_COMPLAINT.search(reading.text))


# 「私の件」「受付番号」「担当の方」: about the member's own case, not the co-op's policy.
# A bare 「なぜ」 does not count: 「なぜ私の情報を使うのですか」 asks about the policy.
_CASE_WORDS = re.compile(
    r"私の件|わたしの件|この件|その件|あの件|先日の件|受付番号|担当の|担当者|私の申|わたしの申"
    r"|申請した|申し出た|お願いした件|" + _EARLIER_ANSWER,
    re.IGNORECASE,
)


def about_a_case(reading: Classification) -> bool:
    """Whether a question is about the member's case (timing, a complaint, the case named or
    referred back to) rather than about what the co-op publishes."""
    return (
        asks_about_timing(reading)
        or is_complaint(reading)
        or reading.case_number is not None
        or bool(_CASE_WORDS.search(reading.text))
    )


def _closed_at(case: CaseView) -> datetime:
    return case.closed_at or case.received_at


def _recent(case: CaseView, now: datetime, followup_days: int) -> bool:
    return (
        case.status in CLOSED_STATUSES
        and case.closed_at is not None
        and now - case.closed_at <= timedelta(days=followup_days)
    )
