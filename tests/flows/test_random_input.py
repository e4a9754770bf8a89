"""Random input at every step of every flow: never a crash, never a lost answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.engine import _GLOBAL_LOOKUP, Engine
from flows.messages import Inbound
from flows.parsing import clean_text, normalise_for_matching
from flows.profiles import load_profiles
from tests.flows.answers import GOOD_ANSWERS, pending_step

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
ENGINE = Engine(load_profiles())
FLOW_MENU_NUMBERS = ["2", "3", "4", "5", "6", "7", "8", "9"]

garbage = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "So", "Zs"]), max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "😀",
            "０",
            "99",
            "-1",
            "戻る",
            "ＥＮＧＬＩＳＨ",
            "S99.99.99",
            "平成元年",
            "😀" * 3000,
            "\u202e\u200b",
        ]
    ),
)


def turn(state: dict[str, Any] | None, text: str, n: int) -> tuple[dict[str, Any], str]:
    result = ENGINE.turn(state, Inbound("terminal", "x", f"k{n}", text=text), NOW)
    assert result.replies, "every turn answers the member"
    return result.state, "\n".join(r.text for r in result.replies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    org=st.sampled_from(["seikatsuclub-kyosai", "coopdeli"]),
    menu=st.sampled_from(FLOW_MENU_NUMBERS),
    noise=st.lists(garbage, min_size=1, max_size=40),
)
def test_random_input_between_answers_never_crashes_or_loses_answers(
    org: str, menu: str, noise: list[str]
) -> None:
    state = ENGINE.turn(
        None, Inbound("terminal", "x", "s", command="start", argument=org), NOW
    ).state
    state, _ = turn(state, menu, 0)
    noise_iter = iter(noise)
    for n in range(1, 120):
        if state["mode"] != "flow":
            break
        kept = dict(state["answers"])
        bad = next(noise_iter, None)
        if bad is not None:
            state, _ = turn(state, bad, n)
            if state["mode"] == "flow" and not _navigates(bad):
                # whatever was accepted before the noise is still there
                assert all(state["answers"].get(k) == v for k, v in kept.items()), bad
            if state["mode"] != "flow":
                break
        pending = pending_step(ENGINE, state)
        if pending is None:
            break
        state, _ = turn(state, GOOD_ANSWERS[pending], 1000 + n)


def _navigates(text: str) -> bool:
    """戻る/やり直し and friends, or a number that may press the 戻る button, move on purpose."""
    cleaned = clean_text(text).value  # as the engine reads it: 「2\b」 is 「2」
    typed = normalise_for_matching(cleaned or "")
    return typed in _GLOBAL_LOOKUP or typed.isdigit()


@settings(max_examples=100, deadline=None)
@given(text=garbage)
def test_any_text_in_any_mode_gets_an_answer(text: str) -> None:
    state = ENGINE.turn(None, Inbound("terminal", "x", "s", command="start"), NOW).state
    for mode_input in ["", "1", "3"]:
        if mode_input:
            state, _ = turn(state, mode_input, 1)
        _, reply = turn(state, text, 2)
        assert reply.strip()
