"""A sentence typed at the menu: followed when sure, offered as choices when not.

Questions about what is published, follow-ups to the member's own case (handed to
``flows.dialogue.relaying``), off-topic business and bereavement are recognised here once,
whichever mode the member typed them in.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flows import (
    bereavement,
    case_view,
    followups,
    org_cases,
    published,
    understanding,
)
from flows.dialogue import case_status, relaying
from flows.dialogue.names import (
    CASES_SHOWN,
    FORWARD,
    MENU_CHOICE,
    STATUS_ID,
    WITHDRAW,
)
from flows.dialogue.words import (
    OFF_TOPIC_CONCEPTS,
    OFFERABLE,
    REQUEST_IDS,
    SMALL_TALK_CONCEPTS,
    looks_english,
)
from flows.i18n import N_, Translator
from flows.intents import Classification
from flows.messages import CaseView
from flows.modes import (
    confirm,
    menu,
    request,
    topics,
    unclear,
    withdraw,
)
from flows.registry import FLOWS
from flows.requests import inquiry
from flows.status import CLOSED_STATUSES
from flows.understanding import prefill

if TYPE_CHECKING:
    from flows.turn import Turn


def understand(
    turn: Turn, text: str, *, condoled: bool = False, earlier: str | None = None
) -> None:
    """Act on a free-text message: follow it when sure, offer choices when not.
    ``condoled``: condolence was already offered for this message (before the org);
    ``earlier``: the member's words the desk's last offer was about (「それ」 may mean them)."""
    reading = turn.read(text)
    said = relaying.with_context(text, earlier)  # what a person is given to read
    elsewhere = turn.cases.elsewhere(reading.case_number)
    if elsewhere is not None and elsewhere.org_id in turn.engine.orgs:
        # The other co-op's case: named as theirs, never shown here.
        other = turn.engine.orgs[elsewhere.org_id]
        turn.say(org_cases.belongs_elsewhere(elsewhere.number, other, turn.org, turn.t))
        confirm.confirm_org_switch(turn, other.id)
        turn.conv.pending_text = text  # taken up there after 「はい」
        return
    if turn.conv.lang == "ja" and looks_english(text):
        # Said once, in English whatever the conversation's language, so it can be read.
        turn.say(Translator("en")(N_("英語で表示するには「English」と入力してください。")))
    if understanding.about_deceased(reading):
        # Not personal information under the Act, but never refused: a person takes it.
        opening = bereavement.opening(turn.org, turn.t)
        turn.say("\n".join(opening[1:] if condoled else opening))
        # 「カタログを止めてほしい。それと亡くなった主人の分も」: the member's own request is
        # named, to be made after; the whole message is this one's (its 「ご用件」).
        also_asked(turn, text, "human", keep=False)
        request.start_flow(turn, "human", {"about": bereavement.DECEASED, "message": text})
        return
    topic = published.question_about(text)
    reachable = followups.reachable(turn.cases, turn.now, turn.org.retention.followup_days)
    if topic is not None and not reachable and not followups.about_a_case(reading):
        # 「代表者はどなたですか」 with no case: answered from the profile, no person needed.
        answer_published(turn, topic, text)
        return
    # With a case open or recently closed, whatever they write reaches a person (and a
    # published answer that fits is given too).
    if relaying.follow_up(turn, reading, said):
        return
    if topic is not None:
        # 「何のために使っているの？」 is answered from the profile, not made a formal request.
        answer_published(turn, topic, text)
        return
    if not turn.cases and followups.refers_to_earlier_request(reading):
        no_record_of_earlier_request(turn, reading)
        return
    if not turn.cases and asks_staff_about_a_request(reading):
        question_for_staff(turn, reading)
        return
    if reading.sure:
        follow(turn, reading)
        return
    if reading.agent:
        # 「母の代わりに申し込みたい」: we know who, not what. The whole menu rather than
        # a guess, and their choice starts with the agent part filled in.
        turn.say(turn.t("ご家族などの代わりのお申し出ですね。どの手続きをご希望ですか。"))
        menu.show_menu(turn, pending=text)
        return
    # 「それを止めてもらえますか」 means what it points back at: the candidates are read
    # from both messages together. 「担当者と話す」 is always offered, so not listed twice.
    pointed = turn.read(f"{earlier} {text}") if said != text else reading
    candidates = [
        label for label in pointed.candidates() if label in OFFERABLE and label != "human"
    ]
    if candidates:
        # 「それを止めてもらえますか」 goes to a person with the question it points back at.
        unclear.offer_candidates(turn, said, candidates)
    elif reading.intent == "unknown" and OFF_TOPIC_CONCEPTS & reading.concepts:
        off_topic(turn, text)
    else:
        not_understood(turn, said)


def answer_published(turn: Turn, topic: published.Topic, text: str) -> None:
    """Answer a question about what the co-op publishes, then offer the formal request
    (where there is one) and a person, for those whom the published answer does not help."""
    turn.say(turn.published_answer(topic.id))
    if topic.formal:
        prompt = turn.t(published.FORMAL_OFFER, title=turn.t(FLOWS[topic.formal].title))
        offered = [topic.formal, FORWARD, MENU_CHOICE]
    else:
        # 「…情報を見たいです。手数料いくら？」: the request the message also asks for is
        # offered beside a person, so it is not lost with the answer.
        wanted = [r for r in offered_requests(turn.read(text)) if r in REQUEST_IDS]
        prompt, offered = turn.t(published.MORE_HELP), [*wanted, FORWARD, MENU_CHOICE]
    unclear.offer(turn, text, prompt, offered)


def offered_requests(reading: Classification) -> list[str]:
    """The requests a message is about, for offering: those it names, else the best reading."""
    named = [r for r in sorted(followups.named_types(reading, REQUEST_IDS)) if r != "human"]
    ranked = [reading.intent, *(label for label, _ in reading.alternatives)]
    return named or [label for label in ranked if label in REQUEST_IDS and label != "human"][:1]


def no_record_of_earlier_request(turn: Turn, reading: Classification) -> None:
    """「以前お願いしたのですが、まだカタログが届く」 with no case on record: said plainly, and
    the request taken now or the words passed to staff, never the empty status list."""
    turn.say(turn.t("この窓口には、以前のお申し出の記録がありません。"))
    unclear.offer(
        turn,
        reading.text,
        turn.t(
            "あらためてお申し出いただくか、このままの内容で担当者にお伝えすることができます。"
            "どちらにしますか。"
        ),
        [*offered_requests(reading), FORWARD, MENU_CHOICE],
    )


def asks_staff_about_a_request(reading: Classification) -> bool:
    """「開示の結果は、窓口に取りに行くこともできますか」: read as a status question, but a
    question about how a request goes, which no published answer covers."""
    return (
        reading.intent == STATUS_ID
        and published.is_question(reading.text)
        and not followups.asks_about_timing(reading)
        and bool(followups.named_types(reading, REQUEST_IDS) or "howto" in reading.concepts)
    )


def question_for_staff(turn: Turn, reading: Classification) -> None:
    """A question only staff can answer: passed on if the member wishes, or the request."""
    unclear.offer(
        turn,
        reading.text,
        turn.t(
            "このご質問には担当者がお答えします。"
            "このままの内容で担当者にお伝えするか、お申し出の手続きに進むことができます。"
        ),
        [FORWARD, *offered_requests(reading), MENU_CHOICE],
    )


JOINT_USE_STOP = N_(
    "共同利用をやめることをご希望の場合も、このままお申し出ください。"
    "対応できるかどうかは、担当者からご説明します。"
)


# Where a first message that asks for several things splits: sentences, and the joins of
# 「直してほしいのと、使わないでほしい」「それと」「あと」 "and also".
_ASKS_JOINED = re.compile(
    r"[。．.!！?？\n]+|のと[、,]?|それと[、,]?|あと[、,]|また[、,]|\band also\b|\balso\b",
    re.IGNORECASE,
)
ALSO_ASKED = N_(
    "「{titles}」のご希望も承りました。まず「{first}」を伺います。送信したあとで「メニュー」と"
    "入力すると、続けてお申し込みいただけます。お書きの内容は、担当者にもお伝えします。"
)


def other_requests(turn: Turn, text: str, chosen: str) -> list[str]:
    """The other requests a first message asks for besides ``chosen`` (「住所を直していただき
    たいのと、母の情報をもう使わないでほしい」): each part read on its own, sure ones only."""
    found: list[str] = []
    for part in _ASKS_JOINED.split(text):
        if len(part.strip()) < 4:
            continue
        reading = turn.read(part)
        if (
            reading.sure
            and reading.intent in REQUEST_IDS
            and reading.intent not in (chosen, *found)
        ):
            found.append(reading.intent)
    return found


# Questions that name a request's words but ask what happens (「止めても届きますか」)
# rather than asking for it: answered, with the request offered after the answer.
ANSWERED_BEFORE_A_REQUEST = frozenset({"statutory_notices", "identity_documents"})


def also_asked(turn: Turn, text: str, chosen: str, *, keep: bool = True) -> None:
    """Say which other requests a first message asks for, to be made after ``chosen``, and
    (``keep``) keep the whole message for staff with it."""
    others = other_requests(turn, text, chosen)
    if not others:
        return
    separator = "; " if turn.t.lang == "en" else "」「"
    titles = separator.join(turn.t(FLOWS[other].title) for other in others)
    turn.say(turn.t(ALSO_ASKED, titles=titles, first=turn.t(FLOWS[chosen].title)))
    if keep and text not in turn.conv.staff_questions:
        turn.conv.staff_questions.append(text)


def follow(turn: Turn, reading: Classification) -> None:
    """Act on a sure reading: start the request, answer, show the status, or withdraw."""
    intent, text = reading.intent, reading.text
    asked = published.question_about(text) if intent in REQUEST_IDS else None
    if asked is not None and asked.id in ANSWERED_BEFORE_A_REQUEST:
        # 「総代会のお知らせは、カタログを止めても届きますか」 asks; it does not stop anything.
        topics.inquiry_question(turn, text)
    elif intent in REQUEST_IDS:
        if intent == "third_party_stop" and published.names_topic(text, "joint_use"):
            # 「グループ内の共同利用もやめてほしい」: joint use is not third-party provision;
            # the member is told so (the profile's words), and the request still taken.
            turn.say(turn.org.joint_use.note.get(turn.t.lang) + "\n" + turn.t(JOINT_USE_STOP))
        also_asked(turn, text, intent)
        request.start_flow(turn, intent, prefill(FLOWS[intent], reading), explain=True)
    elif intent == "inquiry":
        topics.inquiry_question(turn, text)
    elif intent == "human":
        request.start_flow(turn, "human", prefill(FLOWS["human"], reading), explain=True)
    elif intent == "status":
        case_status.show_status(turn, text, reading.case_number)
    elif intent == "cancel":
        cancel_from_menu(turn, text)
    elif OFF_TOPIC_CONCEPTS & reading.concepts:
        off_topic(turn, text)
    elif SMALL_TALK_CONCEPTS & reading.concepts:
        turn.say(turn.t("ご用件を選ぶか、そのまま文章で入力してください。"))
        menu.show_menu(turn)
    else:
        not_understood(turn, text)


def not_understood(turn: Turn, text: str | None) -> None:
    """Say so plainly and offer a person, the member's open cases, or the menu."""
    open_cases = [c.number for c in turn.cases if c.status not in CLOSED_STATUSES][:3]
    turn.say(turn.t("申し訳ございません。ご用件をうまく読み取れませんでした。"))
    unclear.offer(
        turn,
        text,
        turn.t(
            "メニューから選ぶか、このままの内容で担当者にお伝えすることもできます。"
            "どちらにしますか。"
        ),
        [FORWARD, *(f"case:{n}" for n in open_cases), MENU_CHOICE],
    )


def off_topic(turn: Turn, text: str) -> None:
    """Business that is not about personal data goes where the org's profile says (a
    late delivery to the member's own co-op, never to a federation that delivers nothing),
    with a number only where the profile gives one for it."""
    org, lang = turn.org, turn.t.lang
    concepts = turn.read(text).concepts
    rules = [
        org.other_business[topic]
        for topic in ("delivery", "money")
        if topic in concepts and topic in org.other_business
    ]
    lines = [turn.t("この窓口では、個人情報についてのお申し出とご質問を受け付けています。")]
    lines += list(dict.fromkeys(rule.where.get(lang) for rule in rules))
    if not rules:
        lines.append(turn.t("個人情報のこと以外のご用件は、ご利用の生協におたずねください。"))
    if any(rule.with_contact for rule in rules):
        lines.append(inquiry.contact_text(org, turn.t))
    turn.say("\n".join(lines))
    unclear.offer(
        turn,
        text,
        turn.t("個人情報のことでしたら、担当者にお伝えすることもできます。"),
        [FORWARD, MENU_CHOICE],
    )


def cancel_from_menu(turn: Turn, text: str) -> None:
    """「申請を取り下げたい」: which case, then a confirmation, then 取下げ."""
    open_cases = [c for c in turn.cases if case_view.is_open(c)]
    if not open_cases:
        if turn.cases:
            turn.say(
                turn.t(
                    "受付済みのお申し出は、すべて手続きが終わっています。"
                    "終わったお申し出は取り下げできません。"
                )
            )
        else:
            turn.say(turn.t("いま手続き中のものはありません。"))
        menu.show_menu(turn)
        return
    open_cases = named_cases(turn, text, open_cases) or open_cases
    if len(open_cases) == 1:
        withdraw.ask_withdraw(turn, open_cases[0].number, text)
        return
    unclear.offer(
        turn,
        text,
        turn.t("取り下げるお申し出を選んでください。"),
        [*(WITHDRAW + c.number for c in reversed(open_cases[-CASES_SHOWN:])), MENU_CHOICE],
    )


def named_cases(turn: Turn, text: str, cases: list[CaseView]) -> list[CaseView]:
    """The cases the member names: 「KY-2026-00002を取り下げたい」 by number, 「開示の申し出を
    取り下げます」 by type; none when they name no case among ``cases``."""
    reading = turn.read(text)
    number = (reading.case_number or "").upper()
    by_number = [c for c in cases if c.number == number]
    types = followups.named_types(reading, REQUEST_IDS)
    return by_number or [c for c in cases if c.request_type in types]
