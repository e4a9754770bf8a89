"""Sending outbox rows on LINE: a free reply while a reply token lives, a push otherwise.

A reply token comes with each of the member's events, may be used once, and lives about a
minute; the tokens of a chat's recent events are kept here (in memory) and the oldest still
fresh answers next. Without one the rows go as a push, which counts against the month's quota
and carries an ``X-Line-Retry-Key``: a push retried after a lost answer is refused by LINE
with 409 instead of reaching the member twice, and counts as sent.

LINE's answers map onto the outbox's: 429 waits (the month's quota: long, and said on the
member's cases), 5xx and network errors are retried, 403 means the member blocked the account.
A 400 means the desk built something LINE refuses (a bug): the row is kept and retried late,
with the ids and LINE's reason logged, never dropped.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

import structlog
from linebot.v3.messaging import PushMessageRequest, ReplyMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from bot.channels.line import CHANNEL, messages
from bot.channels.line.api import NETWORK_ERRORS, LineApi, header, refusal
from bot.channels.line.quota import QuotaWatch
from bot.dispatch import TemporaryFailure, Unreachable
from storage import line_quota, reachability
from storage.db import Database
from storage.models import OutboxMessage
from storage.turns import Clock

log = structlog.get_logger(__name__)
# LINE asks that a reply token be used within about a minute (often less in practice).
REPLY_TOKEN_LIFE = 50.0
TOKENS_KEPT = 10  # per chat: a member sending faster than they are answered
QUOTA_RETRY_SECONDS = 3600.0  # a push refused for the month's quota: try again hourly
RATE_RETRY_SECONDS = 1.0  # LINE's 429 for the rate carries no Retry-After
REFUSED_RETRY_SECONDS = 3600.0  # a 400 or 401: a bug or a configuration to fix first
_MONTHLY_LIMIT = "monthly limit"  # in LINE's message for a push over the month's quota


class ReplyTokens:
    """Each chat's unused reply tokens with their arrival time (``now``'s seconds)."""

    def __init__(self, now: Callable[[], float] = time.time, life: float = REPLY_TOKEN_LIFE):
        self.now = now
        self.life = life
        self._tokens: dict[str, deque[tuple[str, float]]] = defaultdict(deque)

    def add(self, chat_id: str, token: str, at: float) -> None:
        kept = self._tokens[chat_id]
        kept.append((token, at))
        while len(kept) > TOKENS_KEPT:
            kept.popleft()

    def take(self, chat_id: str) -> tuple[str, float] | None:
        """The oldest token still fresh, removed (single use); expired ones are forgotten."""
        kept = self._tokens.get(chat_id)
        now = self.now()
        while kept:
            token, at = kept.popleft()
            if now - at < self.life:
                if not kept:
                    del self._tokens[chat_id]
                return token, at
        self._tokens.pop(chat_id, None)
        return None

    def prune(self) -> None:
        """Forget the expired tokens of every chat (members who wrote and got no answer)."""
        now = self.now()
        for chat_id in list(self._tokens):
            kept = deque((t, at) for t, at in self._tokens[chat_id] if now - at < self.life)
            if kept:
                self._tokens[chat_id] = kept
            else:
                del self._tokens[chat_id]

    def give_back(self, chat_id: str, token: str, at: float) -> None:
        """A token LINE did not use (its answer was a rate limit), first in line again."""
        self._tokens[chat_id].appendleft((token, at))


class LineSender:
    """Sends one chat's rows (at most five at a time, all or none) as replies or pushes."""

    def __init__(
        self,
        api: LineApi,
        db: Database,
        clock: Clock,
        quota: QuotaWatch,
        tokens: ReplyTokens,
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.quota = quota
        self.tokens = tokens

    async def send(self, rows: Sequence[OutboxMessage]) -> None:
        """Every row, in order. They normally make one call; a row whose numbered choices
        took it past 5,000 units makes more, and if a later call fails the earlier ones go
        again with the rows' retry: doubled, never lost."""
        if not rows:
            return
        chat_id = rows[0].chat_id
        for index, batch in enumerate(messages.calls(messages.text_messages(rows))):
            await self._call(rows, chat_id, batch, messages.retry_key(rows, index))

    async def _call(
        self,
        rows: Sequence[OutboxMessage],
        chat_id: str,
        batch: list[TextMessage],
        retry_key: str,
    ) -> None:
        held = self.tokens.take(chat_id)
        if held is not None:
            token, at = held
            try:
                await self.api.messaging.reply_message(
                    ReplyMessageRequest(reply_token=token, messages=batch),
                    _request_timeout=self.api.timeout,
                )
            except ApiException as error:
                if error.status == 429 and _MONTHLY_LIMIT not in refusal(error).lower():
                    self.tokens.give_back(chat_id, token, at)
                if error.status != 400:
                    raise await self._failure(error, rows) from error
                # Expired, used or unknown: the push below carries the rows instead.
                log.info("line.reply_refused", outbox=_ids(rows), reason=refusal(error))
            except NETWORK_ERRORS as error:
                raise TemporaryFailure(type(error).__name__) from error
            else:
                log.info("line.replied", outbox=_ids(rows))
                return
        await self._push(rows, chat_id, batch, retry_key)

    async def _push(
        self,
        rows: Sequence[OutboxMessage],
        chat_id: str,
        batch: list[TextMessage],
        retry_key: str,
    ) -> None:
        if not await self.db.run(reachability.reachable, self.db, CHANNEL, chat_id):
            # They blocked the account (unfollow): a push would reach nobody and may still
            # count. What waits goes out when they come back (TurnStore releases it).
            raise Unreachable("line_unfollowed")
        try:
            await self.api.messaging.push_message(
                PushMessageRequest(to=chat_id, messages=batch),
                x_line_retry_key=retry_key,
                _request_timeout=self.api.timeout,
            )
        except ApiException as error:
            if error.status != 409:
                raise await self._failure(error, rows) from error
            # The same retry key was accepted before (its answer never reached us): sent.
            log.info(
                "line.push_already_accepted",
                outbox=_ids(rows),
                request=header(error, "x-line-accepted-request-id"),
            )
        except NETWORK_ERRORS as error:
            raise TemporaryFailure(type(error).__name__) from error
        else:
            log.info("line.pushed", outbox=_ids(rows))
        await self.quota.counted()

    async def _failure(
        self, error: ApiException, rows: Sequence[OutboxMessage]
    ) -> TemporaryFailure | Unreachable:
        """What LINE's refusal means for the rows (see the module docstring)."""
        status = int(error.status or 0)
        reason = refusal(error)
        if status == 429 and _MONTHLY_LIMIT in reason.lower():
            noted = await self.db.run(
                line_quota.note_quota_wait, self.db, CHANNEL, rows[0].chat_id, self.clock()
            )
            if noted:
                log.warning("line.quota_exhausted", outbox=_ids(rows))
            return TemporaryFailure(line_quota.QUOTA_WAIT, retry_after=QUOTA_RETRY_SECONDS)
        if status == 429:
            return TemporaryFailure("429", retry_after=RATE_RETRY_SECONDS)
        if status in (403, 404):
            return Unreachable(f"line_{status}")
        if status in (400, 401):
            # Ids and LINE's reason only (it names a property, never the text).
            log.error("line.send_refused", status=status, outbox=_ids(rows), reason=reason)
            return TemporaryFailure(f"line_{status}", retry_after=REFUSED_RETRY_SECONDS)
        return TemporaryFailure(f"line_{status}")


def _ids(rows: Sequence[OutboxMessage]) -> list[int | None]:
    return [row.id for row in rows]
