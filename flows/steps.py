"""Declarative steps: a request flow is an ordered list of questions with conditions.

The engine always asks the first step whose condition holds and that has no answer yet, so
going back, editing from the summary and pre-filled answers all follow from one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from flows import relations
from flows.bereavement import DECEASED, about_deceased, opening
from flows.i18n import N_, Translator
from flows.profiles import OrgProfile

StepKind = Literal[
    "choice",
    "multi",
    "text",
    "document",
    "name",
    "kana",
    "birth_date",
    "date",
    "phone",
    "member_number",
    "postal_code",
    "email",
    "address",
]

SKIPPED = ""  # stored for an optional step the member chose not to answer


@dataclass(frozen=True)
class Option:
    """One choice; ``aliases`` are extra words (ja/en) that select it when typed."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    """What a step's condition or text may look at."""

    org: OrgProfile
    answers: Mapping[str, Any]
    now: datetime
    t: Translator
    # The member is in a chat (not a request staff entered from a letter or a call): only
    # then can the answer come back through it.
    in_chat: bool = True


Condition = Callable[[Context], bool]
TextHook = Callable[[Context], list[str]]
OptionSource = tuple[Option, ...] | Callable[[Context], tuple[Option, ...]]


@dataclass(frozen=True)
class Step:
    """One question of a flow."""

    id: str
    label: str  # how the answer is named in the summary and the case
    prompt: str
    kind: StepKind = "text"
    options: OptionSource = ()
    optional: bool = False
    skip_label: str = N_("わからない・なし")
    # Optional only when the answers say so (the phone of a person an agent acts for, who
    # may have none: the agent's own phone is the contact then).
    optional_when: Condition | None = None
    free_text: bool = False  # a choice step that also accepts the member's own words
    when: Condition | None = None
    info: TextHook | None = None  # shown just before the prompt
    after: TextHook | None = None  # shown once the answer is accepted
    # A choice's reading of the member's own words into an option id (「母の代わりです」 → 子),
    # tried when no option matches; ``None`` leaves the words as they are.
    reader: Callable[[str], str | None] | None = None
    # What a choice step without own words says to words it cannot read (「山本ふみ子」 at the
    # 続柄 question); ``None`` is the general 「選択肢の言葉でお選びください」.
    unread: str | None = None
    takes_questions: bool = False  # the answer is itself a question for staff (ご質問)
    # Why the desk asks this (「電話番号は必要なんですか」): a short plain answer, only what
    # the law and the checklist support (identity matching, contact, sending the answer).
    why: str | None = None
    # What exactly to type, for a member who asks how to answer (「わたくしの名前でよろしいので
    # しょうか、それとも夫の名前を…」): whose details the step wants, from the flow itself.
    hint: str | Callable[[Context], str] | None = None

    def applies(self, ctx: Context) -> bool:
        return self.when is None or self.when(ctx)

    def hint_text(self, ctx: Context) -> str | None:
        """The step's hint in the member's language, or ``None`` where it has none."""
        if callable(self.hint):
            return self.hint(ctx)
        return ctx.t(self.hint) if self.hint else None

    def is_optional(self, ctx: Context) -> bool:
        """Whether the member may pass this step by its skip choice, given the answers."""
        return self.optional or (self.optional_when is not None and self.optional_when(ctx))

    def option_list(self, ctx: Context) -> tuple[Option, ...]:
        return self.options(ctx) if callable(self.options) else self.options

    def display(self, value: Any, ctx: Context) -> str:
        """The answer as the member and staff read it."""
        if value == SKIPPED or value is None:
            return ctx.t("（未入力）")
        options = {option.id: option for option in self.option_list(ctx)}
        if isinstance(value, list):
            separator = ", " if ctx.t.lang == "en" else "、"
            return separator.join(
                ctx.t(options[v].label) if v in options else str(v) for v in value
            )
        if self.kind == "birth_date":
            return ctx.t.birth_date(date.fromisoformat(str(value)))
        if self.kind == "date":
            return ctx.t.date(date.fromisoformat(str(value)))
        if isinstance(value, str) and value in options:
            return ctx.t(options[value].label)
        return str(value)


def answered(key: str, *values: str) -> Condition:
    """Condition: the answer to ``key`` is one of ``values``."""
    return lambda ctx: ctx.answers.get(key) in values


def requester_is_agent(ctx: Context) -> bool:
    return ctx.answers.get("requester") in ("legal_agent", "appointed_agent")


# ---------------------------------------------------------------- why a field is asked
# Only what the law and the checklist support: the desk matches the request with what the
# co-op holds, contacts the asker, and sends the answer the way the member chose; data
# collected for the request is used only for it.

WHY_NAME = N_("お名前は、生協にご登録の内容と照らし合わせて、ご本人を確認するために使います。")
WHY_KANA = N_("フリガナは、お名前の読み方をまちがえずに、ご登録の内容を探すために使います。")
WHY_FORMER_NAME = N_(
    "旧姓は、ご登録が旧姓のままのときに、ご登録の内容を探すために使います。"
    "なければ「なし」で大丈夫です。"
)
WHY_BIRTH_DATE = N_("生年月日は、同じお名前の方とまちがえないよう、ご本人の確認に使います。")
WHY_PHONE = N_("お電話番号は、ご本人の確認と、担当者からのご連絡に使います。")
WHY_MEMBER_NUMBER = N_(
    "組合員番号・共済契約番号は、ご登録の内容を早く正しく探すために使います。"
    "わからなければ、なくてもお手続きできます。"
)
WHY_EMAIL = N_("メールアドレスは、ご希望のメールで結果をお送りするために使います。")
WHY_ADDRESS = N_("ご住所は、ご希望の郵送で結果をお送りするために使います。")
WHY_AGENT = N_(
    "代理人の方のお名前とお電話番号は、どなたからのお申し出かを記録し、"
    "担当者からご連絡するために使います。"
)
WHY_RELATION = N_("続柄は、ご本人とのご関係を確かめるために使います。")
WHY_ASKER = N_(
    "お申し出の方のお名前とお電話番号は、どなたからのお申し出かを記録し、"
    "担当者からご連絡するために使います。"
)
WHY_DECEASED = N_("亡くなった方について伺うのは、生協のご登録の内容を探すためです。")
WHY_OPTIONAL_NAME = N_(
    "お名前は、担当者がお呼びしてご連絡するために使います。入力しなくてもかまいません。"
)
WHY_USED_ONLY_HERE = N_("入力された情報は、このお手続きのためだけに使います。")

# ---------------------------------------------------------------- whose details a step wants
# Each names only what the flow itself asks, and in what order: the asker's details come first,
# then the person the request is about (see REQUESTER_STEPS and IDENTITY_STEPS).

HINT_ASKER_NAME = N_(
    "お申し出になる方（ご自身）のお名前を入力してください。"
    "亡くなった方のお名前は、このあと伺います。"
)
HINT_ASKER_RELATION = N_(
    "亡くなった方からみた、ご自身のご関係を入力してください。"
    "例えば、亡くなった方の妻でしたら「妻」、長男でしたら「長男」です。番号でもお選びいただけます。"
)
HINT_ASKER_PHONE = N_(
    "担当者からご連絡する、ご自身（お申し出の方）の電話番号を入力してください。"
    "亡くなった方の電話番号は伺いません。"
)
HINT_DECEASED_NAME = N_(
    "亡くなった方のお名前を入力してください。ご自身のお名前は、さきほど伺いました。"
)
HINT_AGENT_NAME = N_(
    "代理人の方（ご自身）のお名前を入力してください。"
    "ご本人（代理される方）のお名前は、このあと伺います。"
)
HINT_AGENT_PHONE = N_(
    "代理人の方（ご自身）の電話番号を入力してください。"
    "ご本人（代理される方）の電話番号は、このあと伺います。"
)
HINT_AGENT_RELATION = N_(
    "ご本人（代理される方）からみた、ご自身のご関係を入力してください。"
    "例えば、ご本人の長男でしたら「長男」、妻でしたら「妻」です。番号でもお選びいただけます。"
)
HINT_OWN_NAME = N_("ご自身のお名前を、ご登録のとおりに入力してください。")
HINT_PRINCIPAL_NAME = N_(
    "ご本人（代理される方）のお名前を、ご登録のとおりに入力してください。"
    "代理人の方（ご自身）のお名前は、さきほど伺いました。"
)
HINT_OWN_PHONE = N_("ご自身の、ご登録の電話番号を入力してください。")
HINT_PRINCIPAL_PHONE = N_(
    "ご本人（代理される方）の、ご登録の電話番号を入力してください。"
    "代理人の方（ご自身）の電話番号は、さきほど伺いました。"
)


def _own_or_principal(own: str, principal: str) -> Callable[[Context], str]:
    """A hint for an identity step: the member's own details, or those of the person an agent
    acts for."""
    return lambda ctx: ctx.t(principal if requester_is_agent(ctx) else own)


# ---------------------------------------------------------------- requester and agent

REQUESTER_OPTIONS = (
    Option("self", N_("ご本人"), ("本人", "自分", "私", "myself", "self")),
    Option(
        "legal_agent",
        N_("法定代理人（お子さまの親・後見人など）"),
        ("法定代理人", "親権者", "後見人", "legal"),
    ),
    Option(
        "appointed_agent",
        N_("任意代理人（ご本人から頼まれた方）"),
        ("任意代理人", "代理人", "代理", "頼まれた", "appointed", "agent"),
    ),
    Option(
        DECEASED,
        N_("亡くなったご家族について"),
        ("亡くなった", "故人", "死亡", "deceased"),
    ),
)

LEGAL_KIND_OPTIONS = (
    Option("parent", N_("親権者（未成年のお子さまの親）"), ("親権者", "親", "parent")),
    Option("guardian", N_("成年後見人"), ("後見人", "guardian")),
)


RELATION_OPTIONS = tuple(Option(code, label) for code, label in relations.LABELS.items())
"""The asker's 続柄 seen from the person the request is about (子 for a child acting for a
parent); typed words are read by ``relations.read_answer``."""


def _relation_heard(key: str) -> TextHook:
    """Say the 続柄 as understood, so a misreading of the member's words shows at once, not
    only on the summary."""

    def heard(ctx: Context) -> list[str]:
        label = relations.LABELS.get(str(ctx.answers.get(key)))
        if label is None:
            return []
        return [
            ctx.t(
                "続柄は「{relation}」として伺いました。違う場合は、最後の確認画面で直せます。",
                relation=ctx.t(label),
            )
        ]

    return heard


def agent_documents(ctx: Context) -> list[str]:
    """Once the requester is chosen: condolence for a family member; for an agent, the
    documents as the org's rule: told from the profile, in the policy's words or as not
    published, never as the typical documents under the law."""
    t, agents = ctx.t, ctx.org.agents
    requester = ctx.answers.get("requester")
    if requester == DECEASED:
        return opening(ctx.org, t)
    if requester == "appointed_agent":
        return [
            agents.appointed_documents.get(t.lang),
            t("任意代理人の方は、ご本人の同意があるときだけお手続きができます。"),
        ]
    if requester == "legal_agent" and ctx.answers.get("legal_kind") in ("parent", "guardian"):
        return [agents.legal_documents.get(t.lang)]
    return []


def _relation_asked(ctx: Context) -> bool:
    """A parent of a minor is the child's 親; anyone else acting for a person is asked."""
    return requester_is_agent(ctx) and ctx.answers.get("legal_kind") != "parent"


def _deceased(ctx: Context) -> bool:
    return about_deceased(ctx.answers)


def _living(ctx: Context) -> bool:
    return not about_deceased(ctx.answers)


ASKER_AND_DECEASED_STEPS: tuple[Step, ...] = (
    Step(
        "asker_name",
        N_("お申し出の方のお名前"),
        N_("お申し出になる方（ご自身）のお名前を入力してください。"),
        kind="name",
        when=_deceased,
        info=lambda ctx: [ctx.t("はじめに、ご自身について伺います。")],
        why=WHY_ASKER,
        hint=HINT_ASKER_NAME,
    ),
    Step(
        "asker_relation",
        N_("亡くなった方との続柄"),
        N_("ご自身は、亡くなった方からみてどなたにあたりますか。（例：妻、長男）"),
        kind="choice",
        options=RELATION_OPTIONS,
        reader=relations.read_answer,
        unread=relations.ERR_RELATION,
        after=_relation_heard("asker_relation"),
        when=_deceased,
        why=WHY_RELATION,
        hint=HINT_ASKER_RELATION,
    ),
    Step(
        "asker_phone",
        N_("お申し出の方の電話番号"),
        N_("担当者からご連絡する、ご自身の電話番号を入力してください。（例：090-1234-5678）"),
        kind="phone",
        when=_deceased,
        why=WHY_ASKER,
        hint=HINT_ASKER_PHONE,
    ),
    Step(
        "deceased_name",
        N_("亡くなった方のお名前"),
        N_("亡くなった方のお名前（氏名）を入力してください。"),
        kind="name",
        when=_deceased,
        info=lambda ctx: [ctx.t("ここからは、亡くなった方について伺います。")],
        why=WHY_DECEASED,
        hint=HINT_DECEASED_NAME,
    ),
    Step(
        "deceased_birth_date",
        N_("亡くなった方の生年月日"),
        N_(
            "亡くなった方の生年月日を入力してください。（例：昭和20年1月2日）"
            "わからなければ「わからない」を選んでください。"
        ),
        why=WHY_DECEASED,
        kind="birth_date",
        optional=True,
        skip_label=N_("わからない"),
        when=_deceased,
    ),
    Step(
        "deceased_member_number",
        N_("亡くなった方の組合員番号・共済契約番号"),
        N_(
            "亡くなった方の組合員番号または共済契約番号がわかれば入力してください。"
            "わからなければ「わからない」を選んでください。"
        ),
        why=WHY_DECEASED,
        kind="member_number",
        optional=True,
        when=_deceased,
    ),
)
"""Who asks about a person who has died (name, 続柄, phone), apart from that person (name,
birth date, member number if known): the asker is never recorded as the person."""


REQUESTER_STEPS: tuple[Step, ...] = (
    Step(
        "requester",
        N_("請求する方"),
        N_("どなたからのお申し出ですか。"),
        kind="choice",
        options=REQUESTER_OPTIONS,
        after=agent_documents,
    ),
    Step(
        "legal_kind",
        N_("法定代理人の種類"),
        N_("法定代理人の種類を選んでください。"),
        kind="choice",
        options=LEGAL_KIND_OPTIONS,
        when=answered("requester", "legal_agent"),
        after=agent_documents,
    ),
    Step(
        "agent_name",
        N_("代理人のお名前"),
        N_("代理人の方（ご自身）のお名前を入力してください。"),
        kind="name",
        when=requester_is_agent,
        why=WHY_AGENT,
        hint=HINT_AGENT_NAME,
    ),
    Step(
        "agent_phone",
        N_("代理人の電話番号"),
        N_("代理人の方（ご自身）の電話番号を入力してください。"),
        kind="phone",
        when=requester_is_agent,
        why=WHY_AGENT,
        hint=HINT_AGENT_PHONE,
    ),
    Step(
        "agent_relation",
        N_("ご本人との続柄"),
        N_("代理人の方は、ご本人からみてどなたにあたりますか。（例：長男、妻）"),
        kind="choice",
        options=RELATION_OPTIONS,
        reader=relations.read_answer,
        unread=relations.ERR_RELATION,
        after=_relation_heard("agent_relation"),
        when=_relation_asked,
        why=WHY_RELATION,
        hint=HINT_AGENT_RELATION,
    ),
    *ASKER_AND_DECEASED_STEPS,
)

# ---------------------------------------------------------------- identity


def _whose(ctx: Context) -> list[str]:
    if requester_is_agent(ctx):
        return [ctx.t("ここからは、ご本人（代理される方）について入力してください。")]
    return [
        ctx.t(
            "ご登録の内容と照らし合わせるため、ご本人について伺います。"
            "入力された情報は、このお手続きのためだけに使います。"
        )
    ]


def _phone_may_be_none(ctx: Context) -> list[str]:
    if requester_is_agent(ctx):
        return [ctx.t("ご本人にお電話がなければ「電話はない」を選んでください。")]
    return []


def _no_phone_contact(ctx: Context) -> list[str]:
    """The person an agent acts for has no phone: contact goes to the agent."""
    if ctx.answers.get("phone") == SKIPPED and requester_is_agent(ctx):
        return [
            ctx.t(
                "ご本人にお電話がないことを承りました。"
                "担当者からのご連絡は、代理人の方（ご自身）のお電話番号にいたします。"
            )
        ]
    return []


IDENTITY_STEPS: tuple[Step, ...] = (
    Step(
        "name",
        N_("氏名"),
        N_("お名前（氏名）を入力してください。"),
        kind="name",
        info=_whose,
        when=_living,
        why=WHY_NAME,
        hint=_own_or_principal(HINT_OWN_NAME, HINT_PRINCIPAL_NAME),
    ),
    Step(
        "kana",
        N_("フリガナ"),
        N_("お名前のフリガナを入力してください。（例：ヤマダ タロウ）"),
        kind="kana",
        when=_living,
        why=WHY_KANA,
    ),
    Step(
        "former_name",
        N_("旧姓"),
        N_(
            "ご登録が旧姓のままの場合は、旧姓を入力してください。なければ「なし」を選んでください。"
        ),
        why=WHY_FORMER_NAME,
        kind="name",
        optional=True,
        skip_label=N_("なし"),
        when=_living,
    ),
    Step(
        "birth_date",
        N_("生年月日"),
        N_("生年月日を入力してください。（例：1975年1月2日、昭和50年1月2日）"),
        kind="birth_date",
        when=_living,
        why=WHY_BIRTH_DATE,
    ),
    Step(
        "phone",
        N_("電話番号"),
        N_("ご登録の電話番号を入力してください。（例：03-1234-5678）"),
        kind="phone",
        when=_living,
        optional_when=requester_is_agent,
        skip_label=N_("電話はない"),
        info=_phone_may_be_none,
        after=_no_phone_contact,
        why=WHY_PHONE,
        hint=_own_or_principal(HINT_OWN_PHONE, HINT_PRINCIPAL_PHONE),
    ),
    Step(
        "member_number",
        N_("組合員番号・共済契約番号"),
        N_(
            "組合員番号または共済契約番号がわかれば入力してください。わからなければ「わからない」を選んでください。"
        ),
        why=WHY_MEMBER_NUMBER,
        kind="member_number",
        optional=True,
        when=_living,
    ),
)

# ---------------------------------------------------------------- how the answer is given

DISCLOSURE_METHOD_OPTIONS: dict[str, Option] = {
    "email": Option(
        "email",
        N_("電子データをメールで受け取る"),
        ("メール", "めーる", "電子", "データ", "email", "e-mail"),
    ),
    "postal": Option(
        "postal",
        N_("書面を郵送で受け取る"),
        ("郵送", "郵便", "書面", "紙", "手紙", "てがみ", "ゆうそう", "ゆうびん", "post", "mail"),
    ),
    "in_person": Option(
        "in_person",
        N_("窓口で受け取る"),
        ("窓口", "店舗", "来所", "取りに", "とりに", "受け取りに", "in person"),
    ),
    # The electronic record through the chat itself: a document on Telegram, a download
    # link with a code elsewhere (flows.answer_files). Listed last in every profile, so the
    # numbers members already know do not move.
    "chat": Option(
        "chat",
        N_("電子データをこのチャットで受け取る"),
        ("チャット", "このチャット", "ダウンロード", "chat", "download"),
    ),
}

REPLY_VIA_OPTION: dict[str, Option] = {
    "chat": Option("chat", N_("このチャットで受け取る"), ("チャット", "ここ", "chat")),
    "postal": Option(
        "postal",
        N_("郵送で受け取る"),
        ("郵送", "郵便", "書面", "紙", "手紙", "てがみ", "ゆうそう", "ゆうびん", "post"),
    ),
    "email": Option(
        "email", N_("メールで受け取る"), ("メール", "めーる", "電子", "email", "e-mail")
    ),
}


def _disclosure_methods(ctx: Context) -> tuple[Option, ...]:
    """Only the methods the org's profile offers (no counter where it has none)."""
    options = []
    for method in ctx.org.disclosure_methods:
        if method == "chat" and not ctx.in_chat:
            continue
        option = DISCLOSURE_METHOD_OPTIONS[method]
        if method == "in_person":
            # Named after the org's own counters, as its profile lists them.
            separator = ", " if ctx.t.lang == "en" else "・"
            places = separator.join(p.get(ctx.t.lang) for p in ctx.org.contact.in_person)
            option = Option(
                method, ctx.t("窓口（{places}）で受け取る", places=places), option.aliases
            )
        options.append(option)
    return tuple(options)


def _reply_methods(ctx: Context) -> tuple[Option, ...]:
    return tuple(REPLY_VIA_OPTION[m] for m in ctx.org.reply_methods)


def method_steps(*, disclosure: bool) -> tuple[Step, ...]:
    """How the member wants the answer, then only the contact details that method needs."""
    if disclosure:
        method = Step(
            "method",
            N_("開示の方法"),
            N_("開示の方法を選んでください。電子データ（メール）か書面（郵送）などから選べます。"),
            kind="choice",
            options=_disclosure_methods,
        )
    else:
        method = Step(
            "method",
            N_("回答の受け取り方"),
            N_("結果のお知らせは、どのようにお受け取りになりますか。"),
            kind="choice",
            options=_reply_methods,
        )
    return (
        method,
        Step(
            "email",
            N_("メールアドレス"),
            N_("受け取るメールアドレスを入力してください。"),
            kind="email",
            when=answered("method", "email"),
            why=WHY_EMAIL,
        ),
        Step(
            "postal_code",
            N_("郵便番号"),
            N_("送り先の郵便番号を入力してください。（例：160-0022）"),
            kind="postal_code",
            when=answered("method", "postal"),
            why=WHY_ADDRESS,
        ),
        Step(
            "address",
            N_("住所"),
            N_("送り先のご住所を入力してください。"),
            kind="address",
            when=answered("method", "postal"),
            why=WHY_ADDRESS,
        ),
    )


COMMON_CONTACT_STEPS = REQUESTER_STEPS + IDENTITY_STEPS
