"""The chat as a way to receive a 開示's electronic record: offered last, and only in a chat."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.i18n import Translator
from flows.profiles import load_profiles
from flows.steps import Context, method_steps


def offered(org: str, *, in_chat: bool) -> list[str]:
    profile = load_profiles()[org]
    ctx = Context(profile, {}, datetime(2026, 12, 7, tzinfo=UTC), Translator("ja"), in_chat=in_chat)
    options = method_steps(disclosure=True)[0].options
    assert callable(options)
    return [option.id for option in options(ctx)]


def test_a_member_in_a_chat_may_take_the_disclosure_there_listed_last() -> None:
    assert offered("coopdeli", in_chat=True) == ["postal", "email", "in_person", "chat"]
    assert offered("seikatsuclub-kyosai", in_chat=True) == ["postal", "email", "chat"]


def test_a_request_without_a_chat_is_not_offered_the_chat() -> None:
    assert offered("coopdeli", in_chat=False) == ["postal", "email", "in_person"]
