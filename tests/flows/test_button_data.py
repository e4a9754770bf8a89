"""Every button the engine offers fits Telegram's callback_data: 1-64 bytes of UTF-8.

A choice's id is sent as the button's data as it is; a longer one makes Telegram refuse the
whole message (BUTTON_DATA_INVALID), and the member would get nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram import CALLBACK_DATA_BYTES
from flows.engine import SWITCH, Engine
from flows.i18n import Translator
from flows.messages import CaseView, Inbound, TurnResult
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.steps import Context
from tests.flows.answers import GOOD_ANSWERS, pending_step

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
ENGINE = Engine(load_profiles())
# An open case with the longest number a prefix (4 letters) and a busy year could give.
OPEN_CASE = CaseView(
    number="ABCD-2026-1234567",
    request_type="disclosure",
    status="received",
    received_at=NOW,
    due_at=NOW + timedelta(days=14),
    relay_open=True,
)
WORDS = [
    "よくわからない",
    "苦情があります",
    "DMを止めてほしい",
    "開示してほしい",
    "電話番号を直したい",
]
moves = st.lists(
    st.tuples(
        # Answers weigh most, so walks reach the confirmation screen and the edit menus.
        st.sampled_from(
            ["press"] * 3 + ["answer"] * 5 + ["say", "status", "cancel", "lang", "help"]
        ),
        st.integers(min_value=0, max_value=1000),
    ),
    max_size=60,
)


def fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_BYTES


def offered(result: TurnResult) -> list[str]:
    return [choice.id for reply in result.replies for choice in reply.choices]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=st.sampled_from([*ENGINE.orgs, None]), walk=moves, with_case=st.booleans())
def test_every_button_on_any_path_through_both_orgs_fits_telegrams_callback_data(
    org: str | None, walk: list[tuple[str, int]], with_case: bool
) -> None:
    cases = [OPEN_CASE] if with_case else []
    result = ENGINE.turn(
        None, Inbound("telegram", "x", "start", command="start", argument=org), NOW, cases
    )
    seen = offered(result)
    for n, (move, pick) in enumerate(walk):
        state: dict[str, Any] = result.state
        event: dict[str, Any]
        if move == "press" and seen:
            event = {"choice": seen[pick % len(seen)]}
        elif move == "answer" and state.get("mode") == "flow":
            step = pending_step(ENGINE, state)
            event = {"text": GOOD_ANSWERS[step] if step else "はい"}
        elif move in ("status", "cancel", "lang", "help"):
            event = {"command": move}
        else:
            event = {"text": WORDS[pick % len(WORDS)]}
        result = ENGINE.turn(state, Inbound("telegram", "x", f"k{n}", **event), NOW, cases)
        seen = offered(result) or seen
        assert all(fits(data) for data in offered(result)), offered(result)


def test_every_option_of_every_step_menu_and_org_fits_telegrams_callback_data() -> None:
    ids = {option.id for option in ENGINE.menu_options()}
    ids |= set(ENGINE.orgs)
    ids |= {SWITCH + flow_id for flow_id in FLOWS}
    ids.add(f"case:{OPEN_CASE.number}")
    for org in ENGINE.orgs.values():
        for answers in ({}, GOOD_ANSWERS):
            ctx = Context(org=org, answers=answers, now=NOW, t=Translator("ja"))
            for flow in FLOWS.values():
                for step in flow.steps:
                    ids |= {option.id for option in step.option_list(ctx)}
    assert len(ids) > 40
    assert [data for data in sorted(ids) if not fits(data)] == []
