"""A step's value from the member's reply: a choice, several choices, or a parsed value.

The parsers are chosen by the step's kind, so a flow declares its steps and never parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from flows import (
    parsing,
    published,
)
from flows.dialogue import name_words, own_words, step_questions
from flows.dialogue.choosing import (
    MULTI_ERROR,
    NUMBER_LIST,
    Given,
    options_mentioned,
    resolve,
    unframed,
)
from flows.dialogue.names import (
    SKIP,
)
from flows.dialogue.words import NO_PHONE
from flows.i18n import N_, Translator
from flows.modes import (
    request,
)
from flows.parsing import Parsed
from flows.profiles import OrgProfile
from flows.steps import SKIPPED, Context, Option, Step
from flows.understanding import prefill

if TYPE_CHECKING:
    from flows.turn import Turn


# Own-words steps a person may answer: a 提供先 can be 「夫」.
_PERSON_MAY_ANSWER = frozenset({"recipient"})


def parse(turn: Turn, step: Step, given: Given) -> Parsed[Any]:
    """The step's value from a button, a number, a choice's words, or the step's parser."""
    return parse_answer(
        step, given, turn.ctx(), request.step_options(turn, step), turn.engine.orgs.values()
    )


def parse_answer(
    step: Step,
    given: Given,
    ctx: Context,
    options: Sequence[Option],
    orgs: Iterable[OrgProfile],
) -> Parsed[Any]:
    """The step's value from a button, a number, a choice's words, or the step's parser,
    with no turn: the chat and staff intake read every answer through this one function, so
    the two can never accept different values. ``options`` are the answers offered (the
    chat adds 戻る・やめる, which its caller acts on); ``orgs`` name the words no one's name is."""
    option = resolve(given, options, ctx.t)
    if option is not None and option.id == SKIP:
        return Parsed(value=SKIPPED)
    if (
        step.kind == "phone"
        and given.text
        and step.is_optional(ctx)
        and NO_PHONE.search(parsing.normalise_for_matching(given.text))
    ):
        return Parsed(value=SKIPPED)  # 「母は施設に入っていて電話はありません」
    if step.kind == "choice":
        if option is not None:
            return Parsed(value=option.id)
        read = step.reader(given.text) if step.reader and given.text else None
        if read is not None:
            return Parsed(value=read)
        # 「紙でおくってほしいです」: an option's alias in a sentence, if only one is named.
        mentioned = options_mentioned(given.text or "", [o for o in options if o.id[:1] != "_"])
        if len(mentioned) == 1:
            return Parsed(value=mentioned[0].id)
        if step.free_text and given.text:
            nothing = own_words.says_nothing_of_the_step(
                given.text, person_may_be_the_answer=step.id in _PERSON_MAY_ANSWER
            )
            if nothing is not None:
                return Parsed(error=nothing)  # 「ほんにん」「はい」: not what the step asks
            return parsing.parse_own_words(given.text)
        return Parsed(error=step.unread or parsing.ERR_CHOICE)
    if step.kind == "multi":
        return parse_multi(ctx.t, given, options)
    if given.text is None:
        return Parsed(error=N_("文字で入力してください。"))
    if parsing.is_greeting_only(given.text):
        # 「こんにちは。先日の続きをお願いします」 on coming back answers no step, whatever it asks.
        return Parsed(error=parsing.ERR_GREETING_ONLY)
    parsed: Parsed[Any] = PARSERS[step.kind](given.text, ctx.now.date())
    if step.kind == "name":
        # 「共済」 is no one's name; the 旧姓 step's refusals say 旧姓.
        return name_words.refuse(step, given.text, parsed, orgs, ctx.t)
    return parsed


# Words that say the member is unsure, or that what they name is not so (「後見人の手続きは
# していません」): a reading of who is asking is not taken from such a reply.
UNSURE = re.compile(
    r"(?:分|わ)か(?:りません|らない|らず|りかね)|していません|しておりません|してません"
    r"|ではありません|じゃありません|ではない|どちら|どっち|迷って|自信が"
    r"|not sure|don't know|do not know|which one|unsure",
    re.IGNORECASE,
)
WHICH_AGENT = N_(
    "どちらにあたるか迷われるときのご参考です。未成年のお子さまの親（親権者）と、家庭裁判所で"
    "選ばれた成年後見人は「法定代理人」です。それ以外で、ご本人から頼まれてお手続きをする方は"
    "「任意代理人」です。お書きの内容は、お申し出に書き添えて担当者にお伝えします。"
    "あてはまるものをお選びください。"
)


def agent_at_requester(turn: Turn, step: Step, text: str) -> bool:
    """「母の代わりです」 at 「どなたからのお申し出ですか」 is read as in a first message
    (``understanding.prefill``): an agent, with the 続柄 filled in when the words give it."""
    if step.id != "requester":
        return False
    reading = turn.read(text)
    asked = step_questions.asked_at(turn, step, text)
    # 「代理人でもいいですか」 is a question, not the answer; 「15歳の娘の代わりに申し込みたい
    # のですが」 is a polite answer.
    polite = asked is not None and asked.kind == "question" and published.asks_to_act(text)
    if not (reading.agent or reading.deceased) or (asked is not None and not polite):
        return False
    if UNSURE.search(text):
        # 「どちらになるのか分かりません。後見人の手続きはしていません」: nothing is guessed
        # (後見人 is named to say there is none); the words go to staff, the choice is explained.
        if text not in turn.conv.staff_questions:
            turn.conv.staff_questions.append(text)
        turn.say(turn.t(WHICH_AGENT))
        turn.reask()
        return True
    read = prefill(turn.flow, reading)
    if "requester" not in read:
        return False
    ctx = turn.ctx()
    chosen = step.display(read["requester"], ctx)
    lines = [turn.t("「{choice}」として伺います。", choice=chosen)]
    for later in turn.flow.steps:
        if later.id in ("legal_kind", "agent_relation") and later.id in read:
            turn.conv.answers.setdefault(later.id, read[later.id])
            if later.id == "agent_relation":
                relation = later.display(read[later.id], ctx)
                lines.append(turn.t("ご本人との続柄：{relation}", relation=relation))
    turn.say("\n".join(lines))
    request.take_value(turn, step, Parsed(value=read["requester"]))
    return True


def parse_multi(t: Translator, given: Given, options: Sequence[Option]) -> Parsed[Any]:
    """Several choices, by numbers (「1,3」) or their words; all or nothing."""
    real = [o for o in options if not o.id.startswith("_")]
    if given.choice:
        single = resolve(given, real, t)
        return Parsed(value=[single.id]) if single else Parsed(error=MULTI_ERROR)
    # A space between numbers parts them (「1 3」), though folding drops spaces.
    typed = parsing.normalise_for_matching(re.sub(r"\s+", ",", (given.text or "").strip()))
    # 「1と3です」「1,3でお願いします」: the numbers inside a polite frame.
    text = next((c for c in (typed, *unframed(typed)) if NUMBER_LIST.match(c)), typed)
    if NUMBER_LIST.match(text):
        picked: list[str] = []
        for number in re.findall(r"[0-9]+", text):
            index = int(number) - 1
            if not 0 <= index < len(real):
                return Parsed(error=MULTI_ERROR)
            if real[index].id not in picked:
                picked.append(real[index].id)
        return Parsed(value=picked)
    picked = []
    for part in _LIST_JOINS.split(given.text or ""):
        for piece in _pieces(part, real, t):
            if piece is None:
                return Parsed(error=MULTI_ERROR)
            if piece.id not in picked:
                picked.append(piece.id)
    return Parsed(value=picked) if picked else Parsed(error=MULTI_ERROR)


# What joins the choices of a list: 「電話とメール」「電話、メール」 "phone and email".
_LIST_JOINS = re.compile(r"[,、，・/と]+|\s+(?:and|&)\s+", re.IGNORECASE)
# Words around an English list that name no choice ("please", "thanks").
_POLITE_WORDS = re.compile(r"(?:please|thanks|thank\s+you|and|&|both)[.!]*", re.IGNORECASE)


def _pieces(part: str, options: Sequence[Option], t: Translator) -> list[Option | None]:
    """The choice one part of a list names (None: it names none, or several); a part that
    names none as a whole is read word by word ("1 3", "Phone email please")."""
    part = part.strip(" \t\u3000.。!！")
    if not part or _POLITE_WORDS.fullmatch(part):
        return []
    option = _one_choice(part, options, t)
    if option is not None or not re.search(r"\s", part):
        return [option]
    words = [w for w in part.split() if not _POLITE_WORDS.fullmatch(w)]
    return [_one_choice(word, options, t) for word in words]


def _one_choice(part: str, options: Sequence[Option], t: Translator) -> Option | None:
    folded = parsing.normalise_for_matching(part)
    for candidate in (part, *unframed(folded)):  # 「3です」: the number in a polite frame
        option = resolve(Given(choice=None, text=candidate), options, t)
        if option is not None:
            return option
    found = options_mentioned(part, options)
    return found[0] if len(found) == 1 else None


def date_parser(parser: Any) -> Any:
    """A date parser whose value is stored as ISO text, as the state is JSON."""

    def parse(text: str, today: date) -> Parsed[Any]:
        """The date as ISO text, or the parser's refusal as it is."""
        result: Parsed[date] = parser(text, today=today)
        return Parsed(value=result.value.isoformat()) if result.ok and result.value else result

    return parse


PARSERS: dict[str, Any] = {
    "text": lambda text, today: parsing.parse_free_text(text),
    "document": lambda text, today: parsing.parse_document_name(text),
    "name": lambda text, today: parsing.parse_name(text),
    "kana": lambda text, today: parsing.parse_kana(text),
    "phone": lambda text, today: parsing.parse_phone(text),
    "member_number": lambda text, today: parsing.parse_member_number(text),
    "postal_code": lambda text, today: parsing.parse_postal_code(text),
    "email": lambda text, today: parsing.parse_email(text),
    "address": lambda text, today: parsing.parse_address(text),
    "birth_date": date_parser(parsing.parse_birth_date),
    "date": date_parser(parsing.parse_date),
}
