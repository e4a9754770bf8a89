"""Coming back to a half-filled form: which request, what is entered, continue or restart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flows import wording
from flows.bereavement import DECEASED
from flows.dialogue import navigation
from flows.dialogue.choosing import (
    RESUME_OPTIONS,
    Given,
    resolve,
)
from flows.dialogue.conversation import holds_a_form
from flows.dialogue.names import (
    CONFIRM_CANCEL,
    CONFIRM_ORG_SWITCH,
    CONFIRM_RESTART,
    CONTINUE,
    EDIT_PICK,
    FLOW,
    FORWARD,
    RESTART,
    RESUME,
    REUSE,
    REUSE_FIX,
    SUMMARY,
    SWITCH,
    UNCLEAR,
)
from flows.i18n import N_
from flows.modes import (
    request,
    summary,
    unclear,
)
from flows.modes.base import Mode
from flows.registry import FLOWS
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn

# A member who comes back to a half-filled form after this long is told which request it is
# and what is already entered, and asked whether to go on or start again.
RESUME_AFTER = timedelta(hours=12)
# The pending question named in the resume prompt, by mode (a step is named by its label).
PAUSED_QUESTIONS = {
    SUMMARY: N_("入力内容の確認"),
    EDIT_PICK: N_("直す項目の選択"),
    UNCLEAR: N_("ご質問を担当者にお伝えするかどうか"),
    REUSE: N_("前回と同じ内容を使うかどうか"),
    REUSE_FIX: N_("変更する項目の選択"),
    CONFIRM_CANCEL: N_("この手続きをやめるかどうか"),
    CONFIRM_RESTART: N_("最初から入力し直すかどうか"),
    CONFIRM_ORG_SWITCH: N_("窓口を切り替えるかどうか"),
}


def whose_request(turn: Turn) -> str:
    """The request being entered and for whom: 「「開示」のお申し出（代理人として）」."""
    title = turn.t(turn.flow.title)
    requester = turn.conv.answers.get("requester")
    if requester in ("legal_agent", "appointed_agent"):
        return turn.t("「{title}」のお申し出（代理人として）", title=title)
    if requester == DECEASED:
        return turn.t("「{title}」のお申し出（亡くなったご家族について）", title=title)
    if requester == "self":
        return turn.t("「{title}」のお申し出（ご本人）", title=title)
    return turn.t("「{title}」のお申し出", title=title)


def say_resumed(turn: Turn) -> None:
    """Back soon: which request, for whom, and how many answers are kept."""
    lines = [turn.t("前回の続きから再開します。")]
    count = answers_given(turn) if turn.conv.flow else 0
    if turn.conv.flow and not count:
        lines.append(turn.t("{request}の入力の途中です。", request=whose_request(turn)))
    elif turn.conv.flow:
        lines.append(
            turn.t(
                "{request}：入力済みの内容は{count}件です。",
                request=whose_request(turn),
                count=count,
            )
        )
    turn.say("\n".join(lines))


def answers_given(turn: Turn) -> int:
    """How many answers the member has given: the form's answered steps that still apply,
    the same items the list under 「入力済みの内容」 shows (questions for staff are no answer)."""
    return len(summary.summary_steps(turn))


def half_filled(turn: Turn) -> bool:
    """A form is held and the member is not already being asked whether to resume it."""
    return turn.conv.mode != RESUME and holds_a_form(turn.conv)


def away_from_form(turn: Turn) -> bool:
    """The member comes back to a half-filled form after a long while."""
    conv = turn.conv
    if not half_filled(turn) or not conv.last_turn_at:
        return False
    return turn.now - datetime.fromisoformat(conv.last_turn_at) >= RESUME_AFTER


def offer_resume(turn: Turn, text: str | None) -> None:
    """Set the pending question aside (with what was just typed) and ask whether to go on."""
    conv = turn.conv
    if conv.paused is None:  # not already asked (やり直しますか from the resume prompt)
        conv.paused = [conv.mode, conv.resume_mode, None]
    conv.paused[2] = text
    conv.resume_mode = None
    conv.mode = RESUME
    show_resume_offer(turn)


def paused_question(turn: Turn) -> str:
    """Which question comes next once the member goes on."""
    mode = turn.conv.paused[0] if turn.conv.paused else FLOW
    if mode == FLOW:
        step = request.next_step(turn)
        if step is not None:
            return turn.t(step.label)
    offered = turn.conv.offered or []
    switch = next((o for o in offered if o.startswith(SWITCH)), None)
    if mode == UNCLEAR and switch is not None:
        title = turn.t(FLOWS[switch.removeprefix(SWITCH)].title)
        return turn.t("「{title}」のお手続きに切り替えるかどうか", title=title)
    return turn.t(PAUSED_QUESTIONS.get(mode or FLOW, N_("入力内容の確認")))


def show_resume_offer(turn: Turn) -> None:
    """Which request, what is entered, what comes next, and 続ける／やり直す."""
    lines = [
        turn.t(
            "入力の途中のお申し出があります：{title}",
            title=turn.t(turn.flow.title),
        ),
        turn.t(
            "{request}：入力済みの内容は{count}件です。",
            request=whose_request(turn),
            count=answers_given(turn),
        ),
        turn.t("入力済みの内容："),
    ]
    lines += [
        wording.item_line(turn.t, label, value)
        for label, value in summary.summary_lines(turn, turn.t)
    ]
    lines.append(turn.t("次は「{question}」です。", question=paused_question(turn)))
    lines.append(turn.t("続きから入力しますか。最初からやり直すこともできます。"))
    turn.say("\n".join(lines), RESUME_OPTIONS)


def resume_choice(turn: Turn, given: Given) -> None:
    """Go on where the member was (what they typed is the answer to it), or confirm
    starting the same request again."""
    option = resolve(given, RESUME_OPTIONS, turn.t)
    conv = turn.conv
    if option is not None and option.id == RESTART:
        # Every answer would go: confirmed like 「やり直し」; いいえ comes back here.
        conv.resume_mode, conv.mode = RESUME, CONFIRM_RESTART
        turn.reask()
        return
    paused, conv.paused = conv.paused or [FLOW, None, None], None
    conv.mode, conv.resume_mode, pending = paused[0] or FLOW, paused[1], paused[2]
    turn.say(turn.t("続きから入力します。"))
    if option is None and given.text:
        # Neither word: an answer or a question for the pending question (or step).
        turn.handle(Given(choice=None, text=given.text))
    elif pending and conv.mode == FLOW:
        unclear.retry_as_answer(turn, pending)
    elif conv.mode == UNCLEAR and FORWARD in (conv.offered or []) and conv.pending_text:
        # The question they asked a day ago, and the same offer in its own words.
        turn.say(turn.t("ご質問：{question}", question=conv.pending_text))
        prompt = turn.t("このご質問を担当者にお伝えしますか。")
        unclear.offer(turn, conv.pending_text, prompt, conv.offered or [])
    else:
        turn.reask()


class Resume(Mode):
    """Back at a half-filled form after a while: which request, what is entered, go on?"""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return RESUME_OPTIONS

    def ask(self, turn: Turn) -> None:
        show_resume_offer(turn)

    def take(self, turn: Turn, given: Given) -> None:
        resume_choice(turn, given)

    def answers_word(self, turn: Turn, text: str) -> bool:
        return resolve(Given(choice=None, text=text), RESUME_OPTIONS, turn.t) is not None

    # No ``leave``: a word typed at this prompt acts on the prompt itself (below), so the
    # form set aside is never dropped unasked.

    def back(self, turn: Turn) -> None:
        """「戻る」 at 「続きから入力しますか」: back to the question the member left, which
        is asked again; nothing is dropped."""
        resume_choice(turn, Given(choice=CONTINUE, text=None))

    def cancel(self, turn: Turn) -> None:
        """「キャンセル」 at 「続きから入力しますか」: asked first; 「いいえ」 comes back here."""
        navigation.confirm_cancel(turn)

    def to_menu(self, turn: Turn) -> None:
        navigation.confirm_cancel(turn)
