"""Two member testers on issue 16: the desk speaks as a counter clerk, answers the question
asked, says each fact once and only as its source has it, and keeps what members type clean.
"""

from __future__ import annotations

import pytest

from flows import parsing, published
from flows.i18n import Translator
from flows.intents.classifier import classify
from flows.parsing import parse_address, parse_document_name, parse_name, parse_phone
from flows.registry import FLOWS
from flows.requests import inquiry
from tests.conftest import Desk
from tests.flows.test_followups import file_request, kinds, member_messages

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
JA = Translator("ja")

# --- 1. Refusals a counter clerk would say -----------------------------------------------


@pytest.mark.parametrize(
    ("parse", "typed", "refusal"),
    [
        (
            parse_name,
            "名前は教えたくありません",
            "恐れ入りますが、ここにはお名前だけをご入力ください。",
        ),
        (
            parse_name,
            "代理人でもいいですか",
            "恐れ入りますが、ここにはお名前だけをご入力ください。",
        ),
        (
            parse_phone,
            "電話は持っていません",
            "恐れ入りますが、ここには電話番号だけをご入力ください。",
        ),
        (
            parse_address,
            "住所は言いたくありません",
            "恐れ入りますが、ここにはご住所だけをご入力ください。",
        ),
    ],
)
def test_a_sentence_or_question_typed_for_a_value_is_refused_politely_naming_what_is_asked(
    parse: object, typed: str, refusal: str
) -> None:
    assert callable(parse)
    assert parse(typed).error == refusal


def test_no_refusal_tells_the_member_it_looks_like_a_question_or_a_sentence() -> None:
    for message in (parsing.ERR_QUESTION, parsing.ERR_SENTENCE, parsing.ERR_PERSON):
        assert "のようです" not in message
        assert "この欄には" not in message
        assert message.endswith("。") and "ください" in message


@pytest.mark.parametrize("org", ORGS)
def test_a_question_at_the_name_step_is_kept_for_staff_politely_not_scolded(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 今日中に終わりますか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします。
        窓口: お名前（氏名）を入力してください
        窓口にない: ご質問のようです
        """
    )


def test_a_word_that_picks_no_choice_is_answered_with_a_polite_request_to_choose(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 1975年1月2日
        会員: 03-1234-5678
        会員: 12345678
        窓口: 開示の方法を選んでください
        会員: 窓口
        窓口: 恐れ入りますが、表示された番号か、選択肢の言葉でお選びください。
        """
    )


# --- 2. The desk's own verbs, not the member's wanting ----------------------------------


def test_no_step_puts_the_members_wanting_verbs_in_the_desks_mouth() -> None:
    wanting = ("希望しますか", "たいですか", "ほしいですか")
    for flow in FLOWS.values():
        for step in flow.steps:
            for word in wanting:
                assert word not in step.prompt, (flow.type_id, step.id, step.prompt)


@pytest.mark.parametrize("org", ORGS)
def test_the_disclosure_asks_which_information_the_member_would_like_in_counter_words(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        窓口: どの情報の開示をご希望ですか。
        窓口にない: 希望しますか
        """
    )


# --- 3. and 4. Each fact once, and as its source has it -------------------------------


def test_coopdeli_names_its_joint_use_partners_once(desk: Desk) -> None:
    answer = inquiry.answer("joint_use", desk.app.orgs["coopdeli"], JA)
    for partner in ("コープ共済連", "(株)コープデリ保険センター", "コープデリグループ会員生協"):
        assert answer.count(partner) == 1, answer


@pytest.mark.parametrize("org", ORGS)
def test_the_three_years_for_third_party_records_is_told_as_the_laws_rule(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 4
        窓口: 法律（個人情報保護委員会の規則）では
        窓口: 原則として3年間保存することになっています
        窓口にない: 原則として3年間保存されています
        """
    )


# --- 5. Fees for the request in hand ---------------------------------------------------


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("request_type", ["correction", "suspension", "third_party_stop"])
def test_asked_about_fees_in_a_request_the_law_makes_free_the_answer_is_simply_no_fee(
    desk: Desk, org: str, request_type: str
) -> None:
    answer = published.answer("fees", desk.app.orgs[org], JA, request_type)
    assert answer == "この手続きに、手数料はかかりません。"


@pytest.mark.parametrize("org", ORGS)
def test_asked_about_fees_for_a_disclosure_the_policys_words_are_given(
    desk: Desk, org: str
) -> None:
    profile = desk.app.orgs[org]
    answer = published.answer("fees", profile, JA, "disclosure")
    assert answer == profile.fees.note.ja
    assert "担当者からご案内します" in answer


def test_kyosai_fee_answer_does_not_say_staff_will_explain_the_fee_and_then_that_there_is_none(
    desk: Desk,
) -> None:
    answer = published.answer("fees", desk.app.orgs["seikatsuclub-kyosai"], JA)
    assert "利用目的の通知や開示の手数料についての記載はありません" in answer


def test_a_member_asking_about_fees_inside_a_suspension_hears_there_is_no_fee(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 退会したので私の情報を消してください
        会員: 手数料はかかりますか
        窓口: この手続きに、手数料はかかりません。
        窓口にない: 担当者からご案内します
        """
    )


# --- 6. The question asked, not a neighbouring one ---------------------------------------


@pytest.mark.parametrize("question", ["電話番号は必要なんですか", "委任状には何を書けばいいですか"])
def test_why_a_field_is_asked_or_what_a_document_says_is_not_answered_with_another_faq(
    question: str,
) -> None:
    assert published.question_about(question) is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [("電話番号を教えてください", "contact"), ("代理人でもいいですか", "agents")],
)
def test_asking_for_the_number_or_about_agents_still_gets_the_published_answer(
    question: str, topic: str
) -> None:
    found = published.question_about(question)
    assert found is not None and found.id == topic


def test_asking_to_see_a_mothers_kyosai_records_is_read_as_a_disclosure() -> None:
    assert classify("母の共済の記録を見せてほしいのですが").intent == "disclosure"


def test_coopdeli_member_wanting_to_see_premium_records_is_offered_a_disclosure(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: コープ共済の掛け金の記録を見たいです
        窓口: 開示
        窓口にない: ご注文・お届け・お支払いなどのご用件は
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_asked_when_an_answer_comes_the_desk_gives_its_target_and_the_law_not_the_faq_list(
    desk: Desk, org: str
) -> None:
    days = desk.app.orgs[org].deadlines.default_days
    desk.member(org=org).transcript(
        f"""
        会員: いつまでに返事がもらえますか
        窓口: 受付から{days}日以内を目安にご連絡します
        窓口: 「遅滞なく」
        窓口にない: 知りたいことを選んでください
        """
    )


@pytest.mark.parametrize(
    "complaint",
    [
        "開示の書類は、なぜこんなに遅れたのですか。一言お詫びがあってもよいと思います。",
        "なぜ延びるのですか。もう2週間も待っています",
    ],
)
def test_a_polite_complaint_about_a_delay_reaches_the_case_flagged_as_a_complaint(
    desk: Desk, complaint: str
) -> None:
    member = desk.member(org="coopdeli")
    case = file_request(desk, member, "disclosure")
    desk.clock.advance(days=20)
    member.transcript(
        f"""
        会員: {complaint}
        窓口: 受付番号 {case.number} の担当者と責任者にお伝えしました。
        """
    )
    assert member_messages(desk, case.number) == [complaint]
    assert kinds(desk, case.number)[-2:] == ["member_message", "complaint"]


# --- 7. Free-text steps --------------------------------------------------------------------


def test_an_address_typed_in_zenkaku_is_stored_with_ascii_digits_and_the_members_kanji() -> None:
    assert parse_address("東京都新宿区大久保１－２－３　コーポ１０１").value == (
        "東京都新宿区大久保1-2-3 コーポ101"
    )
    assert parse_address("東京都新宿区大久保１ー２ー３").value == "東京都新宿区大久保1-2-3"


@pytest.mark.parametrize("typed", ["引っ越したので", "結婚したからです", "名前が変わりました"])
def test_a_reason_is_not_taken_as_the_name_of_an_evidence_document(typed: str) -> None:
    assert parse_document_name(typed).error == parsing.ERR_DOCUMENT


@pytest.mark.parametrize("typed", ["住民票", "運転免許証の写し", "マイナンバーカード", "戸籍謄本"])
def test_a_document_name_is_kept_as_typed(typed: str) -> None:
    assert parse_document_name(typed).value == typed


def test_a_reason_typed_at_the_evidence_step_is_refused_and_asked_for_later(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 登録の住所が間違っています
        会員: 訂正
        会員: 住所
        会員: 東京都新宿区大久保1-2-3
        会員: 東京都新宿区百人町4-5-6
        窓口: 正しいことがわかる資料
        会員: 引っ越したので
        窓口: ここには資料の名前（例：住民票）だけをご入力ください
        """
    )
