"""Generated: no question typed at any step of any flow is ever stored (issue 16, point 2).

Every flow is walked with good answers (as the member, the member's agent, with a posted
reply, with part of the data named), and at every step it reaches each question or plea for
help below is typed instead of the answer. The question must not be stored anywhere, no case
may be made, and the step must be asked again: at once, or after 「いまの手続きを続ける」
when the member was offered a person.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from flows.engine import Engine
from flows.messages import Inbound, TurnResult
from flows.profiles import load_profiles
from flows.registry import FLOWS
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, pending_step

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
ENGINE = Engine(load_profiles())
ORGS = ("seikatsuclub-kyosai", "coopdeli")

# How each flow is reached from the menu; the inquiry through 「その他」 in its topic list.
ENTRY: dict[str, tuple[str, ...]] = {
    **{flow_id: (number,) for flow_id, number in MENU_NUMBER.items()},
    "inquiry": ("1", "その他"),
}
# Answer sets that between them reach every conditional step (agents, post, part of the data).
VARIANTS: tuple[dict[str, str], ...] = (
    {},
    {"requester": "任意代理人", "method": "郵送", "scope": "一部", "target": "すべて"},
    {"requester": "法定代理人", "method": "メール", "about": "自分の情報のこと"},
)

QUESTIONS = (
    "代理人でもいいですか",
    "会員番号がわからないのですが",
    "どこに書いてありますか",
    "わかりません",
    "担当者",
    "何を書けばいいですか",
    "何のために使っているの？",
    "誰に渡しているの",
    "手数料はかかりますか？",
    "代表者は誰ですか",
    "どんな情報を持っているのですか",
    "本人確認はどうするのですか",
    "今日中に終わりますか",
)
# Where the answer is itself a question for staff (ご質問, ご用件), only pleas for help are
# not answers.
PLEAS = ("わかりません", "担当者", "何を書けばいいですか", "どこに書いてありますか")


def _turn(state: dict[str, Any] | None, text: str, key: str) -> TurnResult:
    return ENGINE.turn(state, Inbound("terminal", "asker", key, text=text), NOW)


def _shown(result: TurnResult) -> str:
    """What the member sees: every reply with its choices."""
    return "\n".join(
        "\n".join([reply.text, *(f"  {c.label}" for c in reply.choices)])
        for reply in result.replies
    )


@cache
def _steps_reached(org: str, flow_id: str) -> dict[str, dict[str, Any]]:
    """Each step of the flow the walks reach, with the state in which it is asked."""
    reached: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        answers = GOOD_ANSWERS | variant
        start = Inbound("terminal", "asker", "s", command="start", argument=org)
        state = ENGINE.turn(None, start, NOW).state
        for n, text in enumerate(ENTRY[flow_id]):
            state = _turn(state, text, f"e{n}").state
        for n in range(60):
            if state["mode"] != "flow" or state["flow"] != flow_id:
                break
            step = pending_step(ENGINE, state)
            if step is None:
                break
            reached.setdefault(step, copy.deepcopy(state))
            state = _turn(state, answers[step], f"a{n}").state
    return reached


def _cases() -> list[Any]:
    cases = []
    for org in ORGS:
        for flow_id, flow in FLOWS.items():
            for step_id in _steps_reached(org, flow_id):
                step = next(s for s in flow.steps if s.id == step_id)
                for question in PLEAS if step.takes_questions else QUESTIONS:
                    if (
                        question == "わかりません"
                        and step.optional
                        and "わからない" in step.skip_label
                    ):
                        continue  # picks the 「わからない」 option shown (test_member_tester_…)
                    cases.append(pytest.param(org, flow_id, step_id, question))
    return cases


def _stored(state: dict[str, Any], question: str) -> list[str]:
    return [key for key, value in state["answers"].items() if question in str(value)]


@pytest.mark.parametrize(("org", "flow_id", "step_id", "question"), _cases())
def test_a_question_typed_at_any_step_is_never_stored_and_the_step_is_asked_again(
    org: str, flow_id: str, step_id: str, question: str
) -> None:
    before = _steps_reached(org, flow_id)[step_id]
    prompt = next(s.prompt for s in FLOWS[flow_id].steps if s.id == step_id)

    result = _turn(before, question, "q")
    reply = _shown(result)
    state = result.state
    assert result.new_case is None, reply
    assert not _stored(state, question), reply
    assert state["answers"] == before["answers"], reply
    if prompt not in reply:
        # Offered a person (or a switch to one) first; carrying on asks the same step again.
        assert "いまの手続きを続ける" in reply, reply
        result = _turn(state, "いまの手続きを続ける", "c")
        reply = _shown(result)
        state = result.state
        assert result.new_case is None, reply
        assert not _stored(state, question), reply
        assert state["answers"] == before["answers"], reply
    assert prompt in reply, reply
    assert state["mode"] == "flow" and pending_step(ENGINE, state) == step_id, reply


def test_every_flow_and_its_identity_and_free_text_steps_are_covered() -> None:
    """The walks reach what they are meant to, so the generated test is not vacuous."""
    for org in ORGS:
        for flow_id in FLOWS:
            assert _steps_reached(org, flow_id), flow_id
    disclosure = _steps_reached("coopdeli", "disclosure")
    for step_id in ("name", "kana", "birth_date", "phone", "member_number", "agent_name"):
        assert step_id in disclosure
    assert {"address", "postal_code", "email"} <= set(disclosure)
    correction = _steps_reached("coopdeli", "correction")
    assert {"current_value", "correct_value"} <= set(correction)
    assert "question" in _steps_reached("coopdeli", "inquiry")
