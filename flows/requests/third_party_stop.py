"""第三者提供の停止 (APPI Art. 35(3),(5)): recipient, data and reason.

Joint-use partners are not third parties under the Act, but the member's wish is still
recorded and handed to staff: the bot explains, it never refuses.
"""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import Notice, request_notices
from flows.parsing import normalise_for_matching
from flows.steps import COMMON_CONTACT_STEPS, Context, Option, Step, method_steps


def _joint_use_note(ctx: Context) -> list[str]:
    recipient = ctx.answers.get("recipient")
    if not isinstance(recipient, str) or not recipient:
        return []
    typed = normalise_for_matching(recipient)
    for partner in ctx.org.joint_use.partners:
        names = {normalise_for_matching(partner.ja), normalise_for_matching(partner.en)}
        if any(name and (name in typed or typed in name) for name in names):
            return [
                ctx.t(
                    "{partner}は共同利用先（生協のグループで情報を一緒に使う団体）で、"
                    "法律上の「第三者」にはあたりません。"
                    "それでも、ご希望として記録し、担当者にお伝えします。",
                    partner=partner.get(ctx.t.lang),
                )
            ]
    return []


FLOW = RequestFlow(
    type_id="third_party_stop",
    title=N_("第三者提供の停止"),
    menu_label=N_("自分の情報をほかの会社などに渡すのをやめてほしい（第三者提供の停止）"),
    intro=N_(
        "組合員さまの情報を第三者（ほかの会社や団体など）に渡すのをやめるよう、"
        "ご請求いただく手続きです。"
    ),
    aliases=("第三者提供", "第三者", "提供をやめ", "渡さないで", "third party", "sharing"),
    steps=(
        Step(
            "recipient",
            N_("提供先"),
            N_(
                "どこへの提供の停止をご希望ですか。提供先の名前をご入力ください。すべての場合は「すべて」を選んでください。"
            ),
            kind="choice",
            options=(Option("all", N_("すべての提供先"), ("すべて", "全部", "all")),),
            free_text=True,
            after=_joint_use_note,
        ),
        Step(
            "data",
            N_("対象の情報"),
            N_("どの情報の提供の停止をご希望ですか。すべての場合は「すべて」を選んでください。"),
            kind="choice",
            options=(Option("all", N_("すべて"), ("全部", "all")),),
            free_text=True,
        ),
        Step("reason", N_("理由"), N_("止めたい理由を短く入力してください。")),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=False),
    ),
    notices=request_notices("third_party_stop", Notice("joint_use_partner", _joint_use_note)),
)
