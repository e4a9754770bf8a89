"""The fake LINE refuses what LINE refuses (``platform-limits.md``), so a desk that passes
against it keeps LINE's rules. Requests are sent raw here: the SDK would refuse some of them
itself before they were sent."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.line import FakeLine


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as api:
        api.webhook_url = None
        yield api


def call(
    fake: FakeLine,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(
        fake.base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={
            "Authorization": f"Bearer {token or fake.access_token}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}"), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}"), dict(refused.headers)


def a_member_with_a_token(fake: FakeLine) -> tuple[str, str]:
    """A member who just wrote (the fake has nowhere to deliver it) and the event's token."""
    user_id = fake.new_member()
    fake.webhook_url = "http://127.0.0.1:9/nowhere"  # delivery fails; the event still exists
    with pytest.raises(AssertionError):
        fake.send_text(user_id, "こんにちは")
    token = next(t for t, (user, _at, _used) in fake._reply_tokens.items() if user == user_id)
    return user_id, token


def text(body: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": body, **extra}


def test_a_reply_token_works_once_and_only_within_its_life(fake: FakeLine) -> None:
    _user, token = a_member_with_a_token(fake)
    reply = {"replyToken": token, "messages": [text("はい")]}
    assert call(fake, "/v2/bot/message/reply", reply)[0] == 200
    status, body, _ = call(fake, "/v2/bot/message/reply", reply)
    assert (status, body["message"]) == (400, "Invalid reply token")

    _user, token = a_member_with_a_token(fake)
    fake.advance(61)
    status, _, _ = call(fake, "/v2/bot/message/reply", {**reply, "replyToken": token})
    assert status == 400
    assert call(fake, "/v2/bot/message/reply", {**reply, "replyToken": "made-up"})[0] == 400


def test_a_push_retried_with_its_key_is_refused_409_naming_the_accepted_request(
    fake: FakeLine,
) -> None:
    user_id, _ = a_member_with_a_token(fake)
    key = str(uuid.uuid4())
    push = {"to": user_id, "messages": [text("お知らせです")]}
    status, _, headers = call(fake, "/v2/bot/message/push", push, headers={"X-Line-Retry-Key": key})
    assert status == 200
    again = call(fake, "/v2/bot/message/push", push, headers={"X-Line-Retry-Key": key})
    assert again[0] == 409
    assert again[2]["X-Line-Accepted-Request-Id"] == headers["X-Line-Request-Id"]
    assert fake.texts(user_id) == ["お知らせです"]
    bad_key = call(fake, "/v2/bot/message/push", push, headers={"X-Line-Retry-Key": "again"})
    assert bad_key[0] == 400


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [text("一")] * 6,
        [text("")],
        [text("😀" * 2500 + "あ")],  # 5,001 UTF-16 units
        [{"type": "sticker", "packageId": "1", "stickerId": "1"}],
        [text("選んでください", quickReply={"items": []})],
    ],
    ids=["none", "six", "empty", "5001-units", "not-text", "no-items"],
)
def test_messages_line_refuses_are_refused(fake: FakeLine, messages: list[Any]) -> None:
    user_id, _ = a_member_with_a_token(fake)
    status, _, _ = call(fake, "/v2/bot/message/push", {"to": user_id, "messages": messages})
    assert status == 400
    assert fake.shown(user_id) == []


def postback(label: str, data: str = "x", **extra: Any) -> dict[str, Any]:
    return {"type": "action", "action": {"type": "postback", "label": label, "data": data, **extra}}


@pytest.mark.parametrize(
    "items",
    [
        [postback(f"{n}. はい") for n in range(1, 15)],
        [postback("あ" * 21)],
        [postback("はい", data="x" * 301)],
        [postback("はい", displayText="あ" * 301)],
    ],
    ids=["fourteen-buttons", "21-character-label", "301-character-data", "long-display-text"],
)
def test_quick_replies_beyond_lines_limits_are_refused(fake: FakeLine, items: list[Any]) -> None:
    user_id, _ = a_member_with_a_token(fake)
    message = text("選んでください", quickReply={"items": items})
    status, _, _ = call(fake, "/v2/bot/message/push", {"to": user_id, "messages": [message]})
    assert status == 400


def test_the_limits_themselves_are_accepted(fake: FakeLine) -> None:
    user_id, _ = a_member_with_a_token(fake)
    items = [postback("あ" * 20, data="x" * 300, displayText="い" * 300)] * 13
    messages = [text("😀" * 2500)] * 4 + [text("選んでください", quickReply={"items": items})]
    status, _, _ = call(fake, "/v2/bot/message/push", {"to": user_id, "messages": messages})
    assert status == 200


def test_a_wrong_token_is_refused_401(fake: FakeLine) -> None:
    status, body, _ = call(fake, "/v2/bot/message/quota", token="stolen")
    assert status == 401 and "access token" in body["message"]


def test_pushes_past_the_months_quota_are_refused_429(fake: FakeLine) -> None:
    fake.quota = 1
    user_id, _ = a_member_with_a_token(fake)
    push = {"to": user_id, "messages": [text("一通目"), text("同じ通の二つ目")]}
    assert call(fake, "/v2/bot/message/push", push)[0] == 200  # one push counts once
    status, body, _ = call(fake, "/v2/bot/message/push", push)
    assert (status, body["message"]) == (429, "You have reached your monthly limit.")
    assert call(fake, "/v2/bot/message/quota")[1] == {"type": "limited", "value": 1}


def test_a_push_to_someone_who_never_added_the_account_is_refused(fake: FakeLine) -> None:
    stranger = fake.new_member()
    status, _, _ = call(fake, "/v2/bot/message/push", {"to": stranger, "messages": [text("a")]})
    assert status == 400


def test_the_accounts_profile_and_webhook_settings_are_read_as_line_answers_them(
    fake: FakeLine,
) -> None:
    status, info, _ = call(fake, "/v2/bot/info")
    assert status == 200
    assert {"userId", "basicId", "displayName", "chatMode", "markAsReadMode"} <= set(info)
    assert call(fake, "/v2/bot/channel/webhook/endpoint")[1] == {"endpoint": "", "active": True}
    fake.webhook_url, fake.webhook_active = "https://desk.example.jp/line/webhook", False
    assert call(fake, "/v2/bot/channel/webhook/endpoint")[1] == {
        "endpoint": "https://desk.example.jp/line/webhook",
        "active": False,
    }
    assert call(fake, "/v2/bot/info", token="stolen")[0] == 401
