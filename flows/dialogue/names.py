"""The names a conversation's state is made of: its modes and the ids of the choices it offers.

They live apart from the engine so that every mode and plumbing module can import them without
importing the engine (which imports them all).
"""

from __future__ import annotations

PICK_ORG = "pick_org"
MENU = "menu"
FLOW = "flow"
SUMMARY = "summary"
EDIT_PICK = "edit_pick"
CONFIRM_CANCEL = "confirm_cancel"
CONFIRM_RESTART = "confirm_restart"
CONFIRM_ORG_SWITCH = "confirm_org_switch"
INQUIRY = "inquiry"
UNCLEAR = "unclear"
CONFIRM_WITHDRAW = "confirm_withdraw"
REUSE = "reuse"  # offered the identity answers of the member's earlier request
REUSE_FIX = "reuse_fix"  # picking which of those answers to change
RESUME = "resume"  # back at a half-filled form: continue or start again

BACK = "_back"
CANCEL = "_cancel"
SUBMIT = "_submit"
EDIT = "_edit"
SKIP = "_skip"
YES = "_yes"
NO = "_no"
FORWARD = "_forward"
MENU_CHOICE = "_menu"
CONTINUE = "_continue"
TAKE_AS_ANSWER = "_as_answer"
SWITCH = "switch:"
RESTART = "_restart"
VIEW = "view:"
WITHDRAW = "withdraw:"
CALL_ME = "call:"
ALSO = "also:"  # a new request offered after the words reached a waiting case

STATUS_ID = "status"

# Modes that confirm something the member asked for (they go back to ``resume_mode``).
CONFIRMING = frozenset({CONFIRM_CANCEL, CONFIRM_RESTART, CONFIRM_ORG_SWITCH})
# Modes in which ``answers`` hold a request being entered.
ENTERING = frozenset({FLOW, SUMMARY, EDIT_PICK})
# Modes that keep a half-filled form and its pending question when the member leaves.
PAUSABLE = frozenset(
    {*ENTERING, REUSE, REUSE_FIX, CONFIRM_CANCEL, CONFIRM_RESTART, CONFIRM_ORG_SWITCH}
)
# Cases listed to pick from in the status list; older ones are found by their number.
CASES_SHOWN = 5
