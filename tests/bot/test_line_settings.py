"""LINE's settings: both the channel secret and the access token, or neither; either one
alone is reported at start-up, on its own line."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from bot.channels.line import LIMITS
from bot.channels.line import channel as line_channel
from bot.channels.serving import outbox_worker
from bot.config import Settings
from bot.preflight import settings_problems
from bot.wakeups import Wakeups
from tests.bot.served import ROOT


def settings(tmp_path: Path, **given: str) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
        **given,
    )


def test_a_line_secret_without_its_token_is_a_start_up_problem(tmp_path: Path) -> None:
    problems = settings_problems(settings(tmp_path, LINE_CHANNEL_SECRET="s"))
    assert any(
        "LINE_CHANNEL_SECRET is set but LINE_CHANNEL_ACCESS_TOKEN is not" in p for p in problems
    )
    problems = settings_problems(settings(tmp_path, LINE_CHANNEL_ACCESS_TOKEN="t"))
    assert any(
        "LINE_CHANNEL_ACCESS_TOKEN is set but LINE_CHANNEL_SECRET is not" in p for p in problems
    )


def test_line_alone_is_something_to_serve(tmp_path: Path) -> None:
    both = settings(tmp_path, LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t")
    assert settings_problems(both) == []
    assert both.line_api_base_url == "https://api.line.me"
    assert both.line_data_api_base_url == "https://api-data.line.me"


def test_lines_addresses_must_be_http(tmp_path: Path) -> None:
    wrong = settings(
        tmp_path,
        LINE_CHANNEL_SECRET="s",
        LINE_CHANNEL_ACCESS_TOKEN="t",
        LINE_API_BASE_URL="api.line.me",
    )
    assert settings_problems(wrong) == [
        "LINE_API_BASE_URL must be an http(s) address, e.g. https://api.line.me."
    ]


def test_line_send_rate_sets_this_processs_share_of_lines_rate(tmp_path: Path) -> None:
    given = settings(
        tmp_path, LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t", LINE_SEND_RATE="250"
    )
    assert settings(tmp_path).line_send_rate == LIMITS.send_rate == 100.0
    app = App.build(given)

    async def paced_at() -> float:
        channel = await line_channel.start(given, app, Wakeups())
        assert channel is not None
        try:
            # The delivery engine ``serve`` gives the channel sends at that rate.
            return outbox_worker(app, channel, Wakeups()).limiter.per_second
        finally:
            await channel.close()

    try:
        assert asyncio.run(paced_at()) == 250.0
    finally:
        app.db.close()


def test_with_nothing_to_serve_the_start_up_check_names_line_too(tmp_path: Path) -> None:
    [problem] = settings_problems(settings(tmp_path))
    assert problem.startswith("Nothing to serve:")
    assert "TELEGRAM_BOT_TOKEN" in problem and "SLACK_BOT_TOKEN" in problem
    assert "LINE_CHANNEL_SECRET with LINE_CHANNEL_ACCESS_TOKEN" in problem
