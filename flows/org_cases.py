"""A member's cases as the desk may use them: only those of the co-op the chat is with now.

One person can be a member of two co-ops the desk serves, and one chat can file cases with
both. The co-ops are separate data controllers: in one co-op's desk, the other's cases are
never listed, shown, withdrawn, written to or offered for reuse. The engine reads the
member's cases only through ``OrgCases``, which follows the org as the turn changes it; a
case number of the other co-op typed by the member is only named as belonging there
(``belongs_elsewhere``), with the offer to switch, never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

from flows.i18n import N_, Translator
from flows.messages import CaseView
from flows.profiles import OrgProfile

BELONGS_ELSEWHERE = N_(
    "受付番号 {number} は、{other}へのお申し出です。"
    "いまは{current}の窓口におつなぎしています。"
    "ほかの生協へのお申し出の内容は、この窓口ではお見せできません。"
)
SWITCH_QUESTION = N_("{other}の窓口に切り替えますか。")
AWAITED_ELSEWHERE = N_(
    "{other}の担当者が、受付番号 {number} についてお返事をお待ちしています。"
    "いまは{current}の窓口におつなぎしています。"
    "{other}へのお返事でしたら、窓口を切り替えると、いまのお言葉を担当者にお伝えします。"
)


class OrgCases(Sequence[CaseView]):
    """The member's cases of the org ``current()`` names, read when looked at, so a turn
    that picks or switches the org sees that org's cases from then on (none without one)."""

    def __init__(self, cases: Sequence[CaseView], current: Callable[[], str | None]) -> None:
        self._all = cases
        self._current = current

    def _scoped(self) -> list[CaseView]:
        org = self._current()
        return [case for case in self._all if org is not None and case.org_id == org]

    def __len__(self) -> int:
        return len(self._scoped())

    @overload
    def __getitem__(self, index: int) -> CaseView: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CaseView]: ...
    def __getitem__(self, index: int | slice) -> CaseView | Sequence[CaseView]:
        return self._scoped()[index]

    def elsewhere(self, number: str | None) -> CaseView | None:
        """The member's case ``number`` if it is with another org than the current one."""
        if not number:
            return None
        wanted, org = number.upper(), self._current()
        return next((c for c in self._all if c.number == wanted and c.org_id != org), None)

    def awaited_elsewhere(self) -> CaseView | None:
        """Another org's case whose staff wrote last and await the member's answer (staff in
        conversation on it), if they wrote after any staff of the current org did: a reply
        typed here is most likely for them."""
        org = self._current()
        awaiting = [c for c in self._all if c.relay_open and c.staff_messages]
        if not awaiting:
            return None
        latest = max(reversed(awaiting), key=lambda c: c.staff_messages[-1].at)
        return latest if latest.org_id != org else None


def awaited_elsewhere(number: str, other: OrgProfile, current: OrgProfile, t: Translator) -> str:
    """Staff of the other co-op await the member's answer on ``number``: said, not shown."""
    lang = t.lang
    return t(
        AWAITED_ELSEWHERE,
        number=number,
        other=other.short_name.get(lang),
        current=current.short_name.get(lang),
    )


def belongs_elsewhere(number: str, other: OrgProfile, current: OrgProfile, t: Translator) -> str:
    """What the desk says when the member names a case of the other co-op: whose it is, and
    that it is not shown here. Its type, status and content are left out on purpose."""
    lang = t.lang
    return t(
        BELONGS_ELSEWHERE,
        number=number,
        other=other.short_name.get(lang),
        current=current.short_name.get(lang),
    )


def switch_question(other: OrgProfile, t: Translator) -> str:
    return t(SWITCH_QUESTION, other=other.short_name.get(t.lang))
