"""The fake Slack checks the bot token's scopes as Slack does: a method needing a scope the
token was not granted answers ``missing_scope`` naming what is ``needed`` and what was
``provided``; a method Slack has not got is ``unknown_method``; a private channel the bot
was not invited to is ``channel_not_found`` (the bot cannot see it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import FakeSlackApi

GRANTED = ("chat:write", "channels:history")


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(scopes=GRANTED) as api:
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.api_url)


def refusal(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call()
    return dict(raised.value.response.data)  # type: ignore[arg-type]


def test_a_method_whose_scope_was_not_granted_is_missing_scope_with_needed_and_provided(
    fake: FakeSlackApi, client: WebClient
) -> None:
    client.chat_postMessage(channel="C0PUBLIC", text="t")  # chat:write: granted
    answer = refusal(lambda: client.usergroups_users_list(usergroup="S1"))
    assert answer == {
        "ok": False,
        "error": "missing_scope",
        "needed": "usergroups:read",
        "provided": "channels:history,chat:write",
    }
    assert refusal(lambda: client.files_info(file="F1"))["needed"] == "files:read"
    assert [c.method for c in fake.calls if c.ok] == ["chat.postMessage"]


def test_the_scope_a_conversation_method_needs_depends_on_the_kind_of_channel(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fake.add_channel("C0PRIVATE", "private", is_private=True)
    public = client.chat_postMessage(channel="C0PUBLIC", text="t")
    assert client.conversations_replies(channel="C0PUBLIC", ts=public["ts"])["ok"]
    private = client.chat_postMessage(channel="C0PRIVATE", text="t")
    answer = refusal(lambda: client.conversations_replies(channel="C0PRIVATE", ts=private["ts"]))
    assert (answer["error"], answer["needed"]) == ("missing_scope", "groups:history")


def test_views_and_auth_test_need_no_scope_and_every_scope_is_granted_by_default() -> None:
    with FakeSlackApi(scopes=()) as bare:
        assert WebClient(token=bare.token, base_url=bare.api_url).auth_test()["ok"]
    with FakeSlackApi() as everything:
        client = WebClient(token=everything.token, base_url=everything.api_url)
        everything.add_usergroup("S1", ["U1"])
        assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1"]


def test_a_method_slack_has_not_got_is_unknown_method(client: WebClient) -> None:
    assert refusal(lambda: client.api_call("chat.shout", json={"text": "t"}))["error"] == (
        "unknown_method"
    )


def test_a_private_channel_the_bot_was_not_invited_to_is_channel_not_found(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fake.add_channel("C0SECRET", "secret", is_private=True, is_member=False)
    fake.add_channel("C0OPEN", "open", is_member=False)
    assert refusal(lambda: client.chat_postMessage(channel="C0SECRET", text="t"))["error"] == (
        "channel_not_found"
    )
    assert refusal(lambda: client.chat_postMessage(channel="C0OPEN", text="t"))["error"] == (
        "not_in_channel"
    )


def test_every_answer_names_the_tokens_scopes_in_x_oauth_scopes(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer.headers["X-OAuth-Scopes"] == "channels:history,chat:write"
