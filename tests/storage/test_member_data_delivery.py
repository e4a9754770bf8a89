"""A member-data export is delivered once per version of the data: a double click, a retry
or eight clicks at once get one upload and one audit entry; new data, or a failed upload, lets
the next click deliver again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage.cases import MemberDataExport
from storage.staff import StaffActor
from tests.conftest import Clock
from tests.storage.test_member_data import Scene, scene_on


@pytest.fixture
def scene(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[Scene]:
    with scene_on(database_url, clock, tmp_path) as built:
        yield built


def to_slack(scene: Scene, actor: str = "slack:U1") -> MemberDataExport:
    return scene.desk.app.cases.export_member_data(
        scene.disclosure, StaffActor.trusted(actor), "html", destination="slack"
    )


def exports_on_record(scene: Scene) -> int:
    return sum(1 for e in scene.desk.app.audit.entries() if e.action == "view_member_data")


def test_the_same_data_is_handed_out_for_upload_once_and_audited_once(scene: Scene) -> None:
    first = to_slack(scene)
    again = to_slack(scene, "slack:U2")  # another staff member, same data

    assert first.fresh and first.key is not None
    assert not again.fresh and again.key == first.key
    assert exports_on_record(scene) == 1

    scene.desk.app.cases.export_delivered(first.key)
    scene.desk.clock.advance(days=3)
    assert not to_slack(scene).fresh  # delivered: never again for the same data

    scene.desk.app.cases.note(scene.disclosure, StaffActor.trusted("sato"), "開示書類を郵送")
    changed = to_slack(scene)
    assert changed.fresh and changed.key != first.key
    assert exports_on_record(scene) == 2


def test_a_failed_upload_lets_the_next_click_try_again(scene: Scene) -> None:
    first = to_slack(scene)
    assert first.key is not None
    scene.desk.app.cases.export_failed(first.key)

    retried = to_slack(scene)
    assert retried.fresh and retried.key == first.key


def test_an_upload_that_never_finished_is_tried_again_after_ten_minutes(scene: Scene) -> None:
    assert to_slack(scene).fresh  # and then the process died before the upload ended
    scene.desk.clock.advance(minutes=5)
    assert not to_slack(scene).fresh  # perhaps still uploading
    scene.desk.clock.advance(minutes=6)
    assert to_slack(scene).fresh


def test_eight_clicks_at_once_get_one_export_and_one_audit_entry(scene: Scene) -> None:
    start = threading.Barrier(8)

    def click(user: int) -> bool:
        start.wait()
        return to_slack(scene, f"slack:U{user}").fresh

    with ThreadPoolExecutor(8) as pool:
        fresh = list(pool.map(click, range(8)))

    assert fresh.count(True) == 1
    assert exports_on_record(scene) == 1


def test_a_terminal_export_is_written_every_time_it_is_asked_for(scene: Scene) -> None:
    cases = scene.desk.app.cases
    first = cases.export_member_data(scene.disclosure, StaffActor.trusted("cli:sato"), "json")
    second = cases.export_member_data(scene.disclosure, StaffActor.trusted("cli:sato"), "json")

    assert first.fresh and second.fresh and first.key is None
    assert exports_on_record(scene) == 2
    assert to_slack(scene).fresh  # the Slack thread has not had it yet
