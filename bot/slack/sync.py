"""Mirrors cases into Slack: one card per case in its queue's channel, the history in its thread.

Everything staff see in Slack is derived from stored cases and their append-only events, so
nothing has to be "sent" at the moment of a change: the worker notices cases whose card or
thread is behind (``CaseCard.event_cursor``), posts what is missing in order, and records each
step as it goes. A crash repeats at most the one post in flight; a 429 waits out Retry-After;
any other failure is retried with backoff. Nothing is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, func, select

from bot.config import SlackDeployment
from bot.delivery import RateLimiter
from bot.escaping import for_slack
from bot.metrics import SLACK_CARDS_FAILING
from bot.slack import blocks, files
from bot.slack.line_pushes import LinePushes
from bot.staff.transcript_view import StaffTranscript
from flows.engine import Engine
from flows.profiles import OrgProfile
from storage import slack_posts
from storage.db import Database
from storage.intake import waiting as paper_notices_waiting
from storage.models import (
    Attachment,
    Case,
    CaseCard,
    CaseEvent,
    ProcessedUpdate,
    TranscriptLine,
)
from storage.turns import Clock, case_lines

log = structlog.get_logger(__name__)

PER_CHANNEL_INTERVAL = 1.0  # Slack allows about one message a second per channel
GLOBAL_PER_SECOND = 20.0
MAX_BACKOFF = 300.0
# Events a new thread shows after the intake (the card and the transcript show the rest); a
# transfer's note is for the queue that receives the case, so it starts the new thread too, and
# a withdrawal the member made before the card was posted is said in the thread.
_AFTER_INTAKE = frozenset(
    {
        "created",  # said only of a request staff entered (route, arrival, documents)
        "reminder",
        "escalated",
        "member_unreachable",
        "delivery_waiting",
        "note",
        "transferred",
        "withdrawn",
        "complaint",
    }
)
INTAKE_PENDING = -1  # a card posted whose thread intake is not yet complete
# What Slack answers for a post where the bot was not invited: a public channel says so, a
# private one the bot cannot even see. The posts wait (retried with backoff) until it is.
NOT_INVITED = frozenset({"not_in_channel", "channel_not_found"})


@dataclass
class _CaseState:
    """Everything needed to bring one case's Slack presence up to date."""

    case: Case
    card: CaseCard | None
    events: list[CaseEvent]
    transcript: list[TranscriptLine] = field(default_factory=list)
    files: list[CaseEvent] = field(default_factory=list)  # all attachment events, for intake


# How many of the newest case events may still be committing when the card sync looks.
_IN_FLIGHT_EVENTS = 200


class CardSync:
    """The worker; ``wake()`` after a change in this process, a timer catches the rest."""

    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        config: SlackDeployment,
        orgs: Mapping[str, OrgProfile],
        clock: Clock,
        *,
        interval: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        queue_names: Mapping[str, str] | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.config = config
        self.orgs = orgs
        self.clock = clock
        self.interval = interval
        self.sleep = sleep
        self.limiter = RateLimiter(GLOBAL_PER_SECOND, PER_CHANNEL_INTERVAL, sleep=sleep)
        # Every queue's name (a deployment may give an org more than its profile's one).
        self.queue_names = {org.queue.id: org.queue.name.ja for org in orgs.values()}
        self.queue_names.update(queue_names or {})
        # The thread shows the chat as ``madoguchi staff show`` does (choice lists short).
        self.transcript_view = StaffTranscript.of(Engine(orgs).menu_options())
        # Set where LINE is served: its quota warning is posted once a month.
        self.line_pushes: LinePushes | None = None
        self._wake = asyncio.Event()
        self._watermark = 0  # every event up to here is mirrored (or needs no mirroring)
        self._failures: dict[int, tuple[int, float]] = {}  # case id → (count, retry at)
        self._channel_locks: dict[str, asyncio.Lock] = {}
        self._not_invited: set[str] = set()  # channels warned about (once each, until a post)
        self._quota_failures = (0, 0.0)  # the LINE quota post: (failures, retry at), as cards

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the pass, not after: a wake-up during a long pass (a new card
            # and its thread) asks for another one, and must not be lost.
            self._wake.clear()
            try:
                await self.sync_once()
            except Exception:
                log.exception("slack.sync_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)

    async def sync_once(self) -> None:
        """Bring every case with unmirrored events (or no card yet) up to date."""
        pending, newest = await asyncio.to_thread(self._pending_cases)
        now = time.monotonic()
        due = [case_id for case_id in pending if self._failures.get(case_id, (0, 0.0))[1] <= now]
        results = await asyncio.gather(*(self._sync_case(case_id) for case_id in due))
        if all(results) and len(due) == len(pending):
            self._watermark = max(self._watermark, newest)
        SLACK_CARDS_FAILING.set(len(self._failures))
        if self.line_pushes is not None:
            await self._warn_of_line_quota(self.line_pushes)

    async def _warn_of_line_quota(self, pushes: LinePushes) -> None:
        """LINE's quota warning in the supervisors' channel, once a month (``line_pushes``)."""
        channel = self.config.supervisors_channel
        failures, retry_at = self._quota_failures
        if not channel or time.monotonic() < retry_at:
            return
        usage = await asyncio.to_thread(pushes.to_warn)
        if usage is None:
            return
        try:
            await self.post(channel, text=pushes.warning_text(usage))
        except SlackApiError:
            # Not invited (warned once by _call) or Slack failing: again later, with the same
            # backoff as a card, not at every pass (about once a second).
            delay = min(MAX_BACKOFF, 2.0 ** (failures + 1))
            self._quota_failures = (failures + 1, time.monotonic() + delay)
            return
        self._quota_failures = (0, 0.0)
        await asyncio.to_thread(pushes.warned, usage)

    # ------------------------------------------------------------------ reading

    def _pending_cases(self) -> tuple[list[int], int]:
        with self.db.transaction() as session:
            rows = session.exec(
                select(CaseEvent.case_id, func.max(CaseEvent.id))
                .where(col(CaseEvent.id) > self._watermark)
                .group_by(col(CaseEvent.case_id))
            ).all()
            if not rows:
                return [], self._watermark
            cursors = dict(
                session.exec(
                    select(CaseCard.case_id, CaseCard.event_cursor).where(
                        col(CaseCard.case_id).in_([case_id for case_id, _ in rows])
                    )
                ).all()
            )
        pending = [case_id for case_id, last in rows if cursors.get(case_id, -1) < (last or 0)]
        newest = max(last or 0 for _, last in rows)
        if self.db.dialect != "sqlite":
            # Several processes write events and ids may commit out of order: an event with
            # a lower id can still be in flight. Rescan the last few; the cursors skip what
            # is already mirrored.
            newest = max(self._watermark, newest - _IN_FLIGHT_EVENTS)
        return sorted(pending), newest

    def _load(self, case_id: int) -> _CaseState:
        with self.db.transaction() as session:
            case = session.get(Case, case_id)
            assert case is not None
            card = session.get(CaseCard, case_id)
            cursor = max(card.event_cursor, 0) if card else 0
            events = list(
                session.exec(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == case_id, col(CaseEvent.id) > cursor)
                    .order_by(col(CaseEvent.id))
                ).all()
            )
            state = _CaseState(case, card, events)
            if card is None or card.event_cursor < 0 or card.channel != self._channel_for(case):
                state.transcript = list(
                    session.exec(
                        select(TranscriptLine)
                        .where(case_lines(case))
                        .order_by(col(TranscriptLine.id))
                    ).all()
                )
                state.files = list(
                    session.exec(
                        select(CaseEvent)
                        .where(CaseEvent.case_id == case_id, CaseEvent.kind == "attachment")
                        .order_by(col(CaseEvent.id))
                    ).all()
                )
            return state

    def _attachment(self, attachment_id: int) -> tuple[Attachment, int] | None:
        """The file and its place among its case's files (1-based, as received)."""
        with self.db.transaction() as session:
            attachment = session.get(Attachment, attachment_id)
            if attachment is None:
                return None
            earlier = session.exec(
                select(func.count())
                .select_from(Attachment)
                .where(
                    Attachment.case_id == attachment.case_id,
                    col(Attachment.id) <= attachment_id,
                )
            ).one()
            return attachment, int(earlier)

    def _channel_for(self, case: Case) -> str | None:
        queue = self.config.queues.get(case.queue)
        return queue.channel if queue else None

    # ------------------------------------------------------------------ writing

    def _save_card(self, card: CaseCard) -> None:
        card.updated_at = self.clock()
        with self.db.transaction() as session:
            session.merge(card)

    async def _sync_case(self, case_id: int) -> bool:
        try:
            await self._bring_up_to_date(case_id)
        except (SlackApiError, OSError, TimeoutError) as error:
            count = self._failures.get(case_id, (0, 0.0))[0] + 1
            delay = min(MAX_BACKOFF, 2.0**count)
            self._failures[case_id] = (count, time.monotonic() + delay)
            name = error_name(error)
            # Not invited: said once per channel by _call; each case's retry is routine.
            retry_log = log.info if name in NOT_INVITED else log.warning
            retry_log("slack.case_sync_retry", case=case_id, error=name, delay=delay)
            return False
        self._failures.pop(case_id, None)
        return True

    async def _bring_up_to_date(self, case_id: int) -> None:
        state = await asyncio.to_thread(self._load, case_id)
        case, card = state.case, state.card
        assert case.id is not None
        channel = self._channel_for(case)
        if channel is None:
            return  # this queue is not worked in Slack
        last_event = state.events[-1].id if state.events else (card.event_cursor if card else 0)
        if card is not None and card.channel != channel:
            # Recorded again here for cards posted before posts were recorded: once moved,
            # the card row forgets it, and retention must still find its thread.
            await self._remember(case.id, card.channel, slack_posts.CARD, card.ref)
            for event in state.events:  # the history so far stays with the old thread
                await self._mirror(card, case, event)
            moved = blocks.moved_card(case, self.queue_names.get(case.queue, case.queue))
            await self._update_card(card, case, moved)
            card = None
        if card is None:
            card = await self._post_card(case, channel)
        if card.event_cursor < 0:
            # The intake is re-posted if a crash interrupted it: doubled rather than lost.
            await self._post_intake(card, case, state)
            card.event_cursor = last_event or 0
            await asyncio.to_thread(self._save_card, card)
        else:
            for event in state.events:
                await self._mirror(card, case, event)
                assert event.id is not None
                card.event_cursor = event.id
                await asyncio.to_thread(self._save_card, card)
        await self._refresh_card(case, card)

    async def _post_card(self, case: Case, channel: str) -> CaseCard:
        """A new card; recorded at once (cursor -1: intake pending) so it is never re-posted."""
        rendered = self._render(case)
        answer = await self._call(
            channel,
            self.client.chat_postMessage,
            channel=channel,
            text=blocks.card_text(case),
            blocks=rendered,
        )
        assert case.id is not None
        await self._remember(case.id, channel, slack_posts.CARD, str(answer["ts"]))
        card = CaseCard(
            case_id=case.id,
            channel=channel,
            ref=str(answer["ts"]),
            fingerprint=blocks.card_fingerprint(rendered),
            event_cursor=INTAKE_PENDING,
            updated_at=self.clock(),
        )
        await asyncio.to_thread(self._save_card, card)
        return card

    async def _post_intake(self, card: CaseCard, case: Case, state: _CaseState) -> None:
        """The thread's start: the whole intake with identity fields, the chat, any files."""
        for text in blocks.intake_text(case, state.transcript, self.transcript_view):
            await self._thread_post(card, text)
        for event in state.files:  # every file of the case, also after a transfer
            await self._upload(card, case, event)
        for event in state.events:
            if event.kind in _AFTER_INTAKE:
                await self._mirror(card, case, event)

    async def _mirror(self, card: CaseCard, case: Case, event: CaseEvent) -> None:
        if event.kind == "attachment":
            await self._upload(card, case, event)
            return
        # The supervisors' notice first and once per event: a retry after a failure in either
        # channel (say the bot was not invited to one) repeats neither post.
        await self._notify_supervisors(card, case, event)
        text = blocks.event_text(event, self.queue_names)
        if text:
            await self._thread_post(card, text)

    async def _notify_supervisors(self, card: CaseCard, case: Case, event: CaseEvent) -> None:
        if event.kind not in ("escalated", "complaint") or not self.config.supervisors_channel:
            return
        key = f"slack:supervisors:{event.id}"
        if await asyncio.to_thread(self._notified, key):
            return
        if event.kind == "escalated":
            await self._tell_supervisors(
                card,
                f":rotating_light: {case.number} の回答期限"
                f"（{for_slack(str(event.data.get('due', '')))}）を"
                "過ぎました。窓口のチャンネルのカードをご確認ください。",
            )
        if event.kind == "complaint":
            # The case number only: the member's words stay in the case's thread.
            await self._tell_supervisors(
                card,
                f":exclamation: {case.number} に会員からご不満のご連絡がありました"
                "（対応の遅れ・お断り・担当者の対応など）。窓口のチャンネルのカードをご確認ください。",
            )
        await asyncio.to_thread(self._mark_notified, key)

    def _notified(self, key: str) -> bool:
        with self.db.transaction() as session:
            return session.get(ProcessedUpdate, key) is not None

    def _mark_notified(self, key: str) -> None:
        with self.db.transaction() as session:
            if session.get(ProcessedUpdate, key) is None:
                session.add(ProcessedUpdate(key=key, created_at=self.clock()))

    async def _tell_supervisors(self, card: CaseCard, text: str) -> None:
        """A post in the supervisors' channel, if one is configured; recorded for retention."""
        channel = self.config.supervisors_channel
        if not channel:
            return
        answer = await self._call(channel, self.client.chat_postMessage, channel=channel, text=text)
        await self._remember(card.case_id, channel, slack_posts.MESSAGE, str(answer["ts"]))

    async def _refresh_card(self, case: Case, card: CaseCard) -> None:
        """Re-render the card from the case as loaded; a later change has events of its own
        and brings the card up to date on the next pass."""
        rendered = self._render(case)
        fingerprint = blocks.card_fingerprint(rendered)
        if fingerprint == card.fingerprint:
            return
        await self._update_card(card, case, rendered)
        card.fingerprint = fingerprint
        await asyncio.to_thread(self._save_card, card)

    async def _update_card(self, card: CaseCard, case: Case, rendered: list[blocks.Block]) -> None:
        await self._call(
            card.channel,
            self.client.chat_update,
            channel=card.channel,
            ts=card.ref,
            text=blocks.card_text(case),
            blocks=rendered,
        )

    def _render(self, case: Case) -> list[blocks.Block]:
        return blocks.case_card(
            case,
            self.orgs[case.org_id],
            self.clock(),
            self.queue_names,
            paper_notices=paper_notices_waiting(self.db, case),
        )

    async def _thread_post(self, card: CaseCard, text: str) -> None:
        """Composed mrkdwn into the thread, in as many sections and posts as it needs; each
        post is recorded for retention as soon as Slack has it."""
        for post in blocks.posts(text):
            answer = await self._call(
                card.channel,
                self.client.chat_postMessage,
                channel=card.channel,
                thread_ts=card.ref,
                text=post.text,
                blocks=post.blocks,
            )
            await self._remember(
                card.case_id,
                card.channel,
                slack_posts.MESSAGE,
                str(answer["ts"]),
                thread_ts=card.ref,
            )

    async def _upload(self, card: CaseCard, case: Case, event: CaseEvent) -> None:
        found = await asyncio.to_thread(self._attachment, int(event.data["attachment_id"]))
        if found is None:
            return
        attachment, index = found
        name = files.upload_name(case.number, index, attachment.mime)
        comment = f":paperclip: 会員からのファイル（sha256 {attachment.sha256[:16]}…）"
        comment += files.original_name_line(attachment.name)
        if attachment.caption:
            comment += f"\n添え書き：{for_slack(attachment.caption)}"
        await self.upload(card, attachment.data, name, comment, attachment_id=attachment.id)

    def card_of(self, case_id: int) -> CaseCard | None:
        """Where the case's card (and so its thread) is, if it has been posted."""
        with self.db.transaction() as session:
            return session.get(CaseCard, case_id)

    async def upload(
        self,
        card: CaseCard,
        data: bytes,
        filename: str,
        comment: str,
        *,
        attachment_id: int | None = None,
    ) -> None:
        """A file into the case's thread (a member's attachment, or an export staff asked for),
        paced like posts; ``attachment_id`` ties the post to the stored file for retention."""
        answer = await self._call(
            card.channel,
            self.client.files_upload_v2,
            channel=card.channel,
            thread_ts=card.ref,
            file=data,
            filename=filename,
            title=filename,
            initial_comment=comment,
        )
        await self._remember_files(card, answer, attachment_id=attachment_id)

    async def _remember(
        self,
        case_id: int,
        channel: str,
        kind: str,
        ref: str,
        *,
        thread_ts: str | None = None,
        attachment_id: int | None = None,
    ) -> None:
        """Where a post of this case is, so retention can remove it (``storage.slack_posts``)."""
        await asyncio.to_thread(
            slack_posts.record_post,
            self.db,
            case_id,
            channel,
            kind,
            ref,
            self.clock(),
            thread_ts=thread_ts,
            attachment_id=attachment_id,
        )

    async def _remember_files(
        self, card: CaseCard, answer: Any, *, attachment_id: int | None = None
    ) -> None:
        """The files of an upload; a member's file (``attachment_id``) goes from Slack with
        the attachments stage, anything else with the transcript."""
        for uploaded in answer.get("files") or []:
            await self._remember(
                card.case_id,
                card.channel,
                slack_posts.FILE,
                str(uploaded["id"]),
                thread_ts=card.ref,
                attachment_id=attachment_id,
            )

    async def post(self, channel: str, **kwargs: Any) -> Any:
        """A plain post (digests), under the same pacing and retry rules."""
        return await self._call(channel, self.client.chat_postMessage, channel=channel, **kwargs)

    async def _call(
        self, pace: str, method: Callable[..., Awaitable[Any]], /, **kwargs: Any
    ) -> Any:
        """One Web API call, paced per channel (``pace``); a 429 waits Retry-After and retries."""
        lock = self._channel_locks.setdefault(pace, asyncio.Lock())
        async with lock:
            try:
                answer = await paced_call(self.limiter, self.sleep, pace, method, **kwargs)
            except SlackApiError as error:
                if error_name(error) in NOT_INVITED:
                    self._warn_not_invited(pace, error_name(error))
                raise
        self._not_invited.discard(pace)
        return answer

    def _warn_not_invited(self, channel: str, error: str) -> None:
        """Once per channel (again only after a post there worked): what is wrong and the fix.
        The posts for that channel wait and are retried; nothing is dropped."""
        if channel in self._not_invited:
            return
        self._not_invited.add(channel)
        log.warning(
            "slack.not_invited",
            channel=channel,
            error=error,
            fix=f"invite the bot: type /invite @madoguchi in the channel whose id is {channel} "
            "(shown at the bottom of the channel's details); its posts wait until then",
        )


async def paced_call(
    limiter: RateLimiter,
    sleep: Callable[[float], Awaitable[None]],
    pace: str,
    method: Callable[..., Awaitable[Any]],
    /,
    **kwargs: Any,
) -> Any:
    """One Web API call under ``limiter``'s pace for ``pace``; a 429 waits its Retry-After and
    tries again, as Slack asks. Shared by the card sync and the retention scrub."""
    while True:
        await limiter.acquire(pace)
        try:
            return await method(**kwargs)
        except SlackApiError as error:
            if error.response.status_code != 429:
                raise
            wait = float(error.response.headers.get("Retry-After", "1") or 1)
            log.info("slack.rate_limited", wait=wait)
            await sleep(wait)


def error_name(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return type(error).__name__
