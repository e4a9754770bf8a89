"""Two `madoguchi serve` processes on one PostgreSQL database behind one webhook URL, as a
deployment for a campaign burst would run them: members' updates land on either process,
several at a time, and nothing is lost, doubled or reordered."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import databases
from tests.bot.served import Member, eventually, serving
from tests.fakes.balancer import Balancer
from tests.fakes.telegram_api import FakeBotApi

MEMBERS = range(700, 716)
ORGS = ("seikatsuclub-kyosai", "coopdeli")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    problem = databases.postgres_problem()
    if problem:
        pytest.skip(problem)
    url = databases.new_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def _member_files_a_disclosure(fake: FakeBotApi, served: object, chat: int) -> None:
    member = Member(fake, served, chat)  # type: ignore[arg-type]
    member.command("start", ORGS[chat % 2])
    member.completes("disclosure", with_buttons=chat % 3 != 0)


def test_two_processes_serve_interleaved_members_with_no_lost_doubled_or_reordered_effect(
    postgres_url: str, tmp_path: Path
) -> None:
    with (
        FakeBotApi(webhook_connections=6) as fake,
        Balancer() as balancer,
    ):
        webhook = {"TELEGRAM_WEBHOOK_URL": balancer.url("/telegram/webhook")}
        with (
            serving(fake, postgres_url, webhook=True, **webhook) as first,
            serving(fake, postgres_url, webhook=True, **webhook) as second,
        ):
            balancer.add(first.port)
            balancer.add(second.port)
            with ThreadPoolExecutor(len(MEMBERS)) as members:
                list(
                    members.map(lambda chat: _member_files_a_disclosure(fake, first, chat), MEMBERS)
                )
            updates = len([d for d in fake.webhook_deliveries if 200 <= d[1] < 300])
            eventually(
                lambda: (
                    first.query("SELECT count(*) FROM outboxmessage WHERE status <> 'sent'")
                    == [(0,)]
                )
            )

            # Both processes did real work.
            assert all(count > 10 for count in balancer.handled.values()), balancer.handled
            # Each update was one turn, each accepted once.
            assert first.query("SELECT count(*) FROM processedupdate") == [(updates,)]
            # One case per member: none lost, none doubled.
            per_member = first.query(
                'SELECT v.chat_id, count(*) FROM "case" c '
                "JOIN conversation v ON v.id = c.conversation_id GROUP BY v.chat_id"
            )
            assert sorted(per_member) == sorted((str(chat), 1) for chat in MEMBERS)
            numbers = [n for (n,) in first.query('SELECT number FROM "case"')]
            assert len(set(numbers)) == len(MEMBERS)
            for chat in MEMBERS:
                # What the member received is what was stored for them, in the same order,
                # each message once.
                sent = [m["text"] for m in fake.sent_messages(chat)]
                stored = [
                    text
                    for (text,) in first.query(
                        "SELECT o.text FROM outboxmessage o JOIN conversation v "
                        f"ON v.id = o.conversation_id WHERE v.chat_id = '{chat}' ORDER BY o.id"
                    )
                ]
                assert sent == stored, chat
                # Each turn answered exactly once: as many bot messages as member updates.
                member_lines = first.query(
                    "SELECT count(*) FROM transcriptline t JOIN conversation v "
                    f"ON v.id = t.conversation_id WHERE v.chat_id = '{chat}' "
                    "AND t.direction = 'member'"
                )
                assert member_lines == [(len(sent),)], chat
                assert "受け付けました" in sent[-1] or "受付" in sent[-1], sent[-1]
