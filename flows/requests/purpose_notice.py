"""利用目的の通知 (APPI Art. 32(2)): which data or service the question is about."""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import request_notices
from flows.requests.inquiry import purposes_text
from flows.steps import COMMON_CONTACT_STEPS, Context, Option, Step, method_steps


def _published_first(ctx: Context) -> list[str]:
    """The purposes the co-op publishes, before the formal request (issue 16: a member who
    only wants to know may need no request, and for some co-ops it may cost a fee)."""
    return [
        purposes_text(ctx.org, ctx.t),
        ctx.t(
            "このほかに、ご自身の情報の利用目的について正式にお知らせをご希望の場合は、"
            "このままお進みください。ここでやめる場合は「やめる」を選んでください。"
        ),
    ]


FLOW = RequestFlow(
    type_id="purpose_notice",
    title=N_("利用目的の通知"),
    menu_label=N_("自分の情報を何に使っているか知りたい（利用目的の通知）"),
    intro=N_(
        "組合員さまの情報を何のために使っているか（利用目的）のお知らせを、"
        "ご請求いただく手続きです。"
    ),
    aliases=("利用目的", "目的", "何に使", "purpose"),
    steps=(
        Step(
            "target",
            N_("対象の情報・サービス"),
            N_(
                "どの情報、またはどのサービスについての通知をご希望ですか。"
                "（例：契約の情報、お問い合わせの記録）すべての場合は「すべて」を選んでください。"
            ),
            kind="choice",
            options=(Option("all", N_("すべて"), ("全部", "all")),),
            free_text=True,
        ),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=False),
    ),
    notices=request_notices("purpose_notice"),
    preface=_published_first,
    preface_topic="purposes",
)
