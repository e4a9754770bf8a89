"""What the member's words mean wherever they are typed: global words, intents we act on,
and the thresholds that keep an answer from being taken for an interruption."""

from __future__ import annotations

import re

from flows.dialogue.names import STATUS_ID
from flows.parsing import normalise_for_matching
from flows.registry import REQUEST_FLOWS

# Words that act at every step; matched on the whole normalised message only, so that
# 「広告をやめる」 still answers a question rather than cancelling.
GLOBAL_WORDS: dict[str, tuple[str, ...]] = {
    "back": ("戻る", "もどる", "戻", "前に戻る", "back", "戻って"),
    "restart": ("やり直し", "やりなおし", "やり直す", "最初から", "restart", "startover"),
    "cancel": (
        "キャンセル",
        "やめる",
        "中止",
        "取り消し",
        "cancel",
        "quit",
        # As members type it at the summary or a yes/no question (「やめます」).
        "やめます",
        "もうやめます",
        "やめたい",
        "やめたいです",
        "やめておきます",
        "キャンセルします",
        "中止します",
    ),
    "menu": ("メニュー", "menu", "/menu"),
    "help": ("ヘルプ", "使い方", "help", "/help", "?", "？"),
    "status": ("受付状況", "状況確認", "状況", "status", "/status"),
    "lang": ("言語", "language", "/lang"),
    "lang_en": ("english", "英語", "/lang en"),
    "lang_ja": ("日本語", "japanese", "nihongo", "/lang ja"),
}
GLOBAL_LOOKUP = {
    normalise_for_matching(word): action for action, words in GLOBAL_WORDS.items() for word in words
}
REQUEST_IDS = frozenset(flow.type_id for flow in REQUEST_FLOWS)
# Intents the member can be offered as a choice when we are unsure.
OFFERABLE = frozenset({*REQUEST_IDS, "inquiry", "human", STATUS_ID})
# While a member has a case, a message that plainly starts one of these is not relayed to it.
NEW_REQUEST = frozenset({*REQUEST_IDS, "cancel"})
# Off-topic business (orders, deliveries, payments, claims) that another desk handles.
OFF_TOPIC_CONCEPTS = frozenset({"delivery", "money"})
SMALL_TALK_CONCEPTS = frozenset({"greeting"})
# An interruption mid-flow must be unmistakable: a name or an answer is never taken for one.
INTERRUPT_CONFIDENCE = 0.8
# A choice that also takes the member's own words (「どの情報を」) is left alone unless the text
# is unmistakably a different request.
SWITCH_FROM_FREE_TEXT_CONFIDENCE = 0.95
# What selects an optional step's 「わからない・なし」 (or 「なし」) option.
SKIP_WORDS = (
    *("わからない", "なし", "skip", "none", "no", "nope", "n/a"),
    # 「ありません」「特にございません」: 'none' as an older member writes it.
    *("無し", "ない", "ありません", "ないです", "無いです", "ございません", "特になし"),
    *("特にありません", "特にございません", "とくにありません"),
)
# 「わからない」 as members type it, where that option is shown.
DONT_KNOW = (
    *("分からない", "わかりません", "分かりません", "わからないです", "分からないです"),
    # 「わすれてしまいました」「わかりかねます」: an older member's polite 'I do not know'.
    *("忘れました", "わすれました", "忘れてしまいました", "わすれてしまいました", "忘れた"),
    *("わかりかねます", "分かりかねます", "存じません", "ぞんじません"),
    *("覚えていません", "おぼえていません", "覚えておりません", "おぼえておりません"),
)
# What stores a question typed at an own-words step as the answer after all: words only,
# never a number (a number there means one of the step's own choices).
TAKE_AS_ANSWER_WORDS = frozenset(
    normalise_for_matching(word)
    for word in (
        "このまま入力",
        "このまま入力する",
        "このまま入力します",
        "そのまま入力",
        "そのまま入力する",
        "そのまま入力します",
        "この内容で入力",
        "この内容で入力する",
        "enter as is",
    )
)
# 「電話はない」 where a person an agent acts for may have no phone.
NO_PHONE_WORDS = ("ない", "ありません", "電話はない", "電話はありません", "電話なし", "no phone")
# 「母は施設に入っていて電話はありません」: a sentence that says there is no phone.
NO_PHONE = re.compile(
    r"(?:電話|でんわ|携帯|けいたい)(?:番号)?(?:は|が|も)?"
    r"(?:ない|無い|ありません|持って(?:い)?ない|持っていません|もってい?ない|ございません)"
)
HIRAGANA = re.compile(r"[\u3041-\u309f]")

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Common English words of two letters or more (the pattern above skips "I" and "a").
ENGLISH_HINTS = frozenset(
    {"my", "me", "you", "your", "please", "want", "to", "the", "data", "information"}
    | {"stop", "delete", "send", "can", "do", "is", "what", "how", "who"}
)


def looks_english(text: str) -> bool:
    """A sentence in English (not romaji, not a lone word like 「DM」)."""
    words = [w.lower() for w in ENGLISH_WORD.findall(text)]
    return len(words) >= 3 and text.isascii() and bool(ENGLISH_HINTS & set(words))
