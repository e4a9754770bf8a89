"""Questions get answers (issue 16, points 2 and 3): transcripts of 会員 and 窓口.

What the co-op publishes is answered from its profile before any formal request is offered;
a question typed where a value is expected is answered and the question asked again.
"""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]

# --- Point 3: what is published is answered ------------------------------------------


def test_coopdeli_asked_what_the_data_is_for_lists_its_purposes_then_offers_the_formal_request(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 何のために使っているの？
        窓口: コープデリの利用目的は次のとおりです
        窓口: ・出資金、組合員名簿の管理
        窓口: ・法令に基づく対応
        窓口: 正式に「利用目的の通知」をご請求いただくこともできます
        窓口: 自分の情報を何に使っているか知りたい（利用目的の通知）
        窓口: 担当者と話す
        窓口にない: 手続きです
        窓口にない: 手数料
        """
    )
    assert desk.app.cases.list_unaudited() == []
    member.transcript(
        """
        会員: 1
        窓口: 利用目的
        窓口: どの情報、またはどのサービスについての通知をご希望ですか
        """
    )


@pytest.mark.parametrize(
    "asked",
    ["私の情報を何に使っているのか知りたいのです", "だれに渡しているのか知りたいんですが"],
)
def test_wanting_to_know_said_as_a_statement_is_a_question_answered_not_a_formal_request(
    desk: Desk, asked: str
) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        会員: {asked}
        窓口: 正式に
        窓口にない: どの情報、またはどのサービスについての通知をご希望ですか
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_kyosai_asked_what_the_data_is_for_lists_its_purposes_without_a_request(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 私の情報は何に使っているのですか
        窓口: 生活クラブ共済連の利用目的は次のとおりです
        窓口: ・組合員基礎データ管理
        窓口: ・生活クラブグループの活動紹介
        窓口: 正式に「利用目的の通知」をご請求いただくこともできます
        窓口にない: どの情報、またはどのサービスについての通知をご希望ですか
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_coopdeli_asked_who_gets_the_data_names_its_joint_use_partners(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 誰に渡しているの
        窓口: 原則として、ご本人の同意なしに
        窓口: コープ共済連
        窓口: (株)コープデリ保険センター
        窓口: 正式に「第三者提供記録の開示」をご請求いただくこともできます
        窓口にない: いつからいつまでの記録をご希望ですか
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_kyosai_asked_who_gets_the_data_lists_its_exceptions(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 私の情報をほかの会社に渡しているのですか？
        窓口: 仕事の一部を任せている先（業務委託先）に必要な範囲で渡す場合
        窓口: 正式に「第三者提供記録の開示」をご請求いただくこともできます
        """
    )


def test_kyosai_asked_for_its_representative_points_to_the_page_the_policy_names(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 代表者は誰ですか
        窓口: https://seikatsuclub-kyosai.coop/about/organization/
        窓口: 「生活クラブ共済事業連合生活協同組合連合会理事会」の名で定められています
        窓口: ほかにご不明な点があれば、担当者がお答えします
        """
    )


def test_coopdeli_asked_for_its_representative_says_it_is_not_published(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 代表者を教えてください
        窓口: 代表者の氏名は記載されていません
        窓口: 担当者と話す
        """
    )


def test_kyosai_asked_what_data_it_holds_lists_the_kinds_its_policy_names(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: どんな情報を持っているのですか
        窓口: 取得する個人情報の種類を次のとおりとしています
        窓口: ・性別
        窓口: ・その他共済契約および団体保険契約の締結や共済金のお支払いに必要な情報
        窓口: ・生活クラブ共済連ホームページなどに登録されたメールアドレス
        窓口: 正式に「開示」をご請求いただくこともできます
        """
    )


def test_coopdeli_asked_what_data_it_holds_says_its_policy_does_not_say(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: どんな情報を持っているのですか
        窓口: 取得する個人情報の種類は記載されていません。担当者からご説明します
        窓口: 正式に「開示」をご請求いただくこともできます
        """
    )


def test_kyosai_asked_for_a_phone_number_gives_the_numbers_its_policy_gives(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 電話番号を教えてください
        窓口: 03-5285-1865
        窓口: 〒160-0022
        """
    )


def test_coopdeli_asked_about_fees_and_agents_answers_from_its_policy(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 手数料はかかりますか？
        窓口: 実費相当分の手数料をいただく場合があります
        会員: 代理人でもいいですか
        窓口: 委任者署名捺印の委任状
        会員: どうやって申し込むのですか
        窓口: メニューから選ぶと、必要なことを順番に伺います
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_a_question_in_the_inquiry_topics_is_answered_and_other_asks_for_the_question(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: 1
        窓口: どんな個人情報を取得しているか
        窓口: 代表者
        会員: 何のために使っているの？
        窓口: コープデリの利用目的は次のとおりです
        窓口: 正式に「利用目的の通知」
        会員: 1
        会員: メニュー
        会員: 1
        会員: その他
        窓口: ご質問を入力してください
        会員: 職員の研修について知りたいのですが
        窓口: お名前を入力してください
        会員: 入力しない
        窓口: お申し出を受け付けました
        """
    )
    assert only_case(desk).fields["question"] == "職員の研修について知りたいのですが"


# --- Point 2: a question is never an answer ------------------------------------------

TO_THE_NAME = """
    会員: 3
    会員: すべて
    会員: ご本人
    窓口: お名前（氏名）を入力してください
"""


@pytest.mark.parametrize("org", ORGS)
def test_asking_if_an_agent_may_apply_at_the_name_step_is_answered_and_the_name_asked_again(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {TO_THE_NAME}
        会員: 代理人でもいいですか
        窓口: 法定代理人
        窓口: お名前（氏名）を入力してください
        窓口にない: フリガナ
        会員: 山田 花子
        窓口: フリガナ
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_bare_tantousha_at_the_name_step_offers_a_person_and_is_not_a_name(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {TO_THE_NAME}
        会員: 担当者
        窓口: 「担当者へのご相談」のお手続きに切り替えますか
        窓口にない: フリガナ
        会員: いまの手続きを続ける
        窓口: お名前（氏名）を入力してください
        会員: 山田 花子
        窓口: フリガナ
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_birth_date_said_as_a_sentence_is_taken_and_a_plea_for_help_at_the_number_is_not(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        {TO_THE_NAME}
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        窓口: 生年月日
        会員: 昭和15年3月3日生まれです
        窓口: 電話番号
        会員: 03-5285-1865
        窓口: 組合員番号
        会員: 会員番号がわからないのですが
        窓口: お分かりにならなければ「わからない・なし」を選んでください
        窓口: 組合員番号
        会員: どこに書いてありますか
        窓口: 組合員番号
        会員: わからない
        会員: メール
        会員: hanako@example.jp
        窓口: 生年月日：昭和15年3月3日（1940年）
        窓口にない: 組合員番号・共済契約番号：会員番号
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_at_a_free_text_step_a_plea_for_help_is_helped_and_a_description_is_taken(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 5
        会員: 訂正
        会員: 住所
        窓口: いま登録されている、誤った内容を入力してください
        会員: 何を書けばいいですか
        窓口: 「いまの（誤った）内容」について、ご自身の言葉で短く入力してください
        窓口: いま登録されている、誤った内容を入力してください
        会員: 引っ越す前の住所のままになっているのですが、直してもらえますか
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: 「このまま入力」と入力してください
        窓口: いま登録されている、誤った内容を入力してください
        会員: このまま入力
        窓口: 正しい内容を入力してください
        会員: 東京都新宿区新宿6-24-20に引っ越しました
        窓口: 正しいことがわかる資料
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_request_put_politely_as_a_question_still_starts_the_request(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 第三者提供を止めてほしいのですが
        窓口: どこへの提供の停止をご希望ですか
        窓口にない: 次の場合を除いて
        """
    )


def test_kyosai_asked_about_joint_use_says_its_policy_names_no_partner(desk: Desk) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 共同利用って何ですか
        窓口: 生活クラブグループの組織による共同利用です
        窓口: 共同利用する組織の名称は、プライバシーポリシーには記載されていません
        窓口: ほかにご不明な点があれば、担当者がお答えします
        """
    )
    assert desk.app.cases.list_unaudited() == []


def test_coopdeli_asked_where_to_apply_names_its_offices_and_no_phone(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        """
        会員: どこに申し込めばいいですか
        窓口: 宅配センターや店舗など生協の事業所
        窓口にない: 03-
        """
    )


def test_asking_about_the_fee_on_the_confirmation_screen_answers_and_sends_nothing(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        {TO_THE_NAME}
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 03-5285-1865
        会員: わからない
        会員: メール
        会員: hanako@example.jp
        窓口: 入力内容をご確認ください
        会員: 手数料はかかりますか？
        窓口: 実費相当分の手数料をいただく場合があります
        窓口: 入力内容をご確認ください
        窓口にない: お申し出を受け付けました
        """
    )
    assert desk.app.cases.list_unaudited() == []
