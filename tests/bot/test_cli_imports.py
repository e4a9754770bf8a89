"""Staff and operator commands run without the member channels' client libraries: a
``madoguchi staff`` at a terminal, or the nightly ``purge``, must not pay for (or break on)
python-telegram-bot or line-bot-sdk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.served import ROOT

# Runs one command as the CLI would, then says whether python-telegram-bot was loaded.
SCRIPT = """
import sys
from bot.cli import cli
try:
    cli(sys.argv[1:])
except SystemExit as done:
    assert not done.code, done.code
print("telegram" in sys.modules or "linebot" in sys.modules)
"""


@pytest.mark.parametrize("args", [["staff", "list"], ["purge"]])
def test_a_staff_or_operator_command_does_not_load_a_member_channels_library(
    tmp_path: Path, args: list[str]
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"
