"""Offering the identity answers of the member's earlier request, shown and confirmed.

Never silently reused: the member says yes, picks what to change, or declines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    reuse,
    wording,
)
from flows.dialogue.choosing import (
    REUSE_OPTIONS,
    Given,
    resolve,
)
from flows.dialogue.names import (
    CONTINUE,
    FLOW,
    NO,
    REUSE,
    REUSE_FIX,
    YES,
)
from flows.i18n import N_
from flows.modes import (
    request,
)
from flows.modes.base import Mode
from flows.steps import Context, Option, Step

if TYPE_CHECKING:
    from flows.turn import Turn


def offer_reuse(turn: Turn, step: Step) -> bool:
    """At the first identity step (or the postal address) of a second request, offer the
    answers given in the chat's earlier one; ``True`` if the offer is now on the table."""
    conv = turn.conv
    if step.id not in reuse.GROUPS or step.id in conv.reuse_offered or conv.editing:
        return False
    ctx = turn.ctx()
    group = set(reuse.GROUPS[step.id])
    wanted = [
        s.id
        for s in turn.flow.steps
        if s.id in group and s.id not in conv.answers and s.applies(ctx)
    ]
    offer = reuse.offer_for(step.id, wanted, conv.answers, turn.cases, turn.org.id)
    conv.reuse_offered.append(step.id)
    if offer is None:
        return False
    conv.reuse = {"case": offer.case_number, "answers": offer.answers}
    conv.mode = REUSE
    show_reuse_offer(turn)
    return True


def reuse_lines(turn: Turn) -> list[str]:
    """The earlier answers on offer, one per line."""
    offered = (turn.conv.reuse or {}).get("answers", {})
    ctx = Context(org=turn.org, answers=offered, now=turn.now, t=turn.t)
    return [
        wording.item_line(turn.t, turn.t(step.label), step.display(offered[step.id], ctx))
        for step in turn.flow.steps
        if step.id in offered
    ]


def show_reuse_offer(turn: Turn) -> None:
    """Show the earlier answers and ask whether to use them."""
    number = (turn.conv.reuse or {}).get("case", "")
    intro = (
        N_(
            "前回のお申し出（受付番号 {number}）で代理人として入力された、ご本人（代理される方）と"
            "ご自身の内容です。今回も同じ内容を使いますか。"
        )
        if reuse.acting_as(turn.conv.answers) == "agent"
        else N_(
            "前回のお申し出（受付番号 {number}）で、次のように入力されています。"
            "今回も同じ内容を使いますか。"
        )
    )
    lines = [
        turn.t(intro, number=number),
        *reuse_lines(turn),
    ]
    turn.say("\n".join(lines), REUSE_OPTIONS)


def reuse_choice(turn: Turn, given: Given) -> None:
    """Use them, change some, or answer afresh."""
    option = resolve(given, REUSE_OPTIONS, turn.t)
    conv = turn.conv
    if option is None:
        turn.say(turn.t("「はい」「修正する」「使わない」から選んでください。"))
        show_reuse_offer(turn)
        return
    offered = dict((conv.reuse or {}).get("answers", {}))
    conv.reuse = None
    conv.mode = FLOW
    if option.id == NO:
        turn.say(turn.t("前回の内容は使わずに、あらためて伺います。"))
        request.advance(turn)
        return
    for key, value in offered.items():
        conv.answers[key] = value
        if key not in conv.history:
            conv.history.append(key)
    if option.id == YES:
        turn.say(turn.t("前回の内容を使います。最後の確認画面でも直せます。"))
        request.advance(turn)
        return
    conv.reuse = {"fix": list(offered)}
    conv.mode = REUSE_FIX
    ask_reuse_fix(turn)


def reuse_fix_options(turn: Turn) -> tuple[Option, ...]:
    """The reused answers that can be changed now, then 「直さずに進む」."""
    fixable = set((turn.conv.reuse or {}).get("fix", []))
    return (
        *(Option(s.id, s.label) for s in turn.flow.steps if s.id in fixable),
        Option(CONTINUE, N_("直さずに進む"), ("進む", "このまま", "continue")),
    )


def ask_reuse_fix(turn: Turn) -> None:
    """Ask which reused answer to change."""
    turn.say(
        turn.t("直したい項目を選んでください。ほかの項目は、最後の確認画面でも直せます。"),
        reuse_fix_options(turn),
    )


def reuse_fix_choice(turn: Turn, given: Given) -> None:
    """Ask the picked item again, or go on unchanged."""
    option = resolve(given, reuse_fix_options(turn), turn.t)
    conv = turn.conv
    if option is None:
        turn.say(turn.t("直したい項目を番号で選んでください。"))
        ask_reuse_fix(turn)
        return
    conv.reuse, conv.mode = None, FLOW
    if option.id != CONTINUE:
        conv.editing = option.id
        conv.previous = conv.answers.pop(option.id, None)
    request.advance(turn)


class Reuse(Mode):
    """The identity answers of the member's earlier request, offered (never silently reused)."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return REUSE_OPTIONS

    def ask(self, turn: Turn) -> None:
        show_reuse_offer(turn)

    def take(self, turn: Turn, given: Given) -> None:
        reuse_choice(turn, given)

    def leave(self, turn: Turn) -> None:
        conv = turn.conv
        if conv.reuse_offered:
            conv.reuse_offered.pop()  # not answered: offered again when the step is
        conv.mode, conv.reuse = FLOW, None


class ReuseFix(Mode):
    """Which of the reused answers to change."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return reuse_fix_options(turn)

    def ask(self, turn: Turn) -> None:
        ask_reuse_fix(turn)

    def take(self, turn: Turn, given: Given) -> None:
        reuse_fix_choice(turn, given)

    def leave(self, turn: Turn) -> None:
        turn.conv.mode, turn.conv.reuse = FLOW, None
