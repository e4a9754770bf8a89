"""The request-form mode: ask each step in turn, take its value, or notice an interruption.

A value the step's parser accepts is the answer; only refused text may start something else.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from flows import (
    parsing,
    published,
    wording,
)
from flows.dialogue import (
    change_of_mind,
    earlier,
    more_words,
    navigation,
    requester_change,
    step_questions,
    submit,
    values,
    waiting,
)
from flows.dialogue.choosing import (
    BACK_OPTION,
    CANCEL_OPTION,
    Given,
    resolve,
)
from flows.dialogue.names import (
    BACK,
    CANCEL,
    FLOW,
    SKIP,
)
from flows.dialogue.words import (
    DONT_KNOW,
    INTERRUPT_CONFIDENCE,
    NO_PHONE_WORDS,
    REQUEST_IDS,
    SKIP_WORDS,
    SWITCH_FROM_FREE_TEXT_CONFIDENCE,
)
from flows.modes import (
    reuse_offer,
    summary,
    unclear,
)
from flows.modes.base import Mode
from flows.notices import notice_lines
from flows.parsing import Parsed
from flows.steps import SKIPPED, Context, Option, Step

if TYPE_CHECKING:
    from flows.turn import Turn


def interrupts(turn: Turn, step: Step, text: str, *, taken: bool = False) -> bool:
    """Mid-flow: act on an unmistakable 'stop', 'how is my request', 'a person', or a
    different request typed where a choice was expected. Answers are never taken for one:
    once the step's parser has ``taken`` the text, only a plain 'stop' interrupts."""
    reading = turn.read(text)
    if not reading.concepts:
        return False
    if turn.conv.flow == "consent_withdrawal" and published.names_topic(text, "joint_use"):
        # 共同利用 is one of the things a consent withdrawal stops (its own choice), not a
        # third-party provision to switch to, whatever the classifier reads.
        return False
    # An address or a text step takes almost any text (「第三者」 even has a number), so
    # 「やっぱり第三者提供の停止にします」「あ、やっぱり広告止めたい」 there are still read as a
    # change of mind (declined, the words are taken as the answer after all).
    wanted = (
        change_of_mind.named_request(turn, text)
        if not taken or step.kind in ("address", "text")
        else None
    )
    if wanted == turn.conv.flow:
        # 「やっぱり開示にします」 inside the 開示 form: nothing to switch, nothing to stop.
        turn.say(turn.t("いまの「{title}」のお手続きを続けます。", title=turn.t(turn.flow.title)))
        turn.reask()
        return True
    if wanted is not None:
        unclear.offer_switch(turn, text, wanted)
        return True
    strong = reading.confidence >= INTERRUPT_CONFIDENCE
    if reading.intent == "cancel" and strong:
        if names_what_to_stop(turn, text):
            return False  # 「使うのをやめるだけで結構です」 is the stop request's content
        # A sentence read as 'stop' may still be about the request: asked first, always.
        navigation.confirm_cancel(turn)
        return True
    if step.kind == "text" or taken or speaks_of_the_step(turn, step, text):
        return False
    if step.free_text and reading.confidence < SWITCH_FROM_FREE_TEXT_CONFIDENCE:
        return False
    if reading.intent == "status" and strong:
        case = step_questions.case_asked_about(turn, text)
        if case is not None:
            # 「いつお電話をいただけるのでしょうか」 while staff await an answer: for them.
            waiting.tell(turn, case, text)
            turn.reask()
            return True
        turn.say(navigation.status_text(turn))
        turn.reask()
        return True
    switchable = reading.intent in REQUEST_IDS or reading.intent == "human"
    if reading.sure and switchable and reading.intent != turn.conv.flow:
        unclear.offer_switch(turn, text, reading.intent)
        return True
    return False


# Requests whose content is itself a 'stop' (利用停止, 第三者提供の停止, 同意の撤回).
_STOPPING_FLOWS = frozenset({"suspension", "third_party_stop", "consent_withdrawal"})
# Words that make 'stop' mean the form itself: 「この手続きはやめます」「申し込みをやめたい」.
_THE_FORM = re.compile(r"手続|てつづき|申し込|申込|申請|請求|入力|お申し出|もういい|結構です$")


# Steps that take a value the member types (not a choice or their own words).
_VALUE_KINDS = frozenset(
    {"name", "kana", "birth_date", "phone", "member_number", "postal_code", "email", "address"}
)


def speaks_of_the_step(turn: Turn, step: Step, text: str) -> bool:
    """Whether the message names what a value step asks for, by the words the summary knows
    it by: 「母の電話は、わたくしと同じ番号でございます」 at the phone step is about that
    step, not a 訂正 of a phone number."""
    if step.kind not in _VALUE_KINDS:
        return False
    from flows.modes import summary  # the summary's item words; imported late (a cycle)

    typed = parsing.normalise_for_matching(text)
    words = [*summary.item_words(turn, step), *summary.ITEM_ALIASES.get(step.kind, ())]
    return any(word in typed for word in words)


def names_what_to_stop(turn: Turn, text: str) -> bool:
    """In a request to stop something, 「使うのをやめてほしい」 says what to stop, not that
    the member is leaving the form (unless it names the form: 「手続きをやめます」)."""
    if turn.conv.flow not in _STOPPING_FLOWS:
        return False
    normal = unicodedata.normalize("NFKC", text)
    return not _THE_FORM.search(normal) or "のを" in normal


def start_flow(turn: Turn, flow_id: str, prefill: dict[str, Any], *, explain: bool = False) -> None:
    """Begin a request with what is already known, saying what was taken from their words."""
    conv = turn.conv
    questions = list(conv.staff_questions)  # a switch keeps the questions for staff
    conv.leave_flow()
    conv.staff_questions = questions
    conv.flow = flow_id
    conv.mode = FLOW
    conv.answers = dict(prefill)
    turn.say(
        turn.t(turn.flow.intro)
        + "\n"
        + turn.t("途中で「戻る」「やり直し」「キャンセル」と入力できます。")
    )
    told = turn.flow.preface_topic in conv.told
    if turn.flow.preface is not None and not told:
        preface = turn.flow.preface(turn.ctx())
        if preface:
            turn.say("\n".join(preface))
    if explain and conv.answers:
        explain_prefill(turn)
    advance(turn)


def explain_prefill(turn: Turn) -> None:
    """Say what we took from the member's message, so nothing is assumed silently."""
    ctx = turn.ctx()
    given = [step for step in turn.flow.steps if step.id in turn.conv.answers]
    lines = [turn.t("いただいたメッセージから、次のように入力しました。確認画面で直せます。")]
    lines += [
        wording.item_line(turn.t, turn.t(step.label), step.display(turn.conv.answers[step.id], ctx))
        for step in given
    ]
    notices = notice_lines(turn.flow.notices, ctx)
    for step in given:
        # A notice the skipped step would have said before asking is not skipped with it.
        before = [line for line in (step.info(ctx) if step.info else []) if line in notices]
        after = step.after(ctx) if step.after else []
        lines += [line for line in before + after if line not in lines]
    turn.say("\n".join(lines))


def next_step(turn: Turn) -> Step | None:
    """The first unanswered step that applies to the answers so far."""
    ctx = turn.ctx()
    for step in turn.flow.steps:
        if step.id not in turn.conv.answers and step.applies(ctx):
            return step
    return None


def step_options(turn: Turn, step: Step) -> tuple[Option, ...]:
    """The step's choices, then 「わからない」 where optional, then 戻る・やめる."""
    return (*answer_options(step, turn.ctx()), BACK_OPTION, CANCEL_OPTION)


def answer_options(step: Step, ctx: Context) -> tuple[Option, ...]:
    """The step's choices, then 「わからない」 where optional: every answer the step takes
    (staff intake offers these; the chat adds 戻る・やめる)."""
    options = list(step.option_list(ctx))
    if step.is_optional(ctx):
        # 「わかりません」 picks 「わからない」 where shown; 「なし」 alone is no guess.
        words: tuple[str, ...] = (
            DONT_KNOW + SKIP_WORDS if "わからない" in step.skip_label else SKIP_WORDS
        )
        if step.kind == "phone":
            words += NO_PHONE_WORDS
        options.append(Option(SKIP, step.skip_label, words))
    return tuple(options)


def advance(turn: Turn) -> None:
    """Ask the next unanswered question, or show the summary when all are answered."""
    step = next_step(turn)
    if step is None:
        turn.conv.editing = None
        if turn.flow.confirms(turn.ctx()):
            summary.show_summary(turn)
        else:
            submit.submit(turn)
        return
    if reuse_offer.offer_reuse(turn, step):
        return
    turn.conv.mode = FLOW
    ctx = turn.ctx()
    lines = step.info(ctx) if step.info else []
    lines.append(turn.t(step.prompt))
    if turn.conv.editing == step.id and turn.conv.previous not in (None, SKIPPED):
        lines.append(turn.t("いまの内容：{value}", value=step.display(turn.conv.previous, ctx)))
    turn.say("\n".join(lines), step_options(turn, step), multiple=step.kind == "multi")


def answer(turn: Turn, given: Given) -> None:
    """Take the reply at a step: a number for 戻る・やめる, a question, an interruption, a value."""
    step = next_step(turn)
    if step is None:
        advance(turn)
        return
    typed_not_chosen = given.text is not None and given.choice is None
    kept = step_questions.takes_question_as_answer(turn, given.text if typed_not_chosen else None)
    if kept is not None:
        # 「このまま入力」 after a question kept for staff: the member's words are the answer.
        own_words = values.parse(turn, step, Given(choice=None, text=kept))
        take_value(turn, step, own_words if own_words.ok else parsing.parse_own_words(kept))
        return
    if typed_not_chosen:
        # 「2」 where 「2. やめる」 is shown means やめる: no step's own value is a lone
        # number that small (phones and member numbers are longer), see resolve.
        typed = resolve(given, step_options(turn, step), turn.t)
        if typed is not None and typed.id in (BACK, CANCEL):
            navigation.act(turn, "back" if typed.id == BACK else "cancel")
            return
    if typed_not_chosen and step.kind == "multi" and more_than_the_choices(turn, step, given):
        return  # 「1と3です。カタログは夫あての分も…」: one choice's word in it is not the answer
    unresolved = typed_not_chosen and resolve(given, step_options(turn, step), turn.t) is None
    if unresolved and given.text and more_than_the_choice(turn, step, given.text):
        return  # 「郵送でお願いします。住所は先月変わりました」: nothing after the choice is lost
    if unresolved and given.text and earlier.refers_to_earlier(turn, step, given.text):
        return  # 「前回と同じです」: the earlier answers offered, never stored as the value
    if unresolved and given.text and values.agent_at_requester(turn, step, given.text):
        return
    if unresolved and given.text and requester_change.corrects_requester(turn, step, given.text):
        return  # 「主人は昨年亡くなりました」「いえ、わたくし本人でございます」
    # A question or a plea for help is never the answer, at any step (issue 16, point 2).
    asked = step_questions.asked_at(turn, step, given.text) if unresolved and given.text else None
    if asked is not None and asked.kind != "question":
        step_questions.answer_at_step(turn, step, asked, given.text or "")
        return
    parsed = values.parse(turn, step, given)
    if unresolved and step.takes_questions and given.text and parsed.ok:
        # 「電話で話したいです。何時ならつながりますか」 for a person: passed on as it is, and
        # what the co-op publishes (the hours) answered now, not only when staff call.
        topic = published.question_about(given.text)
        if topic is not None:
            turn.say(turn.published_answer(topic.id))
    if unresolved and step.free_text and given.text in turn.conv.staff_questions and parsed.ok:
        # Typed again after the switch it suggested was declined: this step's own words.
        turn.conv.staff_questions.remove(given.text)
        take_value(turn, step, parsed)
        return
    if (
        unresolved
        and asked is None
        and not parsed.ok
        and given.text
        and change_of_mind.takes_back_an_earlier_choice(turn, step, given.text)
    ):
        return  # 「やはり郵送でお願いいたします」 at the e-mail step
    # A value the step's own parser accepts is the answer (「電話は03-…です」, an
    # address with 訂正 in it); only refused text may start something else.
    takes_value = step.kind not in ("choice", "multi")
    # A question never cancels (「今日中に終わりますか」 is not 「終わりにする」).
    asks_to_stop = asked is not None and turn.read(given.text or "").intent == "cancel"
    if (
        unresolved
        and not asks_to_stop
        and interrupts(
            turn, step, given.text or "", taken=takes_value and parsed.ok and asked is None
        )
    ):
        return
    if asked is not None and given.text:
        # Answered where the desk can (why the step asks); otherwise kept for staff with
        # the request, and the step asked again with its own choices only.
        step_questions.keep_for_staff(turn, step, given.text)
        return
    if not parsed.ok:
        turn.explain_and_reask(parsed)
        return
    if unresolved and given.text and choice_in_a_sentence(turn, step, given.text, parsed.value):
        return  # 「郵送で送ってほしいのですが住所が先月変わりました」: the rest is kept too
    take_value(turn, step, parsed)


def more_than_the_choice(turn: Turn, step: Step, text: str) -> bool:
    """A choice named in one part of a reply whose other parts say more (「郵送でお願いします。
    住所は先月変わりました」), taken or asked again with the whole reply kept for staff."""
    if step.kind != "choice" or step_questions.asked_at(turn, step, text) is not None:
        return False
    more = more_words.read(text, step_options(turn, step), turn.t)
    if more is None:
        return False
    take_with_words(turn, step, text, more.option.id, may_change=more.may_change)
    return True


def more_than_the_choices(turn: Turn, step: Step, given: Given) -> bool:
    """At a step of several choices, the choices of one sentence (「1と3です。カタログは夫
    あての分も止めてほしいです」), taken or asked again with the whole reply kept for staff."""
    text = given.text or ""
    if step_questions.asked_at(turn, step, text) is not None:
        return False

    def choices_in(sentence: str) -> list[str] | None:
        parsed = values.parse(turn, step, Given(choice=None, text=sentence))
        return list(parsed.value) if parsed.ok and parsed.value else None

    many = more_words.read_multi(text, step_options(turn, step), choices_in)
    if many is None:
        return False
    if not many.said_more:
        take_value(turn, step, Parsed(value=many.picked))
        return True
    take_with_words(turn, step, text, many.picked, may_change=many.may_change)
    return True


def choice_in_a_sentence(turn: Turn, step: Step, text: str, value: Any) -> bool:
    """A choice read from a word inside a sentence that says more than the choice, taken or
    asked again with the sentence kept for staff; a choice in a polite frame is just taken."""
    if step.kind != "choice":
        return False
    options = [o for o in step_options(turn, step) if not o.id.startswith("_")]
    option = next((o for o in options if o.id == value), None)
    if option is None or not more_words.says_more(text, option, turn.t):
        return False
    take_with_words(turn, step, text, option.id, may_change=more_words.may_change(text))
    return True


def take_with_words(
    turn: Turn, step: Step, text: str, value: str | list[str], *, may_change: bool
) -> None:
    """Keep the member's whole reply for staff with the request; take the choice (or the
    choices), or, when the rest may change it (「本人です。でも娘が…」), ask the step again
    instead of guessing."""
    if text not in turn.conv.staff_questions:
        turn.conv.staff_questions.append(text)
    chosen = step.display(value, turn.ctx())
    if may_change:
        turn.say(turn.t(more_words.ASK_AGAIN, choice=chosen))
        turn.reask()
    else:
        turn.say(turn.t(more_words.TAKEN_WITH_WORDS, choice=chosen))
        take_value(turn, step, Parsed(value=value))


def take_value(turn: Turn, step: Step, parsed: Parsed[Any]) -> None:
    """Store the step's value, say what the step says after it, and go on."""
    conv = turn.conv
    conv.answers[step.id] = parsed.value
    if step.id not in conv.history:
        conv.history.append(step.id)
    if conv.editing == step.id:
        conv.editing, conv.previous = None, None
    if step.after:
        for line in step.after(turn.ctx()):
            turn.say(line)
    advance(turn)


class Request(Mode):
    """A step of a request form: its question, its choices, and 戻る・やめる under them."""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        step = next_step(turn)
        return step_options(turn, step) if step else ()

    def ask(self, turn: Turn) -> None:
        advance(turn)

    def take(self, turn: Turn, given: Given) -> None:
        answer(turn, given)

    def takes_japanese(self, turn: Turn) -> bool:
        step = next_step(turn) if turn.conv.flow else None
        return step is not None and step.kind in ("name", "kana", "address")

    def back(self, turn: Turn) -> None:
        navigation.step_back(turn)

    def cancel(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.stop(turn, said=True)

    def to_menu(self, turn: Turn) -> None:
        if turn.conv.answers:
            navigation.confirm_cancel(turn)
        else:
            navigation.leave_for_menu(turn)
