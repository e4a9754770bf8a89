"""A queue's channel the bot was not invited to: Slack answers ``not_in_channel``; the cards
wait (nothing is lost), the log says once for that channel which channel it is and what to
do, not at every retry, and after the invitation the waiting cards go out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.config import Settings
from bot.slack.sync import CardSync
from storage.line_quota import PushUsage
from tests.bot.served import Member, eventually
from tests.bot.test_readiness import get
from tests.bot.test_slack_end_to_end import CHANNELS, desk_running, file_request
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

ORG = "coopdeli"


def warnings_about(log: Path, event: str) -> list[dict[str, str]]:
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line[:1] == "{"]
    return [line for line in lines if line.get("event") == event]


def test_cards_wait_for_the_invitation_and_the_log_names_the_channel_once(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    channel = CHANNELS[ORG]
    slack.remove_bot_from(channel)
    log = tmp_path / "serve.log"
    with desk_running(fake, slack, tmp_path, log_file=log) as desk:
        numbers = [file_request(desk, chat_id, ORG, "human") for chat_id in (701, 702)]

        def refused(api: FakeSlackApi) -> int:
            return sum(
                1
                for c in api.calls_to("chat.postMessage")
                if c.params.get("channel") == channel and c.error == "not_in_channel"
            )

        slack.wait_for(lambda api: refused(api) >= 3, timeout=30)  # both cases, and a retry
        assert slack.messages(channel) == []
        [warning] = warnings_about(log, "slack.not_invited")
        assert warning["level"] == "warning" and warning["channel"] == channel
        assert f"/invite @madoguchi in the channel whose id is {channel}" in warning["fix"]
        assert warnings_about(log, "slack.case_sync_retry") == []  # routine: info, not warning
        # What an alert reads: two cases staff cannot see yet.
        assert "madoguchi_slack_cards_failing 2.0" in get(desk.served, "/metrics")[1]

        slack.add_channel(channel, "takuhai-center")  # /invite @madoguchi
        for number in numbers:
            desk.card(channel, number, timeout=30)
        eventually(lambda: "madoguchi_slack_cards_failing 0.0" in get(desk.served, "/metrics")[1])
    assert len(warnings_about(log, "slack.not_invited")) == 1


def test_a_complaint_waits_for_the_supervisors_channel_and_is_said_once_in_each_place(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    channel, supervisors = CHANNELS[ORG], "C0SUPER"
    slack.remove_bot_from(supervisors)
    with desk_running(fake, slack, tmp_path) as desk:
        number = file_request(desk, 703, ORG, "disclosure")
        card = desk.card(channel, number)
        desk.wait_thread(channel, card.ts, "これまでのやりとり")
        Member(fake, desk.served, 703).says("対応が遅すぎます。責任者を出してください")

        def refused(api: FakeSlackApi) -> int:
            return sum(
                1
                for c in api.calls_to("chat.postMessage")
                if c.params.get("channel") == supervisors and c.error == "not_in_channel"
            )

        slack.wait_for(lambda api: refused(api) >= 2, timeout=30)  # the notice, and a retry
        slack.add_channel(supervisors, "supervisors")  # /invite @madoguchi
        desk.wait_thread(channel, card.ts, "責任者に知らせました", timeout=30)
        notices = [m for m in slack.messages(supervisors) if number in m.text]
        told = [m for m in slack.thread(channel, card.ts) if "責任者に知らせました" in m.text]
        assert (len(notices), len(told)) == (1, 1)


class _WarnedQuota:
    """A month whose LINE quota warning is due and not yet posted (``LinePushes``' part)."""

    def __init__(self) -> None:
        self.posted: list[PushUsage] = []

    def to_warn(self) -> PushUsage | None:
        return None if self.posted else PushUsage("2026-12", 900, warned=True)

    def warning_text(self, usage: PushUsage) -> str:
        return f"LINE の今月のプッシュ送信が {usage.pushes} 通"

    def warned(self, usage: PushUsage) -> None:
        self.posted.append(usage)


def test_the_line_quota_warning_waits_for_the_supervisors_channel_with_backoff_not_every_pass(
    slack: FakeSlackApi, tmp_path: Path
) -> None:
    supervisors = "C0SUPER"
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(f'[slack]\nsupervisors_channel = "{supervisors}"\n', "utf-8")
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=deployment,
    )
    app = App.build(settings)
    slack.remove_bot_from(supervisors)
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    sync = CardSync(app.db, client, app.deployment.slack, app.orgs, app.clock)
    quota = _WarnedQuota()
    sync.line_pushes = quota  # type: ignore[assignment]

    def attempts() -> int:
        return len(
            [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == supervisors]
        )

    async def passes(count: int) -> None:
        for _ in range(count):
            await sync.sync_once()

    try:
        asyncio.run(passes(5))  # five sync passes, as many seconds apart
        assert attempts() == 1 and quota.posted == []
        slack.add_channel(supervisors, "supervisors")  # /invite @madoguchi
        sync._quota_failures = (1, 0.0)  # the backoff has run out
        asyncio.run(passes(2))
    finally:
        app.db.close()
    assert attempts() == 2 and len(quota.posted) == 1
