"""Words that act at every step (戻る・やめる・やり直し・メニュー・ヘルプ・状況・言語) and /start.

They are handled here once for every mode; a mode only says what it sets aside (``leave``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    case_view,
)
from flows.dialogue import case_status
from flows.dialogue.names import (
    CONFIRM_CANCEL,
    CONFIRM_ORG_SWITCH,
    CONFIRM_RESTART,
    CONFIRMING,
    EDIT_PICK,
    ENTERING,
    FLOW,
    INQUIRY,
    MENU,
    PICK_ORG,
    RESUME,
    SUMMARY,
    UNCLEAR,
)
from flows.i18n import Translator, normalise_language
from flows.modes import (
    confirm,
    menu,
    org_pick,
    request,
    resume,
    summary,
)
from flows.registry import FLOWS
from flows.status import status_label

if TYPE_CHECKING:
    from flows.turn import Turn


def start(turn: Turn, argument: str | None) -> None:
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
    if conv.started and conv.org and conv.mode in ENTERING and conv.answers:
        resume.offer_resume(turn, None)
        return
    if conv.started and conv.org and conv.mode in (*ENTERING, *CONFIRMING, RESUME):
        turn.say(turn.t("前回の続きから再開します。"))
        turn.reask()
        return
    conv.started = True
    if conv.org is None:
        conv.mode = PICK_ORG
        org_pick.ask_org(turn)
        return
    greet(turn)


def greet(turn: Turn) -> None:
    turn.say(
        turn.t(
            "こんにちは。{org}の個人情報の窓口です。"
            "ご自身の情報の開示・訂正・利用停止などのお申し出や、ご質問を受け付けます。"
            "24時間いつでもご利用いただけます。",
            org=turn.org.short_name.get(turn.t.lang),
        )
    )
    menu.show_menu(turn)


def act(turn: Turn, action: str) -> None:
    conv = turn.conv
    if conv.mode == UNCLEAR and conv.resume_mode == FLOW:
        # Offered a switch mid-flow: 「戻る」「キャンセル」 act on the flow they were in.
        conv.mode, conv.resume_mode, conv.offered, conv.pending_text = FLOW, None, None, None
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
    if action == "help":
        turn.say(help_text(turn))
        turn.reask()
    elif action == "status" and conv.mode in (MENU, UNCLEAR, INQUIRY):
        case_status.show_status(turn, None)
    elif action == "status":
        turn.say(status_text(turn))
        turn.reask()
    elif action == "menu":
        if conv.mode in (CONFIRM_RESTART, CONFIRM_ORG_SWITCH):
            conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
        if conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
            confirm_cancel(turn)
        else:
            conv.leave_flow()
            menu.show_menu(turn)
    elif action == "cancel":
        cancel(turn)
    elif action == "restart":
        if conv.mode == CONFIRM_RESTART:  # 「やり直し」 again: that is a yes
            conv.mode, conv.resume_mode = conv.resume_mode or FLOW, None
            restart(turn)
        elif conv.flow and conv.answers:
            # Like 「キャンセル」: every answer would go, so the member says so first.
            if conv.mode in CONFIRMING:
                conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
            conv.resume_mode = conv.mode
            conv.mode = CONFIRM_RESTART
            turn.reask()
        elif conv.flow:
            restart(turn)
        else:
            conv.leave_flow()
            menu.show_menu(turn)
    elif action == "back":
        back(turn)


def help_text(turn: Turn) -> str:
    return turn.t(
        "番号か、選択肢の言葉を入力してください。ご自分の言葉で入力してもかまいません。\n"
        "「戻る」：ひとつ前の質問に戻ります。\n"
        "「やり直し」：この手続きを最初から入力し直します。\n"
        "「キャンセル」：この手続きをやめます。\n"
        "「状況」：受付済みのお申し出の状況を表示します。\n"
        "「English」：英語に切り替えます。"
    )


def status_text(turn: Turn) -> str:
    if not turn.cases:
        return turn.t("受付済みのお申し出はありません。")
    lines = [turn.t("受付済みのお申し出：")]
    for case in turn.cases:
        lines.append(
            turn.t(
                "{number}　{type}　状況：{status}　回答期限の目安：{due}",
                number=case.number,
                type=turn.t(FLOWS[case.request_type].title),
                status=turn.t(status_label(case.status)),
                due=turn.t.date(case.due_at),
            )
        )
    # Staff's words are not repeated here: a line of this list is tied to no case and
    # would outlive the case's purge. They are in each case's own view.
    if any(case_view.is_overdue(case, turn.now) for case in turn.cases):
        lines.append(turn.t(case_view.OVERDUE_APOLOGY))
    return "\n".join(lines)


def restart(turn: Turn) -> None:
    conv = turn.conv
    conv.answers, conv.history, conv.editing, conv.previous = {}, [], None, None
    conv.resume_mode = None
    conv.mode = FLOW
    turn.say(turn.t("最初から入力し直します。"))
    request.advance(turn)


def cancel(turn: Turn) -> None:
    conv = turn.conv
    if conv.mode in (CONFIRM_RESTART, CONFIRM_ORG_SWITCH):
        conv.mode, conv.org_switch = conv.resume_mode or FLOW, None
    if conv.mode == CONFIRM_CANCEL:
        really_cancel(turn)
    elif conv.mode in (FLOW, SUMMARY, EDIT_PICK) and conv.answers:
        confirm_cancel(turn)
    else:
        if conv.mode in (FLOW, SUMMARY, EDIT_PICK, INQUIRY, UNCLEAR):
            turn.say(turn.t("手続きをやめました。"))
        conv.leave_flow()
        conv.pending_text = None
        menu.show_menu(turn)


def confirm_cancel(turn: Turn) -> None:
    turn.conv.resume_mode = turn.conv.mode
    turn.conv.mode = CONFIRM_CANCEL
    turn.reask()


def really_cancel(turn: Turn) -> None:
    turn.conv.leave_flow()
    turn.say(turn.t("手続きをやめました。入力された内容は送信していません。"))
    menu.show_menu(turn)


def back(turn: Turn) -> None:
    conv = turn.conv
    if conv.mode in CONFIRMING:
        conv.mode, conv.org_switch = conv.resume_mode or MENU, None
        turn.reask()
    elif conv.editing:
        conv.answers[conv.editing] = conv.previous
        conv.editing, conv.previous = None, None
        # The summary, or the next question if the edit came before the form was complete
        # (an answer reused from the member's earlier request).
        request.advance(turn)
    elif conv.mode == EDIT_PICK:
        summary.show_summary(turn)
    elif conv.mode in (FLOW, SUMMARY) and conv.history:
        last = conv.history.pop()
        conv.previous = conv.answers.pop(last, None)
        conv.mode = FLOW
        turn.say(turn.t("ひとつ前の質問に戻ります。"))
        request.advance(turn)
    else:
        conv.leave_flow()
        menu.show_menu(turn)
