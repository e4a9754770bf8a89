"""開示 (APPI Art. 33(1)-(4)): scope and the method the member wants the data in."""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import request_notices
from flows.steps import COMMON_CONTACT_STEPS, Option, Step, answered, method_steps

FLOW = RequestFlow(
    type_id="disclosure",
    title=N_("開示"),
    menu_label=N_("生協が持っている自分の情報を見たい（開示）"),
    intro=N_(
        "生協が持っている組合員さまの情報について、"
        "開示（内容をお知らせすること）をご請求いただく手続きです。"
    ),
    aliases=("開示", "かいじ", "見せ", "見たい", "コピー", "disclosure", "disclose", "access"),
    steps=(
        Step(
            "scope",
            N_("開示の範囲"),
            N_("どの情報の開示をご希望ですか。"),
            kind="choice",
            options=(
                Option("all", N_("すべての情報"), ("すべて", "全部", "all")),
                Option(
                    "specific", N_("一部の情報（情報・期間・サービスを指定）"), ("一部", "指定")
                ),
            ),
            free_text=True,
        ),
        Step(
            "scope_detail",
            N_("指定する情報・期間・サービス"),
            N_(
                "どの情報、どの期間、どのサービスか、わかる範囲で入力してください。（例：2024年以降の共済の請求の記録）"
            ),
            when=answered("scope", "specific"),
        ),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=True),
    ),
    notices=request_notices("disclosure"),
)
