"""The month's pushes against LINE's quota: counted as LINE accepts them, warned about once a
month when a share of the quota is used (``LINE_QUOTA_WARN_SHARE`` of ``LINE_MONTHLY_QUOTA``,
or of the quota LINE reports), and shown to operators and staff (``usage``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from linebot.v3.messaging.exceptions import ApiException

from bot.channels.line.api import NETWORK_ERRORS, LineApi
from storage import line_quota
from storage.db import Database
from storage.turns import Clock

log = structlog.get_logger(__name__)
QUOTA_REFRESH_SECONDS = 3600.0  # LINE's figure changes with the plan, rarely


@dataclass(frozen=True)
class Usage:
    """The month's pushes, and the quota when known (``None``: unknown or unlimited)."""

    month: str
    pushes: int
    quota: int | None
    warn_share: float
    warned: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "pushes": self.pushes,
            "quota": self.quota,
            "warn_share": self.warn_share,
            "warned": self.warned,
        }


class QuotaWatch:
    """Counts each accepted push and warns once a month past the share."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        api: LineApi,
        *,
        monthly_quota: int | None,
        warn_share: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.api = api
        self.configured = monthly_quota
        self.warn_share = warn_share
        self.monotonic = monotonic
        self._asked: tuple[float, int | None] | None = None  # when LINE was asked, its answer

    async def counted(self) -> None:
        """A push was accepted: count it, and warn if it passed the share."""
        pushes = await self.db.run(line_quota.count_push, self.db, self.clock())
        quota = await self.quota()
        if not quota or pushes < self.warn_share * quota:
            return
        if await self.db.run(line_quota.first_warning, self.db, self.clock()):
            log.warning(
                "line.quota_warning",
                month=line_quota.month_of(self.clock()),
                pushes=pushes,
                quota=quota,
                share=self.warn_share,
            )

    async def quota(self) -> int | None:
        """The month's quota: the setting, or what LINE says (asked at most hourly)."""
        if self.configured is not None:
            return self.configured
        now = self.monotonic()
        if self._asked is not None and now - self._asked[0] < QUOTA_REFRESH_SECONDS:
            return self._asked[1]
        value: int | None = None
        try:
            answer = await self.api.messaging.get_message_quota(_request_timeout=self.api.timeout)
            if answer.type == "limited" and answer.value is not None:
                value = int(answer.value)
        except (ApiException, *NETWORK_ERRORS) as error:
            log.info("line.quota_unknown", error=type(error).__name__)
            return self._asked[1] if self._asked else None
        self._asked = (now, value)
        return value

    async def usage(self) -> Usage:
        """The month so far, for ``/healthz`` and App Home."""
        counted = await self.db.run(line_quota.push_usage, self.db, self.clock())
        return Usage(
            counted.month, counted.pushes, await self.quota(), self.warn_share, counted.warned
        )
