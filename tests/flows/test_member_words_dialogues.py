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
