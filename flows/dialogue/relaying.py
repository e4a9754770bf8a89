"""A member's words for the staff of their own case (issue 16, point 1).

While a member has a case, what they write reaches it (``flows.followups`` says which case),
named back to them; a complaint is flagged to supervisors too, and a question about timing is
answered with the case's status. A bare 「はい」 or global word answers the desk, never staff.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flows import (
    case_view,
    followups,
    org_cases,
    parsing,
    published,
    wording,
)
from flows.dialogue import case_status, waiting
from flows.dialogue.names import (
    ALSO,
    FORWARD,
    MENU,
    MENU_CHOICE,
)
from flows.dialogue.words import (
    GLOBAL_LOOKUP,
    NEW_REQUEST,
    REQUEST_IDS,
    SMALL_TALK_CONCEPTS,
)
from flows.i18n import N_, Translator
from flows.intents import Classification
from flows.messages import (
    CaseMessage,
    CaseView,
)
from flows.modes import (
    confirm,
    unclear,
)
from flows.parsing import normalise_for_matching
from flows.registry import FLOWS
from flows.status import CLOSED_STATUSES

if TYPE_CHECKING:
    from flows.turn import Turn


def bare_reply(text: str) -> bool:
    """A lone yes/no or global word (「はい」「キャンセル」): meant for the desk's own question,
    never words for a case's staff."""
    word = normalise_for_matching(text).rstrip("。.!！?？、,〜ー")
    return parsing.is_yes_or_no(word) or word in GLOBAL_LOOKUP


def relay(turn: Turn, number: str, text: str) -> None:
    """Staff are talking with the member: pass their words on to the case, and say so."""
    turn.result.case_messages.append(CaseMessage(case_number=number, text=text))
    turn.say(
        turn.t(
            "受付番号 {number} の担当者にお伝えしました。"
            "担当者からのお返事も、このチャットに届きます。"
            "新しいお申し出は「メニュー」と入力してください。",
            number=number,
        )
    )
    turn.conv.mode = MENU


def follow_up(turn: Turn, reading: Classification, words: str | None = None) -> bool:
    """While the member has a case, whatever they write reaches a person (``flows.followups``
    says which case): relayed with the case named, a timing question answered with its
    status, a complaint flagged to supervisors too, and a question the co-op publishes the
    answer to answered as well. True if the message was handled here."""
    if bare_reply(reading.text):  # 「はい」「キャンセル」 answer the desk, not staff
        return False
    days = turn.org.retention.followup_days
    back = followups.refers_back(reading)
    types = followups.named_types(reading, REQUEST_IDS)
    held: CaseView | None = None
    if plainly_new(turn, reading, back, types):
        # A new request, but a case waits for the member (staff asked her something, or it
        # is to be sent where she says she no longer is): that case hears it first.
        if reading.intent not in REQUEST_IDS:
            return False
        held = waiting.waiting_case(turn, reading)
        if held is None:
            return False
    if not reading.case_number and switch_for_awaited(turn, reading.text):
        return True
    found = (
        followups.FollowUp(held, held.status in CLOSED_STATUSES)
        if held is not None
        else followups.target(
            turn.cases, turn.now, days, reading.case_number, types, back, reading.text
        )
    )
    if isinstance(found, tuple):
        ask_which_case(turn, reading.text, found)
        return True
    if found is None:
        return closed_long_ago(turn, reading)
    number, complaint = found.case.number, followups.is_complaint(reading)
    words = words or reading.text  # with what it points back at (``with_context``)
    if complaint or found.closed:
        turn.result.case_messages.append(CaseMessage(number, words, complaint))
    if complaint:
        turn.say(
            turn.t(
                "ご不便とご心配をおかけして申し訳ございません。"
                "受付番号 {number} の担当者と責任者にお伝えしました。"
                "担当者からのお返事は、このチャットに届きます。",
                number=number,
            )
        )
    elif found.closed:
        turn.say(
            turn.t(
                "受付番号 {number} のお申し出は完了していますが、"
                "このご連絡は担当者にお伝えしました。"
                "担当者からのお返事は、このチャットに届きます。",
                number=number,
            )
        )
    elif held is not None:
        waiting.tell(turn, found.case, words)
    else:
        relay(turn, number, words)
    if held is not None:
        offer_new_request(turn, reading)
        return True
    if found.others:
        turn.say(
            turn.t(
                "ほかにも受付中のお申し出があります（{numbers}）。"
                "別の件についてでしたら、その受付番号を添えてお送りください。",
                numbers="、".join(found.others),
            )
        )
    if followups.asks_about_timing(reading):
        # Their words already reached staff: the case view follows, and its offers
        # (取下げ, 担当者からの連絡) act on the case without relaying the words twice.
        turn.say(turn.t("いまの状況です。"))
        case_status.show_case(turn, found.case, None)
        return True
    topic = published.question_about(reading.text)
    if topic is not None:
        # 「手数料はいくらになりますか」: staff have the words, and the published answer (for
        # the case's own request) need not wait for them.
        turn.say(published.answer(topic.id, turn.org, turn.t, found.case.request_type))
    turn.conv.mode = MENU
    return True


def offer_new_request(turn: Turn, reading: Classification) -> None:
    """After her words reached the waiting case: the new request they also ask for, started
    only if she says so (with what she wrote read into it), never silently."""
    unclear.offer(
        turn,
        reading.text,
        turn.t(
            "あわせて、「{title}」のお申し出もなさいますか。",
            title=turn.t(FLOWS[reading.intent].title),
        ),
        [ALSO + reading.intent, wording.DONE],
    )


# 「それを止めてもらうことはできますか」: words that point at what was said just before.
_POINTS_BACK = re.compile(
    r"^(?:では|じゃあ|でしたら|それなら)?[、,\s]*(?:それ|その|そちら|そこ|これ|この|こちら|あれ|あの)"
)


CONTEXT_FOR_STAFF = N_("{text}\n（直前のご質問：{earlier}）")


def with_context(text: str, earlier: str | None) -> str:
    """The member's words for staff, with the question they point back at: right after a
    published answer (「コープ共済連は共同利用先です」), 「それを止めてもらえますか」 alone
    would not say what 「それ」 is. ``earlier``: the member's words the desk's last offer
    was about, if one was on the table."""
    if not earlier or earlier == text or not _POINTS_BACK.search(text):
        return text
    # Staff read Japanese, whatever language the member writes in.
    return Translator("ja")(CONTEXT_FOR_STAFF, text=text, earlier=earlier)


def switch_for_awaited(turn: Turn, text: str) -> bool:
    """The other co-op's staff wrote last and await an answer: 「来週の月曜日の午前がいいです」
    is most likely theirs, so the member is offered to switch (their words go there after
    「はい」), never relayed to this co-op's case."""
    other = turn.cases.awaited_elsewhere()
    if other is None or other.org_id not in turn.engine.orgs:
        return False
    turn.say(
        org_cases.awaited_elsewhere(other.number, turn.engine.orgs[other.org_id], turn.org, turn.t)
    )
    confirm.confirm_org_switch(turn, other.org_id)
    turn.conv.pending_text = text
    return True


# 「なぜですか」「お断りの理由は」: asking about an answer already given.
# Words that withdraw a request, not what it asks to stop: 取り下げ, 取り消し, キャンセル, or
# stopping the application itself (「申し込みをやめたい」).
_WITHDRAWS = re.compile(
    r"取り?下げ|とりさげ|取り?消|とりけし|キャンセル|きゃんせる|cancel|withdraw"
    r"|(?:申し?込|もうしこ|申請|しんせい|申し出|請求|せいきゅう|手続|てつづき|依頼)"
    r".{0,6}(?:やめ|止め|とめ|中止|要りません|いりません|結構)",
    re.I,
)


def withdraws(text: str) -> bool:
    """Whether ``text`` asks to withdraw a request (see ``_WITHDRAWS``)."""
    return bool(_WITHDRAWS.search(unicodedata.normalize("NFKC", text)))


_ASKS_WHY = re.compile(r"なぜ|何故|なんで|どうして|断られ|お断り|ことわられ|\bwhy\b", re.I)


def plainly_new(turn: Turn, reading: Classification, back: bool, types: frozenset[str]) -> bool:
    """A message that starts a new request (or withdraws one) rather than following one up:
    sure, and not about an earlier request, a delay, a complaint or a case it names.
    「開示をお願いしましたが、できませんでしたというお返事でした」 is about that case."""
    if not reading.sure or reading.intent not in NEW_REQUEST:
        return False
    if reading.intent == "cancel":
        # 「KY-2026-00002を取り下げたい」 withdraws, it is not words for staff; but
        # 「やっぱりとめていただきたい」「はやくしていただきたい」 (read as 'stop' too) are about
        # the case, and one 「はい」 must never withdraw what the member asked for.
        return withdraws(reading.text)
    if published.question_about(reading.text) is not None:
        return False  # 「何につかわれているのでしょうか」 asks, it requests nothing
    days = turn.org.retention.followup_days
    if _ASKS_WHY.search(reading.text) and followups.reachable(turn.cases, turn.now, days):
        # 「なぜでございますか。電話番号は間違っていないはずです」 after a refusal asks about
        # that answer: it reaches the case, it does not start a 訂正.
        return False
    if any(followups.has_case_of_type(turn.cases, turn.now, days, t) for t in types):
        # 「第三者に渡した記録が入っていませんでした。どうなっていますか」 about their 開示.
        return not (back or followups.about_a_case(reading))
    # No case of that kind: a new request, unless it names a case or complains.
    return not (reading.case_number or followups.is_complaint(reading))


def ask_which_case(turn: Turn, text: str, cases: Sequence[CaseView]) -> None:
    """Several cases fit a follow-up equally: the member says which, never a guess."""
    lines = [turn.t("どのお申し出についてのご連絡ですか。")]
    lines += [f"・{case_view.heading(case, turn.t)}" for case in cases]
    unclear.offer(
        turn, text, "\n".join(lines), [*(f"case:{c.number}" for c in cases), FORWARD, MENU_CHOICE]
    )


def closed_long_ago(turn: Turn, reading: Classification) -> bool:
    """A message that reads as being about the member's case, closed longer ago than the
    follow-up period: they are told so and offered a new request or a person."""
    case = followups.expired_case(turn.cases)
    if case is None or case.closed_at is None or SMALL_TALK_CONCEPTS & reading.concepts:
        return False
    if reading.sure and reading.intent not in ("unknown", "status", "human"):
        return False
    unclear.offer(
        turn,
        reading.text,
        turn.t(
            "受付番号 {number} のお申し出は、{date}に完了しています。"
            "新しいお申し出として承るか、このままの内容で担当者にお伝えすることができます。",
            number=case.number,
            date=turn.t.date(case.closed_at),
        ),
        [FORWARD, MENU_CHOICE],
    )
    return True
