"""``madoguchi register`` and ``madoguchi stats``: the request register and its figures, for
supervisors at the terminal.

Whoever runs them is named by ``MADOGUCHI_STAFF`` (refused without it: an export of every
request must say who took it), and the read is audited by the storage function that reads.
Every problem with the input (dates, the month, the org, the output file) is found before
anything is read and gets one Japanese line and exit status 2; the file is written whole or
not at all (a temporary file beside it, renamed into place).
"""

from __future__ import annotations

import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bot.app import App
from bot.escaping import for_terminal
from bot.progress import Quiet, progress_bar
from bot.register_export import RegisterFormat, render
from bot.register_reads import read_month_figures, register_document
from bot.register_stats_view import to_html, to_text
from bot.staff.identity import terminal_staff
from flows.cases import CaseActionError
from flows.parsing import parse_date
from storage.private_files import write_private
from storage.staff import StaffActor

USAGE = 2
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def _refuse(command: str, message: str) -> NoReturn:
    typer.echo(f"madoguchi {command}: {message}", err=True)
    raise typer.Exit(USAGE)


def staff_actor(command: str) -> str:
    """Who runs the command, from ``MADOGUCHI_STAFF``; refused without it (the register is
    read by a named supervisor: ``[staff]`` in madoguchi.toml says who is one)."""
    name = (os.environ.get("MADOGUCHI_STAFF") or "").strip()
    if not name:
        _refuse(
            command,
            "MADOGUCHI_STAFF に担当者のIDを設定してください（例：MADOGUCHI_STAFF=sato）。"
            "受付簿は、誰が読んだかを記録します。",
        )
    return name


def _supervisor(command: str, app: App, name: str) -> StaffActor:
    """The terminal's staff member ``name`` as ``[staff]`` makes them; the reads refuse one who
    is not a supervisor (and record the refusal)."""
    try:
        return terminal_staff(app.deployment, name)
    except CaseActionError as error:
        _refuse(command, error.ja)


def _day(command: str, option: str, text: str) -> date:
    parsed = parse_date(text, today=date.max)
    if parsed.value is None:
        _refuse(command, f"{option} の日付を読み取れませんでした：{text}（例：2026-11-01）")
    return parsed.value


def _month(command: str, text: str) -> date:
    match = _MONTH.fullmatch(text.strip())
    month = int(match.group(2)) if match else 0
    if match is None or not 1 <= month <= 12:
        _refuse(command, f"--month は 2026-11 のように年と月で指定してください：{text}")
    return date(int(match.group(1)), month, 1)


def _org(command: str, app: App, org: str | None) -> str | None:
    if org is not None and org not in app.orgs:
        served = "、".join(app.orgs)
        _refuse(command, f"組合「{org}」はありません。指定できる組合：{served}")
    return org


def _check_output(command: str, out: Path | None, force: bool) -> None:
    """Refuse, before anything is read, a file that exists (without ``--force``) or a place
    that cannot be written."""
    if out is None or str(out) == "-":
        return
    if out.is_dir():
        _refuse(command, f"{out} はフォルダです。ファイル名を指定してください。")
    if (out.exists() or out.is_symlink()) and not force:
        _refuse(command, f"{out} はすでにあります。上書きするときは --force を付けてください。")
    folder = out.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        _refuse(command, f"{out} に書き込めません。書き込めるフォルダを指定してください。")


def _write(command: str, out: Path | None, data: bytes) -> None:
    """The whole document at ``out`` (a temporary file renamed into place), or stdout."""
    if out is None or str(out) == "-":
        if sys.stdout.isatty():  # staff's reasons are printed, never run by the terminal
            data = for_terminal(data.decode("utf-8-sig")).encode("utf-8")
        typer.get_binary_stream("stdout").write(data)
        return
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        write_private(partial, data)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        _refuse(command, f"{out} に書き込めませんでした（{error.strerror or error}）。")
    typer.echo(f"{out} に書き出しました。", err=True)


def register(
    first: Annotated[str, typer.Option("--from", help="First arrival day, e.g. 2026-11-01")],
    last: Annotated[str, typer.Option("--to", help="Last arrival day, e.g. 2026-11-30")],
    org: Annotated[str | None, typer.Option(help="Only this org's requests")] = None,
    fmt: Annotated[RegisterFormat, typer.Option("--format", help="csv, xlsx or html")] = (
        RegisterFormat.csv
    ),
    output: Annotated[Path | None, typer.Option(help="File to write; none or -: stdout")] = None,
    force: Annotated[bool, typer.Option(help="Replace the output file if it exists")] = False,
    quiet: Quiet = False,
) -> None:
    """Export the request register: every request that arrived in the period; audited."""
    command = "register"
    actor = staff_actor(command)
    start, end = _day(command, "--from", first), _day(command, "--to", last)
    if start > end:
        _refuse(command, f"--from（{start}）が --to（{end}）より後になっています。")
    _check_output(command, output, force)
    if (
        fmt is RegisterFormat.xlsx
        and (output is None or str(output) == "-")
        and sys.stdout.isatty()
    ):
        _refuse(command, "xlsx は --output でファイルに書き出してください。")
    app = App.build()
    org = _org(command, app, org)
    try:
        document = register_document(
            app, _supervisor(command, app, actor), start, end, org, detail={"format": fmt.value}
        )
    except CaseActionError as error:
        _refuse(command, error.ja)
    with progress_bar(quiet) as report:
        data = render(document, fmt, report)
    _write(command, output, data)


def stats(
    month: Annotated[str, typer.Option(help="The month, e.g. 2026-11")],
    org: Annotated[str | None, typer.Option(help="Only this org's requests")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or html")] = "text",
    output: Annotated[Path | None, typer.Option(help="File to write; none or -: stdout")] = None,
    force: Annotated[bool, typer.Option(help="Replace the output file if it exists")] = False,
) -> None:
    """A month's figures: counts by type, org and route, the share within target, median days,
    extensions, refusals by reason, open and overdue at month end; audited."""
    command = "stats"
    actor = staff_actor(command)
    first = _month(command, month)
    if fmt not in ("text", "html"):
        _refuse(command, f"--format は text か html で指定してください：{fmt}")
    _check_output(command, output, force)
    app = App.build()
    org = _org(command, app, org)
    try:
        figures = read_month_figures(app, _supervisor(command, app, actor), first, org)
    except CaseActionError as error:
        _refuse(command, error.ja)
    text = for_terminal(to_text(figures))  # reasons are staff's words: no escape sequences
    document = to_html(figures) if fmt == "html" else text.encode("utf-8")
    _write(command, output, document)
