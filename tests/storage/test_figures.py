"""The database's figures for ``/metrics`` (``storage.figures``): what waits to be sent and
since when, open and late cases per queue, audit entries counted once each."""

from __future__ import annotations

from storage.figures import Observer, OutboxFigures, QueueFigures
from storage.outbox import ChannelOutbox
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import COMPLAINT
from tests.storage.test_outbox import queue


def test_figures_tell_what_waits_what_is_late_and_count_each_audit_entry_once(
    desk: Desk,
) -> None:
    member = desk.member("alice", org="coopdeli")
    for line in COMPLAINT:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    observer = Observer(desk.app.db.url)
    try:
        # Nothing waits; the case is open and within its date.
        figures = observer.figures(desk.clock())
        assert figures.outbox == []
        assert figures.queues == [QueueFigures("coopdeli", "takuhai-center", 1, 0)]

        # Two messages queued for bob a minute ago; the second put off after a failed send.
        queue(desk, "bob", "b1", "b2")
        queued_at = desk.clock()
        outbox = ChannelOutbox(desk.app.db, desk.clock, "terminal", "w1")
        [b2] = [row.id for row in outbox.pending("bob") if row.text == "b2"]
        assert b2 is not None
        outbox.retry_later([b2], "429", delay=600)
        desk.clock.advance(minutes=1)
        [waiting] = observer.figures(desk.clock()).outbox
        assert waiting == OutboxFigures("terminal", due=1, later=1, oldest_due=queued_at)

        # A month on, the case is late; paused (waiting for the member) it is not.
        desk.clock.advance(days=30)
        assert observer.figures(desk.clock()).queues[0].overdue == 1
        desk.app.cases.pause(case.number, StaffActor.trusted("sato"), "委任状")
        assert observer.figures(desk.clock()).queues == [
            QueueFigures("coopdeli", "takuhai-center", 1, 0)
        ]

        # Each look counts only the entries added since the last one.
        before = observer.figures(desk.clock()).audit
        desk.app.cases.detail(case.number, StaffActor.trusted("sato"))
        after = observer.figures(desk.clock()).audit
        added = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
        assert sum(added.values()) == 1, added
        assert observer.figures(desk.clock()).audit == after
        assert observer.schema_problem() is None
    finally:
        observer.close()
