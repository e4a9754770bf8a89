"""Talk to a person: anything the bot cannot place becomes a case, never a refusal.

This covers unclear requests, requests about a deceased relative (not personal information
under the Act, but staff still handle them: the asker is recorded apart from the person who
died, and sees what they entered before sending) and complaints.
"""

import re
import unicodedata

from flows.bereavement import DECEASED, about_deceased, opening
from flows.flow import RequestFlow
from flows.i18n import N_
from flows.steps import (
    ASKER_AND_DECEASED_STEPS,
    WHY_OPTIONAL_NAME,
    WHY_PHONE,
    Context,
    Option,
    Step,
)


def _condolence(ctx: Context) -> list[str]:
    return opening(ctx.org, ctx.t) if ctx.answers.get("about") == DECEASED else []


def _deceased(ctx: Context) -> bool:
    return about_deceased(ctx.answers)


# 「電話で話したいです」: the member asks to be called, so the number is asked for (optional).
_A_CALL = re.compile(r"電話|でんわ|デンワ|折り返し|おりかえし|\bcall\b|phone", re.IGNORECASE)


def _wants_a_call(ctx: Context) -> bool:
    """Whether what the member wrote asks for a call (and no asker's phone is asked)."""
    if about_deceased(ctx.answers):
        return False  # the asker's phone is asked on that path
    said = " ".join(str(ctx.answers.get(key, "")) for key in ("about", "message"))
    return bool(_A_CALL.search(unicodedata.normalize("NFKC", said)))


FLOW = RequestFlow(
    type_id="human",
    title=N_("担当者へのご相談"),
    menu_label=N_("担当者と話したい"),
    intro=N_("担当者におつなぎします。ご用件を伺います。"),
    aliases=(
        "担当者",
        "人と話",
        "人間",
        "オペレーター",
        "電話したい",
        "相談",
        "苦情",
        "human",
        "person",
        "staff",
    ),
    confirm=_deceased,
    steps=(
        Step(
            "about",
            N_("ご相談の種類"),
            N_("ご相談の内容に近いものを選んでください。"),
            kind="choice",
            options=(
                Option("own_data", N_("自分の情報のこと"), ("自分",)),
                Option(DECEASED, N_("亡くなったご家族の情報のこと"), ("亡くな", "故人", "死亡")),
                Option("complaint", N_("苦情・ご意見"), ("苦情", "意見", "不満")),
                Option("other", N_("その他"), ("ほか", "other")),
            ),
            free_text=True,
            after=_condolence,
            takes_questions=True,
        ),
        Step("message", N_("ご用件"), N_("ご用件を短く入力してください。"), takes_questions=True),
        *ASKER_AND_DECEASED_STEPS,
        Step(
            "name",
            N_("お名前"),
            N_("お名前を入力してください。（なくてもかまいません）"),
            kind="name",
            optional=True,
            skip_label=N_("入力しない"),
            when=lambda ctx: not about_deceased(ctx.answers),
            why=WHY_OPTIONAL_NAME,
        ),
        Step(
            "phone",
            N_("電話番号"),
            N_(
                "お電話でのご連絡をご希望でしたら、電話番号を入力してください。（なくてもかまいません）"
            ),
            kind="phone",
            optional=True,
            skip_label=N_("入力しない"),
            when=_wants_a_call,
            why=WHY_PHONE,
        ),
    ),
)
