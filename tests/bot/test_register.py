"""The request register (CSV, xlsx, printable HTML) and a month's figures, on a fixed November:
checked cell by cell, escaped where they land, every read audited, bad input refused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event

from bot.register_export import RegisterFormat, render
from bot.register_reads import read_month_figures, register_document
from bot.register_stats_view import to_html, to_text
from flows.cases import CaseActionError
from flows.register_stats import Refusal
from storage.staff import StaffActor
from tests.bot.conftest import madoguchi_command
from tests.bot.register_cases import (
    EXTENSION_REASON,
    FORMULA,
    PARTIAL_REASON,
    REFUSAL_REASON,
    SCRIPT,
    build_november,
)
from tests.conftest import DATABASES, Clock, Desk, build_desk, database_for
from tests.flows.test_attachments import FILES_ON

CHIEF = StaffActor.terminal("chief", None, supervisor=True)
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
KY = "生活クラブ共済事業連合生活協同組合連合会"
CD = "コープデリ連合会"
HEADER = [
    "受付番号", "組合", "担当窓口", "受付経路", "到着日時", "請求の種類", "請求の範囲",
    "請求者の種別", "提出書類", "受領ファイル", "本人確認の方法", "本人確認日", "本人確認者",
    "回答方法", "手数料の案内", "会員への通知", "延長と理由", "状況", "結果", "結果の理由",
    "完了日", "所要日数", "当初の期限", "最終の期限", "期限内か",
]  # fmt: skip
CHAT = "端末チャット"  # the tests' members write from the terminal channel
NOTED = "記入あり（案件記録を参照）"
BY_POST = "書面を郵送で受け取る"
IN_CHAT = "このチャットで受け取る"
# Every request that arrived in November, as the CSV holds it (October's and December's not).
ROWS = [
    ["CD-2026-00002", CD, "宅配センター", "チャット", "2026-11-02 10:00", "開示",
     "開示の範囲：すべての情報", "任意代理人（ご本人から頼まれた方）　続柄：子（息子・娘）", "",
     "1件（PDF 1）", "書面", "2026-11-02", "sato", BY_POST, "あり",
     f"2026-11-03 期限延長（{CHAT}）\n2026-11-05 回答送信（{CHAT}）\n2026-11-05 完了（{CHAT}）",
     f"2026-11-03：2026-11-16→2026-11-20（理由：{EXTENSION_REASON}）", "一部対応", "一部対応",
     "'" + PARTIAL_REASON, "2026-11-05", "3", "2026-11-16", "2026-11-20", "期限内"],
    ["KY-2026-00001", KY, "共済部", "郵送", "2026-11-04 10:00", "利用目的の通知",
     "対象の情報・サービス：すべて", "ご本人", "", "", "登録電話へ折返し", "2026-11-04",
     "suzuki", IN_CHAT, "なし", f"2026-11-10 回答送信（{CHAT}）\n2026-11-10 完了（{CHAT}）", "",
     "回答済", "回答済", "", "2026-11-10", "6", "2026-11-18", "2026-11-18", "期限内"],
    ["CD-2026-00003", CD, "宅配センター", "電話", "2026-11-06 10:00", "訂正・追加・削除",
     f"お申し出の内容：まちがいを直す（訂正）\n対象の項目：住所\nいまの（誤った）内容：{NOTED}\n"
     f"正しい内容：{NOTED}\n理由：{NOTED}", "ご本人", "住民票", "", "", "", "", IN_CHAT, "なし",
     f"2026-11-09 完了（{CHAT}）", "", "対応不可", "対応不可", REFUSAL_REASON, "2026-11-09", "3",
     "2026-11-20", "2026-11-20", "期限内"],
    ["KY-2026-00002", KY, "共済部", "来所", "2026-11-09 10:00", "利用停止・消去",
     "対象の情報・利用：すべて\n希望する対応：消す（消去）\n理由：目的の範囲をこえて使われている",
     "ご本人", "", "", "来所", "2026-11-09", "suzuki", IN_CHAT, "なし",
     f"2026-11-30 回答送信（{CHAT}）\n2026-11-30 完了（{CHAT}）", "", "回答済", "回答済", "",
     "2026-11-30", "21", "2026-11-20", "2026-11-20", "期限超過"],
    ["CD-2026-00004", CD, "宅配センター", "メール", "2026-11-10 10:00", "第三者提供記録の開示",
     f"対象の期間：記録が残っている期間すべて\n提供先：{NOTED}", "ご本人", "", "", "", "", "",
     BY_POST, "あり", "", "", "受付", "", "", "", "", "2026-11-24", "2026-11-24",
     "期限超過（未完了）"],
    ["KY-2026-00003", KY, "共済部", "チャット", "2026-11-12 10:00", "第三者提供の停止",
     f"提供先：すべての提供先\n対象の情報：すべて\n理由：{NOTED}", "ご本人", "", "", "", "", "",
     IN_CHAT, "なし", "", "", "取下げ", "", "", "2026-11-13", "1", "2026-11-26", "2026-11-26",
     "対象外（取下げ）"],
    ["CD-2026-00005", CD, "宅配センター", "チャット", "2026-11-16 10:00",
     "同意の撤回・広告等の停止", "止める広告・ご案内：紙のDM・カタログ、メール\n"
     "止める範囲：すべての広告・ご案内", "ご本人", "", "", "", "", "", "", "なし",
     f"2026-11-17 完了（{CHAT}）", "", "回答済", "回答済", "", "2026-11-17", "1", "2026-11-30",
     "2026-11-30", "期限内"],
    ["CD-2026-00006", CD, "宅配センター", "チャット", "2026-11-18 10:00",
     "個人情報の取扱いに関するお問い合わせ", f"ご質問：{NOTED}", "ご本人", "", "", "", "", "", "",
     "なし", f"2026-11-19 回答送信（{CHAT}）\n2026-11-19 完了（{CHAT}）", "", "回答済", "回答済",
     "", "2026-11-19", "1", "2026-12-02", "2026-12-02", "期限内"],
    ["KY-2026-00004", KY, "共済部", "チャット", "2026-11-20 10:00", "担当者へのご相談",
     f"ご相談の種類：苦情・ご意見\nご用件：{NOTED}", "ご本人", "", "", "", "", "", "", "なし", "",
     "", "受付", "", "", "", "", "2026-12-04", "2026-12-04", "期限超過（未完了）"],
]  # fmt: skip
TITLE = ["請求受付簿", "到着日が2026年11月1日(日)から2026年11月30日(月)までの請求（組合：すべて）"]
EXPORTED = "出力：cli:chief　2026-12-07 10:00（日本時間）"
DATE_COLUMNS = {"本人確認日", "完了日", "当初の期限", "最終の期限"}


@pytest.fixture(scope="module", params=DATABASES)
def november(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """The fixed November, filed once per database (SQLite, and PostgreSQL when given)."""
    folder = tmp_path_factory.mktemp("register")
    deployment = folder / "madoguchi.toml"
    deployment.write_text(FILES_ON, encoding="utf-8")  # コープデリ takes files (the 委任状)
    with database_for(request.param, folder) as database:
        desk = build_desk(database, Clock(), deployment)
        build_november(desk)
        yield desk
        desk.app.db.close()


def export(desk: Desk, fmt: RegisterFormat, **kwargs: Any) -> bytes:
    first, last = kwargs.pop("first", NOV_1), kwargs.pop("last", NOV_30)
    return render(register_document(desk.app, CHIEF, first, last, **kwargs), fmt)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel on Japanese Windows reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_supervisors_get_every_request_that_arrived_in_the_period_in_csv_cell_by_cell(
    november: Desk,
) -> None:
    rows = csv_rows(export(november, RegisterFormat.csv))
    assert rows[:3] == [[TITLE[0]], [TITLE[1]], [EXPORTED]]
    assert rows[3] == HEADER
    assert len(rows) == 4 + len(ROWS)
    for got, expected in zip(rows[4:], ROWS, strict=True):
        for label, cell, wanted in zip(HEADER, got, expected, strict=True):
            assert cell == wanted, (expected[0], label)


def test_a_formula_in_a_reason_stays_text_in_every_spreadsheet(november: Desk) -> None:
    rows = csv_rows(export(november, RegisterFormat.csv))
    assert (
        rows[4][HEADER.index("結果の理由")] == "'" + FORMULA + " 一部の記録は保存期間を過ぎています"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(export(november, RegisterFormat.xlsx))).active
    assert sheet is not None
    cell = sheet.cell(row=5, column=HEADER.index("結果の理由") + 1)
    assert (cell.value, cell.data_type) == (PARTIAL_REASON, "s")  # text, never a formula


def _typed(label: str, text: str) -> object:
    """A CSV cell as the workbook holds it: real dates and numbers, empty cells empty."""
    if text == "":
        return None
    if label == "到着日時":
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    if label in DATE_COLUMNS:
        return datetime.fromisoformat(text)  # openpyxl reads a date cell back as a datetime
    if label == "所要日数":
        return int(text)
    if label == "結果の理由":
        return text.removeprefix("'")  # a workbook stores text as text: no apostrophe
    return text


def test_the_workbook_has_japanese_headers_real_dates_a_frozen_header_and_a_filter(
    november: Desk,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export(november, RegisterFormat.xlsx)))
    sheet = book.active
    assert sheet is not None and sheet.title == "請求受付簿"
    assert [sheet.cell(row=r, column=1).value for r in (1, 2, 3)] == [*TITLE, EXPORTED]
    assert [c.value for c in sheet[4]] == HEADER
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:Y13"
    assert sheet.max_row == 4 + len(ROWS)
    for offset, expected in enumerate(ROWS, 5):
        for column, (label, text) in enumerate(zip(HEADER, expected, strict=True), 1):
            cell = sheet.cell(row=offset, column=column)
            assert cell.value == _typed(label, text), (expected[0], label)
            if label in DATE_COLUMNS and text:
                assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    arrived = sheet.cell(row=5, column=HEADER.index("到着日時") + 1)
    assert arrived.is_date and arrived.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.column_dimensions["A"].width == 16
    assert sheet.column_dimensions["G"].width == 30  # 請求の範囲


def test_the_printable_page_escapes_every_value_and_prints_a4_landscape(november: Desk) -> None:
    page = export(november, RegisterFormat.html).decode("utf-8")
    assert SCRIPT not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;書庫の記録を確認するため" in page
    assert "@page { size: A4 landscape" in page
    assert "<th>受付番号</th>" in page and page.count("<tr>") == 1 + len(ROWS)
    assert f"<td>{FORMULA.replace(chr(39), '&#x27;')} 一部の記録" in page
    assert "2026-11-03 期限延長（端末チャット）<br>2026-11-05 回答送信" in page


@pytest.mark.parametrize("fmt", list(RegisterFormat))
def test_the_register_carries_no_name_phone_address_or_message(
    november: Desk, fmt: RegisterFormat
) -> None:
    data = export(november, fmt)
    text = data.decode("utf-8-sig") if fmt is not RegisterFormat.xlsx else _xlsx_text(data)
    for personal in ("山田", "ヤマダ", "03-5285-1865", "090-1234-5678", "新宿", "160-0022",
                     "委任状.pdf", "家族の分もまとめて", "記録をお送りします"):  # fmt: skip
        assert personal not in text, personal


def _xlsx_text(data: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("fmt", list(RegisterFormat))
def test_a_period_with_no_requests_still_has_its_header_and_says_so(
    november: Desk, fmt: RegisterFormat
) -> None:
    data = export(november, fmt, first=date(2026, 9, 1), last=date(2026, 9, 30))
    none = "この期間に到着した請求はありません。"
    if fmt is RegisterFormat.csv:
        assert csv_rows(data)[3:] == [HEADER, [none]]
    elif fmt is RegisterFormat.xlsx:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        assert [c.value for c in sheet[4]] == HEADER and sheet.cell(5, 1).value == none
    else:
        assert "<th>受付番号</th>" in data.decode() and none in data.decode()


def test_one_org_alone(november: Desk) -> None:
    rows = csv_rows(export(november, RegisterFormat.csv, org="seikatsuclub-kyosai"))
    assert rows[1] == [f"到着日が2026年11月1日(日)から2026年11月30日(月)までの請求（組合：{KY}）"]
    assert [r[0] for r in rows[4:]] == [r[0] for r in ROWS if r[0].startswith("KY")]


def test_a_register_read_is_audited_with_who_which_period_and_how_many(november: Desk) -> None:
    register_document(november.app, CHIEF, NOV_1, NOV_30, "coopdeli", detail={"format": "csv"})
    entry = november.app.audit.entries()[-1]
    assert (entry.actor, entry.surface, entry.action) == ("cli:chief", "cli", "view_register")
    assert entry.detail == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "purpose": "register",
        "format": "csv",
        "org": "coopdeli",
        "cases": 5,
    }


def test_staff_who_are_not_supervisors_are_refused_the_register_and_the_refusal_is_on_record(
    november: Desk,
) -> None:
    sato = StaffActor.terminal("sato", ["takuhai-center"], supervisor=False)
    with pytest.raises(CaseActionError) as refused:
        register_document(november.app, sato, NOV_1, NOV_30)
    assert "責任者" in refused.value.ja
    with pytest.raises(CaseActionError):
        read_month_figures(november.app, sato, NOV_1)
    denied = [e for e in november.app.audit.entries() if e.actor == "cli:sato"][-2:]
    assert [(e.action, e.allowed) for e in denied] == [
        ("denied:view_register", False),
        ("denied:view_stats", False),
    ]


def test_the_register_reads_cases_and_events_in_two_queries_however_many(november: Desk) -> None:
    selects: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    engine = november.app.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        register_document(november.app, CHIEF, NOV_1, NOV_30)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    case_and_event_reads = [s for s in selects if "FROM caseevent" in s or 'FROM "case"' in s]
    assert len(case_and_event_reads) == 2, selects


def test_novembers_figures_are_exact(november: Desk) -> None:
    figures = read_month_figures(november.app, CHIEF, NOV_1)
    assert figures.arrived == 9
    assert figures.by_type == [
        ("利用目的の通知", 1), ("開示", 1), ("第三者提供記録の開示", 1), ("訂正・追加・削除", 1),
        ("利用停止・消去", 1), ("第三者提供の停止", 1), ("同意の撤回・広告等の停止", 1),
        ("個人情報の取扱いに関するお問い合わせ", 1), ("担当者へのご相談", 1),
    ]  # fmt: skip
    assert figures.by_org == [(CD, 5), (KY, 4)]
    assert figures.by_route == [
        ("チャット", 5),
        ("郵送", 1),
        ("電話", 1),
        ("来所", 1),
        ("メール", 1),
    ]
    # Closed with an outcome: A 3 days, B 6, C 3, D 21 (late), G 1, H 1; F was withdrawn.
    assert (figures.closed, figures.within_target) == (6, 5)
    assert figures.median_days == 3.0
    assert (figures.extended_cases, figures.extensions) == (1, 1)
    assert figures.refusals == [
        Refusal("一部対応", PARTIAL_REASON, 1),
        Refusal("対応不可", REFUSAL_REASON, 1),
    ]
    # October's disclosure and E are open and overdue; I is open, due 4 December.
    assert (figures.open_at_end, figures.overdue_at_end) == (3, 2)
    entry = november.app.audit.entries()[-1]
    assert (entry.actor, entry.action) == ("cli:chief", "view_stats")
    assert entry.detail == {"month": "2026-11", "org": None, "cases": 10}


def test_one_orgs_figures(november: Desk) -> None:
    figures = read_month_figures(november.app, CHIEF, NOV_1, "seikatsuclub-kyosai")
    assert (figures.arrived, figures.org) == (4, KY)
    assert (figures.closed, figures.within_target, figures.median_days) == (2, 1, 13.5)
    assert (figures.open_at_end, figures.overdue_at_end) == (1, 0)


def test_the_figures_read_as_text_and_as_a_page_with_a_chart_and_no_script(
    november: Desk,
) -> None:
    figures = read_month_figures(november.app, CHIEF, NOV_1)
    text = to_text(figures)
    assert text.startswith("2026年11月の受付状況（組合：すべて）\n受付件数：9\n")
    assert "この月の受付分のうち期限内に完了した割合（集計時点）：83.3%（5件／6件）" in text
    assert "所要日数の中央値：3日" in text and "延長：1件（延長1回）" in text
    assert "月末時点で未完了（受付月を問わず）：3\n月末時点で期限超過（受付月を問わず）：2" in text
    page = to_html(figures).decode("utf-8")
    assert page.count("<svg") == 3 and "<rect" in page
    assert "<script" not in page.replace("&lt;script", "") and "src=" not in page
    assert "href=" not in page and "@import" not in page
    assert "&#x27;" in page or FORMULA not in page  # the reason is escaped too


# ---------------------------------------------------------------------- the commands


@pytest.fixture
def run(november: Desk) -> Iterator[Any]:
    with madoguchi_command(november.db_url) as invoke:
        yield invoke


def test_the_command_writes_the_workbook_and_the_read_is_on_record(
    run: Any, november: Desk, tmp_path: Path
) -> None:
    out = tmp_path / "november.xlsx"
    result = run("register", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx",
                 "--output", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None and sheet.cell(5, 1).value == "CD-2026-00002"
    assert out.stat().st_mode & 0o077 == 0  # the owner's only
    entry = november.app.audit.entries()[-1]
    assert (entry.actor, entry.action, entry.detail["cases"]) == ("cli:chief", "view_register", 9)
    assert entry.detail["format"] == "xlsx"


def test_the_stats_command_prints_the_month(run: Any) -> None:
    result = run("stats", "--month", "2026-11", "--org", "coopdeli")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"2026年11月の受付状況（組合：{CD}）\n受付件数：5\n")


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (["register", "--from", "2026-11-30", "--to", "2026-11-01"], "より後になっています"),
        (["register", "--from", "いつか", "--to", "2026-11-01"], "日付を読み取れませんでした"),
        (["register", "--from", "2026-11-01", "--to", "2026-11-30", "--org", "nowhere"],
         "組合「nowhere」はありません。指定できる組合："),
        (["stats", "--month", "2026-13"], "年と月で指定してください：2026-13"),
        (["stats", "--month", "11月"], "年と月で指定してください"),
        (["stats", "--month", "2026-11", "--org", "nowhere"], "組合「nowhere」はありません"),
        (["stats", "--month", "2026-11", "--format", "pdf"], "text か html"),
        (["register", "--from", "2026-11-01", "--to", "2026-11-30", "--output",
          "/nonexistent/november.csv"], "書き込めません"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_japanese_answer_exit_2_and_nothing_read(
    run: Any, november: Desk, args: list[str], answer: str
) -> None:
    before = len(november.app.audit.entries())
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert answer in result.stderr and result.stdout == ""
    assert "Traceback" not in result.output
    assert len(november.app.audit.entries()) == before  # refused before any read


def test_an_existing_file_is_kept_unless_forced(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "november.csv"
    out.write_text("earlier", encoding="utf-8")
    args = ["register", "--from", "2026-11-01", "--to", "2026-11-30", "--output", str(out)]
    refused = run(*args)
    assert refused.exit_code == 2
    assert "すでにあります。上書きするときは --force を付けてください" in refused.stderr
    assert out.read_text(encoding="utf-8") == "earlier"
    forced = run(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert csv_rows(out.read_bytes())[3] == HEADER
    assert list(tmp_path.iterdir()) == [out]  # no partial file left beside it


def test_a_place_that_cannot_be_written_is_refused(run: Any, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("", encoding="utf-8")
    result = run("stats", "--month", "2026-11", "--output", str(not_a_folder / "s.txt"))
    assert result.exit_code == 2 and "書き込めません" in result.stderr
    folder = run("stats", "--month", "2026-11", "--output", str(tmp_path))
    assert folder.exit_code == 2 and "フォルダです" in folder.stderr


def test_without_madoguchi_staff_nobody_reads_the_register(november: Desk) -> None:
    with madoguchi_command(november.db_url, staff="") as invoke:
        result = invoke("register", "--from", "2026-11-01", "--to", "2026-11-30")
    assert result.exit_code == 2
    assert "MADOGUCHI_STAFF に担当者のIDを設定してください" in result.stderr
