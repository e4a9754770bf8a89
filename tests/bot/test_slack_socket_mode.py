"""Staff in Slack over Socket Mode, end to end: the real ``madoguchi serve`` with
``SLACK_APP_TOKEN`` set connects to the fake Slack's WebSocket, and staff clicks arrive as
envelopes there instead of signed HTTP requests to /slack/events."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from tests.bot.served import Member
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    STAFF,
    desk_running,
    file_request,
)
from tests.fakes.slack_api import FakeSlackApi, plain_text
from tests.fakes.telegram_api import FakeBotApi

ORG = "coopdeli"


def _http(port: int, path: str, *, post: bool = False) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=b'{"type": "url_verification", "challenge": "x"}' if post else None,
        headers={"Content-Type": "application/json"},
        method="POST" if post else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_staff_claim_and_reply_over_socket_mode(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with desk_running(fake, slack, tmp_path, database=database_url, socket_mode=True) as desk:
        [opened] = slack.calls_to("apps.connections.open")
        assert opened.ok  # with the app token: the fake refuses the bot token there

        member = Member(fake, desk.served, 100)
        number = file_request(desk, 100, ORG, "human")
        channel, staff = CHANNELS[ORG], STAFF[ORG]
        card = desk.card(channel, number)

        # 担当する, as a raw envelope: a block_actions payload, acked without a payload.
        claim = desk.sender.build_block_action(
            staff, "case_claim", channel=channel, message_ts=card.ts
        )
        assert claim.payload["actions"][0]["value"] == number
        envelope_id = slack.socket_send("interactive", claim.payload)
        assert slack.wait_for_socket_ack(envelope_id) == {"envelope_id": envelope_id}
        desk.card_shows(channel, card.ts, f"<@{staff}>")

        # 会員へ返信: the button opens the modal; the submission's ack carries the preview.
        desk.click(staff, "case_reply", channel, card.ts)
        preview = desk.submit(
            staff, "case_reply", {"reply": {"value": plain_text("折り返しお電話します。")}}
        )
        ack = slack.socket_acks()[-1]  # the sender waited for it
        assert ack.payload is not None and ack.payload["response_action"] == "update"
        assert preview.json()["response_action"] == "update"
        assert "折り返しお電話します。" in str(preview.json()["view"])
        [top] = slack.open_modals(staff)  # updated in place, as Slack does on the ack
        assert top["callback_id"] == "case_reply_confirm"

        before = len(fake.sent_messages(100))
        desk.submit(staff, "case_reply_confirm", {})
        reply = member._await_answer(before)
        assert "担当者からのご連絡です" in reply and "折り返しお電話します。" in reply
        assert slack.open_modals(staff) == []
        desk.wait_thread(channel, card.ts, "折り返しお電話します。")

        # HTTP stays up for health checks, but Slack's HTTP endpoint is off in Socket Mode.
        status, body = _http(desk.served.port, "/healthz")
        assert (status, json.loads(body)) == (200, {"ok": True})
        assert _http(desk.served.port, "/slack/events", post=True)[0] == 404
        # Ready: the WebSocket is connected (with Telegram polling and the outbox workers).
        status, body = _http(desk.served.port, "/readyz")
        assert (status, json.loads(body)) == (200, {"ready": True})

    # serve closed its connection on SIGTERM.
    slack.wait_for(lambda api: not api.socket_connections(open_only=True), timeout=5)
