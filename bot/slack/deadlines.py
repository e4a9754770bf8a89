"""Deadline nudges: thread reminders before the due date, escalation once overdue, and each
morning a list per queue of what is overdue or due soon."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from slack_sdk.errors import SlackApiError

from bot.app import App
from bot.config import SlackDeployment
from bot.slack import blocks
from bot.slack.sync import CardSync, error_name
from flows.i18n import JST

log = structlog.get_logger(__name__)


class DeadlineWatch:
    def __init__(self, app: App, sync: CardSync, config: SlackDeployment) -> None:
        self.app = app
        self.sync = sync
        self.config = config

    async def run(self, stop: asyncio.Event, interval: float = 60.0) -> None:
        while not stop.is_set():
            try:
                await self.check()
            except Exception:
                log.exception("slack.deadlines_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def check(self) -> None:
        """Reminders and escalations become case events (the sync posts them), then digests."""
        marked = await asyncio.to_thread(self.app.cases.mark_deadlines, self.config.reminder_days)
        if marked:
            self.sync.wake()
        await self.morning_digest()

    async def morning_digest(self) -> None:
        """Once a day per queue, from ``digest_hour`` (JST), on the days its co-op's office is
        open: a digest lost to a crash is sent again, so a queue may, rarely, get it twice but
        never miss it. It names cases by number, type, status, dates and counts only
        (``blocks.case_line``): the channel never gets the member's words or name, which stay
        in the case's thread."""
        now = self.app.clock()
        local = now.astimezone(JST)
        if not self.config.morning_digest or local.hour < self.config.digest_hour:
            return
        soon = now + timedelta(days=self.config.reminder_days)
        cases_service = self.app.cases
        for queue, settings in self.config.queues.items():
            org = cases_service.org_of_queue(queue)
            if org is not None and not cases_service.office_open(org, now):
                continue  # the queue's office is closed today: the next open day's digest
            key = f"slack:digest:{queue}:{local.date().isoformat()}"
            if await asyncio.to_thread(self.app.cases.is_done, key):
                continue
            cases = await asyncio.to_thread(self.app.cases.open_cases, [queue])
            overdue = [c for c in cases if blocks.is_overdue(c, now)]
            # A paused case has no due date to meet until it resumes.
            due_soon = [
                c
                for c in cases
                if c not in overdue and not blocks.is_paused(c) and c.due_at <= soon
            ]
            lines = [f"*{local:%m月%d日}の期限の確認*"]
            lines.append("*期限超過*")
            lines += [blocks.case_line(c, now) for c in overdue] or ["なし"]
            lines.append(f"*{self.config.reminder_days}日以内に期限*")
            lines += [blocks.case_line(c, now) for c in due_soon] or ["なし"]
            unread = [c for c in cases if c.unread_messages]
            lines.append(f"*会員からの未読メッセージがある案件（{len(unread)}件）*")
            lines += [blocks.case_line(c, now) for c in unread] or ["なし"]
            try:
                for piece in blocks.chunk("\n".join(lines)):
                    await self.sync.post(settings.channel, text=piece)
            except SlackApiError as error:
                # Not invited (warned once by the sync) or Slack failing: the other queues'
                # digests still go, and this one is tried again at the next check.
                log.info("slack.digest_waiting", queue=queue, error=error_name(error))
                continue
            await asyncio.to_thread(self.app.cases.mark_done, key)
