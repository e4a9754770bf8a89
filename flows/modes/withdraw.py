"""Withdrawing one of the member's own open cases, after showing it and asking to confirm."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    case_view,
)
from flows.dialogue import case_status
from flows.dialogue.choosing import (
    CONFIRM_WITHDRAW_OPTIONS,
    Given,
    resolve,
)
from flows.dialogue.names import (
    CONFIRM_WITHDRAW,
    MENU,
    NO,
)
from flows.i18n import N_
from flows.messages import (
    Choice,
    Reply,
    Withdrawal,
)
from flows.modes import (
    menu,
    unclear,
)
from flows.modes.base import Mode
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn


CONSENT = "consent_withdrawal"
# The ledger keeps a withdrawal of consent from the moment it was sent (append-only); whether
# the ads start again after the request is withdrawn is for staff to settle, never assumed.
CONSENT_STAYS_ON_RECORD = N_(
    "広告・ご案内を止めるお申し出は、送信された時点で記録しています。"
    "取り下げたあと、広告・ご案内を再開するかどうかは、担当者が確認してご連絡します。"
)


def ask_withdraw(turn: Turn, number: str | None, text: str | None = None) -> None:
    """Show which case would be withdrawn and ask to confirm; a closed one cannot be."""
    case = case_status.own_case(turn, number)
    if case is None:
        turn.conv.mode, turn.conv.withdrawing = MENU, None
        menu.show_menu(turn)
        return
    if not case_view.is_open(case):
        turn.say(
            turn.t(
                "{case}は、すでに手続きが終わっているため、取り下げできません。",
                case=case_view.heading(case, turn.t),
            )
        )
        menu.show_menu(turn)
        return
    turn.conv.mode = CONFIRM_WITHDRAW
    turn.conv.withdrawing = case.number
    if text is not None:
        turn.conv.pending_text = text
    turn.result.replies.append(
        Reply(
            text="\n".join(
                [
                    case_view.heading(case, turn.t),
                    turn.t(
                        "このお申し出を取り下げますか。"
                        "取り下げると、この件の手続きはここで終わります。"
                    ),
                    *([turn.t(CONSENT_STAYS_ON_RECORD)] if case.request_type == CONSENT else []),
                ]
            ),
            choices=tuple(Choice(o.id, turn.t(o.label)) for o in CONFIRM_WITHDRAW_OPTIONS),
            case_number=case.number,
        )
    )


def confirm_withdraw_choice(turn: Turn, given: Given) -> None:
    """「はい」 records a 取下げ for staff; 「いいえ」 leaves the case as it is."""
    option = resolve(given, CONFIRM_WITHDRAW_OPTIONS, turn.t)
    conv = turn.conv
    number = conv.withdrawing
    if option is None or number is None:
        turn.say(turn.t("「はい」か「いいえ」でお答えください。"))
        turn.reask()
        return
    words, conv.pending_text, conv.withdrawing = conv.pending_text, None, None
    if option.id == NO:
        turn.say(turn.t("取り下げはしていません。お申し出の手続きは、このまま続きます。"))
        unclear.anything_else(turn)
        return
    turn.result.withdrawals.append(Withdrawal(case_number=number, text=words))
    turn.result.replies.append(
        Reply(
            text=turn.t(
                "受付番号 {number} のお申し出を取り下げました。担当者にもお伝えしました。",
                number=number,
            ),
            case_number=number,
        )
    )
    unclear.anything_else(turn)


class ConfirmWithdraw(Mode):
    """「取り下げますか」 for one of the member's own open cases."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return CONFIRM_WITHDRAW_OPTIONS

    def ask(self, turn: Turn) -> None:
        ask_withdraw(turn, turn.conv.withdrawing)

    def take(self, turn: Turn, given: Given) -> None:
        confirm_withdraw_choice(turn, given)

    def leave(self, turn: Turn) -> None:
        turn.conv.mode, turn.conv.withdrawing = MENU, None
        turn.say(turn.t("取り下げはしていません。"))
