"""A 開示 taken in a LINE chat: the member gets a download link and its code there (LINE has
no way for a bot to send a PDF), and the code opens the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import answers
from storage.staff import StaffActor
from tests.bot.line_desk import LineDesk, LineMember, line_desk
from tests.fakes.line import FakeLine
from tests.storage.test_answer_delivery import CODE, LINK, PDF
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as api:
        yield api


@pytest.fixture
def desk(tmp_path: Path, fake: FakeLine) -> Iterator[LineDesk]:
    with line_desk(tmp_path, fake) as running:
        running.app.cases.answer_settings = answers.AnswerSettings("https://desk.example")
        yield running


def test_a_line_member_gets_the_link_and_code_in_the_chat_and_the_code_opens_the_file(
    fake: FakeLine, desk: LineDesk
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    for line in [*DISCLOSURE_UP_TO_PHONE, "03-5285-1865", "わからない", "チャット"]:
        member.says(line)
    assert "受付番号" in member.says("送信する")
    [case] = desk.cases_of(member.user_id)
    desk.app.cases.claim(case.number, StaffActor.trusted("sato"))
    desk.app.cases.verify_identity(case.number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.attach_answer(case.number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    assert desk.app.cases.preview_answer(case.number, StaffActor.trusted("sato")).channel == "line"
    desk.app.cases.send_answer(case.number, StaffActor.trusted("sato"))
    fake.advance(3600)
    desk.settle()

    said = fake.texts(member.user_id)[-1]
    link, code = LINK.search(said), CODE.search(said)
    assert link and code, said
    assert re.search(r"リンクは\d{4}年\d+月\d+日\(.\)まで使えます", said)
    got = answers.download(
        desk.app.db, desk.app.audit, link.group(1), code.group(1), 1, desk.clock()
    )
    assert got.file is not None and got.file.data == PDF
