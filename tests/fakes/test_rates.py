"""The sliding-window count both the fakes and the benchmarks judge rate limits by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.rates import most_in_window

stamps = st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), max_size=60)


@given(stamps, st.floats(min_value=0.01, max_value=5))
def test_the_most_in_a_window_is_what_counting_every_window_gives(
    times: list[float], seconds: float
) -> None:
    by_hand = max((sum(1 for t in times if s <= t < s + seconds) for s in times), default=0)
    assert most_in_window(times, seconds) == by_hand


def test_sends_exactly_a_second_apart_are_in_different_windows() -> None:
    assert most_in_window([0.0, 1.0, 2.0]) == 1
    assert most_in_window([0.0, 0.999, 1.0]) == 2


def test_a_window_must_have_a_length() -> None:
    with pytest.raises(ValueError, match="positive"):
        most_in_window([0.0], 0)
