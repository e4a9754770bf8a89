"""「組合員番号はどこに書いてございますか？」 at a member-number step: where to find it.

Only the profile may say where the number is printed (a card, a 共済 certificate); neither
seed does, so the desk says it is not published, that staff will explain, and that the step
can be passed with 「わからない」. No place is guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import jaconv

from flows.i18n import N_

if TYPE_CHECKING:
    from flows.steps import Step
    from flows.turn import Turn

_WHERE = re.compile(r"どこ|何処|どちら(?:に|で)|どのあたり|where", re.I)

NOT_PUBLISHED = N_(
    "組合員番号・共済契約番号がどこに書かれているかは、{org}の公開している情報には"
    "記載がありません。担当者からご説明します。"
)
SKIP_HINT = N_("お分かりにならなければ「{skip}」を選んでください。そのまま先に進めます。")


def explain_where(turn: Turn, step: Step, text: str) -> bool:
    """Say where the member number is written, as far as the profile says; ``False`` when
    the step is not a member-number step or the words do not ask where."""
    if step.kind != "member_number":
        return False
    normal = unicodedata.normalize("NFKC", text)
    if not (_WHERE.search(normal) or _WHERE.search(str(jaconv.kata2hira(normal)))):
        return False
    t, org = turn.t, turn.org
    note = org.member_number_note
    lines = [note.get(t.lang) if note else t(NOT_PUBLISHED, org=org.short_name.get(t.lang))]
    if step.is_optional(turn.ctx()):
        lines.append(t(SKIP_HINT, skip=t(step.skip_label)))
    turn.say("\n".join(lines))
    return True
