"""Files from members (a 委任状, evidence for a correction), where the org accepts them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlmodel import select

from bot.config import Deployment
from bot.staff.terminal import render_detail, run_staff_command
from flows.attachments import MAX_NAME_LENGTH, safe_name
from storage.models import Attachment, CaseEvent
from tests.conftest import Clock, Desk, build_desk
from tests.flows.answers import COMPLAINT, file_a_complaint, only_case

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

FILES_ON = """
orgs = ["seikatsuclub-kyosai", "coopdeli"]

[attachments.coopdeli]
allowed = true
max_mb = 1
"""


@pytest.fixture
def files_desk(tmp_path: Path, clock: Clock) -> Iterator[Desk]:
    """コープデリ accepts files (up to 1 MB); 生活クラブ共済連 keeps its default (no files)."""
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(FILES_ON, encoding="utf-8")
    desk = build_desk(tmp_path / "desk.sqlite3", clock, deployment)
    yield desk
    desk.app.db.close()


def stored_files(desk: Desk) -> list[Attachment]:
    with desk.app.db.transaction() as session:
        return list(session.exec(select(Attachment)).all())


def test_where_files_are_not_accepted_the_member_hears_how_documents_reach_the_desk(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.says("5")
    reply = member.sends_file(PDF, name="委任状.pdf")
    assert "写真や書類のファイルはお受けしていません" in reply
    assert "訂正" in reply or "項目" in reply  # the question is asked again
    assert stored_files(desk) == []


def test_a_file_sent_during_a_request_goes_with_that_request(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    member.says(COMPLAINT[0])
    reply = member.sends_file(PDF, name="委任状.pdf", caption="母の委任状です")
    assert "「委任状.pdf」（1 KB）を受け取りました。このお申し出と一緒に担当者へお渡しします。" in (
        reply
    )
    assert "どのようなご用件ですか" in reply or "選んでください" in reply  # asked again
    for line in COMPLAINT[1:]:
        member.says(line)
    case = only_case(files_desk)
    [attachment] = stored_files(files_desk)
    assert attachment.case_id == case.id
    assert attachment.mime == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.caption == "母の委任状です"
    assert attachment.data == PDF
    with files_desk.app.db.transaction() as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.kind == "attachment")).all()
    assert [e.data["sha256"] for e in events] == [attachment.sha256]
    assert "（ファイル: 委任状.pdf）" in render_detail(
        files_desk.app.cases.detail_unaudited(case.number)
    )


def test_a_photo_after_the_request_is_added_to_the_open_case(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(files_desk)
    member.transcript(
        """
        会員: 書類の写真を送ります
        """
    )
    reply = member.sends_file(JPEG, kind="photo")
    assert f"「写真」（1 KB）を受け取り、受付番号 {case.number} のお申し出に添えました。" in reply
    [attachment] = stored_files(files_desk)
    assert attachment.case_id == case.id
    assert attachment.kind == "photo"
    assert attachment.mime == "image/jpeg"


def test_a_file_with_no_request_yet_waits_for_the_next_one(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    reply = member.sends_file(PDF, name="住民票.pdf")
    assert "このあとのお申し出と一緒に担当者へお渡しします" in reply
    assert stored_files(files_desk)[0].case_id is None
    file_a_complaint(member)
    assert stored_files(files_desk)[0].case_id == only_case(files_desk).id


def test_a_renamed_program_is_not_taken_for_a_pdf(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    reply = member.sends_file(EXE, name="委任状.pdf")
    assert (
        "この種類のファイルはお受けできません。写真（JPEG）・画像（PNG）・PDFで送ってください。"
        in (reply)
    )
    assert stored_files(files_desk) == []


def test_a_file_over_the_limit_is_refused_with_the_limit(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    reply = member.sends_file(PDF + b"\x00" * (1024 * 1024), name="scan.pdf")
    assert (
        "ファイルが大きすぎるため、お受けできませんでした。1MBまでのファイルを送ってください。"
        in (reply)
    )
    declared = member.sends_file(None, name="scan.pdf", problem="too_large")
    assert "1MBまで" in declared
    assert stored_files(files_desk) == []


def test_empty_and_failed_files_are_asked_for_again(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    assert "空のファイルが届きました" in member.sends_file(b"", name="a.pdf")
    failed = member.sends_file(None, name="a.pdf", problem="download_failed")
    assert "ファイルを受け取れませんでした。お手数ですが、もう一度送ってください。" in failed
    assert stored_files(files_desk) == []


def test_a_sticker_is_explained_with_what_the_chat_accepts(files_desk: Desk) -> None:
    member = files_desk.member(org="coopdeli")
    reply = member.sends_file(None, kind="other")
    assert "お受けできるのは、文字、ボタン、写真（JPEG）・画像（PNG）・PDFのファイルです" in reply


def test_an_org_without_files_still_refuses_in_the_same_deployment(files_desk: Desk) -> None:
    member = files_desk.member(org="seikatsuclub-kyosai")
    assert "ファイルはお受けしていません" in member.sends_file(PDF, name="a.pdf")


def test_a_file_before_the_org_is_chosen_asks_for_the_org_first(files_desk: Desk) -> None:
    member = files_desk.member()
    reply = member.sends_file(PDF, name="a.pdf")
    assert "ファイルは、窓口を選んでから送ってください。" in reply
    assert stored_files(files_desk) == []


def test_staff_see_the_files_and_save_one_that_matches_its_checksum(
    files_desk: Desk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member = files_desk.member(org="coopdeli")
    file_a_complaint(member)
    member.sends_file(PDF, name="委任状.pdf")
    case = only_case(files_desk)
    detail = render_detail(files_desk.app.cases.detail_unaudited(case.number))
    assert "1. 委任状.pdf  application/pdf  1 KB" in detail
    assert hashlib.sha256(PDF).hexdigest() in detail

    from bot.staff import terminal

    monkeypatch.setitem(terminal._state, "app", files_desk.app)
    monkeypatch.setenv("MADOGUCHI_STAFF", "sato")
    target = tmp_path / "saved.pdf"
    assert run_staff_command(["file", case.number, "1", "--out", str(target)]) == 0
    assert target.read_bytes() == PDF
    assert run_staff_command(["file", case.number, "2"]) == 1
    said = capsys.readouterr().err
    assert f"できません: {case.number} にファイル 2 はありません。" in said, said


def test_a_deployment_cannot_accept_types_the_bot_cannot_recognise() -> None:
    with pytest.raises(ValidationError):
        Deployment.model_validate(
            {"attachments": {"coopdeli": {"allowed": True, "types": ["application/zip"]}}}
        ).profiles()


@given(st.text(max_size=400))
def test_file_names_shown_to_staff_have_no_paths_or_control_characters(name: str) -> None:
    cleaned = safe_name(name)
    if cleaned is None:
        return
    assert len(cleaned) <= MAX_NAME_LENGTH
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned)
    assert not cleaned.startswith(".")
