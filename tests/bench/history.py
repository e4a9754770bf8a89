"""A SQLite file that already holds many members' conversations, for the burst's question
"does a turn cost more when the database is big?".

Two members are played through the real engine once (one files a disclosure request, one only
opens the menu); their rows are then copied by bulk SQL (``INSERT … SELECT``) as often as
asked. Copies keep the real row shapes and sizes (stored state, transcript, sent outbox rows,
processed update keys, and for every fifth member a case with its event and lookup hashes), and
take seconds for 100,000 members where playing them would take hours.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.app import App, configure_logging
from bot.config import Settings
from flows.messages import Inbound
from tests.bench.run import ROOT

# Every EVERY-th stored member filed a request (a case, ~30 transcript lines); the others
# opened the menu once. Their chats are far from the burst's own chat ids.
EVERY = 5
FIRST_CHAT = 5_000_000_000
OLD_YEAR = 2025  # their case numbers (CD-2025-…) never collide with the burst's (2026)
_KEY_BASE = 9_000_000_000  # processed update keys of stored members


def play(app: App, chat: str, lines: tuple[tuple[str | None, str], ...]) -> None:
    """One member's lines as turns through the real engine and store."""
    for number, (command, text) in enumerate(lines):
        key = f"telegram:template-{chat}-{number}"
        if command is not None:
            inbound = Inbound("telegram", chat, key, command=command, argument=text or None)
        else:
            inbound = Inbound("telegram", chat, key, text=text)
        app.turns.process(inbound)


def prefill(path: Path, conversations: int, script: tuple[tuple[str | None, str], ...]) -> None:
    """Create ``path`` at the newest schema with ``conversations`` stored members."""
    configure_logging("WARNING")
    settings = Settings(
        DATABASE_URL=f"sqlite:///{path}", MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml"
    )
    app = App.build(settings, one_message_per_turn=frozenset({"telegram"}))
    try:
        play(app, "1", script)  # files a request
        play(app, "2", script[:1])  # only opened the menu
    finally:
        app.db.close()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        # Only the copying is fast and loose (no journal: rows go straight into the file); the
        # server opens the file with its own settings, WAL as before.
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-262144")  # 256 MB
        db.execute("BEGIN")
        _copy(db, conversations, len(script))
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=WAL")


def _copy(db: sqlite3.Connection, conversations: int, turns: int) -> None:
    (full,) = db.execute("SELECT id FROM conversation WHERE chat_id = '1'").fetchone()
    (idle,) = db.execute("SELECT id FROM conversation WHERE chat_id = '2'").fetchone()
    (base,) = db.execute("SELECT max(id) FROM conversation").fetchone()
    (case_base,) = db.execute('SELECT max(id) FROM "case"').fetchone()
    params = {
        "n": conversations,
        "base": base,
        "full": full,
        "idle": idle,
        "every": EVERY,
        "chat0": FIRST_CHAT,
        "case_base": case_base,
        "turns": turns,
        "key0": _KEY_BASE,
        "prefix": f"CD-{OLD_YEAR}-",
    }
    # Which template a stored member copies, by its position i = id - base.
    template = "CASE WHEN (c.id - :base) % :every = 0 THEN :full ELSE :idle END"
    db.execute(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) "
        "INSERT INTO conversation (id, channel, chat_id, state, reachable, segment_start, "
        "created_at, updated_at) "
        "SELECT :base + i, 'telegram', CAST(:chat0 + i AS TEXT), t.state, 1, 0, t.created_at, "
        "t.updated_at FROM seq JOIN conversation t "
        "ON t.id = CASE WHEN i % :every = 0 THEN :full ELSE :idle END",
        params,
    )
    db.execute(
        'INSERT INTO "case" (id, number, org_id, queue, request_type, status, requester, '
        "fields, summary, flags, lang, channel, conversation_id, transcript_from, "
        "transcript_to, received_at, due_at, relay_open) "
        "SELECT :case_base + (c.id - :base) / :every, "
        ":prefix || printf('%05d', (c.id - :base) / :every), t.org_id, t.queue, "
        "t.request_type, t.status, t.requester, t.fields, t.summary, t.flags, t.lang, "
        "t.channel, c.id, 0, 0, t.received_at, t.due_at, t.relay_open "
        'FROM conversation c JOIN "case" t ON t.conversation_id = :full '
        "WHERE c.id > :base AND (c.id - :base) % :every = 0",
        params,
    )
    db.execute(
        "INSERT INTO casecounter (org_id, year, last) "
        f"SELECT org_id, {OLD_YEAR}, count(*) FROM \"case\" WHERE number LIKE :prefix || '%' "
        "GROUP BY org_id",
        params,
    )
    for table, columns in (
        ("caseevent", "kind, actor, data, created_at"),
        ("caselookup", "kind, digest"),
    ):
        db.execute(
            f"INSERT INTO {table} (case_id, {columns}) "
            f"SELECT c.id, {', '.join('t.' + name.strip() for name in columns.split(','))} "
            f'FROM "case" c JOIN {table} t ON t.case_id = :case_base '
            "WHERE c.id > :case_base",
            params,
        )
    db.execute(
        "INSERT INTO transcriptline (conversation_id, direction, author, text, created_at) "
        "SELECT c.id, t.direction, t.author, t.text, t.created_at FROM conversation c "
        f"JOIN transcriptline t ON t.conversation_id = {template} "
        "WHERE c.id > :base ORDER BY c.id, t.id",
        params,
    )
    db.execute(
        "INSERT INTO outboxmessage (conversation_id, channel, chat_id, text, choices, "
        "multiple, priority, status, attempts, created_at, sent_at) "
        "SELECT c.id, c.channel, c.chat_id, t.text, t.choices, t.multiple, t.priority, 'sent', "
        "1, t.created_at, t.created_at FROM conversation c "
        f"JOIN outboxmessage t ON t.conversation_id = {template} "
        "WHERE c.id > :base ORDER BY c.id, t.id",
        params,
    )
    # As many processed update keys as the member's turns (all of them for a filed request).
    db.execute(
        "WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < :turns) "
        "INSERT INTO processedupdate (key, created_at) "
        "SELECT 'telegram:' || (:key0 + c.id * 64 + j), c.created_at FROM conversation c "
        "JOIN k ON j <= CASE WHEN (c.id - :base) % :every = 0 THEN :turns ELSE 1 END "
        "WHERE c.id > :base",
        params,
    )
    # The templates' outbox rows count as sent too: nothing old is waiting to go out.
    db.execute(
        "UPDATE outboxmessage SET status = 'sent', sent_at = created_at, attempts = 1 "
        "WHERE status = 'pending'"
    )
