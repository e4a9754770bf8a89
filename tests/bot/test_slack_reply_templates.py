"""Reply templates in Slack: the reply form offers the templates that fit the case; picking one
fills the text box from the case (views.update); staff edit it, see the preview, send it, and
the member gets the edited text. A template the case lacks a fact for says which, in the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.bot.test_slack_end_to_end import CHANNELS, OUTSIDER, STAFF, Desk
from tests.bot.test_slack_staff import COOPDELI, KYOSAI, new_case, served_desk, texts_to
from tests.conftest import DATABASES
from tests.fakes.slack_api import FakeSlackApi, plain_text


@pytest.fixture(scope="module", params=DATABASES)
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    yield from served_desk(request, tmp_path_factory)


def reply_form(desk: Desk, user: str) -> dict[str, Any]:
    """The reply form on ``user``'s screen once it has loaded (not the loading modal)."""

    def loaded(api: FakeSlackApi) -> dict[str, Any] | None:
        stack = api.open_modals(user)
        top = stack[-1] if stack else None
        return top if top and top.get("callback_id") in ("case_reply", "case_notice") else None

    desk.slack.wait_for(lambda api: loaded(api) is not None)
    form = loaded(desk.slack)
    assert form is not None
    return form


def option(form: dict[str, Any], template_id: str) -> dict[str, Any]:
    [select] = [b for b in form["blocks"] if b.get("block_id") == "reply_template"]
    assert select["dispatch_action"] is True
    [chosen] = [o for o in select["element"]["options"] if o["value"] == template_id]
    return dict(chosen)


def reply_box(form: dict[str, Any]) -> dict[str, Any]:
    [box] = [b for b in form["blocks"] if b.get("block_id") == "reply"]
    return dict(box["element"])


def picked(desk: Desk, user: str, before: dict[str, Any], template_id: str) -> dict[str, Any]:
    """Pick ``template_id`` in the open form; the form as the app updated it."""
    reply = desk.sender.view_block_action(
        user, before["id"], "reply_template", selected_option=option(before, template_id)
    )
    assert reply.status == 200, reply

    def updated(api: FakeSlackApi) -> bool:
        now = api.view(before["id"])
        return now is not None and now["hash"] != before["hash"]

    desk.slack.wait_for(updated)
    form = desk.slack.view(before["id"])
    assert form is not None
    return form


def test_staff_pick_a_refusal_in_slack_edit_it_preview_and_the_member_gets_the_edit(
    desk: Desk,
) -> None:
    chat_id, _, card = new_case(desk, KYOSAI, "disclosure")
    channel, staff = CHANNELS[KYOSAI], STAFF[KYOSAI]
    desk.click(staff, "case_reply", channel, card.ts)
    form = reply_form(desk, staff)
    titles = [
        o["text"]["text"]
        for b in form["blocks"]
        if b.get("block_id") == "reply_template"
        for o in b["element"]["options"]
    ]
    assert "開示できない（業務に著しい支障のおそれ）" in titles
    assert "訂正しました" not in titles  # a correction's template, not a disclosure's

    filled = picked(desk, staff, form, "refusal_business")
    box = reply_box(filled)
    text = box["initial_value"]
    assert "生活クラブ共済連の業務を適正に行うことに大きな支障" in text
    assert "第33条第2項第2号" in text and "{" not in text
    assert box["action_id"] != "value"  # a new box: Slack would otherwise keep the old text

    edited = text + "\n担当：共済部 佐藤"
    preview = desk.submit(staff, "case_reply", {"reply": {box["action_id"]: plain_text(edited)}})
    shown = str(preview.json()["view"])
    assert "担当：共済部 佐藤" in shown and "送信前の確認" in shown
    desk.submit(staff, "case_reply_confirm", {})
    desk.telegram.wait_for(
        lambda api: bool(texts_to(api, chat_id, "担当：共済部 佐藤")), timeout=20
    )
    [sent] = texts_to(desk.telegram, chat_id, "担当：共済部 佐藤")
    assert "第33条第2項第2号" in sent


def test_a_template_needing_an_extension_the_case_never_had_says_so_in_the_form(
    desk: Desk,
) -> None:
    _, _, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.click(staff, "case_reply", channel, card.ts)
    form = reply_form(desk, staff)
    refused = picked(desk, staff, form, "extension_apology")
    shown = str(refused["blocks"])
    assert "「延長後の回答期限」「延長の理由」の記録がないため" in shown
    assert "定型文「extension_apology」は使えません" in shown
    assert "initial_value" not in reply_box(refused)  # no template text, and no gap


def test_a_reply_with_a_placeholder_left_in_is_refused_beside_the_text(desk: Desk) -> None:
    _, _, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.click(staff, "case_reply", channel, card.ts)
    reply_form(desk, staff)
    refused = desk.submit(
        staff, "case_reply", {"reply": {"value": plain_text("期限は{due}です。")}}
    )
    assert refused.json()["errors"]["reply"].startswith("文面に差し込み欄 {due} が残っています")


def test_someone_outside_the_queue_cannot_fill_a_template(desk: Desk) -> None:
    _, _, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.click(staff, "case_reply", channel, card.ts)
    form = reply_form(desk, staff)
    reply = desk.sender.view_block_action(
        OUTSIDER, form["id"], "reply_template", selected_option=option(form, "no_data")
    )
    assert reply.status == 200, reply

    def refused(api: FakeSlackApi) -> bool:
        now = api.view(form["id"])
        return now is not None and now.get("callback_id") == "case_notice"

    desk.slack.wait_for(refused)
