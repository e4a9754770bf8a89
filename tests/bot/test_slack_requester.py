"""The Slack card of a request about a person who has died names who asked, never 「ご本人」,
and keeps both people's names and the asker's phone in the thread, off the channel."""

from __future__ import annotations

from pathlib import Path

from tests.bot.served import Member
from tests.bot.test_slack_end_to_end import CHANNELS, _block_text, desk_running
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.test_asker_dialogues import SHORT_NAME, WIDOW

WIDOW_SAYS = [
    line.strip().removeprefix("会員:").strip()
    for line in WIDOW.splitlines()
    if line.strip().startswith("会員:")
]


def test_the_card_of_a_widows_request_names_her_as_family_of_the_deceased_in_both_orgs(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    with desk_running(fake, slack, tmp_path, database=database_url) as desk:
        for chat_id, (org, channel) in enumerate(CHANNELS.items(), start=700):
            member = Member(fake, desk.served, chat_id)
            member.command("start", org)
            replies = [member.says(line) for line in WIDOW_SAYS]
            assert "お申し出の山田 花子さまに" in replies[-1], SHORT_NAME[org]
            [(number,)] = desk.served.query(
                'SELECT c.number FROM "case" c JOIN conversation v ON v.id = c.conversation_id '
                f"WHERE v.chat_id = '{chat_id}'"
            )

            message = desk.card(channel, str(number))
            card = _block_text(message.blocks)
            assert "*申出者*\n亡くなった方のご家族など（故人についてのお申し出）" in card
            assert "続柄：配偶者（夫・妻）" in card
            assert "ご本人" not in card
            for private in ("山田", "090-1234-5678", "1945"):
                assert private not in card
            desk.wait_thread(channel, message.ts, "山田 太郎")  # the intake, identity included
            thread = "\n".join(m.text for m in slack.thread(channel, message.ts))
            assert "お申し出の方のお名前：山田 花子" in thread
            assert "亡くなった方のお名前：山田 太郎" in thread
