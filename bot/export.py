"""One case's record for the archive: HTML to print or file, JSON for systems, CSV for Excel.

Exports carry the transcript and history but never a file's bytes: attachments appear as
metadata with their sha256, so the archive proves which file was received without holding it.
All times are Japan time, the time staff and members worked the case in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Any, Protocol

from bot.escaping import for_csv
from flows.asker import describe_requester
from flows.attachments import size_label
from flows.case_events import EVENT_LABELS
from flows.i18n import JST, N_, Translator
from flows.registry import FLOWS
from flows.status import status_label
from storage.cases import CaseDetail, case_to_dict
from storage.models import Attachment, Case, CaseEvent, TranscriptLine

_JA = Translator("ja")
SPEAKERS: dict[str, str] = {"member": N_("会員"), "bot": N_("窓口"), "staff": N_("担当")}
ACTORS: dict[str, str] = {"member": "会員", "system": "システム"}
CSV_HEADER = ("日時", "種別", "発言者・実行者", "内容")


class ExportFormat(StrEnum):
    """``--format``: html to print and file, json for other systems, csv for Excel."""

    html = "html"
    json = "json"
    csv = "csv"

    @property
    def encoding(self) -> str:
        """CSV gets a BOM so Excel on Japanese Windows reads UTF-8 instead of Shift_JIS."""
        return "utf-8-sig" if self is ExportFormat.csv else "utf-8"


# ---------------------------------------------------------------------- shared wording


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in JST (+09:00), so archived times read as the desk's own clock."""
    return value.astimezone(JST).isoformat() if value else None


def _stamp(value: datetime) -> str:
    """A sortable JST timestamp for spreadsheets (Excel reads it as a date)."""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")


def type_title(case: Case) -> str:
    flow = FLOWS.get(case.request_type)
    return _JA(flow.title) if flow else case.request_type


def requester_label(case: Case) -> str:
    """ご本人 / 法定代理人… / 亡くなった方のご家族など, with the agent's or asker's 続柄; the
    code stays for unknown values."""
    return describe_requester(case.requester, case.fields, _JA)


def speaker(line: TranscriptLine) -> str:
    """会員 / 窓口 / 担当 as in ``madoguchi staff show``; staff lines also name who wrote them."""
    who = SPEAKERS.get(line.direction, line.direction)
    return f"{who}（{line.author}）" if line.author and line.direction == "staff" else who


def actor_label(event: CaseEvent) -> str:
    return ACTORS.get(event.actor, event.actor)


def event_label(event: CaseEvent) -> str:
    return EVENT_LABELS.get(event.kind, event.kind)


def event_details(event: CaseEvent) -> str:
    """An event's data as ``key: value`` pairs; empty values are left out."""
    parts = []
    for key, value in event.data.items():
        if value in (None, "", {}, []):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {shown}")
    return "、".join(parts)


class FileMeta(Protocol):
    """What exports read of a file: an ``Attachment`` row, or metadata loaded without bytes."""

    @property
    def name(self) -> str | None: ...
    @property
    def mime(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def caption(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


def attachment_dict(attachment: FileMeta) -> dict[str, Any]:
    """What an export may say about a file: never its bytes."""
    return {
        "name": attachment.name,
        "mime": attachment.mime,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "caption": attachment.caption,
        "created_at": _iso(attachment.created_at),
    }


# ---------------------------------------------------------------------- JSON


def case_json(case: Case) -> dict[str, Any]:
    """A case's head as exports give it: every field, times in JST."""
    return case_to_dict(case) | {
        "requester_label": requester_label(case),
        "received_at": _iso(case.received_at),
        "due_at": _iso(case.due_at),
        "summary": [list(pair) for pair in case.summary],
        "flags": list(case.flags),
        "outcome_reason": case.outcome_reason,
        "closed_at": _iso(case.closed_at),
    }


def event_json(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.created_at),
        "kind": event.kind,
        "actor": event.actor,
        "data": event.data,
    }


def line_json(line: TranscriptLine) -> dict[str, Any]:
    return {
        "at": _iso(line.created_at),
        "direction": line.direction,
        "author": line.author,
        "text": line.text,
    }


def render_json(detail: CaseDetail) -> str:
    """The whole record as one JSON document, keys in a fixed order for diffable archives."""
    document = {
        "case": case_json(detail.case),
        "events": [event_json(e) for e in detail.events],
        "transcript": [line_json(t) for t in detail.transcript],
        "attachments": [attachment_dict(a) for a in detail.attachments],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class _Row:
    at: datetime
    order: int  # transcript before events at the same instant: the message caused the event
    cells: tuple[str, str, str, str]


def _rows(detail: CaseDetail) -> list[_Row]:
    lines = [
        _Row(t.created_at, 0, (_stamp(t.created_at), "やりとり", speaker(t), t.text))
        for t in detail.transcript
    ]
    events = [
        _Row(
            e.created_at,
            1,
            (
                _stamp(e.created_at),
                "経過",
                actor_label(e),
                " ".join(filter(None, [event_label(e), event_details(e)])),
            ),
        )
        for e in detail.events
    ]
    return sorted([*lines, *events], key=lambda row: (row.at, row.order))  # stable: ids kept


def render_csv(detail: CaseDetail) -> str:
    """Transcript and history merged in time order, one row each.

    The CLI writes this with ``utf-8-sig`` (a UTF-8 BOM): without it, Excel on Japanese
    Windows guesses Shift_JIS and the Japanese text turns to mojibake.
    """
    return csv_text(CSV_HEADER, (row.cells for row in _rows(detail)))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV document for Excel, every cell neutralised (``for_csv``): a member's
    ``=HYPERLINK(…)`` stays text instead of running as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([for_csv(cell) for cell in header])
    writer.writerows([for_csv(cell) for cell in row] for row in rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------- HTML

_CSS = """
@page { size: A4; margin: 15mm; }
html { color: #000; background: #fff; }
body {
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic", YuGothic, Meiryo,
    "Noto Sans JP", sans-serif;
  font-size: 10pt; line-height: 1.5; margin: 0;
}
h1 { font-size: 16pt; margin: 0 0 4mm; }
h2 {
  font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #000;
  page-break-after: avoid; break-after: avoid;
}
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td {
  border: 1px solid #000; padding: 1mm 2mm; text-align: left; vertical-align: top;
  overflow-wrap: anywhere;
}
th { font-weight: bold; }
.label { width: 30mm; }
.when { width: 30mm; }
.who { width: 25mm; }
.num { width: 10mm; }
.text { white-space: pre-wrap; }
.hash { font-family: monospace; font-size: 8pt; }
footer { margin-top: 8mm; padding-top: 2mm; border-top: 1px solid #000; font-size: 9pt; }
@media screen { body { max-width: 180mm; margin: 10mm auto; } }
""".strip()


def _e(value: object) -> str:
    """Every stored or translated text goes through here: member words may hold markup."""
    return escape("" if value is None else str(value))


def _table(head: Sequence[tuple[str, str]], rows: Iterable[Sequence[tuple[str, str]]]) -> str:
    """A table from (class, text) cells; texts are escaped here, classes are our own."""

    def cell(tag: str, css: str, text: str) -> str:
        attr = f' class="{css}"' if css else ""
        return f"<{tag}{attr}>{_e(text)}</{tag}>"

    header = "".join(cell("th", css, text) for css, text in head)
    body = "\n".join(
        "<tr>" + "".join(cell("td", css, text) for css, text in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _facts(pairs: Iterable[tuple[str, str]]) -> str:
    """A label/value table (no header row), for the case header and the intake summary."""
    rows = "\n".join(
        f'<tr><th class="label" scope="row">{_e(label)}</th><td class="text">{_e(value)}</td></tr>'
        for label, value in pairs
    )
    return f"<table>\n<tbody>\n{rows}\n</tbody>\n</table>"


def _header_facts(case: Case) -> list[tuple[str, str]]:
    facts = [
        ("受付番号", case.number),
        ("種類", type_title(case)),
        ("組織", case.org_id),
        ("窓口", case.queue),
        ("受付日時", _JA.datetime(case.received_at)),
        ("回答期限", _JA.date(case.due_at)),
        ("状況", _JA(status_label(case.status))),
        ("担当", case.assignee or "-"),
        ("申出者", requester_label(case)),
    ]
    if case.flags:
        facts.append(("注意", "、".join(case.flags)))
    if case.paused_at:
        facts.append(("一時停止", f"{_JA.datetime(case.paused_at)}から"))
    if case.closed_at:
        facts.append(("結果", _JA(status_label(case.outcome or case.status))))
        facts.append(("完了日時", _JA.datetime(case.closed_at)))
        if case.outcome_reason:
            facts.append(("理由", case.outcome_reason))
    return facts


def _attachments(files: Sequence[Attachment]) -> str:
    if not files:
        return "<p>なし</p>"
    head = [
        ("num", "No."),
        ("", "ファイル名"),
        ("", "形式・サイズ"),
        ("when", "受信日時"),
        ("", "sha256"),
        ("", "添え書き"),
    ]
    rows = [
        [
            ("num", str(index)),
            ("", a.name or "（写真）"),
            ("", f"{a.mime} {size_label(a.size)}"),
            ("when", _JA.datetime(a.created_at)),
            ("hash", a.sha256),
            ("text", a.caption or ""),
        ]
        for index, a in enumerate(files, 1)
    ]
    return _table(head, rows)


def _events(events: Sequence[CaseEvent]) -> str:
    head = [("when", "日時"), ("who", "経過"), ("who", "実行者"), ("", "内容")]
    rows = [
        [
            ("when", _JA.datetime(e.created_at)),
            ("who", event_label(e)),
            ("who", actor_label(e)),
            ("text", event_details(e)),
        ]
        for e in events
    ]
    return _table(head, rows) if rows else "<p>なし</p>"


def _transcript(lines: Sequence[TranscriptLine]) -> str:
    head = [("when", "日時"), ("who", "発言者"), ("", "内容")]
    rows = [
        [("when", _JA.datetime(t.created_at)), ("who", speaker(t)), ("text", t.text)] for t in lines
    ]
    return _table(head, rows) if rows else "<p>なし</p>"


def render_html(detail: CaseDetail, *, exported_by: str, exported_at: datetime) -> str:
    """A self-contained page that prints on A4 as the case's paper record.

    Inline CSS only, black on white, rows never split across pages and headers repeated,
    so the printout reads the same wherever it is opened, offline and years later.
    """
    case = detail.case
    summary = (
        _facts((label, value) for label, value in case.summary) if case.summary else "<p>なし</p>"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="ja">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>案件記録 {_e(case.number)}</title>",
            f"<style>\n{_CSS}\n</style>",
            "</head>",
            "<body>",
            f"<header>\n<h1>案件記録 {_e(case.number)}</h1>\n{_facts(_header_facts(case))}\n"
            "</header>",
            f"<section>\n<h2>申出内容</h2>\n{summary}\n</section>",
            f"<section>\n<h2>添付ファイル</h2>\n{_attachments(detail.attachments)}\n</section>",
            f"<section>\n<h2>経過</h2>\n{_events(detail.events)}\n</section>",
            f"<section>\n<h2>やりとり</h2>\n{_transcript(detail.transcript)}\n</section>",
            f"<footer>出力日時 {_e(_JA.datetime(exported_at))} / 出力者 {_e(exported_by)}</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def render(
    detail: CaseDetail, fmt: ExportFormat, *, exported_by: str, exported_at: datetime
) -> bytes:
    """The document as bytes to write as-is, in the format's encoding (BOM for CSV)."""
    return encoded(
        fmt,
        lambda: render_json(detail),
        lambda: render_csv(detail),
        lambda: render_html(detail, exported_by=exported_by, exported_at=exported_at),
    )


def encoded(
    fmt: ExportFormat,
    as_json: Callable[[], str],
    as_csv: Callable[[], str],
    as_html: Callable[[], str],
) -> bytes:
    """One export in the chosen format, encoded as that format needs (a BOM for CSV)."""
    text = {ExportFormat.json: as_json, ExportFormat.csv: as_csv}.get(fmt, as_html)()
    return text.encode(fmt.encoding)
