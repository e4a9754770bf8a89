"""The ``madoguchi`` command."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bot.app import App, configure_logging
from bot.audit_cli import audit
from bot.backup_cli import backup, restore
from bot.config import EXIT_TRY_AGAIN, ConfigurationError, load_settings
from bot.db_cli import db_cli
from bot.doctor_cli import doctor
from bot.documents import write_document
from bot.escaping import for_terminal, for_terminal_json
from bot.export import ExportFormat, render
from bot.keys_cli import keys_cli
from bot.line_cli import line_cli
from bot.member_export import member_data
from bot.purge_cli import purge
from bot.register_cli import register, stats
from bot.slack_cli import slack_cli
from bot.staff.identity import staff_name, terminal_staff
from bot.staff.terminal import forget_app, interactive, run_staff_command
from flows.cases import CaseActionError
from flows.i18n import Translator
from flows.registry import FLOWS
from flows.status import status_label
from storage.cases import case_to_dict
from storage.db import DatabaseUnavailable
from storage.private_files import restrict_umask
from storage.schema import SchemaOutOfDate
from storage.sealed import EncryptionError

cli = typer.Typer(
    help="madoguchi — the personal-data request desk for co-op members.", no_args_is_help=True
)
cli.add_typer(db_cli, name="db")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(line_cli, name="line")
cli.add_typer(slack_cli, name="slack")
cli.command()(audit)
cli.command()(backup)
cli.command()(restore)
cli.command(
    help=(
        "Check the installation: settings, madoguchi.toml, database and schema, encryption keys, "
        "disk, the SQLite file, and each configured platform (Telegram, Slack, LINE, SMTP).\n\n"
        "One line per check: OK, WARN (works, needs a look), FAIL (members or staff will notice; "
        "serve refuses the local ones) or SKIP (not configured), with the fix. Nothing is "
        "changed and no token is printed. Exit status: 0 all OK, 1 warnings only, 2 a failure."
    )
)(doctor)
cli.command("member-data")(member_data)
cli.command()(purge)
cli.command()(register)
cli.command()(stats)


@cli.callback()
def _setup(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand == "doctor":
        return  # doctor reports wrong settings as its own FAIL lines
    try:
        settings = load_settings()
    except ConfigurationError as error:
        _refuse(f"madoguchi {ctx.invoked_subcommand}", error)
    configure_logging(settings.log_level)


def _refuse(who: str, error: ConfigurationError) -> NoReturn:
    """One line per problem, no traceback; exit status 2 (change a setting), or 75 when every
    problem may pass by itself (a server away), so a supervisor starts ``serve`` again."""
    for problem in error.problems:
        typer.echo(f"{who}: {problem}", err=True)
    raise typer.Exit(EXIT_TRY_AGAIN if error.passing else 2) from None


@cli.command()
def chat(
    org: Annotated[str | None, typer.Option(help="Org id, e.g. seikatsuclub-kyosai")] = None,
    lang: Annotated[str | None, typer.Option(help="ja or en")] = None,
    user: Annotated[str | None, typer.Option(help="Who you are in this terminal")] = None,
    poll: Annotated[
        float, typer.Option(help="Seconds between checks for staff replies; 0 = off")
    ] = 2.0,
) -> None:
    """Talk to the desk as a member, in the terminal."""
    from bot.channels.terminal import TerminalChat

    app = App.build()
    if org is not None and org not in app.orgs:
        typer.echo(f"Unknown org {org!r}; served: {', '.join(app.orgs)}", err=True)
        raise typer.Exit(2)
    interactive_poll = poll if sys.stdin.isatty() else 0
    TerminalChat(app, user or getpass.getuser(), sys.stdout).run(
        sys.stdin, org, lang, interactive_poll or None
    )


@cli.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "help_option_names": [],  # `staff --help` lists the staff commands in Japanese
    }
)
def staff(ctx: typer.Context) -> None:
    """Work cases as staff. With no arguments, opens an interactive shell; try 'staff --help'."""
    forget_app()
    if ctx.args:
        raise typer.Exit(run_staff_command(list(ctx.args)))
    interactive()


@cli.command()
def cases(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array")] = False,
) -> None:
    """Print all cases."""
    app = App.build()
    try:  # the read is on record (list_cases) before any row is printed
        rows = [
            case_to_dict(case)
            for case in app.cases.list(terminal_staff(app.deployment, staff_name()))
        ]
    except CaseActionError as error:
        typer.echo(f"madoguchi cases: {error.ja}", err=True)
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(for_terminal_json(json.dumps(rows, ensure_ascii=False, indent=2)))
    else:
        # As staff read them: the queue's name, the request's title, the status's label.
        ja = Translator("ja")
        for row in rows:
            queue = app.cases.queue_label(str(row["queue"]))
            kind = ja(FLOWS[row["type"]].title) if row["type"] in FLOWS else row["type"]
            status = ja(status_label(str(row["status"])))
            typer.echo(for_terminal(f"{row['number']}  {queue}  {kind}  {status}"))


@cli.command()
def transcript(
    number: Annotated[str, typer.Argument(help="Case number, e.g. KY-2026-00001")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="html to print, json, or csv for Excel")
    ] = ExportFormat.html,
    out: Annotated[Path | None, typer.Option(help="File to write; - or none: stdout")] = None,
) -> None:
    """Export one case's transcript and history for the archive; the export is audited."""
    app = App.build()
    try:
        actor = terminal_staff(app.deployment, staff_name())
        # On record before any of it leaves the database, even if writing then fails.
        detail = app.cases.detail(
            number, actor, purpose="export_transcript", audit_detail={"format": fmt.value}
        )
    except CaseActionError as error:
        typer.echo(f"madoguchi transcript: {error.ja}", err=True)
        raise typer.Exit(1) from error
    case = detail.case
    data = render(detail, fmt, exported_by=actor.id, exported_at=app.clock())
    if not write_document("transcript", out, data):
        return
    typer.echo(f"{case.number} を {out} に書き出しました（{fmt.value}）。", err=True)


@cli.command(
    help=(
        "Run every configured member channel (Telegram, LINE, the web chat) and Slack on one "
        "HTTP app (/healthz, /readyz, /metrics, /telegram/webhook, /line/webhook, /chat, "
        "/slack/events).\n\n"
        "Exit status: 0 stopped (Ctrl-C, SIGTERM); 2 a setting to change (one line says which); "
        "75 something that may pass: a server away at start, the port still held, a full disk "
        "(systemd starts it again; see deploy/madoguchi.service)."
    )
)
def serve(
    host: Annotated[str, typer.Option(help="Address for the HTTP app")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the HTTP app")] = 8080,
) -> None:
    """The desk's one long-running job (its help, above, is what ``--help`` shows)."""
    from bot.event_loop import run
    from bot.server import serve as run_server

    try:
        run(run_server(load_settings(), host, port))  # on uvloop where it is installed
    except ConfigurationError as error:
        _refuse("madoguchi serve", error)


@cli.command()
def classify(
    evaluate: Annotated[
        list[Path] | None,
        typer.Option(help="Measure accuracy on labelled label<TAB>agent<TAB>text files instead"),
    ] = None,
) -> None:
    """Read one message per line on stdin; print what each one asks for, as JSON lines."""
    from flows.intents import classify as read_message
    from flows.intents.training import evaluate as measure
    from flows.intents.training import load_corpus

    if evaluate:
        for path in evaluate:
            typer.echo("\n".join(measure(load_corpus(path)).lines(path.name, confusions=False)))
        return
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        out.write(json.dumps(read_message(text).to_json(), ensure_ascii=False) + "\n")
    out.flush()


def main() -> None:
    restrict_umask()  # the database, its WAL and anything else written: the owner's only
    try:
        cli()
    except (SchemaOutOfDate, EncryptionError) as problem:  # e.g. MADOGUCHI_DATA_KEYS wrong
        typer.echo(f"madoguchi: {problem}", err=True)
        raise SystemExit(2) from problem
    except ConfigurationError as error:  # e.g. DATABASE_URL or MADOGUCHI_DEPLOYMENT wrong
        for line in error.problems:
            typer.echo(f"madoguchi: {line}", err=True)
        raise SystemExit(2) from None
    except DatabaseUnavailable as error:  # the db and keys commands, which need no App
        typer.echo(f"madoguchi: DATABASE_URL: {error}", err=True)
        raise SystemExit(2) from None
