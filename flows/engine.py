"""The dialogue engine: (stored state, inbound event, clock) -> (new state, outputs).

A turn does no I/O. Storage loads the state, calls ``Engine.turn`` and writes the result in
one transaction, which is what makes restarts, redelivered updates and tests simple.

The turn itself is ``flows.turn.Turn``; what it does depends on the mode the member is at,
each mode a small handler in ``flows.modes`` (``MODES``). The names other modules and tests
use are re-exported here so that ``flows.engine`` stays the one place to import them from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flows.dialogue.choosing import options_mentioned as _options_mentioned
from flows.dialogue.conversation import Conversation, holds_a_form
from flows.dialogue.names import (
    ALSO,
    BACK,
    CALL_ME,
    CANCEL,
    CONFIRM_CANCEL,
    CONFIRM_ORG_SWITCH,
    CONFIRM_RESTART,
    CONFIRM_WITHDRAW,
    CONTINUE,
    EDIT,
    EDIT_PICK,
    FLOW,
    FORWARD,
    INQUIRY,
    MENU,
    MENU_CHOICE,
    NO,
    PICK_ORG,
    RESTART,
    RESUME,
    REUSE,
    REUSE_FIX,
    SKIP,
    STATUS_ID,
    SUBMIT,
    SUMMARY,
    SWITCH,
    TAKE_AS_ANSWER,
    UNCLEAR,
    VIEW,
    WITHDRAW,
    YES,
)
from flows.dialogue.words import GLOBAL_LOOKUP as _GLOBAL_LOOKUP
from flows.dialogue.words import GLOBAL_WORDS as _GLOBAL_WORDS
from flows.i18n import N_, Translator
from flows.messages import CaseView, Inbound, Reply, TurnResult
from flows.modes import MODES
from flows.modes.resume import RESUME_AFTER
from flows.modes.unclear import CALL_ME_NOTE
from flows.profiles import OrgProfile
from flows.registry import FLOWS
from flows.requests import inquiry
from flows.steps import Option
from flows.turn import EDITED_MESSAGE, Turn

__all__ = [
    "ALSO",
    "BACK",
    "CALL_ME",
    "CALL_ME_NOTE",
    "CANCEL",
    "CONFIRM_CANCEL",
    "CONFIRM_ORG_SWITCH",
    "CONFIRM_RESTART",
    "CONFIRM_WITHDRAW",
    "CONTINUE",
    "EDIT",
    "EDITED_MESSAGE",
    "EDIT_PICK",
    "FLOW",
    "FORWARD",
    "INQUIRY",
    "MENU",
    "MENU_CHOICE",
    "MODES",
    "NO",
    "PICK_ORG",
    "RESTART",
    "RESUME",
    "RESUME_AFTER",
    "REUSE",
    "REUSE_FIX",
    "SKIP",
    "STATUS_ID",
    "SUBMIT",
    "SUMMARY",
    "SWITCH",
    "TAKE_AS_ANSWER",
    "TURN_FAILED",
    "UNCLEAR",
    "VIEW",
    "WITHDRAW",
    "YES",
    "_GLOBAL_LOOKUP",
    "_GLOBAL_WORDS",
    "Conversation",
    "Engine",
    "_options_mentioned",
    "holds_a_form",
]

TURN_FAILED = N_(
    "申し訳ありません。うまく受け付けられませんでした。お手数ですが、もう一度お送りください。"
)


class Engine:
    """Runs turns for a deployment serving one or more orgs."""

    def __init__(self, orgs: Mapping[str, OrgProfile]) -> None:
        if not orgs:
            raise ValueError("A deployment needs at least one org profile.")
        self.orgs = dict(orgs)

    def turn(
        self,
        state: Mapping[str, Any] | None,
        inbound: Inbound,
        now: datetime,
        cases: Sequence[CaseView] = (),
    ) -> TurnResult:
        """Apply one inbound event; the result holds the new state and every output."""
        turn = Turn(self, Conversation.from_state(state), inbound, now, cases)
        turn.run()
        return turn.result

    def failed_turn_reply(self, state: Mapping[str, Any] | None) -> Reply:
        """What a member is told when their message could not be processed at all (its turn
        raised and was given up on): nothing of theirs was kept, so they are asked to send it
        again, in the conversation's language. Their place in the dialogue is unchanged."""
        t = Translator(Conversation.from_state(state).lang)
        return Reply(t(TURN_FAILED))

    def menu_options(self) -> tuple[Option, ...]:
        options = [Option("inquiry", inquiry.FLOW.menu_label, inquiry.FLOW.aliases)]
        options += [
            Option(flow.type_id, flow.menu_label, flow.aliases)
            for flow in FLOWS.values()
            if flow.type_id not in ("inquiry", "human")
        ]
        options.append(Option("human", FLOWS["human"].menu_label, FLOWS["human"].aliases))
        options.append(
            Option(
                STATUS_ID, N_("受付済みのお申し出の状況を見たい"), ("受付状況", "状況", "status")
            )
        )
        return tuple(options)
