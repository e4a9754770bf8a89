"""What the desk sends on LINE: free replies while a reply token lives, pushes with a retry
key after, LINE's limits kept, refusals waited out in order, the month's quota counted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from bot.channels.line import messages
from bot.channels.line.sending import QUOTA_RETRY_SECONDS, ReplyTokens
from bot.export import event_label
from bot.slack.blocks import event_text
from flows.safe_text import utf16_length
from storage import line_quota
from storage.models import OutboxMessage
from storage.staff import StaffActor
from tests.bot.line_desk import LineDesk, LineMember, line_desk
from tests.fakes.line import FakeLine
from tests.flows.answers import COMPLAINT

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAFF_REPLY = "ご連絡ありがとうございます。担当の佐藤です。明日お電話いたします。"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as api:
        yield api


@pytest.fixture
def desk(tmp_path: Path, fake: FakeLine) -> Iterator[LineDesk]:
    with line_desk(tmp_path, fake) as running:
        yield running


def member_with_a_case(desk: LineDesk) -> tuple[LineMember, str]:
    """A コープデリ member who asked for a person about a complaint; the case's number."""
    member = LineMember(desk)
    member.at_the_menu()
    for line in COMPLAINT:
        member.says(line)
    [case] = desk.cases_of(member.user_id)
    return member, case.number


def pushes(desk: LineDesk) -> int:
    return line_quota.push_usage(desk.app.db, desk.clock()).pushes


def test_answers_within_the_reply_tokens_life_are_free_replies(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    member.says("開示請求をしたい")
    assert len(fake.accepted("reply", member.user_id)) == 3
    assert fake.calls_to("push") == []
    assert pushes(desk) == 0


def test_an_answer_after_the_reply_token_expired_is_pushed_with_a_retry_key(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    fake.send_text(member.user_id, "3")
    fake.advance(55)  # the answer goes out after the token's life (the desk keeps 50 s)
    desk.settle()
    [push] = fake.accepted("push", member.user_id)
    assert UUID.fullmatch(push.headers["x-line-retry-key"])
    assert "開示" in fake.texts(member.user_id)[-1]
    assert pushes(desk) == 1


def test_a_staff_reply_after_the_token_expired_reaches_the_member_by_push(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    desk.settle()
    assert STAFF_REPLY in fake.texts(member.user_id)[-1]
    assert len(fake.accepted("push", member.user_id)) == 1
    assert pushes(desk) == 1


def test_a_used_reply_token_falls_back_to_a_push(fake: FakeLine, desk: LineDesk) -> None:
    member = LineMember(desk)
    member.follows()
    fake.fail_next("reply", status=400, message="Invalid reply token")
    answer = member.presses("コープデリ")
    assert "コープデリの個人情報の窓口" in answer
    assert len(fake.accepted("push", member.user_id)) == 1


def test_a_push_whose_answer_was_lost_is_retried_with_its_key_and_not_shown_twice(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.drop_answer_next("push")
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    desk.settle()
    [pending] = desk.pending(member.user_id)  # LINE took it; the desk never heard
    assert fake.texts(member.user_id).count(fake.texts(member.user_id)[-1]) == 1
    desk.clock.advance(seconds=pending.attempts * 2 + 1)
    desk.settle()
    assert desk.pending(member.user_id) == []
    statuses = [call.status for call in fake.calls_to("push")]
    assert statuses == [200, 409]
    keys = {call.headers["x-line-retry-key"] for call in fake.calls_to("push")}
    assert len(keys) == 1
    assert sum(STAFF_REPLY in text for text in fake.texts(member.user_id)) == 1
    assert pushes(desk) == 1


def test_a_retry_key_names_exactly_the_rows_a_push_carries() -> None:
    rows = [
        OutboxMessage(id=i, conversation_id=1, channel="line", chat_id="U1", text="x")
        for i in (7, 8, 9)
    ]
    assert messages.retry_key(rows[:2], 0) == messages.retry_key(rows[:2], 0)
    # A retry that carries one more row is another push: the extra row must not be taken
    # for part of the earlier one (409) and lost.
    assert messages.retry_key(rows[:2], 0) != messages.retry_key(rows, 0)
    assert messages.retry_key(rows, 0) != messages.retry_key(rows, 1)


def test_long_text_goes_in_parts_within_5000_units_and_five_messages_a_call(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    replies = [f"{n}通目のご説明です。" + "説明😀😀" * 1000 for n in range(1, 8)]
    for text in replies:
        # Within what staff may write, but past 5,000 units as LINE counts (emoji are two).
        assert len(text) <= 4096 < 5000 < utf16_length(text)
        desk.app.cases.reply(number, StaffActor.trusted("sato"), text)
    desk.settle()
    calls = fake.accepted("push", member.user_id)
    assert [len(call.body["messages"]) for call in calls] == [5, 5, 4]
    sent = [m["text"] for call in calls for m in call.body["messages"]]
    assert all(utf16_length(text) <= 5000 for text in sent)
    shown, position = "".join(sent), 0
    for text in replies:  # each whole, in order, once (around it: the desk's own lines)
        position = shown.index(text, position) + len(text)
    assert shown.count("説明😀😀") == 7 * 1000
    assert pushes(desk) == 3


@pytest.mark.parametrize("org", ["生活クラブ共済連", "コープデリ"])
def test_every_request_flows_quick_replies_are_within_lines_limits(
    fake: FakeLine, desk: LineDesk, org: str
) -> None:
    for request_type in (
        "purpose_notice",
        "disclosure",
        "third_party_record",
        "correction",
        "suspension",
        "third_party_stop",
        "consent_withdrawal",
        "human",
    ):
        member = LineMember(desk)
        member.at_the_menu(org)
        receipt = member.completes(request_type, with_buttons=True)
        assert "受付番号" in receipt, (request_type, receipt)
        for message in fake.shown(member.user_id):
            items = message.get("quickReply", {}).get("items", [])
            assert len(items) <= 13
            for number, item in enumerate(items, 1):
                action = item["action"]
                assert 1 <= len(action["label"]) <= 20
                assert len(action["data"]) <= 300
                # Every button's choice is also listed, numbered, in the text.
                assert f"\n{number}. " in message["text"], (action, message["text"])
    assert desk.send_errors() == []


def test_a_rate_limit_429_waits_and_the_chats_messages_go_in_order(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.fail_next("push", status=429)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "一通目です。")
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "二通目です。")
    desk.settle()
    assert len(desk.pending(member.user_id)) == 2  # waiting, neither dropped nor reordered
    desk.clock.advance(seconds=2)
    desk.settle()
    texts = fake.texts(member.user_id)
    assert "一通目です。" in texts[-2] and "二通目です。" in texts[-1]
    assert [c.status for c in fake.calls_to("push")] == [429, 200]
    assert desk.pending(member.user_id) == []


def test_a_server_error_is_retried_until_line_takes_the_message(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.fail_next("push", times=2, status=500)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    for _ in range(3):
        desk.settle()
        desk.clock.advance(seconds=300)
    assert STAFF_REPLY in fake.texts(member.user_id)[-1]
    assert [c.status for c in fake.calls_to("push")] == [500, 500, 200]


def test_a_message_line_refuses_as_malformed_is_kept_not_dropped(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.fail_next("push", status=400, message="The request body has 1 error(s)")
    with capture_logs() as logs:
        desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
        desk.settle()
    [kept] = desk.pending(member.user_id)
    assert kept.next_attempt_at is not None
    assert (kept.next_attempt_at - desk.clock()).total_seconds() > 600  # a bug: retried late
    refused = [e for e in logs if e["event"] == "line.send_refused"]
    assert refused and refused[0]["outbox"] == [kept.id]
    assert STAFF_REPLY not in str(logs)


def test_a_member_who_blocked_the_account_is_unreachable_and_their_cases_say_so(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.block_quietly(member.user_id)  # without the desk being told (no unfollow event)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    desk.settle()
    conversation = desk.conversation(member.user_id)
    assert conversation is not None and not conversation.reachable
    assert desk.events(number, "member_unreachable")
    assert len(desk.pending(member.user_id)) == 1


def test_a_push_refused_for_the_months_quota_waits_and_the_case_says_so(
    fake: FakeLine, desk: LineDesk
) -> None:
    member, number = member_with_a_case(desk)
    fake.advance(3600)
    fake.quota = 0
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    desk.settle()
    [waiting] = desk.pending(member.user_id)
    assert waiting.last_error == line_quota.QUOTA_WAIT
    assert waiting.next_attempt_at is not None
    wait = (waiting.next_attempt_at - desk.clock()).total_seconds()
    assert wait == pytest.approx(QUOTA_RETRY_SECONDS)
    desk.clock.advance(seconds=QUOTA_RETRY_SECONDS + 1)
    desk.settle()  # refused again: still waiting, said on the case once
    assert len(desk.pending(member.user_id)) == 1
    [said] = desk.events(number, line_quota.DELIVERY_WAITING)
    assert said.data == {"reason": "line_monthly_quota"}
    assert "送信待ち" in (event_text(said, {}) or "")  # the Slack thread says so
    assert event_label(said) == "会員への送信待ち"  # exports and `staff show` too

    # The member writes: the waiting message rides on the free reply to their message.
    answer = member.says("まだですか")
    assert STAFF_REPLY in answer
    assert desk.pending(member.user_id) == []
    assert fake.texts(member.user_id).count(fake.texts(member.user_id)[-1]) == 1


def test_the_months_pushes_are_counted_and_the_warning_is_given_once(
    tmp_path: Path, fake: FakeLine
) -> None:
    fake.quota = 4  # LINE's answer to GET /v2/bot/message/quota; nothing configured
    with line_desk(tmp_path, fake, warn_share=0.5) as desk:
        _member, number = member_with_a_case(desk)
        fake.advance(3600)
        with capture_logs() as logs:
            for text in ("一通目です。", "二通目です。", "三通目です。"):
                desk.app.cases.reply(number, StaffActor.trusted("sato"), text)
                desk.settle()
        warnings = [e for e in logs if e["event"] == "line.quota_warning"]
        assert len(warnings) == 1
        assert warnings[0]["pushes"] == 2 and warnings[0]["quota"] == 4
        usage = desk.call(desk.channel.push_usage())
        assert (usage.pushes, usage.quota, usage.warned) == (3, 4, True)
        assert len(fake.calls_to("quota")) == 1  # asked once, then kept for an hour


def test_a_configured_monthly_quota_is_used_without_asking_line(
    tmp_path: Path, fake: FakeLine
) -> None:
    with line_desk(tmp_path, fake, monthly_quota=1, warn_share=0.8) as desk:
        _member, number = member_with_a_case(desk)
        fake.advance(3600)
        with capture_logs() as logs:
            desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
            desk.settle()
        assert [e["event"] for e in logs].count("line.quota_warning") == 1
        assert fake.calls_to("quota") == []


def test_the_menus_quick_replies_name_each_request_within_twenty_characters(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    labels = [label for label, _ in fake.buttons(member.user_id)]
    assert labels[:4] == [
        "1. 個人情報の取り扱いについて質問し…",
        "2. 利用目的の通知",
        "3. 開示",
        "4. 第三者提供記録の開示",
    ]
    assert "9. 担当者と話したい" in labels


def test_reply_tokens_are_used_oldest_first_once_and_forgotten_when_expired() -> None:
    now = [1000.0]
    tokens = ReplyTokens(lambda: now[0])
    tokens.add("U1", "first", 990.0)
    tokens.add("U1", "second", 999.0)
    tokens.add("U2", "old", 900.0)
    assert tokens.take("U1") == ("first", 990.0)
    now[0] = 1045.0  # "first" would have expired by now; "second" has five seconds left
    assert tokens.take("U1") == ("second", 999.0)
    assert tokens.take("U1") is None
    tokens.prune()
    assert tokens.take("U2") is None
