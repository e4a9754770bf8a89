"""Members on LINE, end to end: the real ``madoguchi serve`` process with the official
``line-bot-sdk`` talking HTTP to the fake LINE (``tests/fakes/line.py``), staff in the fake
Slack clicking through the same buttons and forms as the Slack end-to-end tests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot.line_desk import LineMember
from tests.bot.line_served import LineServed, serving_line
from tests.bot.served import eventually, staff_reply
from tests.bot.test_slack_end_to_end import DEPLOYMENT, SIGNING_SECRET, Desk, _block_text
from tests.fakes.line import FakeLine
from tests.fakes.slack_api import FakeSlackApi, plain_text
from tests.flows.answers import COMPLAINT, MENU_NUMBER

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


def test_staff_replies_from_slack_and_the_terminal_reach_the_line_member_by_push_counted(
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
        # LINE has the push the moment it answers; the desk counts it just after.
        eventually(lambda: desk.health()["line"]["pushes"]["pushes"] == 1)

        # From the terminal (another process), the same way.
        staff_reply(desk.served, number, "書類を郵送しました。")
        line.wait_for(lambda api: len(api.accepted("push", member.user_id)) == 2, timeout=20)
        assert "書類を郵送しました。" in line.texts(member.user_id)[-1]

        eventually(lambda: desk.health()["line"]["pushes"]["pushes"] == 2)
        pushes = desk.health()["line"]["pushes"]
        assert (pushes["pushes"], pushes["quota"], pushes["warned"]) == (2, 2, True)
    warnings = [
        json.loads(line_) for line_ in log.read_text().splitlines() if "line.quota_warning" in line_
    ]
    assert [(w["pushes"], w["quota"]) for w in warnings] == [(1, 2)]  # once a month


SUPERVISORS = "C0SUPER"  # the deployment's supervisors' channel
QUOTA_WARNING = "LINE の今月"


def _quota_warnings(slack: FakeSlackApi) -> list[str]:
    return [m.text for m in slack.messages(SUPERVISORS) if QUOTA_WARNING in m.text]


def test_the_line_quota_warning_reaches_supervisors_once_a_month_and_app_home_counts_pushes(
    database_url: str, line: FakeLine, slack: FakeSlackApi, tmp_path: Path
) -> None:
    quota = {"LINE_MONTHLY_QUOTA": "2", "LINE_QUOTA_WARN_SHARE": "0.5"}
    with line_and_slack(line, slack, tmp_path, database_url, **quota) as both:
        desk, staff = both.desk, both.slack
        member = LineMember(desk)
        member.at_the_menu()
        for text in COMPLAINT:
            member.says(text)
        [(number,)] = desk.query('SELECT number FROM "case"')
        card = staff.card(TAKUHAI, number)
        line.advance(3600)  # the reply tokens are dead: staff's answer is a push
        staff_reply(desk.served, number, STAFF_REPLY)
        line.wait_for(lambda api: bool(api.accepted("push", member.user_id)), timeout=20)
        # One push of two is half the quota: the supervisors hear it, with counts only.
        slack.wait_for(lambda api: bool(_quota_warnings(api)), timeout=20)
        [warning] = _quota_warnings(slack)
        assert "1 通" in warning and "上限 2 通" in warning and "50%" in warning
        assert STAFF_REPLY not in warning and number not in warning

        assert staff.sender.app_home_opened(STAFF).status == 200
        slack.wait_for(lambda api: api.published_home(STAFF) is not None, timeout=20)
        home = _block_text(slack.published_home(STAFF)["blocks"])  # type: ignore[index]
        assert "LINE のプッシュ送信" in home and "今月 1 通 / 上限 2 通" in home

    # After a restart, and at the next push, the month's warning is not posted again.
    with line_and_slack(line, slack, tmp_path, database_url, **quota) as both:
        for text in ("書類を郵送しました。", "本日発送しました。"):
            staff_reply(both.desk.served, number, text)
            both.slack.wait_thread(TAKUHAI, card.ts, text)  # the sync has made a pass since
        eventually(lambda: both.desk.health()["line"]["pushes"]["pushes"] >= 2)
    assert len(_quota_warnings(slack)) == 1


# ---------------------------------------------------------------- crash and restart

BURST_MEMBERS = 30
LINE_EVENTS = "SELECT key FROM processedupdate WHERE key LIKE 'line:%'"


def _collapsed(texts: list[str]) -> list[str]:
    """The messages with each repeat of the one just before removed: a message sent again
    after a crash comes straight after the first, before anything newer in that chat."""
    kept: list[str] = []
    for text in texts:
        if not kept or kept[-1] != text:
            kept.append(text)
    return kept


def test_killing_the_server_mid_burst_loses_and_doubles_no_line_event(
    database_url: str, line: FakeLine, tmp_path: Path
) -> None:
    """kill -9 while a burst of members write: every event LINE was answered 200 for was
    stored and is worked after the restart, LINE's redeliveries of the rest count once, and
    an answer is repeated only as the README allows (LINE took it, the process died before
    marking it sent)."""
    members = [line.new_member() for _ in range(BURST_MEMBERS)]
    script: list[Callable[[str], str]] = [
        line.follow,
        lambda member: line.send_text(member, "2"),  # コープデリ
        *(lambda member, text=text: line.send_text(member, text) for text in COMPLAINT),
    ]

    def writes(member: str) -> None:
        """One member's messages, each sent once LINE had its 200 for the one before (LINE
        delivers a chat's events in order), without waiting for the desk's answers."""
        for send in script:
            try:
                send(member)
            except AssertionError:  # the server is gone: LINE sends it again later
                return

    with serving_line(line, database_url) as desk:
        with ThreadPoolExecutor(max_workers=BURST_MEMBERS) as pool:
            for member in members:
                pool.submit(writes, member)
            line.wait_for(lambda api: len(api.accepted("reply")) >= 5, timeout=30)
            desk.served.process.kill()  # no shutdown: whatever was in flight is cut off
            desk.served.process.wait(timeout=10)
        stored = desk.scalar("SELECT count(*) FROM inboxevent")
        worked = len(desk.query(LINE_EVENTS))
    sent_events = {event_id for d in line.deliveries for event_id in d.event_ids}
    accepted = {event_id for d in line.deliveries if d.status == 200 for event_id in d.event_ids}
    assert len(sent_events) < BURST_MEMBERS * len(script) or stored > 0  # a real interruption
    assert worked < len(accepted)  # some events were answered 200 and not yet worked

    answered_before = len(accepted)
    with serving_line(line, database_url) as desk:
        # LINE sends again what it was not answered 200 for (webhook redelivery), in order.
        for delivery in list(line.deliveries):
            for event_id in delivery.event_ids:
                if event_id not in accepted:
                    assert line.redeliver(event_id) == 200
                    accepted.add(event_id)
        # The members who were cut off go on writing.
        with ThreadPoolExecutor(max_workers=BURST_MEMBERS) as pool:
            for member in members:
                done = sum(line.event(e)["source"]["userId"] == member for e in sent_events)
                pool.submit(lambda m=member, n=done: [send(m) for send in script[n:]])
        eventually(lambda: desk.scalar("SELECT count(*) FROM inboxevent") == 0, timeout=60)
        eventually(
            lambda: desk.scalar("SELECT count(*) FROM outboxmessage WHERE status <> 'sent'") == 0,
            timeout=60,
        )
        processed = {key.removeprefix("line:") for (key,) in desk.query(LINE_EVENTS)}
        cases = desk.query('SELECT conversation_id, count(*) FROM "case" GROUP BY 1')
        lines = desk.scalar("SELECT count(*) FROM transcriptline WHERE direction = 'member'")
        rows = desk.query("SELECT chat_id, text FROM outboxmessage ORDER BY id")
    everything = {event_id for d in line.deliveries for event_id in d.event_ids}
    assert len(everything) == BURST_MEMBERS * len(script)
    assert processed == everything  # nothing lost
    assert len(cases) == BURST_MEMBERS and all(n == 1 for _, n in cases)  # nothing doubled
    assert lines == len(everything)  # every event had exactly one effect

    repeated = 0
    for member in members:
        stored_texts = [str(text) for chat, text in rows if chat == member]
        shown = line.texts(member)
        kept = _collapsed(shown)
        repeated += len(shown) - len(kept)
        # Each answer arrived, in order (a message shows its text, then its numbered choices).
        assert len(kept) == len(stored_texts), (member, kept, stored_texts)
        assert all(got.startswith(want) for got, want in zip(kept, stored_texts, strict=True))
    # The README's rule: a message LINE took just before the kill may be shown again (a reply
    # whose row was not yet marked sent goes as a push; a push retried keeps its retry key and
    # is refused by LINE, so it is not shown twice).
    print(
        f"LINE crash: {answered_before} events answered 200 before the kill, {worked} of them "
        f"worked, {stored} waiting in the inbox; {len(accepted) - answered_before} redelivered; "
        f"{repeated} of {len(rows)} messages shown twice"
    )
    assert repeated <= 16  # at most the sends that were on the wire at the kill


def test_every_request_flow_ends_as_a_case_on_line_with_quick_replies_and_with_free_text(
    database_url: str, line: FakeLine, tmp_path: Path
) -> None:
    with serving_line(line, database_url) as desk:

        def one_member(request_type: str, with_buttons: bool) -> None:
            member = LineMember(desk)
            assert "ご用件を選んでください" in member.at_the_menu()
            receipt = member.completes(request_type, with_buttons=with_buttons)
            assert "お申し出を受け付けました" in receipt, (request_type, with_buttons, receipt)

        # Members in parallel, as on a real day; each LINE chat is worked in its own order.
        jobs = [(t, with_buttons) for t in MENU_NUMBER for with_buttons in (True, False)]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            for done in [pool.submit(one_member, *job) for job in jobs]:
                done.result()
        cases = desk.query('SELECT request_type, queue, channel FROM "case"')
    assert sorted(t for t, _, _ in cases) == sorted(list(MENU_NUMBER) * 2)
    assert {(q, c) for _, q, c in cases} == {("takuhai-center", "line")}
