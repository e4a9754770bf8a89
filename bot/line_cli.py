"""``madoguchi line …``: setting up the LINE channel. The SDK is loaded only when a command
runs, so the other commands never pay for it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.config import ConfigurationError, load_settings

line_cli = typer.Typer(help="Members on LINE: the channel's set-up.", no_args_is_help=True)


@line_cli.command()
def setup(
    image: Annotated[
        Path | None,
        typer.Option(
            help="The menu's image (PNG or JPEG, 2500x1686, at most 1 MB) showing 開示・訂正・"
            "停止 on the top row and 状況・担当者 below; without it a plain image is used"
        ),
    ] = None,
) -> None:
    """Create the rich menu (開示・訂正・停止・状況・担当者) and make it the default; running
    it again with the same image changes nothing."""
    from bot.channels.line.api import LineApi
    from bot.channels.line.setup import plain_image, set_up
    from bot.preflight import line_problems

    settings = load_settings()
    problems = line_problems(settings)
    if not settings.line_channel_access_token:
        problems.append("LINE_CHANNEL_ACCESS_TOKEN is not set.")
    if problems:
        raise ConfigurationError(problems)
    assert settings.line_channel_access_token is not None
    token = settings.line_channel_access_token.get_secret_value()
    picture = image.read_bytes() if image is not None else plain_image()

    async def run() -> None:
        api = LineApi(
            token,
            settings.line_api_base_url,
            settings.line_data_api_base_url,
            settings.line_timeout,
        )
        try:
            done = await set_up(api, picture)
        finally:
            await api.close()
        what = "created and set as the default" if done.created else "already the default"
        typer.echo(f"Rich menu {done.rich_menu_id}: {what}.")
        if done.deleted:
            typer.echo(f"Removed {done.deleted} earlier madoguchi rich menu(s).")
        if image is None:
            typer.echo(
                "The menu's image has no labels: run again with --image and a picture showing "
                "開示・訂正・停止 (top) and 状況・担当者 (bottom)."
            )

    try:
        asyncio.run(run())
    except ValueError as error:  # not a PNG or JPEG
        raise ConfigurationError(f"--image: {error}") from None
