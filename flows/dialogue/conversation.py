"""The member's place in the dialogue, stored as JSON between turns."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.dialogue.names import FLOW, MENU, PAUSABLE, RESUME, UNCLEAR


@dataclass
class Conversation:
    """The member's place in the dialogue, stored as JSON between turns."""

    org: str | None = None
    lang: str = "ja"
    mode: str = MENU
    flow: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    editing: str | None = None
    previous: Any = None
    resume_mode: str | None = None
    pending_text: str | None = None
    offered: list[str] | None = None  # option ids shown with the last unclear-input question
    started: bool = False
    lang_chosen: bool = False  # the member picked the language; the device's no longer counts
    japanese_offered: bool = False  # the hint to go back to Japanese was given while in English
    org_switch: str | None = None  # the org a /start asked for, while confirming the switch
    withdrawing: str | None = None  # the case number the member is asked to confirm withdrawing
    reuse_offered: list[str] = field(default_factory=list)  # groups offered in this request
    reuse: dict[str, Any] | None = None  # the offer on the table: case number and answers
    last_turn_at: str | None = None  # ISO time of the member's last turn
    # While the resume prompt is shown: the pending question (mode, resume_mode) and the
    # text the member came back with.
    paused: list[str | None] | None = None
    # A request switched away from mid-form (「第三者提供の停止」 → 「同意の撤回」): its type and
    # the answers the new request does not hold, so the wish reaches staff with the new case.
    switched_from: dict[str, Any] | None = None
    # Questions the member typed inside the form that the desk could not answer: they go to
    # staff with the request (its summary and fields), so a person answers them.
    staff_questions: list[str] = field(default_factory=list)
    # The question just typed at a step that takes the member's own words: stored as the
    # answer only if the member says so in words (「このまま入力」), never by a number.
    asked_text: str | None = None
    # 「この手続きをやめますか」 was asked once more after a reply that answered neither way;
    # a second such reply drops the question (it is never asked forever).
    stop_asked_again: bool = False
    # Published topics already answered in this conversation (「何のために使っているの？」):
    # the formal request started from that answer does not read the same list out again.
    told: list[str] = field(default_factory=list)
    # The working day (ISO) the member was last told staff will read their words on, out of
    # hours: told once per evening or closed spell, not after every line.
    hours_told: str | None = None

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> Conversation:
        known = cls.__dataclass_fields__
        # A deep copy: the stored state is never mutated, so a failed turn leaves it intact.
        return cls(**{k: copy.deepcopy(v) for k, v in (state or {}).items() if k in known})

    def to_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def leave_flow(self) -> None:
        self.mode = MENU
        self.flow = None
        self.answers = {}
        self.history = []
        self.editing = None
        self.previous = None
        self.resume_mode = None
        self.offered = None
        self.org_switch = None
        self.withdrawing = None
        self.reuse_offered = []
        self.reuse = None
        self.paused = None
        self.switched_from = None
        self.staff_questions = []
        self.asked_text = None
        self.stop_asked_again = False


def holds_a_form(conv: Conversation) -> bool:
    """Answers are entered and a question of the form is pending: a step, the summary, a
    choice asked inside it (a question for staff, reuse, a confirmation) or the resume
    question. The one rule for "a request being entered", here and in the member's data."""
    if not conv.flow or not conv.answers:
        return False
    if conv.mode == UNCLEAR:
        return conv.resume_mode == FLOW
    return conv.mode in PAUSABLE or conv.mode == RESUME
