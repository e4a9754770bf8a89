"""``madoguchi member-data``: the member's own data for a disclosure, as HTML, JSON and CSV, on
record; and the short summary ``madoguchi staff show`` gives for a disclosure case."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.export import ExportFormat
from bot.member_export import render, render_csv, render_html, render_json
from bot.slack import blocks
from bot.staff import terminal
from storage.member_data import MemberData, collect
from storage.staff import StaffActor
from tests.bot.conftest import Invoke, madoguchi_command
from tests.conftest import Clock
from tests.storage.test_member_data import (
    IMPOSTOR,
    KYOSAI,
    PDF,
    Scene,
    file_request,
    scene_on,
    verified_and_linked,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
EXPORTED_AT = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 2026-12-01 09:30 JST


@pytest.fixture
def scene(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[Scene]:
    with scene_on(database_url, clock, tmp_path) as built:
        # Her identity checked, staff vouch that her request from another chat is hers too.
        verified_and_linked(built)
        # Staff words may hold markup: an export must show it, never run it.
        built.desk.app.cases.note(built.disclosure, StaffActor.trusted("sato"), f"確認 {SCRIPT}")
        built.desk.app.cases.reply(
            built.disclosure, StaffActor.trusted("sato"), f"お待ちください\n{SCRIPT}"
        )
        yield built


def data_of(scene: Scene) -> MemberData:
    return collect(scene.desk.app.db, scene.disclosure)


# ---------------------------------------------------------------------- formats


def test_html_has_every_section_in_japanese_escaped_and_prints_on_a4(scene: Scene) -> None:
    html = render_html(data_of(scene), exported_by="cli:sato", exported_at=EXPORTED_AT)

    assert html.startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert "<h1>madoguchi が保有するお客様の情報</h1>" in html
    for section in ("ご依頼の一覧", "会話の記録", "同意の記録", "お送りいただいたファイル"):
        assert f"<h2>{section}</h2>" in html
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@page { size: A4; margin: 15mm; }" in html and "http" not in html
    for number in (scene.withdrawal, scene.disclosure, scene.elsewhere):
        assert number in html
    assert scene.taro not in html and "山田 太郎" not in html and "佐藤 一郎" not in html
    assert "紙のDM・カタログ" in html and "共済・保険など提携商品のご案内だけ" in html
    assert "ご本人からのお申し出" in html
    assert "委任状.pdf" in html and hashlib.sha256(PDF).hexdigest() in html and "%PDF" not in html
    assert "本人確認の後、担当者がご本人のものと確かめた会話" in html
    assert f"{scene.elsewhere} のご依頼の会話です。" in html
    assert "送信前の入力途中の内容" in html and "入力中のご依頼" in html
    assert "会話 2件" in html and "ご依頼 3件、同意の記録 2件、お送りいただいたファイル 1件" in html
    assert "出力日時 2026年12月1日(火) 09:30 / 出力者 cli:sato" in html
    header = html.split("</header>")[0]
    for label, value in (
        ("対象の方", "山田 花子"),
        ("お申し出", "本人"),
        ("本人確認", "登録電話へ折返し"),
        ("対象の範囲", "担当者がご本人のものと確かめた会話 1件"),
    ):
        assert f'<th class="label" scope="row">{label}</th><td class="text">' in header
        assert value in header.split(f">{label}</th>")[1].split("</tr>")[0]


def test_an_export_is_addressed_to_the_person_it_is_about_and_says_how_far_it_reaches(
    scene: Scene,
) -> None:
    """Someone who typed Hanako's member number, identity checked as themselves: the document
    names them, covers their one chat, and holds nothing of Hanako's."""
    impostor = scene.desk.member("impostor", org=KYOSAI)
    file_request(impostor, "disclosure", IMPOSTOR)
    number = scene.desk.app.cases.list_unaudited()[-1].number
    unverified = render_html(
        collect(scene.desk.app.db, number), exported_by="cli:sato", exported_at=EXPORTED_AT
    )
    scene.desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "document")
    html = render_html(
        collect(scene.desk.app.db, number), exported_by="cli:sato", exported_at=EXPORTED_AT
    )

    assert "本人確認の前のため、このご依頼をいただいた会話の分だけです" in unverified
    assert "未確認" in unverified
    header = html.split("</header>")[0]
    assert "鈴木 次郎" in header and "書面" in header and "会話 1件" in header
    for hers in ("山田 花子", "090-1234-5678", scene.disclosure, scene.withdrawal, "委任状.pdf"):
        assert hers not in html and hers not in unverified


def test_json_holds_everything_listed_without_file_bytes(scene: Scene) -> None:
    data = data_of(scene)
    document = json.loads(render_json(data))

    assert document["request"] == {
        "number": scene.disclosure,
        "type": "disclosure",
        "identity_method": "phone_callback",
    }
    assert document["counts"] == data.counts()
    assert [c["chat_id"] for c in document["conversations"]] == ["hanako", "hanako-phone"]
    assert [(c["matched_by"], c["linked_case"]) for c in document["conversations"]] == [
        ("this_case", None),
        ("linked_by_staff", scene.elsewhere),
    ]
    lines = [line for c in document["conversations"] for line in c["transcript"]]
    assert len(lines) == data.transcript_lines
    assert any(SCRIPT in line["text"] for line in lines if line["direction"] == "staff")
    # Each line names its case: the intake it was part of, or the case it was filed with.
    assert (lines[0]["text"], lines[0]["case_number"]) == (
        "/start seikatsuclub-kyosai",
        scene.withdrawal,
    )
    assert {line["case_number"] for line in lines} >= {scene.withdrawal, scene.disclosure}
    assert [c["number"] for c in document["cases"]] == [
        scene.withdrawal,
        scene.disclosure,
        scene.elsewhere,
    ]
    disclosure = document["cases"][1]
    assert disclosure["fields"]["name"] == "山田 花子"
    assert [e["kind"] for e in disclosure["events"]] == [
        "created",
        "claimed",
        "replied",
        "identity_verified",
        "member_linked",
        "note",
        "replied",
    ]
    assert {(c["channel"], c["case_number"]) for c in document["consents"]} == {
        ("paper_dm", scene.withdrawal),
        ("email", scene.withdrawal),
    }
    [file] = document["files"]
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert file["case_number"] == scene.withdrawal and "data" not in file
    progress = document["conversations"][0]["in_progress"]
    assert progress["type"] == "correction" and progress["answers"]["name"] == "山田 花子"
    assert document["conversations"][1]["in_progress"] is None


def test_csv_has_a_bom_and_one_row_per_item_in_time_order(scene: Scene) -> None:
    data = data_of(scene)
    raw = render(data, ExportFormat.csv, exported_by="cli:sato", exported_at=EXPORTED_AT)

    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["日時", "種別", "受付番号", "発言者・実行者", "内容"]
    events = sum(len(r.events) for r in data.cases)
    assert len(rows) == 1 + data.transcript_lines + events + 2 + 1 + 1
    kinds = {row[1] for row in rows[1:]}
    assert kinds == {"やりとり", "経過", "同意の記録", "ファイル", "入力途中"}
    stamps = [row[0] for row in rows[1:]]
    assert stamps == sorted(stamps)
    [reply] = [r for r in rows if r[1] == "やりとり" and SCRIPT in r[4]]
    assert reply[2] == scene.disclosure and "\n" in reply[4]
    assert render_csv(data) == raw.decode("utf-8-sig")


# ---------------------------------------------------------------------- the command


@pytest.fixture
def run(scene: Scene) -> Iterator[Invoke]:
    with madoguchi_command(scene.desk.db_url, staff="sato") as invoke:
        yield invoke


def test_the_command_writes_the_export_and_puts_the_look_on_record(
    scene: Scene, run: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "member.json"
    result = run("member-data", scene.disclosure.lower(), "--format", "json", "--out", str(target))

    assert result.exit_code == 0, result.output
    assert result.stdout == "" and str(target) in result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["request"]["number"] == scene.disclosure
    [entry] = [e for e in scene.desk.app.audit.entries() if e.action == "view_member_data"]
    assert (entry.actor, entry.surface, entry.case_number) == ("cli:sato", "cli", scene.disclosure)
    assert entry.detail == {"format": "json", **data_of(scene).counts()}

    html = run("member-data", scene.disclosure, "--as", "suzuki")
    assert html.exit_code == 0 and "出力者 cli:suzuki" in html.stdout
    last = scene.desk.app.audit.entries()[-1]
    assert (last.action, last.actor) == ("view_member_data", "cli:suzuki")


def test_the_command_refuses_an_unknown_case_and_records_nothing(scene: Scene, run: Invoke) -> None:
    before = scene.desk.app.audit.entries()
    result = run("member-data", "KY-2026-09999")
    assert result.exit_code == 1 and "KY-2026-09999" in result.stderr
    assert scene.desk.app.audit.entries() == before


# ---------------------------------------------------------------------- staff show


def test_staff_show_of_a_disclosure_says_what_is_held_and_how_to_export_it(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(terminal._state, "app", scene.desk.app)
    monkeypatch.setenv("MADOGUCHI_STAFF", "sato")

    shown = CliRunner().invoke(terminal.staff_app, ["show", scene.disclosure])
    assert shown.exit_code == 0, shown.output
    assert "── madoguchi が保有するこの方の情報" in shown.stdout
    assert "会話 2件、ご依頼 3件、同意の記録 2件、ファイル 1件" in shown.stdout
    assert f"madoguchi member-data {scene.disclosure}" in shown.stdout

    other = CliRunner().invoke(terminal.staff_app, ["show", scene.withdrawal])
    assert other.exit_code == 0 and "保有する" not in other.stdout
    # Counts are not a look at the data: the show itself is the audited view.
    actions = [e.action for e in scene.desk.app.audit.entries() if e.actor == "cli:sato"]
    assert "view_member_data" not in actions and actions.count("view_case") == 2


def test_staff_show_offers_possible_matches_by_number_and_link_needs_the_identity_check(
    tmp_path: Path, database_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scene_on(database_url, clock, tmp_path) as scene:
        monkeypatch.setitem(terminal._state, "app", scene.desk.app)
        monkeypatch.setenv("MADOGUCHI_STAFF", "sato")

        def staff(*args: str) -> Result:
            return CliRunner().invoke(terminal.staff_app, list(args))

        shown = staff("show", scene.disclosure)
        assert "会話 1件、ご依頼 2件" in shown.stdout
        assert "本人確認の前のため、このご依頼の会話だけが対象です。" in shown.stdout
        assert f"    {scene.elsewhere}（組合員番号が同じ）" in shown.stdout
        assert f"madoguchi staff link {scene.disclosure} --with 受付番号" in shown.stdout
        assert "03-9999-0000" not in shown.stdout  # the match's own details are not shown

        early = staff("link", scene.disclosure, "--with", scene.elsewhere)
        assert early.exit_code != 0 and "Verify the requester" in str(early.exception)
        assert staff("verify", scene.disclosure, "--method", "phone_callback").exit_code == 0
        linked = staff("link", scene.disclosure, "--with", scene.elsewhere.lower())
        assert linked.exit_code == 0, linked.output
        assert f"{scene.elsewhere} の会話を結び付けました" in linked.stdout

        after = staff("show", scene.disclosure)
        assert "会話 2件、ご依頼 3件" in after.stdout and "ご本人の可能性" not in after.stdout
        assert staff("unlink", scene.disclosure, "--with", scene.elsewhere).exit_code == 0
        assert "会話 1件、ご依頼 2件" in staff("show", scene.disclosure).stdout
        actions = [e.action for e in scene.desk.app.audit.entries() if e.actor == "cli:sato"]
        assert actions.count("member_linked") == 1 and actions.count("member_unlinked") == 1


# ---------------------------------------------------------------------- the Slack card


@pytest.mark.parametrize(
    ("request_type", "offered"),
    [("disclosure", True), ("third_party_record", True), ("correction", False), ("human", False)],
)
def test_only_disclosure_cards_offer_the_members_data(
    scene: Scene, request_type: str, offered: bool
) -> None:
    case = scene.desk.app.cases.get(scene.disclosure).model_copy(
        update={"request_type": request_type}
    )
    rendered = blocks.case_card(case, scene.desk.app.orgs[case.org_id], scene.desk.clock(), {})
    [actions] = [b for b in rendered if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert ("case_member_data" in ids) is offered
    if offered:
        [button] = [e for e in actions["elements"] if e["action_id"] == "case_member_data"]
        assert button["text"]["text"] == "保有データを出力" and button["value"] == case.number
