"""Choices offered when we are unsure what the member meant, keeping their words for later.

Also the offer to switch request mid-form and what 「続ける」 does with what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows import (
    case_view,
    parsing,
    wording,
)
from flows.dialogue import (
    case_status,
    navigation,
    step_questions,
    switching,
    values,
    waiting,
)
from flows.dialogue.choosing import (
    Given,
    resolve,
)
from flows.dialogue.names import (
    ALSO,
    CALL_ME,
    CONTINUE,
    FLOW,
    FORWARD,
    MENU,
    MENU_CHOICE,
    SWITCH,
    TAKE_AS_ANSWER,
    UNCLEAR,
    VIEW,
    WITHDRAW,
)
from flows.dialogue.words import REQUEST_IDS
from flows.i18n import N_
from flows.messages import (
    CaseMessage,
)
from flows.modes import (
    menu,
    request,
    withdraw,
)
from flows.modes.base import Mode
from flows.registry import FLOWS
from flows.steps import Option
from flows.understanding import carried_over, prefill

if TYPE_CHECKING:
    from flows.turn import Turn

# What staff read on the case when a member with an overdue case asks to be contacted.
CALL_ME_NOTE = "（回答の目安を過ぎているため、会員が担当者からの連絡を希望しています）"


def offer(turn: Turn, text: str | None, prompt: str, option_ids: Sequence[str]) -> None:
    """Ask which of a few options the member meant, keeping their words for later."""
    turn.conv.pending_text = text
    turn.conv.mode = UNCLEAR
    turn.conv.offered = list(option_ids)
    turn.say(prompt, unclear_options(turn))


def anything_else(turn: Turn) -> None:
    """After a receipt or a message passed on: one short question, not the whole menu."""
    turn.conv.leave_flow()
    turn.conv.mode, turn.conv.resume_mode = UNCLEAR, None
    turn.conv.pending_text = None
    turn.conv.offered = [wording.MORE, wording.DONE]
    turn.say(turn.t(wording.ANYTHING_ELSE), wording.ANYTHING_ELSE_OPTIONS)


def asked_anything_else(turn: Turn) -> bool:
    """「ほかにご用件はありますか」 is on the table: a question, not a procedure."""
    return turn.conv.mode == UNCLEAR and turn.conv.offered == [wording.MORE, wording.DONE]


def offer_candidates(turn: Turn, text: str, candidates: Sequence[str]) -> None:
    """The requests the member may have meant, a person, and the menu."""
    offer(
        turn,
        text,
        turn.t("次のどれにあたりますか。"),
        [*candidates, FORWARD, MENU_CHOICE],
    )


def offer_switch(turn: Turn, text: str, target: str) -> None:
    """Mid-request, another request was asked for: switch (keeping the answers) or go on.
    A case waiting for the member hears her words first (``waiting``)."""
    held = waiting.waiting_case(turn, turn.read(text)) if target in REQUEST_IDS else None
    if held is not None:
        waiting.tell(turn, held, text)
    turn.conv.resume_mode = FLOW
    offer(
        turn,
        text,
        turn.t(
            "「{title}」のお手続きに切り替えますか。お名前など、入力済みの内容は引き継ぎます。",
            title=turn.t(FLOWS[target].title),
        ),
        [SWITCH + target, CONTINUE],
    )


def option_for(turn: Turn, option_id: str) -> Option:
    """The button for an offered option id (a request, a case, a person, the menu)."""
    closing = wording.anything_else_option(option_id)
    if closing is not None:
        return closing
    if option_id == FORWARD:
        return Option(FORWARD, N_("担当者と話す"), ("担当者", "伝える", "はい"))
    if option_id == MENU_CHOICE:
        return Option(MENU_CHOICE, N_("メニューから選ぶ"), ("メニュー", "いいえ"))
    if option_id == CONTINUE:
        return Option(CONTINUE, N_("いまの手続きを続ける"), ("続ける", "いいえ", "no"))
    if option_id == TAKE_AS_ANSWER:
        return Option(TAKE_AS_ANSWER, N_("この内容で入力する"), ("入力する",))
    if option_id.startswith(SWITCH):
        title = turn.t(FLOWS[option_id.removeprefix(SWITCH)].title)
        return Option(option_id, turn.t("「{title}」に切り替える", title=title), ("はい",))
    if option_id.startswith(ALSO):
        title = turn.t(FLOWS[option_id.removeprefix(ALSO)].title)
        return Option(option_id, turn.t("「{title}」を申し出る", title=title), ("はい",))
    if option_id.startswith("case:"):
        number = option_id.removeprefix("case:")
        return Option(option_id, turn.t("受付番号{number}の件として伝える", number=number))
    if option_id.startswith(VIEW):
        case = case_status.own_case(turn, option_id.removeprefix(VIEW))
        label = case_view.heading(case, turn.t) if case else option_id
        return Option(option_id, label)
    if option_id.startswith(WITHDRAW):
        case = case_status.own_case(turn, option_id.removeprefix(WITHDRAW))
        several = sum(o.startswith(WITHDRAW) for o in turn.conv.offered or []) > 1
        if case is not None and several:
            # Picking one of several: the case is named on its button.
            label = turn.t("{case}を取り下げる", case=case_view.heading(case, turn.t))
            return Option(option_id, label)
        return Option(option_id, N_("このお申し出を取り下げる"), ("取り下げる", "取下げ"))
    if option_id.startswith(CALL_ME):
        return Option(option_id, N_("担当者からの連絡を希望する"), ("連絡", "担当者"))
    return next(o for o in turn.engine.menu_options() if o.id == option_id)


def unclear_options(turn: Turn) -> tuple[Option, ...]:
    """The options on offer now (a person and the menu when none were kept)."""
    offered = turn.conv.offered or [FORWARD, MENU_CHOICE]
    return tuple(option_for(turn, option_id) for option_id in offered)


def ask_unclear(turn: Turn) -> None:
    """Ask again which of the offered options the member means (a switch offer in its own
    words, so a member back after a while knows what is asked)."""
    switch = next((o for o in turn.conv.offered or [] if o.startswith(SWITCH)), None)
    if switch is not None and turn.conv.resume_mode == FLOW:
        turn.say(
            turn.t(
                "「{title}」のお手続きに切り替えますか。お名前など、入力済みの内容は引き継ぎます。",
                title=turn.t(FLOWS[switch.removeprefix(SWITCH)].title),
            ),
            unclear_options(turn),
        )
        return
    turn.say(turn.t("次から選んでください。"), unclear_options(turn))


def unclear_choice(turn: Turn, given: Given) -> None:
    """Act on the picked option with the member's kept words."""
    option = resolve(given, unclear_options(turn), turn.t)
    pending = turn.conv.pending_text or ""
    if option is None:
        if turn.conv.resume_mode == FLOW:
            turn.say(turn.t("次から選んでください。"), unclear_options(turn))
            return
        turn.conv.mode = MENU
        menu.menu_choice(turn, given)
        return
    turn.conv.pending_text = None
    turn.conv.offered = None
    if option.id == CONTINUE:
        turn.conv.mode, turn.conv.resume_mode = FLOW, None
        turn.say(turn.t("続けます。"))
        retry_as_answer(turn, pending)
    elif option.id == TAKE_AS_ANSWER:
        turn.conv.mode, turn.conv.resume_mode = FLOW, None
        step = request.next_step(turn)
        if step is not None and pending:
            request.take_value(turn, step, parsing.parse_free_text(pending))
        else:
            turn.reask()
    elif option.id.startswith(SWITCH):
        target = FLOWS[option.id.removeprefix(SWITCH)]
        source = FLOWS[turn.conv.flow] if turn.conv.flow else None
        answers = carried_over(turn.conv.answers, target, source)
        earlier = switching.left_behind(turn, target, answers)
        said_at = len(turn.result.replies)
        request.start_flow(
            turn, target.type_id, answers | prefill(target, turn.read(pending)), explain=True
        )
        switching.keep(turn, earlier, said_at)
    elif option.id == FORWARD:
        # From mid-flow (a question typed at a step), what was entered goes along.
        kept = carried_over(turn.conv.answers, FLOWS["human"]) if turn.conv.flow else {}
        about = {"about": "other", "message": pending} if pending else {}
        request.start_flow(turn, "human", kept | about)
    elif option.id.startswith(ALSO):
        menu.start_option(turn, option.id.removeprefix(ALSO), pending)
    elif option.id.startswith("case:"):
        number = option.id.removeprefix("case:")
        turn.result.case_messages.append(CaseMessage(case_number=number, text=pending))
        turn.say(turn.t("受付番号{number}の担当者にお伝えしました。", number=number))
        anything_else(turn)
    elif option.id in (MENU_CHOICE, wording.MORE):
        turn.conv.leave_flow()
        menu.show_menu(turn)
    elif option.id == wording.DONE:
        turn.conv.mode = MENU
        turn.say(turn.t(wording.GOODBYE))
    elif option.id.startswith(VIEW):
        case_status.show_case_number(turn, option.id.removeprefix(VIEW), pending)
    elif option.id.startswith(WITHDRAW):
        withdraw.ask_withdraw(turn, option.id.removeprefix(WITHDRAW), pending)
    elif option.id.startswith(CALL_ME):
        number = option.id.removeprefix(CALL_ME)
        turn.result.case_messages.append(
            CaseMessage(case_number=number, text=pending or CALL_ME_NOTE)
        )
        turn.say(
            turn.t(
                "受付番号{number}の担当者に、ご連絡するよう伝えました。"
                "お待たせして申し訳ございません。",
                number=number,
            )
        )
        anything_else(turn)
    else:
        menu.start_option(turn, option.id, pending)


def retry_as_answer(turn: Turn, pending: str) -> None:
    """After 「続ける」, what the member typed never vanishes: stored if the step's parser
    takes it, otherwise kept for staff with the request; the step is asked once more."""
    step = request.next_step(turn)
    if not pending or step is None or parsing.is_greeting_only(pending):
        # 「こんにちは。先日の続きをお願いします」 was the coming back, said and answered by
        # the resume prompt: no answer and no wish for staff.
        turn.reask()
        return
    if step_questions.asked_at(turn, step, pending) is not None:
        step_questions.keep_for_staff(turn, step, pending)  # never the answer
        return
    parsed = values.parse(turn, step, Given(choice=None, text=pending))
    if parsed.ok and step.kind not in ("choice", "multi"):
        request.take_value(turn, step, parsed)
        return
    # 「やっぱり…」 declined as a switch: the words are not this step's value, and they
    # are not dropped either; the step is asked once more.
    step_questions.keep_wish_for_staff(turn, pending)
    if step.free_text and parsing.parse_own_words(pending).ok:
        # 「広告のチラシを止めてほしい」 at 利用停止's 対象, the switch to 同意の撤回 declined:
        # the words may be exactly what this request is about, so they can still be entered.
        turn.conv.asked_text = pending
        turn.say(turn.t(TAKE_WISH_AS_ANSWER_HINT, label=turn.t(step.label)))
    turn.reask()


TAKE_WISH_AS_ANSWER_HINT = N_(
    "いま入力した内容を、そのまま「{label}」として入力なさる場合は、"
    "「このまま入力」と入力してください。"
)


class Unclear(Mode):
    """A few options offered when we are unsure what the member meant; their words are kept."""

    lists_cases = True

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return unclear_options(turn)

    def ask(self, turn: Turn) -> None:
        ask_unclear(turn)

    def take(self, turn: Turn, given: Given) -> None:
        unclear_choice(turn, given)

    def cancel(self, turn: Turn) -> None:
        if asked_anything_else(turn):
            turn.say(turn.t("いま手続き中のものはありません。"))
            navigation.stop(turn, said=False)
        else:
            navigation.stop(turn, said=True)

    def leave(self, turn: Turn) -> None:
        conv = turn.conv
        if conv.resume_mode == FLOW:
            # Offered a switch mid-flow: 「戻る」「キャンセル」 act on the flow they were in.
            conv.mode, conv.resume_mode, conv.offered, conv.pending_text = FLOW, None, None, None
