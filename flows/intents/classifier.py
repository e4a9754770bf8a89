"""Which request a free-text message is, how sure we are, and what else it tells us.

The weights are learned from tests/intents/train.tsv by ``flows.intents.training`` and shipped
as ``model.json``; nothing is downloaded or trained at run time.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from flows.intents.features import Analysis, analyse
from flows.profiles import REQUEST_TYPES
from flows.relations import acts_for_minor

# The statutory request types are the profiles' list; the rest steer the conversation.
REQUEST_LABELS: tuple[str, ...] = REQUEST_TYPES
LABELS: tuple[str, ...] = (*REQUEST_LABELS, "human", "status", "cancel", "unknown")

# Below this probability, or this close to the runner-up, the member is asked, not guessed for.
SURE_PROBABILITY = 0.55
SURE_MARGIN = 0.2
CANDIDATE_PROBABILITY = 0.08

_CHANNELS: dict[str, str] = {
    "ch_paper": "paper_dm",
    "ch_phone": "phone",
    "ch_email": "email",
    "ch_line": "line_sns",
    "ch_web": "web_ads",
}
# 第三者提供記録 is the record of giving data to, or receiving it from, another body: a record
# of one's own asked for with no word of a third party, of giving or of whom
# (「母の共済の記録を見せてほしい」) is plain 開示.
_THIRD_PARTY_MARKS = frozenset({"third", "give", "who", "received_from"})
# 「掛け金の記録を見たい」: wanting to see a record is a possible 開示, never only other business
# (the checklist: never refuse in the chat).
_SEES_A_RECORD = frozenset({"record", "see"})
_HAND_OVER = ("人に", "者に", "方に", "ひとに", "しゃに", "かたに", "いんに", "員に")
_AGENT_PHRASE = re.compile(
    r"[^\s、。をがはにでと]{1,8}?(?:の|に)(?:代わりに|かわりに|代理で|代理|だいりで|代わって|かわって)"
)


@dataclass(frozen=True)
class Classification:
    """The reading of one message."""

    text: str
    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    agent: bool = False
    agent_kind: str | None = None  # "guardian", "parent" or "appointed"
    agent_phrase: str | None = None  # the member's own words, e.g. 「母の代わりに」
    deceased: bool = False
    channels: tuple[str, ...] = ()
    case_number: str | None = None
    concepts: frozenset[str] = field(default_factory=frozenset)

    @property
    def sure(self) -> bool:
        runner_up = self.alternatives[0][1] if self.alternatives else 0.0
        return self.confidence >= SURE_PROBABILITY and self.confidence - runner_up >= SURE_MARGIN

    def candidates(self, limit: int = 3) -> list[str]:
        """The intents worth offering when unsure, best first."""
        ranked = [(self.intent, self.confidence), *self.alternatives]
        return [label for label, p in ranked[:limit] if p >= CANDIDATE_PROBABILITY]

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "alternatives": [
                {"intent": label, "confidence": round(p, 3)} for label, p in self.alternatives
            ],
            "agent": self.agent,
            "agent_kind": self.agent_kind,
            "channels": list(self.channels),
            "case_number": self.case_number,
        }


@dataclass(frozen=True)
class Model:
    labels: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    inputs_digest: str

    def scores(self, features: list[tuple[str, float]]) -> list[float]:
        totals = [0.0] * len(self.labels)
        for name, value in features:
            row = self.weights.get(name)
            if row is not None:
                for i, weight in enumerate(row):
                    totals[i] += weight * value
        return totals

    def probabilities(self, features: list[tuple[str, float]]) -> list[float]:
        scores = self.scores(features)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "inputs_digest": self.inputs_digest,
            "weights": {k: [round(w, 4) for w in v] for k, v in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        return cls(
            labels=tuple(data["labels"]),
            weights={k: tuple(v) for k, v in data["weights"].items()},
            inputs_digest=data["inputs_digest"],
        )


@cache
def load_model() -> Model:
    text = resources.files("flows.intents").joinpath("model.json").read_text()
    return Model.from_json(json.loads(text))


def classify(text: str, model: Model | None = None) -> Classification:
    """Read one message. Never raises on odd input; empty text is ``unknown``."""
    model = model or load_model()
    analysis = analyse(text[:2000])
    probabilities = model.probabilities(analysis.features())
    ranked = sorted(zip(model.labels, probabilities, strict=True), key=lambda lp: -lp[1])
    if analysis.case_number and ranked[0][0] == "unknown":
        # A bare 受付番号 is a member asking after their request.
        ranked.sort(key=lambda lp: lp[0] != "status")
    if "deceased" in analysis.concepts:
        # Policy, not statistics: a deceased person's data is not "personal information" under
        # the Act, so whatever the member asks for, a person takes it (see LABELS.md).
        ranked.sort(key=lambda lp: lp[0] != "human")
    if ranked[0][0] == "third_party_record" and not _THIRD_PARTY_MARKS & analysis.concepts:
        ranked = _relabel(ranked, "third_party_record", "disclosure")
    elif ranked[0][0] == "unknown" and analysis.concepts >= _SEES_A_RECORD:
        ranked = _relabel(ranked, "unknown", "disclosure")
    agent_kind = _agent_kind(analysis)
    if agent_kind and ranked[0][0] == "cancel" and not _STOPS & analysis.concepts:
        # 「15歳の娘の代わりに申し込みたいのですが」: applying for someone, with no word of
        # stopping, is never leaving (the model learnt 申し込み from 「申し込みを取りやめ」).
        ranked.sort(key=lambda lp: lp[0] == "cancel")
    intent, confidence = ranked[0]
    return Classification(
        text=text,
        intent=intent,
        confidence=confidence,
        alternatives=tuple(ranked[1:3]),
        agent=agent_kind is not None,
        agent_kind=agent_kind,
        agent_phrase=_agent_phrase(text) if agent_kind else None,
        deceased="deceased" in analysis.concepts,
        channels=tuple(
            channel for concept, channel in _CHANNELS.items() if concept in analysis.concepts
        ),
        case_number=analysis.case_number,
        concepts=analysis.concepts,
    )


# Concepts that say the member stops or withdraws something.
_STOPS = frozenset({"cancel", "request_withdraw"})


def _relabel(ranked: list[tuple[str, float]], read: str, meant: str) -> list[tuple[str, float]]:
    """``ranked`` with the labels ``read`` and ``meant`` swapped: a rule of the law, not of the
    statistics, says the message is ``meant`` (how sure the model was stays as it was)."""
    swap = {read: meant, meant: read}
    return [(swap.get(label, label), p) for label, p in ranked]


def _agent_kind(analysis: Analysis) -> str | None:
    """Does the writer act for someone else, and as what kind of representative?"""
    concepts = analysis.concepts
    if "guardian" in concepts:
        return "guardian"
    folded = analysis.folded
    if "deceased" in concepts:
        return "appointed"
    if acts_for_minor(folded):
        # 「15歳の娘の代わりに」: a parent acts for a minor child by law (親権者), not by mandate.
        return "parent"
    for match in analysis.matches:
        # 「担当の人に代わって」 asks for someone else to take over, not to act for someone.
        if "agent_for" in match.concepts and not folded[: match.start].endswith(_HAND_OVER):
            return "appointed"
    for match in analysis.matches:
        if not {"relative", "parent_of_minor"} & set(match.concepts):
            continue
        after = folded[match.end : match.end + 1]
        before = folded[max(match.start - 3, 0) : match.start]
        if after in ("の", "宛", "あ") or before.endswith("my "):
            return "parent" if "parent_of_minor" in match.concepts else "appointed"
    return None


def _agent_phrase(text: str) -> str | None:
    """The member's own words naming whom they act for, e.g. 「母の代わりに」."""
    found = _AGENT_PHRASE.search(unicodedata.normalize("NFKC", text))
    return found.group(0) if found else None
