"""Choices typed as older members type them: a key word in hiragana or katakana (「ほんにん」,
「そうしん」), or inside a polite frame (「やはり郵送でお願いいたします」「消していただけますか」),
picks the choice; a frame around a negation or two choices picks nothing."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.dialogue import choosing
from flows.dialogue.choosing import SUMMARY_OPTIONS, Given, options_mentioned, resolve
from flows.dialogue.readings import READINGS, readings_of
from flows.engine import Engine
from flows.i18n import Translator
from flows.profiles import load_profiles
from flows.registry import FLOWS
from flows.requests import suspension
from flows.steps import DISCLOSURE_METHOD_OPTIONS, REQUESTER_OPTIONS, Option

JA = Translator("ja")
FAST = settings(max_examples=200, deadline=None)
KANJI = re.compile(r"[\u4e00-\u9fff]")


def option_lists() -> list[tuple[Option, ...]]:
    """Every list of choices the desk shows with fixed words: the menu, each step's own
    choices, and the confirmations and offers (the module-level tuples of ``flows``)."""
    lists: list[tuple[Option, ...]] = [Engine(load_profiles()).menu_options()]
    lists += [
        step.options
        for flow in FLOWS.values()
        for step in flow.steps
        if isinstance(step.options, tuple) and step.options
    ]
    for name, module in list(sys.modules.items()):
        if not name.startswith("flows"):
            continue
        for value in vars(module).values():
            items = value.values() if isinstance(value, dict) else value
            if isinstance(items, tuple | list) or isinstance(value, dict):
                found = tuple(o for o in items if isinstance(o, Option))
                if found:
                    lists.append(found)
    return lists


LISTS = option_lists()
WORDED = [options for options in LISTS if any(KANJI.search(a) for o in options for a in o.aliases)]
ALIASES = sorted({alias for options in LISTS for o in options for alias in o.aliases})


def test_the_choices_are_found() -> None:
    assert len(LISTS) > 20 and "郵送" in ALIASES and "本人" in ALIASES


@pytest.mark.parametrize("alias", [a for a in ALIASES if KANJI.search(a)])
def test_every_kanji_in_a_choice_word_has_a_reading(alias: str) -> None:
    assert any(not KANJI.search(reading) for reading in readings_of(alias)), (
        f"add the reading of {alias!r} to flows/dialogue/readings.py READINGS"
    )


def test_the_reading_table_is_kana() -> None:
    for word, readings in READINGS.items():
        assert KANJI.search(word), word
        assert all(re.fullmatch(r"[\u3041-\u309f]+", r) for r in readings), word


def first_by_words(options: Sequence[Option], alias: str) -> Option | None:
    return resolve(Given(choice=None, text=alias), options, JA)


FRAMES = ["{w}", "{w}です", "{w}でお願いします", "やはり{w}でお願いいたします", "{w}にします"]


@FAST
@given(data=st.data(), frame=st.sampled_from(FRAMES), katakana=st.booleans())
def test_a_choice_word_typed_in_kana_picks_what_the_word_picks(
    data: st.DataObject, frame: str, katakana: bool
) -> None:
    options = data.draw(st.sampled_from(WORDED))
    alias = data.draw(st.sampled_from([a for o in options for a in o.aliases if KANJI.search(a)]))
    expected = first_by_words(options, alias)
    reading = data.draw(st.sampled_from(sorted(r for r in readings_of(alias) if r != alias)))
    typed = frame.format(w=reading)
    if katakana:
        typed = str(jaconv.hira2kata(typed))
    picked = resolve(Given(choice=None, text=typed), options, JA)
    assert picked is not None, typed
    # A frame may make the kana another choice's word (「ご本人です」) only if it says so itself.
    assert picked == expected or picked == first_by_words(options, frame.format(w=alias))


ACTIONS = next(s for s in suspension.FLOW.steps if s.id == "action").options
METHODS = tuple(DISCLOSURE_METHOD_OPTIONS.values())


@pytest.mark.parametrize(
    ("typed", "options", "picked"),
    [
        ("ほんにん", REQUESTER_OPTIONS, "self"),
        ("ホンニンです", REQUESTER_OPTIONS, "self"),
        ("そうしん", SUMMARY_OPTIONS, "_submit"),
        ("送信してください", SUMMARY_OPTIONS, "_submit"),
        ("しゅうせいしたいです", SUMMARY_OPTIONS, "_edit"),
        ("やはり郵送でお願いいたします", METHODS, "postal"),
        ("やっぱりゆうそうで受け取りたいのですが", METHODS, "postal"),
        ("やっぱり郵送のほうがいいです", METHODS, "postal"),
        ("やはり郵送がいいと思います", METHODS, "postal"),
        ("やっぱり紙で送ってください", METHODS, "postal"),
        ("消していただけますか", ACTIONS, "erase"),
        ("しょうきょでおねがいします", ACTIONS, "erase"),
        ("使うのをやめて、消していただけますか", ACTIONS, "both"),
        # Nothing is picked from a negation, two choices, or a plain 'stop'.
        ("送信しないでください", SUMMARY_OPTIONS, None),
        ("郵送ではなくメールでお願いします", METHODS, None),
        ("やっぱりやめます", METHODS, None),
        ("消さないでいただけますか", ACTIONS, None),
    ],
)
def test_a_polite_frame_around_one_choices_word_picks_it(
    typed: str, options: Sequence[Option], picked: str | None
) -> None:
    option = resolve(Given(choice=None, text=typed), options, JA)
    assert (option.id if option else None) == picked


def test_a_short_reading_is_not_looked_for_inside_a_sentence() -> None:
    paper = Option("postal", "紙", ("紙",))
    assert choosing.options_mentioned("かみさまにお願いしたい", [paper]) == []
    assert choosing.options_mentioned("ゆうそうでおくってください", METHODS) == [
        DISCLOSURE_METHOD_OPTIONS["postal"]
    ]


SHORT_WORDS = (
    Option("skip", "なし", ("no", "none")),
    Option("paper", "紙のDM", ("dm",)),
)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("I do not know the number", []),  # 「no」 inside "not", "know", "number"
        ("No, thank you", ["skip"]),
        ("DMを止めてください", ["paper"]),
        ("the admin sent it", []),  # 「dm」 inside "admin"
        ("ＤＭです", ["paper"]),
    ],
)
def test_a_short_latin_word_is_found_as_a_word_of_its_own_not_inside_another(
    text: str, named: list[str]
) -> None:
    assert [option.id for option in options_mentioned(text, SHORT_WORDS)] == named
