"""Follow-ups in Slack: staff see the member's unread words and 会員から連絡あり on the card,
reopen a closed case from its card, and supervisors hear of complaints without their text."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.bot.served import Member, eventually
from tests.bot.test_slack_end_to_end import CHANNELS, STAFF, Desk, _block_text, desk_running
from tests.bot.test_slack_staff import audit, column, events, new_case
from tests.conftest import DATABASES, database_for
from tests.fakes.slack_api import FakeSlackApi, checkboxes, plain_text, radio_buttons
from tests.fakes.telegram_api import FakeBotApi

KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
SUPERVISORS = "C0SUPER"


@pytest.fixture(scope="module", params=DATABASES)
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    directory = tmp_path_factory.mktemp("desk")
    with (
        database_for(request.param, directory) as database,
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(fake, slack, directory, database=database) as running,
    ):
        yield running


def close_from_the_card(desk: Desk, org: str, ts: str, *, tick: bool = False) -> None:
    """Close as 回答済; ``tick`` the form's 確認のうえ完了する (a complaint never replied to)."""
    staff, channel = STAFF[org], CHANNELS[org]
    desk.click(staff, "case_close", channel, ts)
    ticked = {"confirm": {"value": checkboxes(["close_anyway"])}} if tick else {}
    desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}, **ticked})


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_staff_reopen_a_closed_case_from_its_card_with_a_reason(desk: Desk, org: str) -> None:
    chat_id, number, card = new_case(desk, org)
    member = Member(desk.telegram, desk.served, chat_id)
    staff, channel = STAFF[org], CHANNELS[org]
    due = column(desk, number, "due_at")
    close_from_the_card(desk, org, card.ts)
    eventually(lambda: column(desk, number, "status") == "answered")
    desk.telegram.wait_for(  # the outcome reached the member before they write back
        lambda api: any("対応が終わりました" in str(m["text"]) for m in api.sent_messages(chat_id))
    )

    assert "このご連絡は担当者にお伝えしました" in member.says("まだ聞きたいことがあります")
    shown = desk.card_shows(channel, card.ts, "会員から連絡あり")
    assert "再開する" in _block_text(shown.blocks)
    assert "未読 1件" in _block_text(shown.blocks)

    desk.click(staff, "case_reopen", channel, card.ts)
    desk.submit(staff, "case_reopen", {"reason": {"value": plain_text("会員から追加のご質問")}})
    eventually(lambda: column(desk, number, "status") == "in_progress")
    assert column(desk, number, "due_at") == due  # the original request's clock
    desk.wait_thread(channel, card.ts, "案件を再開しました")
    reopened = desk.card_shows(channel, card.ts, "対応中")
    assert "会員から連絡あり" not in _block_text(reopened.blocks)
    # Reopening is not reading: the member's words stay unread until staff open the thread.
    assert "未読 1件" in _block_text(reopened.blocks)
    assert [d["reason"] for _, _, d in events(desk, number, "reopened")] == ["会員から追加のご質問"]
    assert ("reopened", number) in [(a, n) for a, n, _, _ in audit(desk, f"slack:{staff}")]
    desk.telegram.wait_for(
        lambda api: any("対応を再開しました" in str(m["text"]) for m in api.sent_messages(chat_id))
    )


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_a_complaint_reaches_the_case_thread_and_supervisors_hear_of_it_without_its_words(
    desk: Desk, org: str
) -> None:
    chat_id, number, card = new_case(desk, org, "disclosure")
    member = Member(desk.telegram, desk.served, chat_id)
    words = "対応が遅すぎます。責任者を出してください"
    answer = member.says(words)
    assert "責任者にお伝えしました" in answer

    channel = CHANNELS[org]
    desk.wait_thread(channel, card.ts, words)
    desk.wait_thread(channel, card.ts, "責任者に知らせました")
    desk.card_shows(channel, card.ts, "未読 1件")
    desk.slack.wait_for(
        lambda api: any(number in m.text and "ご不満" in m.text for m in api.messages(SUPERVISORS))
    )
    to_supervisors = [m.text for m in desk.slack.messages(SUPERVISORS) if number in m.text]
    assert not any("遅すぎ" in text or "責任者を出して" in text for text in to_supervisors)
    assert [kind for kind, _, _ in events(desk, number)][-2:] == ["member_message", "complaint"]

    desk.click(STAFF[org], "case_claim", channel, card.ts)  # acting on the case reads it
    eventually(lambda: column(desk, number, "unread_messages") == 0)
    claimed = desk.card_shows(channel, card.ts, f"<@{STAFF[org]}>")
    assert "未読" not in _block_text(claimed.blocks)


def test_a_complaint_stays_marked_on_the_card_and_app_home_after_it_is_read_until_closed(
    desk: Desk,
) -> None:
    chat_id, _, card = new_case(desk, COOPDELI)
    member = Member(desk.telegram, desk.served, chat_id)
    assert "責任者にお伝えしました" in member.says("対応が遅すぎます。責任者を出してください")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.card_shows(channel, card.ts, "苦情あり")

    desk.click(staff, "case_claim", channel, card.ts)  # acting on the case reads it
    claimed = desk.card_shows(channel, card.ts, f"<@{staff}>")
    assert "未読" not in _block_text(claimed.blocks)
    assert "苦情あり" in _block_text(claimed.blocks)
    assert desk.sender.app_home_opened(staff).status == 200
    desk.slack.wait_for(
        lambda api: "苦情あり" in _block_text((api.published_home(staff) or {}).get("blocks", []))
    )

    close_from_the_card(desk, COOPDELI, card.ts, tick=True)  # no reply was sent: confirmed
    closed = desk.card_shows(channel, card.ts, "回答済")
    assert "苦情あり" not in _block_text(closed.blocks)


def test_closing_from_the_card_with_an_unread_member_message_asks_to_read_it_first(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    member = Member(desk.telegram, desk.served, chat_id)
    member.says("電話は夕方にお願いします")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.card_shows(channel, card.ts, "未読 1件")

    desk.click(staff, "case_close", channel, card.ts)
    desk.slack.wait_for(
        lambda api: (
            "未読メッセージが1件"
            in _block_text((api.open_modals(staff) or [{}])[-1].get("blocks", []))
        )
    )
    held = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
    assert held.json()["response_action"] == "errors"
    assert "未読メッセージが1件" in held.json()["errors"]["confirm"]
    assert "確認のうえ完了する" in held.json()["errors"]["confirm"]
    assert not events(desk, number, "closed")

    desk.submit(
        staff,
        "case_close",
        {
            "outcome": {"value": radio_buttons("answered")},
            "confirm": {"value": checkboxes(["close_anyway"])},
        },
    )
    eventually(lambda: column(desk, number, "status") == "answered")
    assert ("closed", number) in [(a, n) for a, n, _, _ in audit(desk, f"slack:{staff}")]


def test_closing_a_paused_case_with_a_reason_asks_first_and_the_tick_carries_to_the_preview(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    paused = subprocess.run(  # pausing is a terminal action
        [sys.executable, "-m", "bot", "staff", "pause", number, "--waiting-for", "委任状"],
        env={**desk.served.env, "MADOGUCHI_STAFF": "sato"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert paused.returncode == 0, paused.stderr

    desk.click(staff, "case_close", channel, card.ts)
    refused = {
        "outcome": {"value": radio_buttons("refused")},
        "reason": {"value": plain_text("委任状が届かなかったため")},
    }
    held = desk.submit(staff, "case_close", refused)
    assert "一時停止しています" in held.json()["errors"]["confirm"]
    desk.submit(
        staff, "case_close", {**refused, "confirm": {"value": checkboxes(["close_anyway"])}}
    )
    desk.submit(staff, "case_close_confirm", {})
    eventually(lambda: column(desk, number, "status") == "refused")


def test_closing_a_complaint_never_replied_to_as_answered_asks_for_the_tick_until_staff_reply(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    member = Member(desk.telegram, desk.served, chat_id)
    assert "責任者にお伝えしました" in member.says("対応が遅すぎます。責任者を出してください")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.card_shows(channel, card.ts, "苦情あり")
    desk.click(staff, "case_claim", channel, card.ts)  # reads the member's words
    desk.card_shows(channel, card.ts, f"<@{staff}>")

    desk.click(staff, "case_close", channel, card.ts)
    desk.slack.wait_for(
        lambda api: (
            "まだ一度も返信していません"
            in _block_text((api.open_modals(staff) or [{}])[-1].get("blocks", []))
        )
    )
    held = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
    assert held.json()["response_action"] == "errors"
    assert "まだ一度も返信していません" in held.json()["errors"]["confirm"]
    assert "確認のうえ完了する" in held.json()["errors"]["confirm"]
    assert not events(desk, number, "closed")

    desk.click(staff, "case_reply", channel, card.ts)
    desk.submit(staff, "case_reply", {"reply": {"value": plain_text("ご不便をおかけしました。")}})
    desk.submit(staff, "case_reply_confirm", {})
    eventually(lambda: bool(events(desk, number, "replied")))
    close_from_the_card(desk, COOPDELI, card.ts)  # answered now: no tick needed
    eventually(lambda: column(desk, number, "status") == "answered")
