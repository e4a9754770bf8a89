"""Staff and supervisors in Slack: a slack-bolt ``AsyncApp`` over the same case service.

Every listener acknowledges first and works after (Slack wants an answer within 3 seconds);
database work runs in a thread. Each interaction builds the user's ``StaffActor`` (``Access``)
and the case service checks and audits it, as for the terminal. Every action carries an
idempotency key stored with its effect, so a Slack retry or a double click
changes nothing the second time. Card and thread updates are left to :class:`CardSync`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.escaping import for_slack
from bot.export import ExportFormat, event_details, event_label, type_title
from bot.member_export import render as render_member_data
from bot.slack import answer_desk, blocks, intake, member_links, reply_templates
from bot.slack.access import Access
from bot.slack.answer_desk import AnswerDesk
from bot.slack.home_figures import figures_blocks
from bot.slack.intake import SlackIntake
from bot.slack.line_pushes import LinePushes
from bot.slack.member_links import MemberLinks
from bot.slack.sync import CardSync
from flows import cases as rules
from flows.i18n import JST, Translator
from flows.intake import paper_text
from flows.routes import OFFLINE_CHANNEL
from flows.safe_text import clean_inbound
from flows.status import OUTCOMES_NEEDING_REASON
from storage.cases import MemberDataExport
from storage.models import Case
from storage.reply_templates import check_no_placeholders
from storage.staff import StaffActor

log = structlog.get_logger(__name__)

MEMBER_DATA_ALREADY = (
    "同じ内容の保有データは、すでにこのスレッドに出力しています（または出力中です）。"
    "内容が変わると（返信・メモ・結び付けなど）、もう一度出力できます。"
)
HELP = (
    "`/madoguchi transcript 受付番号` やりとりと経過の全文（責任者）\n"
    "`/madoguchi find 受付番号・氏名・電話番号` 案件を探す（責任者）\n"
    "`/madoguchi overdue` 期限を過ぎた案件\n"
    "`/madoguchi intake` 郵送・電話・来所・メールで届いたお申し出を登録"
)
# Card buttons that open a form (a modal); the others act at once.
FORMS = frozenset({"verify", "reply", "transfer", "extend", "close", blocks.REOPEN})
# The confirmation step of each kind of draft: its callback and its submit button.
PREVIEWS = {
    "reply": ("case_reply_confirm", "送信"),
    "close": ("case_close_confirm", "完了する"),
    "extend": ("case_extend_confirm", "延長する"),
}
CONFIRMATIONS = frozenset(callback for callback, _ in PREVIEWS.values())


RESPONSE_URL_USES = 5  # Slack takes at most five messages through one response_url
TRANSCRIPT_TOO_LONG = (
    "記録が長いため、ここまでを表示しました。"
    "全文は `madoguchi transcript 受付番号` で書き出してください。"
)
Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]


# A form's submission is checked as the action of the button that opened it (denied:reply…).
SUBMITTED_ACTIONS = {"case_takeover": "claim"}


def submitted_action(callback: str) -> str:
    return SUBMITTED_ACTIONS.get(callback) or callback.removeprefix("case_").removesuffix(
        "_confirm"
    )


class StaffDesk:
    """The listeners; kept as methods so tests and the server share one wiring."""

    def __init__(self, app: App, client: AsyncWebClient, sync: CardSync, access: Access) -> None:
        self.app = app
        self.client = client
        self.sync = sync
        self.access = access
        self.queue_names = dict(app.cases.queue_names)  # every queue, as staff name it
        self.after_change: Callable[[], None] = lambda: None  # e.g. wake the member outbox
        self.line_pushes: LinePushes | None = None  # where LINE is served: App Home shows it
        self.intake = SlackIntake(self)  # /madoguchi intake: letters, calls, visits, e-mail
        self.answer_files: AnswerDesk | None = None  # files staff share for the member

    # ------------------------------------------------------------------ helpers

    async def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _case(self, number: str) -> Case | None:
        try:
            case: Case = await self._run(self.app.cases.get, number)
        except rules.CaseActionError:
            return None
        return case

    async def _tell(self, channel: str | None, user: str, text: str) -> None:
        """A note only the acting user sees; never fails the action it reports on."""
        if not channel:
            return
        try:  # may name what someone typed (a case number), so escaped like any text
            await self.client.chat_postEphemeral(channel=channel, user=user, text=for_slack(text))
        except SlackApiError as error:
            log.info("slack.ephemeral_failed", error=str(error.response.get("error")))

    async def _authorized(self, number: str, actor: StaffActor, action: str) -> str | None:
        """Why ``actor`` may not ``action`` the case (the service audits the refusal)."""
        try:
            await self._run(self.app.cases.authorize, number, actor, action)
        except rules.CaseActionError as refused:
            return refused.ja
        return None

    async def _open(
        self, body: dict[str, Any], view: blocks.Block, user: str, channel: str | None
    ) -> tuple[str, str] | None:
        """``views.open`` with the interaction's trigger_id, before any lookup (it lives 3
        seconds); the opened view's id and hash, to fill it in with :meth:`_fill`."""
        try:
            answer = await self.client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            log.warning("slack.views_open_failed", error=str(error.response.get("error")))
            await self._tell(channel, user, "画面を開けませんでした。もう一度お試しください。")
            return None
        opened = answer.get("view") or {}
        return str(opened.get("id", "")), str(opened.get("hash", ""))

    async def _fill(self, opened: tuple[str, str], view: blocks.Block) -> None:
        """Replace the loading modal with what the lookups decided."""
        view_id, view_hash = opened
        try:
            await self.client.views_update(view_id=view_id, hash=view_hash, view=view)
        except SlackApiError as error:
            log.warning("slack.views_update_failed", error=str(error.response.get("error")))

    async def _act(self, fn: Callable[..., Case], *args: Any, **kwargs: Any) -> str | None:
        """Apply a case action; returns the reason it was not possible, if it was not."""
        try:
            await self._run(fn, *args, **kwargs)
        except rules.CaseActionError as error:
            return error.ja
        self.sync.wake()
        self.after_change()
        return None

    # ------------------------------------------------------------------ buttons on the card

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id"
        )
        name = str(action["action_id"]).removeprefix("case_")
        number = str(action.get("value", ""))
        if name in FORMS:
            await self._form(name, number, user, channel, body)
            return
        case = await self._case(number)
        if case is None:
            await self._tell(channel, user, "この案件は見つかりませんでした。")
            return
        if name == "claim":
            await self._claim(case, user, channel, body)
            return
        if name == blocks.MEMBER_DATA:
            await self._member_data(case, user, channel, body)

    async def _form(
        self, name: str, number: str, user: str, channel: str | None, body: dict[str, Any]
    ) -> None:
        """A card button's form: opened at once as a loading modal, filled in after the case
        and the user's groups are looked up (or with the reason it cannot be used)."""
        opened = await self._open(body, blocks.loading_modal(number), user, channel)
        if opened is None:
            return
        case = await self._case(number)
        if case is None:
            await self._fill(opened, blocks.notice_modal("この案件は見つかりませんでした。"))
            return
        why_not = await self._authorized(number, await self.access.actor(user), name)
        if why_not:
            await self._fill(opened, blocks.notice_modal(for_slack(why_not)))
            return
        where = channel or ""
        if name == "verify":
            try:  # recorded once: a second click says when, instead of offering the form
                await self._run(self.app.cases.check_identity_unrecorded, number)
                form = blocks.verify_modal(case, where)
            except rules.CaseActionError as refused:
                form = blocks.notice_modal(for_slack(refused.ja))
        elif name == "reply":
            fitting = await self._run(reply_templates.templates_for, self, case)
            form = reply_templates.reply_form(case, where, fitting)
        elif name == "transfer":
            # Only the queues of the case's own co-op: a case never moves to another co-op.
            own = self.app.cases.queues_of(case.org_id)
            form = blocks.transfer_modal(case, where, {q: self.queue_names.get(q, q) for q in own})
        elif name == "extend":
            max_days = self.app.orgs[case.org_id].deadlines.extension_max_days
            form = blocks.extend_modal(case, where, max_days)
        elif name == blocks.REOPEN:
            form = blocks.reopen_modal(case, where)
        else:
            form = blocks.close_modal(case, where)
        await self._fill(opened, form)

    async def _claim(
        self, case: Case, user: str, channel: str | None, body: dict[str, Any]
    ) -> None:
        if case.assignee and case.assignee != f"slack:{user}":
            # Someone else has it: ask before taking over. The modal opens before the
            # (possibly slow) group lookup, while the trigger_id is fresh.
            opened = await self._open(body, blocks.loading_modal(case.number), user, channel)
            if opened is None:
                return
            why_not = await self._authorized(case.number, await self.access.actor(user), "claim")
            if why_not:
                await self._fill(opened, blocks.notice_modal(for_slack(why_not)))
                return
            await self._fill(opened, blocks.takeover_modal(case, channel or ""))
            return
        actor = await self.access.actor(user)
        key = f"slack:action:{body['actions'][0].get('action_ts', '')}:{user}"
        problem = await self._act(self.app.cases.claim, case.number, actor, key=key)
        if problem:
            await self._tell(channel, user, problem)

    async def _member_data(
        self, case: Case, user: str, channel: str | None, body: dict[str, Any]
    ) -> None:
        """Everything held about the member, as an HTML file in the case's thread (audited).

        One upload per version of the data, however often the button is clicked or Slack
        resends the click: the case service hands out the delivery once (see
        ``CaseService.export_member_data``). New data (a reply, a note, a link) exports anew.
        """
        assert case.id is not None
        actor = await self.access.actor(user)
        why_not = await self._authorized(case.number, actor, blocks.MEMBER_DATA)
        if why_not:
            await self._tell(channel, user, why_not)
            return
        card = await self._run(self.sync.card_of, case.id)
        if card is None:
            await self._tell(channel, user, "この案件のスレッドが見つかりませんでした。")
            return
        export: MemberDataExport = await self._run(
            self.app.cases.export_member_data, case.number, actor, "html", destination="slack"
        )
        if not export.fresh or export.key is None:
            await self._tell(channel, user, MEMBER_DATA_ALREADY)
            return
        data = export.data
        document = render_member_data(
            data, ExportFormat.html, exported_by=actor.id, exported_at=self.app.clock()
        )
        scope = "" if data.verified else "本人確認の前のため、このご依頼の会話の分だけです。"
        comment = (
            f":file_folder: {case.number} のご本人について madoguchi が保有する情報です"
            f"（<@{user}> が出力）。{scope}"
        )
        try:
            await self.sync.upload(card, document, f"{case.number}-member-data.html", comment)
        except Exception as error:
            await self._run(self.app.cases.export_failed, export.key)  # the next click retries
            if not isinstance(error, SlackApiError):
                raise
            log.warning("slack.member_data_upload_failed", error=str(error.response.get("error")))
            await self._tell(channel, user, "ファイルを送れませんでした。もう一度お試しください。")
            return
        await self._run(self.app.cases.export_delivered, export.key)

    # ------------------------------------------------------------------ modal submissions

    async def on_submission(self, ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        callback = str(view["callback_id"])
        meta = blocks.modal_meta(view)
        user = body["user"]["id"]
        values = _values(view)
        number, channel = meta.get("number", ""), meta.get("channel")
        case = await self._case(number)
        if case is None:
            await ack(
                response_action="errors", errors=_first_block_error(view, "案件が見つかりません。")
            )
            return
        actor = await self.access.actor(user)
        why_not = await self._authorized(number, actor, submitted_action(callback))
        if why_not:
            await ack()
            await self._tell(channel, user, why_not)
            return
        key = f"slack:view:{view.get('id', '')}:{callback}"
        cases = self.app.cases
        if callback == "case_reply":
            text = (values.get("reply") or "").strip()
            if not text:
                await ack(
                    response_action="errors", errors={"reply": "返信の文面を入力してください。"}
                )
                return
            if len(text) > blocks.MAX_REPLY:
                await ack(
                    response_action="errors",
                    errors={"reply": f"{blocks.MAX_REPLY}文字以内にしてください。"},
                )
                return
            try:  # a template's {due} left in while editing
                check_no_placeholders(text)
            except rules.CaseActionError as left:
                await ack(response_action="errors", errors={"reply": left.ja})
                return
            late = blocks.is_overdue(case, self.app.clock())
            member_sees = rules.reply_notice(Translator(case.lang), case.number, text, late=late)
            await self._preview(ack, case, actor, "reply", text, member_sees, channel, "reply")
            return
        if callback == "case_close":
            outcome = values.get("outcome") or ""
            reason = (values.get("reason") or "").strip()
            confirmed = blocks.CLOSE_ANYWAY in (values.get("confirm") or "").split(",")
            try:
                await self._run(cases.check_close, number, outcome, confirmed=confirmed)
            except rules.CloseNeedsConfirmation as held:
                # Beside the tick if the form has it; a message that came in after the form
                # opened is reported beside the outcome.
                asks = any(b.get("block_id") == "confirm" for b in view.get("blocks") or [])
                field = "confirm" if asks else "outcome"
                text = blocks.close_held_text(held.unread, held.paused, held.unanswered)
                await ack(response_action="errors", errors={field: text})
                return
            except rules.CaseActionError as refused:
                await ack(response_action="errors", errors={"outcome": refused.ja})
                return
            if outcome in OUTCOMES_NEEDING_REASON and not reason:
                await ack(
                    response_action="errors",
                    errors={
                        "reason": "一部対応・対応不可のときは、理由を入力してください"
                        "（会員に伝わります）。"
                    },
                )
                return
            if reason:  # it reaches the member: shown first, like a reply
                member_sees = rules.outcome_notice(
                    Translator(case.lang),
                    case.number,
                    outcome,
                    reason,
                    late=blocks.is_overdue(case, self.app.clock()),
                )
                await self._preview(
                    ack,
                    case,
                    actor,
                    "close",
                    reason,
                    member_sees,
                    channel,
                    "reason",
                    outcome,
                    confirmed=confirmed,
                )
                return
            await ack()
            problem = await self._act(
                cases.close, number, actor, outcome, None, key=key, confirmed=confirmed
            )
        elif callback == "case_extend":
            due_text = values.get("due") or ""
            reason = (values.get("reason") or "").strip()
            picked = _due_from(due_text)
            if picked is None or picked.date() <= case.due_at.astimezone(JST).date():
                await ack(
                    response_action="errors",
                    errors={
                        "due": f"現在の期限（{blocks.JA.date(case.due_at)}）より後の日付を"
                        "選んでください。"
                    },
                )
                return
            try:
                await self._run(cases.check_extension, number, picked)
            except rules.CaseActionError as refused:
                await ack(response_action="errors", errors={"due": refused.ja})
                return
            if not reason:
                await ack(response_action="errors", errors={"reason": "理由を入力してください。"})
                return
            # A closed day moves back to the open day before it: the date the member is told.
            new_due = cases.open_day_due(case.org_id, picked)
            member_sees = rules.extension_notice(
                Translator(case.lang), case.number, new_due, reason
            )
            await self._preview(
                ack, case, actor, "extend", reason, member_sees, channel, "reason", new_due
            )
            return
        else:
            await ack()
            if callback in CONFIRMATIONS:
                # The stored draft is what goes out; nothing sent back by the client is read.
                draft = meta.get("draft", "")
                problem = await self._act(cases.send_draft, draft, number, actor)
            elif callback == "case_verify":
                method = values.get("method") or ""
                problem = await self._act(cases.verify_identity, number, actor, method, key=key)
            elif callback == "case_transfer":
                queue, note = values.get("queue") or "", values.get("note") or ""
                problem = await self._act(cases.transfer, number, actor, queue, note, key=key)
            elif callback == "case_takeover":
                problem = await self._act(cases.claim, number, actor, take_over=True, key=key)
            elif callback == "case_reopen":
                reason = values.get("reason") or ""
                problem = await self._act(cases.reopen, number, actor, reason, key=key)
            else:
                return
        if problem:
            await self._tell(channel, user, f"{case.number}：{problem}")

    async def _preview(
        self,
        ack: Ack,
        case: Case,
        actor: StaffActor,
        kind: str,
        text: str,
        member_sees: str,
        channel: str | None,
        field: str,
        choice: str | datetime | None = None,
        *,
        confirmed: bool = False,
    ) -> None:
        """Store what staff wrote as a draft and turn the form into its confirmation step,
        which shows what the member will read; a refusal is shown beside ``field``."""
        options: dict[str, Any] = {}
        if kind == "close":
            options["outcome"] = choice
            options["confirmed"] = confirmed
        elif kind == "extend":
            options["new_due"] = choice
        try:
            draft = await self._run(self.app.cases.draft, case.number, actor, kind, text, **options)
        except rules.CaseActionError as refused:
            await ack(response_action="errors", errors={field: refused.ja})
            return
        callback, submit = PREVIEWS[kind]
        if case.channel == OFFLINE_CHANNEL:  # sent on paper or by phone: as the task reads
            member_sees = paper_text(member_sees, Translator(case.lang))
        view = blocks.draft_preview(
            callback, case.number, channel or "", draft, member_sees, submit
        )
        await ack(response_action="update", view=view)

    # ------------------------------------------------------------------ events

    async def on_message(self, body: dict[str, Any]) -> None:
        """A reply in a card's thread is an internal note; it never reaches the member."""
        event = body.get("event") or {}
        if event.get("subtype") == "file_share" and self.answer_files is not None:
            await self.answer_files.on_file_share(body)
            return
        if event.get("bot_id") or event.get("subtype") or not event.get("thread_ts"):
            return
        text = clean_inbound(str(event.get("text") or "")).strip()
        user = str(event.get("user") or "")
        if not text or not user:
            return
        number = await self._run(
            self.app.cases.number_for_card, str(event.get("channel")), str(event["thread_ts"])
        )
        if number is None:
            return
        actor = await self.access.actor(user)
        key = f"slack:event:{body.get('event_id') or event.get('ts')}"
        # Someone not of the case's queue: refused and audited by the service, nothing noted.
        await self._act(self.app.cases.note, number, actor, text, key=key, source="slack")

    async def on_home(self, body: dict[str, Any]) -> None:
        user = str((body.get("event") or {}).get("user") or "")
        if not user:
            return
        actor = await self.access.actor(user)
        queues = actor.visible(self.access.config.queues)
        now = self.app.clock()
        open_cases: list[Case] = await self._run(self.app.cases.open_cases, queues)
        mine = [c for c in open_cases if c.assignee == actor.on_record]
        overdue = [c for c in open_cases if blocks.is_overdue(c, now)]
        counts = {
            q: (
                sum(1 for c in open_cases if c.queue == q),
                sum(1 for c in overdue if c.queue == q),
            )
            for q in queues
        }
        pushes = None
        if self.line_pushes is not None:
            pushes = self.line_pushes.home_text(await self._run(self.line_pushes.usage))
        view = blocks.home_view(mine, counts, overdue, self.queue_names, now, pushes)
        if await self.access.is_supervisor(user):
            supervisor = await self.access.actor(user)
            view["blocks"] += await self._run(figures_blocks, self.app, supervisor, now)
        await self.client.views_publish(user_id=user, view=view)

    # ------------------------------------------------------------------ /madoguchi

    async def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        user = str(body.get("user_id") or "")
        verb, _, rest = clean_inbound(str(body.get("text") or "")).strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        actor = await self.access.actor(user)
        if verb == "transcript":
            await self._transcript(actor, rest, respond)
        elif verb == "find":
            await self._find(actor, rest, respond)
        elif verb == "intake":
            await self.intake.open(str(body.get("trigger_id") or ""))
        elif verb == "overdue":
            queues = actor.visible(self.access.config.queues)
            now = self.app.clock()
            late = [
                c
                for c in await self._run(self.app.cases.open_cases, queues)
                if blocks.is_overdue(c, now)
            ]
            lines = [blocks.case_line(c, now) for c in late] or ["期限を過ぎた案件はありません。"]
            await _respond_posts(respond, "\n".join(lines))
        else:
            await respond(text=HELP, response_type="ephemeral")

    async def _transcript(self, actor: StaffActor, number: str, respond: Respond) -> None:
        if not number:
            await respond(text="受付番号を指定してください。", response_type="ephemeral")
            return
        try:  # on record (view_transcript) before anything is shown; supervisors only
            detail = await self._run(
                self.app.cases.detail, number, actor, purpose="view_transcript"
            )
        except rules.CaseActionError as refused:
            await respond(text=for_slack(refused.ja), response_type="ephemeral")
            return
        case = detail.case
        head = f"*{case.number} {for_slack(type_title(case))}* の記録\n" + "\n".join(
            f"{for_slack(label)}：{for_slack(value)}" for label, value in case.summary
        )
        events = "\n".join(
            f"[{blocks.JA.datetime(e.created_at)}] {event_label(e)} {blocks.mention(e.actor)} "
            f"{for_slack(event_details(e))}"
            for e in detail.events
        )
        lines = "\n".join(blocks.transcript_line(line) for line in detail.transcript)
        text = f"{head}\n\n*経過*\n{events}\n\n*やりとり*\n{lines}"
        posts = blocks.posts(text)
        if len(posts) > RESPONSE_URL_USES:
            # A response_url takes five messages; the whole record is one export away.
            posts = posts[:RESPONSE_URL_USES]
            last = posts[-1].blocks
            posts[-1] = blocks.Post(
                posts[-1].text, [*last[:-1], blocks.section(TRANSCRIPT_TOO_LONG)]
            )
        for post in posts:
            await respond(
                text=f"{case.number} の記録", blocks=post.blocks, response_type="ephemeral"
            )

    async def _find(self, actor: StaffActor, query: str, respond: Respond) -> None:
        try:  # supervisors only; the numbers found are on record before they are shown
            found: list[Case] = await self._run(self.app.cases.find, query, actor)
        except rules.CaseActionError as refused:
            await respond(text=refused.ja, response_type="ephemeral")
            return
        now = self.app.clock()
        lines = [blocks.case_line(c, now) for c in found] or ["見つかりませんでした。"]
        await _respond_posts(respond, "\n".join(lines))


class _DropMessage(logging.Filter):
    """Drops the log records whose message is exactly ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def build_bolt(desk: StaffDesk, *, signing_secret: str | None) -> AsyncApp:
    """The bolt app: request signatures checked (401 otherwise), listeners registered."""
    # Under "slack_bolt", which never logs below WARNING (see configure_logging): at DEBUG
    # bolt logs whole request and response bodies, and those hold what members wrote.
    logger = logging.getLogger("slack_bolt.madoguchi")
    # Only the client is given, but AsyncApp also reads SLACK_BOT_TOKEN from the environment
    # (the very variable madoguchi is configured with) and then warns at every start that this
    # token goes unused: a plain-text line among the JSON logs that says nothing useful.
    unused_token = _DropMessage(warning_client_prioritized_and_token_skipped())
    logger.addFilter(unused_token)
    try:
        bolt = AsyncApp(
            client=desk.client,
            signing_secret=signing_secret or "socket-mode",
            request_verification_enabled=signing_secret is not None,
            process_before_response=False,
            logger=logger,
        )
    finally:
        logger.removeFilter(unused_token)
    for action in (*blocks.ACTIONS, blocks.MEMBER_DATA, blocks.REOPEN):
        bolt.action(f"case_{action}")(desk.on_button)
    links = MemberLinks(desk)  # 本人の会話を結び付け: its own button and form
    bolt.action(f"case_{member_links.LINK}")(links.on_button)
    bolt.view(f"case_{member_links.LINK}")(links.on_submission)
    answer_files = desk.answer_files = AnswerDesk(desk)  # 会員へ送付: files shared in a thread
    bolt.action(f"case_{answer_desk.SEND}")(answer_files.on_button)
    bolt.view(f"case_{answer_desk.SEND}")(answer_files.on_submission)
    for callback in (
        "case_reply",
        *CONFIRMATIONS,
        "case_verify",
        "case_transfer",
        "case_extend",
        "case_close",
        "case_takeover",
        "case_reopen",
    ):
        bolt.view(callback)(desk.on_submission)
    bolt.action(reply_templates.PICK)(reply_templates.TemplatePicker(desk).on_pick)
    bolt.event("message")(desk.on_message)
    bolt.event("app_home_opened")(desk.on_home)
    bolt.command("/madoguchi")(desk.on_command)
    bolt.view(intake.START)(desk.intake.on_start)
    bolt.view(intake.FIELDS)(desk.intake.on_fields)
    bolt.shortcut(intake.SHORTCUT)(desk.intake.on_shortcut)
    return bolt


async def _respond_posts(respond: Respond, text: str) -> None:
    """Composed mrkdwn as ephemeral answers, split into sections and messages as it needs
    (at most the five a response_url takes)."""
    for post in blocks.posts(text)[:RESPONSE_URL_USES]:
        await respond(text=post.text, blocks=post.blocks, response_type="ephemeral")


def _values(view: dict[str, Any]) -> dict[str, str | None]:
    """A submitted modal's inputs by block id, whatever element type each one is; cleaned,
    since what staff type (or paste) is stored and shown to members and other staff."""
    out: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        element: dict[str, Any] = actions.get("value") or next(iter(actions.values()), {})
        if "selected_option" in element:
            value = (element.get("selected_option") or {}).get("value")
        elif "selected_options" in element:  # checkboxes: the ticked values, or none
            ticked = [str(o.get("value")) for o in element.get("selected_options") or []]
            value = ",".join(ticked) or None
        elif "selected_date" in element:
            value = element.get("selected_date")
        else:
            value = element.get("value")
        out[block_id] = None if value is None else clean_inbound(str(value))
    return out


def _due_from(text: str) -> datetime | None:
    """A picked date as a due moment: the end of that day in Japan."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59), JST)


def _first_block_error(view: dict[str, Any], message: str) -> dict[str, str]:
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            return {str(block["block_id"]): message}
    return {}
