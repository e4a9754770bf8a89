"""What an 81-year-old member tester typed, in polite long sentences, where the desk waits for a
value (issue 16, point 2: a question is never an answer, and value parsers refuse sentences):
a name that ends in 子 at the relationship step, sentences at the name step, readings in
hiragana and polite phrasing at choice steps, and 「whose name?」 asked at a step."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
ABOUT_HER_LATE_HUSBAND = "主人が先月亡くなりました。主人の登録情報を見たいのですが"


# --- 2. sentences are not names; a name said politely is the name ----------------------------


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_who_explains_herself_at_the_name_step_is_asked_for_her_name_alone(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: {ABOUT_HER_LATE_HUSBAND}
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        会員: 主人が亡くなりましたので私が手続きをしております
        窓口: ここにはお名前だけをご入力ください
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        窓口にない: どなたにあたりますか
        会員: 夫の手続きをしている妻です
        窓口: ここにはお名前だけをご入力ください
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        窓口にない: どなたにあたりますか
        会員: 山本ふみ子と申します。よろしくお願いいたします。
        窓口: ご自身は、亡くなった方からみてどなたにあたりますか
        窓口にない: 数字や記号
        会員: 妻です
        会員: 090-1234-5678
        会員: 山本 太郎
        会員: わからない
        会員: わからない
        窓口: お申し出の方のお名前：山本ふみ子
        会員: 送信する
        """
    )
    assert only_case(desk).fields["asker_name"] == "山本ふみ子"


# --- 1. a relationship is read from relationship words, never from the end of a name ----------


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_who_types_her_name_at_the_relationship_step_is_asked_for_the_relationship(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: {ABOUT_HER_LATE_HUSBAND}
        会員: 山本ふみ子
        窓口: ご自身は、亡くなった方からみてどなたにあたりますか
        会員: 山本ふみ子
        窓口: お名前ではなく、ご関係（続柄）を伺っています
        窓口: 「妻」「長男」「娘」のように入力するか、番号でお選びください
        窓口: ご自身は、亡くなった方からみてどなたにあたりますか
        窓口にない: 続柄は
        会員: やまもとふみこ
        窓口: ご関係（続柄）を伺っています
        窓口: ご自身は、亡くなった方からみてどなたにあたりますか
        会員: つまでございます
        窓口: 続柄は「配偶者（夫・妻）」として伺いました
        窓口: ご自身の電話番号を入力してください
        会員: 090-1234-5678
        会員: 山本 太郎
        会員: わからない
        会員: わからない
        窓口: 亡くなった方との続柄：配偶者（夫・妻）
        会員: 送信する
        """
    )
    assert only_case(desk).fields["asker_relation"] == "spouse"


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_who_types_a_name_then_a_short_phrase_at_the_relationship_step_gets_it_read(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        会員: 山田 一郎
        会員: 090-1111-2222
        窓口: 代理人の方は、ご本人からみてどなたにあたりますか
        会員: 山田はる子
        窓口: ご関係（続柄）を伺っています
        窓口: 代理人の方は、ご本人からみてどなたにあたりますか
        会員: ちょうじょです
        窓口: 続柄は「子（息子・娘）」として伺いました
        窓口: ここからは、ご本人（代理される方）について入力してください
        """
    )


# --- 3. choices typed in kana, or named once in a polite sentence ------------------------------


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_types_choices_in_hiragana_and_polite_phrases_gets_them_picked(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: ほんにん
        窓口: ご本人について伺います
        窓口にない: 選択肢の言葉でお選びください
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 090-1234-5678
        会員: 1234-5678
        窓口: 開示の方法を選んでください
        会員: やはり郵送でお願いいたします
        窓口: 送り先の郵便番号を入力してください
        窓口にない: この手続きをやめますか
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 開示の方法：書面を郵送で受け取る
        会員: そうしん
        窓口: お申し出を受け付けました
        """
    )
    case = only_case(desk)
    assert (case.fields["requester"], case.fields["method"]) == ("self", "postal")


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_asks_politely_to_erase_gets_erasure_picked_not_a_question_kept(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 6
        会員: すべて
        窓口: ご希望の対応を選んでください
        会員: 消していただけますか
        窓口: 理由にいちばん近いものを選んでください
        窓口にない: このご質問は、お申し出といっしょに担当者にお伝えします
        """
    )


# --- 4. 「whose name?」 at a step gets a short direct answer from the flow --------------------


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_who_asks_whose_name_and_whose_phone_is_told_hers_not_her_husbands(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        f"""
        会員: {ABOUT_HER_LATE_HUSBAND}
        会員: わたくしの名前でよろしいのでしょうか、それとも夫の名前を…
        窓口: 亡くなった方のお名前は、このあと伺います。
        窓口にない: お分かりになる範囲で入力してください
        窓口にない: 担当者にお伝えします
        会員: 山本ふみ子
        会員: 妻
        窓口: ご自身の電話番号を入力してください
        会員: 私の電話番号でいいのですか、主人の番号ですか
        窓口: 亡くなった方の電話番号は伺いません
        窓口: ご自身の電話番号を入力してください
        会員: 090-1234-5678
        窓口: 亡くなった方のお名前（氏名）を入力してください
        会員: 夫の名前ですか？
        窓口: 亡くなった方のお名前を入力してください。ご自身のお名前は、さきほど伺いました。
        窓口にない: 切り替えますか
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_an_agent_who_asks_whose_name_is_told_at_each_step_whose_it_is(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        窓口: 代理人の方（ご自身）のお名前を入力してください
        会員: 私の名前ですか、それとも母の名前ですか
        窓口: ご本人（代理される方）のお名前は、このあと伺います
        会員: 山田 一郎
        会員: 090-1111-2222
        会員: 長男です
        窓口: ここからは、ご本人（代理される方）について入力してください
        会員: また私の名前でしょうか
        窓口: ご本人（代理される方）のお名前を、ご登録のとおりに入力してください
        窓口: 代理人の方（ご自身）のお名前は、さきほど伺いました
        会員: 山田 ハナ
        会員: ヤマダ ハナ
        会員: なし
        会員: 昭和10年1月2日
        窓口: ご登録の電話番号を入力してください
        会員: 母の電話番号ですか
        窓口: ご本人（代理される方）の、ご登録の電話番号を入力してください
        """
    )
