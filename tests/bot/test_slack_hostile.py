"""A member's markup and a member's very long answer, end to end: the fake Telegram, the real
``madoguchi serve`` and the fake Slack refusing any live markup, as a security review would try."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.served import Member
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    STAFF,
    SUPERVISOR,
    _block_text,
    desk_running,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

KYOSAI = "seikatsuclub-kyosai"
PING = "<!channel> <@U123> <!subteam^S1> <https://evil.example|本人確認はこちら>"
# 3,900 characters in all: more than one Slack section (3,000) holds.
LONG = PING + " " + ("配達員の対応についてお伝えします。" * 300)[: 3900 - len(PING) - 1]


def _visible(text: str) -> str:
    unescaped = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s", "", unescaped)


def test_markup_a_member_types_reaches_staff_as_text_and_a_long_answer_arrives_whole(
    fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    slack.forbid_live_markup([*STAFF.values(), SUPERVISOR], refuse=True)
    channel = CHANNELS[KYOSAI]
    with desk_running(fake, slack, tmp_path) as desk:
        member = Member(fake, desk.served, 700)
        member.command("start", KYOSAI)
        for line in (COMPLAINT[0], COMPLAINT[1], LONG, COMPLAINT[3]):
            member.says(line)
        [(number,)] = desk.served.query('SELECT number FROM "case"')

        card = desk.card(channel, number)
        shown = _block_text(card.blocks)
        assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
        desk.wait_thread(channel, card.ts, "これまでのやりとり")
        thread = slack.thread(channel, card.ts)
        intake = next(m for m in thread if "申出内容" in m.text)
        sections = [b["text"]["text"] for b in intake.blocks if b["type"] == "section"]
        assert len(sections) >= 2 and all(len(s) <= 3000 for s in sections)
        assert _visible(LONG) in _visible("".join(sections))  # whole, in order
        assert all(len(m.text) <= 4000 for m in thread)  # the fallback Slack still takes

        desk.click(STAFF[KYOSAI], "case_claim", channel, card.ts)
        desk.card_shows(channel, card.ts, f"<@{STAFF[KYOSAI]}>")  # madoguchi's own mention

        seen = len(slack.ephemerals(SUPERVISOR))
        reply = desk.sender.slash_command(SUPERVISOR, text=f"transcript {number}", channel="C0S")
        assert reply.status == 200, reply
        slack.wait_for(lambda api: len(api.ephemerals(SUPERVISOR)) > seen)
        transcript = "".join(_block_text(e.blocks) for e in slack.ephemerals(SUPERVISOR)[seen:])
        assert "&lt;!channel&gt;" in transcript and _visible(LONG) in _visible(transcript)

    assert slack.live_markup == []
    refused = [c for c in slack.calls if not c.ok and c.method != "auth.test"]
    assert refused == [], [(c.method, c.error) for c in refused]
