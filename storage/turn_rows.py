"""The common turn's rows, written with SQLAlchemy Core rather than ORM objects.

Most turns are an answer in a flow: read the chat's state, remember the update's key, add the
member's line and the desk's answer to the transcript and the outbox, store the new state.
Through the ORM that is about a millisecond of CPU (building SQLModel objects, the unit of work
sorting them, identity-map bookkeeping), more than the engine's turn itself; as plain
statements it is a fraction of that (BENCHMARKS.md, "where the time goes"). The rarer turns
(a new member, a case filed, a file, a withdrawal) still go through ``storage.turns``' ORM
path, in the same transaction.

The column types are the models' own, so encryption and UTC handling are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import (
    PRIORITY_ANSWER,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
    TranscriptLine,
)

_CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_LINES = TranscriptLine.__table__  # type: ignore[attr-defined]
_KEYS = ProcessedUpdate.__table__  # type: ignore[attr-defined]

# Built once: building a statement and its cache key costs more than running it.
_FIND = (
    select(_CONVERSATION.c.id, _CONVERSATION.c.state, _CONVERSATION.c.reachable)
    .where(
        _CONVERSATION.c.channel == bindparam("channel"),
        _CONVERSATION.c.chat_id == bindparam("chat_id"),
    )
    .with_for_update()
)
_CLAIM = {
    # RETURNING, not rowcount: psycopg reports no row count for a skipped insert (-1).
    "postgresql": postgresql.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.key),
    "sqlite": sqlite.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.key),
}
_ADD_CONVERSATION = insert(_CONVERSATION).returning(_CONVERSATION.c.id)
_ADD_LINES = insert(_LINES)
_ADD_OUTBOX = insert(_OUTBOX)
_STORE_STATE = (
    update(_CONVERSATION)
    .where(_CONVERSATION.c.id == bindparam("conversation_id"))
    .values(state=bindparam("state"), updated_at=bindparam("updated_at"))
)


@dataclass(frozen=True)
class ConversationRow:
    """What a turn needs of the chat's conversation row, read under its lock."""

    id: int
    state: dict[str, Any]
    reachable: bool


def lock_conversation(connection: Connection, channel: str, chat_id: str) -> ConversationRow | None:
    """The chat's conversation, its row locked for the rest of the transaction (PostgreSQL;
    SQLite's transaction already holds the write lock); ``None`` for a new member."""
    found = connection.execute(_FIND, {"channel": channel, "chat_id": chat_id}).first()
    if found is None:
        return None
    return ConversationRow(int(found.id), dict(found.state or {}), bool(found.reachable))


def add_conversation(
    connection: Connection, channel: str, chat_id: str, now: datetime
) -> ConversationRow:
    """A new member's conversation. Two processes may both get here for the same new member:
    the unique (channel, chat_id) lets one insert win, and the other's turn is run again and
    finds the row."""
    found = connection.execute(
        _ADD_CONVERSATION,
        {
            "channel": channel,
            "chat_id": chat_id,
            "state": {},
            "reachable": True,
            "segment_start": 0,
            "created_at": now,
            "updated_at": now,
        },
    ).one()
    return ConversationRow(int(found.id), {}, True)


def claim_key(connection: Connection, key: str, now: datetime) -> bool:
    """Store the update's idempotency key; ``False`` if it was already stored (a redelivery).

    One statement where a look-up and an insert were two: the key's primary index decides.
    """
    values = {"key": key, "created_at": now, "failed": False}
    return connection.execute(_CLAIM[connection.dialect.name], values).first() is not None


@dataclass
class TurnRows:
    """The rows of one turn, gathered in order and written with one statement per table."""

    conversation_id: int
    channel: str
    chat_id: str
    now: datetime
    lines: list[dict[str, Any]]
    outbox: list[dict[str, Any]]

    @classmethod
    def start(cls, row: ConversationRow, channel: str, chat_id: str, now: datetime) -> TurnRows:
        return cls(row.id, channel, chat_id, now, [], [])

    def line(self, direction: str, text: str) -> None:
        self.lines.append(
            {
                "conversation_id": self.conversation_id,
                "case_id": None,
                "direction": direction,
                "author": None,
                "text": text,
                "created_at": self.now,
            }
        )

    def message(self, part: str, choices: list[list[str]], multiple: bool) -> None:
        self.outbox.append(
            {
                "conversation_id": self.conversation_id,
                "channel": self.channel,
                "chat_id": self.chat_id,
                "text": part,
                "choices": choices,
                "multiple": multiple,
                "priority": PRIORITY_ANSWER,
                "answer_file_id": None,
                "status": "pending",
                "claimed_by": None,
                "claimed_until": None,
                "attempts": 0,
                "next_attempt_at": None,
                "last_error": None,
                "created_at": self.now,
                "sent_at": None,
            }
        )

    def write(self, connection: Connection, state: dict[str, Any]) -> None:
        """Transcript lines in order (their ids keep it), then the outbox rows, then the
        state: all in the caller's transaction."""
        if self.lines:
            connection.execute(_ADD_LINES, self.lines)
        if self.outbox:
            connection.execute(_ADD_OUTBOX, self.outbox)
        connection.execute(
            _STORE_STATE,
            {"conversation_id": self.conversation_id, "state": state, "updated_at": self.now},
        )
