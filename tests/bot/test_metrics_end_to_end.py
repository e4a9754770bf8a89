"""``/metrics`` after a real ``madoguchi serve`` has worked: members on Telegram and the web
chat, a case filed, a staff reply held up once by Telegram's 429. The figures are what
happened, read over HTTP with Prometheus's own parser, and nothing in them names anyone."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import defaultdict

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.metrics import PURGE_OUTCOMES, RETRY_REASONS, TURN_OUTCOMES
from tests.bot.served import Member, Served, eventually, serving, staff_reply
from tests.bot.web_served import WebMember
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

TOKEN = "scrape-me-7f3a9c"
CHAT = 918_273_645  # digits that no count or timestamp here is likely to contain
STAFF_TEXT = "担当の佐藤です。書面を郵送いたします。"
NAME, PHONE = "山田 花子", "03-5285-1865"
COMPLAINT_WITH_NAME = (*COMPLAINT[:3], NAME, f"電話は{PHONE}です")  # the case, then a word to staff
WEB_TEXT = "鈴木 一郎と申します。電話は080-2468-1357です。"


def scrape(served: Served, token: str | None = TOKEN) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{served.port}/metrics")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        s.value
        for s in found
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def current(served: Served) -> list[Sample]:
    status, text = scrape(served)
    assert status == 200, text
    return samples(text)


# Label values allowed on madoguchi's series: fixed vocabularies only.
ALLOWED = {
    "channel": {"telegram", "line", "web", "terminal", "other"},
    "outcome": {*TURN_OUTCOMES, *PURGE_OUTCOMES},
    "reason": set(RETRY_REASONS),
    "state": {"due", "later"},
    "org": {"coopdeli", "seikatsuclub-kyosai", "other"},
    "queue": {"takuhai-center", "kyosai-bu", "other"},
    "part": {"startup", "database", "telegram", "line", "web", "slack"},
}
ACTION = re.compile(r"[a-z][a-z0-9_:]*")


def test_metrics_after_a_morning_at_the_desk_count_what_happened_and_name_no_one(
    database_url: str, fake: FakeBotApi
) -> None:
    with serving(fake, database_url, WEBCHAT_ENABLED="1", METRICS_TOKEN=TOKEN) as served:
        # A member on Telegram files a complaint with their name, then adds a phone number.
        member = Member(fake, served, CHAT)
        member.command("start", "coopdeli")
        for line in COMPLAINT_WITH_NAME:
            member.says(line)
        [(number,)] = served.query('SELECT number FROM "case"')
        fake.redeliver(fake.update_ids()[-1])  # Telegram sends the last one again
        fake.wait_for(lambda api: not api.pending_update_ids(), timeout=20)
        # Staff reply from the terminal; Telegram answers the first try with 429.
        fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=CHAT)
        staff_reply(served, number, STAFF_TEXT)
        fake.wait_for(
            lambda api: any(STAFF_TEXT in m["text"] for m in api.sent_messages(CHAT)), timeout=30
        )
        # A member on the web chat writes a few words.
        web = WebMember(served)
        web.opens_the_page()
        web.says(WEB_TEXT)
        web_chat = web.chat_id()

        # Everything sent: the outbox is empty in the figures too (read every few seconds).
        def delivered() -> bool:
            found = current(served)
            return value(found, "madoguchi_outbox_messages") == 0

        eventually(delivered, timeout=30)
        found = current(served)
        refused_without, _ = scrape(served, token=None)
        refused_wrong, _ = scrape(served, token="not-" + TOKEN)
        _, text = scrape(served)
        db = served.query
        telegram_keys = db("SELECT count(*) FROM processedupdate WHERE key LIKE 'telegram:%'")
        web_keys = db("SELECT count(*) FROM processedupdate WHERE key LIKE 'web:%'")
        sent = dict(
            db("SELECT channel, count(*) FROM outboxmessage WHERE status = 'sent' GROUP BY channel")
        )
        audit = dict(db("SELECT action, count(*) FROM auditentry GROUP BY action"))

    assert (refused_without, refused_wrong) == (401, 401)
    updates_sent = len(fake.update_ids())  # each handed out once, and the last once more
    # Telegram: each update received and processed once; the redelivery is a duplicate.
    assert value(found, "madoguchi_updates_received_total", channel="telegram") == updates_sent + 1
    assert (
        value(found, "madoguchi_updates_processed_total", channel="telegram", outcome="done")
        == (telegram_keys[0][0])
    )
    assert telegram_keys[0][0] == updates_sent
    assert (
        value(found, "madoguchi_updates_processed_total", channel="telegram", outcome="duplicate")
        == 1
    )
    assert value(found, "madoguchi_turn_seconds_count", channel="telegram") == updates_sent + 1
    # The web chat: the greeting and the member's message.
    assert (
        value(found, "madoguchi_updates_processed_total", channel="web", outcome="done")
        == (web_keys[0][0])
        == 2
    )
    assert value(found, "madoguchi_updates_received_total", channel="web") == 2
    # Sends and the one 429.
    assert value(found, "madoguchi_messages_sent_total", channel="telegram") == sent["telegram"]
    assert value(found, "madoguchi_messages_sent_total", channel="web") == sent["web"]
    assert (
        value(found, "madoguchi_send_retries_total", channel="telegram", reason="rate_limited") == 1
    )
    assert value(found, "madoguchi_send_retries_total") == 1
    # The database's figures: one open case in コープデリ's queue, none late, none elsewhere.
    assert value(found, "madoguchi_database_up") == 1
    for part in ("startup", "database", "telegram", "web"):  # what this serve serves
        assert value(found, "madoguchi_ready", part=part) == 1, part
    assert value(found, "madoguchi_cases_open", org="coopdeli", queue="takuhai-center") == 1
    assert value(found, "madoguchi_cases_open") == 1
    assert value(found, "madoguchi_cases_overdue") == 0
    assert value(found, "madoguchi_outbox_oldest_due_age_seconds") == 0
    for action, count in audit.items():
        assert value(found, "madoguchi_audit_entries_total", action=action) == count
    assert value(found, "madoguchi_audit_entries_total") == sum(audit.values())
    # The first start on a new database ran the day's purge.
    assert value(found, "madoguchi_purge_runs_total", outcome="done") == 1
    assert value(found, "madoguchi_purge_last_finished_timestamp_seconds") > 0

    # Nothing anyone typed, and no id of a member or a case, anywhere in what was scraped.
    for secret in [
        NAME,
        PHONE,
        COMPLAINT[2],
        STAFF_TEXT,
        WEB_TEXT,
        "080-2468-1357",
        str(CHAT),
        number,
        web_chat,
    ]:
        assert secret not in text, secret
    labels: dict[str, set[str]] = defaultdict(set)
    for sample in samples(text):
        if sample.name.startswith("madoguchi_"):
            for key, label in sample.labels.items():
                labels[key].add(label)
    for key, seen in labels.items():
        if key == "action":
            assert all(ACTION.fullmatch(action) for action in seen), seen
        elif key != "le":
            assert seen <= ALLOWED[key], (key, seen - ALLOWED[key])
