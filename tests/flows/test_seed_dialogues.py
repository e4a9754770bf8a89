"""Only what the seeds say: transcripts of members of both co-ops (会員) and the desk (窓口).

Where a policy is silent (生活クラブ共済連 on fees and on agents' documents) the desk says the
point is not published and staff will explain; コープデリ's rules are told in its own words.
"""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case

KYOSAI = "seikatsuclub-kyosai"
COOPDELI = "coopdeli"

IDENTITY = """
    会員: ご本人
    会員: 山田 花子
    会員: やまだ はなこ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: わからない
"""

# ---------------------------------------------------------------- fees


def test_a_kyosai_member_asking_about_fees_hears_they_are_not_published(desk: Desk) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 1
        会員: 手数料
        窓口: 生活クラブ共済連のプライバシーポリシーには、
        窓口: 利用目的の通知や開示の手数料についての記載はありません
        窓口: 手数料がかかるかどうかは、担当者からご案内します
        窓口にない: 手数料を定めていません
        窓口にない: お申し出に手数料はかかりません
        """
    )


def test_a_coopdeli_member_asking_about_fees_hears_the_policys_own_words(desk: Desk) -> None:
    desk.member(org=COOPDELI).transcript(
        """
        会員: 1
        会員: 手数料
        窓口: 「利用目的の通知および開示につきましては、実費相当分の手数料をいただく場合があります」
        窓口: 金額は記載されていないため、担当者からご案内します
        窓口にない: 第三者提供記録の開示を含む
        窓口にない: 円
        """
    )


# ---------------------------------------------------------------- agents' documents


def test_a_kyosai_member_asking_about_agents_hears_no_documents_are_published(
    desk: Desk,
) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 1
        会員: 代理人によるお申し出
        窓口: 代理人によるお申し出や、そのときに必要な書類についての記載はありません
        窓口: 必要な書類は、担当者からご案内します
        窓口にない: 委任状
        窓口にない: 戸籍謄本
        窓口にない: 登記事項証明書
        窓口にない: 本人確認書類が必要
        """
    )


def test_an_appointed_agent_at_kyosai_is_not_told_of_a_letter_its_policy_never_names(
    desk: Desk,
) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        窓口: 代理人のお申し出に必要な書類の記載はありません
        窓口: 必要な書類と送り方は、担当者からご案内します
        窓口にない: 委任状
        窓口にない: 本人確認書類が必要
        """
    )


def test_a_parent_at_kyosai_is_not_told_of_a_family_register_its_policy_never_names(
    desk: Desk,
) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 3
        会員: すべて
        会員: 法定代理人
        会員: 親権者
        窓口: 代理人のお申し出に必要な書類の記載はありません
        窓口にない: 戸籍謄本
        窓口にない: 住民票
        """
    )


def test_a_coopdeli_member_asking_about_agents_hears_the_signed_and_sealed_letter_quoted(
    desk: Desk,
) -> None:
    desk.member(org=COOPDELI).transcript(
        """
        会員: 1
        会員: 代理人によるお申し出
        窓口: 「ご請求者が代理人の場合は、委任者署名捺印の委任状が必要となります」
        窓口: 法定代理人の場合に必要な書類は、担当者からご案内します
        窓口にない: 戸籍謄本
        窓口にない: 登記事項証明書
        窓口にない: 本人確認書類が必要
        """
    )


def test_a_parent_at_coopdeli_hears_the_policys_rule_and_no_invented_documents(
    desk: Desk,
) -> None:
    desk.member(org=COOPDELI).transcript(
        """
        会員: 3
        会員: すべて
        会員: 法定代理人
        会員: 親権者
        窓口: 「ご請求者が代理人の場合は、委任者署名捺印の委任状が必要となります」
        窓口: 親権者や成年後見人の方に必要な書類と送り方は、担当者からご案内します
        窓口にない: 戸籍謄本
        窓口にない: 住民票
        """
    )


# ---------------------------------------------------------------- contact and hours


def test_kyosai_hours_are_given_only_beside_the_number_they_belong_to(desk: Desk) -> None:
    reply = desk.member(org=KYOSAI).transcript(
        """
        会員: 1
        会員: 問い合わせ先と受付時間
        窓口: お問い合わせ：03-5285-1874（受付時間：平日9:00〜17:00）
        """
    )
    answer = reply.split("ほかに知りたいことはありますか")[0]
    personal_data_line = next(line for line in answer.splitlines() if "03-5285-1865" in line)
    assert personal_data_line == "個人情報の取扱いに関する問合せ相談：03-5285-1865"
    assert "受付時間：平日" not in personal_data_line
    # The personal-data line's hours are not published, and the member is told so.
    assert (
        "「個人情報の取扱いに関する問合せ相談」の受付時間は、プライバシーポリシーに記載されていません。"
        in answer
    )


def test_coopdeli_contact_names_its_offices_and_no_hours(desk: Desk) -> None:
    desk.member(org=COOPDELI).transcript(
        """
        会員: 1
        会員: 問い合わせ先と受付時間
        窓口: 宅配センターや店舗など生協の事業所
        窓口: 受付時間は、プライバシーポリシーに記載されていません
        窓口にない: 受付時間：
        窓口にない: 03-
        """
    )


# ---------------------------------------------------------------- answer methods


def test_kyosai_offers_no_pick_up_counter_for_a_disclosure(desk: Desk) -> None:
    desk.member(org=KYOSAI).transcript(
        f"""
        会員: 3
        会員: すべて
        {IDENTITY}
        窓口: 開示の方法を選んでください
        窓口: 書面を郵送で受け取る
        窓口にない: 窓口で受け取る
        会員: 窓口
        窓口: 表示された番号か、選択肢の言葉でお選びください
        会員: メール
        会員: hanako@example.jp
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    assert only_case(desk).fields["method"] == "email"


def test_coopdeli_offers_its_own_counters_for_a_disclosure(desk: Desk) -> None:
    desk.member(org=COOPDELI).transcript(
        f"""
        会員: 3
        会員: すべて
        {IDENTITY}
        窓口: 窓口（宅配センター・店舗）で受け取る
        会員: 窓口
        窓口: 開示の方法：窓口（宅配センター・店舗）で受け取る
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    assert only_case(desk).fields["method"] == "in_person"


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_the_receipt_does_not_promise_an_identity_check_method_no_policy_states(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 2
        会員: すべて
        {IDENTITY}
        会員: チャット
        会員: 送信する
        窓口: ご本人確認をしてから手続きを進めます
        窓口: 確認の方法は、担当者からご案内します
        窓口にない: ご登録の電話番号へのお電話
        """
    )


@pytest.mark.parametrize("org", [KYOSAI, COOPDELI])
def test_how_to_apply_gives_the_desks_own_target_not_a_published_promise(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 1
        会員: 開示などのお申し出の方法
        窓口: この窓口では、受付から14日以内を目安にご連絡します
        窓口にない: ふつう2週間以内
        """
    )


# ---------------------------------------------------------------- business of other bodies


def test_a_late_delivery_at_kyosai_goes_to_the_members_own_coop_without_a_number(
    desk: Desk,
) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 注文した野菜がまだ届かない
        窓口: この窓口では、個人情報についてのお申し出とご質問を受け付けています
        窓口: ご注文やお届けなどのご用件は、ご加入の生協におたずねください
        窓口にない: 03-5285
        窓口にない: 生活クラブ共済連のふだんの窓口
        窓口: 担当者と話す
        """
    )


def test_a_kyosai_claim_question_goes_to_the_federations_enquiry_number(desk: Desk) -> None:
    desk.member(org=KYOSAI).transcript(
        """
        会員: 共済金の支払いはいつですか
        窓口: 共済金や掛金のことは、生活クラブ共済連のお問い合わせ窓口におたずねください
        窓口: お問い合わせ：03-5285-1874（受付時間：平日9:00〜17:00）
        """
    )


def test_a_late_delivery_said_before_the_org_is_known_goes_where_the_chosen_org_says(
    desk: Desk,
) -> None:
    desk.member().transcript(
        """
        会員: 生活クラブの配達が遅れています
        窓口: 「生活クラブ」という言葉は、いくつかの団体の名前に使われています
        窓口: ご用件は、生協を選んだあとに続けて伺います
        会員: 生活クラブ共済連
        窓口: ご注文やお届けなどのご用件は、ご加入の生協におたずねください
        窓口にない: 03-5285
        """
    )


def test_a_late_delivery_at_coopdeli_goes_to_its_delivery_centres_and_stores(
    desk: Desk,
) -> None:
    desk.member(org=COOPDELI).transcript(
        """
        会員: 注文した野菜がまだ届かない
        窓口: 宅配センターや店舗など、ふだんご利用の生協の事業所におたずねください
        窓口にない: コープデリのふだんの窓口
        """
    )


# ---------------------------------------------------------------- which org


def test_kyosai_alone_is_asked_of_a_member_who_says_only_kyosai_with_both_served(
    desk: Desk,
) -> None:
    member = desk.member()
    member.transcript(
        """
        会員: 共済の情報を見たい
        窓口: 「共済」という言葉は、いくつかの団体の名前に使われています
        窓口: ご利用の生協を選んでください
        窓口にない: 生活クラブ共済連の個人情報の窓口です
        会員: コープデリ
        窓口: コープデリの個人情報の窓口です
        窓口: 開示（内容をお知らせすること）をご請求いただく手続きです
        """
    )


def test_a_seikatsu_club_coop_member_is_told_it_is_a_different_body_and_asked(
    desk: Desk,
) -> None:
    desk.member().transcript(
        """
        会員: 生活クラブ生協のDMを止めたい
        窓口: 生活クラブ生協は、生活クラブ共済連とは別の団体です
        窓口: ご加入の生活クラブ生協におたずねください
        窓口: ご利用の生協を選んでください
        窓口にない: 生活クラブ共済連の個人情報の窓口です
        会員: 生活クラブ共済連
        窓口: 生活クラブ共済連の個人情報の窓口です
        窓口: ・止める広告・ご案内：紙のDM・カタログ
        """
    )


def test_seikatsu_club_alone_does_not_pick_the_federation(desk: Desk) -> None:
    desk.member().transcript(
        """
        会員: 生活クラブです
        窓口: 「生活クラブ」という言葉は、いくつかの団体の名前に使われています
        窓口: ご利用の生協を選んでください
        窓口にない: 生活クラブ共済連の個人情報の窓口です
        """
    )


def test_coop_kyosai_federation_is_told_apart_from_coopdeli_and_asked(desk: Desk) -> None:
    member = desk.member()
    member.transcript(
        """
        会員: コープ共済連の契約の情報を見たい
        窓口: コープ共済連は、コープデリとは別の団体です
        窓口: ご利用の生協を選んでください
        窓口にない: 個人情報の窓口です
        会員: 2
        窓口: コープデリの個人情報の窓口です
        """
    )


def test_each_org_is_still_picked_by_its_own_name_with_both_served(desk: Desk) -> None:
    desk.member(chat_id="a").transcript(
        """
        会員: 生活クラブ共済連のDMを止めたい
        窓口: 生活クラブ共済連の個人情報の窓口です
        """
    )
    desk.member(chat_id="b").transcript(
        """
        会員: コープデリの共済のDMを止めたい
        窓口: コープデリの個人情報の窓口です
        """
    )


def test_an_english_reader_gets_the_same_facts_without_japanese_punctuation(
    desk: Desk,
) -> None:
    kyosai = desk.member(chat_id="a", org=KYOSAI, lang="en").transcript(
        """
        会員: 1
        会員: contact
        窓口: General enquiries: 03-5285-1874 (opening hours: Weekdays, 9:00 to 17:00)
        窓口: Questions and advice about the handling of personal information: 03-5285-1865
        """
    )
    coopdeli = desk.member(chat_id="b", org=COOPDELI, lang="en").transcript(
        """
        会員: 1
        会員: contact
        窓口: In person: Home delivery centre, Store
        窓口: The privacy policy does not give opening hours.
        """
    )
    for answer in (kyosai, coopdeli):
        assert not set("、。：「」（）") & set(answer.split("\n  1.")[0]), answer
