"""同意の撤回・広告等の停止: which channels, which scope; written to the consent ledger at once."""

from flows.flow import RequestFlow
from flows.i18n import N_, Translator
from flows.messages import ConsentEntry
from flows.notices import Notice, request_notices
from flows.profiles import OrgProfile
from flows.steps import IDENTITY_STEPS, REQUESTER_STEPS, Context, Option, Step

CHANNELS = (
    Option(
        "paper_dm",
        N_("紙のDM・カタログ"),
        (
            "dm",
            "ダイレクトメール",
            "カタログ",
            "チラシ",
            "郵便",
            "paper",
            "catalogue",
            "catalog",
            "direct mail",
            "leaflet",
        ),
    ),
    Option("phone", N_("電話でのご案内"), ("電話", "phone", "call")),
    Option("email", N_("メール"), ("メール", "メルマガ", "email", "e-mail")),
    Option("line_sns", N_("LINE・SNS"), ("line", "ライン", "sns")),
    Option(
        "web_ads",
        N_("ウェブの閲覧履歴にもとづく広告"),
        ("広告", "閲覧履歴", "ウェブ", "web", "ads"),
    ),
    Option(
        "joint_use",
        N_("共同利用先（生協のグループで情報を一緒に使う団体）からのご案内"),
        ("共同利用",),
    ),
    Option("all", N_("すべて"), ("全部", "all")),
)


def statutory_notices_continue(org: OrgProfile, t: Translator) -> str:
    """What keeps coming after ads stop. The example is the org's own (コープデリ's 総代会),
    never one org's word for every org."""
    notices = org.statutory_notices.get(t.lang)
    return t("広告やご案内を止めても、{notices}は引き続き届きます。", notices=notices)


def _statutory_notices_continue(ctx: Context) -> list[str]:
    return [statutory_notices_continue(ctx.org, ctx.t)]


def _ledger_entries(ctx: Context) -> list[ConsentEntry]:
    chosen = ctx.answers.get("channels") or []
    if "all" in chosen:
        chosen = [option.id for option in CHANNELS if option.id != "all"]
    return [
        ConsentEntry(
            org_id=ctx.org.id,
            channel=channel,
            scope=str(ctx.answers.get("scope", "all")),
            source="member_request",
        )
        for channel in chosen
    ]


FLOW = RequestFlow(
    type_id="consent_withdrawal",
    title=N_("同意の撤回・広告等の停止"),
    menu_label=N_("広告やご案内を止めてほしい（同意の撤回）"),
    intro=N_("DM・電話・メールなどの広告やご案内を止める手続きです。"),
    aliases=(
        "広告",
        "案内",
        "dm",
        "カタログ",
        "メルマガ",
        "勧誘",
        "同意の撤回",
        "撤回",
        "要らない",
        "いらない",
        "unsubscribe",
        "opt out",
        "marketing",
    ),
    steps=(
        Step(
            "channels",
            N_("止める広告・ご案内"),
            N_("止めたいものを選んでください。いくつでも選べます。（例：1,3）"),
            kind="multi",
            options=CHANNELS,
            info=_statutory_notices_continue,
        ),
        Step(
            "scope",
            N_("止める範囲"),
            N_("止める範囲を選んでください。"),
            kind="choice",
            options=(
                Option("all", N_("すべての広告・ご案内"), ("すべて", "全部", "all")),
                Option(
                    "partner_products",
                    N_("共済・保険など提携商品のご案内だけ"),
                    ("共済", "保険", "提携"),
                ),
            ),
        ),
        *REQUESTER_STEPS,
        *IDENTITY_STEPS,
    ),
    consents=_ledger_entries,
    closing=lambda ctx: [
        ctx.t("ご希望は、この時点で記録しました。担当者が各部署での停止の手続きを進めます。")
    ],
    notices=request_notices(
        "consent_withdrawal", Notice("statutory_notices_continue", _statutory_notices_continue)
    ),
)
