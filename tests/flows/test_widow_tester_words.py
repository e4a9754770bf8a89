"""What a 79-year-old widow typed at the desk (issue 16, fourth member tester): her late
husband is not a principal who can sign a 委任状, a wrong guess of who asks is corrected in
words, and her hiragana is read like kanji."""

from __future__ import annotations

import pytest

from tests.conftest import Desk

ORGS = ["seikatsuclub-kyosai", "coopdeli"]


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_taken_for_her_husbands_agent_is_switched_to_the_deceased_family_path(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 生協さんが持っている主人の情報を見せていただきたいのでございます
        窓口: 任意代理人（ご本人から頼まれた方）
        会員: すべて
        窓口: 代理人の方（ご自身）のお名前を入力してください
        会員: 主人は昨年亡くなりましたので、委任状は書けないのでございますが、どういたしましょうか
        窓口: このたびは、心よりお悔やみ申し上げます。
        窓口: 「請求する方」を「亡くなったご家族について」に変えました。
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        窓口にない: 委任状
        会員: 山田 花子
        窓口にない: 続柄
        会員: 090-1234-5678
        窓口: 亡くなった方のお名前（氏名）を入力してください
        会員: 山田 太郎
        会員: わかりません
        会員: わかりません
        窓口: 開示の方法を選んでください
        窓口にない: 委任状
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_what_an_agent_entered_before_saying_the_principal_died_is_kept(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 生協さんが持っている主人の情報を見せていただきたいのでございます
        会員: すべて
        会員: 山田 花子
        会員: 090-1234-5678
        窓口: お名前（氏名）を入力してください
        会員: 山田 太郎
        窓口: フリガナ
        会員: なくなった主人のことでございます。委任状はどういたしましょうか
        窓口: お悔やみ申し上げます
        窓口: 亡くなった方の生年月日を入力してください
        窓口にない: お申し出になる方（ご自身）のお名前
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_who_writes_in_hiragana_at_the_requester_step_is_on_the_deceased_path(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 開示をお願いします
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: なくなったしゅじんのことでございます
        窓口: お悔やみ申し上げます
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        窓口にない: 委任状
        """
    )


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "first",
    [
        "なくなった主人あてのカタログをとめてほしい",
        "しゅじんがなくなりましたので、カタログをとめてほしい",
    ],
)
def test_a_first_message_about_a_husband_who_died_in_hiragana_gets_condolence(
    desk: Desk, org: str, first: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: {first}
        窓口: このたびは、心よりお悔やみ申し上げます。
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        窓口にない: 委任状
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_lost_card_in_hiragana_is_no_bereavement(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        """
        会員: 組合員証がなくなったのですが
        窓口にない: お悔やみ
        """
    )


CORRECTION_UP_TO_THE_REQUESTER = """
        会員: じゅうしょをなおしていただきたい
        会員: 1
        会員: ご登録の住所
        会員: 東京都新宿区1-2-3
        会員: 東京都新宿区4-5-6
        会員: なし
        会員: 引っ越しました
        窓口: どなたからのお申し出ですか
        会員: 3
        窓口: 代理人の方（ご自身）のお名前を入力してください
"""


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "typed",
    [
        "いえ、わたくし本人でございます。むすめにたのまれたのではございません。",
        "だいりにんではございません",
        "いいえ、自分のことです",
        "違います。本人です",
    ],
)
def test_a_member_taken_for_an_agent_says_she_is_herself_and_the_requester_is_changed(
    desk: Desk, org: str, typed: str
) -> None:
    desk.member(org=org).transcript(
        CORRECTION_UP_TO_THE_REQUESTER
        + f"""
        会員: {typed}
        窓口: 「請求する方」を「ご本人」に変えました。
        窓口: お名前（氏名）を入力してください
        窓口にない: 代理人の方
        窓口にない: 表示された番号か
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和22年3月5日
        会員: 090-1234-5678
        会員: わかりません
        窓口にない: 代理人のお名前
        窓口にない: 任意代理人
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_who_says_she_is_not_the_principal_stays_an_agent(desk: Desk, org: str) -> None:
    desk.member(org=org).transcript(
        CORRECTION_UP_TO_THE_REQUESTER
        + """
        会員: わたくしは本人ではございません
        窓口にない: に変えました
        """
    )


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("typed", ["しょうわ２２ねん３がつ５にち", "しょうわ18ねん11がつ3にち"])
def test_a_birth_date_typed_in_hiragana_is_read(desk: Desk, org: str, typed: str) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        会員: すべて
        会員: ほんにん
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        窓口: 生年月日を入力してください
        会員: {typed}
        窓口にない: 日付を読み取れませんでした
        窓口: ご登録の電話番号を入力してください
        """
    )


SELF_UP_TO_THE_MEMBER_NUMBER = """
        会員: 開示をお願いします
        会員: すべて
        会員: ほんにん
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和22年3月5日
        会員: 090-1234-5678
        窓口: 組合員番号または共済契約番号がわかれば入力してください
"""


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "typed", ["わすれてしまいました", "忘れました", "わかりかねます", "忘れてしまいました。"]
)
def test_a_forgotten_member_number_picks_dont_know(desk: Desk, org: str, typed: str) -> None:
    desk.member(org=org).transcript(
        SELF_UP_TO_THE_MEMBER_NUMBER
        + f"""
        会員: {typed}
        窓口にない: 番号を読み取れませんでした
        窓口: 開示の方法を選んでください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_asking_where_the_member_number_is_written_is_told_it_is_not_published(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        SELF_UP_TO_THE_MEMBER_NUMBER
        + """
        会員: 組合員番号はどこに書いてございますか？
        窓口: 組合員番号・共済契約番号がどこに書かれているかは
        窓口: 公開している情報には記載がありません。担当者からご説明します。
        窓口: 「わからない・なし」を選んでください
        窓口: 組合員番号または共済契約番号がわかれば入力してください
        会員: わかりません
        窓口: 開示の方法を選んでください
        """
    )


@pytest.mark.parametrize(
    "typed",
    [
        "でんわはなんじからなんじまででございますか",
        "うけつけじかんをおしえてくださいませ",
        "デンワバンゴウとうけつけじかん",
    ],
)
def test_a_question_about_hours_in_hiragana_gets_the_published_numbers_and_hours(
    desk: Desk, typed: str
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        f"""
        会員: {typed}
        窓口: 03-5285-1865
        窓口: 03-5285-1874（受付時間：平日9:00〜17:00）
        窓口にない: 担当者におつなぎします
        """
    )


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    ("typed", "answered"),
    [("てすうりょうはかかりますか", "手数料"), ("だいひょうしゃはどなたですか", "代表")],
)
def test_a_question_in_hiragana_at_a_name_step_gets_the_published_answer(
    desk: Desk, org: str, typed: str, answered: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いします
        会員: すべて
        会員: ほんにん
        窓口: お名前（氏名）を入力してください
        会員: {typed}
        窓口: {answered}
        窓口にない: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: お名前（氏名）を入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_death_told_in_an_agents_own_words_at_a_free_text_step_keeps_the_agent(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 母の住所をなおしていただきたい
        窓口: 任意代理人（ご本人から頼まれた方）
        会員: 1
        会員: ご登録の住所
        会員: 東京都新宿区1-2-3
        会員: 東京都新宿区4-5-6
        会員: なし
        窓口: 誤りに気づいたきっかけや理由を、短く入力してください
        会員: 父が亡くなり、母がわたくしの家に越してまいりました
        窓口にない: 「請求する方」を
        窓口にない: お悔やみ
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """
    )
