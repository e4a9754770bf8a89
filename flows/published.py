"""Questions about what a co-op publishes, answered from its profile (issue 16, point 3).

「何のために使っているの？」 is a question, not a formal 利用目的の通知: the purposes are
published and the profile holds them, so the desk answers at once and then offers the formal
request to those who still want it. The same answers serve a question typed in the menu, in
the inquiry topics and at a step that waits for a value, so one topic table is kept here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flows import parsing
from flows.dialogue.readings import readings_of
from flows.i18n import N_, Translator
from flows.profiles import OrgProfile
from flows.requests import inquiry
from flows.requests.consent_withdrawal import statutory_notices_continue
from flows.wording import bullets


@dataclass(frozen=True)
class Topic:
    """Something the co-op publishes, the words members ask about it with, and the formal
    request (a request type id) a member may still want after the published answer."""

    id: str
    words: tuple[str, ...]
    formal: str | None = None


def _words(*words: str) -> tuple[str, ...]:
    """The words as written and in kana (「でんわはなんじから」 for 電話は何時から): members
    who leave the kanji conversion out ask the same questions (readings: ``readings_of``)."""
    spelled = dict.fromkeys(
        parsing.normalise_for_matching(form) for word in words for form in readings_of(word)
    )
    return tuple(spelled)


# Checked in this order; the first topic whose words occur in the question answers it.
TOPICS: tuple[Topic, ...] = (
    Topic(
        "purposes",
        _words(
            "何のため",
            "なんのため",
            "何に使",
            "なにに使",
            "何につか",
            "なににつか",
            "何で使",
            "何でつか",
            "どう使",
            "どうつか",
            "どのように使",
            "どのようにつか",
            "どんなことに使",
            "どんなことにつか",
            "つかっている",
            "つかってる",
            "つかわれ",
            "使用して",
            "使用され",
            "利用目的",
            "目的",
            "使い道",
            "使いみち",
            "使っている",
            "使ってる",
            "使われ",
            "purpose",
            "use my",
        ),
        formal="purpose_notice",
    ),
    Topic(
        "joint_use",
        _words("共同利用", "グループ", "一緒に使", "共有", "joint"),
    ),
    Topic(
        "third_party",
        _words(
            "誰に渡",
            "だれに渡",
            "どこに渡",
            "渡して",
            "渡す",
            "渡さ",
            "第三者",
            "他の会社",
            "ほかの会社",
            "よその会社",
            "外部に",
            "提供して",
            "売って",
            "売ら",
            "share",
            "third part",
        ),
        formal="third_party_record",
    ),
    Topic(
        "data_kinds",
        _words(
            "どんな情報",
            "どんな個人情報",
            "どういう個人情報",
            "どの情報",
            "何の情報",
            "なんの情報",
            "どういう情報",
            "情報の種類",
            "何を持って",
            "なにを持って",
            "持っている情報",
            "持ってる情報",
            "集めて",
            "what data",
            "what information",
            "which data",
        ),
        formal="disclosure",
    ),
    Topic("representative", _words("代表者", "代表の", "代表は", "理事長", "representative")),
    Topic(
        "fees",
        _words("手数料", "料金", "費用", "お金", "いくら", "有料", "無料", "fee", "cost"),
    ),
    Topic("agents", _words("代理", "代わりに", "かわりに", "委任状", "agent", "on behalf")),
    Topic(
        "timing",
        _words(
            "いつまでに",
            "いつごろ",
            "いつ頃",
            "いつになったら",
            "いつ返事",
            "いつ回答",
            "いつ連絡",
            "何日",
            "なんにち",
            "何週間",
            "どのくらいかか",
            "どれくらいかか",
            "どのぐらいかか",
            "日数",
            "日にちがかか",
            "期間はどのくらい",
            "how long",
            "when will",
        ),
    ),
    Topic(
        "contact",
        # A contact word, never 電話番号 alone: 「電話番号は必要なんですか」 asks why the step
        # wants it, not where to call.
        _words(
            "電話番号を教",
            "電話番号は何番",
            "電話番号はどこ",
            "電話番号を知",
            "窓口の電話",
            "問い合わせの電話",
            "連絡先",
            "問い合わせ先",
            "問合せ先",
            "受付時間",
            "電話番号と",
            "何時",
            "営業時間",
            "窓口はどこ",
            "どこに連絡",
            "どこに問い合わせ",
            "phone number",
            "opening hours",
        ),
    ),
    Topic(
        "how_to_request",
        _words(
            "申し込み方",
            "申込み方",
            "申し込む方法",
            "申し出の方法",
            "手続きの方法",
            "どうやって申",
            "どこに申",
            "どこへ申",
            "どこで申",
            "手続きの仕方",
            "申請方法",
            "やり方",
            "how do i",
            "how to",
        ),
    ),
    Topic("security", _words("安全", "セキュリティ", "漏れ", "漏えい", "守って", "security")),
    Topic(
        "statutory_notices",
        _words("総代会", "総会のお知らせ", "総会の案内", "general meeting"),
        formal="consent_withdrawal",
    ),
    Topic(
        "identity_documents",
        _words(
            "本人確認の書類",
            "本人確認書類",
            "本人確認には",
            "身分証",
            "免許証",
            "保険証",
            "マイナンバーカード",
            "どんな書類",
            "何の書類",
            "なんの書類",
            "書類は何",
            "id document",
            "identification",
            "proof of identity",
        ),
    ),
)

# 「利用目的を教えて」「何に使うのか知りたい」: asking, even without a question mark.
_ASKING = re.compile(
    r"(?:教えて|おしえて|知りたい|しりたい|聞きたい|ききたい)"
    r"(?:くださいませ|ください|下さい|ほしい|欲しい|もらえますか|いただけますか)?"
    r"(?:[のん]?です(?:が|けど|けれど)?)?[。.!！…]*$"
    r"|(?:って|とは)(?:何|なに|なん)"
)
_ENGLISH_QUESTION = re.compile(r"^(?:what|who|why|how|where|when|which|do|does|is|are|can)\b", re.I)


def is_question(text: str) -> bool:
    """Whether the member is asking rather than requesting: a question or 「教えて」."""
    normal = unicodedata.normalize("NFKC", text).strip()
    return (
        parsing.not_an_answer(normal) == parsing.ERR_QUESTION
        or bool(_ASKING.search(normal))
        or bool(_ENGLISH_QUESTION.match(normal))
    )


def topic_in(text: str) -> Topic | None:
    """The published topic ``text`` names, whether or not it is phrased as a question."""
    typed = parsing.normalise_for_matching(text)
    return next((topic for topic in TOPICS if any(w in typed for w in topic.words)), None)


def names_topic(text: str, topic_id: str) -> bool:
    """Whether ``text`` uses one of the words of the topic ``topic_id`` (「共同利用」 for
    joint use), wherever it stands in the message and whichever topic would come first."""
    typed = parsing.normalise_for_matching(text)
    topic = next(t for t in TOPICS if t.id == topic_id)
    return any(word in typed for word in topic.words)


# Asking the co-op to act, however politely (「第三者提供を止めてほしいのですが」,
# 「消してもらえますか」): a request, for the request flows, not a question about the policy.
_ACTING = re.compile(
    r"(?:止め|とめ|やめ|消し|削除し|停止し|撤回し|直し|訂正し|見せ|開示し|請求し|送っ)"
    r"(?:て(?!も)|たい)"  # not 「止めても届きますか」: a question about what follows
    # 「母の情報の開示をお願いしたいのですが」: the request named, then asked for.
    r"|(?:開示|訂正|追加|削除|消去|停止|撤回)(?:を|の)?(?:お願い|おねがい|希望|申し込|申込)"
    # 「15歳の娘の代わりに申し込みたいのですが」: applying for someone, not asking whether an
    # agent may (「代わりに申し込めますか」 stays a question).
    r"|(?:代わり|かわり|代理)(?:に|で|として)\S*?"
    r"(?:申し込み|申込み|申し込|申込|お願いし|手続きし|手続きをし|請求し)たい"
)


def asks_to_act(text: str) -> bool:
    """Whether ``text`` asks the co-op to act (a request, however politely worded), so a
    「〜たいのですが」 ending does not make it a question."""
    return bool(_ACTING.search(unicodedata.normalize("NFKC", text)))


# What a document or an answer must say (「委任状には何を書けばいいですか」): no published answer
# says that, so the agents or contact answer would answer a different question.
_WHAT_TO_WRITE = re.compile(r"(?:何|なに|なん)(?:を|て|と)書|書き方|かきかた|書けば|書いたら|記入")


# Topics a few words ask about even without a question's shape (「電話番号と受付時間」
# 「代表者だれ」「手数料」): none of them names a request that could be meant instead.
_ASKED_BY_NAMING = frozenset({"contact", "representative", "fees"})
_NAMING_LENGTH = 15


_SENTENCE_END = re.compile(r"(?<=[。．.？?！!\n])")


def question_about(text: str) -> Topic | None:
    """The published topic ``text`` asks about: 「誰に渡しているの」, not 「開示してほしい」."""
    normal = unicodedata.normalize("NFKC", text)
    if _ACTING.search(normal) or _WHAT_TO_WRITE.search(normal):
        return None
    topic = topic_in(text)
    if is_question(text):
        # 「…情報を見たいです。手数料いくら？」: the sentence that asks names the topic, not
        # the one before it that says what the member wants.
        for sentence in reversed(_SENTENCE_END.split(normal)):
            if sentence.strip() and is_question(sentence):
                return topic_in(sentence) or topic
        return topic
    short = len(normal.strip()) <= _NAMING_LENGTH
    return topic if short and topic is not None and topic.id in _ASKED_BY_NAMING else None


def _data_kinds(org: OrgProfile, t: Translator) -> str:
    lang = t.lang
    if not org.data_kinds:
        return t(
            "{org}のプライバシーポリシーには、取得する個人情報の種類は記載されていません。"
            "担当者からご説明します。",
            org=org.short_name.get(lang),
        )
    return (
        t(
            "{org}のプライバシーポリシーでは、取得する個人情報の種類を次のとおりとしています。",
            org=org.short_name.get(lang),
        )
        + "\n"
        + bullets(t, [kind.get(lang) for kind in org.data_kinds])
    )


def _representative(org: OrgProfile, t: Translator) -> str:
    lines = [org.representative_info.get(t.lang)]
    if org.policy_issuer:
        lines.append(
            t(
                "プライバシーポリシーは「{issuer}」の名で定められています。",
                issuer=org.policy_issuer.get(t.lang),
            )
        )
    return "\n".join(lines)


def _timing(org: OrgProfile, t: Translator) -> str:
    """When a request is answered: the desk's own target (the profile's deadline) and the law's
    rule, which names no number of days."""
    return "\n".join(
        [
            t(
                "この窓口では、受付から{days}日以内を目安にご連絡します。"
                "延びるときは理由をお知らせします。",
                days=org.deadlines.default_days,
            ),
            t(
                "法律では日数は決まっておらず、「遅滞なく」（できるだけ早く）対応することとされています。"
            ),
        ]
    )


def identity_documents(org: OrgProfile, t: Translator) -> str:
    """The documents the org names for identity checks; neither seed names any, so then the
    member is told that and that staff will say which (never a list the co-op did not set)."""
    if org.identity_documents is not None:
        return org.identity_documents.get(t.lang)
    return t(
        "{org}のプライバシーポリシーには、本人確認に使う書類の記載がありません。"
        "お送りいただく書類と送り方は、担当者から個別にご案内します。",
        org=org.short_name.get(t.lang),
    )


_ANSWERS: dict[str, Callable[[OrgProfile, Translator], str]] = {
    **inquiry.ANSWERS,
    "data_kinds": _data_kinds,
    "representative": _representative,
    "timing": _timing,
    "identity_documents": identity_documents,
    "statutory_notices": statutory_notices_continue,
}


def answer(topic_id: str, org: OrgProfile, t: Translator, request_type: str | None = None) -> str:
    """The published answer on ``topic_id``, in the member's language, from the profile only.

    ``request_type``: the request the member is filling in, if any; the fee question is
    answered for that request alone (the other answers do not depend on it)."""
    if topic_id == "fees":
        return inquiry.fee_text(org, t, request_type)
    return _ANSWERS[topic_id](org, t)


FORMAL_OFFER = N_(
    "ご自身の情報について、正式に「{title}」をご請求いただくこともできます。"
    "ご希望でしたら選んでください。"
)
MORE_HELP = N_("ほかにご不明な点があれば、担当者がお答えします。")
