"""Finding a case by phone, name or member number through keyed hashes (a blind index).

Those fields are encrypted, so the database cannot compare them; it compares digests of
their normalised forms instead (``storage.sealed.index_digest``). The same normalisation is
applied to what staff type, so ０９０－１２３４－５６７８ finds 090-1234-5678 and やまだ finds
ヤマダ. A digest matches whole values only: names are found by the whole name or by one of
its space-separated parts (姓 or 名), never by a substring.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, and_, delete, false, func, or_
from sqlmodel import Session, col, select

from flows.parsing import normalise_for_matching
from storage.models import Case, CaseLookup
from storage.progress import Progress, silent
from storage.sealed import index_digest

PHONE = "phone"
NAME = "name"
MEMBER_NUMBER = "member_number"

# Which case fields feed which kind of lookup (field ids from flows/steps.py).
LOOKUP_FIELDS: Mapping[str, tuple[str, ...]] = {
    PHONE: ("phone", "agent_phone", "asker_phone"),
    NAME: ("name", "kana", "agent_name", "former_name", "asker_name", "deceased_name"),
    MEMBER_NUMBER: ("member_number", "deceased_member_number"),
}
MIN_PHONE_DIGITS = 6  # fewer digits is not a phone number staff would search by

Digest = Callable[[str, str], str]


def phone_forms(raw: str) -> set[str]:
    """Digits only, plus ``+81…`` when phonenumbers reads it, so 090…, +81 90… both match."""
    text = unicodedata.normalize("NFKC", raw)
    digits = re.sub(r"\D", "", text)
    forms = {digits} if digits else set()
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return forms
    if phonenumbers.is_possible_number(number):
        national = phonenumbers.national_significant_number(number)
        forms.add(f"+{number.country_code}{national}")
    return forms


def name_forms(raw: str) -> set[str]:
    """The whole name folded (width, spaces, case, katakana → hiragana), and each part of it."""
    whole = normalise_for_matching(raw)
    if not whole:
        return set()
    parts = unicodedata.normalize("NFKC", raw).split()
    return {whole} | {normalise_for_matching(part) for part in parts if len(parts) > 1}


def member_number_form(raw: str) -> str:
    """Letters and digits only, upper case: the grouping hyphens are not part of the number."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return re.sub(r"[^0-9A-Z]", "", text)


def lookup_digests(
    fields: Mapping[str, Any], digest: Digest = index_digest
) -> set[tuple[str, str]]:
    """(kind, digest) for every value a case can be found by."""
    found: set[tuple[str, str]] = set()
    for kind, field_ids in LOOKUP_FIELDS.items():
        for field_id in field_ids:
            value = fields.get(field_id)
            if not isinstance(value, str) or not value.strip():
                continue
            if kind == PHONE:
                forms = phone_forms(value)
            elif kind == NAME:
                forms = name_forms(value)
            else:
                forms = {member_number_form(value)} - {""}
            found |= {(kind, digest(kind, form)) for form in forms}
    return found


def index_case(session: Session, case: Case, digest: Digest = index_digest) -> None:
    """Store the lookup digests of a new case (it must have its id: flush first)."""
    assert case.id is not None
    for kind, value in sorted(lookup_digests(case.fields, digest)):
        session.add(CaseLookup(case_id=case.id, kind=kind, digest=value))


def query_digests(query: str, digest: Digest = index_digest) -> set[tuple[str, str]]:
    """What a typed query may be: a phone (6 digits or more), a member number, a name."""
    text = unicodedata.normalize("NFKC", query).strip()
    found: set[tuple[str, str]] = set()
    if len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        found |= {(PHONE, digest(PHONE, form)) for form in phone_forms(text)}
    number = member_number_form(text)
    if any(ch.isdigit() for ch in number):
        found.add((MEMBER_NUMBER, digest(MEMBER_NUMBER, number)))
    name = normalise_for_matching(text)
    if any(unicodedata.category(ch).startswith("L") for ch in name):
        found.add((NAME, digest(NAME, name)))
    return found


def matches(digests: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """A condition on ``Case.id``: the case has one of ``digests``."""
    pairs = [
        and_(col(CaseLookup.kind) == kind, col(CaseLookup.digest) == value)
        for kind, value in digests
    ]
    if not pairs:
        return false()
    return col(Case.id).in_(select(CaseLookup.case_id).where(or_(*pairs)))


def rebuild(
    session: Session, digest: Digest = index_digest, batch: int = 500, progress: Progress = silent
) -> int:
    """Recompute every case's digests (the index key changed, or cases predate the index)."""
    session.connection().execute(delete(CaseLookup))
    total = session.exec(select(func.count()).select_from(Case)).one()
    progress("cases", 0, total)
    count = 0
    last = 0
    while True:
        rows = session.exec(
            select(Case.id, Case.fields)
            .where(col(Case.id) > last)
            .order_by(col(Case.id))
            .limit(batch)
        ).all()
        if not rows:
            return count
        for case_id, fields in rows:
            assert case_id is not None
            for kind, value in sorted(lookup_digests(fields, digest)):
                session.add(CaseLookup(case_id=case_id, kind=kind, digest=value))
            last = case_id
            count += 1
        session.flush()
        progress("cases", count, total)
