"""The case that waits for the member hears her first (issue 16, point 1).

When staff await her answer, or a case is to be sent where she says she no longer is, a
message that asks for a new request reaches that case before the request is offered: staff
never act on what she has since changed. Used at the menu (``relaying``) and mid-form
(``unclear.offer_switch``) alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import followups
from flows.i18n import N_
from flows.intents import Classification
from flows.messages import CaseMessage, CaseView

if TYPE_CHECKING:
    from flows.turn import Turn

RELAYED_FIRST = N_(
    "受付番号 {number} の担当者にお伝えしました。担当者からのお返事も、このチャットに届きます。"
)


def waiting_case(turn: Turn, reading: Classification) -> CaseView | None:
    """The member's case that must hear this message first, if any (``followups.held_for``)."""
    days = turn.org.retention.followup_days
    return followups.held_for(turn.cases, reading, turn.now, days)


def tell(turn: Turn, case: CaseView, words: str) -> None:
    """Pass the member's words to ``case`` and say so, naming it."""
    turn.result.case_messages.append(CaseMessage(case_number=case.number, text=words))
    turn.say(turn.t(RELAYED_FIRST, number=case.number))
