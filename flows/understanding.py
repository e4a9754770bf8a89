"""From a reading of the member's words to what the engine can use: answers already given.

The engine asks the first unanswered step of a flow, so whatever the member already said
(「母の代わりに」, 「DMを」, 「退会したので」) is written in as answers here and simply not asked
again; the summary shows it and the member can change it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flows import relations
from flows.bereavement import DECEASED
from flows.flow import RequestFlow
from flows.intents import Classification
from flows.intents.features import fold
from flows.org_names import read_org_names
from flows.profiles import OrgProfile

# Answers that mean the same in every flow, so switching flows need not ask them again.
CARRIED_OVER = (
    "requester",
    "legal_kind",
    "agent_name",
    "agent_phone",
    "agent_relation",
    "asker_name",
    "asker_relation",
    "asker_phone",
    "deceased_name",
    "deceased_birth_date",
    "deceased_member_number",
    "name",
    "kana",
    "former_name",
    "birth_date",
    "phone",
    "member_number",
)


def prefill(flow: RequestFlow, reading: Classification) -> dict[str, Any]:
    """Answers to ``flow``'s steps that the member's message already gives."""
    step_ids = {step.id for step in flow.steps}
    answers: dict[str, Any] = {}
    if reading.deceased and "requester" in step_ids:
        answers["requester"] = DECEASED
    elif reading.agent and "requester" in step_ids:
        if reading.agent_kind in ("guardian", "parent"):
            answers["requester"] = "legal_agent"
            answers["legal_kind"] = reading.agent_kind
        else:
            answers["requester"] = "appointed_agent"
        # The asker's 続柄 to the person they act for: 「母の代わりに」 makes them 子, not 母.
        relation = relations.read_relation(reading.agent_phrase or reading.text)
        if relation and reading.agent_kind != "parent":
            answers["agent_relation"] = relation
    concepts = reading.concepts
    if flow.type_id == "consent_withdrawal" and reading.channels:
        answers["channels"] = list(reading.channels)
    elif flow.type_id == "suspension":
        if "left" in concepts:
            answers["ground"] = "no_longer_needed"
        if "misuse" in concepts and any(w in fold(reading.text) for w in _LEAK_WORDS):
            answers["ground"] = "leak"
        erase, stop = "erase" in concepts, "stop" in concepts
        if erase or stop:
            answers["action"] = "both" if erase and stop else "erase" if erase else "stop"
    elif flow.type_id == "human" and reading.deceased:
        answers["about"] = DECEASED
        answers["message"] = reading.text
    elif flow.type_id == "human" and "complaint" in concepts:
        answers["about"] = "complaint"
        answers["message"] = reading.text
    return {key: value for key, value in answers.items() if key in step_ids}


# 「主人が入っていました」「夫が亡くなりました」: a family member who was a member or has died.
_FAMILY = re.compile(
    r"主人|夫|旦那|妻|家内|嫁|母|父|親|息子|娘|家族|兄|姉|弟|妹|祖母|祖父|husband|wife|mother|father"
)
_WAS_MEMBER_OR_DIED = re.compile(
    r"(?:入って|はいって|加入して)(?:い)?ました|亡くな|なくなりました|他界|死亡|逝去"
    r"|passed away|died"
)


def about_deceased(reading: Classification) -> bool:
    """Whether the message is about a family member who has died: the classifier's reading, or
    a family member who 入っていました (was a member) or 亡くなりました. Never a correction."""
    text = reading.text
    return reading.deceased or bool(_FAMILY.search(text) and _WAS_MEMBER_OR_DIED.search(text))


_LEAK_WORDS = tuple(fold(w) for w in ("漏えい", "漏洩", "流出", "漏れ", "もれ", "leak"))


# How the answer is sent, carried over only between forms that ask it the same way: a 開示's
# 「郵送」 means the data itself by post, another request's 「郵送」 the result's notice.
_ANSWER_ROUTE = ("method", "email", "postal_code", "address")


def carried_over(
    answers: Mapping[str, Any], flow: RequestFlow, source: RequestFlow | None = None
) -> dict[str, Any]:
    """The member's identity answers that also belong to ``flow``, and how the answer is to
    be sent when ``source`` asked that with the same question."""
    step_ids = {step.id for step in flow.steps}
    kept = {k: v for k, v in answers.items() if k in CARRIED_OVER and k in step_ids}
    if source is not None and _asks_method_alike(source, flow):
        kept |= {k: v for k, v in answers.items() if k in _ANSWER_ROUTE and k in step_ids}
    return kept


def _asks_method_alike(one: RequestFlow, other: RequestFlow) -> bool:
    prompts = [[s.prompt for s in flow.steps if s.id == "method"] for flow in (one, other)]
    return bool(prompts[0]) and prompts[0] == prompts[1]


def orgs_mentioned(text: str, orgs: Sequence[OrgProfile]) -> list[str]:
    """Ids of the orgs whose own names appear in the text (shared words never count)."""
    return list(read_org_names(text, orgs).named)
