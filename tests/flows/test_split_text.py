"""Long text is split for a platform, never cut: parts fit, keep their order and re-join."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.safe_text import TextLimit, split_text, utf16_length

JAPANESE = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "アイウエオカキクケコサシスセソ生活協同組合個人情報開示請求住所電話番号氏名"
)
PUNCTUATION = "。、！？「」（）・ー"
sentences = st.text(alphabet=JAPANESE + PUNCTUATION + "😀👨‍👩‍👧A1 ", min_size=1, max_size=80)
paragraphs = st.lists(sentences, min_size=1, max_size=6).map("。".join)
documents = st.lists(paragraphs, min_size=1, max_size=12).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n", "。", ""]).map(lambda glue: glue.join(parts))
)


def rejoins(text: str, parts: list[str]) -> bool:
    """The parts are the text, in order, apart from whitespace where it was cut."""
    position = 0
    for part in parts:
        while (
            position < len(text)
            and text[position].isspace()
            and not text.startswith(part, position)
        ):
            position += 1
        if not text.startswith(part, position):
            return False
        position += len(part)
    return text[position:].strip() == ""


@settings(max_examples=300, deadline=None)
@given(
    text=documents,
    limit=st.integers(min_value=2, max_value=300),
    measure=st.sampled_from([len, utf16_length]),
)
def test_japanese_text_split_at_any_limit_rejoins_to_the_text_in_parts_that_fit(
    text: str, limit: int, measure: Callable[[str], int]
) -> None:
    parts = split_text(text, limit, measure=measure)
    assert all(measure(part) <= limit for part in parts)
    assert rejoins(text, parts)
    if len(parts) > 1:
        assert all(part and part == part.strip() for part in parts)


def test_a_text_within_the_limit_is_one_part_as_it_is() -> None:
    assert split_text("受付番号 CD-2026-00001 です。", 4096) == ["受付番号 CD-2026-00001 です。"]


def test_a_confirmation_screen_is_split_between_lines_not_inside_them() -> None:
    lines = [f"項目{n}：{'あ' * 50}" for n in range(200)]
    screen = "\n".join(lines)
    parts = split_text(screen, 4096)
    assert len(parts) > 1
    for part in parts:
        assert all(line in lines for line in part.split("\n"))
    assert "\n".join(parts) == screen


def test_sentences_are_kept_whole_when_a_paragraph_is_too_long() -> None:
    paragraph = "".join(f"これは{n}番目の文です。" for n in range(1000))
    parts = split_text(paragraph, 500)
    assert all(part.endswith("です。") for part in parts)
    assert "".join(parts) == paragraph


def test_telegram_counts_utf16_units_so_emoji_take_two() -> None:
    limit = TextLimit(4096, utf16_length)
    text = "😀" * 3000  # 6,000 units in 3,000 characters
    parts = limit.split(text)
    assert [utf16_length(part) for part in parts] == [4096, 6000 - 4096]
    assert "".join(parts) == text
    assert limit.fits("😀" * 2048) and not limit.fits("😀" * 2049)


def test_a_hard_cut_never_splits_an_emoji_sequence_or_a_decomposed_kana() -> None:
    family = "👨\u200d👩\u200d👧"  # one picture, five code points
    for unit in (family, "か\u3099", "👍🏽", "❤\ufe0f"):
        text = unit * 60
        for limit in range(8, 40):
            parts = split_text(text, limit, measure=utf16_length)
            assert "".join(parts) == text
            assert all(part == unit * (len(part) // len(unit)) for part in parts), (unit, limit)


FAMILY = "👨‍👩‍👧"  # three emoji joined by ZWJ: one character as people see it


@settings(deadline=None)
@given(
    text=st.text(max_size=3000) | st.sampled_from(["😀" * 2000, FAMILY * 800, "あ。" * 900]),
    limit=st.integers(10, 700),
    utf16=st.booleans(),
)
def test_parts_fit_keep_their_order_and_lose_only_whitespace_at_the_cuts(
    text: str, limit: int, utf16: bool
) -> None:
    measure = utf16_length if utf16 else len
    parts = split_text(text, limit, measure=measure)
    assert all(measure(part) <= limit for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)


def test_a_hard_cut_never_splits_an_emoji_joined_with_zwj() -> None:
    parts = split_text(FAMILY * 100, 52)
    assert "".join(parts) == FAMILY * 100
    assert all(part.startswith("👨") and part.endswith("👧") for part in parts)


def test_a_long_japanese_text_is_cut_after_a_sentence() -> None:
    text = "ご連絡ありがとうございます。" * 400
    parts = split_text(text, 4096)
    assert len(parts) == 2 and parts[0].endswith("。")
    assert "".join(parts) == text
