"""What member testers found after issue 16's second round, as transcripts (会員/窓口) with the
engine alone: a parent applying for a minor child is 法定代理人 even when the sentence ends
politely (「〜たいのですが」)."""

from __future__ import annotations

import textwrap

import pytest

from tests.flows.engine_chat import EngineChat

ORGS = ["seikatsuclub-kyosai", "coopdeli"]


def play(chat: EngineChat, script: str) -> str:
    """Play 会員:/窓口:/窓口にない: lines; each 窓口 line must be in the reply to the last 会員."""
    reply = ""
    for raw in textwrap.dedent(script).strip().splitlines():
        speaker, _, text = raw.strip().partition(":")
        text = text.strip()
        if speaker == "会員":
            reply = chat.says(text)
        elif speaker == "窓口":
            assert text in reply, f"expected {text!r} in:\n{chat.transcript}"
        elif speaker == "窓口にない":
            assert text not in reply, f"did not expect {text!r} in:\n{chat.transcript}"
        else:
            raise ValueError(f"not a transcript line: {raw!r}")
    return reply


def at_own_name(org: str) -> EngineChat:
    """A 開示 for oneself, at the name step."""
    chat = EngineChat(org)
    play(
        chat,
        """
        会員: 3
        会員: 1
        窓口: どなたからのお申し出ですか
        会員: 1
        窓口: お名前（氏名）を入力してください
        """,
    )
    return chat


@pytest.mark.parametrize("org", ORGS)
def test_a_parent_applying_for_her_15_year_old_at_the_menu_is_taken_as_legal_agent(
    org: str,
) -> None:
    play(
        EngineChat(org),
        """
        会員: 15歳の娘の代わりに申し込みたいのですが
        窓口: ご家族などの代わりのお申し出ですね
        窓口にない: 法律で決まった代理人
        会員: 3
        窓口: ・請求する方：法定代理人
        窓口: ・法定代理人の種類：親権者（未成年のお子さまの親）
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_parent_applying_for_her_15_year_old_at_the_requester_step_is_taken_as_legal_agent(
    org: str,
) -> None:
    play(
        EngineChat(org),
        """
        会員: 3
        会員: 1
        窓口: どなたからのお申し出ですか
        会員: 15歳の娘の代わりに申し込みたいのですが
        窓口: 「法定代理人（お子さまの親・後見人など）」として伺います
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_asking_whether_one_may_apply_for_ones_mother_is_still_a_question(org: str) -> None:
    play(
        EngineChat(org),
        """
        会員: 母の代わりに申し込めますか
        窓口: 任意代理人もお申し出ができます
        """,
    )
