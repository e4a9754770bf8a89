"""Every request, walked in English with the buttons: no reply carries Japanese punctuation.

The member types only plain ASCII values where a step needs words, so any 「、」「：」「・」
in a reply is the desk's own: an f-string or a bullet that did not go through the catalog.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from flows.engine import Engine
from flows.messages import CaseView, Inbound, TurnResult
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.requests import inquiry
from tests.flows.answers import pending_step
from tests.test_wording import JAPANESE_PUNCTUATION

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
ENGINE = Engine(load_profiles())
ORGS = sorted(ENGINE.orgs)
REQUESTS = sorted(type_id for type_id in FLOWS if type_id != "inquiry")

# What a member types where a step wants words: nothing of it is Japanese punctuation.
TYPED = {
    "scope_detail": "order records since 2024",
    "name": "Yamada Hanako",
    "kana": "ヤマダ ハナコ",
    "former_name": "none",
    "birth_date": "1975-01-02",
    "phone": "03-5285-1865",
    "member_number": "12345678",
    "email": "a@example.jp",
    "postal_code": "160-0022",
    "address": "6-24-20 Shinjuku Tokyo",
    "current_value": "old address",
    "correct_value": "new address",
    "evidence": "residence certificate",
    "reason": "I moved",
    "left_on": "2024-04-01",
    "recipient": "Example Ltd",
    "message": "I have a question",
    "question": "How long do you keep my data",
    "agent_name": "Yamada Ichiro",
    "agent_phone": "090-1234-5678",
    "asker_name": "Yamada Hanako",
    "asker_phone": "090-1234-5678",
    "deceased_name": "Yamada Taro",
    "deceased_birth_date": "1945-01-02",
    "deceased_member_number": "12345678",
}


class Walk:
    """One English conversation with the engine, keeping every text the desk said."""

    def __init__(self, org: str, cases: tuple[CaseView, ...] = ()) -> None:
        self.keys = count()
        self.said: list[str] = []
        self.now = NOW
        self.cases = cases
        self.result = self._turn(None, command="start", argument=org, lang="en")

    def _turn(self, state: dict[str, Any] | None, **event: Any) -> TurnResult:
        inbound = Inbound("terminal", "x", f"k{next(self.keys)}", **event)
        result = ENGINE.turn(state, inbound, self.now, self.cases)
        for reply in result.replies:
            self.said.append(reply.text)
            self.said += [choice.label for choice in reply.choices]
        return result

    def press(self, choice: str) -> None:
        self.result = self._turn(self.result.state, choice=choice)

    def type(self, text: str) -> None:
        self.result = self._turn(self.result.state, text=text)

    def command(self, name: str, argument: str | None = None) -> None:
        self.result = self._turn(self.result.state, command=name, argument=argument, lang="en")

    def buttons(self) -> list[str]:
        """The real choices on the last reply: not 戻る/やめる/わからない and the like."""
        offered = [c.id for reply in self.result.replies for c in reply.choices]
        return [choice for choice in offered if not choice.startswith("_")]

    def marked(self) -> list[str]:
        return [text for text in self.said if JAPANESE_PUNCTUATION.search(text)]


def _fill_and_send(walk: Walk) -> None:
    for _ in range(80):
        state = walk.result.state
        if state.get("mode") == "summary":
            walk.press("_submit")
            return
        if not state.get("flow"):  # sent without a confirmation screen (担当者へ)
            return
        assert state.get("mode") == "flow", state.get("mode")
        step = pending_step(ENGINE, state)
        assert step is not None
        buttons = walk.buttons()
        if step in TYPED:
            walk.type(TYPED[step])
        else:
            assert buttons, f"no button at {step}"
            walk.press(buttons[0])
    raise AssertionError("the request never reached its confirmation")


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("request_type", REQUESTS)
def test_a_request_made_in_english_with_buttons_reads_without_japanese_punctuation(
    org: str, request_type: str
) -> None:
    walk = Walk(org)
    walk.press(request_type)
    _fill_and_send(walk)
    assert "We have received your request." in "\n".join(walk.said)
    assert not walk.marked(), "\n---\n".join(walk.marked())


@pytest.mark.parametrize("org", ORGS)
def test_every_published_answer_in_english_reads_without_japanese_punctuation(org: str) -> None:
    walk = Walk(org)
    for topic in inquiry.TOPICS:
        walk.press("inquiry")
        walk.press(topic.id)
    assert not walk.marked(), "\n---\n".join(walk.marked())


def _earlier_case(org: str) -> CaseView:
    """A disclosure the member sent before, with their identity answers as submitted."""
    identity = ("name", "kana", "former_name", "birth_date", "phone", "member_number")
    return CaseView(
        number="CD-2026-00001",
        request_type="disclosure",
        status="received",
        received_at=NOW - timedelta(days=2),
        due_at=NOW + timedelta(days=12),
        org_id=org,
        fields={"requester": "self", "scope": "all", **{k: TYPED[k] for k in identity}},
    )


@pytest.mark.parametrize("org", ORGS)
def test_an_english_member_looking_at_their_case_reads_without_japanese_punctuation(
    org: str,
) -> None:
    case = _earlier_case(org)
    walk = Walk(org, (case,))
    walk.command("status")
    walk.press(f"view:{case.number}")
    assert any("Yamada Hanako" in text for text in walk.said)  # what they submitted is shown
    assert not walk.marked(), "\n---\n".join(walk.marked())


@pytest.mark.parametrize("org", ORGS)
def test_identity_answers_offered_again_in_english_read_without_japanese_punctuation(
    org: str,
) -> None:
    walk = Walk(org, (_earlier_case(org),))
    walk.press("correction")
    _fill_and_send_reusing(walk)
    assert any("CD-2026-00001" in text for text in walk.said)  # the offer was made
    assert not walk.marked(), "\n---\n".join(walk.marked())


@pytest.mark.parametrize("org", ORGS)
def test_coming_back_to_a_half_filled_english_form_reads_without_japanese_punctuation(
    org: str,
) -> None:
    walk = Walk(org)
    walk.press("disclosure")
    walk.press(walk.buttons()[0])  # all the information
    walk.press(walk.buttons()[0])  # myself
    walk.type(TYPED["name"])
    walk.now = NOW + timedelta(days=1)
    walk.command("start", org)
    assert walk.result.state.get("mode") == "resume"
    assert not walk.marked(), "\n---\n".join(walk.marked())


def _fill_and_send_reusing(walk: Walk) -> None:
    """As ``_fill_and_send``, taking the earlier answers when they are offered."""
    for _ in range(80):
        if walk.result.state.get("mode") == "reuse":
            walk.press("_yes")
            continue
        if walk.result.state.get("mode") == "summary" or not walk.result.state.get("flow"):
            break
        step = pending_step(ENGINE, walk.result.state)
        assert step is not None
        if step in TYPED:
            walk.type(TYPED[step])
        else:
            walk.press(walk.buttons()[0])


def test_an_english_member_is_offered_the_coops_by_their_english_names_and_may_type_either() -> (
    None
):
    walk = Walk(ORGS[0])
    walk.result = walk._turn(None, command="start", lang="en")  # no org in the link
    offered = [c.label for reply in walk.result.replies for c in reply.choices]
    assert "Coop Deli" in offered and "Seikatsu Club Kyosai Federation" in offered
    assert not any(JAPANESE_PUNCTUATION.search(label) or "コープ" in label for label in offered)
    walk.type("コープデリ")  # the name on the co-op's own leaflet
    assert walk.result.state.get("org") == "coopdeli"
