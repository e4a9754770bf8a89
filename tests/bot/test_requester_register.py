"""A request about a person who has died, in the register: its own requester type and the
asker's 続柄 in every export and in the staff terminal, kept once the transcript has gone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from bot.export import render_html, render_json
from bot.staff.terminal import render_detail
from storage.audit import Actor
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import only_case
from tests.flows.test_asker_dialogues import widow_asks_about_her_late_husband

DECEASED_REQUESTER = "亡くなった方のご家族など（故人についてのお申し出）　続柄：配偶者（夫・妻）"
EXPORTED_AT = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
SATO = Actor("cli:sato", "cli")


def requester_cell(html: str) -> str:
    found = re.search(
        r'<th class="label" scope="row">申出者</th><td class="text">([^<]*)</td>', html
    )
    assert found, "the export names the requester"
    return found.group(1)


def test_a_widows_request_is_registered_as_about_a_deceased_person_not_as_hers(
    desk: Desk,
) -> None:
    widow_asks_about_her_late_husband(desk.member(org="coopdeli"), "coopdeli")
    number = only_case(desk).number
    detail = desk.app.cases.detail_unaudited(number)

    html = render_html(detail, exported_by="sato", exported_at=EXPORTED_AT)
    assert requester_cell(html) == DECEASED_REQUESTER
    document = json.loads(render_json(detail))["case"]
    assert (document["requester"], document["requester_label"]) == (
        "deceased",
        DECEASED_REQUESTER,
    )
    staff_view = render_detail(detail)
    assert f"申出者：{DECEASED_REQUESTER}" in staff_view
    assert "お申し出の方のお名前：山田 花子" in staff_view
    assert "亡くなった方のお名前：山田 太郎" in staff_view
    # Staff find the case by the widow's phone and by her husband's name.
    assert [
        c.number for c in desk.app.cases.find("090-1234-5678", StaffActor.trusted("cli:chief"))
    ] == [number]
    assert [
        c.number for c in desk.app.cases.find("山田 太郎", StaffActor.trusted("cli:chief"))
    ] == [number]

    desk.app.cases.claim(number, StaffActor.trusted("sato"))
    desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    desk.clock.advance(days=366)
    desk.app.purger().purge(desk.clock(), SATO)

    kept = only_case(desk)
    assert kept.requester == "deceased"
    assert kept.fields == {"about": "deceased", "asker_relation": "spouse"}  # codes only
    after = render_html(
        desk.app.cases.detail_unaudited(number), exported_by="sato", exported_at=EXPORTED_AT
    )
    assert requester_cell(after) == DECEASED_REQUESTER
    assert "山田" not in after
