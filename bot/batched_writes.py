"""Small writes that many tasks make at once, made together: one transaction for a batch.

While one batch is on the database thread, what is handed in waits and then goes as the next;
nothing waits for a timer, so a lone write goes at once. Each caller returns once the write
that holds its items has committed, or gets that write's exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from storage.db import Database

T = TypeVar("T")


class BatchedWrites(Generic[T]):
    """Calls ``write(items)`` on the database thread with everything handed in meanwhile."""

    def __init__(self, db: Database, write: Callable[[list[T]], object]) -> None:
        self.db = db
        self.write = write
        self._waiting: list[tuple[Sequence[T], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, items: Sequence[T]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((items, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.db.run(self.write, [item for items, _ in batch for item in items])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
