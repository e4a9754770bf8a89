"""A 開示 answered into the member's Telegram chat: the file arrives as a document, through
the real python-telegram-bot client and the fake Bot API, sent once by the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.staff import StaffActor
from tests.bot.served import buttons, last_message
from tests.bot.telegram_desk import Phone, TelegramDesk, telegram_desk
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi
from tests.storage.test_answer_delivery import PDF, PNG
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE

TIMEOUT = 20.0


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramDesk]:
    directory: Path = tmp_path_factory.mktemp("answer-telegram")
    with (
        FakeBotApi() as telegram,
        FakeSlackApi() as slack,
        telegram_desk(directory, telegram, slack) as running,
    ):
        yield running


def test_a_disclosure_chosen_in_the_chat_arrives_there_as_documents_sent_once(
    desk: TelegramDesk,
) -> None:
    member = Phone(desk)
    member.start("coopdeli")
    for line in [*DISCLOSURE_UP_TO_PHONE, "03-5285-1865", "わからない"]:
        member.says(line)
    offered = [label for label, _ in buttons(last_message(desk.telegram, member.chat_id))]
    assert offered[3] == "4. 電子データをこのチャットで受け取る"  # after the three kept
    member.says("チャット")
    assert "受付番号" in member.says("送信する")
    [case] = desk.cases_of(member.chat_id)
    desk.cases.claim(case.number, StaffActor.trusted("sato"))
    desk.cases.verify_identity(case.number, StaffActor.trusted("sato"), "phone_callback")
    desk.cases.attach_answer(case.number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.cases.attach_answer(case.number, StaffActor.trusted("sato"), "写真.png", PNG)
    assert desk.cases.preview_answer(case.number, StaffActor.trusted("sato")).channel == "telegram"

    for _click in range(2):
        desk.cases.send_answer(case.number, StaffActor.trusted("sato"), key=f"send:{case.number}")
    desk.loop.call_soon_threadsafe(desk.wake_outbox)
    desk.telegram.wait_for(
        lambda api: any(
            "ファイル（2件）でお送りしました" in m["text"]
            for m in api.sent_messages(member.chat_id)
        ),
        timeout=TIMEOUT,
    )
    documents = desk.telegram.sent_documents(member.chat_id)
    assert [(d["document"]["file_name"], d["document"]["data"]) for d in documents] == [
        ("開示書.pdf", PDF),
        ("写真.png", PNG),
    ]
    assert all(case.number in str(d["caption"]) for d in documents)
    desk.cases.close(case.number, StaffActor.trusted("sato"), "answered")
