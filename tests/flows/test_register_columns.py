"""The register's columns read what other surfaces write: notices of any kind in
``MEMBER_NOTICE_KINDS`` (a letter sent, an answer posted) with their method, and documents
recorded at intake, without the register naming those kinds itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows.case_events import MEMBER_NOTICE_KINDS
from flows.profiles import load_profiles
from flows.register_columns import COLUMNS, Entry, documents, headers, notices

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@dataclass
class FakeCase:
    number: str = "KY-2026-00009"
    org_id: str = "seikatsuclub-kyosai"
    queue: str = "kyosai-bu"
    route: str = "post"
    request_type: str = "disclosure"
    requester: str = "self"
    fields: dict[str, Any] = field(default_factory=lambda: {"scope": "all", "method": "postal"})
    channel: str = "terminal"
    status: str = "in_progress"
    received_at: datetime = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    due_at: datetime = datetime(2026, 12, 8, 14, 59, tzinfo=UTC)
    closed_at: datetime | None = None
    identity_method: str | None = None
    outcome: str | None = None
    outcome_reason: str | None = None


@dataclass
class FakeEvent:
    kind: str
    data: dict[str, Any]
    created_at: datetime
    actor: str = "sato"


def entry(*events: FakeEvent) -> Entry:
    org = load_profiles()["seikatsuclub-kyosai"]
    return Entry(FakeCase(), list(events), org, "共済部", NOW)


def test_the_answer_the_extension_and_the_outcome_are_notices_and_a_note_is_not() -> None:
    assert {"replied", "extended", "closed"} <= MEMBER_NOTICE_KINDS
    assert not {"note", "claimed", "transferred", "reminder"} & MEMBER_NOTICE_KINDS


def test_a_notice_of_a_kind_added_elsewhere_is_listed_with_the_method_it_names() -> None:
    posted = FakeEvent("answer_posted", {"method": "postal"}, datetime(2026, 11, 30, 3, tzinfo=UTC))
    phoned = FakeEvent("notice_sent", {"method": "phone"}, datetime(2026, 12, 1, 3, tzinfo=UTC))
    note = FakeEvent("note", {"method": "phone"}, datetime(2026, 12, 1, 4, tzinfo=UTC))
    listed = notices(entry(posted, phoned, note)).splitlines()
    assert len(listed) == 2  # an internal note never told the member anything
    assert listed[0].startswith("2026-11-30 ") and listed[0].endswith("（郵送）")
    assert listed[1].startswith("2026-12-01 ") and listed[1].endswith("（電話）")


def test_documents_recorded_at_intake_are_listed_once() -> None:
    created = FakeEvent("created", {"documents": ["委任状", "印鑑登録証明書", "委任状"]}, NOW)
    assert documents(entry(created)) == "委任状、印鑑登録証明書"


def test_every_column_has_a_header_and_a_value_for_a_case_without_events() -> None:
    row = [column.value(entry()) for column in COLUMNS]
    assert len(row) == len(headers()) == 25
    assert row[0] == "KY-2026-00009" and row[3] == "郵送"
