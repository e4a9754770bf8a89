"""Rates as a platform counts them, shared by the fakes and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable


def most_in_window(stamps: Iterable[float], seconds: float = 1.0) -> int:
    """The most events in any half-open window of ``seconds`` (a sliding window)."""
    if seconds <= 0:
        raise ValueError("the window must be positive")
    ordered = sorted(stamps)
    most, start = 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most
