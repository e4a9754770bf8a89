"""What member testers (80-year-olds on ``madoguchi chat``) ran into, as transcripts (会員/窓口):
a half-filled form keeps the question pending inside it (a question for staff, earlier answers,
やめますか) and asks it again; /start soon after just goes on; words typed at
「続きから入力しますか」 are not refused and やり直す is confirmed;
「わかりません」 selects 「わからない・なし」;
「母の代わりです」 at the requester step; the status list in the order of its choices; a bare
「はい」「キャンセル」 at the menu is never relayed to a closed case."""

from __future__ import annotations

import pytest

from tests.conftest import Desk, Member
from tests.flows.answers import file_a_complaint
from tests.flows.scenes import ORGS, filed_complaint, staff_refused
from tests.flows.test_self_service import file_a_disclosure


def half_filled(member: Member) -> None:
    """A disclosure with the name entered; the フリガナ is asked next."""
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 山田 花子
        窓口: お名前のフリガナを入力してください
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_left_at_a_switch_offer_finds_it_asked_again(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        会員: 訂正したいです
        窓口: 「訂正・追加・削除」のお手続きに切り替えますか
        """
    )
    desk.clock.advance(days=1)
    member.transcript(
        """
        会員: こんにちは
        窓口: 入力の途中のお申し出があります：開示
        窓口: ・請求する方：ご本人
        窓口: 次は「「訂正・追加・削除」のお手続きに切り替えるかどうか」です。
        窓口: 1. 続ける
        窓口: 2. やり直す
        会員: 続ける
        窓口: 続きから入力します
        窓口: 「訂正・追加・削除」のお手続きに切り替えますか
        窓口: 1. 「訂正・追加・削除」に切り替える
        窓口: 2. いまの手続きを続ける
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_left_at_the_earlier_answers_offer_finds_it_offered_again(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    file_a_disclosure(member)
    member.transcript(
        """
        会員: メニュー
        会員: 2
        会員: 共済の契約情報
        会員: ご本人
        窓口: 今回も同じ内容を使いますか
        """
    )
    desk.clock.advance(days=1)
    resumed = member.start()
    assert "入力の途中のお申し出があります：利用目的の通知" in resumed
    assert "次は「前回と同じ内容を使うかどうか」です。" in resumed
    member.transcript(
        """
        会員: 続ける
        窓口: 続きから入力します
        窓口: 今回も同じ内容を使いますか
        会員: はい
        窓口: 前回の内容を使います
        """
    )


def test_a_member_who_left_at_a_confirmation_finds_it_asked_again(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    member.transcript(
        """
        会員: キャンセル
        窓口: この手続きをやめますか
        """
    )
    desk.clock.advance(days=1)
    resumed = member.start()
    assert "次は「この手続きをやめるかどうか」です。" in resumed
    member.transcript(
        """
        会員: 続ける
        窓口: 入力中の内容は、まだ送信していません。この手続きをやめますか。
        会員: いいえ
        窓口: お名前のフリガナを入力してください
        """
    )


def test_a_member_who_opens_the_chat_again_soon_just_goes_on(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    desk.clock.advance(minutes=1)
    resumed = member.start()
    assert "前回の続きから再開します" in resumed
    assert "お名前のフリガナを入力してください" in resumed
    assert "続きから入力しますか" not in resumed
    member.transcript(
        """
        会員: ヤマダ ハナコ
        窓口: 旧姓
        """
    )


def test_the_resume_prompt_says_which_question_comes_next(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    desk.clock.advance(days=1)
    resumed = member.start()
    assert "次は「フリガナ」です。" in resumed


def test_an_answer_typed_at_the_resume_prompt_is_taken_by_the_form(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    desk.clock.advance(days=1)
    member.start()
    member.transcript(
        """
        会員: ヤマダ ハナコ
        窓口: 続きから入力します
        窓口: 旧姓
        窓口にない: 「続ける」か「やり直す」を選んでください
        """
    )


def test_a_question_typed_at_the_resume_prompt_is_handled_as_at_the_step(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    desk.clock.advance(days=1)
    member.start()
    member.transcript(
        """
        会員: 今日中に終わりますか
        窓口: 続きから入力します
        窓口: このご質問は、お申し出といっしょに担当者にお伝えします
        窓口: お名前のフリガナを入力してください
        窓口にない: 「続ける」か「やり直す」を選んでください
        """
    )


def test_start_again_at_the_resume_prompt_is_confirmed_before_the_answers_go(
    desk: Desk,
) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    desk.clock.advance(days=1)
    member.start()
    member.transcript(
        """
        会員: 2
        窓口: 入力した内容をすべて消して、最初から入力し直しますか
        会員: いいえ
        窓口: 続きから入力します
        窓口: お名前のフリガナを入力してください
        会員: ヤマダ ハナコ
        窓口: 旧姓
        """
    )


@pytest.mark.parametrize("words", ["わかりません", "分かりません", "わからないです"])
def test_a_member_who_does_not_know_at_an_optional_step_skips_it(desk: Desk, words: str) -> None:
    member = desk.member(org="coopdeli")
    half_filled(member)
    member.transcript(
        f"""
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 090-1234-5678
        窓口: わからない・なし
        会員: {words}
        窓口: 開示の方法を選んでください
        """
    )


@pytest.mark.parametrize("words", ["母の代わりです", "母の代わりに書いています"])
def test_a_child_who_writes_for_their_mother_at_the_requester_step_is_her_agent(
    desk: Desk, words: str
) -> None:
    member = desk.member(org="coopdeli")
    member.transcript(
        f"""
        会員: 3
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: {words}
        窓口: 「任意代理人（ご本人から頼まれた方）」として伺います。
        窓口: ご本人との続柄：子（息子・娘）
        窓口: 代理人の方（ご自身）のお名前を入力してください
        窓口にない: 表示された番号か、選択肢の言葉でお選びください
        窓口にない: ご本人からみてどなたにあたりますか
        """
    )


BARE = ["はい", "いいえ", "はい。", "うん", "キャンセル", "やめる", "戻る"]


@pytest.mark.parametrize("words", BARE)
def test_a_bare_yes_or_command_at_the_menu_is_not_relayed_to_a_closed_case(
    desk: Desk, words: str
) -> None:
    member = desk.member(org="coopdeli")
    case = filed_complaint(member)
    staff_refused(desk, case, "記録が見つかりませんでした。")
    member.read()
    member.transcript(
        f"""
        会員: {words}
        窓口にない: 担当者にお伝えしました
        """
    )
    assert desk.app.cases.get(case.number).unread_messages == 0


def test_cancel_at_the_menu_says_nothing_is_in_progress(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    case = filed_complaint(member)
    staff_refused(desk, case, "記録が見つかりませんでした。")
    member.read()
    member.transcript(
        """
        会員: キャンセル
        窓口: いま手続き中のものはありません。
        窓口: ご用件を選んでください。
        """
    )


def test_the_status_list_shows_the_cases_in_the_order_of_the_choices(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    file_a_disclosure(member)
    first, second = (case.number for case in desk.app.cases.list_unaudited())
    member.read()
    reply = member.says("状況")
    listed = [line.split("　")[0] for line in reply.splitlines() if "　状況：" in line]
    chosen = [line for line in reply.splitlines() if line.strip().startswith(("1.", "2."))]
    assert listed == [second, first]
    assert second in chosen[0] and first in chosen[1]
    member.transcript(
        f"""
        会員: 1
        窓口: 受付番号 {second}（開示
        """
    )
