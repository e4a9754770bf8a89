"""Every notice a request needs reaches the member before 送信する, whatever the path.

Generated over every request type × path (buttons, the member's own words, a first message
that pre-fills answers, an edit from the summary) × who asks × both co-ops. The expected
notices are written here from the org profiles, apart from the engine's own list, so a notice
that hangs on a skipped step (or appears only in the receipt) is caught.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from flows.engine import Engine
from flows.i18n import Translator
from flows.messages import Inbound, TurnResult
from flows.profiles import load_profiles
from flows.registry import FLOWS, REQUEST_FLOWS
from flows.steps import Context, Step
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER

PROFILES = load_profiles()
ENGINE = Engine(PROFILES)
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)

PATHS = ("buttons", "own_words", "prefill", "edit")
REQUESTERS = ("self", "appointed_agent", "parent", "guardian")

FEE = "実費相当分の手数料をいただく場合があります"
STATUTORY = "は引き続き届きます"  # the notices named as each org would (総代会: コープデリ)
FACTS_ONLY = "評価や意見は対象になりません"

# A first message that starts each request; the agent's words go in front of it.
FIRST_MESSAGE = {
    "purpose_notice": "私の情報の利用目的を通知してほしい",
    "disclosure": "私の情報を開示してほしい",
    "third_party_record": "第三者提供記録を開示してほしい",
    "correction": "登録の住所が間違っているので訂正してほしい",
    "suspension": "退会したので私の情報を消してほしい",
    "third_party_stop": "私の情報を第三者に提供するのをやめてほしい",
    "consent_withdrawal": "DMを止めてほしい",
}
AS_AGENT = {
    "self": "",
    "appointed_agent": "母の代わりに、",
    "parent": "親権者として、",
    "guardian": "成年後見人として、",
}
# Who asks, as a pressed button (requester, legal_kind) and in the member's own words.
REQUESTER_BUTTONS = {
    "self": ("self", None),
    "appointed_agent": ("appointed_agent", None),
    "parent": ("legal_agent", "parent"),
    "guardian": ("legal_agent", "guardian"),
}
REQUESTER_WORDS = {
    "self": ("本人", None),
    "appointed_agent": ("任意代理人", None),
    "parent": ("法定代理人", "親権者"),
    "guardian": ("法定代理人", "後見人"),
}
OWN_WORDS = GOOD_ANSWERS | {"channels": "DMとメール", "method": "郵送", "ground": "不要"}


def expected_notices(org_id: str, request_type: str, requester: str) -> list[str]:
    """What the member must read before sending, from the profile and the law."""
    profile = PROFILES[org_id]
    notices = []
    if request_type == "consent_withdrawal":
        notices.append(STATUTORY)
    if request_type == "correction":
        notices.append(FACTS_ONLY)
    if requester == "appointed_agent":
        notices.append(profile.agents.appointed_documents.ja)
    elif requester in ("parent", "guardian"):
        notices.append(profile.agents.legal_documents.ja)
    if profile.fees.applies(request_type):
        notices.append(FEE)
    return notices


@dataclass
class Chat:
    """A member talking to the engine directly: every reply is kept, in order."""

    org: str
    state: dict[str, Any] | None = None
    seen: list[str] = field(default_factory=list)
    last: str = ""
    keys: count[int] = field(default_factory=count)

    def send(self, **event: str) -> TurnResult:
        inbound = Inbound("terminal", "alice", f"k{next(self.keys)}", **event)  # type: ignore[arg-type]
        result = ENGINE.turn(self.state, inbound, NOW)
        self.state = result.state
        self.last = "\n".join(reply.text for reply in result.replies)
        self.seen.append(self.last)
        return result

    def says(self, text: str) -> TurnResult:
        return self.send(text=text)

    def presses(self, choice: str) -> TurnResult:
        return self.send(choice=choice)

    @property
    def mode(self) -> str:
        assert self.state is not None
        return str(self.state["mode"])

    def pending(self) -> Step | None:
        assert self.state is not None
        flow = FLOWS[self.state["flow"]]
        ctx = Context(PROFILES[self.org], self.state["answers"], NOW, Translator("ja"))
        return next(
            (s for s in flow.steps if s.id not in self.state["answers"] and s.applies(ctx)), None
        )


def answer_every_step(chat: Chat, requester: str, *, buttons: bool) -> None:
    """Answer what is asked until the confirmation screen."""
    for _ in range(40):
        if chat.mode != "flow":
            break
        step = chat.pending()
        assert step is not None
        if step.id in ("requester", "legal_kind"):
            table = REQUESTER_BUTTONS if buttons else REQUESTER_WORDS
            who, kind = table[requester]
            value = who if step.id == "requester" else kind
            assert value is not None
            chat.presses(value) if buttons else chat.says(value)
        elif buttons and step.kind in ("choice", "multi"):
            ctx = Context(PROFILES[chat.org], {}, NOW, Translator("ja"))
            chat.presses(step.option_list(ctx)[0].id)
        else:
            chat.says((OWN_WORDS if not buttons else GOOD_ANSWERS)[step.id])
    assert chat.mode == "summary", chat.last


def reach_the_summary(chat: Chat, request_type: str, path: str, requester: str) -> None:
    if path == "buttons":
        chat.presses(request_type)
        answer_every_step(chat, requester, buttons=True)
    elif path == "own_words":
        chat.says(MENU_NUMBER[request_type])
        answer_every_step(chat, requester, buttons=False)
    elif path == "prefill":
        chat.says(AS_AGENT[requester] + FIRST_MESSAGE[request_type])
        assert chat.state is not None and chat.state["flow"] == request_type, chat.last
        answer_every_step(chat, requester, buttons=False)
    else:  # entered as the member themself, then changed from the summary
        chat.presses(request_type)
        answer_every_step(chat, "self", buttons=True)
        chat.says("修正する")
        if requester == "self":
            chat.says("氏名")
            chat.says("山田 はな")
        else:
            chat.says("請求する方")
        answer_every_step(chat, requester, buttons=False)


@pytest.mark.parametrize("requester", REQUESTERS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("request_type", [flow.type_id for flow in REQUEST_FLOWS])
@pytest.mark.parametrize("org", sorted(PROFILES))
def test_every_notice_that_applies_is_shown_before_sending_on_every_path(
    org: str, request_type: str, path: str, requester: str
) -> None:
    chat = Chat(org)
    chat.send(command="start", argument=org)
    reach_the_summary(chat, request_type, path, requester)
    before_sending, summary = "\n".join(chat.seen), chat.last
    for notice in expected_notices(org, request_type, requester):
        assert notice in before_sending, f"{notice!r} never shown before sending"
        # On the confirmation screen, once, even if a step said it just before.
        assert summary.count(notice) == 1, f"{notice!r} not once on the summary:\n{summary}"
    if FEE not in expected_notices(org, request_type, requester):
        assert FEE not in before_sending  # 共済連 publishes no fee; some types never have one
    assert chat.says("送信する").new_case is not None


def test_every_request_with_notices_has_a_confirmation_screen() -> None:
    """Notices are shown on the summary, so a flow that declares them must have one."""
    assert all(flow.confirm for flow in FLOWS.values() if flow.notices)
