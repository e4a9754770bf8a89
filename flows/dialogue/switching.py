"""A wish left behind when the member switches requests mid-form, kept for staff.

「コープ共済連に渡すのをやめてほしい」 is answered (a joint-use partner is not a third party)
and 「それでも、ご希望として記録し、担当者にお伝えします」 is promised; when the member then
switches to 「同意の撤回」, what they entered in the first request (the partner's name) would
be dropped with it. It is kept on the conversation and written into the new case's answers
and summary (what staff read), labelled as the request it came from.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from flows import case_view
from flows.flow import RequestFlow
from flows.i18n import N_, Translator
from flows.registry import FLOWS
from flows.understanding import CARRIED_OVER

if TYPE_CHECKING:
    from flows.turn import Turn

# The key in a case's answers, and the label staff read it under.
FIELD = "switched_from"
LABEL = N_("切り替える前のご希望")
KEPT_NOTICE = N_("さきほどの「{wish}」のご希望も、このお申し出に書き添えて担当者にお伝えします。")


def left_behind(
    turn: Turn, target: RequestFlow, carried: Collection[str] = ()
) -> dict[str, Any] | None:
    """What the request being left holds that ``target`` would not carry over (``carried``:
    the answers it takes with it besides the identity ones)."""
    conv = turn.conv
    if conv.flow is None or conv.flow == target.type_id:
        return conv.switched_from
    answers = {k: v for k, v in conv.answers.items() if k not in CARRIED_OVER and k not in carried}
    if not answers:
        return conv.switched_from
    return {"type": conv.flow, "answers": answers}


def keep(turn: Turn, earlier: dict[str, Any] | None, said_at: int) -> None:
    """Kept for the new request (after it started, which clears the conversation's form), and
    said before the new request's first question (``said_at``: the reply it goes before)."""
    if earlier is None:
        return
    turn.conv.switched_from = earlier
    turn.say(turn.t(KEPT_NOTICE, wish=describe(turn, earlier, turn.t)))
    turn.result.replies.insert(said_at, turn.result.replies.pop())


def describe(turn: Turn, earlier: dict[str, Any], t: Translator) -> str:
    """「第三者提供の停止：提供先 コープ共済連」 in ``t``'s language."""
    request_type = str(earlier.get("type", ""))
    answers = earlier.get("answers") or {}
    items = case_view.labelled_answers(request_type, answers, turn.org, t, turn.now)
    flow = FLOWS.get(request_type)
    title = t(flow.title) if flow else request_type
    if not items:
        return title
    separator = ", " if t.lang == "en" else "、"
    details = separator.join(
        f"{label}: {value}" if t.lang == "en" else f"{label}：{value}" for label, value in items
    )
    return f"{title} ({details})" if t.lang == "en" else f"{title}（{details}）"


def for_staff(turn: Turn) -> tuple[str, str] | None:
    """The summary line staff read (Japanese), when a wish was left behind."""
    earlier = turn.conv.switched_from
    if not earlier:
        return None
    ja = Translator("ja")
    return ja(LABEL), describe(turn, earlier, ja)
