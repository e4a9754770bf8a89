"""Reply templates (定型文): every template fills for every case type it claims, for both
co-ops and both languages, from the case and the profile only; a value the case or profile
lacks is refused by name; a co-op's own file adds or rewords templates without code."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import ConfigurationError, Settings, load_deployment
from flows.i18n import JST, Translator
from flows.profiles import CASE_TYPES, OrgProfile, load_profiles
from flows.reply_templates import (
    ALL_TYPES,
    CaseFacts,
    Extension,
    MissingValue,
    ReplyTemplate,
    fill,
    leftover_placeholders,
    load_templates,
    suited,
)

ORGS = load_profiles()
TEMPLATES = load_templates(ORGS)
RECEIVED = datetime(2026, 12, 6, 21, 30, tzinfo=JST)  # a Sunday evening
DUE = datetime(2026, 12, 18, 23, 59, tzinfo=JST)


def facts(
    org: OrgProfile, request_type: str, lang: str = "ja", *, extended: bool = True
) -> CaseFacts:
    return CaseFacts(
        number=f"{org.case_prefix}-2026-00007",
        request_type=request_type,
        lang=lang,
        received_at=RECEIVED,
        due_at=DUE,
        queue_name=org.queue.name,
        # Staff write the reason in the member's language: it reaches them as written.
        extension=Extension(datetime(2026, 12, 28, 23, 59, tzinfo=JST), REASONS[lang])
        if extended
        else None,
    )


REASONS = {"ja": "資料の確認のため", "en": "to check the records"}


def every_use() -> list[tuple[str, str, str, str]]:
    """(org, template, case type, language) for every type each template claims."""
    return [
        (org_id, template.id, request_type, lang)
        for org_id, templates in TEMPLATES.items()
        for template in templates.values()
        for request_type in (CASE_TYPES if ALL_TYPES in template.types else template.types)
        for lang in ("ja", "en")
    ]


@pytest.mark.parametrize(("org_id", "template_id", "request_type", "lang"), every_use())
def test_every_template_fills_for_every_type_it_claims_in_both_coops_and_languages(
    org_id: str, template_id: str, request_type: str, lang: str
) -> None:
    org = ORGS[org_id]
    text = fill(TEMPLATES[org_id][template_id], facts(org, request_type, lang), org)
    assert text.strip() and "{" not in text and "}" not in text
    assert "None" not in text
    if lang == "ja":
        assert "あなた" not in text
        assert re.search(r"(ます|です|ません|ください|いたします)。", text)
    else:
        assert not re.search(r"[\u3040-\u30ff]", text), text  # no Japanese in the English


def test_the_common_situations_of_each_request_type_have_a_template() -> None:
    wanted = {
        "identity_documents": {"disclosure", "correction", "suspension", "consent_withdrawal"},
        "answer_sent": {"disclosure", "purpose_notice", "third_party_record", "inquiry"},
        "extension_apology": set(CASE_TYPES),
        "refusal_harm": {"disclosure", "third_party_record"},
        "refusal_business": {"disclosure", "third_party_record"},
        "refusal_other_law": {"disclosure", "third_party_record"},
        "partial_answer": {"disclosure"},
        "no_data": {"disclosure"},
        "correction_done": {"correction"},
        "stop_done": {"suspension", "third_party_stop"},
        "consent_withdrawal_recorded": {"consent_withdrawal"},
    }
    for org_id in ORGS:
        for template_id, types in wanted.items():
            for request_type in types:
                fitting = [t.id for t in suited(TEMPLATES[org_id], request_type)]
                assert template_id in fitting, (org_id, template_id, request_type)


def test_a_refusal_names_its_statutory_reason_in_plain_words_and_the_published_contact() -> None:
    kyosai = ORGS["seikatsuclub-kyosai"]
    harm = fill(TEMPLATES[kyosai.id]["refusal_harm"], facts(kyosai, "disclosure"), kyosai)
    assert "2026年12月6日(日)に受け付けた開示のご請求について" in harm
    assert "ご本人やほかの方の命、体、財産などを傷つけるおそれ" in harm
    assert "第33条第2項第1号" in harm
    assert "03-5285-1874（お問い合わせ、平日9:00〜17:00）" in harm
    business = fill(TEMPLATES[kyosai.id]["refusal_business"], facts(kyosai, "disclosure"), kyosai)
    assert "生活クラブ共済連の業務を適正に行うことに大きな支障" in business
    law = fill(TEMPLATES[kyosai.id]["refusal_other_law"], facts(kyosai, "disclosure"), kyosai)
    assert "ほかの法律に違反することになる" in law


def test_coopdeli_which_publishes_no_phone_or_address_is_given_none_in_a_template() -> None:
    coopdeli = ORGS["coopdeli"]
    text = fill(TEMPLATES["coopdeli"]["refusal_harm"], facts(coopdeli, "disclosure"), coopdeli)
    assert text.endswith("宅配センターや店舗など生協の事業所")
    assert not re.search(r"\d{2,4}-\d{2,4}-\d{4}|〒", text)


def test_identity_documents_are_said_to_be_unpublished_and_an_agents_in_the_policys_words() -> None:
    coopdeli = ORGS["coopdeli"]
    own = fill(TEMPLATES["coopdeli"]["identity_documents"], facts(coopdeli, "disclosure"), coopdeli)
    assert "本人確認に使う書類の記載がありません" in own
    agent = fill(TEMPLATES["coopdeli"]["agent_documents"], facts(coopdeli, "disclosure"), coopdeli)
    assert "委任者署名捺印の委任状" in agent


def test_an_extension_apology_names_the_new_date_and_the_reason() -> None:
    org = ORGS["coopdeli"]
    text = fill(TEMPLATES["coopdeli"]["extension_apology"], facts(org, "correction"), org)
    assert "申し訳ございません" in text
    assert "回答の期限を2026年12月28日(月)まで延ばさせていただきます。" in text
    assert "延長の理由：資料の確認のため" in text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_extension_apology_for_a_case_never_extended_is_refused_naming_what_is_missing(
    lang: str,
) -> None:
    org = ORGS["coopdeli"]
    never = facts(org, "disclosure", lang, extended=False)
    with pytest.raises(MissingValue) as refused:
        fill(TEMPLATES["coopdeli"]["extension_apology"], never, org)
    assert refused.value.names == ("new_due", "extension_reason")
    message = refused.value.message(Translator("ja"))
    assert "「延長後の回答期限」「延長の理由」の記録がないため" in message
    assert "定型文「extension_apology」は使えません" in message


def test_a_template_asking_for_a_phone_coopdeli_never_published_is_refused_for_coopdeli() -> None:
    template = ReplyTemplate(
        id="call_us",
        title={"ja": "お電話のお願い", "en": "Please call"},  # type: ignore[arg-type]
        types=("*",),
        ja="お手数ですが、{contact_phone}までお電話ください。",
        en="Please call {contact_phone}.",
    )
    kyosai = ORGS["seikatsuclub-kyosai"]
    assert "03-5285-1865" in fill(template, facts(kyosai, "inquiry"), kyosai)
    coopdeli = ORGS["coopdeli"]
    with pytest.raises(MissingValue) as refused:
        fill(template, facts(coopdeli, "inquiry"), coopdeli)
    assert "「組合の電話番号」" in refused.value.message(Translator("ja"))


def test_text_staff_edited_with_a_placeholder_left_in_is_caught() -> None:
    assert leftover_placeholders("期限は{due}です。") == ["due"]
    assert leftover_placeholders("記号 { } や {メモ} はそのまま") == []


# ---------------------------------------------------------------------- a co-op's own file

OWN_TEMPLATES = """
[pickup_ready]
title = { ja = "窓口でのお受け取り", en = "Ready to collect" }
types = ["disclosure"]
ja = "受付番号{number}の開示の書類をご用意しました。{queue}でお受け取りください。"
en = "The disclosure documents for {number} are ready. Please collect them at {queue}."

[no_data]
title = { ja = "該当なし（コープデリ）", en = "No data (Coop Deli)" }
types = ["disclosure"]
ja = "{org}では、ご請求の範囲の情報はお預かりしておりませんでした。"
en = "{org} holds no data within the scope of your request."
"""


def deployment_with(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "teikeibun"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n[reply_templates]\ndir = "teikeibun"\n',
        encoding="utf-8",
    )
    return deployment


def test_a_coops_own_template_file_adds_and_rewords_templates_for_that_coop_only(
    tmp_path: Path,
) -> None:
    deployment_file = deployment_with(tmp_path, {"coopdeli.toml": OWN_TEMPLATES})
    deployment, orgs = load_deployment(Settings(MADOGUCHI_DEPLOYMENT=deployment_file))
    templates = load_templates(orgs, deployment.reply_templates.dir)
    coopdeli = orgs["coopdeli"]
    mine = templates["coopdeli"]
    assert fill(mine["pickup_ready"], facts(coopdeli, "disclosure"), coopdeli) == (
        "受付番号CD-2026-00007の開示の書類をご用意しました。宅配センターでお受け取りください。"
    )
    assert fill(mine["no_data"], facts(coopdeli, "disclosure"), coopdeli).startswith(
        "コープデリでは、ご請求の範囲の情報はお預かりしておりませんでした。"
    )
    assert "refusal_harm" in mine  # the packaged ones stay
    assert "pickup_ready" not in templates["seikatsuclub-kyosai"]
    kyosai_no_data = templates["seikatsuclub-kyosai"]["no_data"]
    assert kyosai_no_data == TEMPLATES["seikatsuclub-kyosai"]["no_data"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (OWN_TEMPLATES.replace("{queue}", "{counter}"), "counter"),
        (OWN_TEMPLATES.replace("{org}では", "あなたの"), "あなた"),
        (OWN_TEMPLATES.replace('"disclosure"]\nja = "受付', '"kaiji"]\nja = "受付'), "kaiji"),
        (OWN_TEMPLATES + "\n[broken\n", "not valid TOML"),
    ],
)
def test_a_mistake_in_a_coops_own_template_stops_the_start_naming_it(
    tmp_path: Path, text: str, problem: str
) -> None:
    deployment_file = deployment_with(tmp_path, {"default.toml": text})
    with pytest.raises(ConfigurationError) as stopped:
        load_deployment(Settings(MADOGUCHI_DEPLOYMENT=deployment_file))
    assert problem in str(stopped.value)
    assert "reply_templates" in str(stopped.value)
