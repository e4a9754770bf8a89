"""Property tests: what member testers typed that is not a value is never stored as one.

80-year-old members answered the name step with 「本人です」 or their birthday in kanji
numerals, the address step with 「とうろくしてある住所でおねがいします」, and free-text steps
with a stray 「８」. The spellings here are generated from our own word lists and an
independent kanji-numeral writer, so a fix that only knows the reported examples fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import parsing
from flows.engine import _options_mentioned
from flows.i18n import Translator
from flows.parsing import (
    parse_address,
    parse_birth_date,
    parse_date,
    parse_email,
    parse_free_text,
    parse_kana,
    parse_member_number,
    parse_name,
    parse_own_words,
    parse_phone,
    parse_postal_code,
)
from flows.requests import correction
from flows.steps import DISCLOSURE_METHOD_OPTIONS, REPLY_VIA_OPTION, Step

TODAY = date(2026, 11, 22)
FAST = settings(max_examples=150, deadline=None)

# --- 1. a role is not a name ------------------------------------------------------------

ROLES = [
    "本人", "ご本人", "代理人", "家族", "母", "父", "妻", "夫", "娘", "息子", "長男",
    "成年後見人", "親権者", "ほんにん", "ホンニン", "だいりにん", "お母さん", "本人の母",
]  # fmt: skip
POLITE = ["", "です", "です。", "でございます", "！"]


@FAST
@given(role=st.sampled_from(ROLES), ending=st.sampled_from(POLITE), wide=st.booleans())
def test_a_role_typed_as_a_name_is_refused_with_an_example_name(
    role: str, ending: str, wide: bool
) -> None:
    typed = role + ending
    if wide:
        typed = str(jaconv.h2z(typed, kana=True, ascii=True, digit=True))
    assert parse_name(typed).error == parsing.ERR_NAME_ROLE


@FAST
@given(
    surname=st.sampled_from(["山田", "母袋", "本田", "千年", "家永", "夫馬", "一二三"]),
    given_name=st.sampled_from(["花子", "太郎", "父一", "妻夫", "一二三", "はは子"]),
)
def test_a_name_that_contains_a_role_character_is_still_a_name(
    surname: str, given_name: str
) -> None:
    assert parse_name(f"{surname} {given_name}").value == f"{surname} {given_name}"


# --- 2. a date is not a name, and kanji dates are birth dates ------------------------------

ERAS = [("令和", date(2019, 5, 1)), ("平成", date(1989, 1, 8)), ("昭和", date(1926, 12, 25))]
DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """十九, 二十, 三十一, 千九百四十四: written out here, not taken from the parser."""
    parts = []
    for unit, mark in ((1000, "千"), (100, "百"), (10, "十")):
        count, n = divmod(n, unit)
        if count:
            parts.append(("" if count == 1 else DIGITS[count]) + mark)
    if n:
        parts.append(DIGITS[n])
    return "".join(parts)


def wareki(day: date) -> tuple[str, int]:
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise AssertionError(day)


birth_days = st.dates(min_value=date(1926, 12, 25), max_value=TODAY)


def written(day: date, *, era: bool, kanji: bool) -> str:
    number = kanji_number if kanji else str
    if era:
        name, year = wareki(day)
        head = f"{name}{'元' if year == 1 else number(year)}年"
    else:
        head = f"{number(day.year)}年"
    return f"{head}{number(day.month)}月{number(day.day)}日"


@FAST
@given(day=birth_days, era=st.booleans(), kanji=st.booleans(), ending=st.sampled_from(POLITE))
def test_a_date_typed_as_a_name_is_refused_and_read_as_a_birth_date(
    day: date, era: bool, kanji: bool, ending: str
) -> None:
    typed = written(day, era=era, kanji=kanji) + ending
    assert parse_name(typed).error in (parsing.ERR_NAME_DATE, parsing.ERR_NAME_CHARACTERS)
    if kanji or era:
        assert parse_name(typed).error == parsing.ERR_NAME_DATE
    assert parse_birth_date(typed, today=TODAY).value == day


# --- 3. a sentence about the address is not the address ------------------------------------

WHICH = ["登録してある住所", "とうろくしてある住所", "いつもの住所", "前と同じ住所", "自宅", "家"]
HOW = [
    "でおねがいします",
    "でお願いします",
    "にお願いします",
    "です",
    "でいいです",
    "にしてください",
]
PREFECTURES = ["東京都", "北海道", "大阪府", "長野県"]


@FAST
@given(which=st.sampled_from(WHICH), how=st.sampled_from(HOW), stop=st.sampled_from(["", "。"]))
def test_a_sentence_about_the_registered_address_is_refused_as_an_address(
    which: str, how: str, stop: str
) -> None:
    typed = which + how + stop
    for spelling in (typed, str(jaconv.hira2kata(typed))):
        error = parse_address(spelling).error
        assert error in (parsing.ERR_ADDRESS_SENTENCE, parsing.ONLY_ADDRESS), spelling


@FAST
@given(
    prefecture=st.sampled_from(PREFECTURES),
    block=st.integers(1, 30),
    lot=st.integers(1, 99),
    how=st.sampled_from(["", "です", "でお願いします", "に送ってほしいです"]),
    kanji=st.booleans(),
)
def test_a_real_address_is_kept_even_in_a_polite_sentence(
    prefecture: str, block: int, lot: int, how: str, kanji: bool
) -> None:
    number = (lambda n: kanji_number(n)) if kanji else str
    typed = f"{prefecture}さくら市本町{number(block)}丁目{number(lot)}番{how}"
    if how in ("", "です", "でお願いします"):
        assert parse_address(typed).value == typed


# --- 4. a lone number is not the member's own words ---------------------------------------

numbers = st.text(alphabet="0123456789０１２３４５６７８９", min_size=1, max_size=3)
marks = st.text(alphabet="-.,。、・ー－()（） ", max_size=2)


@FAST
@given(number=numbers, before=marks, after=marks)
def test_a_lone_number_is_never_a_free_text_answer(number: str, before: str, after: str) -> None:
    typed = before + number + after
    assert parse_own_words(typed).error == parsing.ERR_NUMBER_NOT_SHOWN
    assert parse_free_text(typed).error == parsing.ERR_NUMBER_ONLY


@FAST
@given(number=st.text(alphabet="0123456789", min_size=4, max_size=12), marks=marks)
def test_only_digits_and_punctuation_are_not_own_words_at_a_choice_step(
    number: str, marks: str
) -> None:
    assert parse_own_words(number + marks).error == parsing.ERR_NUMBER_NOT_SHOWN


# --- 5. an option named in a sentence is chosen ---------------------------------------------

SENTENCE_FRAMES = ["{w}でおくってほしいです", "{w}がいいです", "{w}でお願いします", "{w}で"]


def options_of(step: Step) -> Any:
    assert not callable(step.options)
    return step.options


ITEM_STEP = next(s for s in correction.FLOW.steps if s.id == "item")


@FAST
@given(
    case=st.sampled_from(
        [
            (DISCLOSURE_METHOD_OPTIONS, "postal", ["紙", "書面", "郵便", "郵送", "手紙", "てがみ"]),
            (DISCLOSURE_METHOD_OPTIONS, "email", ["メール", "めーる", "電子"]),
            (REPLY_VIA_OPTION, "postal", ["紙", "郵便", "手紙", "郵送"]),
            (REPLY_VIA_OPTION, "email", ["メール", "電子"]),
        ]
    ),
    frame=st.sampled_from(SENTENCE_FRAMES),
    data=st.data(),
)
def test_a_way_to_receive_named_in_a_sentence_selects_it(
    case: tuple[dict[str, Any], str, list[str]], frame: str, data: st.DataObject
) -> None:
    options, expected, words = case
    word = data.draw(st.sampled_from(words))
    found = _options_mentioned(frame.format(w=word), list(options.values()))
    assert [o.id for o in found] == [expected]


@FAST
@given(
    case=st.sampled_from(
        [
            ("name", ["名前", "なまえ", "氏名"]),
            ("address", ["住所", "じゅうしょ"]),
            ("phone", ["電話", "携帯"]),
            ("birth_date", ["生年月日", "誕生日"]),
            ("bank_account", ["口座", "銀行"]),
        ]
    ),
    ending=st.sampled_from(["がまちがっています", "が違います", "の訂正", "です"]),
    data=st.data(),
)
def test_an_item_named_in_a_sentence_selects_it_on_the_correction_list(
    case: tuple[str, list[str]], ending: str, data: st.DataObject
) -> None:
    expected, words = case
    typed = data.draw(st.sampled_from(words)) + ending
    assert [o.id for o in _options_mentioned(typed, options_of(ITEM_STEP))] == [expected]


# --- 6. a birth date is read back in 和暦 ---------------------------------------------------


@FAST
@given(day=birth_days)
def test_a_birth_date_is_shown_in_wareki_with_the_western_year_and_no_weekday(day: date) -> None:
    name, year = wareki(day)
    shown = Translator("ja").birth_date(day)
    era_year = "元" if year == 1 else str(year)
    assert shown == f"{name}{era_year}年{day.month}月{day.day}日（{day.year}年）"
    assert Translator("en").birth_date(day) == f"{day.day} {day:%B} {day.year}"


def test_other_dates_keep_the_western_date_and_weekday() -> None:
    assert Translator("ja").date(date(1944, 3, 5)) == "1944年3月5日(日)"


# --- 7. 「わかりません」 is never stored -----------------------------------------------------

PARSERS: list[Callable[[str], Any]] = [
    parse_free_text,
    parse_own_words,
    parse_name,
    parse_kana,
    parse_address,
    parse_phone,
    parse_member_number,
    parse_postal_code,
    parse_email,
    partial(parse_birth_date, today=TODAY),
    partial(parse_date, today=TODAY),
]
UNKNOWN = ["わかりません", "わからないです", "分かりません", "わからない", "不明です", "知りません"]


@FAST
@given(
    word=st.sampled_from(UNKNOWN),
    stop=st.sampled_from(["", "。", "…", "！"]),
    katakana=st.booleans(),
)
@pytest.mark.parametrize("parser", PARSERS)
def test_not_knowing_is_never_stored_as_a_value(
    parser: Callable[[str], Any], word: str, stop: str, katakana: bool
) -> None:
    typed = word + stop
    if katakana:
        typed = str(jaconv.hira2kata(typed))
    assert not parser(typed).ok


def test_birth_dates_in_the_era_table_stay_after_its_start() -> None:
    assert wareki(ERAS[0][1]) == ("令和", 1)
    assert wareki(ERAS[0][1] - timedelta(days=1)) == ("平成", 31)


# --- 8. a sentence is not a name; a name said politely is the name --------------------------

SURNAMES = ["山本", "山田", "佐々木", "小野", "一の瀬", "やまもと", "ヤマモト", "長谷川", "母袋"]
GIVEN_NAMES = [
    "ふみ子", "花子", "はる子", "子", "ふみこ", "のぞみ", "ますみ", "よしてる", "てるこ",
    "一郎", "フミコ", "妻夫", "はは子",
]  # fmt: skip
SELF_INTRODUCTIONS = ["", "私は", "わたくしは", "わたしの名前は", "名前は"]
NAME_ENDINGS = ["", "です", "です。", "でございます", "と申します", "と申します。", "といいます"]
GREETINGS_AFTER = [
    "",
    "。よろしくお願いいたします。",
    "。よろしくお願いします",
    "、どうぞよろしくお願いいたします。",
]
GREETINGS_BEFORE = ["", "こんにちは。", "お世話になっております。"]


@FAST
@given(
    surname=st.sampled_from(SURNAMES),
    given_name=st.sampled_from(GIVEN_NAMES),
    space=st.sampled_from(["", " ", "\u3000"]),
    before=st.sampled_from(GREETINGS_BEFORE),
    introduction=st.sampled_from(SELF_INTRODUCTIONS),
    ending=st.sampled_from(NAME_ENDINGS),
    after=st.sampled_from(GREETINGS_AFTER),
)
def test_a_name_said_in_a_polite_self_introduction_is_taken_as_the_name(
    surname: str,
    given_name: str,
    space: str,
    before: str,
    introduction: str,
    ending: str,
    after: str,
) -> None:
    name = surname + (" " if space else "") + given_name
    if after and not ending:
        ending = "です"  # 「山本ふみ子。よろしく…」 is not how anyone introduces herself
    typed = before + introduction + surname + space + given_name + ending + after
    assert parse_name(typed).value == name, typed


WHO_DIED = ["主人が", "夫が", "母が", "父が", "妻が", "義母が"]
WHAT_HAPPENED = [
    "亡くなりましたので", "先月亡くなったので", "入院しているので", "施設に入りましたので",
    "亡くなりまして、",
]  # fmt: skip
WHAT_I_DO = [
    "私が手続きをしております", "代わりに手続きしています", "妻の私が連絡しました",
    "わたくしが代わりに入力しております", "手続きをお願いします", "私が申し込みます",
]  # fmt: skip
DOING_FOR = ["夫の", "主人の", "母の", "亡くなった父の"]
DOING = ["手続きをしている", "代わりに入力している", "相続の手続きをしております"]
WHO_I_AM = ["妻です", "長男です", "娘です", "者です", "ものです", ""]


@FAST
@given(
    who=st.sampled_from(WHO_DIED),
    happened=st.sampled_from(WHAT_HAPPENED),
    doing=st.sampled_from(WHAT_I_DO),
    stop=st.sampled_from(["", "。"]),
)
def test_a_sentence_about_who_died_and_who_asks_is_refused_as_a_name(
    who: str, happened: str, doing: str, stop: str
) -> None:
    typed = who + happened + doing + stop
    assert parse_name(typed).error == parsing.ONLY_NAME, typed


@FAST
@given(
    whose=st.sampled_from(DOING_FOR),
    doing=st.sampled_from(DOING),
    who=st.sampled_from(WHO_I_AM),
    stop=st.sampled_from(["", "。"]),
)
def test_a_sentence_saying_who_the_member_is_is_refused_as_a_name(
    whose: str, doing: str, who: str, stop: str
) -> None:
    typed = whose + doing + who + stop
    assert parse_name(typed).error == parsing.ONLY_NAME, typed
