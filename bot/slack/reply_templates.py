"""The template select (定型文) in the Slack reply form.

Picking a template fills the form's text box with it, filled from the case (``views.update``);
staff edit it, then the form's ordinary preview and confirmation send it. A template that needs
a fact the case lacks leaves the text as it was and says, in the form, which fact is missing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.escaping import for_slack
from bot.reply_templates import reply_templates
from bot.slack import blocks
from flows import cases as rules
from flows.reply_templates import ReplyTemplate
from storage.models import Case

if TYPE_CHECKING:
    from bot.slack.app import StaffDesk

log = structlog.get_logger(__name__)

PICK = "reply_template"  # the select's action_id (and block_id)
MAX_OPTIONS = 100  # Slack's limit for a static_select


def reply_form(
    case: Case,
    channel: str,
    templates: Sequence[ReplyTemplate],
    *,
    draft: str = "",
    picked: str | None = None,
    notice: str | None = None,
) -> blocks.Block:
    """The reply form with a template select above the text box (none: the form as it was).

    A filled template gets a text box with a new action_id: Slack keeps what was typed in an
    input whose ids did not change, and would show it instead of the template.
    """
    form = blocks.reply_modal(case, channel, draft)
    if not templates:
        return form
    options = [
        {
            "text": {"type": "plain_text", "text": blocks.plain(t.title.ja, blocks.OPTION_TEXT)},
            "value": t.id,
        }
        for t in templates[:MAX_OPTIONS]
    ]
    element: blocks.Block = {
        "type": "static_select",
        "action_id": PICK,
        "placeholder": {"type": "plain_text", "text": "定型文を選ぶ"},
        "options": options,
    }
    chosen = next((o for o in options if o["value"] == picked), None)
    if chosen is not None:
        element["initial_option"] = copy.deepcopy(chosen)
    select = {
        "type": "input",
        "block_id": PICK,
        "dispatch_action": True,
        "optional": True,
        "label": {"type": "plain_text", "text": "定型文（選ぶと下の文面に入ります）"},
        "element": element,
    }
    shown: list[blocks.Block] = [form["blocks"][0], select]
    if notice:
        shown.append(
            {"type": "context", "elements": [blocks.mrkdwn(f":warning: {for_slack(notice)}")]}
        )
    for block in form["blocks"][1:]:
        if block.get("block_id") == "reply" and picked and not notice:
            block["element"]["action_id"] = f"value_{picked}"
        shown.append(block)
    form["blocks"] = shown
    return form


def _label(template: ReplyTemplate) -> str:
    return blocks.plain(template.title.ja, blocks.OPTION_TEXT)


def templates_for(desk: StaffDesk, case: Case) -> list[ReplyTemplate]:
    _, fitting = reply_templates(desk.app).for_case(case.number)
    return fitting


class TemplatePicker:
    """The select's listener, bound to the desk like the card's buttons."""

    def __init__(self, desk: StaffDesk) -> None:
        self.desk = desk

    async def on_pick(self, ack: Any, body: dict[str, Any]) -> None:
        await on_pick(self.desk, ack, body)


async def on_pick(desk: StaffDesk, ack: Any, body: dict[str, Any]) -> None:
    """A template picked in the reply form: the text box gets it, filled for the case."""
    await ack()
    view = body.get("view") or {}
    meta = blocks.modal_meta(view)
    number, channel = meta.get("number", ""), meta.get("channel", "")
    user = body["user"]["id"]
    action = body["actions"][0]
    picked = str((action.get("selected_option") or {}).get("value") or "")
    case = await desk._case(number)
    if case is None:
        await _update(desk, view, blocks.notice_modal("この案件は見つかりませんでした。"))
        return
    why_not = await desk._authorized(case.number, await desk.access.actor(user), PICK)
    if why_not:
        await _update(desk, view, blocks.notice_modal(for_slack(why_not)))
        return
    service = reply_templates(desk.app)
    fitting = (await desk._run(service.for_case, case.number))[1]
    try:
        text = await desk._run(service.filled, case.number, picked)
        notice = None
    except rules.CaseActionError as refused:
        text, notice = _typed(view), refused.ja
    form = reply_form(case, channel, fitting, draft=text, picked=picked, notice=notice)
    await _update(desk, view, form)


def _typed(view: dict[str, Any]) -> str:
    """What is in the reply box now, kept when a template cannot be used."""
    actions = ((view.get("state") or {}).get("values") or {}).get("reply") or {}
    element: dict[str, Any] = next(iter(actions.values()), {}) if actions else {}
    return str(element.get("value") or "")


async def _update(desk: StaffDesk, view: dict[str, Any], form: blocks.Block) -> None:
    try:
        await desk.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=form)
    except SlackApiError as error:
        log.warning("slack.views_update_failed", error=str(error.response.get("error")))
