"""The person asking is recorded apart from the person the data is about: transcripts of a
widow asking about her late husband, a son acting for his mother and a parent for a minor."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Case, Conversation
from tests.conftest import Desk, Member
from tests.flows.answers import only_case

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
SHORT_NAME = {"seikatsuclub-kyosai": "生活クラブ共済連", "coopdeli": "コープデリ"}
CONDOLENCE = "心よりお悔やみ申し上げます"

FIRST_MESSAGE = "主人が先月亡くなりました。主人の登録情報を見たいのですが"
WIDOW = f"""
    会員: {FIRST_MESSAGE}
    窓口: このたびは、心よりお悔やみ申し上げます。
    窓口: 亡くなった方の情報についてのご相談は、担当者がお受けします
    窓口: 亡くなった方の情報の取り扱いについては、{{org}}のプライバシーポリシーに記載がありません
    窓口: どのように対応できるかは、担当者からご説明します
    窓口: お申し出になる方（ご自身）のお名前を入力してください
    会員: 山田 花子
    窓口: ご自身は、亡くなった方からみてどなたにあたりますか
    会員: 妻です
    窓口: ご自身の電話番号を入力してください
    会員: ０９０－１２３４－５６７８
    窓口: ここからは、亡くなった方について伺います
    窓口: 亡くなった方のお名前（氏名）を入力してください
    会員: 山田 太郎
    窓口: 亡くなった方の生年月日を入力してください
    会員: 昭和20年1月2日
    窓口: 亡くなった方の組合員番号または共済契約番号がわかれば
    会員: わからない
    窓口: 入力内容をご確認ください
    窓口: お申し出の方のお名前：山田 花子
    窓口: 亡くなった方との続柄：配偶者（夫・妻）
    窓口: お申し出の方の電話番号：090-1234-5678
    窓口: 亡くなった方のお名前：山田 太郎
    窓口: 亡くなった方の生年月日：昭和20年1月2日（1945年）
    窓口にない: 氏名：
    窓口にない: 心よりお悔やみ
    会員: 送信する
    窓口: お申し出を受け付けました
    窓口: お申し出の山田 花子さまに、お知らせいただいた電話番号へご連絡します
    窓口にない: ご本人確認
    窓口にない: ご登録の電話番号
    窓口にない: 心よりお悔やみ
"""


def widow_asks_about_her_late_husband(member: Member, org: str) -> str:
    """Play ``WIDOW``; returns the receipt."""
    return member.transcript(WIDOW.format(org=SHORT_NAME[org]))


def answers_after_first_message(desk: Desk, case: Case) -> list[str]:
    """What the desk said from the member's first message on (the greeting left out)."""
    lines = desk.app.cases.detail_unaudited(case.number).transcript
    first = next(i for i, line in enumerate(lines) if line.text == FIRST_MESSAGE)
    return [line.text for line in lines[first:] if line.direction == "bot"]


@pytest.mark.parametrize("org", ORGS)
def test_a_widow_asking_about_her_late_husband_is_recorded_as_herself_apart_from_him(
    desk: Desk, org: str
) -> None:
    widow_asks_about_her_late_husband(desk.member(org=org), org)

    case = only_case(desk)
    assert (case.request_type, case.requester, case.flags) == ("human", "deceased", ["deceased"])
    assert {k: case.fields[k] for k in ("asker_name", "asker_relation", "asker_phone")} == {
        "asker_name": "山田 花子",
        "asker_relation": "spouse",
        "asker_phone": "090-1234-5678",
    }
    assert case.fields["deceased_name"] == "山田 太郎"
    assert case.fields["deceased_birth_date"] == "1945-01-02"
    assert case.fields["deceased_member_number"] == ""  # わからない
    assert not {"name", "phone", "birth_date"} & set(case.fields)  # she is not 本人
    lines = answers_after_first_message(desk, case)
    assert sum(CONDOLENCE in line for line in lines) == 1
    assert lines[0].startswith("このたびは、心よりお悔やみ申し上げます。")


def test_a_family_member_who_chooses_deceased_in_a_request_gives_their_own_details_first(
    desk: Desk,
) -> None:
    desk.member(org="seikatsuclub-kyosai").transcript(
        """
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: 亡くなったご家族について
        窓口: このたびは、心よりお悔やみ申し上げます。
        窓口: 生活クラブ共済連のプライバシーポリシーに記載がありません
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        会員: 山田 一郎
        会員: 父の代わりに来ました
        会員: 090-1111-2222
        窓口: 亡くなった方のお名前（氏名）を入力してください
        会員: 山田 太郎
        会員: わからない
        会員: KY-12345
        窓口: 開示の方法を選んでください
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 請求する方：亡くなったご家族について
        窓口: 亡くなった方との続柄：子（息子・娘）
        窓口: 亡くなった方の組合員番号・共済契約番号：KY-12345
        窓口にない: 心よりお悔やみ
        会員: 送信する
        窓口: お申し出の山田 一郎さまに、お知らせいただいた電話番号へご連絡します
        窓口にない: ご本人確認
        """
    )
    case = only_case(desk)
    assert (case.request_type, case.requester) == ("disclosure", "deceased")
    assert case.fields["asker_relation"] == "child"
    assert case.fields["deceased_member_number"] == "KY-12345"
    assert "name" not in case.fields and "member_number" not in case.fields


@pytest.mark.parametrize("org", ORGS)
def test_a_son_acting_for_his_mother_is_recorded_as_her_child_not_as_her(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 母の代わりに開示を
        窓口: ・請求する方：任意代理人（ご本人から頼まれた方）
        窓口: ・ご本人との続柄：子（息子・娘）
        窓口にない: 母の代わりに
        会員: すべて
        窓口: 代理人の方（ご自身）のお名前を入力してください
        会員: 山田 一郎
        会員: 090-1111-2222
        窓口: ご本人（代理される方）について入力してください
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和10年1月2日
        会員: 03-1234-5678
        会員: わからない
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 代理人のお名前：山田 一郎
        窓口: ご本人との続柄：子（息子・娘）
        窓口: 氏名：山田 花子
        会員: 送信する
        窓口: 代理人の山田 一郎さまにご連絡して
        窓口にない: ご本人確認をしてから
        """
    )
    case = only_case(desk)
    assert case.requester == "appointed_agent"
    assert case.fields["agent_relation"] == "child"
    assert case.fields["agent_name"] == "山田 一郎"
    assert case.fields["name"] == "山田 花子"


def test_an_agent_who_types_their_relationship_is_read_the_right_way_round(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: 任意代理人
        会員: 山田 一郎
        会員: 03-1234-5678
        窓口: 代理人の方は、ご本人からみてどなたにあたりますか
        会員: 母の代わりです
        窓口: ご本人（代理される方）について入力してください
        """
    )
    with desk.app.db.transaction() as session:
        [conversation] = session.exec(select(Conversation)).all()
    assert conversation.state["answers"]["agent_relation"] == "child"


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize(
    "message", ["15歳の娘の代わりに開示を請求したい", "中学生の息子の情報を見たいです"]
)
def test_a_parent_for_a_minor_is_a_legal_representative_told_what_the_policy_leaves_to_staff(
    desk: Desk, org: str, message: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: {message}
        窓口: ・請求する方：法定代理人（お子さまの親・後見人など）
        窓口: ・法定代理人の種類：親権者（未成年のお子さまの親）
        窓口: {SHORT_NAME[org]}のプライバシーポリシー
        窓口: 担当者からご案内します
        窓口にない: 戸籍謄本
        窓口にない: 任意代理人
        窓口にない: ご本人との続柄
        会員: すべて
        会員: 山田 花子
        会員: 090-1111-2222
        窓口: ご本人（代理される方）について入力してください
        会員: 山田 さくら
        会員: ヤマダ サクラ
        会員: なし
        会員: 2011年5月5日
        会員: 090-1111-2222
        会員: わからない
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: 法定代理人の種類：親権者（未成年のお子さまの親）
        会員: 送信する
        窓口: 代理人の山田 花子さまにご連絡して
        """
    )
    case = only_case(desk)
    assert (case.requester, case.fields["legal_kind"]) == ("legal_agent", "parent")
    assert case.fields["name"] == "山田 さくら"
