"""Words that act at every step (戻る・やめる・やり直し・メニュー・ヘルプ・状況・言語) and /start.

They are handled here once for every mode; a mode only says what it sets aside (``leave``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows import (
    case_view,
)
from flows.dialogue import case_status
from flows.dialogue.names import (
    CONFIRM_CANCEL,
    CONFIRM_RESTART,
    CONFIRM_WITHDRAW,
    CONFIRMING,
    ENTERING,
    FLOW,
    PICK_ORG,
    RESUME,
    UNCLEAR,
)
from flows.i18n import Translator, normalise_language
from flows.messages import CaseView
from flows.modes import (
    confirm,
    menu,
    org_pick,
    request,
    resume,
)

if TYPE_CHECKING:
    from flows.turn import Turn


def start(turn: Turn, argument: str | None) -> None:
    """/start: the org named in the link, the device's language, and a half-filled form kept."""
    conv = turn.conv
    if turn.inbound.lang and not conv.lang_chosen:
        # The device's language until the member picks one; their pick then stays.
        conv.lang = normalise_language(turn.inbound.lang)
        turn.t = Translator(conv.lang)
    if argument in turn.engine.orgs and argument != conv.org:
        if conv.org and conv.flow and conv.answers:
            if conv.mode not in ENTERING:  # another question pending (やめますか…)
                conv.mode = conv.resume_mode if conv.resume_mode in ENTERING else FLOW
                conv.offered, conv.pending_text = None, None
            confirm.confirm_org_switch(turn, argument)
            return
        conv.leave_flow()
        conv.org = argument
    if conv.org is None and len(turn.engine.orgs) == 1:
        conv.org = next(iter(turn.engine.orgs))
    if conv.started and conv.org and resume.half_filled(turn):
        # Each terminal chat sends /start: only a long absence needs 続ける／やり直す.
        if resume.away_from_form(turn):
            resume.offer_resume(turn, None)
            return
        resume.say_resumed(turn)
        turn.reask()
        return
    # A question asked inside a form (「切り替えますか」 at its first step) is pending too, and
    # so is 「取り下げますか」: a 「はい」 typed after coming back answers it, with the case
    # named again, never the menu.
    inside_form = conv.mode == UNCLEAR and conv.resume_mode == FLOW and conv.flow is not None
    pending = (*ENTERING, *CONFIRMING, RESUME, CONFIRM_WITHDRAW)
    if conv.started and conv.org and (conv.mode in pending or inside_form):
        resume.say_resumed(turn)
        turn.reask()
        return
    conv.started = True
    if conv.org is None:
        conv.mode = PICK_ORG
        org_pick.ask_org(turn)
        return
    greet(turn)


def greet(turn: Turn) -> None:
    """Who the desk is and what it takes, then the menu."""
    turn.say(
        turn.t(
            "こんにちは。{org}の個人情報の窓口です。"
            "ご自身の情報の開示（内容をお知らせすること）、訂正、"
            "利用停止（使うのをやめること）などのご請求や、ご質問を受け付けます。"
            "24時間いつでもご利用いただけます。",
            org=turn.org.short_name.get(turn.t.lang),
        )
    )
    menu.show_menu(turn)


def act(turn: Turn, action: str) -> None:
    """A word that acts at every step; the mode at hand says what it means there."""
    conv = turn.conv
    turn.leave()
    if action.startswith("lang"):
        new = {"lang_en": "en", "lang_ja": "ja"}.get(action)
        conv.lang = new or ("en" if conv.lang == "ja" else "ja")
        conv.lang = normalise_language(conv.lang)
        conv.lang_chosen, conv.japanese_offered = True, False
        turn.t = Translator(conv.lang)
        turn.say(turn.t("日本語で表示します。"))
        turn.reask()
        return
    if conv.org is None:
        conv.mode = PICK_ORG
        org_pick.ask_org(turn)
        return
    mode = turn.current()
    if action == "help":
        turn.say(help_text(turn))
        turn.reask()
    elif action == "status" and mode.lists_cases and turn.mode() is not None:
        case_status.show_status(turn, None)
    elif action == "status":
        turn.say(status_text(turn))
        turn.reask()
    elif action == "menu":
        mode.to_menu(turn)
    elif action == "cancel":
        mode.cancel(turn)
    elif action == "restart":
        mode.restart(turn)
    elif action == "back":
        mode.back(turn)


def help_text(turn: Turn) -> str:
    """How to answer and which words act at every step."""
    return turn.t(
        "番号か、選択肢の言葉を入力してください。ご自分の言葉で入力してもかまいません。\n"
        "「戻る」：ひとつ前の質問に戻ります。\n"
        "「やり直し」：この手続きを最初から入力し直します。\n"
        "「キャンセル」：この手続きをやめます。\n"
        "「状況」：受付済みのお申し出の状況を表示します。\n"
        "「English」：英語に切り替えます。"
    )


def status_text(turn: Turn, cases: Sequence[CaseView] | None = None) -> str:
    """The member's cases in one list (``cases``: in the order of the choices shown below it)."""
    if not turn.cases:
        return turn.t("受付済みのお申し出はありません。")
    lines = [turn.t("受付済みのお申し出：")]
    # A closed case shows its outcome and close date, an open one its due date; a late
    # case's apology sits on its own line (flows.case_view.list_line).
    lines += [
        case_view.list_line(case, turn.t, turn.now)
        for case in (turn.cases if cases is None else cases)
    ]
    # Staff's words are not repeated here: a line of this list is tied to no case and
    # would outlive the case's purge. They are in each case's own view.
    return "\n".join(lines)


def restart(turn: Turn) -> None:
    conv = turn.conv
    conv.answers, conv.history, conv.editing, conv.previous = {}, [], None, None
    conv.resume_mode, conv.paused = None, None
    conv.mode = FLOW
    turn.say(turn.t("最初から入力し直します。"))
    request.advance(turn)


def cancel(turn: Turn) -> None:
    """「やめる」 wherever the member is: the mode at hand says what that means."""
    turn.current().cancel(turn)


def stop(turn: Turn, *, said: bool) -> None:
    """Leave what the member was doing for the menu; ``said``: tell them it stopped."""
    if said:
        turn.say(turn.t("手続きをやめました。"))
    turn.conv.leave_flow()
    turn.conv.pending_text = None
    menu.show_menu(turn)


def leave_for_menu(turn: Turn) -> None:
    """Drop what was being entered (nothing was sent) and show the menu."""
    turn.conv.leave_flow()
    menu.show_menu(turn)


def ask_restart(turn: Turn) -> None:
    """「やり直し」: asked first when answers would go, at once when there are none."""
    conv = turn.conv
    if conv.flow and conv.answers:
        conv.resume_mode = conv.mode
        conv.mode = CONFIRM_RESTART
        turn.reask()
    elif conv.flow:
        restart(turn)
    else:
        leave_for_menu(turn)


def confirm_cancel(turn: Turn) -> None:
    """Answers would be lost: ask before stopping, and come back here on 「いいえ」."""
    turn.conv.resume_mode = turn.conv.mode
    turn.conv.mode = CONFIRM_CANCEL
    turn.conv.stop_asked_again = False
    turn.reask()


def really_cancel(turn: Turn) -> None:
    """Stop after the member confirmed; nothing entered was sent."""
    turn.conv.leave_flow()
    turn.say(turn.t("手続きをやめました。入力された内容は送信していません。"))
    menu.show_menu(turn)


def undo_edit(turn: Turn) -> bool:
    """「戻る」 while changing an answer keeps the old one; True if there was such an edit."""
    conv = turn.conv
    if not conv.editing:
        return False
    conv.answers[conv.editing] = conv.previous
    conv.editing, conv.previous = None, None
    # The summary, or the next question if the edit came before the form was complete
    # (an answer reused from the member's earlier request).
    request.advance(turn)
    return True


def undo_edit_or_leave(turn: Turn) -> None:
    """「戻る」 outside a form: undo a half-done edit, or go to the menu."""
    if not undo_edit(turn):
        leave_for_menu(turn)


def step_back(turn: Turn) -> None:
    """「戻る」 in a request: the previous question, its answer kept to show while asked."""
    conv = turn.conv
    if undo_edit(turn):
        return
    if not conv.history:
        if conv.answers:
            confirm_cancel(turn)  # answers taken from their words: never dropped unasked
        else:
            leave_for_menu(turn)
        return
    last = conv.history.pop()
    conv.previous = conv.answers.pop(last, None)
    conv.mode = FLOW
    turn.say(turn.t("ひとつ前の質問に戻ります。"))
    request.advance(turn)
