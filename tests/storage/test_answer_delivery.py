"""The answer itself reaches the member: files staff attach, sent once by the member's chosen
method, downloaded with the code, and never closed 回答済 before it went out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from flows.cases import CaseActionError
from flows.profiles import AnswerRule
from storage import answers
from storage.audit import Actor
from storage.models import AnswerDelivery, AnswerFile, Case, CaseEvent, EmailMessage
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.storage.test_turns import DISCLOSURE_UP_TO_PHONE, REST_OF_DISCLOSURE

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LINK = re.compile(r"https://desk\.example/answer/([A-Za-z0-9_-]+)")
CODE = re.compile(r"確認コード (\d{6})")
SYSTEM = Actor("cli:sato", "cli")


@pytest.fixture
def desk(database_url: str, clock: Clock) -> Iterator[Desk]:
    desk = build_desk(database_url, clock, ANSWER_LINK_BASE_URL="https://desk.example")
    yield desk
    desk.app.db.close()


def disclosure(desk: Desk, method: str = "メール", chat_id: str = "alice") -> str:
    """A 開示 filed in the chat, claimed and identity-checked: ready to be answered."""
    member = desk.member(chat_id, org="coopdeli")
    rest = [method if line == "メール" else line for line in REST_OF_DISCLOSURE]
    if method != "メール":
        rest.remove("hanako@example.jp")
    for line in DISCLOSURE_UP_TO_PHONE + rest:
        member.says(line)
    number = desk.app.cases.list_unaudited()[-1].number
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    member.read()
    return number


def events(desk: Desk, kind: str) -> list[CaseEvent]:
    with desk.app.db.transaction() as session:
        return list(session.exec(select(CaseEvent).where(CaseEvent.kind == kind)).all())


def test_a_disclosure_by_email_sends_the_link_only_and_shows_the_code_in_the_chat(
    desk: Desk,
) -> None:
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    preview = desk.app.cases.preview_answer(number, StaffActor.trusted("sato"))
    assert (preview.method, preview.channel, preview.destination) == (
        "email",
        "email",
        "hanako@example.jp",
    )
    assert [f.name for f in preview.files] == ["開示書.pdf"]
    assert preview.link_expires == desk.clock() + answers.timedelta(days=7)

    sent = desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="send-1")
    assert sent is not None and sent.code is None  # the chat shows the code
    with desk.app.db.transaction() as session:
        [mail] = session.exec(select(EmailMessage)).all()
    assert mail.recipient == "hanako@example.jp"
    assert LINK.search(mail.body)
    assert not CODE.search(mail.body)  # the code never travels with the link
    said = Member(desk, "alice").read()
    code = CODE.search(said)
    assert code and LINK.search(said) is None
    [event] = events(desk, "answer_sent")
    assert event.data["files"][0]["sha256"] == answers.hashlib.sha256(PDF).hexdigest()
    assert event.data["method"] == "email"


def test_a_double_click_sends_the_answer_once(desk: Desk) -> None:
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    assert desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="click") is not None
    assert desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="click") is None
    assert len(events(desk, "answer_sent")) == 1
    with desk.app.db.transaction() as session:
        assert len(session.exec(select(EmailMessage)).all()) == 1


def test_the_answer_is_not_sent_before_the_requesters_identity_is_checked(desk: Desk) -> None:
    member = desk.member("bob", org="coopdeli")
    for line in DISCLOSURE_UP_TO_PHONE + REST_OF_DISCLOSURE:
        member.says(line)
    number = desk.app.cases.list_unaudited()[-1].number
    sato = StaffActor.trusted("sato")
    desk.app.cases.claim(number, sato)
    desk.app.cases.attach_answer(number, sato, "開示書.pdf", PDF)
    for attempt in (
        lambda: desk.app.cases.preview_answer(number, sato),
        lambda: desk.app.cases.send_answer(number, sato, key="early"),
    ):
        with pytest.raises(CaseActionError) as refused:
            attempt()
        assert "本人確認の記録がないため、回答を送れません" in refused.value.ja
    assert events(desk, "answer_sent") == []
    desk.app.cases.verify_identity(number, sato, "phone_callback")
    assert desk.app.cases.send_answer(number, sato, key="after") is not None


def test_a_disclosure_cannot_close_answered_before_its_answer_went_out(desk: Desk) -> None:
    number = disclosure(desk)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "ご回答をお送りします")
    with pytest.raises(CaseActionError) as refused:
        desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    assert "回答済で完了できません" in refused.value.ja
    with pytest.raises(CaseActionError):
        desk.app.cases.check_close(number, "answered")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    assert desk.app.cases.close(number, StaffActor.trusted("sato"), "answered").status == "answered"


def test_a_recorded_paper_send_lets_a_posted_disclosure_close(desk: Desk) -> None:
    number = disclosure(desk, method="窓口")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    with pytest.raises(CaseActionError, match="paper"):
        desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    with pytest.raises(CaseActionError) as unknown:
        desk.app.cases.record_paper_send(
            number, StaffActor.trusted("sato"), "伝書鳩", date(2026, 11, 22)
        )
    assert "簡易書留" in unknown.value.ja
    with pytest.raises(CaseActionError, match="future"):
        desk.app.cases.record_paper_send(
            number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 23)
        )
    desk.app.cases.record_paper_send(
        number,
        StaffActor.trusted("sato"),
        "簡易書留",
        date(2026, 11, 22),
        "１２３４-5678-9012",
        key="post-1",
    )
    [event] = events(desk, "answer_posted")
    assert event.data == {
        "method": "simple_registered",
        "sent_on": "2026-11-22",
        "tracking": "1234-5678-9012",
    }
    assert "簡易書留でお送りしました" in Member(desk, "alice").read()
    assert desk.app.cases.close(number, StaffActor.trusted("sato"), "answered").status == "answered"


def test_empty_oversized_and_unknown_files_are_refused_and_nothing_is_kept(desk: Desk) -> None:
    number = disclosure(desk)
    desk.app.cases.answer_settings = answers.AnswerSettings(
        "https://desk.example", {"coopdeli": AnswerRule(max_mb=1)}
    )
    refusals = []
    for name, data in [
        ("空.pdf", b""),
        ("大きい.pdf", PDF + b"0" * (1024 * 1024)),
        ("偽物.pdf", b"MZ\x90\x00 not a pdf at all"),
        ("データ.csv", b"\x00\x01binary"),
    ]:
        with pytest.raises(CaseActionError) as refused:
            desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), name, data)
        refusals.append(refused.value.ja)
    assert "空のファイル" in refusals[0]
    assert "1MBまで" in refusals[1]
    assert "PDF・CSV・JPEG・PNG" in refusals[2] and "PDF・CSV・JPEG・PNG" in refusals[3]
    with desk.app.db.transaction() as session:
        assert session.exec(select(AnswerFile)).all() == []
    shown = desk.app.cases.attach_answer(
        number, StaffActor.trusted("sato"), "一覧.csv", "氏名,住所\n".encode("cp932")
    )
    assert shown is not None and shown.mime == "text/csv"
    image = desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "../../写真", PNG)
    assert image is not None and (image.mime, image.name) == ("image/png", "写真.png")


def test_only_requests_answered_with_files_take_answer_files(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    for line in ["9", "その他", "相談です", "入力しない"]:
        member.says(line)
    number = desk.app.cases.list_unaudited()[-1].number
    with pytest.raises(CaseActionError, match="not a request answered with files"):
        desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)


def test_retention_purges_answer_files_with_the_attachments_then_the_deliveries(
    desk: Desk,
) -> None:
    number = disclosure(desk)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    desk.clock.advance(days=91)  # coopdeli: attachments_days = 90

    plan = desk.app.purger().purge(desk.clock(), SYSTEM)

    assert [(r.stage, r.case_number) for r in plan.removals if r.stage == "attachments"] == [
        ("attachments", number)
    ]
    with desk.app.db.transaction() as session:
        assert session.exec(select(AnswerFile)).all() == []
        assert session.exec(select(EmailMessage)).all() == []
        assert len(session.exec(select(AnswerDelivery)).all()) == 1  # the register's, for now
    desk.clock.advance(days=5 * 366)
    desk.app.purger().purge(desk.clock(), SYSTEM)
    with desk.app.db.transaction() as session:
        assert session.exec(select(AnswerDelivery)).all() == []


def link_and_code(desk: Desk, chat_id: str = "alice") -> tuple[str, str]:
    said = Member(desk, chat_id).read()
    link, code = LINK.search(said), CODE.search(said)
    assert link and code, said
    return link.group(1), code.group(1)


def test_a_chat_member_gets_a_link_and_code_that_open_the_file_once_per_right_code(
    desk: Desk,
) -> None:
    number = disclosure(desk, method="チャット")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "写真.png", PNG)
    assert desk.app.cases.preview_answer(number, StaffActor.trusted("sato")).channel == "terminal"
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    token, code = link_and_code(desk)
    state = answers.open_link(desk.app.db, token, desk.clock())
    assert state.status == "ok" and [f.mime for f in state.files] == [
        "application/pdf",
        "image/png",
    ]
    assert all(f.name == "" for f in state.files)  # no name before the code

    got = answers.download(desk.app.db, desk.app.audit, token, code, 2, desk.clock())
    assert got.status == "ok" and got.file is not None and got.file.data == PNG
    again = answers.download(desk.app.db, desk.app.audit, token, code, 1, desk.clock())
    assert again.file is not None and again.file.data == PDF  # used links keep working
    [entry, *_] = [e for e in desk.app.audit.entries() if e.action == "answer_downloaded"]
    assert entry.detail["sha256"] == answers.hashlib.sha256(PNG).hexdigest()
    assert entry.case_number == number
    assert len(events(desk, "answer_downloaded")) == 2


def test_wrong_codes_are_counted_and_audited_and_the_fifth_locks_the_link(desk: Desk) -> None:
    number = disclosure(desk, method="チャット")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    token, code = link_and_code(desk)
    wrong = "000000" if code != "000000" else "111111"
    tries = [
        answers.download(desk.app.db, desk.app.audit, token, wrong, 1, desk.clock())
        for _ in range(answers.MAX_WRONG_CODES)
    ]
    assert [t.status for t in tries] == ["wrong"] * 4 + ["locked"]
    assert [t.tries_left for t in tries[:4]] == [4, 3, 2, 1]
    refused = [e for e in desk.app.audit.entries() if e.action == "answer_wrong_code"]
    assert len(refused) == 5 and not any(e.allowed for e in refused)
    right = answers.download(desk.app.db, desk.app.audit, token, code, 1, desk.clock())
    assert (right.status, right.file) == ("locked", None)
    assert answers.open_link(desk.app.db, token, desk.clock()).status == "locked"


def test_an_expired_link_opens_nothing_and_staff_can_send_again(desk: Desk) -> None:
    number = disclosure(desk, method="チャット")
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    token, code = link_and_code(desk)
    desk.clock.advance(days=7, seconds=1)
    assert answers.open_link(desk.app.db, token, desk.clock()).status == "expired"
    late = answers.download(desk.app.db, desk.app.audit, token, code, 1, desk.clock())
    assert (late.status, late.file) == ("expired", None)
    assert answers.open_link(desk.app.db, "not-a-token", desk.clock()).status == "unknown"

    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    new_token, new_code = link_and_code(desk)
    assert new_token != token
    fresh = answers.download(desk.app.db, desk.app.audit, new_token, new_code, 1, desk.clock())
    assert fresh.file is not None and fresh.file.data == PDF


def test_a_member_without_a_chat_gets_the_link_by_e_mail_and_the_code_on_paper(
    desk: Desk,
) -> None:
    number = disclosure(desk)
    with desk.app.db.transaction() as session:  # as if staff had entered a letter
        [case] = session.exec(select(Case)).all()
        case.route = "post"
        session.add(case)
    desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
    sent = desk.app.cases.send_answer(number, StaffActor.trusted("sato"))
    assert sent is not None and sent.code is not None and re.fullmatch(r"\d{6}", sent.code)
    assert CODE.search(Member(desk, "alice").read()) is None  # nothing said in a chat
    with desk.app.db.transaction() as session:
        [mail] = session.exec(select(EmailMessage)).all()
    assert sent.code not in mail.body
    token = LINK.search(mail.body)
    assert token is not None
    got = answers.download(desk.app.db, desk.app.audit, token.group(1), sent.code, 1, desk.clock())
    assert got.file is not None and got.file.data == PDF


def test_a_chat_request_answered_without_a_link_address_is_refused_before_anything_is_written(
    database_url: str, clock: Clock
) -> None:
    desk = build_desk(database_url, clock)  # no ANSWER_LINK_BASE_URL
    try:
        number = disclosure(desk, method="チャット")
        desk.app.cases.attach_answer(number, StaffActor.trusted("sato"), "開示書.pdf", PDF)
        with pytest.raises(CaseActionError) as refused:
            desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="k")
        assert "ANSWER_LINK_BASE_URL" in refused.value.ja
        assert events(desk, "answer_sent") == []
        desk.app.cases.answer_settings = answers.AnswerSettings("https://desk.example")
        assert (
            desk.app.cases.send_answer(number, StaffActor.trusted("sato"), key="k") is not None
        )  # key not spent
    finally:
        desk.app.db.close()
