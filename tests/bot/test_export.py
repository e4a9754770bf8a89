"""``madoguchi transcript``: one case's record for the archive, as HTML, JSON or CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner, Result

from bot.cli import cli
from bot.export import render_csv, render_html, render_json
from storage.cases import CaseDetail
from storage.models import AuditEntry, Case
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.flows.answers import COMPLAINT, only_case

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
MESSAGE = f"配達員の対応について {SCRIPT} よろしくお願いします"  # the desk keeps one line
REPLY = "ご連絡ありがとうございます。\n配達担当に確認します。"  # staff words keep their lines
EXPORTED_AT = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 2026-12-01 09:30 JST
Invoke = Callable[..., Result]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def complain(member: Member, message: str = MESSAGE) -> None:
    """``COMPLAINT`` with the member's own words as the message."""
    for line in (COMPLAINT[0], COMPLAINT[1], message, COMPLAINT[3]):
        member.says(line)


@pytest.fixture
def case(desk: Desk) -> Case:
    """A complaint filed at 10:00 JST, claimed and answered an hour later."""
    complain(desk.member(org="coopdeli"))
    number = only_case(desk).number
    desk.clock.advance(hours=1)
    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.reply(number, StaffActor.trusted("sato"), REPLY)
    return only_case(desk)


def detail(desk: Desk, case: Case) -> CaseDetail:
    return desk.app.cases.detail_unaudited(case.number)


def exports(desk: Desk, case: Case | None = None) -> list[AuditEntry]:
    """The audit entries of exports (the fixture's claim and reply are entries too)."""
    entries = desk.app.audit.entries(case_number=case.number if case else None)
    return [e for e in entries if e.action == "export_transcript"]


# ---------------------------------------------------------------------- JSON


def test_json_round_trips_with_the_case_its_events_in_order_and_both_sides_of_the_talk(
    desk: Desk, case: Case
) -> None:
    document = json.loads(render_json(detail(desk, case)))

    assert document["case"]["number"] == case.number == "CD-2026-00001"
    assert document["case"]["received_at"] == "2026-11-22T10:00:00+09:00"
    assert ["ご用件", MESSAGE] in document["case"]["summary"]
    assert [e["kind"] for e in document["events"]] == ["created", "claimed", "replied"]
    assert document["events"][1] == {
        "at": "2026-11-22T11:00:00+09:00",
        "kind": "claimed",
        "actor": "sato",
        "data": {"previous": None},
    }
    member_words = [t["text"] for t in document["transcript"] if t["direction"] == "member"]
    assert MESSAGE in member_words
    staff = [t for t in document["transcript"] if t["direction"] == "staff"]
    # The member was told of the claim, then got the reply.
    assert [REPLY in line["text"] for line in staff] == [False, True]
    assert "担当者が決まりました" in staff[0]["text"]
    assert all(line["author"] == "sato" for line in staff)
    assert "配達員の対応について" in render_json(detail(desk, case))  # not \\u-escaped


def test_json_lists_attachments_by_name_and_checksum_but_never_their_bytes(
    tmp_path: Path, clock: Clock
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["coopdeli"]\n[attachments.coopdeli]\nallowed = true\n', encoding="utf-8"
    )
    desk = build_desk(tmp_path / "files.sqlite3", clock, deployment)
    try:
        member = desk.member(org="coopdeli")
        member.says(COMPLAINT[0])
        member.sends_file(PDF, name="委任状.pdf", caption="母の委任状です")
        for line in COMPLAINT[1:]:
            member.says(line)
        record = desk.app.cases.detail_unaudited(only_case(desk).number)
        document = json.loads(render_json(record))
        html = render_html(record, exported_by="cli:sato", exported_at=EXPORTED_AT)
    finally:
        desk.app.db.close()

    sha256 = hashlib.sha256(PDF).hexdigest()
    assert document["attachments"] == [
        {
            "name": "委任状.pdf",
            "mime": "application/pdf",
            "size": len(PDF),
            "sha256": sha256,
            "caption": "母の委任状です",
            "created_at": "2026-11-22T10:00:00+09:00",
        }
    ]
    assert sha256 in html and "委任状.pdf" in html and "母の委任状です" in html
    assert "%PDF" not in json.dumps(document) and "%PDF" not in html


# ---------------------------------------------------------------------- CSV


def test_csv_parses_back_in_time_order_with_multi_line_messages_in_one_cell_in_japan_time(
    desk: Desk, case: Case
) -> None:
    record = detail(desk, case)
    rows = list(csv.reader(io.StringIO(render_csv(record), newline="")))

    assert rows[0] == ["日時", "種別", "発言者・実行者", "内容"]
    assert len(rows) == 1 + len(record.transcript) + len(record.events)
    assert all(len(row) == 4 for row in rows)
    assert ["2026-11-22 10:00:00", "やりとり", "会員", MESSAGE] in rows
    stamps = [row[0] for row in rows[1:]]
    assert stamps == sorted(stamps)
    assert stamps[0] == "2026-11-22 10:00:00" and stamps[-1] == "2026-11-22 11:00:00"
    events = [row for row in rows if row[1] == "経過"]
    assert [row[2] for row in events] == ["会員", "sato", "sato"]
    assert events[0][3].startswith("受付") and events[1][3].startswith("担当決定")
    [_claimed, staff] = [row for row in rows if row[2] == "担当（sato）"]
    assert REPLY in staff[3] and "\n" in REPLY  # one cell, line break kept


# ---------------------------------------------------------------------- HTML


def test_html_escapes_what_the_member_wrote_and_prints_on_a4_with_japanese_labels(
    desk: Desk, case: Case
) -> None:
    html = render_html(detail(desk, case), exported_by="cli:sato", exported_at=EXPORTED_AT)

    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert '<meta charset="utf-8">' in html
    assert "@page { size: A4; margin: 15mm; }" in html
    assert "page-break-inside: avoid" in html and "display: table-header-group" in html
    assert "white-space: pre-wrap" in html and "overflow-wrap: anywhere" in html
    assert "http" not in html  # no external fonts, scripts or styles
    for label in ("受付番号", "担当者へのご相談", "takuhai-center", "回答期限", "対応中"):
        assert label in html
    for section in ("申出内容", "添付ファイル", "経過", "やりとり"):
        assert f"<h2>{section}</h2>" in html
    assert '<th class="label" scope="row">ご相談の種類</th><td class="text">苦情・ご意見</td>' in (
        html
    )
    assert "担当決定" in html and "担当（sato）" in html
    assert "出力日時 2026年12月1日(火) 09:30 / 出力者 cli:sato" in html
    assert "結果" not in html  # still open


def test_html_of_a_closed_case_gives_the_outcome_and_its_reason_escaped(
    desk: Desk, case: Case
) -> None:
    desk.app.cases.close(
        case.number, StaffActor.trusted("sato"), "refused", "記録が<b>ありません</b>"
    )
    html = render_html(detail(desk, case), exported_by="cli:sato", exported_at=EXPORTED_AT)

    assert '<th class="label" scope="row">結果</th><td class="text">対応不可</td>' in html
    assert "記録が&lt;b&gt;ありません&lt;/b&gt;" in html and "<b>" not in html


# ---------------------------------------------------------------------- the command


@pytest.fixture
def run(desk: Desk) -> Iterator[Invoke]:
    """Runs ``madoguchi`` in-process against the desk's SQLite file, as staff member sato."""
    env = {
        "DATABASE_URL": desk.db_url,
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }
    logging_before = structlog.get_config()  # the command configures logging for itself

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    yield invoke
    structlog.configure(**logging_before)


def test_the_command_writes_html_to_out_and_the_export_is_audited_first(
    desk: Desk, case: Case, run: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "record.html"
    result = run("transcript", case.number.lower(), "--out", str(target))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(target) in result.stderr
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "出力者 cli:sato" in html
    [entry] = exports(desk, case)
    assert (entry.action, entry.actor, entry.surface) == ("export_transcript", "cli:sato", "cli")
    assert entry.detail == {"format": "html"}


def test_the_command_writes_csv_with_a_bom_so_excel_reads_japanese(
    desk: Desk, case: Case, run: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "record.csv"
    result = run("transcript", case.number, "--format", "csv", "--out", str(target))

    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\xe6\x97\xa5\xe6\x99\x82")  # BOM, then 日時
    assert data.decode("utf-8-sig") == render_csv(detail(desk, case))
    assert exports(desk, case)[0].detail == {"format": "csv"}


def test_the_command_prints_json_to_stdout_without_out(desk: Desk, case: Case, run: Invoke) -> None:
    result = run("transcript", case.number, "--format", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["case"]["number"] == case.number
    assert result.stderr == ""


def test_an_unknown_case_number_exits_1_with_a_message_and_exports_nothing(
    desk: Desk, case: Case, run: Invoke
) -> None:
    result = run("transcript", "CD-2026-09999")

    assert result.exit_code == 1
    assert "CD-2026-09999" in result.stderr and result.stdout == ""
    assert exports(desk) == []


def test_an_unknown_format_is_refused(desk: Desk, case: Case, run: Invoke) -> None:
    result = run("transcript", case.number, "--format", "pdf")

    assert result.exit_code == 2
    assert exports(desk) == []
