"""Wording guards: how the desk addresses a member, and English without Japanese punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po
from pydantic import BaseModel

from flows.profiles import LocalText, load_profiles
from tests.test_architecture import _source_msgids

ROOT = Path(__file__).resolve().parents[1]
JAPANESE_PUNCTUATION = re.compile("[、。「」『』：（）！？・]")
"""Marks an English reader does not expect; Japanese words (ヤマダ タロウ) may still appear."""


def _local_texts(value: object) -> Iterator[LocalText]:
    """Every member-facing text in an org profile, however deeply it is nested."""
    if isinstance(value, LocalText):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _local_texts(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _local_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _local_texts(item)


def _profile_texts() -> list[LocalText]:
    return [text for org in load_profiles().values() for text in _local_texts(org)]


def test_the_desk_never_calls_a_member_anata_in_any_sentence_or_profile_text() -> None:
    """「あなた」 sounds cold at a co-op counter: ご自身・組合員さま instead."""
    with_anata = sorted(m for m in _source_msgids() if "あなた" in m)
    with_anata += [text.ja for text in _profile_texts() if "あなた" in text.ja]
    assert not with_anata, "\n".join(with_anata)


def test_the_english_catalog_has_no_japanese_punctuation() -> None:
    with (ROOT / "locales/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    marked = [
        f"{m.id} -> {m.string}"
        for m in catalog
        if m.id and isinstance(m.string, str) and JAPANESE_PUNCTUATION.search(m.string)
    ]
    assert not marked, "\n".join(marked)


def test_the_english_of_every_profile_text_has_no_japanese_punctuation() -> None:
    profiles = _profile_texts()
    assert profiles
    marked = [text.en for text in profiles if JAPANESE_PUNCTUATION.search(text.en)]
    assert not marked, "\n".join(marked)
