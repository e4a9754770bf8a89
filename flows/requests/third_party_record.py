"""第三者提供記録の開示 (APPI Art. 33(5)): period, recipient if known, method."""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import request_notices
from flows.steps import COMMON_CONTACT_STEPS, Context, Option, Step, method_steps


def _what_records_exist(ctx: Context) -> list[str]:
    """How long such records are kept is the law's rule (個人情報保護委員会規則), not a fact
    either co-op publishes, so it is said as the law's."""
    return [
        ctx.t(
            "法律（個人情報保護委員会の規則）では、第三者に提供した記録は、"
            "原則として3年間保存することになっています。"
            "業務の委託先や共同利用先との共有は第三者提供にあたらないため、この記録の対象ではありません。"
        )
    ]


FLOW = RequestFlow(
    type_id="third_party_record",
    title=N_("第三者提供記録の開示"),
    menu_label=N_("自分の情報を誰に渡したかの記録を見たい（第三者提供記録の開示）"),
    intro=N_(
        "組合員さまの情報を第三者（ほかの会社や団体など）に渡した記録について、"
        "開示（記録の内容をお知らせすること）をご請求いただく手続きです。"
    ),
    aliases=("第三者提供記録", "提供記録", "誰に渡", "記録", "third party record", "records"),
    steps=(
        Step(
            "period",
            N_("対象の期間"),
            N_("いつからいつまでの記録をご希望ですか。（例：2024年4月から今まで）"),
            kind="choice",
            options=(Option("all", N_("記録が残っている期間すべて"), ("すべて", "全部", "all")),),
            free_text=True,
            info=_what_records_exist,
        ),
        Step(
            "recipient",
            N_("提供先"),
            N_("提供先がわかれば入力してください。わからなければ「わからない」を選んでください。"),
            optional=True,
        ),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=True),
    ),
    notices=request_notices("third_party_record"),
)
