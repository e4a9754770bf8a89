"""Whether words typed at an own-words step (開示の範囲, 停止の対象) say anything about it.

「ほんにん」「本人です」「母の分」 at 「どの情報の開示をご希望ですか」 answer another question
(whose request this is), and 「はい」「お願いします」 answer none: stored as the scope, staff
would be sent a request for 「ほんにん」. Such words are refused with a note on what the step
asks, and the member keeps every answer given so far.
"""

from __future__ import annotations

import re

from flows import relations
from flows.i18n import N_
from flows.parsing import normalise_for_matching

_SELF = [
    "本人",
    "ほんにん",
    "ご本人",
    "ごほんにん",
    "自分",
    "じぶん",
    "私",
    "わたし",
    "わたくし",
    "僕",
    "ぼく",
    "俺",
    "おれ",
    "代理",
    "だいり",
    "代理人",
    "だいりにん",
    "家族",
    "かぞく",
]
# 「母の分です」「自分のです」「わたしの情報でお願いします」: a person, and nothing about what.
_OF_WHOM = re.compile(
    r"(?P<who>[^のが]{1,8}?)(?:の|が)?(?:情報|じょうほう|分|ぶん|もの|こと|件|けん)?"
    r"(?:です|でございます|になります|で|を|の)?"
    r"(?:お願い(?:いたします|致します|します)?|おねがい(?:いたします|します)?)?"
    r"(?:です)?[。.!！、,…]*"
)
_ASSENT = re.compile(
    r"(?:はい|ええ|うん|いいえ|いや|了解(?:です|しました)?|わかりました|分かりました)?[、,]?"
    r"(?:(?:どうぞ)?よろしく)?(?:お願い|おねがい)?(?:いたします|致します|します|です)?"
    r"[。.!！、,…]*"
)

ERR_ONLY_WHO = N_(
    "この質問では、ご希望の内容を伺っています。"
    "選択肢から選ぶか、内容を言葉で入力してください。"
    "どなたについてのお申し出か（ご本人か、代理の方か）は、別の質問で伺います。"
)
ERR_ONLY_ASSENT = N_(
    "お返事ありがとうございます。この質問では、ご希望の内容を伺っています。"
    "選択肢から選ぶか、内容を言葉で入力してください。"
)


def says_nothing_of_the_step(text: str, *, person_may_be_the_answer: bool = False) -> str | None:
    """Why ``text`` cannot be an own-words answer (an error message id), or ``None``."""
    typed = normalise_for_matching(text)
    if not typed or _ASSENT.fullmatch(typed):
        return ERR_ONLY_ASSENT
    whom = _OF_WHOM.fullmatch(typed)
    if whom is not None and not person_may_be_the_answer and _names_a_person(whom["who"]):
        return ERR_ONLY_WHO
    return None


def _names_a_person(word: str) -> bool:
    """The member, an agent, or a relative, said alone (「ほんにん」「主人」「母」)."""
    return word in _FOLDED_SELF or relations.is_relation_word(word)


_FOLDED_SELF = frozenset(normalise_for_matching(word) for word in _SELF)
