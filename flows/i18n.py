"""Translation helpers: Japanese msgids are the source wording; catalogs add English.

Member-facing strings are marked with ``N_`` where they are defined (so ``pybabel extract``
finds them) and translated at render time with a per-conversation ``Translator``, because
one process serves members in different languages at once.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.support import NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("ja", "en")
# 元号 and their first days, newest first: a birth date is read back in the era the
# member knows it by.
ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
    ("大正", date(1912, 7, 30)),
    ("明治", date(1868, 1, 1)),
)
DEFAULT_LANGUAGE = "ja"
JST = ZoneInfo("Asia/Tokyo")
Day = date  # ``date`` inside Translator is its method


def N_(message: str) -> str:
    """Mark a Japanese source string for extraction without translating it yet."""
    return message


def locales_dir() -> Path:
    """Where compiled catalogs live: ``MADOGUCHI_LOCALES_DIR`` if set, else the package's own
    (an installed wheel: setup.py compiles them into it), else a checkout's ``locales/``
    (``make catalogs``; an editable install has no packaged copy)."""
    override = os.environ.get("MADOGUCHI_LOCALES_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "locales"
    return packaged if packaged.is_dir() else here.parent / "locales"


@lru_cache(maxsize=8)
def _catalog(lang: str) -> NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return NullTranslations()  # msgids are the Japanese wording
    translations = Translations.load(str(locales_dir()), [lang], domain="messages")
    if not isinstance(translations, Translations):
        raise RuntimeError(
            f"No compiled '{lang}' catalog in {locales_dir()}: run 'make catalogs' first."
        )
    return translations


def normalise_language(value: str | None) -> str:
    """Map anything a member or config says to a supported language code."""
    if value and value.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Translator:
    """Translates and formats for one member's language."""

    def __init__(self, lang: str) -> None:
        self.lang = normalise_language(lang)
        self._catalog = _catalog(self.lang)

    def __call__(self, msgid: str, **values: Any) -> str:
        text = self._catalog.gettext(msgid)
        return text.format(**values) if values else text

    def date(self, value: date | datetime) -> str:
        """Dates as members read them: 2026年12月6日(日) / Sun, 6 Dec 2026."""
        if isinstance(value, datetime):
            value = value.astimezone(JST).date()
        if self.lang == "ja":
            return format_date(value, "y年M月d日(E)", locale="ja")
        return format_date(value, "EEE, d MMM y", locale="en")

    def birth_date(self, value: Day) -> str:
        """A birth date as members say it: 昭和19年3月5日（1944年） / 5 March 1944.

        Older members know their birthday in 和暦, so it comes first with the 西暦 year
        beside it; a weekday means nothing for a birthday and is left out.
        """
        if self.lang != "ja":
            return format_date(value, "d MMMM y", locale="en")
        for era, start in ERAS:
            if value >= start:
                year = value.year - start.year + 1
                era_year = "元" if year == 1 else str(year)
                return f"{era}{era_year}年{value.month}月{value.day}日（{value.year}年）"
        return f"{value.year}年{value.month}月{value.day}日"

    def datetime(self, value: datetime) -> str:
        """Date and JST time, e.g. for transcripts and case events."""
        local = value.astimezone(JST)
        return f"{self.date(local)} {local:%H:%M}"
