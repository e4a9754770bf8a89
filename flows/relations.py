"""Who the asker is to the person the data is about, read from the asker's own words.

A relationship is stored as the asker's 続柄 seen from that person, the way Japanese forms
write it: a daughter acting for her mother is 子 (「母の代わりに」 names the mother, so the
asker is her child), a widow asking about her late husband is 配偶者. Codes, not words, so the
request register keeps them once the transcript has gone.

Words next to a particle that names the other person (「母の」「夫が」「娘は」「父に」) are read
the other way round; words that describe the writer (「長男です」「娘の私が」, or a word on its
own, as typed at the question) are read as they are.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

from flows.i18n import N_

SPOUSE = "spouse"
CHILD = "child"
PARENT = "parent"
SIBLING = "sibling"
GRANDCHILD = "grandchild"
OTHER_RELATIVE = "other_relative"
NOT_RELATIVE = "not_relative"

LABELS: dict[str, str] = {
    SPOUSE: N_("配偶者（夫・妻）"),
    CHILD: N_("子（息子・娘）"),
    PARENT: N_("親（父・母）"),
    SIBLING: N_("兄弟姉妹"),
    GRANDCHILD: N_("孫"),
    OTHER_RELATIVE: N_("そのほかの親族"),
    NOT_RELATIVE: N_("親族以外（知人・弁護士など）"),
}
"""The relationships offered as choices, in the order shown."""

# What the writer says they are (「長男です」) → the code as it stands.
_WORDS_FOR: dict[str, str] = {
    SPOUSE: "配偶者 夫 妻 主人 旦那 だんな 家内 女房",
    CHILD: "子 子ども 子供 こども 息子 むすこ 娘 むすめ 長男 長女 次男 次女 二男 二女 三男 三女",
    PARENT: "親 両親 母 母親 お母さん おかあさん 父 父親 お父さん おとうさん 親権者",
    SIBLING: "兄 姉 弟 妹 兄弟 姉妹 兄弟姉妹 きょうだい 兄さん 姉さん",
    GRANDCHILD: "孫",
    OTHER_RELATIVE: "祖母 祖父 祖父母 おばあちゃん おじいちゃん 叔母 叔父 伯母 伯父 甥 姪 いとこ "
    "親戚 親族 義母 義父 義理の母 義理の父 姑 舅 嫁 婿 義姉 義兄 義妹 義弟 そのほかの親族 "
    "その他の親族 ほかの親族",
    NOT_RELATIVE: "知人 友人 友達 弁護士 司法書士 ケアマネ ケアマネジャー ヘルパー 親族以外 "
    "知り合い",
}
_WORDS: dict[str, str] = {
    word: code for code, words in _WORDS_FOR.items() for word in words.split()
}
# The same in English: "wife" describes the writer, "my mother" names the other person.
_ENGLISH_FOR: dict[str, str] = {
    SPOUSE: "spouse wife husband",
    CHILD: "child son daughter",
    PARENT: "parent mother father mom mum dad",
    SIBLING: "sibling brother sister",
    GRANDCHILD: "grandchild grandson granddaughter",
    OTHER_RELATIVE: "relative aunt uncle nephew niece cousin grandmother grandfather",
    NOT_RELATIVE: "friend lawyer carer caregiver",
}
_ENGLISH: dict[str, str] = {
    word: code for code, words in _ENGLISH_FOR.items() for word in words.split()
}
_ENGLISH_WORD = re.compile(
    r"(\bmy\s+)?\b(" + "|".join(sorted(_ENGLISH, key=len, reverse=True)) + r")s?\b"
)
# The writer's 続柄 when the word names the OTHER person (「母の代わりに」 → the writer is 子).
_SEEN_FROM_THE_OTHER_SIDE: dict[str, str] = {
    SPOUSE: SPOUSE,
    CHILD: PARENT,
    PARENT: CHILD,
    SIBLING: SIBLING,
    GRANDCHILD: OTHER_RELATIVE,  # the writer is a grandparent
    OTHER_RELATIVE: OTHER_RELATIVE,
    NOT_RELATIVE: NOT_RELATIVE,
}
# Words for grandparents name the writer as a grandchild when they name the other person.
_GRANDPARENTS = frozenset({"祖母", "祖父", "祖父母", "おばあちゃん", "おじいちゃん"})
# After a word that describes the writer: 「長男です」「娘の私が」「妻として」, or nothing at all.
_DESCRIBES_WRITER = re.compile(
    r"^(?:$|です|でございます|だ|で[、。 ]|として|の私|のわたし|[。!！])"
)
_BY_LENGTH = sorted(_WORDS, key=len, reverse=True)
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
_JOINS = frozenset("宛名様")
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30ff]")
# Kana a relationship word may follow in a sentence (「うちの子」「私は妻」「夫と子」).
_PARTICLES = frozenset("のはがをにもとでやへねよか")
_AGE = re.compile(r"(\d{1,2})\s*(?:歳|才|さい)")
_MINOR_WORDS = ("未成年", "中学生", "高校生", "小学生", "乳児", "幼児", "園児", "赤ちゃん")
ADULT_AGE = 18  # 成年年齢 since April 2022 (民法 Art. 4)


def _words(text: str) -> list[tuple[str, int, int]]:
    """Relationship words in the text, longest first at each place: (word, start, end).

    A one-kanji word inside a longer kanji word is not one (子 in 花子, 親 in 親切), except
    before 宛・名・様 (「母宛て」「夫名義」)."""
    found: list[tuple[str, int, int]] = []
    index = 0
    while index < len(text):
        for word in _BY_LENGTH:
            if not text.startswith(word, index):
                continue
            single_kanji = len(word) == 1 and _IDEOGRAPH.match(word) is not None
            if single_kanji and _inside_a_word(text, index):
                continue
            found.append((word, index, index + len(word)))
            index += len(word) - 1
            break
        index += 1
    return found


def _inside_a_word(text: str, index: int) -> bool:
    """Whether the one kanji at ``index`` is part of a longer word or a name: next to another
    kanji (花子), or after kana that is not a particle (ふみ子, ハナ子)."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    in_a_name = bool(_KANA.match(before)) and before not in _PARTICLES
    return (
        in_a_name
        or bool(_IDEOGRAPH.match(before))
        or (bool(_IDEOGRAPH.match(after)) and after not in _JOINS)
    )


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def read_relation(text: str) -> str | None:
    """The writer's 続柄 to the other person, or ``None`` when the words do not say."""
    normal = _normalise(text)
    for word, _, end in _words(normal):
        if _DESCRIBES_WRITER.match(normal[end:]):
            return _WORDS[word]
        if word in _GRANDPARENTS:
            return GRANDCHILD
        return _SEEN_FROM_THE_OTHER_SIDE[_WORDS[word]]
    english = _ENGLISH_WORD.search(normal.lower())
    if english is None:
        return None
    if "in-law" in normal.lower():
        return OTHER_RELATIVE
    code = _ENGLISH[english.group(2)]
    if not english.group(1):
        return code
    if english.group(2) in ("grandmother", "grandfather"):
        return GRANDCHILD
    return _SEEN_FROM_THE_OTHER_SIDE[code]


# --- The answer to 「どなたにあたりますか」 -------------------------------------------------

ERR_RELATION = N_(
    "恐れ入りますが、ここでは、お名前ではなく、ご関係（続柄）を伺っています。"
    "「妻」「長男」「娘」のように入力するか、番号でお選びください。"
)
"""Said to words typed at the 続柄 question that name no relationship (a name, a sentence)."""

# The words in kana, as typed at the question (「つま」「ちょうなん」「こどもです」). Read only
# from a whole answer: inside a sentence, はは or つま are parts of other words (つまり).
_KANA_FOR: dict[str, str] = {
    SPOUSE: "はいぐうしゃ おっと つま しゅじん だんな かない にょうぼう",
    CHILD: "むすこ むすめ ちょうなん ちょうじょ じなん じじょ さんなん さんじょ",
    PARENT: "おや りょうしん はは ははおや ちち ちちおや しんけんしゃ",
    SIBLING: "あに あね おとうと いもうと しまい にいさん ねえさん おにいさん おねえさん",
    GRANDCHILD: "まご",
    OTHER_RELATIVE: "そぼ そふ そふぼ おば おじ おい めい しんせき しんぞく ぎぼ ぎふ "
    "ぎりのはは ぎりのちち しゅうとめ しゅうと よめ むこ",
    NOT_RELATIVE: "ちじん ゆうじん ともだち べんごし しほうしょし しりあい",
}
_ANSWER_WORDS: dict[str, str] = {
    str(jaconv.kata2hira(word)): code for word, code in _WORDS.items()
} | {word: code for code, words in _KANA_FOR.items() for word in words.split()}
_ANSWER_PATTERN = "|".join(re.escape(w) for w in sorted(_ANSWER_WORDS, key=len, reverse=True))
_FOLDED_WORDS = frozenset(str(jaconv.kata2hira(_normalise(word))).lower() for word in _WORDS)
_GRANDPARENT_WORDS = _GRANDPARENTS | {"そぼ", "そふ", "そふぼ"}
# 「妻です」「わたしは長女でございます」「長男として」: the frame around the word, dropped.
_ANSWER_FRAME = re.compile(
    r"(?:(?:わたし|私|わたくし|自分|じぶん)(?:は|が)?)?(?P<words>.+?)"
    r"(?:の(?:私|わたし|わたくし)(?:が|です)?|です|でございます|になります|にあたります"
    r"|に当たります|だ|として|ですね)?[。.!！、…]*"
)
# 「母の代わり」「ははのだいり」: the word names the other person; the writer is seen from them.
_FOR_THE_OTHER = re.compile(
    rf"(?P<word>{_ANSWER_PATTERN})の(?:代わり|かわり|代理|だいり)(?:で|に)?"
    r"(?:(?:来|き|参り|まいり)(?:ました|ています|た))?"
)
# 「亡くなった主人の妻」「山田太郎の長男」: a short phrase whose last word is the writer.
_WRITER_AT_THE_END = re.compile(rf".{{1,15}}の(?P<word>{_ANSWER_PATTERN})")


def read_answer(text: str) -> str | None:
    """The writer's 続柄 typed as the answer to 「どなたにあたりますか」, or ``None``.

    Read only from a relationship word standing as the answer or in a short phrase
    (「妻です」「長女でございます」「こどもです」「母の代わりです」), in kanji or kana: never from
    the end of a name (山本ふみ子 is no 子) or from a sentence, which the member is asked again
    for (a misreading stored as the 続柄 would only show on the summary)."""
    if _normalise(text).isascii():
        return read_relation(text)
    normal = _normalise(text).replace(" ", "")
    folded = str(jaconv.kata2hira(normal))
    frame = _ANSWER_FRAME.fullmatch(folded)
    words = frame["words"] if frame else folded
    if words in _ANSWER_WORDS:
        return _ANSWER_WORDS[words]
    if other := _FOR_THE_OTHER.fullmatch(words):
        if other["word"] in _GRANDPARENT_WORDS:
            return GRANDCHILD
        return _SEEN_FROM_THE_OTHER_SIDE[_ANSWER_WORDS[other["word"]]]
    if writer := _WRITER_AT_THE_END.fullmatch(words):
        return _ANSWER_WORDS[writer["word"]]
    return None


def is_relation_word(folded: str) -> bool:
    """Whether ``folded`` (``normalise_for_matching`` text) is a relationship word alone."""
    return folded in _ANSWER_WORDS or folded in _FOLDED_WORDS


def acts_for_minor(text: str) -> bool:
    """Does the writer act for their own child under 18 (so as 親権者, a legal representative)?

    「15歳の娘の代わりに」「中学生の息子の情報」: their child, and an age or school that makes
    the child a minor. A grandparent for a grandchild (「中学生の孫」) is not a 親権者."""
    normal = _normalise(text)
    own_child = any(
        _WORDS[word] == CHILD and not _DESCRIBES_WRITER.match(normal[end:])
        for word, _, end in _words(normal)
    )
    if not own_child:
        return False
    if any(word in normal for word in _MINOR_WORDS):
        return True
    return any(int(age) < ADULT_AGE for age in _AGE.findall(normal))
