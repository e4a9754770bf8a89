"""Group commit: the turns waiting at the same moment share one transaction and one fsync.

Under a burst most of a turn's database cost is per transaction: taking the write lock, the
commit, the fsync, and the hop to the database thread and back. While one batch is on the
database thread, the turns that arrive queue here; when it is done, all of them go as the next
batch (``TurnStore.process_many``: one savepoint per turn, one commit). Nothing waits for a
timer: a lone turn goes at once, as before, and batches grow only as the load does.

Each caller gets its own turn's outcome (or its exception) only after the batch's commit, so
no event is acknowledged before its effects are durable. One chat's turns never share a
batch: the runner holds the chat's lock until its turn is back.
"""

from __future__ import annotations

import asyncio

from bot.app import App
from flows.messages import Inbound
from storage.turns import TurnOutcome

# Turns per transaction at most: enough to share the commit among many, few enough that the
# first in a batch does not wait long behind the others' work.
MOST_PER_BATCH = 64


class TurnBatches:
    """Runs turns on the database thread, several chats' at a time."""

    def __init__(self, app: App, *, most: int = MOST_PER_BATCH) -> None:
        self.app = app  # its turn store is looked up per batch: tests wrap it after start-up
        self.most = most
        self._waiting: list[tuple[Inbound, asyncio.Future[TurnOutcome]]] = []
        self._draining: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Turns queued for the next batch."""
        return len(self._waiting)

    async def run(self, inbound: Inbound) -> TurnOutcome:
        """The turn's outcome once it is committed; its exception if it raised."""
        future: asyncio.Future[TurnOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((inbound, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.most], self._waiting[self.most :]
            inbounds = [inbound for inbound, _future in batch]
            try:
                results = await self.app.db.run(self.app.turns.process_many, inbounds)
            except Exception as error:  # the whole batch failed to commit: nothing of it is
                # stored, and each caller handles it as its own turn's failure
                for _inbound, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_inbound, future), result in zip(batch, results, strict=True):
                if future.done():  # its caller gave up waiting; the turn is stored anyway
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
