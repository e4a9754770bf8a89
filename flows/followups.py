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
from datetime import datetime, timedelta

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
_COMPLAINT = re.compile(
    r"納得(?:でき|いか|いき)|遅すぎ|おそすぎ|ひどい|酷い|不誠実|失礼|いい加減|いいかげん"
    r"|苦情|クレーム|責任者|上司|unacceptable|ridiculous",
    re.IGNORECASE,
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


def _closed_at(case: CaseView) -> datetime:
    return case.closed_at or case.received_at


def _recent(case: CaseView, now: datetime, followup_days: int) -> bool:
    return (
        case.status in CLOSED_STATUSES
        and case.closed_at is not None
        and now - case.closed_at <= timedelta(days=followup_days)
    )
