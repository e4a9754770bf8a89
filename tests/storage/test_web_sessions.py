"""The web chat's sessions (``storage.web_sessions``): only hashes are kept, a resume code
works once and a few wrong tries spend it, idle sessions are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage import web_sessions
from storage.db import Database
from storage.models import WebResumeCode, WebSession

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def test_a_session_is_found_by_its_token_for_its_org_only_and_the_token_is_not_stored(
    database_url: str,
) -> None:
    db = Database(database_url)
    opened = web_sessions.new_session(db, "coopdeli", NOW)
    assert opened.token is not None
    assert web_sessions.open_session(db, opened.token, "coopdeli", NOW) is not None
    assert web_sessions.open_session(db, opened.token, "seikatsuclub-kyosai", NOW) is None
    assert web_sessions.open_session(db, opened.token + "x", "coopdeli", NOW) is None
    with db.transaction() as session:
        [row] = session.exec(select(WebSession)).all()
    assert opened.token not in (row.token_hash, row.chat_id, row.csrf)
    db.close()


def test_a_resume_code_works_once_and_five_wrong_tries_spend_it(database_url: str) -> None:
    db = Database(database_url)
    code = web_sessions.issue_code(db, "CD-2026-00001", "wchat", "coopdeli", NOW)
    assert web_sessions.redeem_code(db, "seikatsuclub-kyosai", "CD-2026-00001", code, NOW) is None
    resumed = web_sessions.redeem_code(db, "coopdeli", "CD-2026-00001", code, NOW)
    assert resumed is not None and resumed.chat_id == "wchat"
    assert web_sessions.redeem_code(db, "coopdeli", "CD-2026-00001", code, NOW) is None

    other = web_sessions.issue_code(db, "CD-2026-00002", "wother", "coopdeli", NOW)
    for _ in range(web_sessions.MAX_CODE_TRIES):
        assert web_sessions.redeem_code(db, "coopdeli", "CD-2026-00002", "00000000", NOW) is None
    assert web_sessions.redeem_code(db, "coopdeli", "CD-2026-00002", other, NOW) is None
    with db.transaction() as session:
        stored = session.exec(select(WebResumeCode)).all()
    assert all(code not in row.code_hash for row in stored)
    db.close()


def test_sessions_idle_past_the_retention_are_forgotten(database_url: str) -> None:
    db = Database(database_url)
    old = web_sessions.new_session(db, "coopdeli", NOW - timedelta(days=91))
    fresh = web_sessions.new_session(db, "coopdeli", NOW)
    assert web_sessions.expire_idle(db, NOW - timedelta(days=90)) == 1
    assert old.token and fresh.token
    assert web_sessions.open_session(db, old.token, "coopdeli", NOW) is None
    assert web_sessions.open_session(db, fresh.token, "coopdeli", NOW) is not None
    db.close()
