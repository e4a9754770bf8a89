"""「本人の会話を結び付け」 on a disclosure card: staff vouch, after the identity check, that
another case's chat is the requester's own, so 保有データを出力 includes it.

Kept apart from the other card buttons: one button, one form, the same case service
(``CaseService.link_member``/``unlink_member``: one audit entry with the event). The form opens
at once with nothing looked up (a ``trigger_id`` lives 3 seconds); the access check and the
possible matches (case numbers only, never their data) fill it afterwards with ``views.update``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.member_export import RESEMBLES
from flows import cases as rules
from storage.member_data import PossibleMatch

if TYPE_CHECKING:
    from bot.slack.app import Ack, StaffDesk
    from storage.models import Case

log = structlog.get_logger(__name__)
LINK = "member_link"  # action id and callback id: case_member_link
Block = dict[str, Any]
ACTIONS = {"link": "結び付ける", "unlink": "結び付けを外す"}


def link_button(case: Case) -> Block:
    return {
        "type": "button",
        "action_id": f"case_{LINK}",
        "text": {"type": "plain_text", "text": "本人の会話を結び付け"},
        "value": case.number,
    }


def _view(number: str, channel: str, blocks: list[Block], *, form: bool) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": f"case_{LINK}",
        "private_metadata": json.dumps({"number": number, "channel": channel}),
        "title": {"type": "plain_text", "text": "本人の会話を結び付け"},
        "close": {"type": "plain_text", "text": "閉じる" if not form else "キャンセル"},
        "blocks": blocks,
    }
    if form:
        view["submit"] = {"type": "plain_text", "text": "記録する"}
    return view


def _note(text: str) -> Block:
    return {"type": "section", "text": {"type": "plain_text", "text": text}}


def link_form(number: str, channel: str, matches: Sequence[PossibleMatch] | None = None) -> Block:
    """The form; ``matches`` (None: not looked up yet) are listed by number for staff to check."""
    blocks: list[Block] = [
        _note(
            f"{number} の本人確認の後、ほかの案件の会話がご本人のものと確かめられたら、"
            "その受付番号を入力してください。保有データの出力に含まれるようになります"
            "（記録に残ります）。"
        ),
        {
            "type": "input",
            "block_id": "other",
            "label": {"type": "plain_text", "text": "ご本人の会話の案件の受付番号"},
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": 40,
                "placeholder": {"type": "plain_text", "text": "KY-2026-00001"},
            },
        },
        {
            "type": "input",
            "block_id": "action",
            "label": {"type": "plain_text", "text": "操作"},
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "initial_option": _option("link"),
                "options": [_option(key) for key in ACTIONS],
            },
        },
    ]
    if matches is None:
        blocks.append(_note("ご本人の可能性がある案件を調べています…"))
    elif matches:
        listed = "\n".join(f"{m.number}（{RESEMBLES.get(m.why, m.why)}）" for m in matches)
        blocks.append(
            _note(
                "ご本人の可能性がある案件（入力された内容が似ているだけです。確かめてから"
                f"結び付けてください）：\n{listed}"
            )
        )
    return _view(number, channel, blocks, form=True)


def _option(key: str) -> Block:
    return {"text": {"type": "plain_text", "text": ACTIONS[key]}, "value": key}


class MemberLinks:
    """The button's and the form's listeners, on the staff desk's service and access rule."""

    def __init__(self, desk: StaffDesk) -> None:
        self.desk = desk

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        number = str(body["actions"][0].get("value", ""))
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or ""
        opened = await self.desk.client.views_open(
            trigger_id=body["trigger_id"], view=link_form(number, channel)
        )
        view_id = str((opened.get("view") or {}).get("id", ""))
        case = await self.desk._case(number)
        if case is None:
            await self._show(
                view_id, _view(number, channel, [_note("案件が見つかりません。")], form=False)
            )
            return
        why_not = await self.desk._authorized(case.number, await self.desk.access.actor(user), LINK)
        if why_not:
            await self._show(view_id, _view(number, channel, [_note(why_not)], form=False))
            return
        if case.identity_method is None:
            text = f"{case.number} はまだ本人確認をしていません。本人確認の後で結び付けてください。"
            await self._show(view_id, _view(number, channel, [_note(text)], form=False))
            return
        matches = await self.desk._run(self.desk.app.cases.possible_matches, case.number)
        await self._show(view_id, link_form(case.number, channel, matches))

    async def _show(self, view_id: str, view: Block) -> None:
        try:
            await self.desk.client.views_update(view_id=view_id, view=view)
        except SlackApiError as error:  # closed meanwhile: nothing to show it in
            log.info("slack.views_update_failed", error=str(error.response.get("error")))

    async def on_submission(self, ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        number, channel = str(meta.get("number", "")), str(meta.get("channel") or "")
        values = (view.get("state") or {}).get("values") or {}
        other = str(((values.get("other") or {}).get("value") or {}).get("value") or "").strip()
        chosen = ((values.get("action") or {}).get("value") or {}).get("selected_option") or {}
        user = body["user"]["id"]
        case = await self.desk._case(number)
        if case is None or not other:
            await ack(response_action="errors", errors={"other": "受付番号を入力してください。"})
            return
        actor = await self.desk.access.actor(user)
        why_not = await self.desk._authorized(case.number, actor, LINK)
        if why_not:
            await ack()
            await self.desk._tell(channel, user, why_not)
            return
        unlink = chosen.get("value") == "unlink"
        cases = self.desk.app.cases
        key = f"slack:view:{view.get('id', '')}:case_{LINK}"
        try:
            await self.desk._run(
                cases.unlink_member if unlink else cases.link_member,
                case.number,
                actor,
                other,
                key=key,
            )
        except rules.CaseActionError as refused:
            await ack(response_action="errors", errors={"other": refused.ja})
            return
        await ack()
        self.desk.sync.wake()
        done = "結び付けを外しました" if unlink else "結び付けました"
        await self.desk._tell(
            channel, user, f"{case.number}：{rules.case_number(other)} の会話を{done}。"
        )
