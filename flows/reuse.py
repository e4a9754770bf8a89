"""Identity answers a member already gave in an earlier request of the same chat, offered
again in their next one: shown, confirmed, never silently reused.

They come from the earlier case's answers (``CaseView.fields``, encrypted at rest), so
retention decides what is left to offer: once a case's transcript stage has run its fields
keep only coded choices, and nothing of it is offered any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.messages import CaseView

# The first step of a group, and the answers offered together when the flow reaches it.
GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name", "kana", "former_name", "birth_date", "phone", "member_number"),
    "postal_code": ("postal_code", "address"),
    # An agent's own details, offered to an agent's next request.
    "agent_name": ("agent_name", "agent_phone", "agent_relation"),
}


@dataclass(frozen=True)
class Offer:
    """What an earlier case can give the step group now reached."""

    case_number: str
    answers: dict[str, Any]


def acting_as(answers: Mapping[str, Any]) -> str | None:
    """Whose identity the answers hold: the member's own, or the person an agent acts for
    (a deceased person's details are never offered again)."""
    requester = answers.get("requester", "self")
    if requester == "self":
        return "self"
    if requester in ("legal_agent", "appointed_agent"):
        return "agent"
    return None


def offer_for(
    head: str,
    wanted: Sequence[str],
    current: Mapping[str, Any],
    cases: Sequence[CaseView],
    org_id: str,
) -> Offer | None:
    """The newest same-org case's answers for the steps in ``wanted`` (those of ``head``'s
    group this flow still asks): the member's own answers in their own request, and in an
    agent's request those of their earlier request as agent (the person they acted for and
    themselves), shown for the member to confirm since they may act for someone else now."""
    whose = acting_as(current)
    if head not in GROUPS or not wanted or whose is None:
        return None
    if head == "agent_name" and whose != "agent":
        return None
    for case in reversed(cases):
        if case.org_id != org_id or acting_as(case.fields) != whose:
            continue
        answers = {key: case.fields[key] for key in wanted if key in case.fields}
        if answers.get(head):  # the group's first answer is there: it was not redacted
            return Offer(case.number, answers)
    return None
