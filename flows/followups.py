"""Where a member's follow-up goes: the case it is about, so every follow-up reaches a person.

While a member has an open case, what they write is for the staff working it (unless it plainly
starts a new request). A message about a closed case still reaches it for a while after the
close (the org's ``retention.followup_days``); after that the case is left closed and the
member is offered a new request or a person. Pure functions: the engine decides what to say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows import relations
from flows.intents import Classification
from flows.messages import CaseView
from flows.status import CLOSED_STATUSES, OUTCOMES_NEEDING_REASON

# 「いつ電話がきますか」「まだですか」「どうなっていますか」: asking about timing.
_TIMING = re.compile(
    r"いつ(?!も)|まだ|状況|進捗|どうなって|どうなりました|遅い|おそい|遅すぎ|遅れ|待って|連絡が(?:ない|ありません|来ない|こない)"
    r"|when|still|how long|any news",
    re.IGNORECASE,
)
# Dissatisfaction the classifier's ``complaint`` concept does not catch in these forms.
# Said politely too: 「なぜこんなに遅れたのですか」 (why, about the delay),
# 「一言お詫びがあっても」, 「もう2週間も待っています」. A bare 「なぜですか」 names no delay:
# it refers back to an answer.
_COMPLAINT = re.compile(
    r"納得(?:でき|いか|いき)|遅すぎ|おそすぎ|ひどい|酷い|不誠実|失礼|いい加減|いいかげん"
    r"|苦情|クレーム|責任者|上司|unacceptable|ridiculous"
    # About how staff answered: 「返事がそっけなくて感じ悪いです」「あんまりでございます」.
    r"|感じ(?:が)?(?:悪|わる)|かんじ(?:が)?わる|そっけな|素っ気な|態度が(?:悪|わる)|不親切"
    r"|あんまり(?:です|でございます|だ|じゃ|な(?:お|ご)?(?:返事|対応|話))|冷たい(?:返事|対応)"
    r"|(?:なぜ|何故|なんで|どうして)[^。?？!！]*?(?:遅れ|おくれ|遅い|おそい|延び|のび|延長|待たせ|待たされ)"
    r"|お詫び|おわび|お詫|謝罪|謝って|あやまって|待たされ"
    # Said politely: 「いつまで待たせるのですか」「何のご連絡もございません」
    # 「もう随分お待ちしておりますのに、まだどなたからもお電話をいただけておりません」.
    r"|(?:随分|ずいぶん|長らく|ながらく|長いこと|ながいこと|かなり)(?:お)?(?:待|ま)っ"
    r"|(?:随分|ずいぶん|長らく|ながらく|長いこと|ながいこと|かなり)お?待ち"
    r"|まだ(?:どなた|誰|だれ)から(?:も)?"
    r"|いつまで(?:待|まっ|お待ち)|待たせ(?:る|て|ます)"
    r"|(?:何|なん)の(?:ご)?(?:連絡|返事|返答|お返事|音沙汰)も(?:ない|なく|ありません|ございません|来|こ)"
    r"|音沙汰(?:が|も)?(?:ない|なく|ありません|ございません)"
    r"|期限を(?:過ぎ|すぎ)|期限が(?:過ぎ|すぎ)|何度も(?:問い合わせ|問合せ|連絡|電話|お願い)"
    r"|(?:[0-9０-９]+|[一二三四五六七八九十何]+|数)\s*(?:日|週間|か月|ヶ月|カ月|ヵ月)も(?:待|まっ)",
    re.IGNORECASE,
)


# 「なぜですか」「できませんでしたというお返事でした」「先週お願いしましたが」: about an earlier
# request and what came of it, so for the case it is about, never a new request.
_EARLIER_ANSWER = (
    r"出来ませんでした|できませんでした|できないと|出来ないと|返事|返信|回答が|回答を|回答は"
    r"|断られ|ことわられ"
    r"|(?:お願い|おねがい|頼み|たのみ|申し込み|申込み|申し出|請求し)ました(?:が|けど|けれど)"
    r"|refused|your answer|your reply"
)
_REFERS_BACK = re.compile(
    r"なぜ|何故|なんで|どうして|理由|わけを|\bwhy\b|" + _EARLIER_ANSWER, re.IGNORECASE
)


@dataclass(frozen=True)
class FollowUp:
    """The case a member's message is about; ``closed`` if it was closed (within the period)."""

    case: CaseView
    closed: bool
    others: tuple[str, ...] = ()  # the member's other open cases, named so nothing is guessed


def target(
    cases: Sequence[CaseView],
    now: datetime,
    followup_days: int,
    mentioned: str | None = None,
    named_types: frozenset[str] = frozenset(),
    back: bool = False,
    said: str = "",
) -> FollowUp | tuple[CaseView, ...] | None:
    """The case a follow-up goes to, so it reaches the person who expects it:

    1. the case named by its number;
    2. else, among the cases open or closed within ``followup_days``, those of a request
       type the message names (「開示の書類がまだ届きません」);
    3. of those, the case staff last wrote to and are talking with the member on (a reply or
       a reopening awaits the member's answer);
    4. a message that refers back (``back``, 「なぜですか」): the case staff last wrote to;
       several that fit equally are returned for the member to choose from, as are several
       cases of the type named;
    5. only then the newest open case, else the newest closed within the period.

    Before 3-5, the words ``said`` narrow the cases when they fit some and not others: whose
    case it is (「母の件」: the one filed for her mother) and a refusal (「お断りの…」: the
    cases refused or partly done).

    ``None`` when no case is reachable."""
    open_cases = [c for c in cases if c.status not in CLOSED_STATUSES]
    named = next((c for c in cases if mentioned and c.number == mentioned.upper()), None)
    if named is not None and (
        named.status not in CLOSED_STATUSES or _recent(named, now, followup_days)
    ):
        return _follow_up(named, open_cases)
    reachable = _reachable(cases, now, followup_days)
    typed = [c for c in reachable if c.request_type in named_types]
    candidates = _narrowed(typed or reachable, said)
    if not candidates:
        return None
    awaiting = [c for c in candidates if c.relay_open and c.staff_messages]
    if awaiting:
        return _follow_up(max(reversed(awaiting), key=_last_staff_at), open_cases)
    if back:
        latest = max(_last_staff_at(c) for c in candidates)
        best = [c for c in candidates if _last_staff_at(c) == latest]
        if len(best) > 1:
            return tuple(best)
        return _follow_up(best[0], open_cases)
    still_open = [c for c in candidates if c.status not in CLOSED_STATUSES]
    if typed and len(typed) > 1:
        return tuple(typed)  # 「開示の件ですが」 with two 開示: the member says which
    if still_open:
        return _follow_up(still_open[-1], open_cases)  # cases come in the order they were filed
    return _follow_up(max(reversed(candidates), key=_closed_at), open_cases)


# 「お断りのお知らせ」「断られた」「できないと言われた」: about a refused or partial answer.
_REFUSAL = re.compile(r"断り|断られ|ことわ|できない|出来ない|できませ|出来ませ|対応不可")
_RELATION_FIELDS = ("agent_relation", "asker_relation")


def _narrowed(cases: list[CaseView], said: str) -> list[CaseView]:
    """The cases the member's words pick out, when they pick out some but not all."""
    relation = relations.read_relation(said) if said else None
    if relation is not None:
        whose = [c for c in cases if relation in (c.fields.get(f) for f in _RELATION_FIELDS)]
        if whose:
            cases = whose
    if said and _REFUSAL.search(said):
        refused = [c for c in cases if c.status in OUTCOMES_NEEDING_REASON]
        if refused:
            cases = refused
    return cases


def _follow_up(case: CaseView, open_cases: Sequence[CaseView]) -> FollowUp:
    others = tuple(c.number for c in open_cases if c.number != case.number)
    return FollowUp(case, case.status in CLOSED_STATUSES, others)


# The words a member names a kind of request with, most specific first. Only used to choose
# among the member's own cases, never to start a request.
_TYPE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("third_party_record", re.compile(r"第三者提供記録|提供(?:した)?記録|渡した記録")),
    ("third_party_stop", re.compile(r"第三者提供の停止|提供を(?:止|と|や|停止)")),
    ("purpose_notice", re.compile(r"利用目的")),
    ("correction", re.compile(r"訂正")),
    ("suspension", re.compile(r"利用停止|消去")),
    ("consent_withdrawal", re.compile(r"撤回|勧誘|カタログ|チラシ|広告|ダイレクトメール|DM")),
    ("disclosure", re.compile(r"開示")),
    ("human", re.compile(r"相談")),
)


def named_types(reading: Classification, request_ids: frozenset[str]) -> frozenset[str]:
    """The request types a message names, by their words or by a sure reading: 「開示の書類が
    まだ届きません」 is about the member's 開示, whatever else is open."""
    named = {type_id for type_id, words in _TYPE_WORDS if words.search(reading.text)}
    if reading.sure and reading.intent in request_ids:
        named.add(reading.intent)
    return frozenset(named)


def reachable(cases: Sequence[CaseView], now: datetime, followup_days: int) -> bool:
    """Whether a follow-up would reach a person: a case open or closed within the period."""
    return bool(_reachable(cases, now, followup_days))


def refers_to_earlier_request(reading: Classification) -> bool:
    """「以前お願いしたのですが」「先月申し込んだ」: the member speaks of a request made before
    (the words, not the classifier's ``past_request``, which 「請求したい」 also sets)."""
    return bool(_EARLIER_REQUEST.search(reading.text))


_EARLIER_REQUEST = re.compile(
    r"(?:お願い|おねがい|頼ん|たのん|申し込ん|申込ん|申し出|請求|申請|依頼)(?:し)?"
    r"(?:た|だ|ました|ています|ていました|てある|てあります)(?!い|く|ら)"
)


def refers_back(reading: Classification) -> bool:
    """Whether the message is about an earlier request or its answer (「なぜですか」)."""
    return bool(_REFERS_BACK.search(reading.text))


# What a case holds or still needs, by the words a member names it with: where its answer
# goes (the address of a postal answer, the e-mail address), the documents it waits for and
# the phone staff call. 「住所が変わりました」 matters to a 開示 sent by post.
_CASE_NEEDS = re.compile(r"委任状|本人確認|確認書類|電話番号|連絡先")
_ANSWER_GOES_TO = {
    "postal": re.compile(r"住所|送り先|送付先|届け先|宛先|郵便番号|引っ越|引越|転居"),
    "email": re.compile(r"メールアドレス|アドレス"),
    "in_person": re.compile(r"受け取り|受取"),
}


def held_for(
    cases: Sequence[CaseView], reading: Classification, now: datetime, followup_days: int
) -> CaseView | None:
    """The case a message that starts a new request must reach first, so staff never act on
    what the member has since changed: the one staff await an answer on (they wrote last,
    the relay is open), else an open case whose answer or documents the message speaks of.
    ``None``: no case is waiting, and a sure new request simply starts."""
    # 「母の件でございますが…」: whose case the words name comes before which one awaits.
    held = _narrowed(_reachable(cases, now, followup_days), reading.text)
    awaiting = [c for c in held if c.relay_open and c.staff_messages]
    if awaiting:
        return max(reversed(awaiting), key=_last_staff_at)
    about = [c for c in held if c.status not in CLOSED_STATUSES and speaks_of(reading, c)]
    return about[-1] if about else None


def speaks_of(reading: Classification, case: CaseView) -> bool:
    """Whether a message names what ``case`` holds or needs (its answer's address, 委任状)."""
    goes_to = _ANSWER_GOES_TO.get(str(case.fields.get("method") or ""))
    return bool(_CASE_NEEDS.search(reading.text) or (goes_to and goes_to.search(reading.text)))


def has_case_of_type(
    cases: Sequence[CaseView], now: datetime, followup_days: int, request_type: str
) -> bool:
    """Whether a case of ``request_type`` is open or closed within the follow-up period."""
    return any(c.request_type == request_type for c in _reachable(cases, now, followup_days))


def _reachable(cases: Sequence[CaseView], now: datetime, followup_days: int) -> list[CaseView]:
    return [c for c in cases if c.status not in CLOSED_STATUSES or _recent(c, now, followup_days)]


def _last_staff_at(case: CaseView) -> datetime:
    """When staff last wrote to the member on the case (never: the earliest time)."""
    return max((m.at for m in case.staff_messages), default=datetime.min.replace(tzinfo=UTC))


def expired_case(cases: Sequence[CaseView]) -> CaseView | None:
    """The member's most recently closed case, for telling them it is closed (called when no
    case is open or recently closed)."""
    closed = [c for c in cases if c.status in CLOSED_STATUSES]
    return max(reversed(closed), key=_closed_at) if closed else None


def asks_about_timing(reading: Classification) -> bool:
    # The words, not the intent: the classifier reads 「いつも…」 and 「納得できません」 as status.
    return bool(_TIMING.search(reading.text))


def is_complaint(reading: Classification) -> bool:
    return "complaint" in reading.concepts or bool(_COMPLAINT.search(reading.text))


# 「私の件」「受付番号」「担当の方」: about the member's own case, not the co-op's policy.
# A bare 「なぜ」 does not count: 「なぜ私の情報を使うのですか」 asks about the policy.
_CASE_WORDS = re.compile(
    r"私の件|わたしの件|この件|その件|あの件|先日の件|受付番号|担当の|担当者|私の申|わたしの申"
    r"|申請した|申し出た|お願いした件"
    # 「これでもう広告こない？」 right after sending: about what was just sent.
    r"|これで(?:もう|本当に|ほんとうに|ちゃんと)|" + _EARLIER_ANSWER,
    re.IGNORECASE,
)


def about_a_case(reading: Classification) -> bool:
    """Whether a question is about the member's case (timing, a complaint, the case named or
    referred back to) rather than about what the co-op publishes."""
    return (
        asks_about_timing(reading)
        or is_complaint(reading)
        or reading.case_number is not None
        or bool(_CASE_WORDS.search(reading.text))
    )


def _closed_at(case: CaseView) -> datetime:
    return case.closed_at or case.received_at


def _recent(case: CaseView, now: datetime, followup_days: int) -> bool:
    return (
        case.status in CLOSED_STATUSES
        and case.closed_at is not None
        and now - case.closed_at <= timedelta(days=followup_days)
    )
