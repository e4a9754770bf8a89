"""A member who changes their mind mid-form (「やっぱり開示にします」): the request they now
name, so the desk offers to switch (keeping the answers that apply) instead of reading
「やっぱり」 or 「やめてほしい」 as 「やめる」 and dropping every answer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from flows.dialogue.choosing import Given, options_mentioned, resolve
from flows.dialogue.words import REQUEST_IDS
from flows.parsing import normalise_for_matching

if TYPE_CHECKING:
    from flows.steps import Option, Step
    from flows.turn import Turn

# 「やっぱり…」「…ではなくて…」「…にします」: a change of mind, not a stop.
# 「あの、やっぱり…」「あ、やっぱり…」: an interjection may come first.
_OPENING = r"^(?:(?:あの[うー]?|えっと|えーと|あっ?|ああ)[、,\s]*)?"
_CHANGE = re.compile(
    _OPENING + r"(?:やっぱり|やっぱ|やはり|それより|いや)"
    r"|ではなく|じゃなく|にします|にしたい|に変え|にかえ|に切り替え|に切りかえ|に変更"
)
_LEAD = re.compile(_OPENING + r"(?:やっぱり|やっぱ|やはり|それより|いや)[、,\s]*")
# What the member turns away from comes before 「ではなくて」; what they want comes after.
_NOT = re.compile(r"ではなくて?|じゃなくて?")
_CLAUSE = re.compile(r"[。．.！!？?\n]")
# A clause must name its request plainly to be offered.
_SURE = 0.8


def named_request(turn: Turn, text: str) -> str | None:
    """The request type a change of mind names, if it names one plainly."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if not _CHANGE.search(normal):
        return None
    wanted = _NOT.split(_LEAD.sub("", normal))[-1]
    clauses = [c.strip("、, ") for c in _CLAUSE.split(wanted) if c.strip("、, ")]
    for clause in clauses:
        reading = turn.read(clause)
        if reading.intent in REQUEST_IDS and reading.confidence >= _SURE:
            return reading.intent
    return None


def takes_back_an_earlier_choice(turn: Turn, step: Step, text: str) -> bool:
    """「やはり郵送でお願いいたします」 at the e-mail step: the member now picks another option
    of the choice that led to this step. That choice is changed, said so, and the form goes on
    from the step the new choice asks for; nothing else they entered is lost.

    Only a choice this step hangs on counts (changing it must make this step unneeded), and
    only when the words name one of its options alone or in a polite frame (``resolve``)."""
    if normalise_for_matching(text).isdigit():
        return False  # a number means one of the choices shown now, never an earlier one
    conv = turn.conv
    steps = {s.id: s for s in turn.flow.steps}
    for earlier_id in reversed(conv.history):
        earlier = steps.get(earlier_id)
        if earlier is None or earlier.kind != "choice":
            continue
        option = named_option(turn, earlier, text)
        if option is None or option.id == conv.answers.get(earlier.id):
            continue
        before = conv.answers[earlier.id]
        conv.answers[earlier.id] = option.id
        if step.applies(turn.ctx()):
            conv.answers[earlier.id] = before  # not the choice this step hangs on
            continue
        _go_on_changed(turn, earlier, option.id)
        return True
    return False


def changes_a_choice(turn: Turn, text: str) -> bool:
    """「やっぱりメールにしていただけますか」 at the confirmation screen: one answered choice
    takes another of its options (named alone, in a polite frame, or once in a sentence that
    changes its mind). The choice is changed and said so; the form then asks what the new
    option needs (the e-mail address) and shows the confirmation again."""
    if normalise_for_matching(text).isdigit():
        return False
    conv, ctx = turn.conv, turn.ctx()
    changes = []
    for step in turn.flow.steps:
        if step.kind != "choice" or step.id not in conv.answers or not step.applies(ctx):
            continue
        option = named_option(turn, step, text)
        if option is not None and option.id != conv.answers[step.id]:
            changes.append((step, option))
    if len(changes) != 1:
        return False
    [(step, option)] = changes
    conv.answers[step.id] = option.id
    _go_on_changed(turn, step, option.id)
    return True


def named_option(turn: Turn, step: Step, text: str) -> Option | None:
    """The option of a choice ``step`` the words name: alone or in a polite frame
    (``resolve``), or named once in a change of mind (「あの、やっぱりメールのほうが…」),
    by the words as written: a kana reading (してい for 指定) hides in any sentence."""
    options = [o for o in step.option_list(turn.ctx()) if o.id[:1] != "_"]
    option = resolve(Given(choice=None, text=text), options, turn.t)
    if option is None and _CHANGE.search(unicodedata.normalize("NFKC", text)):
        mentioned = options_mentioned(text, options, readings=False)
        option = mentioned[0] if len(mentioned) == 1 else None
    return option


def changed_line(turn: Turn, step: Step, value: str) -> str:
    """「「開示の方法」を「電子データをメールで受け取る」に変えました。」: said whenever the
    desk changes an answer from the member's words, so nothing changes silently."""
    return turn.t(
        "「{label}」を「{choice}」に変えました。",
        label=turn.t(step.label),
        choice=step.display(value, turn.ctx()),
    )


def _go_on_changed(turn: Turn, step: Step, value: str) -> None:
    """Say the change, then ask what the form now needs (or show the confirmation)."""
    turn.say(changed_line(turn, step, value))
    from flows.modes import request  # the form's own steps; imported late (a cycle)

    request.advance(turn)
