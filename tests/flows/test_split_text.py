"""Split, never cut: ``split_text`` keeps every character in order within any limit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from flows.safe_text import split_text, utf16_length

FAMILY = "👨‍👩‍👧"  # three emoji joined by ZWJ: one character as people see it


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
