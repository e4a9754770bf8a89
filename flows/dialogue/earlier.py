"""「前回と同じです」 or 「先日の母の件で…」 typed where a value is expected (issue 16): a
reference to an earlier request is not a value. The earlier answers are offered (shown and
confirmed, as ``flows.reuse`` does), or the member is offered a person.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from flows import reuse
from flows.dialogue import step_questions
from flows.dialogue.names import CONTINUE, FLOW, FORWARD, REUSE
from flows.modes import reuse_offer, unclear
from flows.steps import SKIPPED, Step

if TYPE_CHECKING:
    from flows.turn import Turn

# 「前回と同じです」「この前と一緒」「同じです」
_SAME = re.compile(
    r"(?:前回|前|この前|このまえ|以前|先日|この間|このあいだ|先回)(?:と|の)?(?:同じ|おなじ|一緒|いっしょ)"
    r"|^(?:同じ|おなじ)(?:です|で|でお願いします|でおねがいします)?[。.!！]*$"
    r"|same as (?:before|last time)",
    re.I,
)
# 「先日の母の件で」「前回のお申し出のことで」「この前問い合わせた件」
_EARLIER_CASE = re.compile(
    r"(?:先日|前回|この前|このまえ|この間|このあいだ|以前|先週|先月|前に)"
    r".{0,12}(?:件|申し出|申出|申し込|申込|申請|問い合わせ|問合せ|相談|お願いした|頼んだ)"
)


# 「登録してある住所に送ってください」 where the address to send to is asked.
_REGISTERED_ADDRESS = re.compile(
    r"登録(?:して|され|済|ずみ)?(?:ある|いる|ている|た|の|み)?.{0,3}住所"
)


def refers_to_earlier(turn: Turn, step: Step, text: str) -> bool:
    """Act on a reference to an earlier request (or to what the co-op holds, the registered
    address) typed at ``step``; ``True`` if acted on."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if step.id in ("postal_code", "address") and _REGISTERED_ADDRESS.search(normal):
        # The desk cannot see the registered address: the wish goes to staff, and the
        # member may type the same address.
        step_questions.keep_wish_for_staff(turn, text)
        turn.say(
            turn.t(
                "この窓口からは、ご登録のご住所を見ることができません。"
                "お手数ですが、送り先をご入力ください。ご登録と同じご住所でかまいません。"
            )
        )
        turn.reask()
        return True
    if _SAME.search(normal):
        if not offer_earlier_answers(turn, step):
            turn.say(
                turn.t(
                    "前回のお申し出の内容は、このチャットでは見つかりませんでした。"
                    "お手数ですが、あらためて入力してください。"
                )
            )
            turn.reask()
        return True
    # A step that takes the member's own words may well mention an earlier matter
    # (「前に引っ越した件で住所が古いまま」): that is its answer.
    if step.kind != "text" and _EARLIER_CASE.search(normal):
        turn.conv.resume_mode = FLOW
        unclear.offer(
            turn,
            text,
            turn.t(
                "以前のお申し出についてのご用件でしたら、担当者にお伝えします。"
                "いまの「{title}」のお手続きを続けることもできます。",
                title=turn.t(turn.flow.title),
            ),
            [FORWARD, CONTINUE],
        )
        return True
    return False


def offer_earlier_answers(turn: Turn, step: Step) -> bool:
    """Show this step's answer (with the rest of its group) from the member's newest earlier
    request of the same kind (their own, or as agent) and ask whether to use it."""
    conv = turn.conv
    ctx = turn.ctx()
    group = next((ids for ids in reuse.GROUPS.values() if step.id in ids), (step.id,))
    wanted = [
        s.id
        for s in turn.flow.steps
        if s.id in group and s.id not in conv.answers and s.applies(ctx)
    ]
    whose = reuse.acting_as(conv.answers)
    for case in reversed(turn.cases):
        if case.org_id != turn.org.id or whose is None or reuse.acting_as(case.fields) != whose:
            continue
        answers = {key: case.fields[key] for key in wanted if key in case.fields}
        if answers.get(step.id) not in (None, SKIPPED):
            conv.reuse = {"case": case.number, "answers": answers}
            conv.mode = REUSE
            reuse_offer.show_reuse_offer(turn)
            return True
    return False
