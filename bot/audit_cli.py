"""``madoguchi audit``: supervisors read the audit log and check that nobody altered it.

Reading the log leaves a trace of its own (``view_audit``), written after the output so the
listing never contains itself.
"""

from __future__ import annotations

import getpass
import json
import os
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Annotated, Any

import typer

from bot.app import App
from bot.escaping import for_terminal, for_terminal_json
from flows.i18n import JST
from flows.parsing import parse_date
from storage.audit import Actor
from storage.models import AuditEntry

COLUMNS = ("seq", "日時（日本時間）", "実行者", "経路", "操作", "受付番号", "可否")


def terminal_actor(name: str | None = None) -> Actor:
    """Whoever runs a command, as the audit log names terminal staff: ``cli:`` and ``name``,
    else MADOGUCHI_STAFF, else the login."""
    return Actor(f"cli:{name or os.environ.get('MADOGUCHI_STAFF') or getpass.getuser()}", "cli")


def parse_since(text: str) -> datetime:
    """``2026-11-01``, ``2026/11/1``, ``令和8年11月1日`` or ``R8.11.1``, from JST midnight."""
    parsed = parse_date(text, today=date.max)  # any day: a future one simply matches nothing
    if parsed.value is None:
        raise typer.BadParameter(
            f"日付を読み取れませんでした：{text}（例：2026-11-01、2026/11/1、令和8年11月1日、R8.11.1）",
            param_hint="--since",
        )
    return datetime.combine(parsed.value, time(0), JST)


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(JST).isoformat(),
        "actor": entry.actor,
        "surface": entry.surface,
        "action": entry.action,
        "case_number": entry.case_number,
        "allowed": entry.allowed,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: kanji and kana take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(entries: list[AuditEntry]) -> str:
    """A plain aligned table, newest last, as supervisors read it in a terminal."""
    rows = [COLUMNS] + [
        (
            str(e.seq),
            e.at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.surface,
            e.action,
            e.case_number or "-",
            "許可" if e.allowed else "拒否",
        )
        for e in entries
    ]
    return aligned(rows)


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows (the first a header) as columns lined up by display width, for a terminal."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )


def audit(
    case: Annotated[str | None, typer.Option("--case", help="Only this case number")] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor: slack:U123, cli:sato, or U123")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="From this day, JST: 2026-11-01, 令和8年11月1日, R8.11.1"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the hash chain instead; exit 1 if broken")
    ] = False,
) -> None:
    """Read the audit log (who saw or did what, when, from where), or verify its hash chain."""
    start = parse_since(since) if since else None
    app = App.build()
    reader = terminal_actor()
    if verify:
        result = app.audit.verify()
        if result.ok:
            typer.echo(
                f"監査ログは改ざんされていません（{result.checked}件）。"
                f"最後の記録 seq {result.head_seq}、hash {result.head_hash}"
            )
        else:
            typer.echo(
                f"監査ログの seq {result.bad_seq} で記録が一致しません：{result.reason}"
                f"（seq {result.head_seq} までは正常）",
                err=True,
            )
        app.audit.record(
            reader,
            "view_audit",
            detail={"verify": True, "intact": result.ok, "bad_seq": result.bad_seq},
        )
        if not result.ok:
            raise typer.Exit(1)
        return
    entries = app.audit.entries(case_number=case, actor=actor, since=start)
    if as_json:
        for entry in entries:
            typer.echo(for_terminal_json(json.dumps(entry_json(entry), ensure_ascii=False)))
    elif entries:
        typer.echo(for_terminal(table(entries)))
    else:
        typer.echo("該当する記録はありません。")
    filters = {
        "case": case and case.strip().upper(),
        "actor": actor,
        "since": start and start.isoformat(),
    }
    app.audit.record(
        reader,
        "view_audit",
        detail={"filters": {k: v for k, v in filters.items() if v}, "count": len(entries)},
    )
