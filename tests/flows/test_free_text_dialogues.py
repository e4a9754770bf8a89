"""Members who type instead of pressing buttons: transcripts of 会員 and 窓口."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Desk
from tests.flows.answers import file_a_complaint, only_case


def test_leaving_and_asking_to_erase_starts_erasure_with_the_ground_filled_in(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 退会したので私の情報消して
        窓口: 組合員さまの情報を使うのをやめること（利用停止）
        窓口: または消すこと（消去）を、ご請求いただく手続きです
        窓口: ・希望する対応：消す（消去）
        窓口: ・理由：もう使う必要がない
        窓口: どの情報、またはどの使い方の停止をご希望ですか
        窓口にない: 希望する対応を選んでください
        """
    )


def test_no_more_dm_starts_consent_withdrawal_with_paper_dm_chosen(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: DMもう要らない
        窓口: DM・電話・メールなどの広告やご案内を止める手続きです
        窓口: ・止める広告・ご案内：紙のDM・カタログ
        窓口: 止める範囲を選んでください
        """
    )


def test_disclosure_typed_in_kana_starts_disclosure(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: かいじせいきゅうしたい
        窓口: 開示（内容をお知らせすること）をご請求いただく手続きです
        窓口: どの情報の開示をご希望ですか
        """
    )


def test_acting_for_a_mother_shows_the_menu_then_fills_in_the_agent(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 母の代わりに申し込みたい
        窓口: ご家族などの代わりのお申し出ですね
        窓口: ご用件を選んでください
        会員: 3
        窓口: ・請求する方：任意代理人（ご本人から頼まれた方）
        窓口: ・ご本人との続柄：子（息子・娘）
        窓口: 委任者署名捺印の委任状
        窓口: どの情報の開示をご希望ですか
        会員: すべて
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """
    )


def test_a_guardian_is_not_asked_again_what_kind_of_agent(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 後見人です。本人の情報の開示をお願いします
        窓口: ・法定代理人の種類：成年後見人
        窓口: 必要な書類と送り方は、担当者からご案内します
        """
    )


def test_an_unsure_message_offers_candidates_and_a_person(desk: Desk) -> None:
    reply = desk.member(org="coopdeli").transcript(
        """
        会員: 情報のことで
        窓口: 次のどれにあたりますか
        窓口: 担当者と話す
        窓口: メニューから選ぶ
        """
    )
    assert reply.count("\n  ") >= 3  # at least one candidate besides the two fixed choices


def test_a_candidate_chosen_from_an_unsure_message_starts_that_flow(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    reply = member.says("情報のことで")
    candidates = [line.split(". ", 1)[1] for line in reply.splitlines() if line.startswith("  ")]
    erase = candidates.index("自分の情報を使うのをやめてほしい・消してほしい（利用停止・消去）")
    assert "消すこと（消去）を、ご請求いただく手続きです" in member.says(str(erase + 1))


def test_a_late_delivery_is_pointed_to_the_usual_desk_with_a_person_offered(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 注文した野菜がまだ届かない
        窓口: この窓口では、個人情報についてのお申し出とご質問を受け付けています
        窓口: 宅配センターや店舗など、ふだんご利用の生協の事業所におたずねください
        窓口: 担当者と話す
        会員: 担当者と話す
        窓口: 担当者におつなぎします
        """
    )


def test_a_first_message_naming_the_org_needs_no_org_question(desk: Desk) -> None:
    desk.member().transcript(
        """
        会員: コープデリのDMを止めたい
        窓口: コープデリの個人情報の窓口です
        窓口: ・止める広告・ご案内：紙のDM・カタログ
        """
    )


def test_a_request_before_the_org_is_known_is_kept_until_the_org_is_chosen(desk: Desk) -> None:
    desk.member().transcript(
        """
        会員: 勧誘の電話をやめてほしい
        窓口: ご用件は、生協を選んだあとに続けて伺います
        窓口: ご利用の生協を選んでください
        会員: 生活クラブ共済連
        窓口: ・止める広告・ご案内：電話でのご案内
        """
    )


def test_saying_stop_at_a_name_step_asks_before_cancelling_and_keeps_answers(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 開示してほしい
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: やっぱりやめます
        窓口: この手続きをやめますか
        会員: いいえ、続けます
        窓口: お名前（氏名）を入力してください
        会員: 山田 花子
        窓口: フリガナ
        """
    )


def test_typing_another_request_at_a_choice_offers_to_switch_and_keeps_the_name(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        会員: やまだ はなこ
        会員: なし
        会員: 昭和50年1月2日
        会員: 090-1234-5678
        会員: わからない
        窓口: 開示の方法を選んでください
        会員: やっぱりDMを止めてほしい
        窓口: 「同意の撤回・広告等の停止」のお手続きに切り替えますか
        会員: 1
        窓口: ・止める広告・ご案内：紙のDM・カタログ
        窓口: 止める範囲を選んでください
        会員: すべて
        会員: ご本人
        窓口: 入力内容をご確認ください
        窓口: 氏名：山田 花子
        """
    )


def test_declining_a_switch_returns_to_the_same_question(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: 他の会社に私の情報を渡さないで
        窓口: 切り替えますか
        会員: いまの手続きを続ける
        窓口: どなたからのお申し出ですか
        """
    )


def test_a_case_number_alone_shows_the_status(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    number = only_case(desk).number
    assert f"{number}" in member.says(number.replace("-", "－"))


def test_withdrawing_a_request_from_the_chat_is_confirmed_and_recorded_as_withdrawn(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    member.transcript(
        f"""
        会員: 申し込みを取り下げたい
        窓口: 受付番号 {case.number}（担当者へのご相談、2026年11月22日(日)受付）
        窓口: このお申し出を取り下げますか
        会員: 1
        窓口: 受付番号 {case.number} のお申し出を取り下げました。担当者にもお伝えしました。
        """
    )
    detail = desk.app.cases.detail_unaudited(case.number)
    assert detail.case.status == "withdrawn"
    assert [(e.actor, e.data) for e in detail.events if e.kind == "withdrawn"] == [
        ("member", {"source": "chat", "text": "申し込みを取り下げたい"})
    ]


def test_cancelling_with_nothing_in_progress_says_so(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: キャンセルしたいです
        窓口: いま手続き中のものはありません
        """
    )


def test_english_free_text_is_understood_too(desk: Desk) -> None:
    desk.member(org="coopdeli", lang="en").transcript(
        """
        会員: Please stop sending me catalogues
        窓口: Direct mail and catalogues on paper
        """
    )


def test_typing_just_the_org_name_greets_without_a_misunderstanding(desk: Desk) -> None:
    desk.member().transcript(
        """
        会員: 生活クラブ共済連です
        窓口: 生活クラブ共済連の個人情報の窓口です
        窓口: ご用件を選んでください
        窓口にない: 読み取れませんでした
        """
    )


def test_english_typed_in_a_japanese_conversation_gets_a_hint_in_english(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: Please delete my personal data
        窓口: To see this in English, type “English”.
        窓口: 消すこと（消去）を、ご請求いただく手続きです
        会員: English
        窓口: Which information, or which use of it, should we stop?
        """
    )


def test_asking_for_a_person_at_the_name_step_is_not_taken_for_a_name(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: 担当者と話したい
        窓口: 「担当者へのご相談」のお手続きに切り替えますか
        """
    )


# --- Answers are answers, questions are questions (issue 16, point 2) -----------------

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
UP_TO_THE_PHONE = """
    会員: 3
    会員: すべて
    会員: ご本人
    会員: 山田 花子
    会員: やまだ はなこ
    会員: なし
    会員: 昭和50年1月2日
    窓口: 電話番号
"""


@pytest.mark.parametrize("org", ORGS)
def test_a_phone_number_in_a_sentence_is_taken_as_the_phone_number(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        f"""
        {UP_TO_THE_PHONE}
        会員: 電話は03-5285-1865です
        窓口にない: 切り替えますか
        窓口: 組合員番号
        会員: わからない
        会員: メール
        会員: hanako@example.jp
        窓口: 入力内容をご確認ください
        窓口: 電話番号：03-5285-1865
        """
    )


@pytest.mark.parametrize(
    "address",
    [
        "東京都新宿区新宿6-24-20（住所変更はしていません）",
        "東京都新宿区新宿6-24-20 停止線前",
        "東京都新宿区新宿6-24-20 訂正印の店",
    ],
)
@pytest.mark.parametrize("org", ORGS)
def test_an_address_with_request_words_in_it_is_taken_as_the_address(
    desk: Desk, org: str, address: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {UP_TO_THE_PHONE}
        会員: 03-5285-1865
        会員: わからない
        会員: 郵送
        窓口: 郵便番号
        会員: 160-0022
        窓口: 送り先のご住所
        会員: {address}
        窓口にない: 切り替えますか
        窓口: 入力内容をご確認ください
        窓口: 住所：{address}
        """
    )


def test_continuing_after_a_switch_offer_does_not_lose_what_was_typed(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        {UP_TO_THE_PHONE}
        会員: 担当者と話したい
        窓口: 「担当者へのご相談」のお手続きに切り替えますか
        会員: いまの手続きを続ける
        窓口: 続けます
        窓口: このご要望は、お申し出に書き添えて担当者にお伝えします
        窓口: 電話番号
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_question_at_the_name_step_is_kept_for_staff_and_never_stored(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: 今日中に終わりますか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: お名前（氏名）を入力してください
        窓口にない: フリガナ
        窓口にない: 担当者と話す
        会員: 山田 花子
        窓口: お名前のフリガナを入力してください
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 090-1234-5678
        会員: 1234-5678
        会員: メール
        会員: hanako@example.jp
        窓口: ・氏名：山田 花子
        窓口: ・担当者へのご質問・ご要望：今日中に終わりますか
        会員: 送信する
        """
    )
    case = only_case(desk)
    assert case.request_type == "disclosure"
    assert case.fields["name"] == "山田 花子"
    assert case.fields["questions_for_staff"] == ["今日中に終わりますか"]
    assert ["担当者へのご質問・ご要望", "今日中に終わりますか"] in case.summary


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "typed", ["わかりません", "分からない", "不明", "名前は教えたくありません"]
)
def test_not_knowing_or_a_sentence_is_never_stored_as_a_name(
    desk: Desk, org: str, typed: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: {typed}
        窓口: お名前（氏名）を入力してください
        窓口にない: フリガナ
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_name_typed_with_desu_is_stored_without_it(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田花子です
        窓口: フリガナ
        会員: やまだはなこと申します
        窓口: 旧姓
        会員: なし
        会員: 昭和50年1月2日
        会員: 03-5285-1865
        会員: わからない
        会員: メール
        会員: hanako@example.jp
        窓口: 氏名：山田花子
        窓口: フリガナ：ヤマダハナコ
        窓口にない: 山田花子です
        窓口にない: 申します
        """
    )


_CHATS = itertools.count()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    x=st.text(
        alphabet=st.sampled_from("山田花子代理人家族あいうえおやまだ"), min_size=1, max_size=8
    ),
    template=st.sampled_from(
        ["{x}ですか？", "{x}でもいいですか", "{x}でしょうか", "わかりません", "分からない", "不明"]
    ),
)
def test_no_question_typed_at_the_name_step_is_ever_stored_as_the_name(
    desk: Desk, x: str, template: str
) -> None:
    member = desk.member(chat_id=f"asker-{next(_CHATS)}", org="coopdeli")
    for answer in ("3", "すべて", "ご本人"):
        member.says(answer)
    reply = member.says(template.format(x=x))
    assert "フリガナ" not in reply, reply
    assert "お名前（氏名）を入力してください" in reply or "担当者にお伝えしますか" in reply, reply


def test_asking_for_a_person_in_english_at_the_name_step_is_not_taken_for_a_name(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli", lang="en")
    for answer in ("3", "all", "myself"):
        member.says(answer)
    reply = member.says("I want to talk to a person")
    assert "switch to “Talking to a staff member”" in reply
    assert "furigana" not in reply.lower()


@pytest.mark.parametrize("org", ["seikatsuclub-kyosai", "coopdeli"])
def test_asking_politely_for_a_mothers_disclosure_starts_it_with_the_agent_filled_in(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 母の代わりに、母の情報の開示をお願いしたいのですが
        窓口: ・請求する方：任意代理人（ご本人から頼まれた方）
        窓口: どの情報の開示をご希望ですか
        窓口にない: ほかにご不明な点があれば、担当者がお答えします
        """
    )


@pytest.mark.parametrize("org", ["seikatsuclub-kyosai", "coopdeli"])
def test_wanting_a_correction_politely_starts_the_correction_not_a_status_question(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 私の情報の訂正をお願いしたいです
        窓口: 誤りを直すこと（訂正・追加・削除）を、ご請求いただく手続きです
        窓口にない: 次のどれにあたりますか
        """
    )
