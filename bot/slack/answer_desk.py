"""The answer itself from Slack: staff share the file in the case's thread, the desk attaches
it to the case's pending answer and offers 会員へ送付; the button opens a modal with what the
member will get, and confirming sends it once (the view's id is the idempotency key).

Only staff of the case's queue (or supervisors) may attach or send; a refusal is audited.
The file is fetched with ``files.info`` and its ``url_private_download`` (the bot's token),
its declared size checked first so a file over the limit is never downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError

from bot.escaping import for_slack
from bot.slack.blocks import JA
from flows import cases as rules
from flows.answer_files import size_label
from flows.safe_text import clean_inbound
from storage.answers import AnswerPreview

if TYPE_CHECKING:
    from bot.slack.app import StaffDesk
    from storage.models import Case

log = structlog.get_logger(__name__)
SEND = "send_answer"  # the button's and the modal's id: case_send_answer
Ack = Callable[..., Awaitable[None]]


def preview_blocks(shown: AnswerPreview) -> list[dict[str, Any]]:
    """What the member will get, as the modal shows it."""
    files = "\n".join(
        f"• {for_slack(f.name)}（{f.mime}、{size_label(f.size)}、sha256 `{f.sha256[:12]}`）"
        for f in shown.files
    )
    if shown.channel == "telegram":
        how = "会員のTelegramのチャットにファイルとして送ります。"
    elif shown.channel == "email":
        how = (
            f"{for_slack(shown.destination)} にダウンロード用のリンクをメールで送ります"
            "（ファイルはメールに付けません）。確認コードは会員のチャットに表示します。"
        )
    else:
        how = "会員のチャットにダウンロード用のリンクと確認コードを送ります。"
    lines = [f"*{shown.number} で会員に送るもの*", files, f"*送り方*　{how}"]
    if shown.link_expires is not None:
        lines.append(f"*リンクの期限*　{JA.date(shown.link_expires)}")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]


class AnswerDesk:
    """The listeners for answer files, beside ``StaffDesk``'s (whose helpers they use)."""

    def __init__(self, desk: StaffDesk, *, download_limit: int | None = None) -> None:
        self.desk = desk
        self.download_limit = download_limit or max(
            (o.answers.max_bytes for o in desk.app.orgs.values()), default=0
        )

    async def on_file_share(self, body: dict[str, Any]) -> None:
        """Files staff share in a case's thread join the case's pending answer."""
        event = body.get("event") or {}
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        thread = str(event.get("thread_ts") or "")
        if not user or not thread or event.get("bot_id"):
            return
        desk = self.desk
        number = await desk._run(desk.app.cases.number_for_card, channel, thread)
        case = await desk._case(number) if number else None
        if case is None or not await self._allowed(user, case, channel):
            return
        added: list[str] = []
        for shared in event.get("files") or []:
            file_id = str(shared.get("id") or "")
            problem = await self._attach(case.number, user, file_id)
            if problem is not None:
                await desk._tell(channel, user, problem)
            else:
                added.append(file_id)
        if added:
            await self._offer(case.number, channel, thread, user)

    async def _attach(self, number: str, user: str, file_id: str) -> str | None:
        """Fetch and attach one file; the reason it could not be, if it could not."""
        try:
            info = (await self.desk.client.files_info(file=file_id))["file"]
        except SlackApiError as error:
            log.warning("slack.files_info_failed", error=str(error.response.get("error")))
            return "ファイルを読み込めませんでした。もう一度共有してください。"
        name = clean_inbound(str(info.get("name") or "answer"))
        if int(info.get("size") or 0) > self.download_limit:
            mb = self.download_limit // (1024 * 1024)
            return f"{name} は{mb}MBを超えています。{mb}MBまでのファイルにしてください。"
        data = await self._download(str(info.get("url_private_download") or ""))
        if data is None:
            return "ファイルを読み込めませんでした。もう一度共有してください。"
        try:
            await self.desk._run(
                self.desk.app.cases.attach_answer,
                number,
                await self.desk.access.actor(user),
                name,
                data,
                key=f"slack:answer_file:{file_id}",
            )
        except rules.CaseActionError as error:
            return error.ja
        return None

    async def _download(self, url: str) -> bytes | None:
        if not url:
            return None
        headers = {"Authorization": f"Bearer {self.desk.client.token}"}
        timeout = aiohttp.ClientTimeout(total=60)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers) as answer,
            ):
                if answer.status != 200:
                    return None
                data = await answer.content.read(self.download_limit + 1)
        except (aiohttp.ClientError, TimeoutError):
            return None
        return data if len(data) <= self.download_limit else None

    async def _offer(self, number: str, channel: str, thread: str, user: str) -> None:
        """The 会員へ送付 button in the thread, under what was attached."""
        shown = await self._preview(number, user)
        if isinstance(shown, str):
            text = f"回答ファイルを添付しました。{shown}"
            actions: list[dict[str, Any]] = []
        else:
            names = "、".join(for_slack(f.name) for f in shown.files)
            text = f"回答ファイルを添付しました：{names}。送る前に内容を確認できます。"
            actions = [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"case_{SEND}",
                            "value": number,
                            "style": "primary",
                            "text": {"type": "plain_text", "text": "会員へ送付"},
                        }
                    ],
                }
            ]
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, *actions]
        try:
            await self.desk.client.chat_postMessage(
                channel=channel, thread_ts=thread, text=text, blocks=blocks
            )
        except SlackApiError as error:
            log.warning("slack.answer_offer_failed", error=str(error.response.get("error")))

    async def _allowed(self, user: str, case: Case, channel: str | None) -> bool:
        """Staff of the case's queue or a supervisor: the case service's one check, which
        audits a refusal; the refused user is told why."""
        why_not = await self.desk._authorized(case.number, await self.desk.access.actor(user), SEND)
        if why_not:
            await self.desk._tell(channel, user, why_not)
            return False
        return True

    async def _preview(self, number: str, user: str) -> AnswerPreview | str:
        actor = await self.desk.access.actor(user)
        try:
            shown: AnswerPreview = await self.desk._run(
                self.desk.app.cases.preview_answer, number, actor
            )
        except rules.CaseActionError as error:
            return error.ja
        return shown

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        """会員へ送付: the modal with the preview (or why it cannot be sent)."""
        await ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        number = str(body["actions"][0].get("value", ""))
        case = await self.desk._case(number)
        if case is None or not await self._allowed(user, case, channel):
            return
        shown = await self._preview(number, user)
        if isinstance(shown, str):
            await self.desk._tell(channel, user, shown)
            return
        thread = (body.get("message") or {}).get("thread_ts") or ""
        view = {
            "type": "modal",
            "callback_id": f"case_{SEND}",
            "title": {"type": "plain_text", "text": "会員へ送付"},
            "submit": {"type": "plain_text", "text": "送付する"},
            "close": {"type": "plain_text", "text": "やめる"},
            "private_metadata": json.dumps(
                {"number": number, "channel": channel, "thread": thread}
            ),
            "blocks": preview_blocks(shown),
        }
        try:
            await self.desk.client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            log.warning("slack.views_open_failed", error=str(error.response.get("error")))

    async def on_submission(self, ack: Ack, body: dict[str, Any]) -> None:
        """Confirmed: send once (a second submission of the same view sends nothing)."""
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        number, channel = str(meta.get("number", "")), meta.get("channel")
        await ack()  # the modal closes; what follows is told in the channel
        case = await self.desk._case(number)
        if case is None or not await self._allowed(user, case, channel):
            return
        try:
            await self.desk._run(
                self.desk.app.cases.send_answer,
                number,
                await self.desk.access.actor(user),
                key=f"slack:view:{view.get('id')}",
            )
        except rules.CaseActionError as error:
            await self.desk._tell(channel, user, error.ja)
            return
        self.desk.sync.wake()
        self.desk.after_change()
        await self.desk._tell(channel, user, f"{number} の回答を会員へ送付しました。")
