"""Letters and calls staff owe members without a chat are their own figure, not outbox traffic:
a postal notice waiting days is normal, so it must not age the outbox (and fire an alert meant
for members waiting on Telegram or LINE)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.metrics import DatabaseFigures
from flows.routes import OFFLINE_CHANNEL
from storage.figures import Figures, OutboxFigures


def samples(collector: DatabaseFigures) -> dict[tuple[str, tuple[str, ...]], float]:
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def test_a_letter_staff_still_owe_is_counted_apart_and_never_ages_the_outbox() -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    collector = DatabaseFigures(["telegram", "web"], {})
    collector.latest = Figures(
        at=now,
        outbox=[
            OutboxFigures(OFFLINE_CHANNEL, 2, 0, now - timedelta(days=3)),
            OutboxFigures("telegram", 1, 0, now - timedelta(seconds=4)),
        ],
        queues=[],
        audit={},
        purge_finished=None,
    )
    found = samples(collector)
    assert found[("madoguchi_offline_notices_waiting", ())] == 2
    assert found[("madoguchi_outbox_oldest_due_age_seconds", ("telegram",))] == 4
    assert found[("madoguchi_outbox_oldest_due_age_seconds", ("web",))] == 0
    assert not any(labels and labels[0] in ("other", OFFLINE_CHANNEL) for _, labels in found)
