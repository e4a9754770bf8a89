"""What two member testers found inside a form being filled in (issue 16, point 2 and the
navigation points), as transcripts (会員/窓口): a question at a step is answered or kept for
staff and the step is asked again with its own choices, so a number means one of them;
「前回と同じです」 is not a value; a person an agent acts for may have no phone; the summary
answers questions and takes wishes; a change of mind offers the switch; coming back names the
request; an agent's earlier answers are offered again."""

from __future__ import annotations

import pytest

from tests.conftest import Desk, Member
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]

OWN_DISCLOSURE = """
    会員: 3
    会員: すべて
    会員: ご本人
    会員: 山田 花子
    会員: ヤマダ ハナコ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: 1234-5678
    会員: 郵送
    会員: 160-0022
    会員: 東京都新宿区新宿6-24-20
    窓口: 入力内容をご確認ください
"""

AGENT_UP_TO_THE_PERSON = """
    会員: 3
    会員: すべて
    会員: 任意代理人
    会員: 山田 一郎
    会員: 090-1111-2222
    会員: 長男
    会員: 山田 ハナ
    会員: ヤマダ ハナ
    会員: なし
    会員: 昭和10年1月2日
    窓口: ご登録の電話番号を入力してください
"""


# --- 1. A question at a step: answered, then the same step with its own choices --------


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_asks_why_the_phone_is_needed_is_told_why_and_asked_again(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 電話番号は必要なんですか
        窓口: お電話番号は、ご本人の確認と、担当者からのご連絡に使います。
        窓口: 入力された情報は、このお手続きのためだけに使います。
        窓口: ご登録の電話番号を入力してください
        窓口にない: 担当者と話す
        窓口にない: お尋ねしている内容だけ
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_asks_why_a_name_is_wanted_for_a_question_is_told_it_may_be_left_out(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 個人情報の取り扱いについて質問したい
        会員: 共済の書類はいつ届きますか
        窓口: お名前を入力してください
        会員: 名前は必要なんですか
        窓口: 入力しなくてもかまいません
        窓口: お名前を入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_question_at_the_scope_step_is_kept_for_staff_and_a_number_then_means_a_scope(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: いつまでに返事がもらえますか
        窓口: 14日以内を目安
        窓口: どの情報の開示をご希望ですか
        会員: 住民票が必要なんですか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: どの情報の開示をご希望ですか
        窓口: 1. すべての情報
        窓口: 2. 一部の情報
        窓口にない: 担当者と話す
        窓口にない: いまの手続きを続ける
        会員: 2
        窓口: どの情報、どの期間、どのサービスか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_asking_whether_to_write_a_name_at_the_scope_step_is_told_how_to_answer_it(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: 名前を書けばよいのでしょうか
        窓口: ご自身の言葉で短く入力してください
        窓口: どの情報の開示をご希望ですか
        窓口にない: このご質問は、お申し出といっしょに担当者にお伝えします
        会員: 注文の履歴
        窓口: どなたからのお申し出ですか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_types_1_after_a_question_gets_the_first_scope_not_a_person(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: 住民票が必要なんですか
        会員: 1
        窓口: どなたからのお申し出ですか
        窓口にない: 担当者へのご相談
        """
    )
    summary = member.transcript(OWN_DISCLOSURE.replace("会員: 3\n    会員: すべて\n", ""))
    assert "・開示の範囲：すべての情報" in summary
    assert "・担当者へのご質問・ご要望：住民票が必要なんですか" in summary
    member.says("送信する")
    case = only_case(desk)
    assert case.request_type == "disclosure"
    assert case.fields["scope"] == "all"
    assert case.fields["questions_for_staff"] == ["住民票が必要なんですか"]


@pytest.mark.parametrize("org", ORGS)
def test_a_question_about_the_power_of_attorney_at_the_name_step_is_kept_for_staff(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 委任状には何を書けばいいですか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: お名前（氏名）を入力してください
        窓口にない: お名前をご存じでない
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_wish_to_use_the_registered_address_is_kept_and_the_address_asked_again(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(OWN_DISCLOSURE.split("会員: 160-0022")[0])
    member.transcript(
        """
        会員: 登録してある住所に送ってください
        窓口: ご登録のご住所を見ることができません
        窓口: 送り先の郵便番号を入力してください
        窓口にない: 郵便番号を読み取れませんでした
        """
    )


# --- 2. A reference to an earlier request is not a value --------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_same_as_before_at_the_name_step_offers_the_earlier_answers(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(OWN_DISCLOSURE)
    member.says("送信する")
    member.transcript(
        """
        会員: メニュー
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: 今回も同じ内容を使いますか
        会員: 使わない
        窓口: お名前（氏名）を入力してください
        会員: 前回と同じです
        窓口: 今回も同じ内容を使いますか
        窓口: ・氏名：山田 花子
        会員: はい
        窓口: 前回の内容を使います
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_reference_to_an_earlier_case_at_the_scope_step_is_offered_to_a_person(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: 先日の母の件で、もう一度お聞きしたいことがあります
        窓口: 以前のお申し出についてのご用件でしたら、担当者にお伝えします
        窓口: 担当者と話す
        会員: 2
        窓口: このご要望は、お申し出に書き添えて担当者にお伝えします
        窓口: どの情報の開示をご希望ですか
        """
    )


# --- 3. A represented person with no phone ----------------------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_whose_mother_has_no_phone_can_say_so_and_is_contacted_herself(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(AGENT_UP_TO_THE_PERSON)
    member.transcript(
        """
        会員: 母は施設に入っていて電話はありません
        窓口: ご本人にお電話がないことを承りました
        窓口: 組合員番号または共済契約番号
        会員: わからない
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: ・電話番号：（未入力）
        会員: 送信する
        """
    )
    case = only_case(desk)
    assert case.fields["phone"] == ""
    assert case.fields["agent_phone"] == "090-1111-2222"


# --- 4. The summary screen --------------------------------------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_at_the_summary_a_question_and_a_wish_are_kept_and_the_summary_shown_again(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(OWN_DISCLOSURE)
    member.transcript(
        """
        会員: いつから電話が止まりますか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: 入力内容をご確認ください
        窓口にない: から選んでください
        窓口にない: いまの内容
        会員: 誰かに渡した記録も一緒に見たいです
        窓口: このご要望は、お申し出に書き添えて担当者にお伝えします
        窓口: ・担当者へのご質問・ご要望：いつから電話が止まりますか / 誰かに渡した記録も
        会員: 送信する
        """
    )
    assert only_case(desk).fields["questions_for_staff"] == [
        "いつから電話が止まりますか",
        "誰かに渡した記録も一緒に見たいです",
    ]


@pytest.mark.parametrize("org", ORGS)
def test_yamemasu_at_the_summary_asks_before_stopping(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(OWN_DISCLOSURE)
    member.transcript(
        """
        会員: やめます
        窓口: この手続きをやめますか
        会員: はい
        窓口: 手続きをやめました
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_the_name_is_wrong_at_the_edit_list_picks_the_name(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(OWN_DISCLOSURE)
    member.transcript(
        """
        会員: 修正する
        窓口: 修正する項目を選んでください
        会員: 名前がまちがっています
        窓口: お名前（氏名）を入力してください
        窓口: いまの内容：山田 花子
        """
    )


# --- 5. Changing one's mind mid-form ----------------------------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_a_change_of_mind_in_a_disclosure_offers_the_stop_request_with_the_answers(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(AGENT_UP_TO_THE_PERSON)
    member.transcript(
        """
        会員: やっぱり見るのではなくて、母の情報を使うのをやめてほしいです
        窓口: 「利用停止・消去」のお手続きに切り替えますか
        窓口にない: この手続きをやめますか
        会員: 1
        窓口: ・代理人のお名前：山田 一郎
        窓口: ・氏名：山田 ハナ
        窓口にない: 手続きをやめました
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_change_of_mind_declined_keeps_the_words_and_asks_the_step_once(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(AGENT_UP_TO_THE_PERSON)
    reply = member.transcript(
        """
        会員: やっぱり見るのではなくて、母の情報を使うのをやめてほしいです
        会員: いまの手続きを続ける
        窓口: このご要望は、お申し出に書き添えて担当者にお伝えします
        窓口: ご登録の電話番号を入力してください
        """
    )
    assert reply.count("ご登録の電話番号を入力してください") == 1


@pytest.mark.parametrize("org", ORGS)
def test_saying_disclosure_after_all_in_another_form_offers_the_switch(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 5
        会員: やっぱり開示にします。母の記録を全部見たいです
        窓口: 「開示」のお手続きに切り替えますか
        窓口にない: 手続きをやめました
        """
    )


# --- 6. Coming back to a half-filled form -----------------------------------------------


def agent_half_filled(member: Member) -> None:
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        会員: 山田 一郎
        窓口: 代理人の方（ご自身）の電話番号を入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_coming_back_soon_names_the_request_whose_it_is_and_the_answers_kept(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    agent_half_filled(member)
    desk.clock.advance(minutes=5)
    resumed = member.start()
    assert "前回の続きから再開します。" in resumed
    assert "「開示」のお申し出（代理人として）：入力済みの内容は3件です。" in resumed
    assert "代理人の方（ご自身）の電話番号を入力してください" in resumed


@pytest.mark.parametrize("org", ORGS)
def test_coming_back_a_day_later_names_whose_request_it_is(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    agent_half_filled(member)
    desk.clock.advance(days=1)
    resumed = member.start()
    assert "入力の途中のお申し出があります：開示" in resumed
    assert "「開示」のお申し出（代理人として）：入力済みの内容は3件です。" in resumed


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_left_at_a_switch_offer_at_the_first_step_comes_back_to_it(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: 訂正したいです
        窓口: 「訂正・追加・削除」のお手続きに切り替えますか
        """
    )
    desk.clock.advance(minutes=5)
    resumed = member.start()
    assert "「訂正・追加・削除」のお手続きに切り替えますか" in resumed
    assert "ご用件を選んでください" not in resumed
    member.transcript(
        """
        会員: 1
        窓口: 訂正
        窓口にない: いま手続き中のものはありません
        """
    )


def test_back_at_the_resume_prompt_goes_back_to_the_form_and_drops_nothing(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 母の代わりに開示請求したい
        窓口: どの情報の開示をご希望ですか
        """
    )
    desk.clock.advance(days=1)
    member.start()
    member.transcript(
        """
        会員: 戻る
        窓口: どの情報の開示をご希望ですか
        窓口にない: ご用件を選んでください
        """
    )


# --- 7. An agent's earlier answers are offered again -------------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_is_offered_her_mothers_details_again_on_a_second_request(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(AGENT_UP_TO_THE_PERSON)
    member.transcript(
        """
        会員: 03-1234-5678
        会員: わからない
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        会員: 送信する
        窓口: お申し出を受け付けました
        会員: メニュー
        会員: 3
        会員: すべて
        会員: 任意代理人
        窓口: 代理人として入力された、ご本人（代理される方）とご自身の内容です
        窓口: ・代理人のお名前：山田 一郎
        会員: はい
        窓口: 代理人として入力された、ご本人（代理される方）とご自身の内容です
        窓口: ・氏名：山田 ハナ
        窓口: ・電話番号：03-1234-5678
        会員: はい
        窓口: 前回の内容を使います
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_greeting_on_coming_back_to_a_free_text_step_is_not_stored_as_the_answer(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 5
        会員: 1
        窓口: どの項目についてですか
        """
    )
    desk.clock.advance(minutes=5)
    member.transcript(
        """
        会員: こんにちは。先日の続きをお願いします
        窓口: ご連絡ありがとうございます。お手続きの続きをお願いいたします。
        窓口: どの項目についてですか
        会員: 住所
        """
    )
    summary = member.says("1")
    assert "こんにちは" not in summary


@pytest.mark.parametrize("org", ORGS)
def test_a_greeting_on_coming_back_to_the_name_step_is_thanked_not_refused_as_a_bad_name(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        """
    )
    desk.clock.advance(minutes=5)
    member.transcript(
        """
        会員: こんにちは。先日の続きをお願いします
        窓口: ご連絡ありがとうございます。お手続きの続きをお願いいたします。
        窓口: お名前（氏名）を入力してください
        窓口にない: 数字や記号
        """
    )
