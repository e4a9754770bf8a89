"""The dialogue is a table of modes: a mode cannot be half-wired."""

from __future__ import annotations

import inspect

import flows.engine
from flows.dialogue import names
from flows.modes import MODES
from flows.modes.base import Mode


def _mode_names() -> set[str]:
    """Every mode constant: the names' string values that are not the ids of choices."""
    return {
        value
        for key, value in vars(names).items()
        if key.isupper()
        and isinstance(value, str)
        and not value.startswith("_")
        and not value.endswith(":")
        and key != "STATUS_ID"
    }


def test_every_mode_constant_has_a_handler_in_the_table() -> None:
    assert _mode_names() == set(MODES)
    assert {"menu", "flow", "summary", "confirm_cancel", "resume"} <= set(MODES)


def test_every_mode_in_the_table_offers_asks_and_takes() -> None:
    for name, mode in MODES.items():
        assert isinstance(mode, Mode), name
        assert not inspect.isabstract(type(mode)), name
        for method in ("options", "ask", "take", "leave"):
            assert callable(getattr(mode, method)), (name, method)


def test_the_engine_still_exports_every_mode_name() -> None:
    for key, value in vars(names).items():
        if key.isupper() and isinstance(value, str):
            assert getattr(flows.engine, key) == value, key
