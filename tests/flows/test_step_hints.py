"""Each step where whose details are ambiguous (the asker's or the other person's) has a hint that
says exactly what to type, and what a hint says about other steps is what the flow does."""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.asking import read_at_step
from flows.i18n import Translator
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.steps import IDENTITY_STEPS, REQUESTER_STEPS, Context, Step

STEPS = {step.id: step for step in REQUESTER_STEPS + IDENTITY_STEPS}
WHOSE_DETAILS = [
    "asker_name", "asker_relation", "asker_phone", "deceased_name",
    "agent_name", "agent_phone", "agent_relation",
]  # fmt: skip
# What a hint says about another step: 「…は、このあと伺います」 / 「…は、さきほど伺いました」.
LATER = {"asker_name": "deceased_name", "agent_name": "name", "agent_phone": "phone"}
EARLIER = {"deceased_name": "asker_name"}
ORG = load_profiles()["coopdeli"]


def ctx(**answers: str) -> Context:
    return Context(org=ORG, answers=answers, now=datetime(2026, 12, 1), t=Translator("ja"))


def hint(step: Step, **answers: str) -> str:
    text = step.hint_text(ctx(**answers))
    assert text is not None, step.id
    return text


@pytest.mark.parametrize("step_id", WHOSE_DETAILS)
def test_a_step_about_the_asker_or_the_other_person_has_a_hint(step_id: str) -> None:
    assert hint(STEPS[step_id])


@pytest.mark.parametrize(
    ("step_id", "other"), [*LATER.items(), *((s, o) for s, o in EARLIER.items())]
)
def test_what_a_hint_says_is_asked_later_or_earlier_is_asked_there(
    step_id: str, other: str
) -> None:
    said = hint(STEPS[step_id], requester="appointed_agent")
    for flow in FLOWS.values():
        ids = [step.id for step in flow.steps]
        if step_id not in ids:
            continue
        assert other in ids, (flow.type_id, step_id)
        if step_id in LATER:
            assert "このあと伺います" in said and ids.index(other) > ids.index(step_id)
        else:
            assert "さきほど伺いました" in said and ids.index(other) < ids.index(step_id)


def test_identity_steps_say_whose_details_by_who_asks() -> None:
    name, phone = STEPS["name"], STEPS["phone"]
    assert "ご自身のお名前" in hint(name, requester="self")
    assert "ご本人（代理される方）のお名前" in hint(name, requester="appointed_agent")
    assert "ご本人（代理される方）の、ご登録の電話番号" in hint(phone, requester="legal_agent")


@pytest.mark.parametrize(
    "typed",
    [
        "わたくしの名前でよろしいのでしょうか、それとも夫の名前を…",
        "夫の名前ですか？",
        "私の電話番号でいいのですか、主人の番号ですか",
        "どちらの名前を書けばいいですか",
    ],
)
def test_asking_whose_details_is_asking_how_to_answer(typed: str) -> None:
    asked = read_at_step(typed, takes_sentences=False, takes_questions=False)
    assert asked is not None and asked.kind == "help"


@pytest.mark.parametrize("typed", ["私の名前は山本ふみ子です", "夫の母", "山本ふみ子"])
def test_a_value_that_names_someone_is_no_question(typed: str) -> None:
    assert read_at_step(typed, takes_sentences=False, takes_questions=False) is None
