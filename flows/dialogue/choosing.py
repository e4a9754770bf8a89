"""How a member's reply is matched to the choices shown: a pressed button, a number, a label or
an alias. Every mode resolves its input here, so numbers work the same at every step; the fixed
choice lists of the confirmations and offers live here too."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flows.dialogue.names import BACK, CANCEL, CONTINUE, EDIT, NO, RESTART, SUBMIT, YES
from flows.i18n import N_, Translator
from flows.parsing import normalise_for_matching
from flows.steps import Option


@dataclass(frozen=True)
class Given:
    """What the member sent this turn: a pressed button id and/or cleaned text."""

    choice: str | None
    text: str | None


NUMBER_LIST = re.compile(r"^[0-9]+(?:[\s,、，・/と]+[0-9]+)*$")
MULTI_ERROR = N_("番号を「1,3」のように区切って入力するか、選択肢の言葉で答えてください。")
BACK_OPTION = Option(BACK, N_("戻る"), ("back",))
CANCEL_OPTION = Option(CANCEL, N_("やめる"), ("cancel",))
SUMMARY_OPTIONS = (
    Option(SUBMIT, N_("送信する"), ("送信", "はい", "ok", "send", "submit", "yes")),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit", "change")),
    Option(CANCEL, N_("やめる"), ("中止", "cancel")),
)
CONFIRM_RESTART_OPTIONS = (
    Option(YES, N_("はい、最初から入力し直します"), ("はい", "yes", "やり直す", "やり直し")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
CONFIRM_ORG_SWITCH_OPTIONS = (
    Option(YES, N_("はい、切り替えます"), ("はい", "yes", "切り替える")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
CONFIRM_WITHDRAW_OPTIONS = (
    Option(YES, N_("はい、取り下げます"), ("はい", "yes", "取り下げる", "取り下げます")),
    Option(NO, N_("いいえ、取り下げません"), ("いいえ", "no", "取り下げない")),
)
REUSE_OPTIONS = (
    Option(YES, N_("はい"), ("使う", "使います", "お願いします", "同じで", "それで", "yes", "ok")),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit")),
    Option(NO, N_("使わない"), ("いいえ", "使いません", "no")),
)
RESUME_OPTIONS = (
    Option(CONTINUE, N_("続ける"), ("続けます", "続きから", "はい", "continue")),
    Option(RESTART, N_("やり直す"), ("やり直します", "最初から", "restart")),
)
CONFIRM_CANCEL_OPTIONS = (
    Option(YES, N_("はい、やめます"), ("はい", "yes", "やめる")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)


def resolve(given: Given, options: Sequence[Option], t: Translator) -> Option | None:
    """Match a pressed button, a number, a label or an alias to one option."""
    if given.choice is not None:
        return next((o for o in options if o.id == given.choice), None)
    if not given.text:
        return None
    typed = normalise_for_matching(given.text)
    if typed.isdigit():
        index = int(typed) - 1
        return options[index] if 0 <= index < len(options) else None
    for option in options:
        names = {t(option.label), option.label, *option.aliases}
        if typed in {normalise_for_matching(n) for n in names}:
            return option
    return None


def options_mentioned(text: str, options: Sequence[Option]) -> list[Option]:
    """Options whose aliases occur in free text, e.g. 「メール」 in 「メールと電話」."""
    typed = normalise_for_matching(text)
    found = []
    for option in options:
        words = [normalise_for_matching(w) for w in option.aliases]
        if any(w and w in typed for w in words):
            found.append(option)
    return found
