"""What a name step says when the typed words are no name, naming the step's own item.

Two things the name parser cannot know: which item the step asks for (the 旧姓 step shares
the 氏名 parser, and its refusals must say 旧姓, not お名前), and which words are the name of a
co-op or a kind of body (「共済」「コープデリ」「生協」), which no person is registered under.
Such a word is called a 言葉, never a お名前.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flows import parsing, relations
from flows.i18n import N_, Translator
from flows.intents.features import fold
from flows.parsing import Parsed
from flows.profiles import OrgProfile
from flows.steps import Step

# Words for kinds of body: a member who types them means an org, never a person.
_BODY_WORDS = ("生協", "生活協同組合", "共済", "共済連", "連合会", "組合", "コープ", "生活クラブ")
# Words a member types at a name step that are no one's name: an answer to another question
# (「全部」「なし」「同じ」) or a relationship (「母」「主人」), which no one is registered under.
_NOT_NAMES = (
    "全部",
    "ぜんぶ",
    "すべて",
    "全て",
    "なし",
    "無し",
    "特になし",
    "同じ",
    "おなじ",
    "同上",
    "以上",
    "不明",
    "未定",
    "家族",
    "かぞく",
)
# 「共済です」「コープデリでございます」: the polite frame around the word.
_POLITE_END = re.compile(r"(?:です|でございます|になります)?[。.!！]*$")

NOT_A_NAME = N_(
    "「{word}」は、お名前ではないようです。ご登録のお名前（例：山田 花子）を入力してください。"
)
NOT_A_FORMER_NAME = N_("「{word}」は、旧姓ではないようです。旧姓（例：山田）を入力してください。")

# The 氏名 parser's refusals, said for the 旧姓 step in its own words.
_FORMER_NAME_WORDING = {
    parsing.ONLY_NAME: N_("恐れ入りますが、ここには旧姓だけをご入力ください。"),
    parsing.ERR_NAME_ROLE: N_(
        "「本人」「代理人」などではなく、旧姓（例：山田）を入力してください。"
    ),
    parsing.ERR_NAME_DATE: N_("日付のようです。旧姓（例：山田）を入力してください。"),
    parsing.ERR_NAME_YES_NO: N_("「はい」「いいえ」ではなく、旧姓（例：山田）を入力してください。"),
    parsing.ERR_NAME_CHARACTERS: N_(
        "旧姓に数字や記号、絵文字は使えません。登録されているとおりに、漢字かかなで入力してください。"
    ),
    parsing.ERR_NAME_TOO_LONG: N_("旧姓が長すぎます。60文字以内で入力してください。"),
}


def org_word(text: str, orgs: Iterable[OrgProfile]) -> str | None:
    """The word, as typed, when the whole of ``text`` is an org's name, a kind of body, or
    a word that is no one's name (「全部」, a relationship)."""
    typed = _POLITE_END.sub("", unicodedata.normalize("NFKC", text).strip()).strip()
    words = list(_BODY_WORDS)
    for org in orgs:
        words += [org.short_name.ja, org.name.ja, *org.aliases, *org.shared_names]
        words += [name for body in org.other_bodies for name in body.names]
    words += list(_NOT_NAMES)
    folded = fold(typed)
    if folded and relations.is_relation_word(parsing.normalise_for_matching(typed)):
        return typed
    return typed if folded and any(fold(word) == folded for word in words) else None


def refuse(
    step: Step, text: str, parsed: Parsed[str], orgs: Iterable[OrgProfile], t: Translator
) -> Parsed[str]:
    """``parsed`` (the 氏名 parser's reading of ``text``), refused where the words name an org,
    and worded for the step's own item. A refusal naming the word is said already translated
    (a catalog has no entry for it, so it is said as it is)."""
    former = step.id == "former_name"
    if parsed.ok and (word := org_word(text, orgs)):
        return Parsed(error=t(NOT_A_FORMER_NAME if former else NOT_A_NAME, word=word))
    if former and parsed.error in _FORMER_NAME_WORDING:
        return Parsed(error=_FORMER_NAME_WORDING[parsed.error])
    return parsed
