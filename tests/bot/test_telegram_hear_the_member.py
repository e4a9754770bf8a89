"""Issue 16's "Why", on Telegram: each situation that failed members, played as a transcript
(会員 / 窓口) through the real python-telegram-bot and the fake Bot API, with staff acting
through the case service and the card sync posting to the fake Slack.

One desk serves the whole file (``tests.bot.telegram_desk``: a SQLite file, a clock the tests
move); each test is its own member in their own chat.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.telegram_desk import Phone, TelegramDesk, telegram_desk
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
ORGS = [KYOSAI, COOPDELI]
CHANNEL_OF = {KYOSAI: "C0KYOSAI", COOPDELI: "C0TAKU"}
SUPERVISORS = "C0SUPER"
RELAYED = "の担当者にお伝えしました"
STAFF_REPLY = "ご登録の電話番号にお電話します。"
INVITATION = "お返事は、このチャットにそのまま入力してください"
REFUSAL = "ご登録の記録が見つかりませんでした。ご不明な点はこのチャットでお尋ねください。"

# The shortest way to a case: a consultation handed to a person.
CONSULTATION = """
    会員: 9
    会員: 苦情・ご意見
    会員: 配達員の対応について
    会員: 入力しない
    窓口: お申し出を受け付けました
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramDesk]:
    directory: Path = tmp_path_factory.mktemp("telegram-desk")
    with FakeBotApi() as telegram, FakeSlackApi() as slack:
        with telegram_desk(directory, telegram, slack) as running:
            yield running


def member_with_a_consultation(desk: TelegramDesk, org: str) -> tuple[Phone, str]:
    member = Phone(desk)
    member.start(org)
    member.transcript(CONSULTATION)
    [case] = desk.cases_of(member.chat_id)
    return member, case.number


# ---------------------------------------------------------------- a. a staff reply's answer


@pytest.mark.parametrize("org", ORGS)
def test_a_member_asked_to_answer_here_who_asks_when_they_will_be_called_reaches_the_case(
    desk: TelegramDesk, org: str
) -> None:
    member, number = member_with_a_consultation(desk, org)
    sent = len(desk.telegram.sent_messages(member.chat_id))
    desk.staff(lambda cases: cases.reply(number, "sato", STAFF_REPLY), member.chat_id)
    [told] = desk.telegram.sent_messages(member.chat_id)[sent:]
    assert STAFF_REPLY in told["text"] and INVITATION in told["text"]

    member.transcript(
        f"""
        会員: いつ電話をもらえますか
        窓口: 受付番号 {number} {RELAYED}
        窓口: いまの状況です。
        窓口: 受付番号 {number}
        窓口にない: 受付済みのお申し出：
        窓口にない: ご用件を選んでください
        """
    )
    assert desk.member_messages(number) == ["いつ電話をもらえますか"]
    assert desk.cases.get(number).unread_messages == 1
    desk.sync_slack()
    assert "いつ電話をもらえますか" in desk.thread_text(CHANNEL_OF[org], number)
