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
from flows.i18n import N_, Translator
from flows.profiles import OrgProfile
from flows.requests import inquiry
from flows.wording import bullets


@dataclass(frozen=True)
class Topic:
    """Something the co-op publishes, the words members ask about it with, and the formal
    request (a request type id) a member may still want after the published answer."""

    id: str
    words: tuple[str, ...]
    formal: str | None = None


def _words(*words: str) -> tuple[str, ...]:
    return tuple(parsing.normalise_for_matching(word) for word in words)


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
        "contact",
        _words(
            "電話番号",
            "連絡先",
            "問い合わせ先",
            "問合せ先",
            "受付時間",
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
)

# 「利用目的を教えて」「何に使うのか知りたい」: asking, even without a question mark.
_ASKING = re.compile(
    r"(?:教えて|おしえて|知りたい|しりたい|聞きたい|ききたい)"
    r"(?:ください|下さい|ほしい|欲しい|もらえますか|いただけますか)?(?:です)?[。.!！…]*$"
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


# Asking the co-op to act, however politely (「第三者提供を止めてほしいのですが」,
# 「消してもらえますか」): a request, for the request flows, not a question about the policy.
_ACTING = re.compile(
    r"(?:止め|とめ|やめ|消し|削除し|停止し|撤回し|直し|訂正し|見せ|開示し|請求し|送っ)"
    r"(?:て|たい)"
)


def question_about(text: str) -> Topic | None:
    """The published topic ``text`` asks about: 「誰に渡しているの」, not 「開示してほしい」."""
    if not is_question(text) or _ACTING.search(unicodedata.normalize("NFKC", text)):
        return None
    return topic_in(text)


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


_ANSWERS: dict[str, Callable[[OrgProfile, Translator], str]] = {
    **inquiry.ANSWERS,
    "data_kinds": _data_kinds,
    "representative": _representative,
}


def answer(topic_id: str, org: OrgProfile, t: Translator) -> str:
    """The published answer on ``topic_id``, in the member's language, from the profile only."""
    return _ANSWERS[topic_id](org, t)


FORMAL_OFFER = N_(
    "ご自身の情報について、正式に「{title}」をご請求いただくこともできます。"
    "ご希望でしたら選んでください。"
)
MORE_HELP = N_("ほかにご不明な点があれば、担当者がお答えします。")
