"""Every fact the desk states is tied to its seed policy (a verbatim copy in ``policies/``).

Where a policy is silent, the profile says so: a fee, an hour, a document or an answer method
the policy does not publish must not appear in what the desk tells members.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flows.i18n import Translator
from flows.org_names import read_org_names
from flows.profiles import (
    FEE_ELIGIBLE_TYPES,
    LocalText,
    OrgProfile,
    load_profiles,
    profiles_dir,
)
from flows.requests import inquiry
from flows.steps import REQUESTER_STEPS, Context

POLICIES = Path(__file__).parent / "policies"
ORGS = ["seikatsuclub-kyosai", "coopdeli"]
# Documents an agent or member might be asked for; the desk names one only if the policy does.
DOCUMENTS = ("委任状", "戸籍謄本", "住民票", "登記事項証明書", "本人確認書類", "印鑑証明", "保険証")
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")
_QUOTED = re.compile(r"「([^」]+)」")


def _squash(text: str) -> str:
    """One spelling for comparing with the policy: NFKC, one wave dash, no spaces."""
    text = unicodedata.normalize("NFKC", text).replace("〜", "~").replace("～", "~")
    return re.sub(r"\s+", "", text)


def _policy(org_id: str) -> str:
    return _squash((POLICIES / f"{org_id}.txt").read_text(encoding="utf-8"))


def _texts(value: object) -> list[str]:
    """Every Japanese member-facing text of a profile."""
    if isinstance(value, LocalText):
        return [value.ja]
    if isinstance(value, BaseModel):
        return [t for name in type(value).model_fields for t in _texts(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item)]
    return []


@pytest.fixture(scope="module")
def profiles() -> dict[str, OrgProfile]:
    return load_profiles()


def _what_an_agent_is_told(org: OrgProfile) -> list[str]:
    """What the desk says about agents, in the inquiry answer and at the requester steps."""
    t = Translator("ja")
    said = [inquiry.answer("agents", org, t)]
    now = datetime(2026, 11, 22, tzinfo=UTC)
    answers_list: list[dict[str, str]] = [
        {"requester": "appointed_agent"},
        {"requester": "legal_agent", "legal_kind": "parent"},
        {"requester": "legal_agent", "legal_kind": "guardian"},
    ]
    for answers in answers_list:
        ctx = Context(org=org, answers=answers, now=now, t=t)
        for step in REQUESTER_STEPS:
            if step.after and step.id in answers:
                said += step.after(ctx)
    return said


@pytest.mark.parametrize("org_id", ORGS)
def test_every_contact_fact_is_in_the_policy_and_hours_sit_with_their_number(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    profile, policy = profiles[org_id], _policy(org_id)
    contact = profile.contact
    if contact.postal_code:
        assert contact.postal_code in policy
    if contact.address:
        assert _squash(contact.address.ja) in policy
    for place in contact.in_person:
        assert place.ja in policy
    for phone in contact.phones:
        assert phone.number in policy
        if phone.hours:
            # The policy gives these hours right beside this number, and nowhere else.
            assert f"{phone.number}(受付時間{_squash(phone.hours.ja)})" in policy
    hours = [_squash(p.hours.ja) for p in contact.phones if p.hours]
    for text in _texts(profile):
        for time in _CLOCK_TIME.findall(_squash(text)):
            assert any(time in h for h in hours), f"{time} is not the hours of any number"


@pytest.mark.parametrize("org_id", ORGS)
def test_a_fee_is_stated_only_where_the_policy_states_one_and_in_its_words(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    fees, policy = profiles[org_id].fees, _policy(org_id)
    if "手数料" not in policy:
        assert fees.kind == "not_published"
        assert "記載はありません" in fees.note.ja
        assert "かかりません" not in fees.note.ja
        return
    assert fees.kind == "actual_cost_may_apply"
    quoted = [q for q in _QUOTED.findall(fees.note.ja) if "手数料" in q]
    assert quoted, "the fee rule is told in the policy's own words"
    assert all(_squash(q) in policy for q in quoted)
    assert set(fees.applies_to) <= FEE_ELIGIBLE_TYPES


@pytest.mark.parametrize("org_id", ORGS)
def test_no_document_is_named_that_the_policy_does_not_name(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    profile, policy = profiles[org_id], _policy(org_id)
    for text in _texts(profile) + _what_an_agent_is_told(profile):
        for document in DOCUMENTS:
            if document in text:
                assert document in policy, f"{document!r} in {text!r}"


@pytest.mark.parametrize("org_id", ORGS)
def test_an_agent_rule_comes_from_the_policy_or_is_said_to_be_unpublished(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    agents, policy = profiles[org_id].agents, _policy(org_id)
    assert agents.mentioned_in_policy == ("代理人" in policy)
    told = [agents.note.ja, agents.appointed_documents.ja, agents.legal_documents.ja]
    if agents.power_of_attorney is None:
        assert all("記載はありません" in text for text in told)
        assert all("担当者からご案内します" in text for text in told)
    else:
        assert agents.power_of_attorney.ja in policy
        assert all(agents.power_of_attorney.ja in text for text in told)
        # Told as the policy's own sentence, quoted word for word.
        assert all(_QUOTED.search(text) for text in told)
    for text in _texts(profiles[org_id]):
        for quoted in _QUOTED.findall(text):
            assert _squash(quoted) in policy, quoted


@pytest.mark.parametrize("org_id", ORGS)
def test_a_pick_up_counter_is_offered_only_where_the_profile_has_one(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    profile = profiles[org_id]
    assert ("in_person" in profile.disclosure_methods) == bool(profile.contact.in_person)


def test_no_profile_states_a_kind_of_data_its_policy_does_not_name(
    profiles: dict[str, OrgProfile],
) -> None:
    for org_id in ORGS:
        policy = _policy(org_id)
        for kind in profiles[org_id].data_kinds:
            assert "健康" not in kind.ja or "健康" in policy, kind.ja
            assert "(" not in _squash(kind.ja), "a gloss the policy does not give"


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("共済のことで", ()),
        ("共済連に問い合わせたい", ()),
        ("生活クラブです", ()),
        ("生活クラブ生協のDMを止めたい", ()),
        ("コープ共済連の情報", ()),
        ("コープのカタログ", ()),
        ("生活クラブ共済連です", ("seikatsuclub-kyosai",)),
        ("コープデリの共済", ("coopdeli",)),
    ],
)
def test_only_an_orgs_own_name_picks_it_never_a_word_it_shares(
    profiles: dict[str, OrgProfile], words: str, named: tuple[str, ...]
) -> None:
    mention = read_org_names(words, list(profiles.values()))
    assert mention.named == named
    assert mention.unclear == (not named)


def test_no_alias_is_part_of_another_bodys_name_or_a_shared_word(
    profiles: dict[str, OrgProfile],
) -> None:
    shared = [w for p in profiles.values() for w in p.shared_names]
    bodies = [n for p in profiles.values() for b in p.other_bodies for n in b.names]
    for profile in profiles.values():
        for alias in profile.aliases:
            for word in shared + bodies:
                assert alias not in word, f"{alias!r} would pick {profile.id} for {word!r}"


def _raw(org_id: str) -> dict[str, Any]:
    with (profiles_dir() / f"{org_id}.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_a_profile_offering_a_counter_it_does_not_have_is_refused() -> None:
    data = _raw("seikatsuclub-kyosai")
    data["disclosure_methods"] = ["postal", "email", "in_person"]
    with pytest.raises(ValidationError, match="in_person"):
        OrgProfile.model_validate(data)


def test_a_profile_naming_an_agent_document_its_policy_does_not_mention_is_refused() -> None:
    data = _raw("seikatsuclub-kyosai")
    data["agents"]["power_of_attorney"] = {"ja": "委任状", "en": "Letter of authorisation"}
    with pytest.raises(ValidationError, match="mentioned_in_policy"):
        OrgProfile.model_validate(data)
