"""The general-question mode: published topics answered from the profile, others to a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import (
    published,
)
from flows.dialogue import free_text, navigation
from flows.dialogue.choosing import (
    Given,
    options_mentioned,
    resolve,
)
from flows.dialogue.names import (
    INQUIRY,
    MENU_CHOICE,
)
from flows.dialogue.words import (
    REQUEST_IDS,
)
from flows.i18n import N_
from flows.modes import (
    menu,
    request,
)
from flows.modes.base import Mode
from flows.requests import inquiry
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn


def inquiry_options(turn: Turn) -> tuple[Option, ...]:
    """The published topics, a person, and the menu."""
    return (
        *inquiry.TOPICS,
        inquiry.ASK_A_PERSON,
        Option(MENU_CHOICE, N_("メニューに戻る"), ("メニュー", "戻る")),
    )


def ask_inquiry_topic(turn: Turn) -> None:
    """Ask what the member would like to know."""
    turn.say(turn.t("知りたいことを選んでください。"), inquiry_options(turn))


def inquiry_question(turn: Turn, text: str) -> None:
    """A general question: answer it from the profile if we can tell which, else ask."""
    turn.conv.mode = INQUIRY
    topic = published.topic_in(text)
    topics = options_mentioned(text, inquiry.TOPICS) if topic is None else []
    if topic is not None or len(topics) == 1:
        turn.say(published.answer(topic.id if topic else topics[0].id, turn.org, turn.t))
        turn.say(turn.t("ほかに知りたいことはありますか。"), inquiry_options(turn))
        return
    turn.conv.pending_text = text
    turn.say(
        turn.t("近いものを選んでください。どれにもあたらなければ、担当者がお答えします。"),
        inquiry_options(turn),
    )


def inquiry_choice(turn: Turn, given: Given) -> None:
    """Answer a topic from the profile; anything else goes to a person with their words."""
    option = resolve(given, inquiry_options(turn), turn.t)
    pending, turn.conv.pending_text = turn.conv.pending_text, None
    if option is None and given.text:
        reading = turn.read(given.text)
        topic = published.question_about(given.text)
        listed = {listed.id: listed for listed in inquiry.TOPICS}
        if topic is not None and topic.id in listed and not topic.formal:
            option = listed[topic.id]  # answered here, and the topics offered again
        elif topic is not None:
            free_text.answer_published(turn, topic, given.text)
            return
        # A question stays a question unless it is plainly another request.
        elif reading.sure and reading.intent in REQUEST_IDS - {"inquiry"}:
            free_text.follow(turn, reading)
            return
        if option is None:
            topics = options_mentioned(given.text, inquiry.TOPICS)
            option = topics[0] if len(topics) == 1 else None
    if option is None:
        # A question the profile cannot answer goes to a person, with their words.
        request.start_flow(turn, "inquiry", {"question": given.text} if given.text else {})
        return
    if option.id == MENU_CHOICE:
        menu.show_menu(turn)
    elif option.id == inquiry.ASK_A_PERSON.id:
        request.start_flow(turn, "inquiry", {"question": pending} if pending else {})
    else:
        turn.say(published.answer(option.id, turn.org, turn.t))
        turn.say(turn.t("ほかに知りたいことはありますか。"), inquiry_options(turn))


class Inquiry(Mode):
    """A general question: the published topics, or a person."""

    lists_cases = True

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return inquiry_options(turn)

    def ask(self, turn: Turn) -> None:
        ask_inquiry_topic(turn)

    def take(self, turn: Turn, given: Given) -> None:
        inquiry_choice(turn, given)

    def cancel(self, turn: Turn) -> None:
        navigation.stop(turn, said=True)
