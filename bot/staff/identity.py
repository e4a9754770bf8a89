"""Who works cases at the terminal: ``MADOGUCHI_STAFF`` (or the login) checked against the
deployment's ``[staff]``, as one :class:`~storage.staff.StaffActor` for the case service."""

from __future__ import annotations

import getpass
import os

from bot.config import Deployment
from flows.cases import CaseActionError
from storage.staff import StaffActor


def staff_name(name: str | None = None) -> str:
    """The name given (``--as``), else MADOGUCHI_STAFF, else the login."""
    return (name or os.environ.get("MADOGUCHI_STAFF") or "").strip() or getpass.getuser()


def terminal_staff(deployment: Deployment, name: str) -> StaffActor:
    """The terminal's staff member ``name`` with the queues ``[staff]`` gives them.

    Without ``[staff]`` whoever runs the terminal may act on every queue and read everything,
    as a supervisor: the terminal runs on the desk's own machine with the database and its
    keys at hand, so a list there would guard nothing, and a fresh clone keeps working. Once a
    co-op lists its terminal staff, the list is the rule: a name it does not hold is refused
    (a typo in MADOGUCHI_STAFF must not act unchecked, nor under a colleague's rights).
    """
    listed = deployment.staff
    if listed is None:
        return StaffActor.terminal(name, None, supervisor=True)
    supervisor = name in listed.supervisors
    queues = [queue for queue, names in listed.queues.items() if name in names]
    if not supervisor and not queues:
        raise CaseActionError(
            f"{name} is not listed in [staff] of madoguchi.toml; ask a supervisor to add you.",
            f"{name} は madoguchi.toml の [staff] に登録されていません。"
            "責任者に登録を依頼してください。",
        )
    return StaffActor.terminal(name, queues, supervisor=supervisor)
