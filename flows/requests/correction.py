"""訂正・追加・削除 (APPI Art. 34): which item, wrong and correct value, evidence, reason."""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import Notice, request_notices
from flows.steps import (
    COMMON_CONTACT_STEPS,
    Context,
    Option,
    Step,
    method_steps,
)

ROUTINE_CHANGES = ("address", "phone", "bank_account")


def _routine_change_note(ctx: Context) -> list[str]:
    if ctx.answers.get("item") not in ROUTINE_CHANGES:
        return []
    return [
        ctx.t(
            "引っ越しや口座の変更などは、ふだんの「変更届」でも手続きできます。"
            "このままお申し出として受け付けることもできますので、続けて入力してください。"
        )
    ]


def _facts_only(ctx: Context) -> list[str]:
    return [ctx.t("訂正の対象は、事実と違う内容です。評価や意見は対象になりません。")]


FLOW = RequestFlow(
    type_id="correction",
    title=N_("訂正・追加・削除"),
    menu_label=N_("自分の情報がまちがっているので直してほしい（訂正・追加・削除）"),
    intro=N_(
        "生協が持っている組合員さまの情報の誤りを直すこと（訂正・追加・削除）を、"
        "ご請求いただく手続きです。"
    ),
    aliases=(
        "訂正",
        "ていせい",
        "修正",
        "間違",
        "まちが",
        "誤り",
        "直し",
        "追加",
        "correct",
        "fix",
    ),
    steps=(
        Step(
            "change_kind",
            N_("お申し出の内容"),
            N_("ご希望の内容を選んでください。"),
            kind="choice",
            options=(
                Option("correct", N_("まちがいを直す（訂正）"), ("訂正", "直す", "correct")),
                Option("add", N_("足りない情報を加える（追加）"), ("追加", "add")),
                Option("delete", N_("誤った情報を消す（削除）"), ("削除", "消す", "delete")),
            ),
            info=_facts_only,
        ),
        Step(
            "item",
            N_("対象の項目"),
            N_("どの項目についてですか。ほかの項目は、そのまま入力してください。"),
            kind="choice",
            options=(
                Option("name", N_("氏名"), ("氏名", "名前", "なまえ", "name")),
                Option("address", N_("住所"), ("住所", "じゅうしょ", "address")),
                Option("phone", N_("電話番号"), ("電話", "でんわ", "携帯", "けいたい", "phone")),
                Option(
                    "birth_date",
                    N_("生年月日"),
                    ("生年月日", "誕生日", "たんじょうび", "birthday", "date of birth"),
                ),
                Option("bank_account", N_("口座"), ("口座", "こうざ", "銀行", "振替", "bank")),
            ),
            free_text=True,
            after=_routine_change_note,
        ),
        Step(
            "current_value",
            N_("いまの（誤った）内容"),
            N_(
                "いま登録されている、誤った内容を入力してください。わからなければ「わからない」を選んでください。"
            ),
            optional=True,
            when=lambda ctx: ctx.answers.get("change_kind") != "add",
        ),
        Step(
            "correct_value",
            N_("正しい内容"),
            N_("正しい内容を入力してください。"),
            when=lambda ctx: ctx.answers.get("change_kind") != "delete",
        ),
        Step(
            "evidence",
            N_("正しいことがわかる資料"),
            N_(
                "正しいことがわかる資料があれば、その名前を入力してください。（例：住民票）なければ「なし」を選んでください。"
            ),
            kind="document",
            optional=True,
            skip_label=N_("なし"),
        ),
        Step(
            "reason",
            N_("理由"),
            N_("誤りに気づいたきっかけや理由を、短く入力してください。"),
        ),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=False),
    ),
    notices=request_notices("correction", Notice("facts_only", _facts_only)),
)
