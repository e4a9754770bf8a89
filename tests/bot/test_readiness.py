"""``/readyz`` of a real ``madoguchi serve``: 200 only while the database answers at this
madoguchi's schema revision and every channel works; 503 naming what is not ready otherwise.
And who may read ``/metrics`` when no token is set: this machine, directly."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from bot.watch import Watch
from storage.db import Database
from storage.schema import head_revision
from tests.bot.served import Served, eventually, serving
from tests.bot.web_served import serving_web
from tests.fakes.telegram_api import FakeBotApi


def get(served: Served, path: str, **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{served.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    text = body.decode("utf-8")
    return status, json.loads(text) if text.startswith("{") else text


def readiness(served: Served) -> tuple[int, Any]:
    return get(served, "/readyz")


def becomes(served: Served, status: int, not_ready: dict[str, str] | None = None) -> None:
    """Wait until /readyz answers ``status`` (with ``not_ready`` naming the same parts)."""

    def now() -> bool:
        found, body = readiness(served)
        if found != status:
            return False
        return not_ready is None or body.get("not_ready") == not_ready

    eventually(now, timeout=20)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """One serve with the web chat for this module's tests (each leaves it as it found it)."""
    database = tmp_path_factory.mktemp("readiness") / "desk.sqlite3"
    with serving_web(database) as served:
        yield served, database


def set_revision(database_url: str, revision: str) -> None:
    """What another madoguchi does to the schema (an older one, or a newer one's upgrade)."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :revision"),
                {"revision": revision},
            )
    finally:
        engine.dispose()


def test_not_ready_while_the_database_is_at_another_schema_revision(database_url: str) -> None:
    with serving_web(database_url) as served:
        becomes(served, 200)
        set_revision(database_url, "0001")
        becomes(served, 503)
        assert readiness(served) == (
            503,
            {
                "ready": False,
                "not_ready": {
                    "database": f"schema at revision 0001, this madoguchi needs {head_revision()}"
                },
            },
        )
        status, metrics = get(served, "/metrics")  # what an alert rule reads
        assert status == 200
        assert 'madoguchi_ready{part="database"} 0.0' in metrics
        assert 'madoguchi_ready{part="startup"} 1.0' in metrics
        assert 'madoguchi_ready{part="web"} 1.0' in metrics
        set_revision(database_url, head_revision())
        becomes(served, 200)
        assert 'madoguchi_ready{part="database"} 1.0' in get(served, "/metrics")[1]


def test_not_ready_while_the_database_file_is_missing(web: tuple[Served, Path]) -> None:
    served, database = web
    assert readiness(served) == (200, {"ready": True})
    # The file is gone from where DATABASE_URL says (a disk unmounted, a file moved).
    moved = database.with_name("elsewhere.sqlite3")
    database.rename(moved)
    try:
        becomes(served, 503, {"database": "unreachable"})
        assert not database.exists()  # looking never creates an empty one
    finally:
        moved.rename(database)
    becomes(served, 200)


def test_not_ready_once_the_database_file_was_deleted_and_made_afresh(tmp_path: Path) -> None:
    """serve still writes to the deleted file; a new one at its path (made by a staff command,
    say) answers, but it is not the desk's: not ready until serve is restarted."""
    database = tmp_path / "desk.sqlite3"
    with serving_web(f"sqlite:///{database}") as served:
        becomes(served, 200)
        for leftover in tmp_path.glob("desk.sqlite3*"):
            leftover.unlink()
        Database(f"sqlite:///{database}").close()  # what `madoguchi staff list` then did
        becomes(
            served,
            503,
            {"database": "the database file was replaced since start-up: restart madoguchi serve"},
        )
        assert 'madoguchi_ready{part="database"} 0.0' in get(served, "/metrics")[1]


def test_not_ready_while_telegram_long_polling_fails(tmp_path: Path, fake: FakeBotApi) -> None:
    with serving(fake, tmp_path / "desk.sqlite3") as served:
        becomes(served, 200)
        # The Bot API answers the next getUpdates with 502; the poll after that works.
        fake.fail_next("getUpdates", status=502)
        fake.send_text(5, "こんにちは")  # ends the long poll in flight
        becomes(served, 503, {"telegram": "long polling failing"})
        becomes(served, 200)


def test_metrics_without_a_token_answer_only_direct_requests_from_this_machine(
    web: tuple[Served, Path],
) -> None:
    served, _database = web
    status, text = get(served, "/metrics")
    assert status == 200 and "madoguchi_database_up 1.0" in text
    # Through a reverse proxy on this machine: the proxy says who asked.
    status, text = get(served, "/metrics", **{"X-Forwarded-For": "203.0.113.9"})
    assert status == 403
    assert "METRICS_TOKEN" in text


def test_not_ready_until_start_up_completes_and_while_a_part_has_stopped(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    Database(url).close()

    async def probe() -> list[tuple[int, Any]]:
        watch = Watch(
            url,
            lambda: datetime.now(UTC),
            served=["web"],
            org_queues={"coopdeli": ["takuhai-center"]},
        )
        app = Starlette(routes=list(watch.routes()))
        transport = httpx.ASGITransport(app=app)
        answers = []
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:

                async def readyz() -> None:
                    answer = await client.get("/readyz")
                    answers.append((answer.status_code, answer.json()))

                await readyz()  # listening, not yet started
                watch.readiness.started = True
                await readyz()

                async def stopped() -> None:
                    raise RuntimeError("the worker's loop broke")

                worker = asyncio.create_task(stopped())
                await asyncio.gather(worker, return_exceptions=True)
                watch.readiness.add_task("web", worker, what="outbox worker")
                await readyz()
        finally:
            watch.close()
        return answers

    assert asyncio.run(probe()) == [
        (503, {"ready": False, "not_ready": {"startup": "starting"}}),
        (200, {"ready": True}),
        (503, {"ready": False, "not_ready": {"web": "outbox worker stopped"}}),
    ]
