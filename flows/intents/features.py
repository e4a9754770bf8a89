"""Turn a member's message into the features the intent model scores.

No morphological analyser: members' messages are short, and what carries the meaning is a few
content words (開示, 消して, DM) in whichever script the member typed them. Folding every
script to one form and matching a hand-written lexicon of concepts, plus character bigrams for
words the lexicon misses, is fast (well over 5,000 messages a second) and needs no dictionary
download. janome would cost ~1 ms a message; sudachidict is ~70 MB.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jaconv

_PUNCTUATION = re.compile(
    r"[\s、。，．,.!！?？・…「」『』（）()\[\]【】〈〉《》\"'“”‘’〜~:：;；/／]+"
)
_SPACE_NEXT_TO_JAPANESE = re.compile(r"(?<=[^a-z0-9 ]) +| +(?=[^a-z0-9 ])")
_QUESTION = re.compile(
    r"[?？]|でしょうか|か[ねな]?$|の$|って何|とは$|"
    r"^(?:how|what|why|when|where|who|which|is|are|do|does|can|could|will)\b"
)
_CASE_NUMBER = re.compile(
    r"(?<![a-z])(?P<prefix>[a-z]{2})\s*-?\s*(?P<year>\d{4})\s*-?\s*(?P<seq>\d{1,6})(?![0-9])"
)
BIGRAM_WEIGHT = 0.3
# 「なくなったしゅじん」「主人がなくなりました」: 亡くなる written in kana. Alone, なくなった
# is also a lost card (「組合員証がなくなった」), so it means a death only next to a family word
# (folded: katakana is hiragana, kanji stays), as the lexicon's 亡くな does anywhere.
_FAMILY = (
    r"(?:ご|お)?(?:主人|しゅじん|夫|おっと|旦那|だんな|妻|つま|家内|かない|母|はは|父|ちち"
    r"|親|おや|息子|むすこ|娘|むすめ|祖母|祖父|兄|姉|弟|妹|家族|かぞく|両親|りょうしん"
    r"|おかあさん|おとうさん|おばあさん|おじいさん)(?:さん|さま|様)?"
)
_DIED_IN_KANA = re.compile(
    rf"{_FAMILY}(?:が|は|も)?なくな(?:った|りま|って|られ|り)"
    rf"|なくな(?:った|られた|りました)(?:ばかりの)?{_FAMILY}"
)
_LATIN_WORD = re.compile(r"[a-z]+")
_LATIN_LETTER = re.compile(r"[a-z]")
_LONG_VOWEL_RUN = re.compile(r"ー{2,}")
_REPEATS = re.compile(r"([^0-9])\1{2,}")


def fold(text: str) -> str:
    """One spelling for every way of writing the same word.

    NFKC makes zenkaku latin and digits and hankaku katakana ordinary; katakana becomes
    hiragana; punctuation becomes a space, which is then kept only between latin words.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = jaconv.kata2hira(folded)
    folded = _LONG_VOWEL_RUN.sub("ー", folded)
    folded = _REPEATS.sub(r"\1\1", folded)
    folded = _PUNCTUATION.sub(" ", folded).strip()
    return _SPACE_NEXT_TO_JAPANESE.sub("", folded)


def _fold_word(word: str) -> str:
    """Fold a lexicon word but keep its deliberate edge spaces (" who " = a whole word)."""
    core = fold(word)
    return (" " if word.startswith(" ") else "") + core + (" " if word.endswith(" ") else "")


@dataclass(frozen=True)
class Lexicon:
    """Folded words, each with the concepts it signals, bucketed by their first characters.

    ``rank`` orders words longest first; a shorter word wholly inside a longer match is not
    counted. Buckets mean a message is scanned once, checking only the few words that could
    start at each position.
    """

    by_start: dict[str, tuple[tuple[str, int, tuple[str, ...]], ...]]


@cache
def _lexicon_file() -> dict[str, Any]:
    return tomllib.loads(resources.files("flows.intents").joinpath("lexicon.toml").read_text())


def greeting_phrases() -> tuple[str, ...]:
    """The lexicon's ``[greetings]``: written with nothing else, they answer no step
    (``flows.parsing.is_greeting_only``). Its salutations are words of the ``greeting``
    concept too, so each greeting is written once, here."""
    greetings = _lexicon_file()["greetings"]
    return (*greetings["salutations"], *greetings["polite_forms"])


@cache
def load_lexicon() -> Lexicon:
    raw = _lexicon_file()
    words_of: dict[str, list[str]] = {**raw["concepts"]}
    words_of["greeting"] = [*words_of["greeting"], *raw["greetings"]["salutations"]]
    by_word: dict[str, list[str]] = {}
    for concept, words in words_of.items():
        for word in words:
            folded = _fold_word(word)
            if folded.strip():
                by_word.setdefault(folded, [])
                if concept not in by_word[folded]:
                    by_word[folded].append(concept)
    ordered = sorted(by_word.items(), key=lambda item: (-len(item[0]), item[0]))
    buckets: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
    for rank, (word, concepts) in enumerate(ordered):
        buckets.setdefault(word[:2], []).append((word, rank, tuple(concepts)))
    return Lexicon(by_start={key: tuple(words) for key, words in buckets.items()})


@dataclass(frozen=True)
class Match:
    """A lexicon word found in the folded text, at [start, end)."""

    start: int
    end: int
    concepts: tuple[str, ...]


@dataclass(frozen=True)
class Analysis:
    """Everything the classifier and the engine read off one message."""

    folded: str
    matches: tuple[Match, ...]
    concepts: frozenset[str]
    question: bool
    case_number: str | None

    def features(self) -> list[tuple[str, float]]:
        """Sparse weighted features: concepts, concept pairs, question shape, bigrams.

        Concepts carry most weight; character bigrams are a weak back-up for words the
        lexicon does not know, so a typo still leans the right way.
        """
        concepts = sorted(self.concepts)
        features = [(f"c:{c}", 1.0) for c in concepts]
        features += [(f"p:{a}+{b}", 0.7) for i, a in enumerate(concepts) for b in concepts[i + 1 :]]
        if self.question:
            features.append(("q", 1.0))
            features += [(f"q:{c}", 0.5) for c in concepts]
        if not concepts:
            features.append(("none", 1.0))
        if self.case_number:
            features.append(("case_number", 2.0))
        compact = self.folded.replace(" ", "")
        if not any(ch.isalpha() for ch in compact):
            features.append(("no_letters", 1.0))
        features += [
            (f"g:{gram}", BIGRAM_WEIGHT)
            for gram in sorted({compact[i : i + 2] for i in range(len(compact) - 1)})
        ]
        features.append(("bias", 1.0))
        return features


def _find(text: str) -> list[Match]:
    """Lexicon words in folded text; a word wholly inside a longer match does not count."""
    padded = f" {text} "
    by_start = load_lexicon().by_start
    found: list[tuple[int, int, int, tuple[str, ...]]] = []  # rank, start, end, concepts
    for i in range(len(padded)):
        for key in {padded[i : i + 2], padded[i]}:
            for word, rank, concepts in by_start.get(key, ()):
                if padded.startswith(word, i):
                    found.append((rank, i, i + len(word), concepts))
    found.sort()
    taken = bytearray(len(padded))
    matches: list[Match] = []
    for _rank, start, end, concepts in found:
        # Only the word itself is claimed, not its edge spaces, so " see " and " who "
        # can both match in "i see who". A partial overlap still counts (「って何」, 「何に使」).
        core_start = start + (padded[start] == " ")
        core_end = end - (padded[end - 1] == " ")
        if not all(taken[core_start:core_end]):
            taken[core_start:core_end] = b"\x01" * (core_end - core_start)
            matches.append(Match(core_start - 1, core_end - 1, concepts))
    matches.sort(key=lambda m: m.start)
    return matches


def _romaji_reading(folded: str) -> str | None:
    """Members without a Japanese keyboard type 「kaiji seikyuu shitai」: read it as kana.

    Only when most latin words are plausible romaji, so English is left alone.
    """
    words = _LATIN_WORD.findall(folded)
    if not words:
        return None
    readings = [jaconv.alphabet2kana(word) for word in words]
    plausible = sum(1 for r in readings if not _LATIN_LETTER.search(r) and r[0] not in "っん")
    if plausible * 10 < len(words) * 6:
        return None
    return "".join(readings)


def analyse(text: str) -> Analysis:
    folded = fold(text)
    matches = _find(folded)
    concepts = {c for m in matches for c in m.concepts}
    if _DIED_IN_KANA.search(folded):
        concepts.add("deceased")
    romaji = _romaji_reading(folded)
    if romaji:
        concepts.update(c for m in _find(romaji) for c in m.concepts)
    raw = unicodedata.normalize("NFKC", text).lower().strip().rstrip("。.!！ ")
    case = _CASE_NUMBER.search(folded)
    return Analysis(
        folded=folded,
        matches=tuple(matches),
        concepts=frozenset(concepts),
        question=bool(_QUESTION.search(raw)),
        case_number=(
            f"{case['prefix'].upper()}-{case['year']}-{int(case['seq']):05d}" if case else None
        ),
    )
