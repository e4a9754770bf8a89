"""``/madoguchi intake`` (and the 受付を登録 shortcut): a letter, call, visit or e-mail entered
from Slack as a case.

Two modals. The first asks the org, the request type, the route and the arrival; the second
is generated from that flow's steps (``flows.intake.form_fields``): a select for a choice, a
text box for the rest, each conditional step labelled with when it applies. On submission the
steps are walked with the answers given, each applicable one read by the chat's own reader;
any refusal goes back to its block as ``response_action: errors`` and nothing is written
until all are valid. The new case's card then reaches the queue's channel by the card sync.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.escaping import for_slack
from bot.slack import blocks
from flows import intake
from flows.cases import CaseActionError
from flows.i18n import JST, Translator
from flows.office_calendar import answer_due
from flows.profiles import OrgProfile
from flows.routes import ROUTES, STAFF_ENTERED
from flows.safe_text import clean_inbound

if TYPE_CHECKING:
    from bot.slack.app import StaffDesk

log = structlog.get_logger(__name__)
Ack = Callable[..., Awaitable[None]]
START = "intake_start"
FIELDS = "intake_fields"
SHORTCUT = "madoguchi_intake"
DOCUMENTS = "_documents"  # block ids of the documents received (no step has these ids)
OTHER_DOCUMENTS = "_documents_other"
OLD_OK = "_old_ok"
NOT_ALLOWED = "この組織の窓口の担当者か責任者だけが登録できます。"
_JA = Translator("ja")


def _context(text: str) -> Any:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _select(block_id: str, label: str, options: list[tuple[str, str]], *, optional: bool) -> Any:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": blocks.plain(label, 2000)},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": blocks.plain(text, 75)}, "value": value}
                for value, text in options[:100]
            ],
        },
    }


def _text(block_id: str, label: str, *, optional: bool, hint: str = "") -> Any:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": blocks.plain(label, 2000)},
        "element": {"type": "plain_text_input", "action_id": "value", "max_length": 3000},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": blocks.plain(hint, 2000)}
    return block


def _modal(callback: str, meta: Mapping[str, str], body: list[Any], submit: str) -> Any:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": json.dumps(dict(meta), ensure_ascii=False),
        "title": {"type": "plain_text", "text": "受付の登録"},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "キャンセル"},
        "blocks": body,
    }


def start_modal(orgs: Mapping[str, OrgProfile], today: date) -> Any:
    """The first view: which org, which request, how and when it arrived."""
    body: list[Any] = []
    if len(orgs) > 1:
        body.append(
            _select(
                "org",
                "組織",
                [(o.id, o.short_name.ja) for o in orgs.values()],
                optional=False,
            )
        )
    body += [
        _select(
            "type",
            "お申し出の種類",
            [(f.type_id, _JA(f.title)) for f in intake.INTAKE_FLOWS.values()],
            optional=False,
        ),
        _select("route", "受付経路", [(r, _JA(ROUTES[r])) for r in STAFF_ENTERED], optional=False),
        {
            "type": "input",
            "block_id": "arrived_on",
            "label": {"type": "plain_text", "text": "到着日（郵便は届いた日、ほかは受け付けた日）"},
            "element": {
                "type": "datepicker",
                "action_id": "value",
                "initial_date": today.isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": "arrived_at",
            "optional": True,
            "label": {"type": "plain_text", "text": "到着時刻（わからなければ空欄）"},
            "element": {"type": "timepicker", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": OLD_OK,
            "optional": True,
            "label": {"type": "plain_text", "text": "30日より前の到着"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "30日より前の到着日で登録する"},
                        "value": "yes",
                    }
                ],
            },
        },
    ]
    return _modal(START, {}, body, "次へ")


def fields_modal(
    flow: Any, org: OrgProfile, now: datetime, meta: Mapping[str, str], due: datetime
) -> Any:
    """The second view: every step of the flow, in order, generated from its definition."""
    body: list[Any] = [
        _context(
            for_slack(
                f"{org.short_name.ja}・{_JA(flow.title)}・{_JA(ROUTES[meta['route']])}"
                f"・到着 {meta['arrived_text']}・回答期限 {_JA.date(due)}"
            )
        )
    ]
    for field in intake.form_fields(flow, org, now, _JA):
        label = field.label
        if field.condition_label:
            label += f"（{field.condition_label}）"
        optional = not field.required or field.conditional
        step = field.step
        if field.choices and not step.free_text:
            options = [(o.id, _JA(o.label)) for o in field.choices]
            body.append(_select(step.id, label, options, optional=optional))
        else:
            hint = _JA(step.prompt)
            if field.choices:
                hint += " 選択肢：" + "／".join(_JA(o.label) for o in field.choices)
            body.append(_text(step.id, label, optional=optional, hint=hint))
    named = intake.document_choices(org, _JA)
    if named:
        body.append(
            {
                "type": "input",
                "block_id": DOCUMENTS,
                "optional": True,
                "label": {"type": "plain_text", "text": "受け取った書類"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": blocks.plain(name, 75)},
                            "value": str(n),
                        }
                        for n, name in enumerate(named)
                    ],
                },
            }
        )
    body.append(
        _text(
            OTHER_DOCUMENTS,
            "ほかに受け取った書類（「、」で区切る）",
            optional=True,
            hint="例：戸籍謄本、住民票",
        )
    )
    return _modal(FIELDS, meta, body, "登録する")


def _values(view: Mapping[str, Any]) -> dict[str, str]:
    """A submitted view's inputs by block id; a select's value, a picked date or time, the
    ticked boxes joined with commas, or the typed text, cleaned."""
    out: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        element: Mapping[str, Any] = actions.get("value") or next(iter(actions.values()), {})
        if "selected_option" in element:
            value = (element.get("selected_option") or {}).get("value")
        elif "selected_options" in element:
            value = ",".join(str(o.get("value")) for o in element.get("selected_options") or [])
        elif "selected_date" in element:
            value = element.get("selected_date")
        elif "selected_time" in element:
            value = element.get("selected_time")
        else:
            value = element.get("value")
        out[str(block_id)] = clean_inbound(str(value)) if value else ""
    return out


class SlackIntake:
    """The intake listeners, over the staff desk's services and access check."""

    def __init__(self, desk: StaffDesk) -> None:
        self.desk = desk

    @property
    def orgs(self) -> Mapping[str, OrgProfile]:
        orgs: Mapping[str, OrgProfile] = self.desk.app.orgs
        return orgs

    async def open(self, trigger_id: str) -> None:
        """Open the first view (from the slash command or the shortcut)."""
        today = self.desk.app.clock().astimezone(JST).date()
        try:
            await self.desk.client.views_open(
                trigger_id=trigger_id, view=start_modal(self.orgs, today)
            )
        except SlackApiError as error:
            log.warning("slack.views_open_failed", error=str(error.response.get("error")))

    async def on_shortcut(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await self.open(str(body.get("trigger_id") or ""))

    async def on_start(self, ack: Ack, body: dict[str, Any]) -> None:
        """The first view sent: check it, then the steps' view in its place."""
        view, user = body["view"], str(body["user"]["id"])
        values = _values(view)
        orgs = self.orgs
        org = orgs.get(values.get("org") or "") if len(orgs) > 1 else next(iter(orgs.values()))
        flow = intake.INTAKE_FLOWS.get(values.get("type") or "")
        route = values.get("route") or ""
        if org is None or flow is None or route not in STAFF_ENTERED:
            await ack(response_action="errors", errors={"type": "選び直してください。"})
            return
        if not await self._may_enter(user, org.queue.id):
            block = "org" if len(orgs) > 1 else "type"
            await ack(response_action="errors", errors={block: NOT_ALLOWED})
            return
        now = self.desk.app.clock()
        try:
            arrived = _arrival(values, now, old_ok=bool(values.get(OLD_OK)))
        except intake.IntakeError as error:
            block = "arrived_on"
            if isinstance(error, intake.ArrivalNeedsConfirmation):
                message = f"{error} よろしければ「30日より前の到着日で登録する」を選んでください。"
                await ack(response_action="errors", errors={block: message})
                return
            await ack(response_action="errors", errors={block: str(error)})
            return
        meta = {
            "org": org.id,
            "type": flow.type_id,
            "route": route,
            "arrived": arrived.isoformat(),
            "arrived_text": arrived.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
        }
        due = answer_due(org, flow.type_id, arrived)
        await ack(response_action="update", view=fields_modal(flow, org, now, meta, due))

    async def on_fields(self, ack: Ack, body: dict[str, Any]) -> None:
        """The steps' view sent: every applicable step read; errors on their blocks, or the
        case written once and its card synced to the queue's channel."""
        view, user = body["view"], str(body["user"]["id"])
        meta = blocks.modal_meta(view)
        org = self.orgs.get(meta.get("org", ""))
        flow = intake.INTAKE_FLOWS.get(meta.get("type", ""))
        if org is None or flow is None or meta.get("route") not in STAFF_ENTERED:
            await ack(response_action="errors", errors={})
            return
        actor = await self.desk.access.actor(user)
        if not await self._may_enter(user, org.queue.id):
            await ack(response_action="errors", errors=_first_input(view, NOT_ALLOWED))
            return
        values = _values(view)
        now = self.desk.app.clock()
        typed = {step.id: values.get(step.id, "") for step in flow.steps}
        walked = await asyncio.to_thread(
            intake.walk, flow, org, typed, now, _JA, list(self.orgs.values())
        )
        if not walked.ok:
            await ack(response_action="errors", errors=walked.errors)
            return
        named = intake.document_choices(org, _JA)
        documents = [named[int(n)] for n in (values.get(DOCUMENTS) or "").split(",") if n.isdigit()]
        other = (values.get(OTHER_DOCUMENTS) or "").replace(",", "、")
        documents += [d.strip() for d in other.split("、") if d.strip()]
        arrived = datetime.fromisoformat(meta["arrived"])
        made = intake.draft(flow, org, walked.answers, meta["route"], arrived, now, documents)
        await ack()
        key = f"slack:view:{view.get('id', '')}"
        case = await asyncio.to_thread(self.desk.app.cases.intake, made, actor, key=key)
        log.info("slack.intake", case=case.number)
        self.desk.sync.wake()

    async def _may_enter(self, user: str, queue: str) -> bool:
        """Whether ``user`` may enter a request for ``queue``: the case service's one check,
        which audits a refusal (``denied:intake``)."""
        actor = await self.desk.access.actor(user)
        try:
            await asyncio.to_thread(self.desk.app.cases.authorize_queue, actor, queue, "intake")
        except CaseActionError:
            return False
        return True


def _arrival(values: Mapping[str, str], now: datetime, *, old_ok: bool) -> datetime:
    try:
        day = date.fromisoformat(values.get("arrived_on") or "")
        hour, _, minute = (values.get("arrived_at") or "00:00").partition(":")
        moment = datetime.combine(day, time(int(hour), int(minute or 0)), JST)
    except ValueError:
        raise intake.IntakeError(_JA(intake.ERR_ARRIVAL_FORMAT)) from None
    return intake.check_arrival(moment, now, _JA, confirmed=old_ok)


def _first_input(view: Mapping[str, Any], message: str) -> dict[str, str]:
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            return {str(block["block_id"]): message}
    return {}
