"""A member's withdrawal from the chat reaches staff in Slack: the card shows 取下げ and the
thread says the member withdrew it, with their words."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.sync import CardSync
from tests.bot.test_slack_deadlines import CONFIG, _no_wait, thread_texts
from tests.conftest import Desk
from tests.fakes.slack_api import FakeSlackApi
from tests.flows.answers import file_a_complaint, only_case


def sync(desk: Desk, slack: FakeSlackApi) -> None:
    async def once() -> None:
        client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
        await CardSync(
            desk.app.db, client, CONFIG, desk.app.orgs, desk.clock, sleep=_no_wait
        ).sync_once()

    asyncio.run(asyncio.wait_for(once(), timeout=20))


def card_blocks(slack: FakeSlackApi, channel: str) -> str:
    [card] = [m for m in slack.messages(channel) if m.thread_ts in (None, m.ts)]
    return str(card.blocks)


def test_a_withdrawal_in_the_chat_updates_the_card_and_notes_it_in_the_thread(
    desk: Desk, slack: FakeSlackApi
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    sync(desk, slack)
    assert "取下げ" not in card_blocks(slack, "C0TAKU")
    member.says("さっきの申請はやめます")
    member.says("はい、取り下げます")
    assert only_case(desk).status == "withdrawn"

    sync(desk, slack)

    assert "取下げ" in card_blocks(slack, "C0TAKU")
    thread = thread_texts(slack, "C0TAKU")
    assert "会員がチャットでお申し出を取り下げました" in thread
    assert "さっきの申請はやめます" in thread


def test_a_withdrawal_before_the_card_was_posted_is_said_in_its_new_thread(
    desk: Desk, slack: FakeSlackApi
) -> None:
    member = desk.member(org="seikatsuclub-kyosai")
    file_a_complaint(member)
    member.says("申請を取り下げたい")
    member.says("はい")

    sync(desk, slack)

    assert "取下げ" in card_blocks(slack, "C0KYOSAI")
    assert "会員がチャットでお申し出を取り下げました" in thread_texts(slack, "C0KYOSAI")
