"""Answers that take any flow to its end, and which question the engine would ask next."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flows.engine import Engine
from flows.i18n import Translator
from flows.registry import FLOWS
from flows.steps import Context
from storage.models import Case

if TYPE_CHECKING:
    from tests.conftest import Desk, Member

# The main menu's numbers (1 is the general inquiry, 10 the status).
MENU_NUMBER = {
    "purpose_notice": "2",
    "disclosure": "3",
    "third_party_record": "4",
    "correction": "5",
    "suspension": "6",
    "third_party_stop": "7",
    "consent_withdrawal": "8",
    "human": "9",
}

# The shortest way to a case: a complaint handed to a person, one message per line.
COMPLAINT = ("9", "苦情・ご意見", "配達員の対応について", "入力しない")

# Enough valid answers to reach every step of a flow; random text is thrown in between them.
GOOD_ANSWERS = {
    "scope": "すべて",
    "scope_detail": "注文の記録",
    "target": "すべて",
    "period": "すべて",
    "recipient": "すべて",
    "requester": "ご本人",
    "name": "山田 花子",
    "kana": "ヤマダ ハナコ",
    "former_name": "なし",
    "birth_date": "1975/1/2",
    "phone": "03-5285-1865",
    "member_number": "わからない",
    "method": "1",
    "email": "a@example.jp",
    "postal_code": "160-0022",
    "address": "東京都新宿区新宿6-24-20",
    "change_kind": "訂正",
    "item": "住所",
    "current_value": "旧住所",
    "correct_value": "新住所",
    "evidence": "なし",
    "reason": "引っ越し",
    "action": "消去",
    "ground": "1",
    "left_on": "わからない",
    "data": "すべて",
    "channels": "1,3",
    "about": "その他",
    "message": "相談",
    "question": "質問です",
    "legal_kind": "1",
    "agent_name": "山田 一郎",
    "agent_phone": "090-1234-5678",
    "agent_relation": "長男",
    "asker_name": "山田 花子",
    "asker_relation": "妻",
    "asker_phone": "090-1234-5678",
    "deceased_name": "山田 太郎",
    "deceased_birth_date": "昭和20年1月2日",
    "deceased_member_number": "わからない",
}


def pending_step(engine: Engine, state: dict[str, Any]) -> str | None:
    """The step the engine asks next: the first applicable one without an answer."""
    flow = FLOWS[state["flow"]]
    ctx = Context(
        org=engine.orgs[state["org"]],
        answers=state["answers"],
        now=datetime.now(UTC),
        t=Translator("ja"),
    )
    return next((s.id for s in flow.steps if s.id not in state["answers"] and s.applies(ctx)), None)


def answered_to_the_end(
    engine: Engine,
    state: Callable[[], Mapping[str, Any]],
    answer: Callable[[str], str],
    *,
    answers: Mapping[str, str] | None = None,
    reply: str = "",
) -> str:
    """Answer the request being entered with ``GOOD_ANSWERS`` (``answers`` first) and send it;
    the desk's last reply. Earlier answers offered again are declined; where no request is
    being entered, nothing is answered. ``state`` reads the stored dialogue state and
    ``answer`` gives the desk one answer, however the channel carries it."""
    given = {**GOOD_ANSWERS, **(answers or {})}
    for _ in range(40):
        now = state()
        if now.get("mode") == "summary":
            return answer("送信する")
        if now.get("mode") == "reuse":  # an earlier request's answers are offered: not used
            reply = answer("使わない")
            continue
        if now.get("mode") != "flow":
            return reply
        step = pending_step(engine, dict(now))
        assert step is not None
        reply = answer(given[step])
    raise AssertionError("the flow did not end")


def only_case(desk: Desk) -> Case:
    """The one case a test made."""
    cases = desk.app.cases.list_unaudited()
    assert len(cases) == 1
    return cases[0]


def file_a_complaint(member: Member) -> str:
    """Play ``COMPLAINT``; returns the receipt."""
    return member.transcript("\n".join(f"会員: {line}" for line in COMPLAINT))
