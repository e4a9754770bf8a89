"""利用停止・消去 (APPI Art. 35(1),(5)): which data or use, stop or erase, and the ground."""

from flows.flow import RequestFlow
from flows.i18n import N_
from flows.notices import request_notices
from flows.steps import COMMON_CONTACT_STEPS, Option, Step, answered, method_steps

GROUNDS = (
    Option("beyond_purpose", N_("目的の範囲をこえて使われている"), ("目的外",)),
    Option("improper_use", N_("不適正な使い方をされている"), ("不適正",)),
    Option("improper_acquisition", N_("不正な方法で取得された"), ("不正",)),
    Option(
        "no_longer_needed",
        N_("もう使う必要がない（脱退した・利用をやめた など）"),
        ("脱退", "退会", "やめた", "必要がない", "不要"),
    ),
    Option("leak", N_("漏えいなどの事故があった"), ("漏えい", "漏洩", "流出", "leak")),
    Option(
        "rights_harmed",
        N_("自分の権利や正当な利益が害されるおそれがある"),
        ("権利", "利益", "害"),
    ),
)

FLOW = RequestFlow(
    type_id="suspension",
    title=N_("利用停止・消去"),
    menu_label=N_("自分の情報を使うのをやめてほしい・消してほしい（利用停止・消去）"),
    intro=N_(
        "組合員さまの情報を使うのをやめること（利用停止）、"
        "または消すこと（消去）を、ご請求いただく手続きです。"
    ),
    aliases=(
        "利用停止",
        "停止",
        "消去",
        "消して",
        "消す",
        "削除して",
        "使わないで",
        "erase",
        "delete my",
    ),
    steps=(
        Step(
            "target",
            N_("対象の情報・利用"),
            N_(
                "どの情報、またはどの使い方の停止をご希望ですか。すべての場合は「すべて」を選んでください。"
            ),
            kind="choice",
            options=(Option("all", N_("すべて"), ("全部", "all")),),
            free_text=True,
        ),
        Step(
            "action",
            N_("希望する対応"),
            N_("ご希望の対応を選んでください。"),
            kind="choice",
            options=(
                Option("stop", N_("使うのをやめる（利用停止）"), ("利用停止", "停止", "stop")),
                Option("erase", N_("消す（消去）"), ("消去", "消す", "erase")),
                Option("both", N_("使うのをやめて、消す"), ("両方", "both")),
            ),
        ),
        Step(
            "ground",
            N_("理由"),
            N_("理由にいちばん近いものを選んでください。ほかの理由は、そのまま入力してください。"),
            kind="choice",
            options=GROUNDS,
            free_text=True,
        ),
        Step(
            "left_on",
            N_("脱退・利用終了の日"),
            N_(
                "脱退した日、または利用をやめた日を入力してください。わからなければ「わからない」を選んでください。"
            ),
            kind="date",
            optional=True,
            when=answered("ground", "no_longer_needed"),
        ),
        *COMMON_CONTACT_STEPS,
        *method_steps(disclosure=False),
    ),
    notices=request_notices("suspension"),
)
