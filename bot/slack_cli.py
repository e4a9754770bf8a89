"""``madoguchi slack …``: setting up the Slack app."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.slack.manifest import ManifestError, manifest

slack_cli = typer.Typer(help="Staff in Slack: the app's set-up.", no_args_is_help=True)


@slack_cli.command("manifest")
def print_manifest(
    url: Annotated[
        str | None,
        typer.Option(
            help="The server's https address (Slack sends events, /madoguchi and clicks to "
            "URL/slack/events)"
        ),
    ] = None,
    socket_mode: Annotated[
        bool,
        typer.Option(
            "--socket-mode",
            help="No public address: the server connects out to Slack (needs SLACK_APP_TOKEN)",
        ),
    ] = False,
) -> None:
    """Print the Slack app manifest (JSON) to paste at api.slack.com/apps → Create New App →
    From a manifest: the bot scopes the code uses, /madoguchi, App Home, events, clicks."""
    try:
        made = manifest(url, socket_mode=socket_mode)
    except ManifestError as error:
        typer.echo(f"madoguchi slack manifest: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(made, ensure_ascii=False, indent=2))
