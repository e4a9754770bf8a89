"""``madoguchi serve`` where uvloop is not installed (Windows, PyPy: pyproject.toml's marker
leaves it out there): it serves on asyncio's own loop and says so in one info line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.web_served import WebMember, serving_web


def test_serve_falls_back_to_asyncios_loop_when_uvloop_is_not_importable(tmp_path: Path) -> None:
    # A module that fails to import, ahead of the installed uvloop on the server's sys.path.
    hidden = tmp_path / "no-uvloop"
    hidden.mkdir()
    (hidden / "uvloop.py").write_text("raise ImportError('uvloop is hidden by the test')\n")
    log = tmp_path / "serve.log"
    with serving_web(
        tmp_path / "desk.sqlite3", log_file=log, PYTHONPATH=str(hidden), MADOGUCHI_LOG_LEVEL="INFO"
    ) as served:
        member = WebMember(served)
        assert member.opens_the_page().status == 200
        assert "利用目的" in member.says("2")  # a member's turn, answered on asyncio's loop
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    loops = [line for line in lines if line["event"] == "serve.event_loop"]
    assert loops == [loops[0]] and loops[0]["loop"] == "asyncio", loops
    assert all(line["level"] != "error" for line in lines), lines
