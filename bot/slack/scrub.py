"""Removes from Slack what retention removed from the database.

A purge stage puts the Slack copies of what it removes on a to-do list in its own
transaction (``storage.slack_posts``); this job works the list, in the process that holds the
card-sync lease. Each item is marked done only after Slack confirmed it, so a crash, a 5xx or
a network failure leaves it for the next pass (with backoff); a 429 waits ``Retry-After``.
Something already gone (``message_not_found``, ``file_not_found``…) counts as done, so a
repeated pass deletes nothing twice.

- ``message``: ``chat.delete`` of a recorded post (thread message, escalation);
- ``file``: ``files.delete`` of a recorded upload (a member's file, a member-data export),
  after ``chat.delete`` of the bot's message that shared it in the thread (it carries the
  upload's comment, e.g. the member's caption);
- ``thread``: ``conversations.replies``, then every reply of the bot's own still there (posted
  before posts were recorded, or lost to a crash right after posting) is deleted with its
  files. Staff's own replies stay: a bot token cannot delete them (see README, Retention);
- ``card``: ``chat.update`` to a stub that names only the case number (a deleted parent
  would leave staff's replies without their card).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import RateLimiter
from bot.slack.sync import error_name, paced_call
from storage import slack_posts
from storage.db import Database
from storage.models import SlackScrub
from storage.turns import Clock

log = structlog.get_logger(__name__)

# Nothing left to remove: the item is done.
GONE = frozenset(
    {"message_not_found", "file_not_found", "file_deleted", "thread_not_found", "channel_not_found"}
)
# Not the bot's to remove: done, with the reason kept on the item (e.g. a message someone
# else posted, recorded by mistake).
NOT_THE_BOTS = frozenset({"cant_delete_message", "cant_delete_file", "cant_update_message"})
PER_SECOND = 0.8  # chat.delete, files.delete, conversations.replies: Tier 3, ~50 a minute
MAX_BACKOFF = 3600.0
PAGE = 200


def stub_text(case_number: str) -> str:
    """What a purged case's card says: its number and nothing of the member's."""
    return f"{case_number} は保存期間が過ぎたため、この案件の内容を削除しました。"


class SlackScrubber:
    """``run`` loops until stopped; ``scrub_once`` is one pass (tests call it directly)."""

    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        clock: Clock,
        *,
        interval: float = 30.0,
        per_second: float = PER_SECOND,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self.interval = interval
        self.sleep = sleep
        self.limiter = RateLimiter(per_second, 0.0, sleep=sleep)
        self._me: tuple[str, str] | None = None  # the bot's user id and bot id
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the to-do list now (e.g. right after a purge in this process)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.scrub_once()
            except Exception:  # the database is away, or a bug: try again at the next pass
                log.exception("slack.scrub_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)

    async def scrub_once(self) -> int:
        """Work every item that is due, then forget what is done and needed no more (the
        list would otherwise grow with every case forever); returns how many were finished."""
        finished = 0
        while items := await asyncio.to_thread(slack_posts.due, self.db, self.clock()):
            progress = 0
            for item in items:
                if await self._work(item):
                    progress += 1
            finished += progress
            if progress < len(items):
                break  # the rest wait for their retry time
        await asyncio.to_thread(slack_posts.forget_done, self.db)
        return finished

    async def _work(self, item: SlackScrub) -> bool:
        assert item.id is not None
        note: str | None = None
        try:
            await self._do(item)
        except SlackApiError as error:
            name = error_name(error)
            if name in NOT_THE_BOTS:
                note = name
                log.warning("slack.scrub_not_ours", case=item.case_number, error=name)
            elif name not in GONE:
                await self._retry(item, name)
                return False
        except Exception as error:  # network, timeout: Slack may be away for a while
            await self._retry(item, type(error).__name__)
            return False
        await asyncio.to_thread(slack_posts.finish, self.db, item.id, self.clock(), note)
        log.info("slack.scrubbed", case=item.case_number, kind=item.kind)
        return True

    async def _retry(self, item: SlackScrub, error: str) -> None:
        assert item.id is not None
        delay = min(MAX_BACKOFF, 2.0 ** (item.attempts + 1))
        at = self.clock() + timedelta(seconds=delay)
        await asyncio.to_thread(slack_posts.retry_later, self.db, item.id, at, error)
        log.warning("slack.scrub_retry", case=item.case_number, error=error, delay=delay)

    async def _do(self, item: SlackScrub) -> None:
        if item.kind == slack_posts.MESSAGE:
            delete = self.client.chat_delete
            await self._call(item.channel, delete, channel=item.channel, ts=item.ref)
        elif item.kind == slack_posts.FILE:
            if item.thread_ts:
                try:
                    await self._clear_thread(item.channel, item.thread_ts, sharing=item.ref)
                except SlackApiError as error:
                    if error_name(error) not in GONE:  # no thread left: still the file
                        raise
            await self._call(item.channel, self.client.files_delete, file=item.ref)
        elif item.kind == slack_posts.THREAD:
            await self._clear_thread(item.channel, item.ref)
        elif item.kind == slack_posts.CARD:
            text = stub_text(item.case_number)
            await self._call(
                item.channel,
                self.client.chat_update,
                channel=item.channel,
                ts=item.ref,
                text=text,
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            )
        else:
            raise ValueError(f"unknown scrub item kind {item.kind!r}")

    async def _clear_thread(self, channel: str, ts: str, *, sharing: str | None = None) -> None:
        """Delete every reply of the bot's own in the thread, with the files it shared; with
        ``sharing``, only the replies that shared that file (the file itself is the caller's)."""
        user_id, bot_id = await self._identity()
        replies: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:  # every page first: deleting while paging would shift the pages
            page = await self._call(
                channel,
                self.client.conversations_replies,
                channel=channel,
                ts=ts,
                limit=PAGE,
                cursor=cursor,
            )
            replies += [m for m in page.get("messages") or [] if m.get("ts") != ts]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        for message in replies:
            if message.get("user") != user_id and message.get("bot_id") != bot_id:
                continue  # staff's own reply: not the bot's to delete
            files = [shared["id"] for shared in message.get("files") or []]
            if sharing is not None:
                if sharing in files:
                    await self._unless_gone(
                        channel, self.client.chat_delete, channel=channel, ts=message["ts"]
                    )
                continue
            for file_id in files:
                await self._unless_gone(channel, self.client.files_delete, file=file_id)
            await self._unless_gone(
                channel, self.client.chat_delete, channel=channel, ts=message["ts"]
            )

    async def _identity(self) -> tuple[str, str]:
        if self._me is None:
            answer = await self.client.auth_test()
            self._me = (str(answer["user_id"]), str(answer.get("bot_id") or ""))
        return self._me

    async def _unless_gone(
        self, pace: str, method: Callable[..., Awaitable[Any]], /, **kwargs: Any
    ) -> None:
        try:
            await self._call(pace, method, **kwargs)
        except SlackApiError as error:
            if error_name(error) not in GONE:
                raise

    async def _call(
        self, pace: str, method: Callable[..., Awaitable[Any]], /, **kwargs: Any
    ) -> Any:
        return await paced_call(self.limiter, self.sleep, pace, method, **kwargs)
