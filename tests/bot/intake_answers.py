"""One request's answers, typed by a member in the chat and by staff at intake."""

from __future__ import annotations

from flows.messages import CaseDraft
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, answered_to_the_end
from tests.flows.engine_chat import ENGINE, EngineChat

# A request staff enter: the same words a member would type (郵送, not the chat's number).
TYPED: dict[str, dict[str, str]] = {
    "disclosure": {**GOOD_ANSWERS, "method": "郵送", "birth_date": "昭和50年1月2日"},
    "correction": {**GOOD_ANSWERS, "method": "郵送", "phone": "０３－５２８５－１８６５"},
    "agent_disclosure": {
        **GOOD_ANSWERS,
        "requester": "任意代理人",
        "method": "メール",
        "phone": "電話はない",
    },
}
TYPE_OF = {"disclosure": "disclosure", "correction": "correction", "agent_disclosure": "disclosure"}


def fields_for(request: str) -> dict[str, str]:
    """The typed answers of the steps ``request``'s flow has."""
    from flows.registry import FLOWS

    steps = {step.id for step in FLOWS[TYPE_OF[request]].steps}
    return {key: value for key, value in TYPED[request].items() if key in steps}


def filed_in_chat(request: str, org: str = "coopdeli") -> CaseDraft:
    """The case the chat files for the same answers."""
    chat = EngineChat(org)
    chat.says(MENU_NUMBER[TYPE_OF[request]])
    answered_to_the_end(ENGINE, lambda: chat.state or {}, chat.says, answers=TYPED[request])
    assert chat.cases_sent, chat.transcript
    return chat.cases_sent[-1]
