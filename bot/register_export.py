"""The request register rendered three ways from one column table (``flows.register_columns``).

- CSV: UTF-8 with a BOM (Excel on Japanese Windows reads it as UTF-8), every text cell
  neutralised against formula injection (``for_csv``);
- xlsx (openpyxl): Japanese headers, dates as real date cells, column widths, the header row
  frozen with an autofilter, and above it the register's title, period and who exported it;
  text cells are stored as text, so ``=cmd|…`` is never a formula;
- HTML to print: every value escaped, A4 landscape, the header repeated on each page.

Each starts with the same title lines (what the register holds: requests that ARRIVED in the
period), and a period with no requests still gets its header and a line saying so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from html import escape

from bot.escaping import for_csv
from flows.i18n import JST, N_, Translator
from flows.register_columns import COLUMNS, LIST_SEPARATOR, Cell, headers
from storage.progress import Progress, silent

JA = Translator("ja")
TITLE = N_("請求受付簿")
PERIOD = N_("到着日が{first}から{last}までの請求（組合：{org}）")
ALL_ORGS = N_("すべて")
EXPORTED = N_("出力：{actor}　{at}（日本時間）")
NONE_ARRIVED = N_("この期間に到着した請求はありません。")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class RegisterFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


@dataclass(frozen=True)
class RegisterDocument:
    """What one export holds: its title lines, the rows, and nothing else."""

    first: date
    last: date
    org: str | None  # the org's name; None: every org
    exported_by: str
    exported_at: datetime
    rows: list[list[Cell]]

    def title_lines(self) -> list[str]:
        period = JA(
            PERIOD,
            first=JA.date(self.first),
            last=JA.date(self.last),
            org=self.org or JA(ALL_ORGS),
        )
        at = self.exported_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
        return [JA(TITLE), period, JA(EXPORTED, actor=self.exported_by, at=at)]


def cell_text(value: Cell) -> str:
    """A cell as text: dates as 2026-11-05, times as 2026-11-05 10:00 (Japan time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render(document: RegisterDocument, fmt: RegisterFormat, progress: Progress = silent) -> bytes:
    if fmt is RegisterFormat.csv:
        return to_csv(document, progress)
    if fmt is RegisterFormat.xlsx:
        return to_xlsx(document, progress)
    return to_html(document, progress)


def _counted(rows: Sequence[Sequence[Cell]], progress: Progress) -> Iterator[Sequence[Cell]]:
    """The rows, telling ``progress`` every hundred (an export may hold years of requests)."""
    progress("rows", 0, len(rows))
    for done, row in enumerate(rows, 1):
        yield row
        if done % 100 == 0 or done == len(rows):
            progress("rows", done, len(rows))


# ---------------------------------------------------------------------- CSV


def to_csv(document: RegisterDocument, progress: Progress = silent) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in document.title_lines():
        writer.writerow([for_csv(line)])
    writer.writerow(headers())
    for row in _counted(document.rows, progress):
        writer.writerow([for_csv(cell_text(value)) for value in row])
    if not document.rows:
        writer.writerow([JA(NONE_ARRIVED)])
    return out.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------------- xlsx


def _xlsx_value(value: Cell) -> str | int | date | datetime | None:
    """Dates stay dates (Excel holds no time zone: Japan time, as the header says); text loses
    the control characters a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        return value.astimezone(JST).replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def to_xlsx(document: RegisterDocument, progress: Progress = silent) -> bytes:
    # Imported here: a third of a second that every other command (and the server) need not pay.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = JA(TITLE)
    titles = document.title_lines()
    for number, line in enumerate(titles, 1):
        cell = sheet.cell(row=number, column=1, value=line)
        cell.data_type = "s"
        cell.font = Font(bold=number == 1, size=14 if number == 1 else 11)
    header_row = len(titles) + 1
    for index, label in enumerate(headers(), 1):
        cell = sheet.cell(row=header_row, column=index, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(_counted(document.rows, progress), 1):
        for index, value in enumerate(row, 1):
            cell = sheet.cell(row=header_row + offset, column=index, value=_xlsx_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
                if LIST_SEPARATOR in value:
                    cell.alignment = wrap
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
    if not document.rows:
        sheet.cell(row=header_row + 1, column=1, value=JA(NONE_ARRIVED))
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last_row = header_row + max(len(document.rows), 1)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{last_row}"
    sheet.print_options.gridLines = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = f"{header_row}:{header_row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------- HTML

PRINT_CSS = """
@page { size: A4 landscape; margin: 10mm; }
body { font-family: sans-serif; font-size: 9pt; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 4pt; }
p { margin: 0 0 4pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #555; padding: 2pt 3pt; vertical-align: top; text-align: left; }
th { background: #eee; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
"""


def _html_cell(value: Cell) -> str:
    return escape(cell_text(value)).replace("\n", "<br>")


def page(title: str, lines: Sequence[str], body: str, css: str = PRINT_CSS) -> str:
    """A whole printable page: its title escaped, the body already escaped HTML."""
    intro = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{css}</style></head>"
        f"<body><h1>{escape(title)}</h1>{intro}{body}</body></html>\n"
    )


def to_html(document: RegisterDocument, progress: Progress = silent) -> bytes:
    head = "".join(f"<th>{escape(label)}</th>" for label in headers())
    if document.rows:
        body = "".join(
            "<tr>" + "".join(f"<td>{_html_cell(value)}</td>" for value in row) + "</tr>"
            for row in _counted(document.rows, progress)
        )
    else:
        body = f'<tr><td colspan="{len(COLUMNS)}">{escape(JA(NONE_ARRIVED))}</td></tr>'
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    title, *lines = document.title_lines()
    return page(title, lines, table).encode("utf-8")
