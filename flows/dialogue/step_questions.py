"""A question or a plea for help typed where a value is expected (issue 16, point 2).

It is answered (from the profile, or by saying how to answer) and never stored as the value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flows import (
    asking,
    followups,
    parsing,
)
from flows.dialogue import waiting, where_written
from flows.dialogue.words import REQUEST_IDS, TAKE_AS_ANSWER_WORDS
from flows.i18n import N_
from flows.modes import (
    unclear,
)
from flows.registry import FLOWS
from flows.steps import WHY_USED_ONLY_HERE, Step

if TYPE_CHECKING:
    from flows.messages import CaseView
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
    if explain_why(turn, step, text) or where_written.explain_where(turn, step, text):
        turn.reask()
        return
    if asked.topic is not None:
        if asked.topic.id in _SHARING_TOPICS and step.kind not in _NOT_PERSONAL_KINDS:
            # 「誰かに共有される？」 while typing a name: first about what is typed here,
            # then the co-op's published rule, said to be about member data in general.
            turn.say(turn.t(WHY_USED_ONLY_HERE) + "\n" + turn.t(IN_GENERAL))
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
        turn.say(without_the_prompt(step_help(turn, step), turn.t(step.prompt)))
    turn.reask()


def without_the_prompt(help_text: str, prompt: str) -> str:
    """``help_text`` without the sentences of the step's prompt, which is asked right after
    it: 「代理人の方（ご自身）のお名前を入力してください。」 is said once, not twice."""
    said = {sentence.strip() for sentence in _sentences(prompt)}
    kept = "".join(s for s in _sentences(help_text) if s.strip() not in said).strip()
    return kept or help_text


def _sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its 「。」 or full stop and the space after it."""
    return re.findall(r"[^。.?!]+(?:[。.?!]\s*|$)", text)


_SHARING_TOPICS = frozenset({"joint_use", "third_party"})
_NOT_PERSONAL_KINDS = frozenset({"choice", "multi", "text", "document"})
IN_GENERAL = N_("なお、生協での組合員さまの情報全般の扱いは、次のとおりです。")

KEPT_FOR_STAFF = N_("このご質問は、お申し出といっしょに担当者にお伝えします。")
TAKE_AS_ANSWER_HINT = N_(
    "ご質問ではなく、いま入力した内容をそのまま回答になさる場合は、"
    "「このまま入力」と入力してください。"
)


def explain_why(turn: Turn, step: Step, text: str) -> bool:
    """「電話番号は必要なんですか」: say why the step asks (its ``why``), if it says."""
    if step.why is None or not asking.asks_why(text):
        return False
    turn.say(turn.t(step.why) + "\n" + turn.t(WHY_USED_ONLY_HERE))
    return True


def explain_whose(turn: Turn, step: Step, text: str) -> bool:
    """「夫の名前でしょうか」: say whose details the step wants (its ``hint``), if it says."""
    hint = step.hint_text(turn.ctx())
    if hint is None or not asking.asks_whose(text):
        return False
    turn.say(hint)
    return True


def keep_for_staff(turn: Turn, step: Step, text: str) -> None:
    """A question the desk cannot answer goes to staff with the request; the step is asked
    again with its own choices only, so a number typed next means one of them."""
    if (
        explain_why(turn, step, text)
        or explain_whose(turn, step, text)
        or where_written.explain_where(turn, step, text)
    ):
        turn.reask()
        return
    case = case_asked_about(turn, text)
    if case is not None:
        # 「いつお電話をいただけるのでしょうか」 in the middle of a new form is about the case
        # staff are working: it reaches that case now, not with a form that may never be sent.
        waiting.tell(turn, case, text)
        turn.reask()
        return
    conv = turn.conv
    if text not in conv.staff_questions:
        conv.staff_questions.append(text)
    lines = [turn.t(KEPT_FOR_STAFF)]
    if step.kind == "text" or step.free_text:
        conv.asked_text = text
        lines.append(turn.t(TAKE_AS_ANSWER_HINT))
    turn.say("\n".join(lines))
    turn.reask()


def case_asked_about(turn: Turn, text: str) -> CaseView | None:
    """The member's case a question typed inside a form is about (its timing, a complaint,
    its number or what it needs), when one case fits; ``None`` keeps it with the form."""
    reading = turn.read(text)
    if not followups.about_a_case(reading):
        return None
    days = turn.org.retention.followup_days
    held = followups.held_for(turn.cases, reading, turn.now, days)
    if held is not None:
        return held
    found = followups.target(
        turn.cases, turn.now, days, reading.case_number, followups.named_types(reading, REQUEST_IDS)
    )
    return found.case if isinstance(found, followups.FollowUp) else None


KEPT_WISH_FOR_STAFF = N_("このご要望は、お申し出に書き添えて担当者にお伝えします。")


def keep_wish_for_staff(turn: Turn, text: str) -> None:
    """Words that are neither this step's value nor a request to switch to (「…も一緒に
    見たい」, a switch declined): written beside the request for staff, and said so."""
    if text not in turn.conv.staff_questions:
        turn.conv.staff_questions.append(text)
    turn.say(turn.t(KEPT_WISH_FOR_STAFF))


def takes_question_as_answer(turn: Turn, text: str | None) -> str | None:
    """The question kept at this step, when the member now says to enter it as it is."""
    conv = turn.conv
    kept, conv.asked_text = conv.asked_text, None
    if kept is None or text is None:
        return None
    if parsing.normalise_for_matching(text) not in TAKE_AS_ANSWER_WORDS:
        return None
    if kept in conv.staff_questions:
        conv.staff_questions.remove(kept)
    return kept


def step_help(turn: Turn, step: Step) -> str:
    """How to answer ``step`` when the member asks or does not know: its ``hint`` (what
    exactly to type, whose details) where it has one."""
    lines = []
    hint = step.hint_text(turn.ctx())
    if hint is not None:
        lines.append(hint)
    elif step.kind == "text" or step.free_text:
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
    elif not step.is_optional(turn.ctx()):
        lines.append(turn.t(parsing.ERR_UNKNOWN))
    if step.is_optional(turn.ctx()):
        lines.append(
            turn.t(
                "お分かりにならなければ「{skip}」を選んでください。そのまま先に進めます。",
                skip=turn.t(step.skip_label),
            )
        )
    return "\n".join(lines)
