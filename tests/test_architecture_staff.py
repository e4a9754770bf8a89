"""Guards for the staff surfaces: the case service checks who acts and writes the audit entry
of every staff read and action, so no module under ``bot/`` does either by itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a surface may still record itself: a read of the audit log, a key rotation and a backup
# or restore of the whole database, which are no case's; every case read, action and refusal
# is the case service's to record.
SURFACE_AUDITS = frozenset({"view_audit", "keys_rotate", "backup_taken", "backup_restored"})
UNAUDITED_READS = frozenset({"list_unaudited", "detail_unaudited"})


def _bot_modules() -> Iterator[tuple[Path, ast.AST]]:
    for path in sorted((ROOT / "bot").rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _is_audit_record(node: ast.AST) -> bool:
    """``….audit.record`` or ``AuditLog(…).record``: appending to the audit log."""
    if not (isinstance(node, ast.Attribute) and node.attr == "record"):
        return False
    receiver = node.value
    if isinstance(receiver, ast.Attribute):
        return receiver.attr == "audit"
    if isinstance(receiver, ast.Name):
        return receiver.id == "audit"
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
        return receiver.func.id == "AuditLog"
    return False


def test_no_module_under_bot_writes_an_audit_entry_the_case_service_writes() -> None:
    wrong = []
    for path, tree in _bot_modules():
        calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        for node in ast.walk(tree):
            if not _is_audit_record(node):
                continue
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if id(node) not in calls:  # handed on to be called elsewhere (asyncio.to_thread…)
                wrong.append(f"{where}: audit.record passed on")
                continue
            call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.func is node)
            action = call.args[1] if len(call.args) > 1 else None
            if not (isinstance(action, ast.Constant) and action.value in SURFACE_AUDITS):
                wrong.append(f"{where}: records {ast.unparse(action) if action else '?'}")
    assert not wrong, "the case service audits these itself:\n" + "\n".join(wrong)


def test_no_module_under_bot_reads_cases_around_the_access_check() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.attr}"
        for path, tree in _bot_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in UNAUDITED_READS
    ]
    assert not wrong, "staff surfaces read through the audited service reads:\n" + "\n".join(wrong)
