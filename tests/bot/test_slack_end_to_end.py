"""Staff in Slack, end to end: a member on the fake Telegram, the real ``madoguchi serve`` with
slack-bolt, and staff clicking in the fake Slack (signed HTTP requests to /slack/events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bot.served import Member, Served, serving
from tests.fakes.slack_api import (
    FakeSlackApi,
    Message,
    SlackSender,
    checkboxes,
    plain_text,
    radio_buttons,
)
from tests.fakes.telegram_api import FakeBotApi

SIGNING_SECRET = "slack-signing-secret-for-tests"
CHANNELS = {"seikatsuclub-kyosai": "C0KYOSAI", "coopdeli": "C0TAKU"}
CHANNELS_OTHER = {"seikatsuclub-kyosai": "C0TAKU", "coopdeli": "C0KYOSAI"}
STAFF = {"seikatsuclub-kyosai": "UKYO", "coopdeli": "UTAKU"}
SUPERVISOR = "USUPER"
OUTSIDER = "UOUT"
DEPLOYMENT = """
orgs = ["seikatsuclub-kyosai", "coopdeli"]

[slack]
supervisors_channel = "C0SUPER"
supervisors = ["USUPER"]
morning_digest = false

[slack.queues.kyosai-bu]
channel = "C0KYOSAI"
staff = ["UKYO"]

[slack.queues.takuhai-center]
channel = "C0TAKU"
staff_groups = ["STAKU"]
"""


@dataclass
class Desk:
    """One serve process, a member's phone and staff's Slack."""

    served: Served
    telegram: FakeBotApi
    slack: FakeSlackApi
    sender: SlackSender

    def card(self, channel: str, number: str, timeout: float = 20) -> Message:
        """The case card in ``channel``, once posted."""

        def find(api: FakeSlackApi) -> Message | None:
            for message in api.messages(channel):
                if message.thread_ts in (None, message.ts) and number in message.text:
                    return message
            return None

        self.slack.wait_for(lambda api: find(api) is not None, timeout=timeout)
        found = find(self.slack)
        assert found is not None
        return found

    def card_shows(self, channel: str, ts: str, text: str, timeout: float = 20) -> Message:
        """Wait until the card (as updated in place) contains ``text``."""

        def current(api: FakeSlackApi) -> str:
            message = api.message(channel, ts)
            return _block_text(message.blocks) if message else ""

        self.slack.wait_for(lambda api: text in current(api), timeout=timeout)
        message = self.slack.message(channel, ts)
        assert message is not None
        return message

    def thread_text(self, channel: str, ts: str) -> str:
        return "\n".join(m.text for m in self.slack.thread(channel, ts))

    def wait_thread(self, channel: str, ts: str, text: str, timeout: float = 20) -> None:
        self.slack.wait_for(
            lambda api: text in "\n".join(m.text for m in api.thread(channel, ts)), timeout=timeout
        )

    def click(self, user: str, action: str, channel: str, ts: str) -> None:
        reply = self.sender.block_action(user, action, channel=channel, message_ts=ts)
        assert reply.status == 200, reply

    def submit(self, user: str, callback_id: str, values: dict[str, Any]) -> Any:
        """Fill in and submit the modal on top of ``user``'s screen, once it is ``callback_id``."""

        def top(api: FakeSlackApi) -> dict[str, Any] | None:
            stack = api.open_modals(user)
            return stack[-1] if stack and stack[-1].get("callback_id") == callback_id else None

        self.slack.wait_for(lambda api: top(api) is not None)
        view = top(self.slack)
        assert view is not None
        reply = self.sender.view_submission(user, view, values)
        assert reply.status == 200, reply
        return reply


def _block_text(blocks: list[dict[str, Any]]) -> str:
    """All text in a message's blocks, flattened, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


@contextmanager
def desk_running(
    fake: FakeBotApi,
    slack: FakeSlackApi,
    tmp_path: Path,
    *,
    database: str | None = None,
    more_deployment: str = "",
    socket_mode: bool = False,
    **settings: str | Path,
) -> Iterator[Desk]:
    """A serve process for members and staff: Slack over signed HTTP, or in Socket Mode (an
    app token, no signing secret). ``more_deployment`` is appended to ``DEPLOYMENT``."""
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(DEPLOYMENT + more_deployment, encoding="utf-8")
    slack.add_usergroup("STAKU", ["UTAKU"])
    mode = (
        {"SLACK_APP_TOKEN": slack.app_token}
        if socket_mode
        else {"SLACK_SIGNING_SECRET": SIGNING_SECRET}
    )
    with serving(
        fake,
        database or tmp_path / "desk.sqlite3",
        deployment=deployment,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
        SLACK_SYNC_INTERVAL="0.2",
        **mode,
        **settings,  # type: ignore[arg-type]
    ) as served:
        if socket_mode:
            # "serving" is printed after connect_async(): the socket is up (hello sent) by now.
            slack.wait_for_socket(timeout=5)
            yield Desk(served, fake, slack, slack.socket_sender())
        else:
            url = f"http://127.0.0.1:{served.port}/slack/events"
            yield Desk(served, fake, slack, slack.sender(url, SIGNING_SECRET))


def file_request(desk: Desk, chat_id: int, org: str, request_type: str = "disclosure") -> str:
    member = Member(desk.telegram, desk.served, chat_id)
    member.command("start", org)
    member.completes(request_type, with_buttons=True)
    [(number,)] = desk.served.query(
        f'SELECT c.number FROM "case" c JOIN conversation v ON v.id = c.conversation_id '
        f"WHERE v.chat_id = '{chat_id}'"
    )
    return str(number)


@pytest.mark.parametrize("org", list(CHANNELS))
def test_the_full_loop_from_member_to_staff_and_back(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path, org: str
) -> None:
    with desk_running(fake, slack, tmp_path, database=database_url) as desk:
        member = Member(fake, desk.served, 100)
        number = file_request(desk, 100, org)
        channel, staff = CHANNELS[org], STAFF[org]

        card = desk.card(channel, number)
        assert "受付" in _block_text(card.blocks)
        desk.wait_thread(channel, card.ts, "山田 花子")  # the intake, identity included
        desk.wait_thread(channel, card.ts, "これまでのやりとり")
        assert not any(number in m.text for m in slack.messages(CHANNELS_OTHER[org]))

        desk.click(staff, "case_claim", channel, card.ts)
        desk.card_shows(channel, card.ts, f"<@{staff}>")

        desk.click(staff, "case_verify", channel, card.ts)
        desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
        desk.card_shows(channel, card.ts, "登録電話へ折返し")

        desk.click(staff, "case_reply", channel, card.ts)
        preview = desk.submit(
            staff, "case_reply", {"reply": {"value": plain_text("書類を郵送します。")}}
        )
        assert preview.json()["response_action"] == "update"
        assert "書類を郵送します。" in str(preview.json()["view"])
        before = len(fake.sent_messages(100))
        desk.submit(staff, "case_reply_confirm", {})
        reply = member._await_answer(before)
        assert "担当者からのご連絡です" in reply and "書類を郵送します。" in reply
        desk.wait_thread(channel, card.ts, "書類を郵送します。")

        answer = member.says("ありがとうございます。住所は変わっていません")
        assert "担当者にお伝えしました" in answer
        desk.wait_thread(channel, card.ts, "住所は変わっていません")

        desk.click(staff, "case_close", channel, card.ts)
        missing = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("partial")}})
        assert missing.json()["response_action"] == "errors"  # a reason is required
        before = len(fake.sent_messages(100))
        preview = desk.submit(
            staff,
            "case_close",
            {
                "outcome": {"value": radio_buttons("partial")},
                "reason": {"value": plain_text("2019年以前の記録は保存期間を過ぎていました")},
                # The member's last words are unread: the form asks to confirm closing anyway.
                "confirm": {"value": checkboxes(["close_anyway"])},
            },
        )
        # The reason reaches the member, so it is shown first, like a reply.
        assert preview.json()["view"]["callback_id"] == "case_close_confirm"
        assert "2019年以前の記録" in _block_text(preview.json()["view"]["blocks"])
        desk.submit(staff, "case_close_confirm", {})
        outcome = member._await_answer(before)
        assert "一部について対応しました" in outcome
        assert "2019年以前の記録は保存期間を過ぎていました" in outcome
        closed = desk.card_shows(channel, card.ts, "一部対応")
        buttons = [
            e["action_id"]
            for b in closed.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
        ]
        assert buttons == ["case_reopen"]  # a closed case can only be reopened
