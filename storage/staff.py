"""Who acts on cases, and on which: one identity for Slack, the terminal and system jobs.

Each surface builds a :class:`StaffActor` once per interaction (Slack from its user and
groups, the terminal from ``MADOGUCHI_STAFF`` and ``[staff]``) and hands it to the case
service, which alone decides what it may do or see (:func:`require_queue`,
:func:`require_supervisor`). So Slack and the terminal refuse the same things with the same
words, and no surface can forget a check.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flows.cases import CaseActionError
from storage.audit import Actor, staff_actor

# The refusals staff read, the same on every surface.
NOT_YOUR_QUEUE = CaseActionError(
    "You may not act on this case; ask staff of its queue or a supervisor.",
    "この案件を操作する権限がありません。担当の窓口のスタッフか責任者にご依頼ください。",
)
SUPERVISORS_ONLY = CaseActionError(
    "Only supervisors may do this.", "この操作は責任者だけが行えます。"
)


@dataclass(frozen=True)
class StaffActor:
    """A member of staff (or a system job) acting through one surface."""

    id: str  # as the audit log records it: slack:U123, cli:sato
    surface: str  # slack | cli
    name: str  # as staff name each other: U123, sato
    on_record: str  # what case events, the assignee and drafts hold: slack:U123, sato
    queues: frozenset[str] | None = None  # the queues they may act on; None: every queue
    supervisor: bool = False  # every queue, and transcripts, searches and exports too

    @classmethod
    def slack(cls, user: str, queues: Collection[str], *, supervisor: bool) -> StaffActor:
        return cls(f"slack:{user}", "slack", user, f"slack:{user}", frozenset(queues), supervisor)

    @classmethod
    def terminal(cls, name: str, queues: Collection[str] | None, *, supervisor: bool) -> StaffActor:
        """Terminal staff stay on case events by bare name (``sato``), as they always were, so
        cases claimed before this identity existed are still theirs."""
        allowed = None if queues is None else frozenset(queues)
        return cls(f"cli:{name}", "cli", name, name, allowed, supervisor)

    @classmethod
    def trusted(cls, actor: str) -> StaffActor:
        """Full rights from a plain id (``cli:sato``, ``sato``, ``slack:U123``), recorded on
        events exactly as given: for system jobs, tests and callers written before this type.
        Never for a person at a surface, who is checked against the deployment's lists."""
        audit = staff_actor(actor)
        return cls(audit.id, audit.surface, audit.id.partition(":")[2], actor, None, True)

    @property
    def audit(self) -> Actor:
        return Actor(self.id, self.surface)

    def may_act_on(self, queue: str) -> bool:
        return self.supervisor or self.queues is None or queue in self.queues

    def visible(self, queues: Collection[str]) -> list[str]:
        """Of ``queues``, those this actor may see, in order."""
        return [q for q in queues if self.may_act_on(q)]


class Refused(CaseActionError):
    """An access refusal: the case service writes its ``denied:`` audit entry once the
    action's transaction is over (it rolled back), then re-raises it for the surface."""

    def __init__(self, actor: StaffActor, action: str, number: str | None, why: CaseActionError):
        super().__init__(str(why), why.ja)
        self.actor = actor
        self.action = action
        self.number = number


def require_queue(actor: StaffActor, queue: str, action: str, number: str | None) -> None:
    """Staff of the case's queue, or a supervisor."""
    if not actor.may_act_on(queue):
        raise Refused(actor, action, number, NOT_YOUR_QUEUE)


def require_supervisor(actor: StaffActor, action: str, number: str | None = None) -> None:
    """Transcripts, searches by name or phone and whole-case exports are supervisors' alone."""
    if not actor.supervisor:
        raise Refused(actor, action, number, SUPERVISORS_ONLY)
