"""Deadlines and cards in-process, on a hand-moved clock: reminders, escalation, the morning
digest, and what a card shows (and keeps out of the channel)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackDeployment, SlackQueue
from bot.slack import blocks
from bot.slack.deadlines import DeadlineWatch
from bot.slack.sync import CardSync
from flows.i18n import JST
from storage.models import Conversation
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk
from tests.fakes.slack_api import FakeSlackApi
from tests.flows.answers import GOOD_ANSWERS, file_a_complaint, only_case, pending_step

CONFIG = SlackDeployment(
    queues={
        "kyosai-bu": SlackQueue(channel="C0KYOSAI", staff=["UKYO"]),
        "takuhai-center": SlackQueue(channel="C0TAKU", staff=["UTAKU"]),
    },
    supervisors_channel="C0SUPER",
    supervisors=["USUPER"],
    reminder_days=2,
    digest_hour=9,
)


async def _no_wait(_seconds: float) -> None:
    """Pacing is the rate limiter's business; these tests are about what is posted."""


def run(desk: Desk, slack: FakeSlackApi, *, digest: bool = False) -> None:
    """One pass of the deadline watch and the card sync against the fake Slack."""

    async def scenario() -> None:
        client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
        sync = CardSync(desk.app.db, client, CONFIG, desk.app.orgs, desk.clock, sleep=_no_wait)
        config = CONFIG.model_copy(update={"morning_digest": digest})
        await DeadlineWatch(desk.app, sync, config).check()
        await sync.sync_once()

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))


@pytest.fixture
def evening_desk(database_url: str) -> Iterator[Desk]:
    """A desk whose clock reads Tuesday 2026-11-24 20:00 JST: after the digest hour, on an
    open day (the digest waits for one)."""
    desk = build_desk(database_url, Clock(datetime(2026, 11, 24, 11, 0, tzinfo=UTC)))
    yield desk
    desk.app.db.close()


def thread_texts(slack: FakeSlackApi, channel: str) -> str:
    [card] = [m for m in slack.messages(channel) if m.thread_ts in (None, m.ts)]
    return "\n".join(m.text for m in slack.thread(channel, card.ts))


def test_a_case_near_its_due_date_gets_one_reminder_in_its_thread(
    desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    run(desk, slack)
    assert "回答期限が近づいています" not in thread_texts(slack, "C0TAKU")
    # One day left (the due date is the last open day within 14 days, not always the 14th).
    desk.clock.now = only_case(desk).due_at - timedelta(days=1)
    run(desk, slack)
    run(desk, slack)
    assert thread_texts(slack, "C0TAKU").count("回答期限が近づいています") == 1


def test_an_overdue_case_is_escalated_to_supervisors_once(desk: Desk, slack: FakeSlackApi) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    case = only_case(desk)
    desk.clock.advance(days=15)
    run(desk, slack)
    run(desk, slack)
    escalations = [m for m in slack.messages("C0SUPER") if case.number in m.text]
    assert len(escalations) == 1
    assert "回答期限" in escalations[0].text
    card = next(m for m in slack.messages("C0TAKU") if m.ts == (m.thread_ts or m.ts))
    assert "期限超過" in str(card.blocks)


def test_an_extension_earns_a_new_reminder(desk: Desk, slack: FakeSlackApi) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    case = only_case(desk)
    desk.clock.now = case.due_at - timedelta(days=1)
    run(desk, slack)
    extended = desk.app.cases.extend(
        case.number, StaffActor.trusted("sato"), case.due_at + timedelta(days=7), "資料の確認のため"
    )
    desk.clock.now = extended.due_at - timedelta(days=1)  # an open day, up to 7 days on
    run(desk, slack)
    assert thread_texts(slack, "C0TAKU").count("回答期限が近づいています") == 2


def test_the_morning_digest_lists_overdue_and_due_soon_cases_once_a_day(
    evening_desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(evening_desk.member(org="coopdeli"))
    case = only_case(evening_desk)
    evening_desk.clock.advance(days=13)
    run(evening_desk, slack, digest=True)
    run(evening_desk, slack, digest=True)
    digests = [m for m in slack.messages("C0TAKU") if "期限の確認" in m.text]
    assert len(digests) == 1
    assert case.number in digests[0].text
    kyosai = [m for m in slack.messages("C0KYOSAI") if "期限の確認" in m.text]
    assert len(kyosai) == 1 and "なし" in kyosai[0].text


def test_the_card_keeps_identity_fields_out_of_the_channel(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.says("3")
    # A whole disclosure request, typed.
    for _ in range(30):
        with desk.app.db.transaction() as session:
            conversation = session.get(Conversation, 1)
            assert conversation is not None
            state = conversation.state
        if state.get("mode") == "summary":
            member.says("送信する")
            break
        step = pending_step(desk.app.engine, state)
        assert step is not None
        member.says(GOOD_ANSWERS[step])
    case = only_case(desk)
    card = str(blocks.case_card(case, desk.app.orgs["coopdeli"], desk.clock(), {}))
    assert "開示の範囲" in card
    for private in ("山田", "03-5285-1865", "160-0022", "新宿"):
        assert private not in card
    thread = "\n".join(blocks.intake_text(case, []))
    assert "山田 花子" in thread and "03-5285-1865" in thread


@given(st.text(max_size=9000))
def test_long_text_is_split_for_slack_without_losing_a_character(text: str) -> None:
    pieces = blocks.chunk(text, size=500)
    assert all(len(piece) <= 500 for piece in pieces)
    # Only whitespace at a cut may go (Slack would trim it from a section anyway).
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


def test_a_reopened_overdue_case_is_escalated_to_supervisors_again(
    desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    case = only_case(desk)
    desk.clock.advance(days=15)
    run(desk, slack)
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", confirmed=True)
    desk.clock.advance(days=1)
    desk.app.cases.reopen(case.number, StaffActor.trusted("sato"), "会員からの再度のお問い合わせ")
    run(desk, slack)
    run(desk, slack)
    escalations = [m for m in slack.messages("C0SUPER") if case.number in m.text]
    assert len(escalations) == 2


def test_a_case_reopened_before_its_due_date_gets_its_reminder_again(
    desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    case = only_case(desk)
    desk.clock.now = case.due_at - timedelta(days=1)
    run(desk, slack)
    desk.app.cases.close(case.number, StaffActor.trusted("sato"), "answered", confirmed=True)
    desk.app.cases.reopen(case.number, StaffActor.trusted("sato"), "会員からの再度のお問い合わせ")
    run(desk, slack)
    run(desk, slack)
    assert thread_texts(slack, "C0TAKU").count("回答期限が近づいています") == 2


def test_the_morning_digest_counts_cases_with_unread_member_messages_without_their_words(
    evening_desk: Desk, slack: FakeSlackApi
) -> None:
    member = evening_desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(evening_desk)
    member.says("山田です。電話は夕方にお願いします")
    assert evening_desk.app.cases.get(case.number).unread_messages == 1
    run(evening_desk, slack, digest=True)
    [digest] = [m for m in slack.messages("C0TAKU") if "期限の確認" in m.text]
    assert "会員からの未読メッセージがある案件（1件）" in digest.text
    unread_part = digest.text.split("会員からの未読メッセージがある案件")[1]
    assert case.number in unread_part and "未読 1件" in unread_part
    for private in ("山田", "電話は夕方", "夕方"):
        assert private not in digest.text


def card_of(slack: FakeSlackApi, channel: str) -> str:
    [card] = [m for m in slack.messages(channel) if m.thread_ts in (None, m.ts)]
    return blocks_text(card.blocks)


def blocks_text(shown: list[dict[str, Any]]) -> str:
    return json.dumps(shown, ensure_ascii=False)


def test_the_card_of_a_paused_case_shows_the_pause_instead_of_its_due_date(
    desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(desk.member(org="coopdeli"))
    case = only_case(desk)
    due = blocks.JA.date(case.due_at)
    run(desk, slack)
    assert f"*回答期限*\\n{due}" in card_of(slack, "C0TAKU")

    desk.app.cases.pause(case.number, StaffActor.trusted("sato"), "委任状")
    since = blocks.JA.datetime(desk.clock())
    run(desk, slack)
    paused = card_of(slack, "C0TAKU")
    assert f"*回答期限*\\n一時停止中（{since}から）" in paused
    assert due not in paused
    listed = blocks.case_line(desk.app.cases.get(case.number), desk.clock())  # App Home, digest
    assert f"期限 一時停止中（{since}から）" in listed and due not in listed

    desk.clock.advance(days=3)
    resumed = desk.app.cases.resume(case.number, StaffActor.trusted("sato"))
    run(desk, slack)
    assert f"*回答期限*\\n{blocks.JA.date(resumed.due_at)}" in card_of(slack, "C0TAKU")


def test_a_reminder_due_on_a_closed_day_goes_out_on_the_next_open_day(
    database_url: str, slack: FakeSlackApi
) -> None:
    # Filed on Tuesday 11月24日: due Tuesday 12月8日, so the two-day reminder falls on Sunday.
    desk = build_desk(database_url, Clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC)))
    try:
        file_a_complaint(desk.member(org="coopdeli"))
        case = only_case(desk)
        assert case.due_at.astimezone(JST).date() == date(2026, 12, 8)
        desk.clock.now = datetime(2026, 12, 6, 12, 0, tzinfo=JST)  # Sunday, within two days
        run(desk, slack)
        assert "回答期限が近づいています" not in thread_texts(slack, "C0TAKU")
        desk.clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=JST)  # Monday morning
        run(desk, slack)
        run(desk, slack)
        assert thread_texts(slack, "C0TAKU").count("回答期限が近づいています") == 1
    finally:
        desk.app.db.close()


def test_an_overdue_case_is_escalated_on_the_next_open_day_not_at_the_weekend(
    desk: Desk, slack: FakeSlackApi
) -> None:
    file_a_complaint(desk.member(org="coopdeli"))  # Sunday 11月22日: due Friday 12月4日
    case = only_case(desk)
    assert case.due_at.astimezone(JST).date() == date(2026, 12, 4)
    desk.clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=JST)  # Saturday: overdue, closed
    run(desk, slack)
    assert not [m for m in slack.messages("C0SUPER") if case.number in m.text]
    desk.clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=JST)  # Monday
    run(desk, slack)
    assert len([m for m in slack.messages("C0SUPER") if case.number in m.text]) == 1


def test_the_morning_digest_waits_for_an_open_day(database_url: str, slack: FakeSlackApi) -> None:
    # Sunday 11月22日 20:00, then Monday 23日 (勤労感謝の日), then Tuesday 24日.
    desk = build_desk(database_url, Clock(datetime(2026, 11, 22, 20, 0, tzinfo=JST)))
    try:
        file_a_complaint(desk.member(org="coopdeli"))
        run(desk, slack, digest=True)
        desk.clock.advance(days=1)
        run(desk, slack, digest=True)
        assert not [m for m in slack.messages("C0TAKU") if "期限の確認" in m.text]
        desk.clock.advance(days=1)
        run(desk, slack, digest=True)
        run(desk, slack, digest=True)
        digests = [m.text for m in slack.messages("C0TAKU") if "期限の確認" in m.text]
        assert len(digests) == 1 and "11月24日の期限の確認" in digests[0]
    finally:
        desk.app.db.close()


def test_a_queue_whose_channel_the_bot_is_not_in_gets_its_digest_later_and_others_at_once(
    evening_desk: Desk, slack: FakeSlackApi
) -> None:
    slack.remove_bot_from("C0KYOSAI")  # the first queue in the deployment
    run(evening_desk, slack, digest=True)
    assert [m for m in slack.messages("C0TAKU") if "期限の確認" in m.text]
    assert slack.messages("C0KYOSAI") == []

    slack.add_channel("C0KYOSAI", "kyosai-bu")  # /invite @madoguchi
    run(evening_desk, slack, digest=True)
    assert len([m for m in slack.messages("C0KYOSAI") if "期限の確認" in m.text]) == 1
    assert len([m for m in slack.messages("C0TAKU") if "期限の確認" in m.text]) == 1
