"""How a member's reply is matched to the choices shown: a pressed button, a number, a label or
an alias. Every mode resolves its input here, so numbers work the same at every step; the fixed
choice lists of the confirmations and offers live here too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flows.dialogue.names import BACK, CANCEL, CONTINUE, EDIT, NO, RESTART, SUBMIT, YES
from flows.dialogue.readings import spellings
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
    Option(
        SUBMIT,
        N_("送信する"),
        # 「これでお願いします」「問題ありません」: the member agrees with what is shown. A bare
        # 「大丈夫です」 is not here: it is as often a polite 'no, thank you'.
        (
            "送信",
            "はい",
            "これで",
            "それで",
            "この内容で",
            "問題ありません",
            "問題ない",
            "問題なし",
            "間違いありません",
            "間違いない",
            "ok",
            "send",
            "submit",
            "yes",
        ),
    ),
    Option(EDIT, N_("修正する"), ("修正", "直す", "訂正", "edit", "change")),
    Option(CANCEL, N_("やめる"), ("中止", "cancel")),
)
CONFIRM_RESTART_OPTIONS = (
    Option(
        YES,
        N_("はい、最初から入力し直します"),
        ("はい", "yes", "やり直す", "やり直します", "やり直し"),
    ),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
CONFIRM_ORG_SWITCH_OPTIONS = (
    Option(YES, N_("はい、切り替えます"), ("はい", "yes", "切り替える")),
    Option(NO, N_("いいえ、続けます"), ("いいえ", "no", "続ける", "続けます")),
)
CONFIRM_WITHDRAW_OPTIONS = (
    Option(
        YES,
        N_("はい、取り下げます"),
        (
            "はい",
            "yes",
            "取り下げる",
            "取り下げます",
            "はい、お願いします",
            "はい、お願いいたします",
        ),
    ),
    Option(NO, N_("いいえ、取り下げません"), ("いいえ", "no", "取り下げない")),
)
REUSE_OPTIONS = (
    Option(
        YES,
        N_("はい"),
        ("使う", "使います", "お願いします", "同じで", "それで", "これで", "yes", "ok"),
    ),
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


# A polite frame around a choice's word, as an older member types it: 「やはり郵送でお願い
# いたします」「ほんにんです」「消していただけますか」「修正したいです」. Matched on the folded
# text (``normalise_for_matching``: hiragana, no spaces), and only ever dropped whole: what is
# left must be a choice's word exactly, so 「送信しないでください」 or 「郵送ではなくメールで」
# never pick anything.
_LEAD = re.compile(
    r"(?:特に|とくに|やはり|やっぱり|やっぱ|では|じゃあ|それでは|それなら|えっと|えーと|あの[うー]?"
    r"|by|via|through|in)[、,]?"  # "by email please": folded, its spaces are gone
)
_TRAIL = re.compile(
    r"(?:(?:で|を|に)?(?:お願い|おねがい)(?:いたします|致します|します|したい|できますか"
    r"|できませんか|できますでしょうか)?"
    r"|(?:に|で|を)?(?:いたします|致します|します|したい|してください|して下さい|する)"
    r"|(?:の)?(?:ほう|方)?(?:が|で)?(?:いい|よい|けっこう|結構|大丈夫|だいじょうぶ)"
    r"(?:と(?:思|おも)います)?"
    r"|(?:で|を)?(?:送|おく)って(?:ください|下さい|ほしい|欲しい|いただけますか|いただけませんか"
    r"|もらえますか)?"
    r"|(?:を)?(?:希望|きぼう)(?:します|いたします)?"
    r"|(?:で|を)(?:受け取|うけと)(?:ります|りたい|る)"
    r"|(?:で|を)?(?:いただけますか|いただけませんか|いただけますでしょうか|もらえますか"
    r"|もらえませんか|くださいますか|ください|下さい|ほしい|欲しい)"
    r"|(?:て|で)?(?:おきます|おきたい|おこうと(?:思|おも)います)"
    r"|で|です|でございます|[、,]?(?:please|thanks|thankyou|ifpossible))"
    r"(?:の|ん)?(?:です|ですが|ですけど|ですけれど)?(?:ね|よ)?[。.!！、,…]*"
)
_STOPS = "。.!！、,…"
# Longer messages are sentences with more in them than a choice: left to the step's parser.
_MAX_FRAMED = 40


def is_frame(words: str, *, leading: bool) -> bool:
    """Whether folded ``words`` before (``leading``) or after a choice's word are only a polite
    frame around it (「やはり」, 「でお願いいたします」)."""
    if leading:
        return bool(_LEAD.fullmatch(words))
    return not words.strip(_STOPS) or bool(_TRAIL.fullmatch(words))


def unframed(typed: str) -> list[str]:
    """``typed`` (folded) without a polite frame around it, every way one can be dropped."""
    if len(typed) > _MAX_FRAMED:
        return []
    starts = [typed]
    if (bare := typed.rstrip(_STOPS)) and bare != typed:
        starts.append(bare)  # 「忘れてしまいました。」: the full stop alone is no frame
    for text in list(starts):
        if (lead := _LEAD.match(text)) and lead.end() < len(text):
            starts.append(text[lead.end() :])  # 「特に問題ありません。」
    found = []
    for text in starts:
        found.append(text)
        found += [text[:end] for end in range(1, len(text)) if _TRAIL.fullmatch(text, end)]
    return found[1:]


# 「はい、」 before the rest of a reply: it says yes only if the rest is the yes choice's own
# words (「はい、送信してください」) or mere politeness (「はい、お願いします」); 「はい、でも…」 or
# 「はい、やめます」 at 送信する・やめる is a yes taken back or two answers, and picks nothing.
_YES_LEAD = re.compile(r"(?:はい|ええ)[、,。.!！…]*")
_YES_TAKEN_BACK = re.compile(r"(?:でも|ただ|けど|けれど|だけど|だけれど|しかし|いや|いいえ)")
_POLITE_ONLY = re.compile(
    r"(?:よろしく)?(?:お願い|おねがい)(?:いたします|致します|します|しますね)?[。.!！…]*"
    r"|(?:そう|その通り|そのとおり)(?:です|でございます)?[。.!！…]*"
)


def _after_yes(typed: str, options: Sequence[Option], t: Translator) -> Option | None:
    """The yes option, for 「はい、」 followed by that option's words or by politeness only."""
    lead = _YES_LEAD.match(typed)
    if lead is None or lead.end() == len(typed):
        return None  # no 「はい」, or 「はい」 alone (matched as a word)
    rest = typed[lead.end() :]
    yes = _by_words("はい", options, t)
    if yes is None or _YES_TAKEN_BACK.match(rest):
        return None
    if _POLITE_ONLY.fullmatch(rest):
        return yes
    return yes if _by_words(rest, options, t) == yes else None


def without_yes(text: str) -> str:
    """``text`` folded, without a leading 「はい、」: 「はい、修正します」 names 修正 alone."""
    typed = normalise_for_matching(text)
    lead = _YES_LEAD.match(typed)
    return typed[lead.end() :] if lead is not None and lead.end() < len(typed) else typed


def _by_words(typed: str, options: Sequence[Option], t: Translator) -> Option | None:
    """The option ``typed`` (folded) names, alone or in a polite frame."""
    for candidate in (typed, *unframed(typed)):
        for option in options:
            if candidate in _spellings_of(option, t):
                return option
    return None


def _spellings_of(option: Option, t: Translator) -> frozenset[str]:
    """An option's label and aliases as they may be typed: as written, in kana, in て-form."""
    return frozenset().union(
        *(spellings(name) for name in {t(option.label), option.label, *option.aliases})
    )


def resolve(given: Given, options: Sequence[Option], t: Translator) -> Option | None:
    """Match a pressed button, a number, a label or an alias (or its reading in kana) to one
    option, typed alone or in a polite frame (「やはり郵送でお願いいたします」), or after a
    「はい、」 that the rest agrees with (「はい、これで送ってください」)."""
    if given.choice is not None:
        return next((o for o in options if o.id == given.choice), None)
    if not given.text:
        return None
    typed = normalise_for_matching(given.text)
    if typed.isdigit():
        index = int(typed) - 1
        return options[index] if 0 <= index < len(options) else None
    return _by_words(typed, options, t) or _after_yes(typed, options, t)


# A kana reading this short (かみ, おや) is too often part of another word to be looked for
# inside a sentence; the words as written still are.
_MIN_READING_IN_TEXT = 3


def options_mentioned(
    text: str, options: Sequence[Option], *, readings: bool = True
) -> list[Option]:
    """Options whose aliases occur in free text, e.g. 「メール」 in 「メールと電話」, written or
    (with ``readings``) in kana (「ゆうそうでおくってください」)."""
    typed = normalise_for_matching(text)
    latin_words = set(_LATIN_WORD.findall(_typed_latin(text)))
    found = []
    for option in options:
        words = {normalise_for_matching(w) for w in option.aliases}
        if readings:
            words |= {
                form
                for alias in option.aliases
                for form in spellings(alias)
                if len(form) >= _MIN_READING_IN_TEXT
            }
        if any(_occurs(w, typed, latin_words) for w in words):
            found.append(option)
    return found


# A short Latin word (「no」「dm」「sns」) is looked for as a word of its own, never inside
# another (「no」 in "I do not know", 「dm」 in "admin"); longer ones and Japanese as before.
_SHORT_LATIN = 3
_LATIN_WORD = re.compile(r"[a-z0-9/]+")


def _typed_latin(text: str) -> str:
    """``text`` with width and case folded but its spaces kept, for whole-word lookups."""
    return unicodedata.normalize("NFKC", text).lower()


def _occurs(word: str, typed: str, latin_words: set[str]) -> bool:
    if not word:
        return False
    if word.isascii() and len(word) <= _SHORT_LATIN:
        return word in latin_words
    return word in typed
