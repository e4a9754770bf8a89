"""The dialogue as a table of modes: one small handler per question the member can be at.

``MODES`` replaces every chain of ``if conv.mode == …``: the turn asks the handler of the mode
at hand what it offers, how it asks and how it takes input (``flows.modes.base.Mode``).
A test checks that every mode name in ``flows.dialogue.names`` has a handler here.
"""

from __future__ import annotations

from flows.dialogue.names import (
    CONFIRM_CANCEL,
    CONFIRM_ORG_SWITCH,
    CONFIRM_RESTART,
    CONFIRM_WITHDRAW,
    EDIT_PICK,
    FLOW,
    INQUIRY,
    MENU,
    PICK_ORG,
    RESUME,
    REUSE,
    REUSE_FIX,
    SUMMARY,
    UNCLEAR,
)
from flows.modes import (
    confirm,
    edit_pick,
    menu,
    org_pick,
    request,
    resume,
    reuse_offer,
    summary,
    topics,
    unclear,
    withdraw,
)
from flows.modes.base import Mode

MODES: dict[str, Mode] = {
    PICK_ORG: org_pick.PickOrg(),
    MENU: menu.Menu(),
    FLOW: request.Request(),
    SUMMARY: summary.Summary(),
    EDIT_PICK: edit_pick.EditPick(),
    CONFIRM_CANCEL: confirm.ConfirmCancel(),
    CONFIRM_RESTART: confirm.ConfirmRestart(),
    CONFIRM_ORG_SWITCH: confirm.ConfirmOrgSwitch(),
    INQUIRY: topics.Inquiry(),
    UNCLEAR: unclear.Unclear(),
    CONFIRM_WITHDRAW: withdraw.ConfirmWithdraw(),
    REUSE: reuse_offer.Reuse(),
    REUSE_FIX: reuse_offer.ReuseFix(),
    RESUME: resume.Resume(),
}

__all__ = ["MODES", "Mode"]
