"""A member's words for the staff of their own case (issue 16, point 1).

While a member has a case, what they write reaches it (``flows.followups`` says which case),
named back to them; a complaint is flagged to supervisors too, and a question about timing is
answered with the case's status. A bare 「はい」 or global word answers the desk, never staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows import (
    case_view,
    followups,
    parsing,
)
from flows.dialogue import case_status
from flows.dialogue.names import (
    FORWARD,
    MENU,
    MENU_CHOICE,
)
from flows.dialogue.words import (
    GLOBAL_LOOKUP,
    NEW_REQUEST,
    REQUEST_IDS,
    SMALL_TALK_CONCEPTS,
)
from flows.intents import Classification
from flows.messages import (
    CaseMessage,
    CaseView,
)
from flows.modes import (
    unclear,
)
from flows.parsing import normalise_for_matching

if TYPE_CHECKING:
    from flows.turn import Turn


def bare_reply(text: str) -> bool:
    """A lone yes/no or global word (「はい」「キャンセル」): meant for the desk's own question,
    never words for a case's staff."""
    word = normalise_for_matching(text).rstrip("。.!！?？、,〜ー")
    return parsing.is_yes_or_no(word) or word in GLOBAL_LOOKUP


def relay(turn: Turn, number: str, text: str) -> None:
    """Staff are talking with the member: pass their words on to the case, and say so."""
    turn.result.case_messages.append(CaseMessage(case_number=number, text=text))
    turn.say(
        turn.t(
            "受付番号 {number} の担当者にお伝えしました。"
            "担当者からのお返事も、このチャットに届きます。"
            "新しいお申し出は「メニュー」と入力してください。",
            number=number,
        )
    )
    turn.conv.mode = MENU


def follow_up(turn: Turn, reading: Classification) -> bool:
    """While the member has a case, their words are for its staff (``flows.followups``):
    relayed with the case named, a timing question answered with its status, a complaint
    flagged to supervisors too. True if the message was handled here."""
    if bare_reply(reading.text):  # 「はい」「キャンセル」 answer the desk, not staff
        return False
    days = turn.org.retention.followup_days
    back = followups.refers_back(reading)
    named = reading.intent if reading.intent in REQUEST_IDS else None
    # 「開示をお願いしましたが、できませんでしたというお返事でした」 is about that case.
    about_earlier = (
        back and named is not None and followups.has_case_of_type(turn.cases, turn.now, days, named)
    )
    if reading.sure and reading.intent in NEW_REQUEST and not about_earlier:
        return False
    found: followups.FollowUp | tuple[CaseView, ...] | None
    if back and not reading.case_number:
        found = followups.referred_to(turn.cases, turn.now, days, named)
    else:
        found = followups.target(turn.cases, turn.now, days, reading.case_number)
    if isinstance(found, tuple):
        ask_which_case(turn, reading.text, found)
        return True
    if found is None:
        return closed_long_ago(turn, reading)
    number, complaint = found.case.number, followups.is_complaint(reading)
    if complaint or found.closed:
        turn.result.case_messages.append(CaseMessage(number, reading.text, complaint))
    if complaint:
        turn.say(
            turn.t(
                "ご不便とご心配をおかけして申し訳ございません。"
                "受付番号 {number} の担当者と責任者にお伝えしました。"
                "担当者からのお返事は、このチャットに届きます。",
                number=number,
            )
        )
    elif found.closed:
        turn.say(
            turn.t(
                "受付番号 {number} のお申し出は完了していますが、"
                "このご連絡は担当者にお伝えしました。"
                "担当者からのお返事は、このチャットに届きます。",
                number=number,
            )
        )
    else:
        relay(turn, number, reading.text)
    if found.others:
        turn.say(
            turn.t(
                "ほかにも受付中のお申し出があります（{numbers}）。"
                "別の件についてでしたら、その受付番号を添えてお送りください。",
                numbers="、".join(found.others),
            )
        )
    if followups.asks_about_timing(reading):
        # Their words already reached staff: the case view follows, and its offers
        # (取下げ, 担当者からの連絡) act on the case without relaying the words twice.
        turn.say(turn.t("いまの状況です。"))
        case_status.show_case(turn, found.case, None)
        return True
    turn.conv.mode = MENU
    return True


def ask_which_case(turn: Turn, text: str, cases: Sequence[CaseView]) -> None:
    """Several cases fit a follow-up equally: the member says which, never a guess."""
    lines = [turn.t("どのお申し出についてのご連絡ですか。")]
    lines += [f"・{case_view.heading(case, turn.t)}" for case in cases]
    unclear.offer(
        turn, text, "\n".join(lines), [*(f"case:{c.number}" for c in cases), FORWARD, MENU_CHOICE]
    )


def closed_long_ago(turn: Turn, reading: Classification) -> bool:
    """A message that reads as being about the member's case, closed longer ago than the
    follow-up period: they are told so and offered a new request or a person."""
    case = followups.expired_case(turn.cases)
    if case is None or case.closed_at is None or SMALL_TALK_CONCEPTS & reading.concepts:
        return False
    if reading.sure and reading.intent not in ("unknown", "status", "human"):
        return False
    unclear.offer(
        turn,
        reading.text,
        turn.t(
            "受付番号 {number} のお申し出は、{date}に完了しています。"
            "新しいお申し出として承るか、このままの内容で担当者にお伝えすることができます。",
            number=case.number,
            date=turn.t.date(case.closed_at),
        ),
        [FORWARD, MENU_CHOICE],
    )
    return True
