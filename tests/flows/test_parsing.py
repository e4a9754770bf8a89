"""Tests for the chat field parsers in flows.parsing."""

from __future__ import annotations

import ast
import inspect
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import parsing
from flows.parsing import (
    MAX_TEXT_LENGTH,
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

TODAY = date(2025, 11, 22)

ZENKAKU = str.maketrans("0123456789/.-", "０１２３４５６７８９／．－")


def zenkaku(text: str) -> str:
    return text.translate(ZENKAKU)


def birth(raw: str) -> Parsed[date]:
    return parse_birth_date(raw, today=TODAY)


def when(raw: str) -> Parsed[date]:
    return parse_date(raw, today=TODAY)


def message_ids() -> set[str]:
    """Every literal passed to N_ in flows/parsing.py, as `pybabel extract -k N_` sees them."""
    tree = ast.parse(inspect.getsource(parsing))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
            (argument,) = node.args
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            found.add(argument.value)
    return found


MESSAGE_IDS = message_ids()


# --- clean_text / free text -------------------------------------------------


def test_clean_text_collapses_ideographic_and_ascii_spaces_to_one_space() -> None:
    assert clean_text("  山田\u3000\u3000太郎  ").value == "山田 太郎"


def test_clean_text_turns_newlines_and_tabs_into_single_spaces() -> None:
    assert clean_text("一行目\r\n\t二行目\n").value == "一行目 二行目"


def test_clean_text_removes_control_and_format_characters() -> None:
    assert clean_text("a\x00b\x07c\u200bd\ufeffe\u202e").value == "abcde"


def test_clean_text_removes_lone_surrogates() -> None:
    assert clean_text("\ud800abc").value == "abc"


def test_clean_text_refuses_whitespace_only_input() -> None:
    result = clean_text(" \u3000\n\t\x00\u200b")
    assert result.value is None
    assert result.error == "何も入力されていないようです。もう一度入力してください。"


def test_clean_text_refuses_input_longer_than_4096_characters() -> None:
    assert clean_text("あ" * MAX_TEXT_LENGTH).ok
    result = clean_text("あ" * (MAX_TEXT_LENGTH + 1))
    assert result.error == "入力が長すぎます。4096文字以内で入力してください。"


def test_clean_text_measures_length_on_the_raw_input() -> None:
    assert not clean_text(" " * 10 + "abc", max_length=5).ok


def test_free_text_keeps_emoji_including_joined_sequences() -> None:
    family = "👨\u200d👩\u200d👧"
    assert parse_free_text(f"よろしく {family}🙏").value == f"よろしく {family}🙏"


def test_free_text_drops_a_zero_width_joiner_that_joins_nothing() -> None:
    assert not parse_free_text("\u200d").ok
    assert parse_free_text("a \u200d b").value == "a b"


# --- names ------------------------------------------------------------------


def test_name_space_between_family_and_given_name_becomes_one_ascii_space() -> None:
    assert parse_name("山田\u3000太郎").value == "山田 太郎"
    assert parse_name("山田   太郎").value == "山田 太郎"


def test_name_keeps_width_as_typed() -> None:
    assert parse_name("ｙａｍａｄａ ｔａｒｏ").value == "ｙａｍａｄａ ｔａｒｏ"
    assert parse_name("ﾔﾏﾀﾞ").value == "ﾔﾏﾀﾞ"


def test_name_accepts_kana_iteration_marks_and_foreign_name_punctuation() -> None:
    assert parse_name("佐々木 ジョン・スミス").ok
    assert parse_name("O'Brien").ok
    assert parse_name("ジャン＝リュック").ok


@pytest.mark.parametrize("raw", ["山田1", "山田１郎", "山田😀", "山田★", "@yamada", "-"])
def test_name_with_digits_symbols_or_emoji_asks_for_the_registered_name(raw: str) -> None:
    assert parse_name(raw).error == (
        "お名前に数字や記号、絵文字は使えません。"
        "登録されているとおりに、漢字かかなで入力してください。"
    )


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("山田花子です", "山田花子"),
        ("山田 花子と申します。", "山田 花子"),
        ("私は山田花子です", "山田花子"),
        ("やまだはなこといいます", "やまだはなこ"),
        ("さやか", "さやか"),
        ("ゆか", "ゆか"),
        ("山本ふみ子と申します。よろしくお願いいたします。", "山本ふみ子"),
        ("山本ふみ子でございます", "山本ふみ子"),
        ("わたくしの名前は山本ふみ子です", "山本ふみ子"),
    ],
)
def test_a_name_keeps_the_name_without_a_polite_ending(raw: str, name: str) -> None:
    assert parse_name(raw).value == name


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("代理人でもいいですか", parsing.ONLY_NAME),
        ("本人じゃないとだめですか", parsing.ONLY_NAME),
        ("どう書けばいいでしょうか", parsing.ONLY_NAME),
        ("わかりません", parsing.ERR_UNKNOWN),
        ("分からない", parsing.ERR_UNKNOWN),
        ("不明", parsing.ERR_UNKNOWN),
        ("担当者と話したい", parsing.ONLY_NAME),
        ("名前は教えたくありません", parsing.ONLY_NAME),
        ("主人が亡くなりましたので私が手続きをしております", parsing.ONLY_NAME),
        ("夫の手続きをしている妻です", parsing.ONLY_NAME),
    ],
)
def test_questions_not_knowing_and_sentences_are_not_names(raw: str, error: str) -> None:
    assert parse_name(raw).error == error


@pytest.mark.parametrize(
    "raw", ["やまだ はなこです", "ヤマダ ハナコです。", "やまだ はなこといいます"]
)
def test_a_reading_keeps_the_reading_without_a_polite_ending(raw: str) -> None:
    assert parse_kana(raw).value == "ヤマダ ハナコ"


@pytest.mark.parametrize(
    "raw", ["わかりません", "ワカリマセン", "ﾜｶﾘﾏｾﾝ", "読み方はカタカナですか"]
)
def test_not_knowing_or_asking_is_not_a_reading(raw: str) -> None:
    assert not parse_kana(raw).ok


@pytest.mark.parametrize("raw", ["わかりません", "住所を書く必要がありますか", "住所を訂正したい"])
def test_not_knowing_asking_or_a_request_is_not_an_address(raw: str) -> None:
    assert not parse_address(raw).ok


@pytest.mark.parametrize(
    "raw",
    [
        "東京都新宿区新宿6-24-20（住所変更はしていません）",
        "東京都新宿区新宿6-24-20 停止線前",
        "東京都新宿区新宿6-24-20 訂正印の店",
    ],
)
def test_an_address_with_request_words_in_it_is_still_an_address(raw: str) -> None:
    assert parse_address(raw).value == raw


def test_not_knowing_the_member_number_is_explained_as_such() -> None:
    assert parse_member_number("わかりません").error == parsing.ERR_UNKNOWN
    assert parse_member_number("12-I-34").value == "12-I-34"


def test_name_longer_than_60_characters_is_refused() -> None:
    assert parse_name("あ" * 60).ok
    assert parse_name("あ" * 61).error == "お名前が長すぎます。60文字以内で入力してください。"


# --- kana -------------------------------------------------------------------


def test_half_width_katakana_becomes_full_width() -> None:
    assert parse_kana("ﾔﾏﾀﾞ ﾀﾛｳ").value == "ヤマダ タロウ"


def test_hiragana_becomes_katakana() -> None:
    assert parse_kana("やまだ　たろう").value == "ヤマダ タロウ"


def test_kana_keeps_long_vowel_marks_and_voiced_sounds() -> None:
    assert parse_kana("ゆーじ ヴぇるでぃ").value == "ユージ ヴェルディ"
    assert parse_kana("ｼｮｰｺﾞ").value == "ショーゴ"


def test_kana_composes_separately_typed_voicing_marks() -> None:
    assert parse_kana("ﾜﾞﾀﾅﾍﾞ").value == "ヷタナベ"
    assert parse_kana("カ゛ク").value == "ガク"


def test_hiragana_with_a_separate_voicing_mark_becomes_katakana_only_voiced_kana() -> None:
    assert parse_kana("わ゛たなべ").value == "ヷタナベ"
    assert parse_kana("か゛く").value == "ガク"


@pytest.mark.parametrize("raw", ["山田 太郎", "yamada", "ヤマダ1", "ヤマダ😀", "ー", "ア゛"])
def test_kana_with_kanji_latin_or_digits_asks_for_katakana_or_hiragana(raw: str) -> None:
    error = parse_kana(raw).error
    assert (
        error == "フリガナはカタカナかひらがなで、例えば ヤマダ タロウ のように入力してください。"
    )


# --- dates ------------------------------------------------------------------

ERR_DATE_FORMAT = parsing.ERR_DATE_FORMAT


@pytest.mark.parametrize(
    "raw",
    [
        "1975/1/2",
        "1975-01-02",
        "1975.1.2",
        "1975年1月2日",
        "1975 年 1 月 2 日",
        "19750102",
        "１９７５／１／２",
        "１９７５年１月２日",
        "1975ー01ー02",
        "1975年1月2日生まれ",
        "一九七五年一月二日",
        "千九百七十五年一月二日",
    ],
)
def test_western_dates_in_common_spellings_are_read_as_1975_01_02(raw: str) -> None:
    assert birth(raw).value == date(1975, 1, 2)


@pytest.mark.parametrize(
    "raw",
    [
        "昭和50年1月2日",
        "昭和五十年一月二日",
        "昭和５０年１月２日",
        "S50.1.2",
        "s50/1/2",
        "S.50.1.2",
        "Ｓ５０．１．２",
        "s50-1-2",
    ],
)
def test_showa_50_in_any_spelling_is_read_as_1975(raw: str) -> None:
    assert birth(raw).value == date(1975, 1, 2)


def test_showa_abbreviation_with_dots_is_read_as_1975() -> None:
    assert birth("S50.1.2").value == date(1975, 1, 2)


def test_heisei_gannen_is_year_one_of_the_era() -> None:
    assert birth("平成元年1月8日").value == date(1989, 1, 8)
    assert birth("平成元年5月1日").value == date(1989, 5, 1)
    assert birth("H元.5.1").value == date(1989, 5, 1)
    assert birth("h元/5/1").value == date(1989, 5, 1)


def test_kanji_numerals_with_tens_are_read() -> None:
    assert birth("平成三十一年四月三十日").value == date(2019, 4, 30)
    assert birth("令和二年十二月十一日").value == date(2020, 12, 11)


def test_single_character_era_symbols_are_read() -> None:
    assert birth("㍻元年1月8日").value == date(1989, 1, 8)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("明治45年7月29日", date(1912, 7, 29)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("T15.12.24", date(1926, 12, 24)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R7.11.22", date(2025, 11, 22)),
    ],
)
def test_first_and_last_days_of_each_era_are_accepted(raw: str, expected: date) -> None:
    assert when(raw).value == expected


def test_showa_64_january_8_is_refused_because_heisei_had_begun() -> None:
    error = birth("昭和64年1月8日").error
    assert error == (
        "昭和は元年12月25日から64年1月7日までです。日付をご確認のうえ、もう一度入力してください。"
    )


def test_showa_64_february_is_refused_because_the_era_ended() -> None:
    assert birth("昭和64年2月1日").error == birth("昭和64年1月8日").error


def test_heisei_32_is_refused_because_the_era_ended() -> None:
    error = birth("平成32年1月1日").error
    assert error is not None
    assert error.startswith("平成は元年1月8日から31年4月30日までです。")


def test_reiwa_gannen_april_is_refused_because_the_era_had_not_begun() -> None:
    error = when("令和元年4月1日").error
    assert error is not None
    assert error.startswith("令和は元年5月1日からです。")


def test_era_year_zero_is_refused_as_outside_the_era() -> None:
    error = when("昭和0年12月25日").error
    assert error is not None
    assert error.startswith("昭和は")


@pytest.mark.parametrize("raw", ["1975/2/30", "1975年2月30日", "昭和50年2月30日", "2023/2/29"])
def test_february_30_is_refused_as_a_date_that_does_not_exist(raw: str) -> None:
    assert (
        birth(raw).error == "存在しない日付です。月と日をご確認のうえ、もう一度入力してください。"
    )


def test_month_13_is_refused_as_a_date_that_does_not_exist() -> None:
    assert birth("1975/13/1").error == parsing.ERR_DATE_DOES_NOT_EXIST


def test_leap_day_is_accepted_in_a_leap_year() -> None:
    assert birth("平成8年2月29日").value == date(1996, 2, 29)


@pytest.mark.parametrize("raw", ["1975/1", "1975年1月", "昭和50年1月", "令和2年", "S50", "1975"])
def test_year_and_month_only_asks_for_the_day_too(raw: str) -> None:
    assert birth(raw).error == (
        "日付は年・月・日まで入力してください。例えば 1975年1月2日 のように入力してください。"
    )


@pytest.mark.parametrize("raw", ["あした", "1/2/1975", "75/1/2", "1月2日", "X50.1.2", "1975/1/2/3"])
def test_unreadable_dates_get_examples_of_accepted_formats(raw: str) -> None:
    assert birth(raw).error == ERR_DATE_FORMAT


@pytest.mark.parametrize(
    "raw",
    [
        "2 January 1975",
        "January 2, 1975",
        "Jan 2 1975",
        "2nd Jan 1975",
        "02-Jan-1975",
        "1975 January 2",
        "JAN. 2, 1975",
        "january 2nd, 1975",
        "2nd of January 1975",
        "2 Jan. 1975.",
        "02JAN1975",
        "1975-Jan-02",
        "２ Ｊａｎｕａｒｙ １９７５",
    ],
)
def test_english_month_names_are_read_as_1975_01_02(raw: str) -> None:
    assert birth(raw).value == date(1975, 1, 2)


def test_english_month_names_accept_sept_for_september() -> None:
    assert birth("Sept 3rd, 1975").value == date(1975, 9, 3)


def test_iso_date_is_read() -> None:
    assert birth("1975-01-02").value == date(1975, 1, 2)


@pytest.mark.parametrize("raw", ["Jan 2 75", "2 Janu 1975", "January 2", "Jan 21975", "2 1 1975"])
def test_english_dates_without_a_four_digit_year_or_real_month_are_unreadable(raw: str) -> None:
    assert birth(raw).error == ERR_DATE_FORMAT


@pytest.mark.parametrize("raw", ["January 1975", "Jan. 1975", "1975 January"])
def test_english_month_and_year_only_asks_for_the_day_too(raw: str) -> None:
    assert birth(raw).error == parsing.ERR_DATE_NEEDS_DAY


def test_english_february_30_is_refused_as_a_date_that_does_not_exist() -> None:
    assert birth("February 30, 1975").error == parsing.ERR_DATE_DOES_NOT_EXIST


def test_english_date_in_the_future_is_refused_like_any_other() -> None:
    assert birth("23 November 2025").error == birth("2025/11/23").error
    assert when("23 November 2025").error == parsing.ERR_DATE_FUTURE


def test_birth_date_tomorrow_is_refused_as_future() -> None:
    error = birth("R7.11.23").error
    assert error == "生年月日が未来の日付になっています。ご確認のうえ、もう一度入力してください。"


def test_birth_date_today_is_accepted() -> None:
    assert birth("2025/11/22").value == TODAY


def test_birth_date_more_than_130_years_ago_suggests_checking_the_era() -> None:
    assert birth("1895/11/22").ok
    error = birth("1895/11/21").error
    assert error is not None
    assert "元号をご確認ください。" in error
    # the typical slip: M for 明治 where S for 昭和 was meant
    assert birth("M20.1.2").error == error


def test_birth_date_age_limit_works_when_today_is_a_leap_day() -> None:
    assert parse_birth_date("1894/2/28", today=date(2024, 2, 29)).ok


def test_leaving_date_in_the_future_is_refused_with_its_own_message() -> None:
    assert (
        when("2026/1/1").error == "未来の日付は入力できません。今日までの日付を入力してください。"
    )
    assert when("2026/1/1").error != birth("2026/1/1").error


def test_leaving_date_may_be_long_ago() -> None:
    assert when("明治10年1月1日").value == date(1877, 1, 1)


def test_date_errors_are_distinct() -> None:
    errors = {
        when("あした").error,
        when("1975/2/30").error,
        when("2030/1/1").error,
        when("1975/1").error,
        when("平成32年1月1日").error,
    }
    assert len(errors) == 5


# --- phone ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "０３－５２８５－１８６５",
        "03-5285-1865",
        "0352851865",
        "03 5285 1865",
        "(03)5285-1865",
        "03ー5285ー1865",
        "03−5285−1865",
        "+81 3 5285 1865",
        "+81-3-5285-1865",
    ],
)
def test_tokyo_number_in_any_spelling_becomes_03_5285_1865(raw: str) -> None:
    assert parse_phone(raw).value == "03-5285-1865"


def test_mobile_number_is_hyphenated() -> None:
    assert parse_phone("０９０１２３４５６７８").value == "090-1234-5678"


def test_foreign_number_keeps_its_country_code() -> None:
    assert parse_phone("+1 650 253 0000").value == "+1 650-253-0000"


@pytest.mark.parametrize(
    "raw",
    [
        "5285-1865",
        "03-5285-186",
        "03-5285-18655",
        "123",
        "0120-ABC-DEF",
        "03-5285-1865 内線12",
        "tel:03-5285-1865",
        "電話番号",
        "00-0000-0000",
    ],
)
def test_malformed_phone_numbers_ask_for_the_area_code_with_an_example(raw: str) -> None:
    assert parse_phone(raw).error == (
        "電話番号を読み取れませんでした。"
        "市外局番から、例えば 03-1234-5678 のように入力してください。"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "電話は03-5285-1865です",
        "電話番号は03-5285-1865です。",
        "自宅の電話は０３－５２８５－１８６５です",
        "03-5285-1865です",
        "03-5285-1865でお願いします",
    ],
)
def test_a_phone_number_in_a_short_polite_sentence_is_read(raw: str) -> None:
    assert parse_phone(raw).value == "03-5285-1865"


# --- member number ------------------------------------------------------------


def test_zenkaku_member_number_becomes_half_width() -> None:
    assert parse_member_number("１２３４５６７８").value == "12345678"


def test_member_number_keeps_grouping_hyphens_in_any_hyphen_style() -> None:
    assert parse_member_number("１２３４－５６７８").value == "1234-5678"
    assert parse_member_number("1234ー5678").value == "1234-5678"


def test_member_number_collapses_repeated_hyphens_and_trims_them() -> None:
    assert parse_member_number("-1234--5678-").value == "1234-5678"


def test_member_number_drops_spaces() -> None:
    assert parse_member_number("1234 5678").value == "12345678"
    assert parse_member_number("1234\u30005678").value == "12345678"


def test_member_number_letters_become_upper_case_ascii() -> None:
    assert parse_member_number("ａｂ-1234").value == "AB-1234"


def test_member_number_length_counts_significant_characters_only() -> None:
    assert parse_member_number("1-2-3-4").value == "1-2-3-4"
    assert parse_member_number("1-2-3").error == parsing.ERR_MEMBER_NUMBER_LENGTH
    assert parse_member_number("1" * 20).ok
    assert parse_member_number("1" * 21).error == (
        "番号の桁数が合わないようです。4〜20桁で、例えば 1234-5678 のように入力してください。"
    )


@pytest.mark.parametrize("raw", ["ABCD", "1234#5678", "番号1234", "----", "12.34.56"])
def test_member_number_with_other_characters_is_refused_with_an_example(raw: str) -> None:
    assert parse_member_number(raw).error == parsing.ERR_MEMBER_NUMBER


# --- postal code --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["160-0022", "1600022", "〒160-0022", "〒１６０－００２２", "１６０００２２", "〒 160 0022"],
)
def test_postal_code_in_any_spelling_becomes_160_0022(raw: str) -> None:
    assert parse_postal_code(raw).value == "160-0022"


@pytest.mark.parametrize("raw", ["160-002", "16-00022", "160-00222", "abc-defg", "新宿区"])
def test_malformed_postal_code_asks_for_seven_digits(raw: str) -> None:
    assert parse_postal_code(raw).error == (
        "郵便番号を読み取れませんでした。7桁の数字で、例えば 160-0022 のように入力してください。"
    )


# --- e-mail -------------------------------------------------------------------


def test_zenkaku_email_address_is_normalised() -> None:
    assert parse_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").value == "taro@example.jp"


def test_email_domain_is_lower_cased_and_ime_spaces_are_removed() -> None:
    assert parse_email(" Taro @ Example.JP ").value == "Taro@example.jp"


@pytest.mark.parametrize("raw", ["taro", "taro@", "@example.jp", "taro@@example.jp", "a@b"])
def test_malformed_email_gets_an_example(raw: str) -> None:
    assert parse_email(raw).error == (
        "メールアドレスを読み取れませんでした。例えば taro@example.jp のように入力してください。"
    )


# --- address ------------------------------------------------------------------


def test_address_keeps_its_words_with_digits_in_ascii_and_spaces_collapsed() -> None:
    raw = "東京都新宿区大久保１－２－３\u3000\u3000コープ101"
    assert parse_address(raw).value == "東京都新宿区大久保1-2-3 コープ101"


def test_address_shorter_than_five_characters_asks_for_the_full_address() -> None:
    assert parse_address("東京都").error == parsing.ERR_ADDRESS_TOO_SHORT
    assert parse_address("東京都新宿").ok


def test_address_longer_than_200_characters_is_refused() -> None:
    assert parse_address("あ" * 200).ok
    assert parse_address("あ" * 201).error == "住所が長すぎます。200文字以内で入力してください。"


# --- matching -----------------------------------------------------------------


def test_matching_folds_width_case_kana_and_spaces() -> None:
    assert normalise_for_matching("ｶｲｼﾞ") == "かいじ"
    assert normalise_for_matching("カイジ") == normalise_for_matching("か い\u3000じ")
    assert normalise_for_matching("ＡＢＣ def") == "abcdef"


def test_matching_composes_separately_typed_voicing_marks() -> None:
    assert normalise_for_matching("か゛") == normalise_for_matching("が")
    assert normalise_for_matching("カ゛イシ゛") == normalise_for_matching("がいじ")
    assert normalise_for_matching("ワ゛") == normalise_for_matching("ヷ")
    assert normalise_for_matching("わ゛") == normalise_for_matching("ﾜﾞ")


# --- properties ---------------------------------------------------------------

PARSERS: dict[str, Callable[[str], Parsed[Any]]] = {
    "clean_text": clean_text,
    "parse_free_text": parse_free_text,
    "parse_name": parse_name,
    "parse_kana": parse_kana,
    "parse_birth_date": partial(parse_birth_date, today=TODAY),
    "parse_date": partial(parse_date, today=TODAY),
    "parse_phone": parse_phone,
    "parse_member_number": parse_member_number,
    "parse_postal_code": parse_postal_code,
    "parse_email": parse_email,
    "parse_address": parse_address,
}

awkward_text = st.one_of(
    st.text(),
    st.text(
        st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "Pd", "Lo", "So"]),
        max_size=50,
    ),
    st.text(st.sampled_from("0123456789０１２３４５６７８９-ー－/年月日昭和平成元SsHh@＠.〒 ")),
    # huge pastes, both just under and well over the limit
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=6), st.integers(500, 2000)),
)


@pytest.mark.parametrize("name", PARSERS)
@given(raw=awkward_text)
def test_parsers_never_raise_and_set_exactly_one_of_value_or_error(name: str, raw: str) -> None:
    result = PARSERS[name](raw)
    assert isinstance(result, Parsed)
    assert (result.value is None) != (result.error is None)
    assert result.ok == (result.error is None)


@pytest.mark.parametrize("name", PARSERS)
@given(raw=awkward_text)
def test_every_error_is_an_extractable_polite_sentence(name: str, raw: str) -> None:
    error = PARSERS[name](raw).error
    if error is not None:
        assert error in MESSAGE_IDS
        assert error.endswith("。")


def test_every_message_id_is_a_non_empty_sentence() -> None:
    assert len(MESSAGE_IDS) >= 20
    for message in MESSAGE_IDS:
        assert message.strip()
        assert message.endswith("。")


@given(raw=awkward_text)
def test_matching_normalisation_never_raises_and_leaves_no_whitespace(raw: str) -> None:
    folded = normalise_for_matching(raw)
    assert not any(ch.isspace() for ch in folded)


# Era table built independently of the implementation: (name, letter, first day).
ERAS = [
    ("令和", "R", date(2019, 5, 1)),
    ("平成", "H", date(1989, 1, 8)),
    ("昭和", "S", date(1926, 12, 25)),
    ("大正", "T", date(1912, 7, 30)),
    ("明治", "M", date(1868, 1, 1)),
]
KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else KANJI_DIGITS[tens] + "十"
    return head + (KANJI_DIGITS[ones] if ones else "")


def wareki_spellings(d: date) -> list[str]:
    name, letter, start = next(era for era in ERAS if era[2] <= d)
    y = d.year - start.year + 1
    year = "元" if y == 1 else str(y)
    kanji_date = (
        f"{'元' if y == 1 else kanji_number(y)}年{kanji_number(d.month)}月{kanji_number(d.day)}日"
    )
    return [
        f"{name}{year}年{d.month}月{d.day}日",
        f"{name}{y}年{d.month}月{d.day}日",
        f"{name}{kanji_date}",
        f"{letter}{y}.{d.month}.{d.day}",
        f"{letter.lower()}{year}/{d.month}/{d.day}",
        f"{letter}{y:02}-{d.month:02}-{d.day:02}",
        zenkaku(f"{name}{y}年{d.month}月{d.day}日"),
    ]


def seireki_spellings(d: date) -> list[str]:
    y, m, dd = d.year, d.month, d.day
    return [
        f"{y}/{m}/{dd}",
        f"{y}-{m:02}-{dd:02}",
        f"{y}.{m}.{dd}",
        f"{y}年{m}月{dd}日",
        f"{y}{m:02}{dd:02}",
        zenkaku(f"{y}/{m:02}/{dd:02}"),
        zenkaku(f"{y}年{m}月{dd}日"),
    ]


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_any_date_since_1900_round_trips_through_seireki_and_wareki(d: date) -> None:
    for spelling in seireki_spellings(d) + wareki_spellings(d):
        assert parse_date(spelling, today=TODAY).value == d, spelling
        assert parse_birth_date(spelling, today=TODAY).value == d, spelling


KATAKANA = [chr(c) for c in range(0x30A1, 0x30FB)] + ["ー"]  # ァ..ヺ and the long-vowel mark


def to_hiragana(katakana: str) -> str:
    # ァ..ヶ have hiragana at a fixed offset; ヷ..ヺ and ー have none.
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in katakana)


HALF_WIDTH = {
    unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E) if c != 0xFF70
}
HALF_WIDTH["ー"] = "\uff70"
HALF_WIDTH_MARK = {"\u3099": "\uff9e", "\u309a": "\uff9f"}


def to_half_width(katakana: str) -> str:
    out = []
    for ch in katakana:
        if ch in HALF_WIDTH:
            out.append(HALF_WIDTH[ch])
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        if base in HALF_WIDTH and all(mark in HALF_WIDTH_MARK for mark in marks):
            out.append(HALF_WIDTH[base] + "".join(HALF_WIDTH_MARK[m] for m in marks))
        else:
            out.append(ch)  # small ヮ, ヵ, ヶ, ヰ, ヱ have no half-width form
    return "".join(out)


katakana_names = st.lists(
    st.text(st.sampled_from(KATAKANA), min_size=1, max_size=8).filter(
        lambda word: any(ch != "ー" for ch in word)
    ),
    min_size=1,
    max_size=3,
).map(" ".join)


@given(kana=katakana_names)
def test_katakana_hiragana_and_half_width_forms_all_normalise_to_the_katakana(kana: str) -> None:
    assert parse_kana(kana).value == kana
    assert parse_kana(to_hiragana(kana)).value == kana
    assert parse_kana(to_half_width(kana)).value == kana
    assert parse_kana(to_hiragana(kana).replace(" ", "\u3000")).value == kana


@pytest.mark.parametrize(
    "typed",
    [
        "こんにちは。先日の続きをお願いします",
        "こんにちは！",
        "よろしくお願いいたします",
        "続きをお願いします",
    ],
)
def test_a_greeting_on_coming_back_is_never_stored_as_the_members_own_words(typed: str) -> None:
    assert parse_free_text(typed).error == parsing.ERR_GREETING_ONLY


@pytest.mark.parametrize(
    "typed", ["住所が違います。こんにちは", "よろしく 山田🙏", "先日の続きで、電話番号が違います"]
)
def test_words_beside_a_greeting_are_the_members_answer(typed: str) -> None:
    assert parse_free_text(typed).value == typed


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("同じ番号です。043-212-3456", "043-212-3456"),
        ("おなじです、043-212-3456", "043-212-3456"),
    ],
)
def test_a_phone_said_to_be_the_same_with_the_number_reads_the_number(
    typed: str, value: str
) -> None:
    assert parsing.parse_phone(typed).value == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("共済の番号は　ＫＹ－１２３４５６７　です", "KY-1234567"),
        ("組合員番号は12345678です", "12345678"),
        ("12345678です", "12345678"),
    ],
)
def test_a_member_number_in_a_sentence_that_names_it_reads_the_number(
    typed: str, value: str
) -> None:
    assert parsing.parse_member_number(typed).value == value


def test_a_former_name_said_with_its_label_reads_the_name() -> None:
    assert parsing.parse_name("旧姓は鈴木です").value == "鈴木"
