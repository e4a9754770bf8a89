"""The confirmations before answers are lost: cancel, restart and switching org.

Each returns to the mode it interrupted (``resume_mode``) when the member says no.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import org_cases
from flows.dialogue import free_text, navigation, values
from flows.dialogue.choosing import (
    CONFIRM_CANCEL_OPTIONS,
    CONFIRM_ORG_SWITCH_OPTIONS,
    CONFIRM_RESTART_OPTIONS,
    Given,
    resolve,
)
from flows.dialogue.names import (
    CONFIRM_ORG_SWITCH,
    CONTINUE,
    FLOW,
    MENU,
    NO,
    RESUME,
    YES,
)
from flows.i18n import N_
from flows.modes import request, resume
from flows.modes.base import Mode
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn


def confirm_cancel_choice(turn: Turn, given: Given) -> None:
    """The answer to 「やめますか」: 「はい」 stops, 「いいえ」 goes on where the member was."""
    conv = turn.conv
    option = resolve(given, CONFIRM_CANCEL_OPTIONS, turn.t)
    asked_again, conv.stop_asked_again = conv.stop_asked_again, False
    if option is not None and option.id == YES:
        navigation.really_cancel(turn)
    elif option is not None:
        conv.mode = conv.resume_mode or FLOW
        turn.say(turn.t("続けます。"))
        turn.reask()
    elif answers_the_step(turn, given):
        # 「山田 花子」 after 「やめますか」: the member went on with the form; the value is
        # taken for the step it answers, not met with the same question again.
        conv.mode = FLOW
        turn.say(turn.t("続けます。"))
        turn.handle(given)
    elif not asked_again:
        conv.stop_asked_again = True
        turn.say(turn.t(ANSWER_YES_OR_NO))
        turn.reask()
    else:
        # Asked twice and answered neither way: the question is dropped, the form goes on.
        conv.mode = conv.resume_mode or FLOW
        turn.say(turn.t("続けます。"))
        turn.reask()


ANSWER_YES_OR_NO = N_("やめる場合は「はい」、続ける場合は「いいえ」と入力してください。")


def answers_the_step(turn: Turn, given: Given) -> bool:
    """Whether the reply to 「やめますか」 is a value the interrupted step of the form takes."""
    if turn.conv.resume_mode != FLOW or turn.conv.flow is None or not given.text:
        return False
    step = request.next_step(turn)
    if step is None or step.kind in ("choice", "multi"):
        return False  # a lone 「1」 or a label there may be meant for the question
    return values.parse(turn, step, given).ok


def confirm_org_switch(turn: Turn, org_id: str) -> None:
    """/start with another org mid-request: the answers would go, so ask first."""
    conv = turn.conv
    conv.org_switch = org_id
    conv.resume_mode = conv.mode
    conv.mode = CONFIRM_ORG_SWITCH
    ask_org_switch(turn)


def ask_org_switch(turn: Turn) -> None:
    """Ask before another org's /start drops the request being entered."""
    target = turn.engine.orgs.get(turn.conv.org_switch or "")
    if target is None:  # a stored state from before the profile was removed
        turn.conv.mode, turn.conv.org_switch = turn.conv.resume_mode or FLOW, None
        turn.reask()
        return
    if turn.conv.flow is None:  # no form to lose: the member named the other co-op's case
        turn.say(org_cases.switch_question(target, turn.t), CONFIRM_ORG_SWITCH_OPTIONS)
        return
    turn.say(
        turn.t(
            "いま入力中の「{title}」（{org}）は、まだ送信していません。"
            "{target}に切り替えると、入力した内容は消えます。切り替えますか。",
            title=turn.t(turn.flow.title),
            org=turn.org.short_name.get(turn.t.lang),
            target=target.short_name.get(turn.t.lang),
        ),
        CONFIRM_ORG_SWITCH_OPTIONS,
    )


def answered_yes(turn: Turn, given: Given, options: tuple[Option, ...]) -> bool:
    """The answer to 「最初から入力し直しますか」 or 「切り替えますか」: either answer ends the
    confirmation (「いいえ」 goes on where the member was); True only for 「はい」."""
    conv = turn.conv
    option = resolve(given, options, turn.t)
    if option is None:
        turn.reask()
        return False
    conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
    conv.resume_mode = None
    if option.id == NO and conv.mode == RESUME:  # 「やり直す」 at the resume prompt, then no
        resume.resume_choice(turn, Given(choice=CONTINUE, text=None))
        return False
    if option.id == NO:
        turn.say(turn.t("続けます。"))
        turn.reask()
        return False
    return True


class _Confirmation(Mode):
    """A yes/no before answers are lost; 「戻る」 goes back to the question it interrupted."""

    def back(self, turn: Turn) -> None:
        turn.conv.mode, turn.conv.org_switch = turn.conv.resume_mode or MENU, None
        turn.reask()

    def step_aside(self, turn: Turn) -> Mode:
        """Back to the mode this confirmation interrupted, whose handler then acts."""
        turn.conv.mode, turn.conv.org_switch = turn.conv.resume_mode or FLOW, None
        return turn.current()


class ConfirmCancel(_Confirmation):
    """「やめますか」: nothing entered is dropped without the member saying so."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return CONFIRM_CANCEL_OPTIONS

    def ask(self, turn: Turn) -> None:
        turn.say(
            turn.t("入力中の内容は、まだ送信していません。この手続きをやめますか。"),
            CONFIRM_CANCEL_OPTIONS,
        )

    def take(self, turn: Turn, given: Given) -> None:
        confirm_cancel_choice(turn, given)

    def cancel(self, turn: Turn) -> None:
        navigation.really_cancel(turn)  # 「やめる」 again: that is a yes

    def restart(self, turn: Turn) -> None:
        if turn.conv.flow and turn.conv.answers:
            self.step_aside(turn).restart(turn)
        else:
            super().restart(turn)


class ConfirmRestart(_Confirmation):
    """「最初から入力し直しますか」: 「やり直し」 confirms like 「キャンセル」."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return CONFIRM_RESTART_OPTIONS

    def ask(self, turn: Turn) -> None:
        turn.say(
            turn.t("入力した内容をすべて消して、最初から入力し直しますか。"),
            CONFIRM_RESTART_OPTIONS,
        )

    def take(self, turn: Turn, given: Given) -> None:
        if answered_yes(turn, given, CONFIRM_RESTART_OPTIONS):
            navigation.restart(turn)

    def cancel(self, turn: Turn) -> None:
        self.step_aside(turn).cancel(turn)

    def to_menu(self, turn: Turn) -> None:
        self.step_aside(turn).to_menu(turn)

    def restart(self, turn: Turn) -> None:
        conv = turn.conv  # 「やり直し」 again: that is a yes
        conv.mode, conv.resume_mode = conv.resume_mode or FLOW, None
        navigation.restart(turn)


class ConfirmOrgSwitch(_Confirmation):
    """「切り替えますか」: /start with another org mid-request."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return CONFIRM_ORG_SWITCH_OPTIONS

    def ask(self, turn: Turn) -> None:
        ask_org_switch(turn)

    def take(self, turn: Turn, given: Given) -> None:
        target = turn.conv.org_switch
        # Words for the other co-op's staff (relaying.switch_for_awaited) go there on 「はい」.
        words = turn.conv.pending_text if turn.conv.flow is None else None
        if answered_yes(turn, given, CONFIRM_ORG_SWITCH_OPTIONS) and target in turn.engine.orgs:
            turn.conv.leave_flow()
            turn.conv.org = target
            turn.conv.pending_text = None
            navigation.greet(turn)
            if words:
                free_text.understand(turn, words)
        elif turn.conv.mode != CONFIRM_ORG_SWITCH:
            turn.conv.pending_text = None

    def cancel(self, turn: Turn) -> None:
        self.step_aside(turn).cancel(turn)

    def to_menu(self, turn: Turn) -> None:
        self.step_aside(turn).to_menu(turn)

    def restart(self, turn: Turn) -> None:
        if turn.conv.flow and turn.conv.answers:
            self.step_aside(turn).restart(turn)
        else:
            super().restart(turn)
