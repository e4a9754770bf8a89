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
DONE = "_done"
"""The choice id of 「終わる」 under 「ほかにご用件はありますか。」."""


def anything_else_options(menu_id: str) -> tuple[Option, Option]:
    """「メニューを見る」 (the engine's menu choice ``menu_id``) and 「終わる」."""
    return (
        Option(menu_id, N_("メニューを見る"), ("メニュー", "見る", "はい", "ある", "あります")),
        Option(
            DONE,
            N_("終わる"),
            ("終わり", "おわり", "ない", "ありません", "いいえ", "大丈夫", "no", "done"),
        ),
    )


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
