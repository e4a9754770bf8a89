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
}


@dataclass(frozen=True)
class Offer:
    """What an earlier case can give the step group now reached."""

    case_number: str
    answers: dict[str, Any]


def about_oneself(answers: Mapping[str, Any]) -> bool:
    """Identity answers are about the member only in their own request: an agent's are about
    whoever they act for, who may be someone else this time."""
    return bool(answers.get("requester", "self") == "self")


def offer_for(
    head: str,
    wanted: Sequence[str],
    current: Mapping[str, Any],
    cases: Sequence[CaseView],
    org_id: str,
) -> Offer | None:
    """The newest same-org case's answers for the steps in ``wanted`` (those of ``head``'s
    group this flow still asks), if the member is entering their own request."""
    if head not in GROUPS or not wanted or not about_oneself(current):
        return None
    for case in reversed(cases):
        if case.org_id != org_id or not about_oneself(case.fields):
            continue
        answers = {key: case.fields[key] for key in wanted if key in case.fields}
        if answers.get(head):  # the group's first answer is there: it was not redacted
            return Offer(case.number, answers)
    return None
