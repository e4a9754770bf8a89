"""Coming back to a half-filled form: which request, what is entered, continue or restart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flows.dialogue.choosing import (
    RESUME_OPTIONS,
    Given,
    resolve,
)
from flows.dialogue.names import (
    ENTERING,
    FLOW,
    RESTART,
    RESUME,
)
from flows.modes import (
    request,
    summary,
    unclear,
)
from flows.modes.base import Mode
from flows.steps import Option

if TYPE_CHECKING:
    from flows.turn import Turn

# A member who comes back to a half-filled form after this long is told which request it is
# and what is already entered, and asked whether to go on or start again.
RESUME_AFTER = timedelta(hours=12)


def away_from_form(turn: Turn) -> bool:
    """The member comes back to a half-filled form after a long while."""
    conv = turn.conv
    if conv.mode not in ENTERING or not conv.answers or not conv.last_turn_at:
        return False
    return turn.now - datetime.fromisoformat(conv.last_turn_at) >= RESUME_AFTER


def offer_resume(turn: Turn, text: str | None) -> None:
    """Set the form aside (with what was just typed) and ask whether to go on."""
    conv = turn.conv
    conv.resume_mode = conv.mode
    conv.pending_text = text
    conv.mode = RESUME
    show_resume_offer(turn)


def show_resume_offer(turn: Turn) -> None:
    """Which request, what is entered, and 続ける／やり直す."""
    lines = [
        turn.t(
            "入力の途中のお申し出があります：{title}",
            title=turn.t(turn.flow.title),
        ),
        turn.t("入力済みの内容："),
    ]
    lines += [f"・{label}：{value}" for label, value in summary.summary_lines(turn, turn.t)]
    lines.append(turn.t("続きから入力しますか。最初からやり直すこともできます。"))
    turn.say("\n".join(lines), RESUME_OPTIONS)


def resume_choice(turn: Turn, given: Given) -> None:
    """Go on (trying what was typed as the answer) or start the same request again."""
    option = resolve(given, RESUME_OPTIONS, turn.t)
    conv = turn.conv
    if option is None:
        turn.say(turn.t("「続ける」か「やり直す」を選んでください。"))
        show_resume_offer(turn)
        return
    pending, conv.pending_text = conv.pending_text, None
    mode, conv.resume_mode = conv.resume_mode or FLOW, None
    if option.id == RESTART:
        conv.answers, conv.history, conv.editing, conv.previous = {}, [], None, None
        conv.reuse_offered, conv.reuse = [], None
        conv.mode = FLOW
        turn.say(turn.t("最初から入力し直します。"))
        request.advance(turn)
        return
    conv.mode = mode
    turn.say(turn.t("続きから入力します。"))
    if pending and mode == FLOW:
        unclear.retry_as_answer(turn, pending)
    else:
        turn.reask()


class Resume(Mode):
    """Back at a half-filled form after a while: which request, what is entered, go on?"""

    def options(self, turn: Turn) -> tuple[Option, ...]:
        return RESUME_OPTIONS

    def ask(self, turn: Turn) -> None:
        show_resume_offer(turn)

    def take(self, turn: Turn, given: Given) -> None:
        resume_choice(turn, given)

    def answers_word(self, turn: Turn, text: str) -> bool:
        return resolve(Given(choice=None, text=text), RESUME_OPTIONS, turn.t) is not None

    def leave(self, turn: Turn) -> None:
        conv = turn.conv
        conv.mode, conv.resume_mode, conv.pending_text = conv.resume_mode or FLOW, None, None
