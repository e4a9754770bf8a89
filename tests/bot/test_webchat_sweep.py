"""The web chat's idle-session sweep outlives a database error: one failed pass is logged and
the next pass runs, so ``/readyz`` never reports the web chat stopped for a moment's outage."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.app import App
from bot.channels.webchat import channel as webchat
from bot.runner import ChatTurnRunner
from bot.wakeups import Wakeups
from storage import web_sessions
from storage.db import Database
from tests.bot.test_channel_contract import settings_for
from tests.conftest import Clock


def test_a_failed_sweep_is_logged_and_the_next_one_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'desk.sqlite3'}", WEBCHAT_ENABLED="1")
    app = App.build(settings, clock=Clock())
    configured = webchat.web_settings(settings, app)
    assert configured is not None
    channel = webchat.WebChannel(app, ChatTurnRunner(app, Wakeups()), configured)
    passes: list[str] = []
    stop = asyncio.Event()

    def expire_idle(db: Database, before: datetime) -> int:
        passes.append("pass")
        if len(passes) == 1:
            raise OperationalError("DELETE FROM websession", {}, Exception("database is locked"))
        stop.set()
        return 0

    monkeypatch.setattr(web_sessions, "expire_idle", expire_idle)
    monkeypatch.setattr(webchat, "SWEEP_SECONDS", 0.0)
    try:
        asyncio.run(asyncio.wait_for(channel.run(stop), timeout=30))
    finally:
        app.db.close()
    assert passes == ["pass", "pass"]
