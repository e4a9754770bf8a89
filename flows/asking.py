"""What a message typed at a step is when it is not the answer (issue 16, point 2).

A question is never an answer: at every step that waits for a value, 「代理人でもいいですか」,
「会員番号がわからないのですが」, 「どこに書いてありますか」 or a bare 「担当者」 is answered
(from the profile, with help for the step, or by a person) and the step is asked again. The
engine asks this one function at every step, so there is one rule for names, dates, numbers,
free text and choices alike; the value parsers refuse the same messages as a second line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import jaconv

from flows import parsing, published
from flows.published import Topic

AskKind = Literal["person", "help", "topic", "question"]

# Asking how to fill in the step: 「何を書けばいいですか」「どこに書いてありますか」.
_HELP = re.compile(
    r"(?:何|なに|なん)(?:を|て)(?:書|か|入力|いれ|入れ|答え|こたえ)"
    r"|どう(?:やって)?(?:書|か|入力|答え|こたえ)|書き方|かきかた|入力の仕方|入力のしかた"
    # 「名前を書けばよいのでしょうか」「住所も入力するのですか」: how, asked about one thing.
    r"|(?:書|か)(?:けば|いたら|くの|くん)(?!.*(?:ない|なく))"
    r"|(?:入力|記入)(?:すれば|したら|するの|するん)|(?:答え|こたえ)(?:れば|たら|るの|るん)"
    r"|どこに(?:書|か|載|の|あ)|どこで(?:わか|分か|調べ|しらべ)|どこを見"
    r"|どういう意味|何のことですか|なんのことですか"
    # 「それは何ですか？」「これってなんですか」: what the step (or a choice) means.
    r"|^(?:えっと|あの)?[、,]?(?:それ|これ|そちら|こちら|この|その)?(?:質問|選択肢|項目)?"
    r"(?:は|って)?(?:何|なに|なん)(?:ですか|でしょうか|のこと|ですの|だ)[。.?？]*$"
    r"|どういうこと(?:ですか|でしょうか)"
    # 「名前は漢字？カタカナ？」「ひらがなでいいですか」: in which script to write it.
    r"|(?:漢字|かんじ|カタカナ|かたかな|ひらがな|ローマ字|ろーまじ|全角|半角)(?:で|が)?"
    r"(?:いい|よい|よろしい|大丈夫|OK|ok)?(?:です|でしょう)?(?:か)?[?？]"
    r"|what should i (?:write|enter|type)|where (?:do|can) i find|what does .* mean",
    re.I,
)
# 「会員番号がわからないのですが」: a message that ends in not knowing.
_ENDS_NOT_KNOWING = re.compile(
    r"(?:(?:わから|分から|判ら|わかん|知ら|しら)(?:ない|なかった)|(?:わかり|分かり|判り|知り|しり)ません"
    r"|(?:忘れ|わすれ)(?:ました|た|てしまいました))"
    r"(?:のですが|んですが|んだけど|のですけど|です)?[。.…!！?？]*$"
)
# Why the step wants this (「電話番号は必要なんですか」「住所も書いたほうがいいのですか」
# 「生年月日は何に使うのですか」): answered with the step's own ``why``.
_WHY = re.compile(
    r"必要|ひつよう|なぜ|どうして|なんで|何に使|なにに使|何につか|なににつか|何のため|なんのため"
    r"|(?:書|か|入れ|入力し)(?:いた|ない|なくて|なければ|なきゃ)"
    r"|(?:いる|要る|いります|要ります)(?:の|ん|んですか|のですか|ですか|か)"
    r"|必須|why|necessary|do i have to|must i",
    re.I,
)


# 「どんな書類が要りますか」「何が必要ですか」 ask what is needed, not why this step asks.
_WHAT = re.compile(r"どんな|どういう|何が|なにが|何を|なにを|何の|なんの|\bwhat\b|\bwhich\b", re.I)


def asks_why(text: str) -> bool:
    """Whether a question typed at a step asks why the step wants its value."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if _WHAT.search(normal) and not _WHY_OUTRIGHT.search(normal):
        return False
    return bool(_WHY.search(str(jaconv.kata2hira(normal))) or _WHY.search(normal))


# Words that ask why whatever else the question has (「何のために必要なんですか」).
_WHY_OUTRIGHT = re.compile(
    r"なぜ|どうして|なんで|何に使|なにに使|何のため|なんのため|\bwhy\b", re.I
)


# Whose details to type (「わたくしの名前でよろしいのでしょうか、それとも夫の名前を…」「母の
# 電話番号ですか」): a person named with の, or a choice between two.
_WHOSE = re.compile(
    r"(?:誰|だれ|どなた|どちら|どっち|私|わたし|わたくし|自分|じぶん|本人|ほんにん|代理人|故人"
    r"|亡くなった(?:方|人|者)?|夫|妻|主人|家内|母|父|親|子|娘|息子)(?:さん|さま|様)?の"
    r"|それとも|どちらを|どっちを"
)


# A question anywhere in the message, not only at its end (「…でよろしいのでしょうか、それとも…」).
_ASKS = re.compile(r"(?:でしょう|です|ます|いい|よい|よろしい|ません)か|[?？]|それとも")


def asks_whose(text: str) -> bool:
    """Whether a question typed at a step asks whose details it wants."""
    normal = unicodedata.normalize("NFKC", text).strip()
    return bool(_WHOSE.search(normal) or _WHOSE.search(str(jaconv.kata2hira(normal))))


# Free-text steps take the member's own sentences; only a short message there can be a
# plea for help rather than a description of the request.
_SHORT = 25


@dataclass(frozen=True)
class Asked:
    """A message that asks something instead of answering the step."""

    kind: AskKind
    topic: Topic | None = None


def _about_a_document(text: str) -> bool:
    topic = published.topic_in(text)
    return topic is not None and topic.id == "agents"


def read_at_step(text: str, *, takes_sentences: bool, takes_questions: bool) -> Asked | None:
    """Whether ``text`` typed at a step asks something instead of answering it, and what.

    ``takes_sentences``: the step takes the member's own words (訂正内容, 理由), where a
    sentence describing the request is the answer and a question is asked about first.
    ``takes_questions``: the step's answer is itself a question for staff (the inquiry's
    ご質問, the ご用件 for a person), where only a plea for help is not.
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    folded = str(jaconv.kata2hira(normal))
    problem = parsing.not_an_answer(normal)
    if problem == parsing.ERR_PERSON:
        return Asked("person")
    if takes_sentences:
        # A sentence may mention not knowing and still describe the request.
        pleads = len(normal) <= _SHORT and bool(
            _HELP.search(folded) or _ENDS_NOT_KNOWING.search(folded)
        )
    else:
        pleads = problem == parsing.ERR_UNKNOWN or bool(_HELP.search(folded))
    if pleads and _about_a_document(normal):
        # 「委任状には何を書けばいいですか」: about the document, not how to fill in the step.
        return Asked("question")
    if pleads:
        return Asked("help")
    if takes_questions:
        return None
    if not takes_sentences and _ASKS.search(folded) and asks_whose(normal):
        # 「わたくしの名前でよろしいのでしょうか、それとも夫の名前を…」: how to answer, about
        # whose details; the step's hint says.
        return Asked("help")
    topic = published.question_about(normal)
    if topic is not None:
        return Asked("topic", topic)
    if problem == parsing.ERR_QUESTION:
        return Asked("question")
    return None
