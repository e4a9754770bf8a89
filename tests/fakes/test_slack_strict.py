"""The fake Slack refuses what Slack refuses: Block Kit checked with slack_sdk's own models,
posts where the bot was not invited, and (where a test asks) markup that would be live."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import FakeSlackApi, slack_would_refuse

CHANNEL = "C0STAFF"


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.api_url)


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, **extra}}


def modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "確認"}, "blocks": blocks}


BUTTON = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "押す"}}


@pytest.mark.parametrize(
    ("blocks", "why"),
    [
        ([section("x" * 3001)], "section text over 3000"),
        ([section("")], "empty text"),
        ([{"type": "no_such_block"}], "unknown block type"),
        ([{"type": "actions", "elements": [BUTTON] * 26}], "more than 25 elements"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "a"}] * 11}], "context"),
        ([section("a")] * 51, "more than 50 blocks"),
    ],
)
def test_a_message_slack_would_refuse_is_invalid_blocks_and_not_posted(
    fake: FakeSlackApi, client: WebClient, blocks: list[dict[str, Any]], why: str
) -> None:
    post = lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)  # noqa: E731
    assert error_of(post) == "invalid_blocks", why
    assert fake.messages(CHANNEL) == []
    assert slack_would_refuse(blocks=blocks) is not None


def test_a_message_whose_blocks_hold_over_12000_characters_is_msg_blocks_too_long(
    fake: FakeSlackApi, client: WebClient
) -> None:
    blocks = [section("あ" * 2900) for _ in range(5)]
    post = lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)  # noqa: E731
    assert error_of(post) == "msg_blocks_too_long"
    client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks[:4])
    assert len(fake.messages(CHANNEL)) == 1


def test_a_view_slack_would_refuse_is_invalid_arguments(
    fake: FakeSlackApi, client: WebClient
) -> None:
    long_option = {
        "type": "input",
        "block_id": "q",
        "label": {"type": "plain_text", "text": "転送先"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [{"text": {"type": "plain_text", "text": "窓" * 76}, "value": "q"}],
        },
    }
    for view in (
        modal([long_option]),
        modal([section("x" * 3001)]),
        modal([section("a")] * 101),
        {**modal([section("a")]), "private_metadata": "m" * 3001},
    ):
        opened = lambda v=view: client.views_open(trigger_id=fake.new_trigger_id("U1"), view=v)  # noqa: E731
        assert error_of(opened) == "invalid_arguments"
    assert (
        error_of(
            lambda: client.views_publish(
                user_id="U1", view=modal([]) | {"type": "home", "blocks": [section("")]}
            )
        )
        == "invalid_arguments"
    )
    assert fake.views_opened() == []


def test_live_markup_is_recorded_and_refused_when_a_test_asks(
    fake: FakeSlackApi, client: WebClient
) -> None:
    client.chat_postMessage(channel=CHANNEL, text="<!channel> before the check is on")
    fake.forbid_live_markup(["USTAFF"], refuse=True)

    client.chat_postMessage(channel=CHANNEL, text="&lt;!channel&gt; escaped: fine")
    client.chat_postMessage(channel=CHANNEL, text="担当 <@USTAFF>", blocks=[section("<@USTAFF>")])
    client.chat_postMessage(
        channel=CHANNEL, text="@channel", blocks=[section("@channel", verbatim=True)]
    )
    for text, blocks in (
        ("<!here>", None),
        ("t", [section("<https://evil.example|本人確認はこちら>")]),
        ("t", [section("<@U123>")]),
        ("t", [section("<!subteam^S1>")]),
        ("t", [section("@channel")]),  # bare, in mrkdwn Slack parses
        ("t", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "<#C1>"}]}]),
    ):
        post = lambda t=text, b=blocks: client.chat_postMessage(channel=CHANNEL, text=t, blocks=b)  # noqa: E731
        assert error_of(post) == "live_markup", (text, blocks)
    assert [m.found for m in fake.live_markup] == [
        "<!here>",
        "<https://evil.example|本人確認はこちら>",
        "<@U123>",
        "<!subteam^S1>",
        "@channel",
        "<#C1>",
    ]
    assert len(fake.messages(CHANNEL)) == 4


def test_posting_where_the_bot_was_not_invited_is_not_in_channel(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fake.add_channel("C0QUIET", "quiet", is_member=False)
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0QUIET", text="t")) == "not_in_channel"
    )
    upload = lambda: client.files_upload_v2(channel="C0QUIET", content=b"x", filename="a.txt")  # noqa: E731
    assert error_of(upload) == "not_in_channel"
    client.chat_postMessage(channel=CHANNEL, text="t")
    fake.remove_bot_from(CHANNEL)
    assert error_of(lambda: client.chat_postMessage(channel=CHANNEL, text="t")) == "not_in_channel"
    assert [m.text for m in fake.messages(CHANNEL)] == ["t"]
