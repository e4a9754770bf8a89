"""Retention reaches Slack: a purged case leaves nothing of the member's there that the bot
could delete, a crash between the purge and the Slack calls forgets nothing, and a second run
deletes nothing twice. Staff's own replies in a thread stay: a bot token cannot delete them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, delete, select

from bot.config import SlackDeployment, SlackQueue
from bot.slack.scrub import SlackScrubber, stub_text
from bot.slack.sync import CardSync
from storage import slack_posts
from storage.models import CaseCard, SlackPost, SlackScrub
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk, let_org_serve
from tests.fakes.slack_api import FakeSlackApi, Message
from tests.storage.test_retention import FILES_ON, MEMBER_ANSWER, PDF, TEXTS, purge, worked_case

CHANNEL = "C0TAKU"  # コープデリ 宅配センター
STAFF = "UTAKU"
CONFIG = SlackDeployment(
    queues={
        "kyosai-bu": SlackQueue(channel="C0KYOSAI", staff=["UKYO"]),
        "takuhai-center": SlackQueue(channel=CHANNEL, staff=[STAFF]),
    },
    supervisors_channel="C0SUPER",
    supervisors=["USUPER"],
)
# What the member told the desk, as it reaches Slack (the complaint, the file's caption).
MEMBERS = [*TEXTS, "配達員の対応について", "母の委任状です", "委任状.pdf"]
STAFF_NOTE = "電話で折り返し済み（佐藤）"


async def _no_wait(_seconds: float) -> None:
    """Pacing is the rate limiter's business; these tests are about what is removed."""


@pytest.fixture
def desk(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Desk]:
    """A desk whose コープデリ takes files."""
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(FILES_ON, encoding="utf-8")
    desk = build_desk(database_url, clock, deployment)
    yield desk
    desk.app.db.close()


def client(slack: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=slack.token, base_url=slack.api_url)


def card_sync(desk: Desk, slack: FakeSlackApi) -> CardSync:
    return CardSync(desk.app.db, client(slack), CONFIG, desk.app.orgs, desk.clock, sleep=_no_wait)


def scrub(desk: Desk, slack: FakeSlackApi) -> int:
    """One pass of the scrub job, as the card-sync leader runs it."""
    scrubber = SlackScrubber(
        desk.app.db, client(slack), desk.clock, per_second=1000, sleep=_no_wait
    )
    return asyncio.run(asyncio.wait_for(scrubber.scrub_once(), timeout=20))


def card_of(desk: Desk, number: str) -> CaseCard:
    case = desk.app.cases.get(number)
    with desk.app.db.transaction() as session:
        card = session.get(CaseCard, case.id)
    assert card is not None
    return card


def a_case_in_slack(desk: Desk, slack: FakeSlackApi) -> tuple[str, str]:
    """A worked, closed case mirrored to Slack, with a member-data export in its thread, a bot
    post nobody recorded (as before this was kept) and a staff reply; its number and card."""
    number = worked_case(desk)

    async def post() -> None:
        sync = card_sync(desk, slack)
        await sync.sync_once()
        card = sync.card_of(desk.app.cases.get(number).id or 0)
        assert card is not None
        export = f"<html>{MEMBER_ANSWER}</html>".encode()
        await sync.upload(card, export, f"{number}-member-data.html", "保有データです")
        await client(slack).chat_postMessage(
            channel=CHANNEL, thread_ts=card.ref, text=f"記録のない投稿：{MEMBER_ANSWER}"
        )

    asyncio.run(asyncio.wait_for(post(), timeout=20))
    card = card_of(desk, number)
    slack.post_as_user(STAFF, CHANNEL, STAFF_NOTE, thread_ts=card.ref)
    assert len(slack.uploaded_files()) == 2
    return number, card.ref


def bots_posts(slack: FakeSlackApi, card_ts: str) -> list[Message]:
    """The bot's messages still in Slack, cards aside."""
    return [m for m in slack.messages() if m.user == slack.bot_user_id and m.ts != card_ts]


def visible(slack: FakeSlackApi) -> str:
    """Everything a person in the workspace can still read: messages and files."""
    parts = [f"{m.text}{json.dumps(m.blocks, ensure_ascii=False)}" for m in slack.messages()]
    parts += [
        f"{f.filename}{f.title}{f.initial_comment}{f.data.decode('utf-8', 'replace')}"
        for f in slack.files_left()
    ]
    return "\n".join(parts)


def assert_only_the_stub_and_staffs_note_are_left(
    slack: FakeSlackApi, card_ts: str, number: str
) -> None:
    """What a fully scrubbed case leaves: no post or file of the bot's, the card rewritten as
    a stub, and staff's own reply (only its author, or a workspace retention policy, removes
    it)."""
    assert bots_posts(slack, card_ts) == []
    assert slack.files_left() == []
    card = slack.message(CHANNEL, card_ts)
    assert card is not None and card.text == stub_text(number)
    assert [m.text for m in slack.thread(CHANNEL, card_ts)] == [STAFF_NOTE]


def test_a_purged_case_leaves_nothing_of_the_members_in_slack_that_the_bot_could_delete(
    desk: Desk, slack: FakeSlackApi
) -> None:
    number, card_ts = a_case_in_slack(desk, slack)
    assert all(word in visible(slack) for word in MEMBERS)
    assert PDF in [f.data for f in slack.files_left()]
    desk.clock.advance(days=366)

    purge(desk)
    scrub(desk, slack)

    assert_only_the_stub_and_staffs_note_are_left(slack, card_ts, number)
    assert not [word for word in MEMBERS if word in visible(slack)]
    assert PDF not in visible(slack).encode()


def test_the_attachments_stage_takes_only_the_members_files_from_slack(
    desk: Desk, slack: FakeSlackApi
) -> None:
    number, card_ts = a_case_in_slack(desk, slack)
    thread = slack.thread(CHANNEL, card_ts)
    [shared] = [m for m in thread if "添え書き" in m.text]  # the file, with its caption
    desk.clock.advance(days=91)

    purge(desk)
    scrub(desk, slack)

    assert [f.filename for f in slack.files_left()] == [f"{number}-member-data.html"]
    assert PDF not in [f.data for f in slack.files_left()]
    rest = [m.ts for m in thread if m.ts != shared.ts]
    assert [m.ts for m in slack.thread(CHANNEL, card_ts)] == rest
    card = slack.message(CHANNEL, card_ts)
    assert card is not None and card.text != stub_text(number)  # the transcript stays a year


def test_a_crash_after_the_purge_leaves_the_scrub_to_the_next_run(
    desk: Desk, slack: FakeSlackApi, clock: Clock
) -> None:
    _number, card_ts = a_case_in_slack(desk, slack)
    desk.clock.advance(days=366)
    calls = len(slack.calls)

    purge(desk)
    desk.app.db.close()  # the process dies before any Slack call

    assert len(slack.calls) == calls
    restarted = build_desk(desk.db_url, clock, None)
    try:
        assert slack_posts.pending(restarted.app.db) > 0
        with restarted.app.db.transaction() as session:
            todo = session.exec(select(SlackScrub)).all()
        listed = json.dumps([item.model_dump(mode="json") for item in todo], ensure_ascii=False)
        assert not [word for word in MEMBERS if word in listed]  # ids, not personal data
        scrub(restarted, slack)
        assert slack_posts.pending(restarted.app.db) == 0
    finally:
        restarted.app.db.close()
    assert bots_posts(slack, card_ts) == []
    assert slack.files_left() == []
    assert not [word for word in MEMBERS if word in visible(slack)]


def test_slack_failures_are_retried_later_and_a_429_is_waited_out(
    desk: Desk, slack: FakeSlackApi
) -> None:
    _number, card_ts = a_case_in_slack(desk, slack)
    desk.clock.advance(days=366)
    purge(desk)
    slack.fail_next("chat.delete", status=500, times=2)
    slack.fail_next("conversations.replies", status=503)
    slack.fail_next("files.delete", retry_after=0)  # 429

    scrub(desk, slack)

    assert slack_posts.pending(desk.app.db) == 3  # 2 messages, a file (its thread: 503)
    assert scrub(desk, slack) == 0  # not before their retry time
    desk.clock.advance(minutes=5)
    assert scrub(desk, slack) == 3
    assert bots_posts(slack, card_ts) == []
    assert slack.files_left() == []


def test_a_second_run_deletes_nothing_twice(desk: Desk, slack: FakeSlackApi) -> None:
    a_case_in_slack(desk, slack)
    desk.clock.advance(days=366)
    purge(desk)
    scrub(desk, slack)
    calls = len(slack.calls)

    purge(desk)
    assert scrub(desk, slack) == 0

    assert len(slack.calls) == calls
    deleted = slack.calls_to("chat.delete")
    assert all(c.ok for c in deleted)
    assert max(Counter(c.params["ts"] for c in deleted).values()) == 1
    files = slack.calls_to("files.delete")
    assert all(c.ok for c in files) and len(files) == 2


def scrub_rows(desk: Desk) -> list[tuple[str, bool]]:
    """The to-do list as (kind, done) pairs."""
    with desk.app.db.transaction() as session:
        rows = session.exec(select(SlackScrub).order_by(col(SlackScrub.id))).all()
        return [(row.kind, row.done_at is not None) for row in rows]


def test_finished_scrub_items_are_removed_once_nothing_could_queue_them_again(
    desk: Desk, slack: FakeSlackApi
) -> None:
    _number, card_ts = a_case_in_slack(desk, slack)
    desk.clock.advance(days=366)  # the transcripts stage
    purge(desk)
    scrub(desk, slack)
    # Only the card and its thread are remembered: the case's card row would queue them again.
    assert scrub_rows(desk) == [("thread", True), ("card", True)]
    rewrites = len(slack.calls_to("chat.update"))

    desk.clock.advance(days=1460)  # the register stage: the case and its card row go
    purge(desk)
    scrub(desk, slack)

    assert scrub_rows(desk) == []
    assert len(slack.calls_to("chat.update")) == rewrites  # the card was not rewritten again
    assert bots_posts(slack, card_ts) == []


def test_a_card_posted_before_posts_were_recorded_is_found_from_its_thread(
    desk: Desk, slack: FakeSlackApi
) -> None:
    number, card_ts = a_case_in_slack(desk, slack)
    with desk.app.db.transaction() as session:
        session.execute(delete(SlackPost))  # as a database upgraded to 0005 finds it
    desk.clock.advance(days=1826)  # straight to the register stage: the card row goes too

    purge(desk)
    scrub(desk, slack)

    assert_only_the_stub_and_staffs_note_are_left(slack, card_ts, number)


def test_the_fake_lets_a_bot_delete_only_its_own_messages(slack: FakeSlackApi) -> None:
    async def scenario() -> None:
        web = client(slack)
        card = await web.chat_postMessage(channel=CHANNEL, text="card")
        staff = slack.post_as_user(STAFF, CHANNEL, STAFF_NOTE, thread_ts=card["ts"])
        with pytest.raises(SlackApiError) as refused:
            await web.chat_delete(channel=CHANNEL, ts=staff)
        assert refused.value.response["error"] == "cant_delete_message"
        for n in range(3):
            await web.chat_postMessage(channel=CHANNEL, thread_ts=card["ts"], text=f"r{n}")
        first = await web.conversations_replies(channel=CHANNEL, ts=card["ts"], limit=3)
        cursor = first["response_metadata"]["next_cursor"]
        rest = await web.conversations_replies(channel=CHANNEL, ts=card["ts"], cursor=cursor)
        texts = [m["text"] for m in [*first["messages"], *rest["messages"]]]
        assert texts == ["card", STAFF_NOTE, "r0", "r1", "r2"]
        assert "bot_id" not in first["messages"][1]

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))


def test_a_transferred_case_loses_both_threads_and_both_cards(
    desk: Desk, slack: FakeSlackApi
) -> None:
    number = worked_case(desk, close=False)
    asyncio.run(asyncio.wait_for(card_sync(desk, slack).sync_once(), timeout=20))
    first = card_of(desk, number).ref
    let_org_serve(desk.app, "coopdeli", "kyosai-bu")
    desk.app.cases.transfer(
        number, StaffActor.trusted("sato"), "kyosai-bu", f"共済の件です：{MEMBER_ANSWER}"
    )
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True)
    asyncio.run(asyncio.wait_for(card_sync(desk, slack).sync_once(), timeout=20))
    second = card_of(desk, number)
    assert second.channel == "C0KYOSAI" and slack.thread("C0KYOSAI", second.ref)
    assert MEMBER_ANSWER in visible(slack)
    desk.clock.advance(days=366)

    purge(desk)
    scrub(desk, slack)

    assert [m.ts for m in slack.messages() if m.user == slack.bot_user_id] == [first, second.ref]
    assert {m.text for m in slack.messages()} == {stub_text(number)}
    assert slack.files_left() == []
    assert not [word for word in MEMBERS if word in visible(slack)]
