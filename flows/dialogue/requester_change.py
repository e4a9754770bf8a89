"""A member who says, mid-form, that the desk has them down as the wrong kind of requester.

The requester is often guessed from a first message (「主人の情報を見せていただきたい」 makes
an agent), so the guess must be correctable in words at any later step, not only on the
confirmation screen: 「主人は昨年亡くなりました」 (a widow cannot bring a 委任状 her husband
can no longer sign) makes the request one about a person who has died, and 「いえ、わたくし
本人でございます」 makes it the member's own. What was entered is kept where it still fits.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from flows import understanding
from flows.bereavement import DECEASED
from flows.dialogue import change_of_mind

if TYPE_CHECKING:
    from flows.steps import Step
    from flows.turn import Turn

_AGENTS = frozenset({"appointed_agent", "legal_agent"})

# An agent's answers and what they become when the person acted for has died: the agent is
# the asker, the person acted for is the deceased.
_AS_ASKER_ABOUT_DECEASED = {
    "agent_name": "asker_name",
    "agent_phone": "asker_phone",
    "agent_relation": "asker_relation",
    "name": "deceased_name",
    "birth_date": "deceased_birth_date",
    "member_number": "deceased_member_number",
}
# Answers only an agent gives, or only a living person's identity check needs.
_AGENT_ONLY = ("legal_kind", "agent_name", "agent_phone", "agent_relation")
_LIVING_ONLY = ("kana", "former_name", "phone")

# 「亡くなった場合は」 asks about a case that has not happened.
_HYPOTHETICAL = re.compile(r"場合|ばあい|としたら")
# 「わたくし本人でございます」「本人です」「自分のことです」: the member speaks of themselves…
_SELF = re.compile(
    r"(?:わたくし|わたし|私|自分|じぶん)(?:が|は)?(?:本人|ほんにん)"
    r"|(?:本人|ほんにん)(?:です|でございま|でござい|だよ|だ$)"
    r"|(?:自分|じぶん)(?:の|自身の)(?:こと|情報|じょうほう)(?:です|でございま)"
)
# …while saying the guess was wrong (「いえ」「違います」)…
_NO = re.compile(r"^(?:いえ|いいえ|いや)|違い|ちがい|ではな|ではございません|ではありません")
# …or denies being an agent outright: 「だいりにんではございません」「娘に頼まれたのではない」.
_NOT_AGENT = re.compile(
    r"(?:代理|だいり|頼まれ|たのまれ)[^。、]{0,4}?(?:では|じゃ)(?:ない|なく|ありません|ございません)"
)
# 「わたくしは本人ではございません」 says the opposite.
_NOT_SELF = re.compile(r"(?:本人|ほんにん)(?:では|じゃ)(?:ない|なく|ありません|ございません)")


def corrects_requester(turn: Turn, step: Step, text: str) -> bool:
    """Change the requester when the words say the guess was wrong, say so, and go on with
    the steps that now apply. Only while the requester answer is an agent type."""
    answers = turn.conv.answers
    if step.id == "requester" or answers.get("requester") not in _AGENTS:
        return False
    if step.kind == "text" or step.free_text:
        # The member's own words (訂正's reason: 「父が亡くなり、母の住所が変わりました」) may
        # tell of a death without being about who asks: they are the step's answer.
        return False
    if "requester" not in {s.id for s in turn.flow.steps}:
        return False
    if _the_person_acted_for_has_died(turn, text):
        _to_deceased(turn)
        return True
    if says_it_is_their_own(text):
        _to_self(turn)
        return True
    return False


def says_it_is_their_own(text: str) -> bool:
    """「いえ、わたくし本人でございます」「だいりにんではございません」."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if _NOT_SELF.search(normal):
        return False
    return bool(_NOT_AGENT.search(normal) or (_SELF.search(normal) and _NO.search(normal)))


def _the_person_acted_for_has_died(turn: Turn, text: str) -> bool:
    normal = unicodedata.normalize("NFKC", text)
    return understanding.about_deceased(turn.read(text)) and not _HYPOTHETICAL.search(normal)


def _requester_step(turn: Turn) -> Step:
    return next(s for s in turn.flow.steps if s.id == "requester")


def _changed(turn: Turn, requester: str) -> list[str]:
    step = _requester_step(turn)
    turn.conv.answers["requester"] = requester
    return [change_of_mind.changed_line(turn, step, requester)]


def _to_deceased(turn: Turn) -> None:
    """Condolence first; the agent's details become the asker's, the principal's the
    deceased's; no 委任状 is asked for again (its notice hangs on the agent types)."""
    answers = turn.conv.answers
    for old, new in _AS_ASKER_ABOUT_DECEASED.items():
        if old in answers:
            answers.setdefault(new, answers[old])
    for key in (*_AGENT_ONLY, *_LIVING_ONLY, *_AS_ASKER_ABOUT_DECEASED):
        answers.pop(key, None)
    lines = _changed(turn, DECEASED)
    after = _requester_step(turn).after
    opening = after(turn.ctx()) if after else []
    turn.say("\n".join([*opening, *lines]))
    _go_on(turn)


def _to_self(turn: Turn) -> None:
    answers = turn.conv.answers
    for key in _AGENT_ONLY:
        answers.pop(key, None)
    turn.say("\n".join(_changed(turn, "self")))
    _go_on(turn)


def _go_on(turn: Turn) -> None:
    conv = turn.conv
    conv.history = [key for key in conv.history if key in conv.answers]
    from flows.modes import request  # the form's own steps; imported late (a cycle)

    request.advance(turn)
