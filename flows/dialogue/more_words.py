"""A choice step answered with more than the choice: 「郵送でお願いします。住所は先月変わりました」
at the answer method, 「本人です。でも娘が代わりに書いています」 at who is asking.

Nothing a member writes may vanish. When the rest of the sentence only adds to the choice, the
choice is taken and the whole sentence goes with the request for staff (the summary and the
staff card show it under 担当者へのご質問・ご要望). When the rest may change the choice (「でも」
「ただ」「〜ではなく」), nothing is guessed: the sentence is kept for staff all the same, and the
member is asked to pick the choice again. The same holds for a choice read from a word inside
one long sentence (「郵送で送ってほしいのですが住所が先月変わりました」), unless the rest is only a
polite frame around the word (「紙でおくってほしいです」).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flows.dialogue.choosing import Given, is_frame, options_mentioned, resolve
from flows.dialogue.readings import spellings
from flows.i18n import N_, Translator
from flows.parsing import normalise_for_matching
from flows.steps import Option

# Where a reply splits into parts: sentences, and the clauses a comma or a 「が」 joins.
_PARTS = re.compile(r"[。．.!！?？\n]+|[、,，]\s*")
# Parts that say nothing of their own (「よろしくお願いします」「すみません」「やはり」).
_FILLER = re.compile(
    r"(?:はい|ええ|どうぞ|では|じゃあ|やはり|やっぱり|えっと|えーと|あの[うー]?|すみません"
    r"|恐れ入りますが|おそれいりますが|ありがとうございます|よろしく|お願い|おねがい"
    r"|いたします|致します|します|です|ます|ね|よ|[\s…〜ー])*"
)
# Words after which the rest may take the choice back or change it. Not 「まちがい」「違う」:
# at a correction they say what is wrong (「名前がまちがっています」), not that the choice is.
_MAY_CHANGE = re.compile(
    r"(?<![つれんこ何誰])でも|ただ|けど|けれど|しかし|ところが|とはいえ|ではなく|じゃなく|ではありません"
    r"|じゃありません|かもしれ"
)

# Longer than this (folded), a reply the step's reader took is a sentence, not a word.
WORD_AT_MOST = 10

TAKEN_WITH_WORDS = N_(
    "「{choice}」として伺いました。お書き添えの内容は、お申し出に書き添えて担当者にお伝えします。"
)
ASK_AGAIN = N_(
    "「{choice}」とも読めますが、続きのお言葉によっては別の選択肢になるかもしれません。"
    "お書きの内容は、お申し出に書き添えて担当者にお伝えします。"
    "あてはまるものを、もう一度お選びください。"
)


@dataclass(frozen=True)
class MoreWords:
    """One choice named in a reply that says more: the choice, and whether the rest may
    change it."""

    option: Option
    may_change: bool


def read(text: str, options: Sequence[Option], t: Translator) -> MoreWords | None:
    """The one choice a part of ``text`` names when other parts say more; ``None`` when the
    reply is the choice alone, names none or several, or is only one part."""
    parts = [p for p in _PARTS.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    real = [o for o in options if not o.id.startswith("_")]
    named = [
        (index, option)
        for index, part in enumerate(parts)
        if (option := resolve(Given(choice=None, text=part), real, t)) is not None
    ]
    if len({option.id for _, option in named}) != 1:
        return None
    rest = [
        part
        for index, part in enumerate(parts)
        if index not in {i for i, _ in named}
        and not _FILLER.fullmatch(normalise_for_matching(part))
    ]
    if not rest:
        return None  # 「はい、郵送で。よろしくお願いします」: the choice alone, politely
    first, option = named[0]
    after = "".join(parts[first + 1 :])
    # 「メールで、いや郵送で」: another choice named in the rest may be the one meant.
    others = options_mentioned(after, [o for o in real if o.id != option.id])
    return MoreWords(option, may_change=bool(_MAY_CHANGE.search(after) or others))


# Where a reply at a step that takes several choices splits: sentences only, since 「、」
# 「と」 and commas join the choices themselves (「1と3です」「電話、メール」).
_SENTENCES = re.compile(r"[。．.!！?？\n]+")


@dataclass(frozen=True)
class MoreWordsForMany:
    """The choices one sentence of a reply names when other sentences say more
    (「1と3です。カタログは夫あての分も止めてほしいです」)."""

    picked: list[str]
    may_change: bool
    said_more: bool = True  # False: the other sentences were only polite words


def read_multi(
    text: str,
    options: Sequence[Option],
    parse: Callable[[str], list[str] | None],
) -> MoreWordsForMany | None:
    """The choices the first sentence of ``text`` that ``parse`` reads as a list names, when
    other sentences say more (or only polite words); ``None`` when no sentence does. The
    rest may change the choices when it has 「でも」「ただ」… or names a choice not picked
    (「1と3です。LINEも困ります」); naming a picked one again only says more of it
    (「電話とメールです。夜の電話が特に困ります」)."""
    sentences = [p.strip() for p in _SENTENCES.split(text) if p.strip()]
    if len(sentences) < 2:
        return None
    first, picked = next(
        ((index, found) for index, s in enumerate(sentences) if (found := parse(s))), (0, None)
    )
    if not picked:
        return None
    rest = [
        s
        for index, s in enumerate(sentences)
        if index != first and not _FILLER.fullmatch(normalise_for_matching(s))
    ]
    if not rest:  # 「1と3です。よろしくお願いします」: the choices alone, politely
        return MoreWordsForMany(picked, may_change=False, said_more=False)
    after = "".join(sentences[first + 1 :])
    real = [o for o in options if not o.id.startswith("_")]
    others = options_mentioned("".join(rest), [o for o in real if o.id not in picked])
    numbers = re.search(r"[0-9０-９]", "".join(rest))  # a list of numbers not read as one
    return MoreWordsForMany(picked, may_change=bool(_MAY_CHANGE.search(after) or others or numbers))


def says_more(text: str, option: Option, t: Translator) -> bool:
    """Whether ``text``, read as ``option`` from a word in it (「郵送で送ってほしいのですが
    住所が先月変わりました」), says more than the choice in a polite frame (「紙でおくって
    ほしいです」)."""
    typed = normalise_for_matching(text)
    labels = {normalise_for_matching(t(option.label)), normalise_for_matching(option.label)}
    if any(typed and typed.rstrip("。.") in label for label in labels):
        return False  # 「まちがいを直す」: the choice's own words, typed out (or their start)
    words = sorted(
        {
            form
            for name in (t(option.label), option.label, *option.aliases)
            for form in spellings(name)
        },
        key=len,
        reverse=True,
    )
    if not any(w and w in typed for w in words):
        # Read by the step's own reader: a word of its own (「長男」 as 子) is the answer
        # itself; a sentence is more than the choice.
        return len(typed) > WORD_AT_MOST or len([p for p in _PARTS.split(text) if p]) > 1
    pieces = re.split("|".join(re.escape(w) for w in words if w), typed)
    return not all(
        _FILLER.fullmatch(piece) or is_frame(piece, leading=index == 0)
        for index, piece in enumerate(pieces)
    )


def may_change(text: str) -> bool:
    """Whether ``text`` has words that may take a choice read in it back (でも, ではなく)."""
    return bool(_MAY_CHANGE.search(text))
