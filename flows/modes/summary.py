"""The confirmation screen: every answer, every notice the request needs, then send or edit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from flows import (
    case_view,
    published,
)
from flows.dialogue import change_of_mind, navigation, step_questions, submit
from flows.dialogue.choosing import (
    SUMMARY_OPTIONS,
    Given,
    options_mentioned,
    resolve,
    without_yes,
)
from flows.dialogue.names import (
    EDIT,
    SUBMIT,
    SUMMARY,
)
from flows.i18n import Translator
from flows.modes import (
    edit_pick,
)
from flows.modes.base import Mode
from flows.notices import notice_lines
from flows.parsing import normalise_for_matching
from flows.steps import Context, Option, Step

if TYPE_CHECKING:
    from flows.turn import Turn


def summary_steps(turn: Turn) -> list[Step]:
    """The answered steps that still apply, in the form's order."""
    ctx = turn.ctx()
    return [s for s in turn.flow.steps if s.id in turn.conv.answers and s.applies(ctx)]


def summary_lines(turn: Turn, t: Translator) -> list[tuple[str, str]]:
    """Label and value of each answer, in ``t``'s language (Japanese for staff)."""
    ctx = Context(org=turn.org, answers=turn.conv.answers, now=turn.now, t=t)
    return [
        (t(step.label), step.display(turn.conv.answers[step.id], ctx))
        for step in summary_steps(turn)
    ] + case_view.staff_question_lines(turn.conv.staff_questions, t)


def show_summary(turn: Turn) -> None:
    """Every answer and every notice the request needs, then 送信する・修正する・やめる."""
    turn.conv.mode = SUMMARY
    lines = [
        turn.t("入力内容をご確認ください。"),
        turn.t("お申し出：{title}", title=turn.t(turn.flow.title)),
    ]
    # Bullets, not numbers: the numbers belong to the choices below (送信する・修正する).
    ja = turn.t.lang == "ja"
    item, note = ("・", "※") if ja else ("- ", "- ")
    lines += [
        f"{item}{label}{'：' if ja else ': '}{value}"
        for label, value in summary_lines(turn, turn.t)
    ]
    notices = notice_lines(turn.flow.notices, turn.ctx())
    if notices:
        drop_said_this_turn(turn, notices)
        lines.append(turn.t("送信の前に、次の点をご確認ください。"))
        lines += [f"{note}{line}" for line in notices]
    lines.append(
        turn.t(
            "よろしければ「送信する」を選んでください。直したいところがあれば「修正する」を選んでください。"
        )
    )
    turn.say("\n".join(lines), SUMMARY_OPTIONS)


def drop_said_this_turn(turn: Turn, notices: Sequence[str]) -> None:
    """A notice a step said in this same turn, right before the summary, is said once:
    on the summary, which always lists it."""
    kept = []
    for reply in turn.result.replies:
        lines = [line for line in reply.text.split("\n") if line not in notices]
        if lines or reply.choices:
            kept.append(replace(reply, text="\n".join(lines)))
    turn.result.replies[:] = kept


def summary_choice(turn: Turn, given: Given) -> None:
    """Send only on the button or its words; a named item goes straight to its edit."""
    option = resolve(given, SUMMARY_OPTIONS, turn.t)
    # 「いつから電話が止まりますか」 asks; it does not name the phone item to change.
    asking = bool(given.text) and published.is_question(given.text or "")
    named = item_named(turn, given.text) if option is None and given.text and not asking else None
    topic = (
        published.question_about(given.text)
        if option is None and named is None and given.text
        else None
    )
    if option is None and named is None and topic is None and given.text:
        # 「修正したいです」「はい、修正します」 ask to edit; sending is never read from a sentence.
        mentioned = options_mentioned(without_yes(given.text), SUMMARY_OPTIONS)
        if [o.id for o in mentioned] == [EDIT]:
            option = mentioned[0]
    if (
        option is None
        and named is None
        and given.text
        and change_of_mind.changes_a_choice(turn, given.text)
    ):
        return  # 「やっぱりメールにしていただけますか」: that choice changed
    if named is not None:
        edit_pick.edit(turn, named.id)  # 「生年月日を直したい」: straight to that item
    elif topic is not None:
        # 「手数料はかかりますか」 before sending: answered, and nothing is sent.
        turn.say(turn.published_answer(topic.id))
        show_summary(turn)
    elif option is None and given.text and (asking or adds_to_request(given.text)):
        # A question the desk cannot answer, or 「…も一緒に見たい」: kept for staff with
        # the request (shown on the summary), and nothing is sent.
        keep_with_request(turn, given.text, asking=asking)
        show_summary(turn)
    elif option is None:
        turn.say(turn.t("「送信する」「修正する」「やめる」から選んでください。"))
        show_summary(turn)
    elif option.id == SUBMIT:
        submit.submit(turn)
    elif option.id == EDIT:
        edit_pick.ask_edit(turn)
    else:
        navigation.cancel(turn)


# The words members name a summary item with, beside its label (「名前がまちがっています」).
ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名前", "なまえ", "氏名", "name"),
    "kana": ("フリガナ", "ふりがな", "カナ", "かな", "読み方", "よみかた", "kana"),
    "former_name": ("旧姓", "きゅうせい"),
    "birth_date": ("生年月日", "誕生日", "たんじょうび", "生まれ", "birth"),
    "phone": ("電話", "でんわ", "phone"),
    "member_number": ("組合員番号", "契約番号", "member number"),
    "postal_code": ("郵便番号", "〒"),
    "address": ("住所", "じゅうしょ", "送り先", "address"),
    "email": ("メール", "めーる", "アドレス", "email"),
    "agent_name": ("代理人の名前", "代理人のお名前", "私の名前", "自分の名前"),
    "agent_phone": ("代理人の電話", "私の電話", "自分の電話"),
    "scope": ("範囲",),
    "method": ("方法", "受け取り方"),
}


def item_words(turn: Turn, step: Step) -> list[str]:
    """The item's label and the words members name it with, normalised."""
    words = [turn.t(step.label), *ITEM_ALIASES.get(step.id, ())]
    return [w for w in (normalise_for_matching(word) for word in words) if w]


# 「誰かに渡した記録も一緒に見たいです」「住所も直してほしい」: something to add to the request.
_ADDS = re.compile(
    r"一緒に|いっしょに|あわせて|合わせて|併せて|追加|ついでに"
    # 「…も見たい」, not 「もう一度」「どうも」.
    r"|(?<![もど])も(?!う)[^。、]{0,10}(?:たい|てほしい|て欲しい|てください|てもらえ|ていただけ)"
)


def adds_to_request(text: str) -> bool:
    """Whether a sentence at the summary asks to add something to the request."""
    return bool(_ADDS.search(unicodedata.normalize("NFKC", text)))


def keep_with_request(turn: Turn, text: str, *, asking: bool) -> None:
    """Keep the member's words for staff with the request and say so."""
    if asking:
        if text not in turn.conv.staff_questions:
            turn.conv.staff_questions.append(text)
        turn.say(turn.t(step_questions.KEPT_FOR_STAFF))
    else:
        step_questions.keep_wish_for_staff(turn, text)


def item_named(turn: Turn, text: str) -> Step | None:
    """The summary item a sentence names (the longest label or alias in it), if exactly one."""
    typed = normalise_for_matching(text)
    named = [
        (max(len(word) for word in found), step)
        for step in summary_steps(turn)
        if (found := [word for word in item_words(turn, step) if word in typed])
    ]
    if not named:
        return None
    longest = max(length for length, _ in named)
    steps = [step for length, step in named if length == longest]
    return steps[0] if len(steps) == 1 else None


class Summary(Mode):
    """The confirmation screen: send, edit or stop; the items are bullets, not numbers."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return SUMMARY_OPTIONS

    def ask(self, turn: Turn) -> None:
        show_summary(turn)

    def take(self, turn: Turn, given: Given) -> None:
        summary_choice(turn, given)

    def back(self, turn: Turn) -> None:
        navigation.step_back(turn)

    def cancel(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.stop(turn, said=True)

    def to_menu(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.leave_for_menu(turn)
