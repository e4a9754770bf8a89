"""A member who changes their mind mid-form (「やっぱり開示にします」): the request they now
name, so the desk offers to switch (keeping the answers that apply) instead of reading
「やっぱり」 or 「やめてほしい」 as 「やめる」 and dropping every answer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from flows.dialogue.words import REQUEST_IDS

if TYPE_CHECKING:
    from flows.turn import Turn

# 「やっぱり…」「…ではなくて…」「…にします」: a change of mind, not a stop.
_CHANGE = re.compile(
    r"^(?:やっぱり|やっぱ|やはり|それより|いや)"
    r"|ではなく|じゃなく|にします|にしたい|に変え|にかえ|に切り替え|に切りかえ|に変更"
)
_LEAD = re.compile(r"^(?:やっぱり|やっぱ|やはり|それより|いや)[、,\s]*")
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
