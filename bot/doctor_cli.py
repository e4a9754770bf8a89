"""``madoguchi doctor``: is this installation ready to serve? One line per check."""

from __future__ import annotations

import asyncio

import typer

from bot.app import configure_logging
from bot.config import ConfigurationError, load_settings, settings_despite


def doctor() -> None:
    """``madoguchi doctor`` (its help is where ``bot.cli`` registers it): every check, one
    line each, and the exit status they give."""
    # Here, not at the top: the checks load every platform's client library, which the
    # other commands never pay for (tests/bot/test_cli_imports.py).
    from bot.doctor import Check, exit_status, run_checks

    configure_logging("ERROR")  # the lines below are the report; library chatter is not
    try:
        settings = load_settings()
    except ConfigurationError as error:
        checks = [Check("FAIL", "settings", problem) for problem in error.problems]
        # Everything else is still checked, with the wrong variables at their defaults.
        rest = settings_despite(error.variables)
        if rest is not None:
            checks += [c for c in asyncio.run(run_checks(rest)) if c.name != "settings"]
    else:
        checks = asyncio.run(run_checks(settings))
    for check in checks:
        typer.echo(check.line())
    counts = {status: sum(c.status == status for c in checks) for status in ("OK", "WARN", "FAIL")}
    typer.echo(f"madoguchi doctor: {counts['OK']} OK, {counts['WARN']} WARN, {counts['FAIL']} FAIL")
    raise typer.Exit(exit_status(checks))
