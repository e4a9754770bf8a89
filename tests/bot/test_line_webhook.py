"""LINE's webhook: only LINE's signed requests are read, nothing LINE sends twice counts twice,
and whatever was stored before a stop is worked after it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.line.channel import BODY_LIMIT
from tests.bot.line_desk import LineDesk, LineMember, line_desk
from tests.fakes.line import FakeLine


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as api:
        yield api


@pytest.fixture
def desk(tmp_path: Path, fake: FakeLine) -> Iterator[LineDesk]:
    with line_desk(tmp_path, fake) as running:
        yield running


def _event_body(fake: FakeLine, user_id: str, text: str) -> bytes:
    event = {
        "type": "message",
        "message": {"type": "text", "id": "1", "quoteToken": "q", "text": text},
        "webhookEventId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(fake.now() * 1000),
        "source": {"type": "user", "userId": user_id},
        "replyToken": "0" * 32,
        "mode": "active",
    }
    return json.dumps({"destination": fake.bot_user_id, "events": [event]}).encode()


def test_a_webhook_without_a_signature_is_refused_before_anything_is_read(
    fake: FakeLine, desk: LineDesk
) -> None:
    body = _event_body(fake, fake.new_member(), "開示請求したい")
    assert fake.post_raw(body, signature=None) == 401
    desk.settle()
    assert desk.inbox_size() == 0
    assert desk.turns() == 0


def test_a_forged_signature_is_refused_and_nothing_is_stored(
    fake: FakeLine, desk: LineDesk
) -> None:
    body = _event_body(fake, fake.new_member(), "開示請求したい")
    forged = FakeLine(channel_secret="somebody-else's-secret").sign(body)
    assert fake.post_raw(body, signature=forged) == 401
    assert fake.post_raw(body, signature="not base64 at all \xe9") == 401
    assert fake.post_raw(body + b" ", signature=fake.sign(body)) == 401  # body changed
    desk.settle()
    assert desk.inbox_size() == 0
    assert desk.turns() == 0


def test_a_body_signed_with_a_reissued_channels_old_secret_is_refused(
    fake: FakeLine, desk: LineDesk
) -> None:
    """LINE's signature has no timestamp: a stale signature is one made with the secret the
    channel had before it was reissued."""
    body = _event_body(fake, fake.new_member(), "こんにちは")
    stale = FakeLine(channel_secret="the-secret-before-reissue").sign(body)
    assert fake.post_raw(body, signature=stale) == 401
    assert desk.inbox_size() == 0


def test_an_oversized_body_is_refused_from_its_declared_length_unread(
    fake: FakeLine, desk: LineDesk
) -> None:
    small = b'{"events": []}'
    declared = {"Content-Length": str(BODY_LIMIT + 1)}
    assert fake.post_raw(small, signature=fake.sign(small), headers=declared) == 413
    chunked = b"x" * (BODY_LIMIT + 1)
    status = fake.post_raw(
        b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunked), chunked),
        signature=fake.sign(chunked),
        headers={"Transfer-Encoding": "chunked"},
    )
    assert status == 413
    assert desk.inbox_size() == 0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"events": "none"}', b'{"events": [1]}', b"[" * 100_000],
)
def test_a_signed_body_that_is_not_a_webhook_request_gets_400(
    fake: FakeLine, desk: LineDesk, body: bytes
) -> None:
    assert fake.post_raw(body, signature=fake.sign(body)) == 400
    assert desk.inbox_size() == 0


def test_lines_verify_request_without_events_is_answered_200(
    fake: FakeLine, desk: LineDesk
) -> None:
    assert fake.deliver([]) == 200
    assert desk.inbox_size() == 0


def test_a_redelivered_event_has_no_second_effect(fake: FakeLine, desk: LineDesk) -> None:
    member = LineMember(desk)
    member.follows()
    member.presses("コープデリ")
    before = len(fake.shown(member.user_id))
    event_id = fake.send_text(member.user_id, "開示請求をしたい")
    desk.settle()
    turns = desk.turns()
    answered = len(fake.shown(member.user_id))
    assert answered > before

    assert fake.redeliver(event_id) == 200  # stored? no: its key is known
    assert fake.redeliver(event_id) == 200
    desk.settle()
    assert desk.turns() == turns
    assert len(fake.shown(member.user_id)) == answered
    assert desk.inbox_size() == 0


def test_a_redelivery_arriving_while_the_first_is_still_waiting_is_stored_once(
    tmp_path: Path, fake: FakeLine
) -> None:
    with line_desk(tmp_path, fake, gate=True) as desk:
        member = fake.new_member()
        event_id = fake.follow(member)
        assert fake.redeliver(event_id) == 200
        assert desk.inbox_size() == 1


def test_events_stored_before_a_stop_are_worked_at_the_next_start_in_order(
    tmp_path: Path, fake: FakeLine
) -> None:
    member = fake.new_member()
    with line_desk(tmp_path, fake, gate=True) as stopped:
        fake.follow(member)
        fake.send_text(member, "2")  # コープデリ
        fake.send_text(member, "3")  # 開示
        assert stopped.inbox_size() == 3
        assert fake.shown(member) == []  # answered 200, never worked
        assert all(d.status == 200 and d.seconds < 2 for d in fake.deliveries)
    fake.advance(120)  # back two minutes later: the events' reply tokens have expired
    with line_desk(tmp_path, fake) as desk:
        desk.settle()
        assert desk.inbox_size() == 0
        state = desk.conversation(member)
        assert state is not None and state.state["flow"] == "disclosure"
        texts = "\n".join(fake.texts(member))
        assert texts.index("ご利用の生協") < texts.index("コープデリの個人情報の窓口")
        assert "開示" in texts.split("コープデリの個人情報の窓口")[1]
        # Their reply tokens had expired (the desk reads the events' own time): pushed.
        assert fake.accepted("push", member)
        assert not fake.calls_to("reply")


def test_group_and_room_events_are_not_stored(fake: FakeLine, desk: LineDesk) -> None:
    group = {
        "type": "message",
        "message": {"type": "text", "id": "9", "quoteToken": "q", "text": "hi"},
        "webhookEventId": "01HGROUPGROUPGROUPGROUPGRP",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(fake.now() * 1000),
        "source": {"type": "group", "groupId": "C" + "1" * 32, "userId": "U" + "2" * 32},
        "replyToken": "1" * 32,
        "mode": "active",
    }
    assert fake.deliver([group]) == 200
    assert desk.inbox_size() == 0


def test_an_event_type_the_desk_does_not_know_is_stored_worked_and_answered_by_nothing(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = fake.new_member()
    fake.send_event(member, {"type": "somethingNew", "somethingNew": {"x": 1}})
    desk.settle()
    assert desk.inbox_size() == 0
    assert fake.shown(member) == []


def test_an_event_whose_turn_fails_is_tried_again_before_the_members_next_one(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = fake.new_member()
    desk.database_away(turns=2)
    fake.follow(member)
    fake.send_text(member, "2")  # コープデリ: only right after the greeting's question
    desk.settle()
    texts = "\n".join(fake.texts(member))
    assert texts.index("ご利用の生協") < texts.index("コープデリの個人情報の窓口")
    assert desk.inbox_size() == 0
