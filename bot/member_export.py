"""``madoguchi member-data``: everything madoguchi holds about a member, for a 開示 request.

The same three formats as a case's archive (``bot.export``), built with its helpers: HTML
that prints on A4 to hand over or file, JSON for other systems, CSV (with a BOM) for Excel.
File bytes never appear, only what was received and its sha256.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.app import App
from bot.documents import write_document
from bot.export import (
    _CSS,
    ExportFormat,
    _e,
    _events,
    _facts,
    _iso,
    _stamp,
    _table,
    _transcript,
    actor_label,
    attachment_dict,
    case_json,
    csv_text,
    encoded,
    event_details,
    event_json,
    event_label,
    line_json,
    requester_label,
    speaker,
    type_title,
)
from bot.staff.identity import staff_name, terminal_staff
from flows.attachments import size_label
from flows.cases import IDENTITY_METHODS, CaseActionError
from flows.i18n import Translator
from flows.registry import FLOWS
from flows.status import status_label
from flows.steps import SKIPPED
from storage.member_data import (
    BY_MEMBER_NUMBER,
    BY_PHONE_AND_NAME,
    LINKED_BY_STAFF,
    THIS_CASE,
    ConversationRecord,
    FileInfo,
    InProgress,
    MemberData,
    PossibleMatch,
)
from storage.models import ConsentRecord

_JA = Translator("ja")
TITLE = "madoguchi が保有するお客様の情報"
MATCHED = {
    THIS_CASE: "このご依頼をいただいた会話",
    LINKED_BY_STAFF: "本人確認の後、担当者がご本人のものと確かめた会話",
}
# Why another case is offered to staff as a possible match (never merged on its own).
RESEMBLES = {
    BY_MEMBER_NUMBER: "組合員番号が同じ",
    BY_PHONE_AND_NAME: "電話番号とお名前が同じ",
}
SOURCES = {"member_request": "ご本人からのお申し出"}
CSV_HEADER = ("日時", "種別", "受付番号", "発言者・実行者", "内容")
_MORE_CSS = """
h3 { font-size: 11pt; margin: 4mm 0 2mm; page-break-after: avoid; break-after: avoid; }
""".strip()


# ---------------------------------------------------------------------- wording


def option_label(flow_id: str | None, step_id: str, value: Any) -> str:
    """An answer as the member chose it (ラベル, not id); other values as they are."""
    if value == SKIPPED or value is None:
        return "（未入力）"
    flow = FLOWS.get(flow_id or "")
    step = next((s for s in flow.steps if s.id == step_id), None) if flow else None
    options = {} if step is None or callable(step.options) else {o.id: o for o in step.options}
    values = value if isinstance(value, list) else [value]
    return "、".join(
        _JA(options[v].label) if isinstance(v, str) and v in options else str(v) for v in values
    )


def step_label(flow_id: str | None, step_id: str) -> str:
    flow = FLOWS.get(flow_id or "")
    step = next((s for s in flow.steps if s.id == step_id), None) if flow else None
    return _JA(step.label) if step else step_id


def consent_text(record: ConsentRecord) -> tuple[str, str, str]:
    """(what was stopped, how far, how it was asked) in Japanese."""
    return (
        option_label("consent_withdrawal", "channels", record.channel),
        option_label("consent_withdrawal", "scope", record.scope),
        SOURCES.get(record.source, record.source),
    )


def in_progress_pairs(progress: InProgress) -> list[tuple[str, str]]:
    flow = FLOWS.get(progress.request_type or "")
    pairs = [("入力中のご依頼", _JA(flow.title) if flow else str(progress.request_type))]
    return pairs + [
        (step_label(progress.request_type, key), option_label(progress.request_type, key, value))
        for key, value in progress.answers.items()
    ]


def _case_numbers(data: MemberData) -> dict[int, str]:
    return {r.case.id: r.case.number for r in data.cases if r.case.id is not None}


def _line_numbers(data: MemberData) -> dict[int, str]:
    """The case each transcript line belongs to: the intake it was part of, or the case it
    was filed with later (a staff reply, the member's answer)."""
    numbers = _case_numbers(data)
    found: dict[int, str] = {}
    for record in data.conversations:
        for line in record.transcript:
            number = numbers.get(line.case_id or 0) or next(
                (
                    r.case.number
                    for r in data.cases
                    if r.case.conversation_id == line.conversation_id
                    and r.case.transcript_from <= (line.id or 0) <= r.case.transcript_to
                ),
                None,
            )
            if number and line.id is not None:
                found[line.id] = number
    return found


# ---------------------------------------------------------------------- JSON


def render_json(data: MemberData) -> str:
    """One document: the request it answers, then conversations, cases, consents, files."""
    numbers, lines = _case_numbers(data), _line_numbers(data)
    document = {
        "request": {
            "number": data.case.number,
            "type": data.case.request_type,
            "identity_method": data.case.identity_method,
        },
        "counts": data.counts(),
        "conversations": [
            {
                "channel": record.conversation.channel,
                "chat_id": record.conversation.chat_id,
                "started_at": _iso(record.conversation.created_at),
                "matched_by": record.matched_by,
                "linked_case": record.linked_via,
                "transcript": [
                    line_json(line) | {"case_number": lines.get(line.id or 0)}
                    for line in record.transcript
                ],
                "in_progress": _progress_json(record.in_progress),
            }
            for record in data.conversations
        ],
        "cases": [
            case_json(r.case) | {"events": [event_json(e) for e in r.events]} for r in data.cases
        ],
        "consents": [
            {
                "at": _iso(c.created_at),
                "org": c.org_id,
                "channel": c.channel,
                "scope": c.scope,
                "source": c.source,
                "member_ref": c.member_ref,
                "member_number": c.member_number,
                "case_number": numbers.get(c.case_id or 0),
            }
            for c in data.consents
        ],
        "files": [attachment_dict(f) | {"case_number": f.case_number} for f in data.files],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _progress_json(progress: InProgress | None) -> dict[str, Any] | None:
    if progress is None:
        return None
    return {"org": progress.org_id, "type": progress.request_type, "answers": progress.answers}


# ---------------------------------------------------------------------- CSV


def render_csv(data: MemberData) -> str:
    """Every item as one row in time order: talk, case history, consents, files, drafts.

    Written with a BOM (``ExportFormat.csv.encoding``) so Excel reads the Japanese.
    """
    numbers, lines = _case_numbers(data), _line_numbers(data)
    rows: list[tuple[datetime, int, tuple[str, str, str, str, str]]] = []
    for record in data.conversations:
        for line in record.transcript:
            cells = (
                _stamp(line.created_at),
                "やりとり",
                lines.get(line.id or 0, ""),
                speaker(line),
                line.text,
            )
            rows.append((line.created_at, 0, cells))
        if record.in_progress is not None:
            text = "\n".join(f"{k}：{v}" for k, v in in_progress_pairs(record.in_progress))
            at = record.conversation.updated_at
            rows.append((at, 4, (_stamp(at), "入力途中", "", "会員", text)))
    for case_record in data.cases:
        for event in case_record.events:
            what = " ".join(filter(None, [event_label(event), event_details(event)]))
            cells = (
                _stamp(event.created_at),
                "経過",
                case_record.case.number,
                actor_label(event),
                what,
            )
            rows.append((event.created_at, 1, cells))
    for consent in data.consents:
        channel, scope, source = consent_text(consent)
        text = f"{channel}（{scope}）を停止 {source}"
        number = numbers.get(consent.case_id or 0, "")
        rows.append(
            (consent.created_at, 2, (_stamp(consent.created_at), "同意の記録", number, "", text))
        )
    for file in data.files:
        text = f"{file.name or '（写真）'} {file.mime} {size_label(file.size)} sha256 {file.sha256}"
        number = file.case_number or ""
        rows.append((file.created_at, 3, (_stamp(file.created_at), "ファイル", number, "", text)))
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    return csv_text(CSV_HEADER, (cells for _at, _order, cells in ordered))


# ---------------------------------------------------------------------- HTML


def _cases(data: MemberData) -> str:
    if not data.cases:
        return "<p>なし</p>"
    head = [("label", "受付番号"), ("", "種類"), ("when", "受付日時"), ("who", "状況")]
    overview = _table(
        head,
        (
            [
                ("label", r.case.number),
                ("", type_title(r.case)),
                ("when", _JA.datetime(r.case.received_at)),
                ("who", _JA(status_label(r.case.status))),
            ]
            for r in data.cases
        ),
    )
    parts = [overview]
    for record in data.cases:
        case = record.case
        facts = [(k, v) for k, v in case.summary] or [("申出者", requester_label(case))]
        if case.outcome_reason:
            facts.append(("理由", case.outcome_reason))
        parts.append(
            f"<h3>{_e(case.number)} {_e(type_title(case))}</h3>\n{_facts(facts)}\n"
            f"{_events(record.events)}"
        )
    return "\n".join(parts)


def _conversation(index: int, record: ConversationRecord) -> str:
    conversation = record.conversation
    heading = (
        f"会話 {index}（{conversation.channel}、{_JA.datetime(conversation.created_at)}から・"
        f"{MATCHED.get(record.matched_by, record.matched_by)}）"
    )
    parts = [f"<h3>{_e(heading)}</h3>"]
    if record.linked_via:
        parts.append(f"<p>{_e(record.linked_via)} のご依頼の会話です。</p>")
    parts.append(_transcript(record.transcript))
    if record.in_progress is not None:
        parts.append("<p>送信前の入力途中の内容</p>")
        parts.append(_facts(in_progress_pairs(record.in_progress)))
    return "\n".join(parts)


def _consents(data: MemberData) -> str:
    if not data.consents:
        return "<p>なし</p>"
    numbers = _case_numbers(data)
    head = [("when", "日時"), ("", "止めたもの"), ("", "範囲"), ("", "経緯"), ("label", "受付番号")]
    rows = []
    for consent in data.consents:
        channel, scope, source = consent_text(consent)
        rows.append(
            [
                ("when", _JA.datetime(consent.created_at)),
                ("", channel),
                ("", scope),
                ("", source),
                ("label", numbers.get(consent.case_id or 0, "")),
            ]
        )
    return _table(head, rows)


def _files(files: Sequence[FileInfo]) -> str:
    if not files:
        return "<p>なし</p>"
    head = [
        ("num", "No."),
        ("", "ファイル名"),
        ("", "形式・サイズ"),
        ("when", "受信日時"),
        ("label", "受付番号"),
        ("", "sha256"),
    ]
    rows = [
        [
            ("num", str(index)),
            ("text", (f.name or "（写真）") + (f"\n{f.caption}" if f.caption else "")),
            ("", f"{f.mime} {size_label(f.size)}"),
            ("when", _JA.datetime(f.created_at)),
            ("label", f.case_number or "（次のご依頼用）"),
            ("hash", f.sha256),
        ]
        for index, f in enumerate(files, 1)
    ]
    return _table(head, rows)


def render_html(data: MemberData, *, exported_by: str, exported_at: datetime) -> str:
    """A self-contained page (inline CSS, nothing fetched) that prints on A4."""
    case = data.case
    counts = data.counts()
    facts = [
        ("ご依頼の受付番号", case.number),
        ("ご依頼の種類", type_title(case)),
        ("組織", case.org_id),
        *subject_facts(data),
        (
            "含まれるもの",
            f"会話 {counts['conversations']}件（{counts['lines']}通）、"
            f"ご依頼 {counts['cases']}件、同意の記録 {counts['consents']}件、"
            f"お送りいただいたファイル {counts['files']}件",
        ),
    ]
    conversations = "\n".join(
        _conversation(index, record) for index, record in enumerate(data.conversations, 1)
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="ja">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(TITLE)} {_e(case.number)}</title>",
            f"<style>\n{_CSS}\n{_MORE_CSS}\n</style>",
            "</head>",
            "<body>",
            f"<header>\n<h1>{_e(TITLE)}</h1>\n{_facts(facts)}\n"
            "<p>お問い合わせ窓口（madoguchi）が、このご依頼の方について保有している情報の"
            "すべてです。ファイルはその内容ではなく、受け取った記録を載せています。</p>\n"
            "</header>",
            f"<section>\n<h2>ご依頼の一覧</h2>\n{_cases(data)}\n</section>",
            f"<section>\n<h2>会話の記録</h2>\n{conversations or '<p>なし</p>'}\n</section>",
            f"<section>\n<h2>同意の記録</h2>\n{_consents(data)}\n</section>",
            f"<section>\n<h2>お送りいただいたファイル</h2>\n{_files(data.files)}\n</section>",
            f"<footer>出力日時 {_e(_JA.datetime(exported_at))} / 出力者 {_e(exported_by)}</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def subject_facts(data: MemberData) -> list[tuple[str, str]]:
    """Whom the document is about and how far it reaches: the principal named in the request
    (not an agent who asked for them), whether their identity was checked, and so which
    conversations it covers."""
    case = data.case
    fields = case.fields
    name = str(
        fields.get("name")
        or fields.get("kana")
        or fields.get("deceased_name")  # a request about a person who has died is about them
        or "（お名前の記載なし）"
    )
    linked = sum(1 for r in data.conversations if r.matched_by == LINKED_BY_STAFF)
    if not data.verified:
        scope = "本人確認の前のため、このご依頼をいただいた会話の分だけです"
    elif linked:
        scope = f"このご依頼をいただいた会話と、担当者がご本人のものと確かめた会話 {linked}件"
    else:
        scope = "このご依頼をいただいた会話"
    method = case.identity_method
    return [
        ("対象の方", name),
        ("お申し出", requester_label(case)),
        ("本人確認", _JA(IDENTITY_METHODS.get(method, method)) if method else "未確認"),
        ("対象の範囲", scope),
    ]


def render(
    data: MemberData, fmt: ExportFormat, *, exported_by: str, exported_at: datetime
) -> bytes:
    """The document as bytes in the format's encoding (a BOM for CSV)."""
    return encoded(
        fmt,
        lambda: render_json(data),
        lambda: render_csv(data),
        lambda: render_html(data, exported_by=exported_by, exported_at=exported_at),
    )


def holdings_text(data: MemberData, matches: Sequence[PossibleMatch] = ()) -> str:
    """The short block ``madoguchi staff show`` prints for a disclosure request: counts, then
    the cases to check before linking (numbers only: their data is not this member's yet)."""
    counts = data.counts()
    number = data.case.number
    lines = [
        "── madoguchi が保有するこの方の情報",
        f"  会話 {counts['conversations']}件、ご依頼 {counts['cases']}件、"
        f"同意の記録 {counts['consents']}件、ファイル {counts['files']}件",
    ]
    if not data.verified:
        lines.append("  本人確認の前のため、このご依頼の会話だけが対象です。")
    if matches:
        lines.append("  ご本人の可能性がある案件（確かめてから結び付けてください）：")
        lines += [f"    {m.number}（{RESEMBLES.get(m.why, m.why)}）" for m in matches]
        lines.append(f"  結び付け：madoguchi staff link {number} --with 受付番号（本人確認の後）")
    lines.append(f"  出力：madoguchi member-data {number} --format html --out 保存先")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the command


def member_data(
    number: Annotated[str, typer.Argument(help="Case number, e.g. KY-2026-00001")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="html to print, json, or csv for Excel")
    ] = ExportFormat.html,
    out: Annotated[Path | None, typer.Option(help="File to write; - or none: stdout")] = None,
    as_name: Annotated[
        str | None, typer.Option("--as", help="Staff name recorded (default: MADOGUCHI_STAFF)")
    ] = None,
) -> None:
    """Export everything madoguchi holds about the member of a case (for 開示); audited."""
    app = App.build()
    try:
        actor = terminal_staff(app.deployment, staff_name(as_name))
        # On record with the read, before any of it leaves the database.
        data = app.cases.export_member_data(number, actor, fmt.value).data
    except CaseActionError as error:
        typer.echo(f"madoguchi member-data: {error.ja}", err=True)
        raise typer.Exit(1) from error
    document = render(data, fmt, exported_by=actor.id, exported_at=app.clock())
    if not write_document("member-data", out, document):
        return
    scope = "" if data.verified else "本人確認の前のため、このご依頼の会話の分だけです。"
    typer.echo(
        f"{data.case.number} の保有データを {out} に書き出しました（{fmt.value}）。{scope}",
        err=True,
    )
