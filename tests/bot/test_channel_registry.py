"""Adding a member channel is adding its module (issue 17): the registry finds each channel's
``ENTRY`` in its light module and never imports the rest (the client library)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import channels
from bot.channels.serving import MEMBER_CHANNELS


@pytest.fixture
def extra_channels(tmp_path: Path) -> Iterator[str]:
    """A package of channels as a new one would be written: a package with its ``ENTRY`` in
    ``__init__`` and a heavy module beside it, and a module pair ``pager`` / ``pager_limits``."""
    root = tmp_path / "extra_channels"
    (root / "webdemo").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    light = """
        from bot.channels.base import ChannelEntry, ChannelLimits
        from flows.safe_text import TextLimit

        ENTRY = ChannelEntry(
            ChannelLimits(name="{name}", text=TextLimit(1000)), start="{start}", order={order}
        )
    """
    (root / "webdemo" / "__init__.py").write_text(
        textwrap.dedent(
            light.format(name="webdemo", start="extra_channels.webdemo.heavy:start", order=5)
        )
    )
    (root / "webdemo" / "heavy.py").write_text("raise ImportError('the client library')\n")
    (root / "pager_limits.py").write_text(
        textwrap.dedent(light.format(name="pager", start="extra_channels.pager:start", order=1))
    )
    (root / "pager.py").write_text("raise ImportError('the client library')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield "extra_channels"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == "extra_channels"]:
            del sys.modules[name]


def test_a_channel_package_or_limits_module_is_found_without_importing_its_library(
    extra_channels: str,
) -> None:
    found = channels.declared_in(extra_channels)
    assert [entry.limits.name for entry in found] == ["pager", "webdemo"]  # by their order
    assert "extra_channels.webdemo.heavy" not in sys.modules
    assert "extra_channels.pager" not in sys.modules


def test_the_desks_own_channels_are_found_and_serve_runs_those_that_start() -> None:
    assert [limits.name for limits in channels.LIMITS] == ["telegram", "line", "web", "terminal"]
    assert [served.name for served in MEMBER_CHANNELS] == ["telegram", "line", "web"]


def test_the_registry_loads_no_client_library() -> None:
    code = (
        "import sys, bot.channels; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('telegram', 'linebot')]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
