"""Field parsers for what members type into the chat.

Members answer our questions on phones, with Japanese IMEs that happily produce
zenkaku digits, katakana long-vowel marks where a hyphen was meant, 和暦 dates,
half-width katakana and stray control characters.  Every parser here takes that
raw string and returns a :class:`Parsed`: either a normalised value we can store
and compare, or an error message the member can act on.  Parsers never raise, so
a conversation can never crash on input.

Error messages are Japanese msgids wrapped in ``N_`` where they are defined so
``pybabel extract -k N_`` finds them; callers translate them at display time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import jaconv
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from flows.i18n import N_
from flows.intents.features import greeting_phrases

T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_NAME_LENGTH = 60
MAX_KANA_LENGTH = 100
MIN_ADDRESS_LENGTH = 5
MAX_ADDRESS_LENGTH = 200
MAX_BIRTH_AGE_YEARS = 130


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """Outcome of parsing one answer: a value, or a message id explaining what to fix."""

    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _fail(error: str) -> Parsed[T]:
    return Parsed(error=error)


# --- Error messages ---------------------------------------------------------

ERR_EMPTY = N_("何も入力されていないようです。もう一度入力してください。")
ERR_TOO_LONG = N_("入力が長すぎます。4096文字以内で入力してください。")
ERR_TOO_LONG_GENERIC = N_("入力が長すぎます。もう少し短くして、もう一度入力してください。")

ERR_NAME_CHARACTERS = N_(
    "お名前に数字や記号、絵文字は使えません。登録されているとおりに、漢字かかなで入力してください。"
)
ERR_NAME_TOO_LONG = N_("お名前が長すぎます。60文字以内で入力してください。")

ERR_KANA_CHARACTERS = N_(
    "フリガナはカタカナかひらがなで、例えば ヤマダ タロウ のように入力してください。"
)
ERR_KANA_TOO_LONG = N_("フリガナが長すぎます。100文字以内で入力してください。")

ERR_DATE_FORMAT = N_(
    "日付を読み取れませんでした。例えば 1975年1月2日、1975/1/2、昭和50年1月2日 "
    "のように入力してください。"
)
ERR_DATE_NEEDS_DAY = N_(
    "日付は年・月・日まで入力してください。例えば 1975年1月2日 のように入力してください。"
)
ERR_DATE_DOES_NOT_EXIST = N_("存在しない日付です。月と日をご確認のうえ、もう一度入力してください。")
ERR_DATE_FUTURE = N_("未来の日付は入力できません。今日までの日付を入力してください。")
ERR_BIRTH_FUTURE = N_(
    "生年月日が未来の日付になっています。ご確認のうえ、もう一度入力してください。"
)
ERR_BIRTH_TOO_OLD = N_(
    "生年月日が130年以上前になっています。西暦か、昭和・平成などの元号をご確認ください。"
)

ERR_PHONE = N_(
    "電話番号を読み取れませんでした。市外局番から、例えば 03-1234-5678 のように入力してください。"
)
ERR_MEMBER_NUMBER = N_(
    "番号を読み取れませんでした。数字（英字を含む場合は英字も）で、"
    "例えば 1234-5678 のように入力してください。"
)
ERR_MEMBER_NUMBER_LENGTH = N_(
    "番号の桁数が合わないようです。4〜20桁で、例えば 1234-5678 のように入力してください。"
)
ERR_POSTAL_CODE = N_(
    "郵便番号を読み取れませんでした。7桁の数字で、例えば 160-0022 のように入力してください。"
)
ERR_EMAIL = N_(
    "メールアドレスを読み取れませんでした。例えば taro@example.jp のように入力してください。"
)
ERR_ADDRESS_TOO_SHORT = N_(
    "住所が短すぎるようです。都道府県から、例えば 東京都新宿区大久保1-2-3 "
    "のように入力してください。"
)
ERR_ADDRESS_TOO_LONG = N_("住所が長すぎます。200文字以内で入力してください。")

# A counter clerk's words, never a scolding: the member is told what goes here, politely.
ERR_QUESTION = N_("恐れ入りますが、ここにはお尋ねしている内容だけをご入力ください。")
ERR_UNKNOWN = N_(
    "お分かりになる範囲で入力してください。"
    "お分かりにならない場合は「担当者と話したい」と入力してください。担当者がご案内します。"
)
ERR_SENTENCE = N_("恐れ入りますが、ここにはお尋ねしている内容だけを、短くご入力ください。")
ERR_NAME_ROLE = N_("「本人」「代理人」などではなく、お名前（例：山田 花子）を入力してください。")
ERR_NAME_DATE = N_("日付のようです。お名前（例：山田 花子）を入力してください。")
ERR_NAME_YES_NO = N_("「はい」「いいえ」ではなく、お名前（例：山田 花子）を入力してください。")
ERR_ADDRESS_SENTENCE = N_(
    "送り先のご住所そのものが必要です。都道府県から番地まで、"
    "例えば 東京都新宿区大久保1-2-3 のように入力してください。"
)
ERR_NUMBER_ONLY = N_("数字だけでは内容がわかりません。言葉で入力してください。")
ERR_GREETING_ONLY = N_("ご連絡ありがとうございます。お手続きの続きをお願いいたします。")
ERR_NUMBER_NOT_SHOWN = N_(
    "数字だけでは内容がわかりません。表示された番号から選ぶか、言葉で入力してください。"
)
ERR_PERSON = N_(
    "担当者へのご相談をご希望でしたら、「担当者と話したい」とご入力ください。担当者がご案内します。"
)
# The same refusal naming what is asked, for the parsers that know their field.
ONLY_NAME = N_("恐れ入りますが、ここにはお名前だけをご入力ください。")
ONLY_KANA = N_("恐れ入りますが、ここにはフリガナだけをご入力ください。")
ONLY_DATE = N_("恐れ入りますが、ここには日付だけをご入力ください。")
ONLY_PHONE = N_("恐れ入りますが、ここには電話番号だけをご入力ください。")
ONLY_NUMBER = N_("恐れ入りますが、ここには番号だけをご入力ください。")
ONLY_POSTAL_CODE = N_("恐れ入りますが、ここには郵便番号だけをご入力ください。")
ONLY_EMAIL = N_("恐れ入りますが、ここにはメールアドレスだけをご入力ください。")
ONLY_ADDRESS = N_("恐れ入りますが、ここにはご住所だけをご入力ください。")
ONLY_FIELD = frozenset(
    (ONLY_NAME, ONLY_KANA, ONLY_DATE, ONLY_PHONE, ONLY_NUMBER, ONLY_POSTAL_CODE, ONLY_EMAIL)
) | {ONLY_ADDRESS}
# What a choice step says to a typed word that picks no choice (the engine still words its
# own; this is the wording it should use).
ERR_CHOICE = N_("恐れ入りますが、表示された番号か、選択肢の言葉でお選びください。")

# A length-specific message reads better than a generic one, but every msgid
# must be a literal for extraction, so known limits get their own wording.
_TOO_LONG_BY_LIMIT: dict[int, str] = {MAX_TEXT_LENGTH: ERR_TOO_LONG}


# --- Text cleaning ----------------------------------------------------------

_ZWJ = "\u200d"
# A zero-width joiner only means something between two visible characters
# (emoji sequences such as 👨‍👩‍👧); anywhere else it is invisible junk.
_STRAY_ZWJ = re.compile(r"(?<![^\s\u200d])\u200d|\u200d(?![^\s\u200d])")
_SPACES = re.compile(r" +")

# Characters members (or their IMEs) type where an ASCII hyphen is meant.
_HYPHENS = "‐‑‒–—―−ーｰ﹣－⁃"
_HYPHEN_TABLE = str.maketrans(dict.fromkeys(_HYPHENS, "-"))


def clean_text(raw: str, *, max_length: int = MAX_TEXT_LENGTH) -> Parsed[str]:
    """Make typed text safe to store and compare.

    Control and format characters are invisible in chat but break matching and
    exports, and line breaks inside a single field are accidental, so they all
    become (or vanish into) single spaces.  The length check runs on the raw
    input so a huge paste is refused before any work is done on it.
    """
    if len(raw) > max_length:
        return _fail(_TOO_LONG_BY_LIMIT.get(max_length, ERR_TOO_LONG_GENERIC))
    chars: list[str] = []
    for ch in raw:
        if ch.isspace():
            chars.append(" ")
        elif ch == _ZWJ or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"):
            chars.append(ch)
    text = _STRAY_ZWJ.sub("", "".join(chars))
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return _fail(ERR_EMPTY)
    return Parsed(value=text)


def parse_free_text(raw: str) -> Parsed[str]:
    """Accept any non-empty answer, emoji included: it is the member's own words.

    Two things are never words: a bare 「わかりません」 (the member needs help, not a
    stored shrug) and a lone short number such as 「8」 or 「１０」, which is a choice
    number the member misread (longer digit runs stay: a corrected phone number is an
    answer).
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    if says_unknown(cleaned.value):
        return _fail(ERR_UNKNOWN)
    digits = [ch for ch in unicodedata.normalize("NFKC", cleaned.value) if ch.isdigit()]
    if only_digits_and_punctuation(cleaned.value) and len(digits) < _MIN_DIGITS_AS_WORDS:
        return _fail(ERR_NUMBER_ONLY)
    if is_greeting_only(cleaned.value):
        return _fail(ERR_GREETING_ONLY)
    return cleaned


# Greetings (the intent lexicon's, flows/intents/lexicon.toml) and "let us go on" with nothing
# else: what a member types on coming back to a half-filled form (「こんにちは。先日の続きを
# お願いします」), never the answer to its step. Longest first, so a polite form is taken whole.
_GREETING_PARTS = re.compile(
    "|".join(re.escape(phrase) for phrase in sorted(greeting_phrases(), key=len, reverse=True))
    + r"|(?:先日|前回|この前)?の?続き(?:を|から)?(?:お願い(?:いた)?します|です|から)?"
)
_GREETING_PUNCTUATION = re.compile(r"[\s、。,.!！…]")


def is_greeting_only(text: str) -> bool:
    """Whether ``text`` holds only greetings and a request to go on (at least one of them)."""
    words = _GREETING_PUNCTUATION.sub("", unicodedata.normalize("NFKC", text))
    return bool(words) and not _GREETING_PARTS.sub("", words)


# A lone number shorter than this is a choice number, not words (see parse_free_text).
_MIN_DIGITS_AS_WORDS = 4


def parse_own_words(raw: str) -> Parsed[str]:
    """The member's own words at a choice step (提供先, 対象の情報): digits alone never are.

    A number there selects a shown choice before parsing; one that selects nothing
    (「8」「１０」 with one choice shown) was a slip, never a 提供先.
    """
    parsed = parse_free_text(raw)
    if parsed.value is not None and only_digits_and_punctuation(parsed.value):
        return _fail(ERR_NUMBER_NOT_SHOWN)
    if parsed.error == ERR_NUMBER_ONLY:
        return _fail(ERR_NUMBER_NOT_SHOWN)
    return parsed


def only_digits_and_punctuation(text: str) -> bool:
    """Whether ``text`` has no word in it: only digits, punctuation and spaces."""
    normal = unicodedata.normalize("NFKC", text).translate(_HYPHEN_TABLE)
    return all(unicodedata.category(ch)[0] in "NPZ" for ch in normal)


def says_unknown(text: str) -> bool:
    """「わかりません」「わからないです」「不明です」 said alone, in any kana or width."""
    folded = str(jaconv.kata2hira(unicodedata.normalize("NFKC", text))).rstrip(_TRAILING_STOPS)
    folded = _POLITE_END.sub("", folded).replace(" ", "")
    return folded in _UNKNOWN_WORDS or bool(_ENGLISH_UNKNOWN.fullmatch(folded))


def normalise_for_matching(raw: str) -> str:
    """Fold width, case, kana and spacing away so typed text can be compared with labels.

    A member who types ``ｶｲｼﾞ``, ``カイジ`` or ``か い じ`` means the button ``かいじ``;
    the result is only for comparison and is never stored or shown.

    NFKC turns a spacing ゛ into a space and a combining mark, so the text is
    composed again once spaces are gone (``か゛`` is ``が``).  Kana are folded to
    hiragana while decomposed, because some voiced kana exist only in katakana:
    ``ヷ``, ``ワ゛`` and ``わ゛`` all end up as ``わ`` plus a combining mark.
    """
    text = "".join(ch for ch in unicodedata.normalize("NFKC", raw).lower() if not ch.isspace())
    text = str(jaconv.kata2hira(unicodedata.normalize("NFD", text)))
    return unicodedata.normalize("NFC", text)


# --- Questions and sentences typed where a value is asked -------------------------

# A question is a question whatever the field: 「代理人でもいいですか」 typed at the
# name step must be answered by a person, never stored as the member's 氏名.
# A bare trailing か is not enough (ゆか, さやか are names), so only polite
# question endings and question marks count.
_QUESTION = re.compile(
    r"(?:[?？]|(?:です|ます|でしょう|ません|ないの|いいの|のです|んです)か[。.!！]*$"
    r"|(?:のですが|んですが|のですけど|んですけど)[。.!！…]*$)"
)
# A question word with a question ending (「どこに書いてあるの」「何を書けばいいかな」).
# Neither alone is enough: いつ is in いつ子, and many names end in の or か.
_QUESTION_WORD = re.compile(r"何|なに|なん|どこ|どう|どちら|どれ|どんな|誰|だれ|いつ|いくら|なぜ")
_QUESTION_END = re.compile(r"(?:か|の|かな|かしら|っけ|のでしょう)[。.!！…]*$")
# 「会員番号がわからないのですが」: not knowing, said in a sentence.
# 「知らない」 is left out: 「知らないところに渡ってほしくない」 is a reason, not a shrug.
_UNKNOWN_IN = re.compile(
    r"(?:わから|分から|判ら|わかん)(?:ない|ません|なかった|なくて)|忘れ(?:ました|た|て)"
)
# Asking for a person in one word: 「担当者」 is never a 氏名 or an address.
PERSON_WORDS = frozenset(
    {
        "担当者", "担当", "担当の方", "担当者さん", "係の人", "係の方", "人", "人間",
        "職員", "職員さん", "person", "staff",
    }
)  # fmt: skip
_UNKNOWN_WORDS = frozenset(
    {
        "わかりません", "分かりません", "判りません", "わからない", "分からない", "判らない",
        "わかんない", "不明", "知らない", "しらない", "知りません", "しりません", "忘れた",
        "忘れました", "わすれた", "わすれました",
    }
)  # fmt: skip
# Sentence endings no name, reading or address ends with.
# Matched on the text as typed, with a word before the ending: a katakana reading such as
# タイ or ヤマダ タイ is not 「〜たい」.
_SENTENCE = re.compile(
    r"(?<=\S)(?:ください|下さい|ません|ました|ましょう|たいです|したい|たい|ほしい|欲しい)"
    r"[。.!！]*$"
)
_TRAILING_STOPS = "。.!！ "
_POLITE_END = re.compile(r"(?:です|でございます|ですね|ですが)$")
_KANA_ONLY = re.compile(r"[\u3041-\u309f\u30a0-\u30ff ]+")
# Members on the English interface type sentences too; no registered name or
# address contains these words on their own.
_ENGLISH_UNKNOWN = re.compile(r"(?:i )?(?:don'?t|do not) know|not sure|unknown|no idea", re.I)
_ENGLISH_SENTENCE = re.compile(
    r"\b(?:i|want|please|help|talk|speak|know|what|why|how|don'?t|can'?t|could|would|should)\b",
    re.I,
)


def not_an_answer(text: str, only: str | None = None) -> str | None:
    """Why ``text`` cannot be a typed value (a question, 「わからない」, a sentence), or None.

    ``text`` is already cleaned; kana are folded so 「ワカリマセン」 typed at the
    フリガナ step is recognised too. ``only`` (an ``ONLY_*`` message) names what the step
    asks for, said instead of the generic refusal of a question or a sentence.
    """
    problem = _not_an_answer(text)
    if only is not None and problem in (ERR_QUESTION, ERR_SENTENCE):
        return only
    return problem


def _not_an_answer(text: str) -> str | None:
    normal = unicodedata.normalize("NFKC", text)
    if normal.rstrip(_TRAILING_STOPS).replace(" ", "").lower() in PERSON_WORDS:
        return ERR_PERSON
    folded = str(jaconv.kata2hira(normal))
    bare = folded.rstrip(_TRAILING_STOPS)
    # Not knowing comes first: 「会員番号がわからないのですが」 needs help, not a person.
    if bare.replace(" ", "") in _UNKNOWN_WORDS or _ENGLISH_UNKNOWN.fullmatch(bare):
        return ERR_UNKNOWN
    if _UNKNOWN_IN.search(folded):
        return ERR_UNKNOWN
    if _QUESTION.search(folded):
        return ERR_QUESTION
    if _KANA_ONLY.fullmatch(folded):
        # Any string of kana may be a reading (タイ, イツカ): only the plain signs above count.
        return None
    if _QUESTION_WORD.search(normal) and _QUESTION_END.search(folded):
        return ERR_QUESTION
    if _SENTENCE.search(normal) or _ENGLISH_SENTENCE.search(folded):
        return ERR_SENTENCE
    return None


def _refusal(text: str, default: str, only: str) -> str:
    """Why a format parser refused ``text``: a question, 「わかりません」 or a sentence typed in
    words says so (naming the field: ``only``); anything else (「?」, 「abc@」) gets the
    format's own example."""
    worded = any("\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" for ch in text)
    if worded or _ENGLISH_UNKNOWN.fullmatch(text.rstrip(_TRAILING_STOPS)):
        return not_an_answer(text, only) or default
    return default


# --- Documents ------------------------------------------------------------------

ERR_DOCUMENT = N_(
    "恐れ入りますが、ここには資料の名前（例：住民票）だけをご入力ください。"
    "理由は、このあとお伺いします。"
)
# 「引っ越したので」「結婚したから」: a reason, said where the name of a document is asked.
_REASON = re.compile(
    r"(?:ので|んで|から|ため|ために|けど|けれど|のに|ました|[しっいきえんりけせてねべめれ]た|んだ)"
    r"(?:です)?[。.!！…]*$"
)


def parse_document_name(raw: str) -> Parsed[str]:
    """The name of a document (住民票, 運転免許証): the member's words, but never a reason or a
    sentence, which belong to the 理由 step that follows."""
    parsed = parse_free_text(raw)
    if parsed.value is None:
        return parsed
    folded = str(jaconv.kata2hira(unicodedata.normalize("NFKC", parsed.value)))
    problem = _not_an_answer(parsed.value)
    if problem in (ERR_QUESTION, ERR_PERSON):
        return _fail(problem)
    if _REASON.search(folded) or _SENTENCE.search(folded):
        return _fail(ERR_DOCUMENT)
    return parsed


# --- Names --------------------------------------------------------------------

# 「山田花子です」「わたくしの名前は山田花子と申します」: the name is kept, the polite frame
# dropped.
_NAME_FRAME = re.compile(
    r"(?:(?:わたし|私|わたくし)(?:の(?:名前|なまえ|氏名|旧姓)は|は)|(?:名前|なまえ|氏名|旧姓|きゅうせい)は)?"
    r"\s*(?P<name>.+?)\s*"
    r"(?:です|でございます|と申します|ともうします|と申し上げます|といいます|と言います)[。.!！]*"
)
_SELF_INTRODUCTION = re.compile(
    r"^(?:(?:わたし|私|わたくし)(?:の(?:名前|なまえ|氏名|旧姓)は|は)|(?:名前|なまえ|氏名|旧姓|きゅうせい)は)"
    r"\s*(?=\S)"
)
# A greeting before or after the name (「山本ふみ子と申します。よろしくお願いいたします。」):
# dropped, so the name alone is left to judge.
_GREETINGS_AROUND = re.compile(
    r"^(?:(?:こんにちは|こんばんは|おはようございます|はじめまして|初めまして"
    r"|お世話になって(?:おり)?ます|失礼(?:いた)?します)[、。,.!！\s]*)+"
    r"|[、。,.!！\s]*(?:どうぞ|何卒|なにとぞ)?よろしく(?:お願い|おねがい)?(?:いた|致)?(?:します|申し上げます)?"
    r"[。.!！\s]*$"
)
# A sentence about the request typed where a name is asked (「主人が亡くなりましたので私が
# 手続きをしております」「夫の手続きをしている妻」): grammar no registered name has. を is in no
# modern name; a particle between two kanji (主人が亡く, 手続きを) joins words, not a name's
# parts; verb endings (〜ております, 〜ている, 〜ました, 〜ますので) end no name. Kana names such as
# のぞみ, ますみ, かがみ or よしてる have none of these (so no bare して or てる).
_NAME_SENTENCE = re.compile(
    r"を|[\u4e00-\u9fff][がはにで][\u4e00-\u9fff]"
    r"|て(?:おり(?:ます)?|います|いる|いました)|(?:し|いたし|致し)ます(?=$|[。、]|ので)"
    r"|ました|ません|でした"
    r"|ます(?:ので|が|から|[。、]|$)|[たいるだなんす]ので|が.+ので|ください|下さい|けれど|けど$"
)

# Punctuation that legitimately appears in registered names (ジョン・スミス,
# O'Brien, Jean-Luc, ジャン＝リュック).
_NAME_PUNCTUATION = frozenset("・･'’-‐.．=＝")


# Who the member is, typed where their name is asked (「本人です」「母です」): a role, never
# a 氏名.  Folded to hiragana before matching, so ホンニン and ほんにん count too.
_ROLE = (
    r"(?:本人|ほんにん|自分|じぶん|私|わたし|わたくし|代理人|代理|だいりにん|だいり"
    r"|法定代理人|任意代理人|後見人|成年後見人|保佐人|補助人|親権者|家族|かぞく|親族|身内"
    r"|母|はは|母親|父|ちち|父親|かあ|とう|親|おや|両親|妻|つま|夫|おっと|主人|しゅじん|家内|嫁|配偶者"
    r"|息子|むすこ|娘|むすめ|子|こども|子供|子ども|長男|長女|次男|次女|三男|三女"
    r"|兄|あに|姉|あね|弟|おとうと|妹|いもうと|孫|まご|祖母|祖父|叔母|伯母|叔父|伯父|甥|姪"
    r"|担当者|担当|係|係の人|職員|組合員|会員|申請者|申出人|申し出人|契約者|被保険者)"
)
_ROLE_NAME = re.compile(
    rf"(?:ご|御|お)?{_ROLE}(?:さま|様|さん)?(?:の(?:ご|御|お)?{_ROLE}(?:さま|様|さん)?)*"
    r"(?:です|でございます|になります|がわり|代わり)?[。.!！]*"
)
# A date typed where a name is asked (「昭和十九年三月五日」): an era with a year, a year with
# a month, or a whole 「三月五日」.  Kanji numerals alone are not (一二三 is a given name, 千年 a
# surname).
_DATE_IN_NAME = re.compile(
    r"(?:明治|大正|昭和|平成|令和)\s*(?:\d|元)|\d\s*年\s*\d{1,2}\s*月"
    r"|^\d{1,2}\s*月\s*\d{1,2}\s*日?$"
    r"|^\d{1,4}\s*[./-]\s*\d{1,2}(?:\s*[./-]\s*\d{1,4})?$",
    re.ASCII,
)


# A yes or no typed where a name is asked (「いいえ」 answering a question the member thought
# was asked): never a name.
_YES_NO = re.compile(
    r"(?:はい|いいえ|いえ|うん|ううん|ええ|いや|おーけー|yes|no|ok)[。.!！]*", re.IGNORECASE
)


def is_yes_or_no(text: str) -> bool:
    """Whether ``text`` is a bare yes or no, in any width or kana."""
    folded = str(jaconv.kata2hira(unicodedata.normalize("NFKC", text))).replace(" ", "")
    return bool(_YES_NO.fullmatch(folded))


def is_role_word(text: str) -> bool:
    """Whether ``text`` names a role (本人, 代理人, 母) rather than a person."""
    folded = str(jaconv.kata2hira(unicodedata.normalize("NFKC", text))).replace(" ", "")
    return bool(_ROLE_NAME.fullmatch(folded))


def reads_as_date(text: str) -> bool:
    """Whether ``text`` is a date in 和暦 or 西暦, in kanji or arabic numerals."""
    normal = unicodedata.normalize("NFKC", text).translate(_HYPHEN_TABLE)
    return bool(_DATE_IN_NAME.search(_KANJI_NUMBER.sub(_kanji_to_arabic, normal)))


def parse_name(raw: str) -> Parsed[str]:
    """Read a 氏名 as registered: letters only, width kept exactly as typed.

    Width and variant characters are kept because the co-op matches against its
    own register; only the separator space is normalised (to one ASCII space).
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    name = cleaned.value
    if says_unknown(name):
        return _fail(ERR_UNKNOWN)
    if _QUESTION.search(name):
        return _fail(ONLY_NAME)
    name = _GREETINGS_AROUND.sub("", name).strip() or name
    name = _SELF_INTRODUCTION.sub("", name)
    while (frame := _NAME_FRAME.fullmatch(name)) and frame["name"].strip():
        name = frame["name"].strip()
    if problem := not_an_answer(name, ONLY_NAME):
        return _fail(problem)
    if _NAME_SENTENCE.search(name):
        return _fail(ONLY_NAME)
    if is_role_word(name) or is_role_word(cleaned.value):
        return _fail(ERR_NAME_ROLE)
    if reads_as_date(name):
        return _fail(ERR_NAME_DATE)
    if is_yes_or_no(name):
        return _fail(ERR_NAME_YES_NO)
    if len(name) > MAX_NAME_LENGTH:
        return _fail(ERR_NAME_TOO_LONG)
    has_letter = False
    for ch in name:
        category = unicodedata.category(ch)
        if category[0] == "L":
            has_letter = True
        elif category[0] == "M" or ch == " " or ch in _NAME_PUNCTUATION:
            continue
        else:
            return _fail(ERR_NAME_CHARACTERS)
    if not has_letter:
        return _fail(ERR_NAME_CHARACTERS)
    return Parsed(value=name)


_SOUND_MARKS = str.maketrans(
    {"\uff9e": "\u3099", "\uff9f": "\u309a", "゛": "\u3099", "゜": "\u309a"}
)


def _is_katakana(ch: str) -> bool:
    # ァ..ヺ plus ・ ー ヽ ヾ
    return "\u30a1" <= ch <= "\u30fe" or ch == " "


def parse_kana(raw: str) -> Parsed[str]:
    """Read a フリガナ in any kana and return full-width katakana.

    Registers store readings in full-width katakana, but members type whatever
    their keyboard gives them: hiragana, or half-width katakana on older phones.
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    if problem := not_an_answer(cleaned.value, ONLY_KANA):
        return _fail(problem)
    reading = cleaned.value
    while (frame := _NAME_FRAME.fullmatch(reading)) and frame["name"].strip():
        reading = frame["name"].strip()
    text = str(jaconv.h2z(reading, kana=True, ascii=False, digit=False))
    # h2z leaves marks it has no precomposed pair for (ﾜﾞ), and some IMEs type
    # a spacing ゛ after the kana: make them combining and let NFC compose them.
    # Composing after hira2kata, not before, because some voiced kana exist only
    # in katakana: わ゛ must become ヷ, not わ plus a stray mark.
    text = str(jaconv.hira2kata(text.translate(_SOUND_MARKS)))
    text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_KANA_LENGTH:
        return _fail(ERR_KANA_TOO_LONG)
    if not all(_is_katakana(ch) for ch in text) or not any(
        "\u30a1" <= ch <= "\u30fa" for ch in text
    ):
        return _fail(ERR_KANA_CHARACTERS)
    return Parsed(value=text)


# --- Dates --------------------------------------------------------------------


@dataclass(frozen=True)
class _Era:
    name: str
    start: date
    out_of_range: str


# Newest first, so the first era whose start is not after a date contains it.
# 明治 is counted from 1868-01-01: dates before 明治6 were on the lunar calendar
# anyway, so we do not try to be more precise than the member can be.
_ERAS: tuple[_Era, ...] = (
    _Era(
        "令和",
        date(2019, 5, 1),
        N_("令和は元年5月1日からです。日付をご確認のうえ、もう一度入力してください。"),
    ),
    _Era(
        "平成",
        date(1989, 1, 8),
        N_(
            "平成は元年1月8日から31年4月30日までです。"
            "日付をご確認のうえ、もう一度入力してください。"
        ),
    ),
    _Era(
        "昭和",
        date(1926, 12, 25),
        N_(
            "昭和は元年12月25日から64年1月7日までです。"
            "日付をご確認のうえ、もう一度入力してください。"
        ),
    ),
    _Era(
        "大正",
        date(1912, 7, 30),
        N_(
            "大正は元年7月30日から15年12月24日までです。"
            "日付をご確認のうえ、もう一度入力してください。"
        ),
    ),
    _Era(
        "明治",
        date(1868, 1, 1),
        N_("明治は45年7月29日までです。日付をご確認のうえ、もう一度入力してください。"),
    ),
)
_ERA_NAMES = {"r": "令和", "h": "平成", "s": "昭和", "t": "大正", "m": "明治"}
# Each era ends the day before the next (newer) one starts; 令和 has no end yet.
_ERA_SPANS: dict[str, tuple[_Era, date | None]] = {
    era.name: (era, _ERAS[i - 1].start if i else None) for i, era in enumerate(_ERAS)
}

_KANJI_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = re.compile("[" + "".join(_KANJI_DIGITS) + "".join(_KANJI_UNITS) + "]+")


def _kanji_to_arabic(match: re.Match[str]) -> str:
    """Turn 五十 / 三十一 / 千九百七十五 (or positional 一九七五) into digits."""
    run = match.group(0)
    if not any(ch in _KANJI_UNITS for ch in run):
        return "".join(str(_KANJI_DIGITS[ch]) for ch in run)
    total = 0
    digit: int | None = None
    for ch in run:
        if ch in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[ch]
            digit = None
        else:
            digit = _KANJI_DIGITS[ch]
    return str(total + (digit or 0))


_ERA_RE = r"(?P<era>明治|大正|昭和|平成|令和|[mtshr])\.?\s*"
# 「しょうわ２２ねん３がつ５にち」: members who type without converting to kanji spell the era
# and 年・月・日 in kana (hiragana or katakana); read them as the kanji they stand for.
_KANA_DATE_WORDS = re.compile(
    r"しょうわ|へいせい|たいしょう|れいわ|めいじ|がんねん|ねん|がつ|にち|うまれ"
)
_KANA_DATE_KANJI = {
    "しょうわ": "昭和",
    "へいせい": "平成",
    "たいしょう": "大正",
    "れいわ": "令和",
    "めいじ": "明治",
    "がんねん": "元年",
    "ねん": "年",
    "がつ": "月",
    "にち": "日",
    "うまれ": "生まれ",
}


def _kana_date_words_as_kanji(text: str) -> str:
    """The era names and 年・月・日 of a date typed in kana, in kanji; other text unchanged."""
    hiragana = jaconv.kata2hira(text)
    return _KANA_DATE_WORDS.sub(lambda m: _KANA_DATE_KANJI[m.group()], hiragana)


_YEAR_SEP = r"(?:\s*(?:年|[./-])\s*|\s+)"
_MONTH_SEP = r"(?:\s*(?:月|[./-])\s*|\s+)"
_DAY_END = r"\s*(?:日)?\s*(?:生まれ|生)?"
# re.ASCII: only 0-9 count as digits (NFKC has already folded zenkaku ones), and
# clean_text has already turned every kind of space into " ".
_ERA_DATE = re.compile(
    rf"{_ERA_RE}(?P<year>\d{{1,3}}|元){_YEAR_SEP}(?P<month>\d{{1,2}}){_MONTH_SEP}"
    rf"(?P<day>\d{{1,2}}){_DAY_END}",
    re.ASCII,
)
_WESTERN_DATE = re.compile(
    rf"(?P<year>\d{{4}}){_YEAR_SEP}(?P<month>\d{{1,2}}){_MONTH_SEP}(?P<day>\d{{1,2}}){_DAY_END}",
    re.ASCII,
)
# 「昭和15年3月3日生まれです」「生年月日は1975年1月2日です」: the date in a short polite
# frame is still the answer; only this frame is dropped, nothing else around the date.
_DATE_FRAME = re.compile(
    r"(?:(?:私の|わたしの)?(?:生年月日|誕生日|たんじょうび|生まれ)は\s*)?(?P<date>.+?)\s*"
    r"(?:生まれ|うまれ)?\s*(?:です|でございます|になります)?[。.!！]*"
)
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})", re.ASCII)
_PARTIAL_DATE = re.compile(
    rf"(?:{_ERA_RE}(?:\d{{1,3}}|元)|\d{{4}})\s*(?:年|[./-])?\s*(?:\d{{1,2}}\s*(?:月|[./-])?\s*)?",
    re.ASCII,
)

# Members using the English interface write the month as a word, in British,
# American or year-first order.  Two-digit years are not read: "2 Jan 75" could
# be 1975 or 2075, and a wrong guess would match someone else's record.
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH_NUMBERS: dict[str, int] = {
    spelling: number
    for number, name in enumerate(_MONTH_NAMES, start=1)
    for spelling in (name, name[:3])
} | {"sept": 9}
_EN_MONTH = "(?:" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + ")"
_EN_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_EN_YEAR = r"\d{4}"
# Next to the month word any spacing or punctuation will do ("02-Jan-1975",
# "Jan. 2", "2JAN1975"); between the day and the year a separator is required,
# or "Jan 21975" would be read as the 2nd.
_EN_SEP = r"(?:\s*[.,/-]){0,2}\s*"
_EN_NUMBER_SEP = r"(?:(?:\s*[.,/-]){1,2}\s*|\s+)"


def _english(pattern: str) -> re.Pattern[str]:
    """Compile an English date pattern; typed English dates often end in a full stop."""
    return re.compile(pattern + r"\s*\.?", re.ASCII)


_ENGLISH_DATES = (
    _english(rf"{_EN_DAY}{_EN_SEP}(?:of\s+)?(?P<month>{_EN_MONTH}){_EN_SEP}(?P<year>{_EN_YEAR})"),
    _english(rf"(?P<month>{_EN_MONTH}){_EN_SEP}{_EN_DAY}{_EN_NUMBER_SEP}(?P<year>{_EN_YEAR})"),
    _english(rf"(?P<year>{_EN_YEAR}){_EN_SEP}(?P<month>{_EN_MONTH}){_EN_SEP}{_EN_DAY}"),
)
_ENGLISH_PARTIAL_DATE = _english(
    rf"(?:{_EN_MONTH}{_EN_SEP}{_EN_YEAR}|{_EN_YEAR}{_EN_SEP}{_EN_MONTH})"
)


def _read_english_date(text: str) -> tuple[int, int, int] | None:
    """Year, month and day of a date written with an English month name, if it is one."""
    for pattern in _ENGLISH_DATES:
        match = pattern.fullmatch(text)
        if match:
            return int(match["year"]), _MONTH_NUMBERS[match["month"]], int(match["day"])
    return None


def _read_date(raw: str) -> Parsed[date]:
    """Read a 西暦, 和暦 or English-month date without judging whether it is plausible."""
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return Parsed(error=cleaned.error)
    text = unicodedata.normalize("NFKC", cleaned.value).lower().translate(_HYPHEN_TABLE)
    text = _KANJI_NUMBER.sub(_kanji_to_arabic, _kana_date_words_as_kanji(text))
    if (frame := _DATE_FRAME.fullmatch(text)) and frame["date"]:
        text = frame["date"]

    era: _Era | None = None
    era_end: date | None = None
    if match := _ERA_DATE.fullmatch(text):
        era, era_end = _ERA_SPANS[_ERA_NAMES.get(match["era"], match["era"])]
        era_year = 1 if match["year"] == "元" else int(match["year"])
        fields = (era.start.year + era_year - 1, int(match["month"]), int(match["day"]))
    elif match := _WESTERN_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
        fields = (int(match["year"]), int(match["month"]), int(match["day"]))
    elif english := _read_english_date(text):
        fields = english
    elif _PARTIAL_DATE.fullmatch(text) or _ENGLISH_PARTIAL_DATE.fullmatch(text):
        return _fail(ERR_DATE_NEEDS_DAY)
    else:
        return _fail(_refusal(cleaned.value, ERR_DATE_FORMAT, ONLY_DATE))
    try:
        result = date(*fields)
    except ValueError:
        return _fail(ERR_DATE_DOES_NOT_EXIST)
    if era is not None and (result < era.start or (era_end is not None and result >= era_end)):
        return _fail(era.out_of_range)
    return Parsed(value=result)


def parse_date(raw: str, *, today: date) -> Parsed[date]:
    """Read a past date such as a 脱退日; ``today`` is passed in so tests and time zones agree."""
    parsed = _read_date(raw)
    if parsed.value is not None and parsed.value > today:
        return _fail(ERR_DATE_FUTURE)
    return parsed


def parse_birth_date(raw: str, *, today: date) -> Parsed[date]:
    """Read a 生年月日, refusing the future and anything over 130 years ago.

    The age limit mostly catches a wrong era letter (M50 for S50), which would
    otherwise silently point at someone else's record.
    """
    parsed = _read_date(raw)
    if parsed.value is None:
        return parsed
    if parsed.value > today:
        return _fail(ERR_BIRTH_FUTURE)
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    if parsed.value < date(today.year - MAX_BIRTH_AGE_YEARS, today.month, day):
        return _fail(ERR_BIRTH_TOO_OLD)
    return parsed


# --- Numbers and addresses ---------------------------------------------------

_PHONE_CHARACTERS = re.compile(r"\+?[\d\s().-]+", re.ASCII)
# 「電話は03-5285-1865です」: a number in a short polite frame is still the answer.
# Only this frame is dropped; anything else around the digits (内線12, tel:) is not
# guessed at.
_PHONE_FRAME = re.compile(
    r"(?:(?:同じ|おなじ)(?:番号|もの)?(?:です|で)?[。、,.\s]*)?"  # 「同じ番号です。043-…」
    r"(?:(?:(?:自宅|携帯|けいたい|連絡先)(?:の)?)?(?:電話|でんわ)?(?:番号)?(?:は|:)\s*)?"
    r"(?P<number>.+?)\s*(?:です|になります|でお願いします|でおねがいします)?[。.]?"
)


def parse_phone(raw: str) -> Parsed[str]:
    """Read a phone number and return it hyphenated the way Japanese numbers are written.

    Letters are refused before ``phonenumbers`` sees them, because it would read
    them as vanity digits (0120-ABC-DEF) or an extension.  Non-Japanese numbers
    keep their country code (international format) so they stay callable.
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    text = unicodedata.normalize("NFKC", cleaned.value).translate(_HYPHEN_TABLE)
    frame = _PHONE_FRAME.fullmatch(text)
    if frame is not None:
        text = frame["number"]
    if not _PHONE_CHARACTERS.fullmatch(text):
        # Only explains a refusal, like the member-number parser.
        return _fail(_refusal(cleaned.value, ERR_PHONE, ONLY_PHONE))
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return _fail(ERR_PHONE)
    if not phonenumbers.is_valid_number(number):
        return _fail(ERR_PHONE)
    if number.country_code == 81:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return Parsed(value=str(phonenumbers.format_number(number, style)))


_MEMBER_NUMBER = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z]+)*")
# 「共済の番号は KY-1234567 です」: the number in a sentence that names it (NFKC, no spaces).
_MEMBER_NUMBER_FRAME = re.compile(
    r"(?:[^0-9A-Za-z]{0,8}?(?:番号|ばんごう|no\.?|number)(?:は|:))?"
    r"(?P<number>[0-9A-Za-z-]+?)(?:です|になります|でございます)?[。.]?",
    re.IGNORECASE,
)


def parse_member_number(raw: str) -> Parsed[str]:
    """Read a 組合員番号 or 共済契約番号, keeping the member's grouping hyphens.

    Hyphens are kept because some co-ops print them as part of the number;
    spaces are dropped because they never are.
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    text = unicodedata.normalize("NFKC", cleaned.value).upper().translate(_HYPHEN_TABLE)
    text = re.sub(r"-+", "-", "".join(text.split())).strip("-")
    if (frame := _MEMBER_NUMBER_FRAME.fullmatch(text)) is not None:
        text = frame["number"].upper().strip("-")
    if not _MEMBER_NUMBER.fullmatch(text) or not any(ch in "0123456789" for ch in text):
        # Only explains a refusal: a number with an "I" in it is still a number.
        return _fail(not_an_answer(cleaned.value, ONLY_NUMBER) or ERR_MEMBER_NUMBER)
    if not 4 <= len(text.replace("-", "")) <= 20:
        return _fail(ERR_MEMBER_NUMBER_LENGTH)
    return Parsed(value=text)


_POSTAL_CODE = re.compile(r"〒?(\d{3})-?(\d{4})", re.ASCII)


def parse_postal_code(raw: str) -> Parsed[str]:
    """Read a 郵便番号 in any common spelling and return it as ``123-4567``."""
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    text = unicodedata.normalize("NFKC", cleaned.value).translate(_HYPHEN_TABLE)
    match = _POSTAL_CODE.fullmatch("".join(text.split()))
    if not match:
        return _fail(_refusal(cleaned.value, ERR_POSTAL_CODE, ONLY_POSTAL_CODE))
    return Parsed(value=f"{match[1]}-{match[2]}")


def parse_email(raw: str) -> Parsed[str]:
    """Read an e-mail address, fixing zenkaku characters and stray spaces from the IME.

    Deliverability is not checked: it needs the network and a member's answer
    should not depend on DNS being up.
    """
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    text = "".join(unicodedata.normalize("NFKC", cleaned.value).split())
    try:
        result = validate_email(text, check_deliverability=False)
    except (EmailNotValidError, ValueError):
        return _fail(_refusal(cleaned.value, ERR_EMAIL, ONLY_EMAIL))
    return Parsed(value=str(result.normalized))


# What every address has somewhere: a 都道府県・市区町村 (or 郡・丁目・番地) word or a number.
_ADDRESS_MARK = re.compile(r"[都道府県市区町村郡丁番号字\d]")
# How a sentence about the address ends (「登録してある住所でおねがいします」), or what it
# points at instead of giving the address (「いつもの住所」「前と同じ」).
_ADDRESS_SENTENCE = re.compile(
    r"(?:です|ます|ません|ください|下さい|でいい|でよい|で結構|にして)[。.!！]*$"
    r"|登録|とうろく|いつも|同じ|おなじ|前と|まえと|そのまま|自宅|じたく"
)


def _looks_like_address(text: str) -> bool:
    """Whether ``text`` may be an address: a sentence about the address with no place word
    and no number (「登録してある住所でおねがいします」) is not."""
    normal = _KANJI_NUMBER.sub(_kanji_to_arabic, unicodedata.normalize("NFKC", text))
    folded = str(jaconv.kata2hira(normal))
    return bool(_ADDRESS_MARK.search(normal)) or not _ADDRESS_SENTENCE.search(folded)


# Zenkaku digits, letters and hyphen-minus (Ａ１－): folded to ASCII in an address. Brackets and
# other signs stay as the member typed them (（住所変更はしていません）).
_WIDE_ASCII = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff0d]+")
# A hyphen-like mark between digits (１ー２, 3－4): the IME's spelling of 「-」. Elsewhere a ー is a
# long vowel (コーポ) and stays.
_DIGIT_HYPHEN = re.compile(f"(?<=[0-9])\\s*[{_HYPHENS}-]\\s*(?=[0-9])")


def normalise_address(text: str) -> str:
    """An address with its digits, letters and hyphens in ASCII, and its kanji and kana as typed.

    Staff and the register compare 大久保1-2-3, so the IME's １－２－３ or 1ー2ー3 is folded;
    full NFKC is not applied, because it would also change the member's own characters
    (compatibility kanji, half-width kana) in a place name.
    """
    folded = _WIDE_ASCII.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    return _SPACES.sub(" ", _DIGIT_HYPHEN.sub("-", folded)).strip()


def parse_address(raw: str) -> Parsed[str]:
    """Read a postal address as typed (digits and hyphens folded to ASCII); formats vary too
    much for more than a plausibility check."""
    cleaned = clean_text(raw)
    if cleaned.value is None:
        return cleaned
    if problem := not_an_answer(cleaned.value, ONLY_ADDRESS):
        return _fail(problem)
    if not _looks_like_address(cleaned.value):
        return _fail(ERR_ADDRESS_SENTENCE)
    if len(cleaned.value) < MIN_ADDRESS_LENGTH:
        return _fail(ERR_ADDRESS_TOO_SHORT)
    if len(cleaned.value) > MAX_ADDRESS_LENGTH:
        return _fail(ERR_ADDRESS_TOO_LONG)
    return Parsed(value=normalise_address(cleaned.value))
