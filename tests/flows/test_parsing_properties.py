"""Property tests for flows.parsing: every spelling a member might type reads back the same.

The example tests in test_parsing.py pin exact wording; these generate the
spellings from an independent description of each format (our own era table,
phonenumbers' example numbers, jaconv's width and kana conversions) so a parser
that only works for the examples we happened to think of fails here.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

import jaconv
import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumber, PhoneNumberFormat

from flows import parsing
from flows.parsing import (
    Parsed,
    clean_text,
    normalise_for_matching,
    parse_address,
    parse_birth_date,
    parse_date,
    parse_email,
    parse_free_text,
    parse_kana,
    parse_member_number,
    parse_name,
    parse_phone,
    parse_postal_code,
)

TODAY = date(2026, 11, 22)
FAST = settings(max_examples=150, deadline=None)


def zenkaku(text: str) -> str:
    """Full-width form of the ASCII in ``text``, as a Japanese IME in 全角 mode types it."""
    return str(jaconv.h2z(text, kana=False, ascii=True, digit=True))


# --- dates ------------------------------------------------------------------


# Era table written out independently of the implementation: name, letter, first day.
ERAS: list[tuple[str, str, date]] = [
    ("令和", "R", date(2019, 5, 1)),
    ("平成", "H", date(1989, 1, 8)),
    ("昭和", "S", date(1926, 12, 25)),
    ("大正", "T", date(1912, 7, 30)),
    ("明治", "M", date(1868, 1, 1)),
]
ERA_STARTS = {name: start for name, _, start in ERAS}
ERA_ENDS: dict[str, date | None] = {
    name: (ERAS[i - 1][2] - timedelta(days=1) if i else None) for i, (name, _, _) in enumerate(ERAS)
}
# The one-character era signs fonts and IMEs offer (㍻ is 平成 under NFKC).
ERA_SYMBOLS = {
    "令和": "\u32ff",
    "平成": "\u337b",
    "昭和": "\u337c",
    "大正": "\u337d",
    "明治": "\u337e",
}
KANJI_DIGITS = "〇一二三四五六七八九"
ENGLISH_MONTHS = [calendar.month_name[m] for m in range(1, 13)]

dates_since_1900 = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


def kanji_number(n: int) -> str:
    """1975 as 千九百七十五, 50 as 五十, 2 as 二: how 漢数字 are written with units."""
    parts = []
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        count, n = divmod(n, value)
        if count:
            parts.append(("" if count == 1 else KANJI_DIGITS[count]) + unit)
    if n:
        parts.append(KANJI_DIGITS[n])
    return "".join(parts)


def kanji_positional(n: int) -> str:
    """1975 as 一九七五: the digit-by-digit way years are also written."""
    return "".join(KANJI_DIGITS[int(digit)] for digit in str(n))


def era_of(d: date) -> tuple[str, str, date]:
    return next(era for era in ERAS if era[2] <= d)


def with_zenkaku(spellings: list[str]) -> list[str]:
    return spellings + [zenkaku(spelling) for spelling in spellings]


def seireki_spellings(d: date) -> list[str]:
    y, m, dd = d.year, d.month, d.day
    return with_zenkaku(
        [
            f"{y}年{m}月{dd}日",
            f"{y}年{m:02}月{dd:02}日",
            f"{y} 年 {m} 月 {dd} 日",
            f"{y}年{m}月{dd}日生まれ",
            f"{y}/{m}/{dd}",
            f"{y}/{m:02}/{dd:02}",
            f"{y}.{m}.{dd}",
            f"{y}-{m}-{dd}",
            d.isoformat(),
            f"{y}{m:02}{dd:02}",
            f"{y}ー{m:02}ー{dd:02}",
            f"{kanji_positional(y)}年{kanji_number(m)}月{kanji_number(dd)}日",
            f"{kanji_number(y)}年{kanji_number(m)}月{kanji_number(dd)}日",
        ]
    )


def wareki_spellings(d: date) -> list[str]:
    name, letter, start = era_of(d)
    y, m, dd = d.year - start.year + 1, d.month, d.day
    year = "元" if y == 1 else str(y)
    kanji_year = "元" if y == 1 else kanji_number(y)
    return with_zenkaku(
        [
            f"{name}{year}年{m}月{dd}日",
            f"{name}{y}年{m}月{dd}日",
            f"{name} {year} 年 {m} 月 {dd} 日",
            f"{name}{year}/{m}/{dd}",
            f"{name}{kanji_year}年{kanji_number(m)}月{kanji_number(dd)}日",
            f"{letter}{year}.{m}.{dd}",
            f"{letter}.{y}.{m}.{dd}",
            f"{letter.lower()}{year}/{m}/{dd}",
            f"{letter}{y:02}-{m:02}-{dd:02}",
            f"{letter}{y}年{m}月{dd}日",
            f"{ERA_SYMBOLS[name]}{year}年{m}月{dd}日",
        ]
    )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def english_spellings(d: date) -> list[str]:
    y, dd = d.year, d.day
    full = ENGLISH_MONTHS[d.month - 1]
    spellings = []
    for month in (full, full[:3], full[:3] + "."):
        spellings += [
            f"{dd} {month} {y}",
            f"{month} {dd}, {y}",
            f"{month} {dd} {y}",
            f"{ordinal(dd)} {month} {y}",
            f"{ordinal(dd)} of {month} {y}",
            f"{month} {ordinal(dd)}, {y}",
            f"{y} {month} {dd}",
            f"{dd} {month} {y}.",
        ]
    spellings += [f"{dd:02}-{full[:3]}-{y}", f"{y}-{full[:3]}-{dd:02}", f"{dd:02}{full[:3]}{y}"]
    return with_zenkaku(spellings)


def assert_reads_back(spellings: list[str], expected: date) -> None:
    for spelling in spellings:
        assert parse_date(spelling, today=TODAY).value == expected, spelling
        assert parse_birth_date(spelling, today=TODAY).value == expected, spelling


@FAST
@given(d=dates_since_1900)
def test_any_date_since_1900_reads_back_from_every_seireki_spelling(d: date) -> None:
    assert_reads_back(seireki_spellings(d), d)


@FAST
@given(d=dates_since_1900)
def test_any_date_since_1900_reads_back_from_its_own_era_in_every_wareki_spelling(d: date) -> None:
    assert_reads_back(wareki_spellings(d), d)


# The era names as members type them without converting to kanji, written out here again.
ERA_READINGS = {
    "令和": "れいわ",
    "平成": "へいせい",
    "昭和": "しょうわ",
    "大正": "たいしょう",
    "明治": "めいじ",
}


def kana_wareki_spellings(d: date) -> list[str]:
    """「しょうわ２２ねん３がつ５にち」: the era and 年・月・日 in hiragana or katakana."""
    name, _, start = era_of(d)
    y, m, dd = d.year - start.year + 1, d.month, d.day
    era = ERA_READINGS[name]
    spellings = [
        f"{era}{y}ねん{m}がつ{dd}にち",
        f"{era} {y}ねん {m}がつ {dd}にち",
        f"{name}{y}ねん{m}がつ{dd}にち",
        f"{era}{y}年{m}月{dd}日",
        f"{era}{y}ねん{m}がつ{dd}にちうまれです",
        jaconv.hira2kata(f"{era}{y}ねん{m}がつ{dd}にち"),
    ]
    if y == 1:
        spellings.append(f"{era}がんねん{m}がつ{dd}にち")
    return with_zenkaku(spellings)


@FAST
@given(d=dates_since_1900)
@example(d=date(1947, 3, 5))
@example(d=date(1943, 11, 3))
def test_any_date_since_1900_reads_back_from_its_era_and_date_words_in_kana(d: date) -> None:
    assert_reads_back(kana_wareki_spellings(d), d)


@FAST
@given(d=dates_since_1900, case=st.sampled_from([str.lower, str.upper, str.title, str]))
def test_any_date_since_1900_reads_back_from_english_month_names_in_any_case(
    d: date, case: Callable[[str], str]
) -> None:
    assert_reads_back([case(spelling) for spelling in english_spellings(d)], d)


@FAST
@given(d=st.dates(min_value=date(1868, 1, 1), max_value=date(1899, 12, 31)))
def test_a_leaving_date_in_meiji_before_1900_reads_back_from_wareki(d: date) -> None:
    for spelling in wareki_spellings(d):
        assert parse_date(spelling, today=TODAY).value == d, spelling


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@FAST
@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    d=st.dates(min_value=date(1850, 1, 1), max_value=date(2110, 12, 31)),
)
def test_birth_date_is_accepted_exactly_from_130_years_ago_to_today(today: date, d: date) -> None:
    spelling = f"{d.year}/{d.month}/{d.day}"
    birth = parse_birth_date(spelling, today=today)
    leaving = parse_date(spelling, today=today)
    if d > today:
        assert birth.error == parsing.ERR_BIRTH_FUTURE
        assert leaving.error == parsing.ERR_DATE_FUTURE
    elif d < years_before(today, 130):
        assert birth.error == parsing.ERR_BIRTH_TOO_OLD
        assert leaving.value == d
    else:
        assert birth.value == d
        assert leaving.value == d


@st.composite
def dates_outside_an_era(draw: st.DrawFn) -> tuple[str, str, date]:
    """An era and a date (1868 to today) that it does not cover, with era year >= 1."""
    name, letter, start = draw(st.sampled_from(ERAS))
    end = ERA_ENDS[name]
    ranges = []
    if start > date(start.year, 1, 1):  # before the era began, in its 元年 (not 明治)
        ranges.append(st.dates(date(start.year, 1, 1), start - timedelta(days=1)))
    if end is not None:  # after it ended: 昭和65年, 平成32年, ...
        ranges.append(st.dates(end + timedelta(days=1), TODAY))
    return name, letter, draw(st.one_of(ranges))


@FAST
@given(outside=dates_outside_an_era())
def test_a_date_outside_the_era_named_is_refused_with_that_eras_range(
    outside: tuple[str, str, date],
) -> None:
    name, letter, d = outside
    y = d.year - ERA_STARTS[name].year + 1
    for spelling in with_zenkaku(
        [f"{name}{y}年{d.month}月{d.day}日", f"{letter}{y}.{d.month}.{d.day}"]
    ):
        for parse in (parse_date, parse_birth_date):
            error = parse(spelling, today=TODAY).error
            assert error is not None and error.startswith(f"{name}は"), spelling


def test_showa_65_and_heisei_32_are_refused_as_outside_their_era() -> None:
    assert str(parse_date("昭和65年1月1日", today=TODAY).error).startswith("昭和は")
    assert str(parse_date("平成32年1月1日", today=TODAY).error).startswith("平成は")


@st.composite
def impossible_days(draw: st.DrawFn) -> tuple[int, int, int]:
    """Year, month and a day number that month does not have (2月30日, 4月31日, 0日, 32日)."""
    year = draw(st.integers(1900, TODAY.year))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.one_of(st.integers(last + 1, 99), st.just(0)))
    return year, month, day


@FAST
@given(ymd=impossible_days())
def test_a_day_the_month_does_not_have_is_refused_as_nonexistent_in_every_calendar(
    ymd: tuple[int, int, int],
) -> None:
    year, month, day = ymd
    name, letter, start = era_of(date(year, month, 1))
    y = year - start.year + 1
    spellings = [
        f"{year}年{month}月{day}日",
        f"{year}/{month}/{day}",
        f"{name}{y}年{month}月{day}日",
        f"{letter}{y}.{month}.{day}",
        f"{ENGLISH_MONTHS[month - 1]} {day}, {year}",
        f"{day} {ENGLISH_MONTHS[month - 1][:3]} {year}",
    ]
    for spelling in with_zenkaku(spellings):
        for parse in (parse_date, parse_birth_date):
            assert parse(spelling, today=TODAY).error == parsing.ERR_DATE_DOES_NOT_EXIST, spelling


@FAST
@given(year=st.integers(1900, TODAY.year), month=st.sampled_from([0, *range(13, 100)]))
def test_a_month_outside_1_to_12_is_refused_as_nonexistent(year: int, month: int) -> None:
    for spelling in (f"{year}年{month}月1日", f"{year}/{month}/1"):
        assert parse_date(spelling, today=TODAY).error == parsing.ERR_DATE_DOES_NOT_EXIST


@FAST
@given(year=st.integers(1900, TODAY.year), month=st.integers(1, 12))
def test_english_month_and_year_without_a_day_asks_for_the_day(year: int, month: int) -> None:
    name = ENGLISH_MONTHS[month - 1]
    for spelling in (f"{name} {year}", f"{name[:3]}. {year}", f"{year} {name}"):
        assert parse_date(spelling, today=TODAY).error == parsing.ERR_DATE_NEEDS_DAY


# --- phones -----------------------------------------------------------------

PHONE_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
]


@st.composite
def japanese_numbers(draw: st.DrawFn) -> PhoneNumber:
    """A valid JP number: phonenumbers' example for a type with its trailing digits varied."""
    example = phonenumbers.example_number_for_type("JP", draw(st.sampled_from(PHONE_TYPES)))
    assert example is not None
    national = str(example.national_number)
    varied = draw(st.integers(3, len(national) - 2))
    tail = draw(st.text("0123456789", min_size=varied, max_size=varied))
    number = phonenumbers.parse("+81" + national[:-varied] + tail)
    return number if phonenumbers.is_valid_number(number) else example


def phone_spellings(number: PhoneNumber) -> list[str]:
    national = str(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    international = str(phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))
    e164 = str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    area, *rest = national.split("-")
    return with_zenkaku(
        [
            national,
            national.replace("-", ""),
            national.replace("-", " "),
            f"({area}){'-'.join(rest)}",
            f"({area}) {' '.join(rest)}",
            f"{area}({rest[0]}){''.join(rest[1:])}",
            national.replace("-", "ー"),
            national.replace("-", "−"),
            international,
            international.replace(" ", "-"),
            e164,
            f"+81 (0){area[1:]}-{'-'.join(rest)}",
        ]
    )


@FAST
@given(number=japanese_numbers())
def test_japanese_number_in_any_spelling_normalises_to_its_national_form(
    number: PhoneNumber,
) -> None:
    expected = str(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    for spelling in phone_spellings(number):
        assert parse_phone(spelling).value == expected, spelling
    assert parse_phone(expected).value == expected


# --- kana -------------------------------------------------------------------

# ァ..ヺ: every full-width katakana letter, including ヴ, small ヵヶ and ヷ..ヺ.
KATAKANA_LETTERS = [chr(c) for c in range(0x30A1, 0x30FB)]
kana_words = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(KATAKANA_LETTERS),
    st.text(st.sampled_from([*KATAKANA_LETTERS, "ー", "ヽ", "ヾ"]), max_size=7),
)
katakana_names = st.lists(kana_words, min_size=1, max_size=3)


SPACING_MARKS = str.maketrans({"\u3099": "゛", "\u309a": "゜"})


def with_spacing_marks(kana: str) -> str:
    """ガ as カ゛: voicing typed as a separate spacing mark, as some IMEs and old phones do."""
    return unicodedata.normalize("NFD", kana).translate(SPACING_MARKS)


def kana_spellings(words: list[str]) -> list[str]:
    hiragana = [str(jaconv.kata2hira(word)) for word in words]
    hankaku = [str(jaconv.z2h(word, kana=True, ascii=False, digit=False)) for word in words]
    spaced_marks = [with_spacing_marks(word) for word in words]
    hiragana_marks = [str(jaconv.kata2hira(word)) for word in spaced_marks]
    spellings = []
    for forms in (words, hiragana, hankaku, spaced_marks, hiragana_marks):
        spaced = " ".join(forms)
        spellings += [spaced, "\u3000".join(forms), "  ".join(forms), f" {spaced}\u3000"]
    return spellings


@FAST
@given(words=katakana_names)
def test_katakana_name_typed_in_hiragana_half_width_or_with_separate_marks_reads_back(
    words: list[str],
) -> None:
    expected = " ".join(words)
    for spelling in kana_spellings(words):
        assert parse_kana(spelling).value == expected, spelling


@FAST
@given(words=katakana_names)
def test_katakana_names_joined_by_a_middle_dot_keep_it_in_any_width(words: list[str]) -> None:
    expected = "・".join(words)
    hankaku = str(jaconv.z2h(expected, kana=True, ascii=False, digit=False))
    assert parse_kana(expected).value == expected
    assert parse_kana(hankaku).value == expected


# --- member numbers and postal codes -------------------------------------------

HYPHEN_LOOKALIKES = ["-", "ー", "－", "‐", "−", "–", "ｰ"]
member_groups = st.lists(
    st.text("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=6),
    min_size=1,
    max_size=4,
).filter(
    lambda groups: (
        any(ch.isdigit() for group in groups for ch in group)
        and 4 <= sum(len(group) for group in groups) <= 20
    )
)


@FAST
@given(groups=member_groups, hyphen=st.sampled_from(HYPHEN_LOOKALIKES))
def test_member_number_in_zenkaku_lower_case_or_any_hyphen_reads_back_the_same(
    groups: list[str], hyphen: str
) -> None:
    expected = "-".join(groups)
    spellings = [
        expected,
        hyphen.join(groups),
        zenkaku(expected),
        zenkaku(hyphen.join(groups)).lower(),
        expected.lower(),
        f" {expected}\u3000",
        f"{hyphen}{hyphen.join(groups)}{hyphen}",
    ]
    for spelling in spellings:
        assert parse_member_number(spelling).value == expected, spelling
    assert parse_member_number(" ".join(groups)).value == "".join(groups)


@FAST
@given(digits=st.text("0123456789", min_size=7, max_size=7))
def test_postal_code_with_or_without_mark_hyphen_or_zenkaku_reads_back_the_same(
    digits: str,
) -> None:
    expected = f"{digits[:3]}-{digits[3:]}"
    spellings = [
        digits,
        expected,
        f"〒{expected}",
        f"〒 {expected}",
        f"〒{digits}",
        f"〒{digits[:3]} {digits[3:]}",
        f"{digits[:3]}ー{digits[3:]}",
    ]
    for spelling in with_zenkaku(spellings):
        assert parse_postal_code(spelling).value == expected, spelling


@FAST
@given(digits=st.text("0123456789", min_size=1, max_size=12).filter(lambda s: len(s) != 7))
def test_postal_code_without_exactly_seven_digits_is_refused(digits: str) -> None:
    assert parse_postal_code(digits).error == parsing.ERR_POSTAL_CODE


# --- e-mail -------------------------------------------------------------------

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
local_parts = st.builds(
    lambda head, rest: head + "".join(rest),
    st.text(ALNUM, min_size=1, max_size=10),
    st.lists(
        st.builds(
            lambda sep, word: sep + word,
            st.sampled_from("._+-"),
            st.text(ALNUM, min_size=1, max_size=8),
        ),
        max_size=3,
    ),
)
labels = st.builds(
    lambda head, tail: head + tail,
    st.text(ALNUM, min_size=1, max_size=10),
    st.sampled_from(["", "-net", "-coop", "2"]),
)
domains = st.builds(
    lambda names, tld: ".".join([*names, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["jp", "co.jp", "ne.jp", "or.jp", "com", "org", "net", "coop"]),
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


@FAST
@given(address=addresses)
def test_valid_email_address_reads_back_unchanged_in_any_width_or_spacing(address: str) -> None:
    local, domain = address.split("@")
    for spelling in (
        address,
        zenkaku(address),
        f" {local} @ {domain} ",
        f"{local}@{domain.upper()}",
        f"{local}＠{domain}",
    ):
        assert parse_email(spelling).value == address, spelling


@FAST
@given(address=addresses)
def test_email_local_part_keeps_its_case(address: str) -> None:
    local, domain = address.split("@")
    assert parse_email(f"{local.upper()}@{domain}").value == f"{local.upper()}@{domain}"


no_at_sign = st.text(max_size=60).filter(lambda s: "@" not in unicodedata.normalize("NFKC", s))


@FAST
@given(
    raw=st.one_of(
        no_at_sign,
        st.builds(lambda a, b: f"{a}@@{b}", local_parts, domains),
        st.builds(lambda a: f"{a}@", local_parts),
        st.builds(lambda b: f"@{b}", domains),
        st.builds(lambda a, b: f"{a}@{b}", local_parts, labels),  # no dot in the domain
    )
)
@example("0ません")  # reads as a sentence, and is refused as one
@example("知らない")  # not knowing gets help, not an e-mail format hint
@example("担当者")  # asking for a person is heard as such
def test_obvious_garbage_is_refused_as_an_email_address(raw: str) -> None:
    parsed = parse_email(raw)
    assert parsed.value is None
    assert parsed.error in (
        parsing.ERR_EMAIL,
        parsing.ERR_EMPTY,
        parsing.ONLY_EMAIL,
        parsing.ERR_UNKNOWN,
        parsing.ERR_PERSON,
    )


# --- matching typed text with labels ------------------------------------------------


@FAST
@given(words=katakana_names, joiner=st.sampled_from(["", " ", "\u3000", "  "]))
def test_a_kana_label_matches_however_the_member_types_it(words: list[str], joiner: str) -> None:
    label = normalise_for_matching("".join(str(jaconv.kata2hira(word)) for word in words))
    for spelling in kana_spellings(words):
        assert normalise_for_matching(spelling.replace(" ", joiner)) == label, spelling


# What button labels and keywords are made of: ASCII, digits, kana and kanji.
LABEL_CHARACTERS = st.one_of(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    st.characters(min_codepoint=0x3041, max_codepoint=0x3096),
    st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)


@FAST
@given(label=st.text(LABEL_CHARACTERS, min_size=1, max_size=20))
def test_a_label_matches_in_zenkaku_and_any_case(label: str) -> None:
    expected = normalise_for_matching(label)
    assert normalise_for_matching(zenkaku(label)) == expected
    assert normalise_for_matching(label.upper()) == expected
    assert normalise_for_matching(label.lower()) == expected


# --- robustness -------------------------------------------------------------------

PARSERS: dict[str, Callable[[str], Parsed[Any]]] = {
    "clean_text": clean_text,
    "parse_free_text": parse_free_text,
    "parse_name": parse_name,
    "parse_kana": parse_kana,
    "parse_date": partial(parse_date, today=TODAY),
    "parse_birth_date": partial(parse_birth_date, today=TODAY),
    "parse_phone": parse_phone,
    "parse_member_number": parse_member_number,
    "parse_postal_code": parse_postal_code,
    "parse_email": parse_email,
    "parse_address": parse_address,
}

# Emoji sequences, their stray joiners and selectors, and lone surrogates from broken clients.
awkward_pieces = st.sampled_from(
    [
        "😀",
        "🙏",
        "👨\u200d👩\u200d👧",
        "🇯🇵",
        "👍🏽",
        "❤\ufe0f",
        "\u200d",
        "\ufe0f",
        "\ud800",
        "\udfff",
    ]
)
any_text = st.one_of(
    st.text(),
    st.lists(
        st.one_of(
            st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "So", "Nd", "No"]),
            awkward_pieces,
        ),
        max_size=40,
    ).map("".join),
    # near-misses: the characters each parser does accept, in the wrong order
    st.text(
        st.sampled_from("0123456789０１２３４５６７８９-ー/.年月日元昭和平成令和SHRjanJuly @〒ｱあ")
    ),
    # huge pastes either side of the 4096-character limit
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(500, 3000)),
)


@pytest.mark.parametrize("name", PARSERS)
@settings(max_examples=100, deadline=None)
@given(raw=any_text)
def test_every_parser_returns_a_value_or_a_sentence_for_any_text(name: str, raw: str) -> None:
    result = PARSERS[name](raw)
    assert isinstance(result, Parsed)
    if result.error is None:
        assert result.value is not None
    else:
        assert result.value is None
        assert isinstance(result.error, str) and result.error.endswith("。")


TEXT_PARSERS = ["clean_text", "parse_free_text", "parse_name", "parse_kana", "parse_address"]


@pytest.mark.parametrize("name", TEXT_PARSERS)
@settings(max_examples=100, deadline=None)
@given(raw=any_text)
def test_a_stored_text_value_parses_back_to_itself(name: str, raw: str) -> None:
    value = PARSERS[name](raw).value
    if value is not None:
        assert PARSERS[name](value).value == value


@settings(max_examples=300, deadline=None)
@given(raw=any_text)
def test_matching_form_is_stable_and_has_no_whitespace(raw: str) -> None:
    folded = normalise_for_matching(raw)
    assert normalise_for_matching(folded) == folded
    assert not any(ch.isspace() for ch in folded)


# --- questions are never names (issue 16) ------------------------------------------

NAME_LETTERS = st.text(
    alphabet=st.sampled_from(
        "山田花子太郎佐藤鈴木あいうえおかきくけこやまだはなこヤマダハナコ代理人家族"
    ),
    min_size=1,
    max_size=12,
)
QUESTION_TEMPLATES = [
    "{x}ですか？",
    "{x}ですか",
    "{x}でもいいですか",
    "{x}でしょうか",
    "{x}はどうすればいいですか",
    "{x}ではだめですか?",
    "{x}を書かないといけませんか",
    "わかりません",
    "分からない",
    "不明",
]


@FAST
@given(x=NAME_LETTERS, template=st.sampled_from(QUESTION_TEMPLATES))
def test_no_question_or_not_knowing_is_ever_read_as_a_name(x: str, template: str) -> None:
    typed = template.format(x=x)
    assert parse_name(typed).value is None, typed
    assert parse_kana(typed).value is None, typed


# --- a date said in a sentence, and questions at every value step (issue 16, point 2) ---

BIRTH_FRAMES = [
    "{d}生まれです",
    "{d}生まれです。",
    "{d}です",
    "{d}です。",
    "{d} 生まれ です",
    "生年月日は{d}です",
    "誕生日は{d}生まれです",
    "私の生年月日は{d}です。",
]


@FAST
@given(d=dates_since_1900, frame=st.sampled_from(BIRTH_FRAMES), data=st.data())
def test_a_birth_date_in_a_polite_sentence_reads_back_in_any_spelling(
    d: date, frame: str, data: st.DataObject
) -> None:
    spelling = data.draw(st.sampled_from(seireki_spellings(d) + wareki_spellings(d)))
    typed = frame.format(d=spelling)
    assert parse_birth_date(typed, today=TODAY).value == d, typed
    assert parse_date(typed, today=TODAY).value == d, typed


def test_showa_15_said_as_a_sentence_is_a_birth_date() -> None:
    for typed in ("昭和15年3月3日生まれです", "昭和15年3月3日です", "生年月日は昭和15年3月3日です"):
        assert parse_birth_date(typed, today=TODAY).value == date(1940, 3, 3), typed


def _today_parser(parser: Callable[..., Parsed[Any]]) -> Callable[[str], Parsed[Any]]:
    return partial(parser, today=TODAY)


VALUE_PARSERS: dict[str, Callable[[str], Parsed[Any]]] = {
    "name": parse_name,
    "kana": parse_kana,
    "address": parse_address,
    "phone": parse_phone,
    "postal_code": parse_postal_code,
    "email": parse_email,
    "member_number": parse_member_number,
    "birth_date": _today_parser(parse_birth_date),
    "date": _today_parser(parse_date),
}
# What members type where a value is asked: questions about the field or the desk, and not
# knowing, around words they might use.
ASKING_TEMPLATES = [
    "{x}でもいいですか",
    "{x}はどこに書いてありますか",
    "{x}がわからないのですが",
    "{x}を忘れました",
    "{x}は何ですか？",
    "{x}って何を書けばいいの",
    "{x}はいつまでですか",
    "わかりません",
    "ワカリマセン",
    "分かりません。",
    "担当者",
]
FIELD_WORDS = st.text(
    alphabet=st.sampled_from("会員番号組合員生年月日住所電話代理人家族山田花子あいうえお"),
    min_size=1,
    max_size=10,
)


@pytest.mark.parametrize("field", VALUE_PARSERS)
@FAST
@given(x=FIELD_WORDS, template=st.sampled_from(ASKING_TEMPLATES), width=st.booleans())
def test_no_question_or_not_knowing_is_ever_read_as_a_value_and_the_refusal_says_why(
    field: str, x: str, template: str, width: bool
) -> None:
    typed = template.format(x=x)
    typed = zenkaku(typed) if width else typed
    result = VALUE_PARSERS[field](typed)
    assert result.value is None, (field, typed)
    assert result.error in {
        parsing.ERR_QUESTION,
        parsing.ERR_UNKNOWN,
        parsing.ERR_PERSON,
        parsing.ERR_SENTENCE,
        *parsing.ONLY_FIELD,
    }, (field, typed, result.error)
