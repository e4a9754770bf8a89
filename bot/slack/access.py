"""Who may act on which queue, and who is a supervisor, from the deployment's ``[slack]``.

User groups are looked up with ``usergroups.users.list`` and cached for a few minutes, so a
click does not wait on Slack twice; a failed lookup grants nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackDeployment
from storage.staff import StaffActor

log = structlog.get_logger(__name__)
GROUP_CACHE_SECONDS = 300.0


class Access:
    def __init__(
        self,
        config: SlackDeployment,
        client: AsyncWebClient,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client
        self.monotonic = monotonic
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    async def _members(self, group: str) -> frozenset[str]:
        cached = self._groups.get(group)
        if cached and self.monotonic() - cached[0] < GROUP_CACHE_SECONDS:
            return cached[1]
        try:
            answer = await self.client.usergroups_users_list(usergroup=group)
            users = frozenset(str(u) for u in answer.get("users") or [])
        except SlackApiError as error:
            log.warning("slack.usergroup_lookup_failed", error=str(error.response.get("error")))
            return cached[1] if cached else frozenset()
        self._groups[group] = (self.monotonic(), users)
        return users

    async def _in(self, user: str, users: list[str], groups: list[str]) -> bool:
        if user in users:
            return True
        for group in groups:
            if user in await self._members(group):
                return True
        return False

    async def is_supervisor(self, user: str) -> bool:
        return await self._in(user, self.config.supervisors, self.config.supervisor_groups)

    async def may_act(self, user: str, queue: str) -> bool:
        """Staff of the case's queue, or a supervisor."""
        if await self.is_supervisor(user):
            return True
        settings = self.config.queues.get(queue)
        return settings is not None and await self._in(user, settings.staff, settings.staff_groups)

    async def actor(self, user: str) -> StaffActor:
        """The user as the case service knows staff: their queues and whether a supervisor,
        looked up once per interaction (groups from the cache); the service decides."""
        supervisor = await self.is_supervisor(user)
        return StaffActor.slack(user, await self.queues_of(user), supervisor=supervisor)

    async def queues_of(self, user: str) -> list[str]:
        """The queues whose cases this user may see and act on."""
        if await self.is_supervisor(user):
            return list(self.config.queues)
        return [q for q in self.config.queues if await self.may_act(user, q)]
