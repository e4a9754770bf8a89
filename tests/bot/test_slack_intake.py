"""``/madoguchi intake`` in Slack: a letter, call, visit or e-mail entered from a modal
generated from the flow's steps, checked by the chat's reader, and shown on the queue's card.

One real ``madoguchi serve`` with the fake Slack (signed HTTP), on the real clock: arrivals
are given relative to today.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot.slack import blocks
from flows.i18n import JST
from flows.office_calendar import is_open, last_open_day
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.routes import STAFF_ENTERED
from storage.models import CaseEvent
from tests.bot.intake_answers import TYPE_OF, TYPED, fields_for, filed_in_chat
from tests.bot.test_hostile_input import NOW, a_case
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    OUTSIDER,
    STAFF,
    Desk,
    _block_text,
)
from tests.bot.test_slack_staff import json_column, served_desk
from tests.conftest import DATABASES
from tests.fakes.slack_api import (
    checkboxes,
    datepicker,
    plain_text,
    slack_would_refuse,
    static_select,
)

COOPDELI = "coopdeli"
STAFFER = STAFF[COOPDELI]


@pytest.fixture(scope="module", params=DATABASES)
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    yield from served_desk(request, tmp_path_factory)


def newest(desk: Desk) -> tuple[str, dict[str, Any], str, str, str] | None:
    """The newest case: number, fields, route, received and due (as stored)."""
    rows = desk.served.query(
        'SELECT number, fields, route, received_at, due_at FROM "case" ORDER BY id DESC'
    )
    if not rows:
        return None
    number, fields, route, received, due = rows[0]
    return number, json_column(fields), route, str(received), str(due)


def said(reply: Any) -> str:
    """A submission's answer as text (an empty one: the modal closed)."""
    body: bytes = reply.body
    return str(json.loads(body)) if body.strip() else ""


def case_count(desk: Desk) -> int:
    [(count,)] = desk.served.query('SELECT COUNT(*) FROM "case"')
    return int(count)


def start(
    desk: Desk,
    user: str,
    route: str,
    arrived: date,
    request_type: str = "disclosure",
    *,
    old_ok: bool = False,
) -> Any:
    """``/madoguchi intake`` and the first view sent."""
    desk.sender.slash_command(user, text="intake", channel=CHANNELS[COOPDELI])
    values: dict[str, Any] = {
        "org": {"value": static_select(COOPDELI)},
        "type": {"value": static_select(request_type)},
        "route": {"value": static_select(route)},
        "arrived_on": {"value": datepicker(arrived.isoformat())},
        "arrived_at": {"value": {"type": "timepicker", "selected_time": "10:00"}},
    }
    if old_ok:
        values["_old_ok"] = {"value": checkboxes(["yes"])}
    return desk.submit(user, "intake_start", values)


def answers_for(request: str) -> dict[str, Any]:
    """The steps' view filled in as staff would: a choice picked by its option (the one the
    chat chose for the same words), the rest typed; a step passed is left empty."""
    chat = filed_in_chat(request)
    flow = FLOWS[TYPE_OF[request]]
    free_text = {step.id for step in flow.steps if step.free_text}
    values: dict[str, Any] = {}
    for key in fields_for(request):
        if key not in chat.fields or chat.fields[key] == "":
            continue
        step = next(s for s in flow.steps if s.id == key)
        if step.kind == "choice" and key not in free_text:
            values[key] = {"value": static_select(str(chat.fields[key]))}
        else:
            values[key] = {"value": plain_text(TYPED[request][key])}
    return values


@pytest.mark.parametrize("route", STAFF_ENTERED)
def test_staff_enter_a_request_in_slack_for_each_route_and_get_the_chats_case_on_the_card(
    desk: Desk, route: str
) -> None:
    today = datetime.now(JST).date()
    start(desk, STAFFER, route, today - timedelta(days=2))
    values = answers_for("agent_disclosure" if route == "visit" else "disclosure")
    values["_documents"] = {"value": checkboxes(["0"])}
    values["_documents_other"] = {"value": plain_text("戸籍謄本")}
    reply = desk.submit(STAFFER, "intake_fields", values)
    assert "errors" not in said(reply)
    desk.slack.wait_for(lambda api: (found := newest(desk)) is not None and found[2] == route)
    found = newest(desk)
    assert found is not None
    number, fields, stored_route, _received, _due = found
    chat = filed_in_chat("agent_disclosure" if route == "visit" else "disclosure")
    assert fields == chat.fields and stored_route == route
    # The card reaches the queue's channel like any other.
    card = desk.card(CHANNELS[COOPDELI], number)
    assert "チャットなし（郵送・電話など）" in _block_text(card.blocks)
    # The receipt waits for staff to post or phone it: the card says so.
    assert "郵送・電話での連絡待ち 1件" in _block_text(card.blocks)
    # The thread says how and when it came, and what came with it.
    desk.wait_thread(CHANNELS[COOPDELI], card.ts, "で届いたお申し出を登録しました")
    said_in_thread = desk.thread_text(CHANNELS[COOPDELI], card.ts)
    assert "受け取った書類：委任者署名捺印の委任状、戸籍謄本" in said_in_thread
    [(kind, actor, data)] = [
        (k, a, json_column(d))
        for k, a, d in desk.served.query(
            'SELECT e.kind, e.actor, e.data FROM caseevent e JOIN "case" c ON c.id = e.case_id '
            f"WHERE c.number = '{number}' ORDER BY e.id"
        )
    ][:1]
    assert (kind, actor) == ("created", f"slack:{STAFFER}")
    assert data["route"] == route
    assert data["documents"] == ["委任者署名捺印の委任状", "戸籍謄本"]


def test_a_letter_postmarked_before_the_new_year_closure_gets_an_open_day_within_14_days(
    desk: Desk,
) -> None:
    # The real clock: last year's 12-18 (a month or more ago, so confirmed as old).
    arrived = date(datetime.now(JST).year - 1, 12, 18)
    refused = start(desk, STAFFER, "post", arrived)
    assert "30日より前の到着日で登録する" in said(refused)
    reply = start(desk, STAFFER, "post", arrived, old_ok=True)
    assert "errors" not in said(reply)
    desk.submit(STAFFER, "intake_fields", answers_for("disclosure"))
    desk.slack.wait_for(lambda api: (found := newest(desk)) is not None and "12-18" in found[3])
    found = newest(desk)
    assert found is not None
    due = datetime.fromisoformat(found[4]).astimezone(JST).date()
    office = load_profiles()[COOPDELI].office_days
    assert is_open(due, office)
    target = arrived + timedelta(days=14)
    assert arrived < due <= target
    assert not is_open(target, office)  # 14 days on is in 年末年始: the last open day before
    assert due == last_open_day(target, office)


def test_refused_values_come_back_on_their_blocks_and_nothing_is_written(desk: Desk) -> None:
    before = case_count(desk)
    today = datetime.now(JST).date()
    future = start(desk, STAFFER, "phone", today + timedelta(days=1))
    assert "到着日時が未来になっています" in said(future)
    too_old = start(desk, STAFFER, "phone", date(2005, 3, 31), old_ok=True)
    assert "個人情報保護法の施行前です" in said(too_old)
    assert "errors" not in said(start(desk, STAFFER, "phone", today - timedelta(days=1)))
    values = answers_for("disclosure")
    values["phone"] = {"value": plain_text("でんわ")}
    del values["name"]
    values["requester"] = {"value": static_select("appointed_agent")}  # then 代理人 is required
    reply = desk.sender.view_submission(STAFFER, "intake_fields", values)
    errors = json.loads(reply.body)["errors"]
    assert set(errors) == {"phone", "name", "agent_name", "agent_phone", "agent_relation"}
    assert errors["name"] == "この項目は必須です。"
    assert case_count(desk) == before


def test_only_staff_of_the_orgs_queue_or_a_supervisor_may_enter_a_request(desk: Desk) -> None:
    before = case_count(desk)
    today = datetime.now(JST).date()
    refused = start(desk, OUTSIDER, "post", today - timedelta(days=1))
    assert "この組織の窓口の担当者か責任者だけが登録できます" in said(refused)
    other = start(desk, STAFF["seikatsuclub-kyosai"], "post", today - timedelta(days=1))
    assert "この組織の窓口の担当者か責任者だけが登録できます" in said(other)
    assert case_count(desk) == before
    denied = desk.served.query(f"SELECT action FROM auditentry WHERE actor = 'slack:{OUTSIDER}'")
    assert ("denied:intake",) in [tuple(row) for row in denied]


def test_the_card_counts_paper_notices_and_the_thread_says_how_one_was_sent() -> None:
    case = a_case("山田")
    case.channel, case.route = "offline", "post"
    org = load_profiles()["seikatsuclub-kyosai"]
    card = blocks.case_card(case, org, NOW, {"kyosai-bu": "共済部"}, paper_notices=2)
    assert slack_would_refuse(blocks=card) is None
    assert "郵送・電話での連絡待ち 2件" in _block_text(card)
    assert "連絡待ち" not in _block_text(blocks.case_card(case, org, NOW, {"kyosai-bu": "共済部"}))
    sent = CaseEvent(
        case_id=1,
        kind="notice_sent",
        actor="cli:sato",
        data={"task": 3, "method": "registered_post", "on": "2026-12-24"},
        created_at=NOW,
    )
    assert "連絡 3 を2026-12-24に簡易書留で送りました" in (blocks.event_text(sent, {}) or "")


def test_a_reply_to_a_member_with_no_chat_is_previewed_as_the_letter_and_waits_on_the_card(
    desk: Desk,
) -> None:
    start(desk, STAFFER, "phone", datetime.now(JST).date() - timedelta(days=1))
    before = newest(desk)
    desk.submit(STAFFER, "intake_fields", answers_for("disclosure"))
    desk.slack.wait_for(lambda api: newest(desk) != before)
    found = newest(desk)
    assert found is not None
    number = found[0]
    channel = CHANNELS[COOPDELI]
    card = desk.card(channel, number)
    desk.click(STAFFER, "case_reply", channel, card.ts)
    preview = desk.submit(
        STAFFER, "case_reply", {"reply": {"value": plain_text("資料を郵送します。")}}
    )
    shown = said(preview)
    assert "資料を郵送します。" in shown and "このチャット" not in shown
    desk.submit(STAFFER, "case_reply_confirm", {})
    desk.card_shows(channel, card.ts, "郵送・電話での連絡待ち 2件")
