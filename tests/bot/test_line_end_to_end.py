"""Members on LINE, end to end: the real ``madoguchi serve`` process with the official
``line-bot-sdk`` talking HTTP to the fake LINE (``tests/fakes/line.py``), staff in the fake
Slack clicking through the same buttons and forms as the Slack end-to-end tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot.line_desk import LineMember
from tests.bot.line_served import LineServed, serving_line
from tests.bot.test_slack_end_to_end import DEPLOYMENT, SIGNING_SECRET, Desk
from tests.fakes.line import FakeLine
from tests.fakes.slack_api import FakeSlackApi, plain_text
from tests.flows.answers import COMPLAINT

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TAKUHAI, STAFF = "C0TAKU", "UTAKU"  # コープデリ's queue's channel and its staff member
STAFF_REPLY = "ご連絡ありがとうございます。担当の佐藤です。明日お電話いたします。"


@pytest.fixture
def line() -> Iterator[FakeLine]:
    with FakeLine() as api:
        yield api


@dataclass
class LineAndSlack:
    """``serve`` with LINE for members and Slack (signed HTTP) for staff."""

    desk: LineServed
    slack: Desk


@contextmanager
def line_and_slack(
    line: FakeLine,
    slack: FakeSlackApi,
    tmp_path: Path,
    database: str,
    log_file: Path | None = None,
    **settings: str,
) -> Iterator[LineAndSlack]:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(DEPLOYMENT, encoding="utf-8")
    slack.add_usergroup("STAKU", [STAFF])
    with serving_line(
        line,
        database,
        deployment=deployment,
        log_file=log_file,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_API_URL=slack.api_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_SYNC_INTERVAL="0.2",
        **settings,
    ) as desk:
        sender = slack.sender(f"http://127.0.0.1:{desk.served.port}/slack/events", SIGNING_SECRET)
        # The Slack tests' desk: only its Slack half is used here (members are on LINE).
        yield LineAndSlack(desk, Desk(desk.served, None, slack, sender))  # type: ignore[arg-type]


def member_lines(desk: LineServed, text: str) -> int:
    escaped = text.replace("'", "''")
    return desk.scalar(
        f"SELECT count(*) FROM transcriptline WHERE direction = 'member' AND text = '{escaped}'"
    )


def test_line_members_complete_a_disclosure_with_quick_replies_and_in_their_own_words(
    database_url: str, line: FakeLine, tmp_path: Path
) -> None:
    with serving_line(line, database_url) as desk:
        tapping = LineMember(desk)
        assert "ご用件を選んでください" in tapping.at_the_menu()
        receipt = tapping.completes("disclosure", with_buttons=True)
        assert "受付番号：CD-2026-00001" in receipt
        kinds = [line.event(event_id)["type"] for event_id in tapping.event_ids]
        assert kinds[:3] == ["follow", "postback", "postback"]  # the co-op, 開示: tapped
        assert kinds.count("postback") >= 8  # every choice by its quick reply

        typing = LineMember(desk)
        typing.follows()
        typing.transcript(
            """
            会員: コープデリです
            窓口: コープデリの個人情報の窓口
            会員: 私の情報を見せてほしいのですが
            窓口: 開示
            会員: 全部お願いします
            窓口: どなたからのお申し出ですか
            会員: 本人です
            窓口: お名前
            会員: 山田 花子
            """
        )
        receipt = typing.finishes(with_buttons=False)
        assert "受付番号：CD-2026-00002" in receipt
        assert "postback" not in [line.event(event_id)["type"] for event_id in typing.event_ids]
        cases = desk.query('SELECT number, request_type, channel FROM "case" ORDER BY id')
        assert cases == [
            ("CD-2026-00001", "disclosure", "line"),
            ("CD-2026-00002", "disclosure", "line"),
        ]
        # Every answer was a free reply: nothing of the month's quota was spent.
        assert line.calls_to("push") == [] and desk.health()["line"]["pushes"]["pushes"] == 0

        # LINE delivers an event again (its retry, or a redelivery): no second effect.
        turns = desk.scalar("SELECT count(*) FROM processedupdate WHERE key LIKE 'line:%'")
        shown = len(line.shown(typing.user_id))
        asked = typing.event_ids[2]  # 「私の情報を見せてほしいのですが」
        assert line.redeliver(asked) == 200
        assert line.redeliver(asked) == 200
        assert typing.says("ありがとうございました")  # answered after the redeliveries
        assert len(line.shown(typing.user_id)) == shown + 1
        assert member_lines(desk, "私の情報を見せてほしいのですが") == 1
        assert desk.scalar("SELECT count(*) FROM processedupdate WHERE key LIKE 'line:%'") == (
            turns + 1
        )
        assert desk.scalar("SELECT count(*) FROM inboxevent") == 0


def test_a_staff_reply_from_slack_reaches_the_line_member_by_push_and_is_counted(
    database_url: str, line: FakeLine, slack: FakeSlackApi, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with line_and_slack(
        line,
        slack,
        tmp_path,
        database_url,
        log,
        LINE_MONTHLY_QUOTA="2",
        LINE_QUOTA_WARN_SHARE="0.5",
    ) as both:
        desk, staff = both.desk, both.slack
        member = LineMember(desk)
        member.at_the_menu()
        for text in COMPLAINT:
            member.says(text)
        [(number,)] = desk.query('SELECT number FROM "case"')
        card = staff.card(TAKUHAI, number)
        staff.card_shows(TAKUHAI, card.ts, "*連絡手段*\nLINE")

        line.advance(3600)  # an hour later: every reply token the member's events gave is dead
        staff.click(STAFF, "case_reply", TAKUHAI, card.ts)
        staff.submit(STAFF, "case_reply", {"reply": {"value": plain_text(STAFF_REPLY)}})
        staff.submit(STAFF, "case_reply_confirm", {})
        line.wait_for(lambda api: bool(api.accepted("push", member.user_id)), timeout=20)
        [push] = line.accepted("push", member.user_id)
        assert STAFF_REPLY in push.body["messages"][0]["text"]
        assert UUID.fullmatch(push.headers["x-line-retry-key"])
        staff.wait_thread(TAKUHAI, card.ts, STAFF_REPLY)

        pushes = desk.health()["line"]["pushes"]
        assert (pushes["pushes"], pushes["quota"], pushes["warned"]) == (1, 2, True)
    warnings = [
        json.loads(line_) for line_ in log.read_text().splitlines() if "line.quota_warning" in line_
    ]
    assert [(w["pushes"], w["quota"]) for w in warnings] == [(1, 2)]
