"""Properties of flows.safe_text: what every channel hands the engine, and how long text is split.

Inputs are generated from the whole of Unicode plus what attackers and odd clients send (lone
surrogates, NUL, terminal escapes, bidi overrides, every kind of line break), so the cleaning
is checked on far more than the examples anyone thought of.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.safe_text import (
    BIDI_CONTROLS,
    REPLACEMENT,
    clean_inbound,
    clean_optional,
    split_text,
    utf16_length,
)

HOSTILE = [
    "\x00",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x9b2J",
    "\r\n",
    "\r",
    "\x85",
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x7f",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\ude00",
    *sorted(BIDI_CONTROLS),
]
# Emoji people really send: skin tones, ZWJ families, keycaps, flags, tag sequences.
EMOJI = [
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "1️⃣",
    "🇯🇵",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "❤️",
]

any_character = st.one_of(
    st.characters(),  # every code point except surrogates
    st.characters(categories=["Cs"]),  # lone surrogates, as a JSON "\ud800" decodes
    st.characters(max_codepoint=0x9F),  # ASCII, C0 and C1 controls, often
    st.sampled_from(HOSTILE),
    st.sampled_from(EMOJI),
)
hostile_text = st.lists(any_character, max_size=60).map("".join)

# What a person types: letters, digits, punctuation, symbols, emoji, spaces, tabs, newlines.
clean_character = st.one_of(
    st.characters(categories=["L", "M", "N", "P", "S", "Zs"]),
    st.sampled_from(["\n", "\t", "\u200d", "\u200e", "\u200f", *EMOJI]),
)
clean_text = st.lists(clean_character, max_size=60).map("".join)


def _visible(text: str) -> list[str]:
    """The letters, digits and symbols (emoji among them) of ``text``, in order."""
    return [ch for ch in text if unicodedata.category(ch)[0] in "LNS"]


# ---------------------------------------------------------------- clean_inbound


@settings(max_examples=1500)
@given(hostile_text)
@example("\ud83d\ude00")  # a pair given as two code points is joined into its emoji
@example("a\x00b\x1b[2Jc\u202eexe.pdf")
def test_cleaned_text_can_be_stored_and_shown_safely(raw: str) -> None:
    cleaned = clean_inbound(raw)
    cleaned.encode("utf-8")  # no lone surrogate: SQLite, PostgreSQL and JSON all take it
    for ch in cleaned:
        assert unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\n\t", repr(ch)
        assert ch not in BIDI_CONTROLS, repr(ch)
    assert "\r" not in cleaned and "\x1b" not in cleaned and "\x00" not in cleaned


@settings(max_examples=1500)
@given(hostile_text)
def test_cleaning_twice_changes_nothing(raw: str) -> None:
    once = clean_inbound(raw)
    assert clean_inbound(once) == once


@settings(max_examples=1000)
@given(hostile_text)
def test_cleaning_keeps_every_letter_digit_and_symbol_in_order(raw: str) -> None:
    # Lone surrogates become U+FFFD, itself a symbol; everything else visible is kept.
    joined = raw.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert _visible(clean_inbound(raw)) == _visible(joined)


@settings(max_examples=1000)
@given(clean_text)
@example("👨\u200d👩\u200d👧 1️⃣ 🇯🇵 日本語\tです\nمرحبا")
def test_what_a_person_types_comes_through_unchanged(typed: str) -> None:
    assert clean_inbound(typed) == typed


def test_every_line_break_becomes_a_newline_and_garbled_text_is_marked() -> None:
    assert clean_inbound("一\r\n二\r三\u2028四\x85五") == "一\n二\n三\n四\n五"
    assert clean_inbound("写真\ud800です") == f"写真{REPLACEMENT}です"
    assert clean_inbound("\x1b[31m赤\x1b[0m") == "[31m赤[0m"  # the escape goes, harmless text stays
    assert clean_inbound("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert clean_optional(None) is None
    assert clean_optional("\x00") == ""


# ---------------------------------------------------------------- split_text

long_text = st.lists(
    st.one_of(
        st.sampled_from(["。", "、", "！", "\n", "\n\n", " ", ". ", "」", "👍🏽", "e\u0301"]),
        st.characters(categories=["L", "N", "P", "S", "Zs"]),
    ),
    max_size=400,
).map("".join)
measures = st.sampled_from([len, utf16_length])


def _without_whitespace(text: str) -> str:
    return re.sub(r"\s+", "", text)


@settings(max_examples=600)
@given(text=long_text, limit=st.integers(min_value=2, max_value=80), measure=measures)
def test_split_parts_fit_keep_their_order_and_lose_nothing_but_whitespace_at_cuts(
    text: str, limit: int, measure: object
) -> None:
    assert callable(measure)
    parts = split_text(text, limit, measure=measure)
    assert parts
    assert all(measure(part) <= limit for part in parts)
    assert _without_whitespace("".join(parts)) == _without_whitespace(text)
    if len(parts) > 1:
        assert all(part and part == part.strip() for part in parts)


@given(text=long_text, measure=measures)
def test_a_text_within_the_limit_is_one_part_as_it_is(text: str, measure: object) -> None:
    assert callable(measure)
    assert split_text(text, max(1, measure(text)), measure=measure) == [text]


def test_a_split_prefers_paragraphs_then_lines_then_sentences() -> None:
    paragraphs = "一段落目です。" * 5 + "\n\n" + "二段落目です。" * 5
    assert split_text(paragraphs, 50) == ["一段落目です。" * 5, "二段落目です。" * 5]
    lines = "電話番号：090-1234-5678\n住所：東京都新宿区大久保1-2-3\n回答方法：郵送"
    assert split_text(lines, 30) == [
        "電話番号：090-1234-5678",
        "住所：東京都新宿区大久保1-2-3\n回答方法：郵送",
    ]
    sentences = "書類を確認しました。来週お送りします。よろしくお願いします。"
    assert split_text(sentences, 20) == [
        "書類を確認しました。来週お送りします。",
        "よろしくお願いします。",
    ]


def test_a_hard_cut_never_separates_an_emoji_from_its_skin_tone_or_a_letter_from_its_mark() -> None:
    assert split_text("a" * 9 + "👍🏽" + "b" * 9, 10) == ["a" * 9, "👍🏽" + "b" * 8, "b"]
    assert split_text("x" * 9 + "e\u0301" + "y", 10) == ["x" * 9, "e\u0301y"]
    family = "👨\u200d👩\u200d👧"
    assert split_text("z" * 8 + family, 9) == ["z" * 8, family]


def test_utf16_length_counts_what_line_and_javascript_count() -> None:
    assert utf16_length("あa") == 2
    assert utf16_length("😀") == 2
    assert utf16_length("\ud800") == 1
    assert split_text("😀" * 5, 4, measure=utf16_length) == ["😀😀", "😀😀", "😀"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 0)
