"""個人情報の取扱いに関するお問い合わせ: answered from the org profile, a person otherwise."""

from __future__ import annotations

from collections.abc import Callable

from flows.flow import RequestFlow
from flows.i18n import N_, Translator
from flows.profiles import FEE_ELIGIBLE_TYPES, REQUEST_TYPES, OrgProfile
from flows.steps import WHY_OPTIONAL_NAME, Option, Step
from flows.wording import bullets, joined, labelled

TOPICS = (
    Option(
        "purposes", N_("何のために情報を使っているか（利用目的）"), ("利用目的", "目的", "purpose")
    ),
    Option(
        "third_party",
        N_("ほかの会社などに情報を渡すことはあるか（第三者提供）"),
        ("第三者", "third"),
    ),
    Option("joint_use", N_("グループで一緒に使う情報（共同利用）"), ("共同利用", "joint")),
    Option(
        "contact", N_("問い合わせ先と受付時間"), ("問い合わせ", "連絡先", "電話", "時間", "contact")
    ),
    Option("security", N_("情報の守り方（安全管理）"), ("安全", "セキュリティ", "security")),
    Option("how_to_request", N_("開示などのお申し出の方法"), ("方法", "手続き", "申し出", "how")),
    Option("fees", N_("手数料"), ("手数料", "料金", "費用", "fee")),
    Option("agents", N_("代理人によるお申し出"), ("代理", "agent")),
    Option("rights", N_("どんなことをお願いできるか"), ("権利", "rights")),
    Option("data_kinds", N_("どんな個人情報を取得しているか"), ("種類", "kinds")),
    Option("representative", N_("代表者"), ("代表者", "代表", "representative")),
)
# 「その他」 is what members type for "something else": it picks this, never becomes the question.
ASK_A_PERSON = Option(
    "ask_person",
    N_("ほかの質問を担当者にする"),
    ("担当者", "ほか", "その他", "そのほか", "other"),
)


def purposes_text(org: OrgProfile, t: Translator) -> str:
    """The co-op's published purposes of use, as a list."""
    return _purposes(org, t)


def _purposes(org: OrgProfile, t: Translator) -> str:
    return (
        t("{org}の利用目的は次のとおりです。", org=org.short_name.get(t.lang))
        + "\n"
        + bullets(t, [p.get(t.lang) for p in org.purposes])
    )


def _third_party(org: OrgProfile, t: Translator) -> str:
    lang = t.lang
    if org.third_party_plain is not None:
        # Plain words and where the policy's own wording is, never the legal list read out.
        return org.third_party_plain.get(lang)
    lines = [
        t(
            "次の場合を除いて、組合員さまの情報を第三者（ほかの会社や団体など）に"
            "渡すことはありません。"
        ),
        bullets(t, [e.get(lang) for e in org.third_party_exceptions]),
    ]
    if org.not_third_party:  # as the seed has it: a separate list only where it has one
        lines += [
            t("次の場合は、法律上の第三者提供（ほかの会社などに情報を渡すこと）にはあたりません。"),
            bullets(t, [e.get(lang) for e in org.not_third_party]),
        ]
    return "\n".join(lines)


def _joint_use(org: OrgProfile, t: Translator) -> str:
    lang = t.lang
    scope = org.joint_use.scope.get(lang)
    lines = [scope]
    names = [p.get(lang) for p in org.joint_use.partners]
    # Where the policy's own sentence already names every partner (コープデリ), a list
    # after it would say them twice; the list is for a scope that does not.
    if names and not all(name in scope for name in names):
        lines.append(t("共同利用先：") + joined(t, names))
    lines.append(org.joint_use.note.get(lang))
    return "\n".join(lines)


def contact_text(org: OrgProfile, t: Translator) -> str:
    """The org's contact as published, for inquiries and for off-topic messages."""
    lang = t.lang
    contact = org.contact
    lines = [t("お問い合わせ先：{desk}", desk=contact.desk.get(lang))]
    if contact.postal_code and contact.address:
        lines.append(f"〒{contact.postal_code} {contact.address.get(lang)}")
    for phone in contact.phones:
        line = labelled(t, phone.label.get(lang), phone.number)
        if phone.hours:  # hours only beside the number the policy gives them for
            line += t("（受付時間：{hours}）", hours=phone.hours.get(lang))
        lines.append(line)
    if contact.in_person:
        separator = ", " if lang == "en" else "、"
        places = separator.join(p.get(lang) for p in contact.in_person)
        lines.append(t("窓口：{places}", places=places))
    unpublished = []
    if not contact.phones:
        unpublished.append(t("電話番号は、プライバシーポリシーに記載されていません。"))
    if not contact.address:
        unpublished.append(t("住所は、プライバシーポリシーに記載されていません。"))
    if unpublished:
        # Said plainly, never left for the member to wonder about (コープデリ gives neither).
        lines += unpublished
    if not any(phone.hours for phone in contact.phones):
        lines.append(t("受付時間は、プライバシーポリシーに記載されていません。"))
    else:
        # Hours given for one number are not the other's: 「個人情報の…相談」 has none.
        for phone in contact.phones:
            if not phone.hours:
                lines.append(
                    t(
                        "「{label}」の受付時間は、プライバシーポリシーに記載されていません。",
                        label=phone.label.get(lang),
                    )
                )
    lines.append(t(UNPUBLISHED_CONTACT))
    return "\n".join(lines)


UNPUBLISHED_CONTACT = N_("記載のない点は、担当者からご案内します。")


def _security(org: OrgProfile, t: Translator) -> str:
    return (
        t("次のような安全管理の対策をとっています。")
        + "\n"
        + bullets(t, [m.get(t.lang) for m in org.security_measures])
    )


def _how_to_request(org: OrgProfile, t: Translator) -> str:
    return "\n".join(
        [
            t(
                "このチャットで、開示・訂正・利用停止などのお申し出ができます。"
                "メニューから選ぶと、必要なことを順番に伺います。"
            ),
            t("受け付けた後、担当者がご本人確認をしてから対応します。"),
            t(
                "この窓口では、受付から{days}日以内を目安にご連絡します。"
                "延びるときは理由をお知らせします。",
                days=org.deadlines.default_days,
            ),
            contact_text(org, t),
        ]
    )


def fee_text(org: OrgProfile, t: Translator, request_type: str | None = None) -> str:
    """Fees as the org's policy words them (the profile's note): never a sum, and where the
    policy is silent, never "free" either: not published, staff will explain. That the other
    requests are free is the law's rule (APPI Art. 38), so it is said for every org.

    Asked inside a request (``request_type``), only what applies to it is said: a request the
    law lets no fee be charged for (訂正, 利用停止・消去, 第三者提供の停止…) is simply free, and
    the policy's words are for the requests a fee may apply to."""
    if request_type in FEE_ELIGIBLE_TYPES:
        return org.fees.note.get(t.lang)
    if request_type in REQUEST_TYPES:
        return t("この手続きに、手数料はかかりません。")
    return "\n".join(
        [
            org.fees.note.get(t.lang),
            # The law's rule, said as the law's: neither policy says it (issue 16's tester).
            t(
                "法律により、訂正・利用停止・消去・第三者提供の停止・広告の停止には、手数料はかかりません。"
            ),
        ]
    )


def _agents(org: OrgProfile, t: Translator) -> str:
    """Who may ask is the law's rule; which documents they need is the org's, told only in
    its policy's words, or as not published where the policy is silent."""
    return "\n".join(
        [
            t(
                "ご本人のほか、法定代理人（未成年のお子さまの親や、成年後見人など、法律で決まった代理人）や、"
                "ご本人から頼まれた任意代理人もお申し出ができます。"
            ),
            org.agents.note.get(t.lang),
        ]
    )


def _rights(org: OrgProfile, t: Translator) -> str:
    lang = t.lang
    return "\n".join(
        [
            t("{org}の方針では、次のお申し出に応じるとしています。", org=org.short_name.get(lang)),
            bullets(t, [r.get(lang) for r in org.rights]),
            org.rights_note.get(lang),
            t(
                "法律では、利用目的の通知、第三者提供記録の開示、利用停止・消去、"
                "第三者提供の停止もお申し出ができます。このチャットでどれも受け付けます。"
            ),
        ]
    )


ANSWERS: dict[str, Callable[[OrgProfile, Translator], str]] = {
    "purposes": _purposes,
    "third_party": _third_party,
    "joint_use": _joint_use,
    "contact": contact_text,
    "security": _security,
    "how_to_request": _how_to_request,
    "fees": fee_text,
    "agents": _agents,
    "rights": _rights,
}


def answer(topic: str, org: OrgProfile, t: Translator) -> str:
    return ANSWERS[topic](org, t)


# A question the profile cannot answer goes to a person as an inquiry case.
FLOW = RequestFlow(
    type_id="inquiry",
    title=N_("個人情報の取扱いに関するお問い合わせ"),
    menu_label=N_("個人情報の取り扱いについて質問したい"),
    intro=N_("ご質問を担当者にお伝えします。"),
    aliases=("質問", "問い合わせ", "問合せ", "知りたい", "教えて", "question", "inquiry"),
    confirm=False,
    steps=(
        Step("question", N_("ご質問"), N_("ご質問を入力してください。"), takes_questions=True),
        Step(
            "name",
            N_("お名前"),
            N_("お名前を入力してください。（なくてもかまいません）"),
            kind="name",
            optional=True,
            skip_label=N_("入力しない"),
            why=WHY_OPTIONAL_NAME,
        ),
    ),
)
