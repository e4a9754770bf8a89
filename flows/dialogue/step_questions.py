"""A question or a plea for help typed where a value is expected (issue 16, point 2).

It is answered (from the profile, or by saying how to answer) and never stored as the value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    asking,
    parsing,
)
from flows.modes import (
    unclear,
)
from flows.registry import FLOWS
from flows.steps import Step

if TYPE_CHECKING:
    from flows.turn import Turn


def asked_at(turn: Turn, step: Step, text: str) -> asking.Asked | None:
    """What ``text`` asks instead of answering ``step``, if it asks anything."""
    return asking.read_at_step(
        text,
        takes_sentences=step.kind == "text" or step.free_text,
        takes_questions=step.takes_questions,
    )


def answer_at_step(turn: Turn, step: Step, asked: asking.Asked, text: str) -> None:
    """Answer what was asked at ``step`` (nothing is stored), then ask the step again."""
    if asked.kind == "person":
        if turn.conv.flow in ("human", "inquiry"):
            turn.say(turn.t("このお申し出は、入力が終わりしだい担当者にお渡しします。"))
            turn.reask()
        else:
            unclear.offer_switch(turn, text, "human")
        return
    if asked.topic is not None:
        turn.say(turn.published_answer(asked.topic.id))
        formal = asked.topic.formal
        if formal and formal != turn.conv.flow:
            turn.say(
                turn.t(
                    "正式な「{title}」のお申し出は、この手続きのあとで"
                    "「メニュー」と入力してお選びいただけます。",
                    title=turn.t(FLOWS[formal].title),
                )
            )
    else:
        turn.say(step_help(turn, step))
    turn.reask()


def step_help(turn: Turn, step: Step) -> str:
    """How to answer ``step`` when the member asks or does not know."""
    lines = []
    if step.kind == "text" or step.free_text:
        lines.append(
            turn.t(
                "「{label}」について、ご自身の言葉で短く入力してください。"
                "うまく書けないときは「担当者と話したい」と入力してください。担当者がご案内します。",
                label=turn.t(step.label),
            )
        )
    elif step.kind in ("choice", "multi"):
        lines.append(
            turn.t(
                "近いものを番号で選んでください。お分かりにならなければ"
                "「担当者と話したい」と入力してください。担当者がご案内します。"
            )
        )
    elif not step.optional:
        lines.append(turn.t(parsing.ERR_UNKNOWN))
    if step.optional:
        lines.append(
            turn.t(
                "お分かりにならなければ「{skip}」を選んでください。そのまま先に進めます。",
                skip=turn.t(step.skip_label),
            )
        )
    return "\n".join(lines)
