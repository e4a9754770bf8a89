"""Declarative steps: a request flow is an ordered list of questions with conditions.

The engine always asks the first step whose condition holds and that has no answer yet, so
going back, editing from the summary and pre-filled answers all follow from one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from flows.i18n import N_, Translator
from flows.profiles import OrgProfile

StepKind = Literal[
    "choice",
    "multi",
    "text",
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
    free_text: bool = False  # a choice step that also accepts the member's own words
    when: Condition | None = None
    info: TextHook | None = None  # shown just before the prompt
    after: TextHook | None = None  # shown once the answer is accepted
    takes_questions: bool = False  # the answer is itself a question for staff (ご質問)

    def applies(self, ctx: Context) -> bool:
        return self.when is None or self.when(ctx)

    def option_list(self, ctx: Context) -> tuple[Option, ...]:
        return self.options(ctx) if callable(self.options) else self.options

    def display(self, value: Any, ctx: Context) -> str:
        """The answer as the member and staff read it."""
        if value == SKIPPED or value is None:
            return ctx.t("（未入力）")
        options = {option.id: option for option in self.option_list(ctx)}
        if isinstance(value, list):
            return "、".join(ctx.t(options[v].label) if v in options else str(v) for v in value)
        if self.kind in ("birth_date", "date"):
            return ctx.t.date(date.fromisoformat(str(value)))
        if isinstance(value, str) and value in options:
            return ctx.t(options[value].label)
        return str(value)


def answered(key: str, *values: str) -> Condition:
    """Condition: the answer to ``key`` is one of ``values``."""
    return lambda ctx: ctx.answers.get(key) in values


def requester_is_agent(ctx: Context) -> bool:
    return ctx.answers.get("requester") in ("legal_agent", "appointed_agent")


# ---------------------------------------------------------------- requester and agent

REQUESTER_OPTIONS = (
    Option("self", N_("ご本人"), ("本人", "自分", "私", "myself", "self")),
    Option(
        "legal_agent",
        N_("法定代理人（親権者・成年後見人）"),
        ("法定代理人", "親権者", "後見人", "legal"),
    ),
    Option(
        "appointed_agent",
        N_("任意代理人（ご本人から頼まれた方）"),
        ("任意代理人", "代理人", "代理", "頼まれた", "appointed", "agent"),
    ),
    Option(
        "deceased",
        N_("亡くなったご家族について"),
        ("亡くなった", "故人", "死亡", "deceased"),
    ),
)

LEGAL_KIND_OPTIONS = (
    Option("parent", N_("親権者（未成年のお子さまの親）"), ("親権者", "親", "parent")),
    Option("guardian", N_("成年後見人"), ("後見人", "guardian")),
)


def _agent_documents(ctx: Context) -> list[str]:
    t = ctx.t
    requester = ctx.answers.get("requester")
    if requester == "appointed_agent":
        return [
            t(
                "任意代理人の方は、{poa}と、代理人ご自身の本人確認書類が必要です。"
                "代理人はご本人の同意があるときだけ手続きできます。"
                "書類の送り方は担当者からご案内します。",
                poa=ctx.org.agents.power_of_attorney.get(t.lang),
            )
        ]
    if ctx.answers.get("legal_kind") == "parent":
        return [
            t(
                "親権者の方は、親子関係がわかる戸籍謄本または住民票と、"
                "代理人ご自身の本人確認書類が必要です。書類の送り方は担当者からご案内します。"
            )
        ]
    if ctx.answers.get("legal_kind") == "guardian":
        return [
            t(
                "成年後見人の方は、登記事項証明書と、代理人ご自身の本人確認書類が必要です。"
                "書類の送り方は担当者からご案内します。"
            )
        ]
    return []


REQUESTER_STEPS: tuple[Step, ...] = (
    Step(
        "requester",
        N_("請求する方"),
        N_("どなたからのお申し出ですか。"),
        kind="choice",
        options=REQUESTER_OPTIONS,
        after=_agent_documents,
    ),
    Step(
        "legal_kind",
        N_("法定代理人の種類"),
        N_("法定代理人の種類を選んでください。"),
        kind="choice",
        options=LEGAL_KIND_OPTIONS,
        when=answered("requester", "legal_agent"),
        after=_agent_documents,
    ),
    Step(
        "agent_name",
        N_("代理人のお名前"),
        N_("代理人（あなた）のお名前を入力してください。"),
        kind="name",
        when=requester_is_agent,
    ),
    Step(
        "agent_phone",
        N_("代理人の電話番号"),
        N_("代理人（あなた）の電話番号を入力してください。"),
        kind="phone",
        when=requester_is_agent,
    ),
    Step(
        "agent_relation",
        N_("ご本人との関係"),
        N_("ご本人とのご関係を入力してください。（例：長男、母）"),
        when=requester_is_agent,
    ),
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


IDENTITY_STEPS: tuple[Step, ...] = (
    Step("name", N_("氏名"), N_("お名前（氏名）を入力してください。"), kind="name", info=_whose),
    Step(
        "kana",
        N_("フリガナ"),
        N_("お名前のフリガナを入力してください。（例：ヤマダ タロウ）"),
        kind="kana",
    ),
    Step(
        "former_name",
        N_("旧姓"),
        N_(
            "ご登録が旧姓のままの場合は、旧姓を入力してください。なければ「なし」を選んでください。"
        ),
        kind="name",
        optional=True,
        skip_label=N_("なし"),
    ),
    Step(
        "birth_date",
        N_("生年月日"),
        N_("生年月日を入力してください。（例：1975年1月2日、昭和50年1月2日）"),
        kind="birth_date",
    ),
    Step(
        "phone",
        N_("電話番号"),
        N_("ご登録の電話番号を入力してください。（例：03-1234-5678）"),
        kind="phone",
    ),
    Step(
        "member_number",
        N_("組合員番号・共済契約番号"),
        N_(
            "組合員番号または共済契約番号がわかれば入力してください。わからなければ「わからない」を選んでください。"
        ),
        kind="member_number",
        optional=True,
    ),
)

# ---------------------------------------------------------------- how the answer is given

DISCLOSURE_METHOD_OPTIONS: dict[str, Option] = {
    "email": Option(
        "email", N_("電子データでメールで受け取る"), ("メール", "電子", "email", "e-mail")
    ),
    "postal": Option("postal", N_("書面で郵送で受け取る"), ("郵送", "書面", "紙", "post", "mail")),
    "in_person": Option("in_person", N_("窓口で受け取る"), ("窓口", "店舗", "来所", "in person")),
}

REPLY_VIA_OPTIONS = (
    Option("chat", N_("このチャットで受け取る"), ("チャット", "ここ", "chat")),
    Option("postal", N_("郵送で受け取る"), ("郵送", "書面", "post")),
    Option("email", N_("メールで受け取る"), ("メール", "email", "e-mail")),
)


def _disclosure_methods(ctx: Context) -> tuple[Option, ...]:
    return tuple(DISCLOSURE_METHOD_OPTIONS[m] for m in ctx.org.disclosure_methods)


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
            N_("結果のお知らせをどのように受け取りたいですか。"),
            kind="choice",
            options=REPLY_VIA_OPTIONS,
        )
    return (
        method,
        Step(
            "email",
            N_("メールアドレス"),
            N_("受け取るメールアドレスを入力してください。"),
            kind="email",
            when=answered("method", "email"),
        ),
        Step(
            "postal_code",
            N_("郵便番号"),
            N_("送り先の郵便番号を入力してください。（例：160-0022）"),
            kind="postal_code",
            when=answered("method", "postal"),
        ),
        Step(
            "address",
            N_("住所"),
            N_("送り先のご住所を入力してください。ご登録のご住所にお送りします。"),
            kind="address",
            when=answered("method", "postal"),
        ),
    )


COMMON_CONTACT_STEPS = REQUESTER_STEPS + IDENTITY_STEPS
