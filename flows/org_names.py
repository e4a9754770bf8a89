"""Which org a member's words name, and which words only seem to name one.

With several orgs served, a word that another body shares (「共済」 is also コープ共済連,
「生活クラブ」 is also each 生活クラブ生協) must never pick an org silently: the member is
asked. Only an org's own names pick it, and a name inside another body's name (「共済連」 in
「コープ共済連」) does not count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.intents.features import fold
from flows.profiles import OrgProfile, OtherBody


@dataclass(frozen=True)
class OrgMention:
    """What a message says about orgs: those it names, and what leaves it unclear."""

    named: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()  # shared words found, as the profile spells them
    other_bodies: tuple[OtherBody, ...] = ()

    @property
    def unclear(self) -> bool:
        """Words that point at an org without naming it (or at another body)."""
        return not self.named and bool(self.shared or self.other_bodies)


def _own_names(org: OrgProfile) -> list[str]:
    return [org.short_name.ja, org.short_name.en, org.name.ja, org.name.en, *org.aliases]


def read_org_names(text: str, orgs: Sequence[OrgProfile]) -> OrgMention:
    """Read the org names in ``text``: other bodies' names first (and masked, so their parts
    cannot name an org), then each org's own names, then the words orgs share."""
    folded = fold(text)
    bodies: list[OtherBody] = []
    for org in orgs:
        for body in org.other_bodies:
            names = [fold(name) for name in body.names if fold(name)]
            if any(name in folded for name in names):
                bodies.append(body)
                for name in sorted(names, key=len, reverse=True):
                    folded = folded.replace(name, "\n")
    named: list[str] = []
    for org in orgs:
        names = [fold(name) for name in _own_names(org) if fold(name)]
        if any(name in folded for name in names):
            named.append(org.id)
            for name in sorted(names, key=len, reverse=True):
                folded = folded.replace(name, "\n")
    shared: dict[str, str] = {}  # one spelling per folded word (「コープ」「こーぷ」)
    for org in orgs:
        for word in org.shared_names:
            if fold(word) and fold(word) in folded:
                shared.setdefault(fold(word), word)
    return OrgMention(tuple(named), tuple(shared.values()), tuple(bodies))
