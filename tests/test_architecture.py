"""Guards for the design: channel libraries stay at the edge; every sentence is translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CHANNEL_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk", "slack", "linebot")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_flows_and_storage_import_no_channel_library() -> None:
    for package in ("flows", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            assert not imported_modules(path) & set(CHANNEL_LIBRARIES), path


def test_flows_and_storage_do_not_depend_on_the_runtime() -> None:
    for package in ("flows", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            assert "bot" not in imported_modules(path), path


def test_only_bot_progress_draws_progress_bars() -> None:
    """Long work reports through ``storage.progress``; one module turns that into a bar."""
    drawing = {
        path.relative_to(ROOT).as_posix()
        for package in ("bot", "flows", "storage")
        for path in (ROOT / package).rglob("*.py")
        if "rich" in imported_modules(path)
    }
    assert drawing <= {"bot/progress.py"}, drawing


def _source_msgids() -> set[str]:
    found: set[str] = set()
    for package in ("flows", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords={"N_": None, "t": None},
        ):
            if isinstance(message, str):
                found.add(message)
    return found


def test_every_member_facing_sentence_has_a_complete_english_translation() -> None:
    with (ROOT / "locales/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(_source_msgids() - {k for k, v in translated.items() if v})
    assert not missing, "untranslated (run 'make update-catalogs' and translate):\n" + "\n".join(
        missing
    )
    for msgid, msgstr in translated.items():
        assert isinstance(msgid, str) and isinstance(msgstr, str)
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", msgstr)), msgid
        assert not catalog[msgid].fuzzy, msgid
