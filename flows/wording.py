"""Small pieces of wording the desk uses in many places, worded once.

Lists, summary lines and separators go through the catalog, so an English reply never
carries Japanese punctuation (「・」「：」「、」) that an f-string would have put there.
The short 「ほかにご用件はありますか。」 replaces the whole menu after an answer or a receipt:
an older member is asked one plain question, not shown eleven choices again.
"""

from __future__ import annotations

from collections.abc import Iterable

from flows.i18n import N_, Translator
from flows.steps import Option

ANYTHING_ELSE = N_("ほかにご用件はありますか。")
GOODBYE = N_(
    "ご利用ありがとうございました。ご用件があれば、いつでもこのチャットに入力してください。"
)
MORE = "_more"
"""The choice id of 「メニューを見る」 under 「ほかにご用件はありますか。」."""
DONE = "_done"
"""The choice id of 「終わる」 under 「ほかにご用件はありますか。」."""
ANYTHING_ELSE_OPTIONS = (
    Option(MORE, N_("メニューを見る"), ("メニュー", "見る", "ある", "あります", "はい")),
    Option(
        DONE,
        N_("終わる"),
        ("終わり", "おわり", "ない", "ありません", "いいえ", "大丈夫", "結構", "no", "done"),
    ),
)
"""Their own ids, not the engine's 「メニューから選ぶ」: here 「いいえ」 means 終わる."""


def anything_else_option(option_id: str) -> Option | None:
    """The option for ``option_id`` if it is one of the two under 「ほかにご用件は」."""
    return next((o for o in ANYTHING_ELSE_OPTIONS if o.id == option_id), None)


def item_line(t: Translator, label: str, value: str) -> str:
    """One bulleted 「・項目：内容」 line (「- label: value」 in English)."""
    return t("・{label}：{value}", label=label, value=value)


def labelled(t: Translator, label: str, value: str) -> str:
    """「項目：内容」 without a bullet (「label: value」 in English)."""
    return t("{label}：{value}", label=label, value=value)


def bullet(t: Translator, text: str) -> str:
    """One bulleted line: 「・」 in Japanese, 「- 」 in English."""
    return t("・{text}", text=text)


def bullets(t: Translator, lines: Iterable[str]) -> str:
    return "\n".join(bullet(t, line) for line in lines)


def joined(t: Translator, parts: Iterable[str]) -> str:
    """Items in a sentence: 「A、B」 in Japanese, 「A, B」 in English."""
    return (", " if t.lang == "en" else "、").join(parts)
