"""Org profiles must state exactly what the seed policies say, and the schema must guard the law."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flows.profiles import (
    FEE_ELIGIBLE_TYPES,
    REQUEST_TYPES,
    LocalText,
    OrgProfile,
    ProfileError,
    load_profile,
    load_profiles,
    profiles_dir,
)

KYOSAI = "seikatsuclub-kyosai"
COOPDELI = "coopdeli"


@pytest.fixture(scope="module")
def profiles() -> dict[str, OrgProfile]:
    return load_profiles()


@pytest.fixture(scope="module")
def kyosai(profiles: dict[str, OrgProfile]) -> OrgProfile:
    return profiles[KYOSAI]


@pytest.fixture(scope="module")
def coopdeli(profiles: dict[str, OrgProfile]) -> OrgProfile:
    return profiles[COOPDELI]


def _raw(org_id: str) -> dict[str, Any]:
    with (profiles_dir() / f"{org_id}.toml").open("rb") as handle:
        return tomllib.load(handle)


def _local_texts(value: object, where: str) -> Iterator[tuple[str, LocalText]]:
    """Yield every LocalText reachable from a model, with a path for the failure message."""
    if isinstance(value, LocalText):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _local_texts(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _local_texts(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _local_texts(item, f"{where}[{key!r}]")


def test_both_seed_profiles_load_keyed_by_id(profiles: dict[str, OrgProfile]) -> None:
    assert set(profiles) == {KYOSAI, COOPDELI}
    assert {p.id for p in profiles.values()} == {KYOSAI, COOPDELI}
    assert profiles[KYOSAI].case_prefix == "KY"
    assert profiles[COOPDELI].case_prefix == "CD"


def test_default_profiles_are_cached_but_callers_get_their_own_dict() -> None:
    first, second = load_profiles(), load_profiles()
    assert first is not second
    assert first[KYOSAI] is second[KYOSAI]


def test_short_names_match_the_seeds(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    assert kyosai.short_name.ja == "生活クラブ共済連"
    assert kyosai.name.ja == "生活クラブ共済事業連合生活協同組合連合会"
    assert coopdeli.short_name.ja == "コープデリ"


def test_policy_dates_match_the_seeds(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    assert kyosai.policy_date == date(2022, 4, 1)
    assert coopdeli.policy_date == date(2017, 6, 21)


def test_kyosai_requests_go_to_the_kyosai_department(kyosai: OrgProfile) -> None:
    assert kyosai.queue.id == "kyosai-bu"
    assert kyosai.queue.name.ja == "共済部"
    assert kyosai.contact.desk.ja == "生活クラブ共済連 共済部"
    assert kyosai.contact.in_person == []


def test_kyosai_contact_has_both_phones_and_hours_only_on_the_footer_number(
    kyosai: OrgProfile,
) -> None:
    numbers = [phone.number for phone in kyosai.contact.phones]
    assert numbers == ["03-5285-1865", "03-5285-1874"]
    personal_data, general = kyosai.contact.phones
    assert personal_data.label.ja == "個人情報の取扱いに関する問合せ相談"
    assert personal_data.hours is None  # the policy gives no hours for this number
    assert general.hours is not None
    assert general.hours.ja == "平日9:00〜17:00"
    assert kyosai.contact.postal_code == "160-0022"
    assert kyosai.contact.address is not None
    assert kyosai.contact.address.ja == "東京都新宿区新宿6-24-20"


def test_kyosai_points_to_the_website_for_address_and_representative(kyosai: OrgProfile) -> None:
    assert "https://seikatsuclub-kyosai.coop/about/organization/" in kyosai.representative_info.ja
    assert "https://seikatsuclub-kyosai.coop/about/organization/" in kyosai.representative_info.en


def test_coopdeli_requests_go_to_delivery_centres_or_stores(coopdeli: OrgProfile) -> None:
    assert coopdeli.queue.id == "takuhai-center"
    assert coopdeli.queue.name.ja == "宅配センター"
    assert coopdeli.contact.desk.ja == "宅配センターや店舗など生協の事業所"
    assert [place.ja for place in coopdeli.contact.in_person] == ["宅配センター", "店舗"]


def test_coopdeli_contact_invents_no_address_phone_or_hours(coopdeli: OrgProfile) -> None:
    assert coopdeli.contact.postal_code is None
    assert coopdeli.contact.address is None
    assert coopdeli.contact.phones == []


def test_rights_are_those_each_policy_promises(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    assert [r.ja for r in kyosai.rights] == ["開示（第三者提供記録の開示を含む）", "訂正", "削除等"]
    assert [r.ja for r in coopdeli.rights] == ["開示", "訂正", "利用停止"]


def test_coopdeli_reasonable_scope_is_not_presented_as_a_limit(coopdeli: OrgProfile) -> None:
    note = coopdeli.rights_note
    assert "合理的な範囲" in note.ja
    assert "狭められることはありません" in note.ja
    assert "does not narrow" in note.en


def test_kyosai_fee_is_not_published_and_applies_to_nothing(kyosai: OrgProfile) -> None:
    assert kyosai.fees.kind == "not_published"
    assert kyosai.fees.applies_to == []
    assert not any(kyosai.fees.applies(t) for t in REQUEST_TYPES)


def test_coopdeli_fee_applies_only_to_the_three_eligible_types(coopdeli: OrgProfile) -> None:
    assert coopdeli.fees.kind == "actual_cost_may_apply"
    assert set(coopdeli.fees.applies_to) == FEE_ELIGIBLE_TYPES
    charged = {t for t in REQUEST_TYPES if coopdeli.fees.applies(t)}
    assert charged == {"purpose_notice", "disclosure", "third_party_record"}
    assert "実費相当分" in coopdeli.fees.note.ja


@pytest.mark.parametrize("org_id", [KYOSAI, COOPDELI])
def test_no_profile_file_names_a_sum_of_money(org_id: str) -> None:
    text = (profiles_dir() / f"{org_id}.toml").read_text(encoding="utf-8")
    assert not re.search(r"[0-9０-９]\s*円", text)
    assert not re.search(r"\d\s*yen|[¥￥]\s*\d", text, re.I)


def test_agent_rules(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    assert coopdeli.agents.mentioned_in_policy is True
    assert coopdeli.agents.power_of_attorney is not None
    assert coopdeli.agents.power_of_attorney.ja == "委任者署名捺印の委任状"
    assert "署名捺印" in coopdeli.agents.note.ja
    assert kyosai.agents.mentioned_in_policy is False
    assert kyosai.agents.power_of_attorney is None


def test_coopdeli_joint_use_partners_are_exactly_the_five(coopdeli: OrgProfile) -> None:
    assert [p.ja for p in coopdeli.joint_use.partners] == [
        "コープデリグループ会員生協",
        "日本生協連",
        "コープ共済連",
        "(株)コープサービス",
        "(株)コープデリ保険センター",
    ]


def test_kyosai_joint_use_names_no_partner(kyosai: OrgProfile) -> None:
    assert kyosai.joint_use.partners == []
    assert "生活クラブグループ" in kyosai.joint_use.scope.ja


def test_third_party_exception_counts(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    assert len(kyosai.third_party_exceptions) == 7
    assert len(coopdeli.third_party_exceptions) == 5
    assert kyosai.third_party_exceptions[0].ja == "ご本人が同意されている場合"
    assert coopdeli.third_party_exceptions[1].ja == "法令に基づく場合"
    assert len(coopdeli.not_third_party) == 2


def test_coopdeli_lists_the_eight_purposes(coopdeli: OrgProfile) -> None:
    assert len(coopdeli.purposes) == 8
    assert coopdeli.purposes[0].ja == "出資金、組合員名簿の管理"
    assert coopdeli.purposes[-1].ja == "法令に基づく対応"


def test_kyosai_names_its_data_kinds_and_coopdeli_none(
    kyosai: OrgProfile, coopdeli: OrgProfile
) -> None:
    kinds = [k.ja for k in kyosai.data_kinds]
    assert kinds[:5] == ["住所", "氏名", "生年月日", "性別", "電話番号"]
    assert len(kinds) == 7
    assert coopdeli.data_kinds == []


def test_coopdeli_states_ssl(coopdeli: OrgProfile) -> None:
    assert any("SSL" in m.ja and "SSL" in m.en for m in coopdeli.security_measures)


def test_deadlines_default_to_fourteen_days(kyosai: OrgProfile) -> None:
    assert kyosai.deadlines.days_for("disclosure") == 14
    assert kyosai.deadlines.extension_max_days == 14
    with pytest.raises(ValueError, match="unknown request type"):
        kyosai.deadlines.days_for("disclosre")


def test_answer_methods_are_the_profiles_own(kyosai: OrgProfile, coopdeli: OrgProfile) -> None:
    # No counter in its profile; the chat comes last, so the numbers members know stay.
    assert kyosai.disclosure_methods == ["postal", "email", "chat"]
    assert coopdeli.disclosure_methods == ["postal", "email", "in_person", "chat"]
    for profile in (kyosai, coopdeli):
        assert profile.reply_methods == ["chat", "postal", "email"]
        assert profile.attachments.allowed is False


@pytest.mark.parametrize("org_id", [KYOSAI, COOPDELI])
def test_every_local_text_has_japanese_and_english(
    profiles: dict[str, OrgProfile], org_id: str
) -> None:
    texts = list(_local_texts(profiles[org_id], org_id))
    assert len(texts) > 40
    for where, text in texts:
        assert text.ja.strip(), where
        assert text.en.strip(), where
        assert text.ja != text.en or text.ja.isascii(), where


def test_local_text_picks_english_only_for_english() -> None:
    text = LocalText(ja="訂正", en="Correction")
    assert text.get("en") == "Correction"
    assert text.get("en-US") == "Correction"
    assert text.get("ja") == "訂正"
    assert text.get("fr") == "訂正"


def test_blank_translation_is_rejected() -> None:
    with pytest.raises(ValidationError):
        LocalText(ja="訂正", en="  ")


def test_fee_for_correction_is_rejected() -> None:
    data = _raw(COOPDELI)
    data["fees"]["applies_to"] = ["disclosure", "correction"]
    with pytest.raises(ValidationError, match=r"Art\. 38"):
        OrgProfile.model_validate(data)


def test_fee_note_with_an_amount_is_rejected() -> None:
    data = _raw(COOPDELI)
    data["fees"]["note"] = {"ja": "手数料は1,000円です。", "en": "The fee is charged."}
    with pytest.raises(ValidationError, match="amount of money"):
        OrgProfile.model_validate(data)


def test_fee_rule_none_with_types_is_rejected() -> None:
    data = _raw(KYOSAI)
    data["fees"]["applies_to"] = ["disclosure"]
    with pytest.raises(ValidationError):
        OrgProfile.model_validate(data)


def test_invalid_profile_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "coopdeli.toml"
    original = (profiles_dir() / "coopdeli.toml").read_text(encoding="utf-8")
    path.write_text(
        original.replace(
            'applies_to = ["purpose_notice", "disclosure", "third_party_record"]',
            'applies_to = ["correction"]',
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=re.escape(str(path))):
        load_profile(path)


def test_missing_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ProfileError, match=re.escape(str(path))):
        load_profile(path)


def test_garbled_toml_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "coopdeli.toml").write_text(
        (profiles_dir() / "coopdeli.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "broken\nname = {', encoding="utf-8")
    with pytest.raises(ProfileError, match=re.escape(str(broken))):
        load_profile(broken)
    with pytest.raises(ProfileError, match=re.escape(str(broken))):
        load_profiles(tmp_path)


def test_file_name_must_match_profile_id(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        (profiles_dir() / "coopdeli.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ProfileError, match=re.escape(str(other))):
        load_profiles(tmp_path)


# Seed 000 §4 and its signature, as the policy prints them.
KYOSAI_SEED_DATA_KINDS = (
    "住所、氏名、生年月日、性別、電話番号、その他共済契約および団体保険契約の締結や共済金の"
    "お支払いに必要な情報、生活クラブ共済連ホームページなどに登録されたメールアドレスなど"
)


def test_kyosai_data_kinds_are_its_policys_own_words_and_add_nothing(kyosai: OrgProfile) -> None:
    kinds = [k.ja for k in kyosai.data_kinds]
    assert "、".join(kinds) + "など" == KYOSAI_SEED_DATA_KINDS
    assert not any("健康" in k.ja or "health" in k.en for k in kyosai.data_kinds)


def test_kyosai_names_the_board_that_issued_its_policy_and_coopdeli_nobody(
    kyosai: OrgProfile, coopdeli: OrgProfile
) -> None:
    assert kyosai.policy_issuer is not None
    assert kyosai.policy_issuer.ja == "生活クラブ共済事業連合生活協同組合連合会理事会"
    assert coopdeli.policy_issuer is None
