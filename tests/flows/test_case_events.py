"""Every case-event kind the code writes has a label on every staff surface and export."""

from __future__ import annotations

import re
from pathlib import Path

from flows.case_events import EVENT_LABELS, event_label

ROOT = Path(__file__).resolve().parents[2]
# The ways storage writes an event: CaseEvent(kind="…"), self._event(session, case, "…"),
# and a kind picked by a condition (kind = "escalated" if … else "reminder").
_WRITTEN = (
    re.compile(r"CaseEvent\([^)]*?kind=\"(\w+)\"", re.S),
    re.compile(r"_event\(\s*session,\s*\w+,\s*\"(\w+)\""),
    re.compile(r"kind = \"(\w+)\" if .* else \"(\w+)\""),
    re.compile(r"kind=\"(\w+)\",\s*actor="),
)


def _kinds_written() -> set[str]:
    kinds: set[str] = set()
    for path in (ROOT / "storage").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in _WRITTEN:
            for match in pattern.finditer(text):
                kinds.update(group for group in match.groups() if group)
    return kinds


def test_every_event_kind_the_code_writes_has_a_label() -> None:
    written = _kinds_written()
    assert {"created", "claimed", "reminder", "escalated", "complaint"} <= written
    assert written - set(EVENT_LABELS) == set()


def test_a_kind_with_no_label_is_shown_as_its_code_not_lost() -> None:
    assert event_label("reminder") == "期限前の通知"
    assert event_label("something_new") == "something_new"
