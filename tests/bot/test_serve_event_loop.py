"""``madoguchi serve`` where uvloop is not installed (Windows, PyPy: pyproject.toml's marker
leaves it out there): it serves on asyncio's own loop, says so in one info line, and stops on
Ctrl-C even where that loop takes no signal handlers (Windows)."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

from tests.bot.web_served import WebMember, serving_web

# Ahead of the installed uvloop on the server's sys.path: a module that fails to import.
NO_UVLOOP = "raise ImportError('uvloop is hidden by the test')\n"
# Run by Python at start-up: the loop refuses signal handlers as asyncio's Windows loop does.
LIKE_WINDOWS = """import asyncio


def _refuse(*args, **kwargs):
    raise NotImplementedError


asyncio.SelectorEventLoop.add_signal_handler = _refuse
"""


def _shadow(tmp_path: Path, **modules: str) -> str:
    directory = tmp_path / "shadow"
    directory.mkdir()
    for name, source in modules.items():
        (directory / f"{name}.py").write_text(source)
    return str(directory)


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_serve_falls_back_to_asyncios_loop_when_uvloop_is_not_importable(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    path = _shadow(tmp_path, uvloop=NO_UVLOOP)
    with serving_web(
        tmp_path / "desk.sqlite3", log_file=log, PYTHONPATH=path, MADOGUCHI_LOG_LEVEL="INFO"
    ) as served:
        member = WebMember(served)
        assert member.opens_the_page().status == 200
        assert "利用目的" in member.says("2")  # a member's turn, answered on asyncio's loop
    loops = [line for line in _log(log) if line["event"] == "serve.event_loop"]
    assert loops == [loops[0]] and loops[0]["loop"] == "asyncio", loops
    assert all(line["level"] != "error" for line in _log(log))


def test_serve_stops_on_ctrl_c_where_the_loop_takes_no_signal_handlers(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    path = _shadow(tmp_path, uvloop=NO_UVLOOP, sitecustomize=LIKE_WINDOWS)
    with serving_web(tmp_path / "desk.sqlite3", log_file=log, PYTHONPATH=path) as served:
        member = WebMember(served)
        member.opens_the_page()
        assert "利用目的" in member.says("2")
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=20) == 0
    assert all(line["level"] != "error" for line in _log(log))
