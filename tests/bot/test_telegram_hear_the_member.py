"""Issue 16's "Why", on Telegram: each situation that failed members, played as a transcript
(会員 / 窓口) through the real python-telegram-bot and the fake Bot API, with staff acting
through the case service and the card sync posting to the fake Slack.

One desk serves the whole file (``tests.bot.telegram_desk``: a SQLite file, a clock the tests
move); each test is its own member in their own chat.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.staff import StaffActor
from tests.bot.telegram_desk import Phone, TelegramDesk, telegram_desk
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
ORGS = [KYOSAI, COOPDELI]
CHANNEL_OF = {KYOSAI: "C0KYOSAI", COOPDELI: "C0TAKU"}
SUPERVISORS = "C0SUPER"
RELAYED = "の担当者にお伝えしました"
STAFF_REPLY = "ご登録の電話番号にお電話します。"
INVITATION = "お返事は、このチャットにそのまま入力してください"
REFUSAL = "ご登録の記録が見つかりませんでした。ご不明な点はこのチャットでお尋ねください。"

# The shortest way to a case: a consultation handed to a person.
CONSULTATION = """
    会員: 9
    会員: 苦情・ご意見
    会員: 配達員の対応について
    会員: 入力しない
    窓口: お申し出を受け付けました
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramDesk]:
    directory: Path = tmp_path_factory.mktemp("telegram-desk")
    with (
        FakeBotApi() as telegram,
        FakeSlackApi() as slack,
        telegram_desk(directory, telegram, slack) as running,
    ):
        yield running


def member_with_a_consultation(desk: TelegramDesk, org: str) -> tuple[Phone, str]:
    member = Phone(desk)
    member.start(org)
    member.transcript(CONSULTATION)
    [case] = desk.cases_of(member.chat_id)
    return member, case.number


# ---------------------------------------------------------------- a. a staff reply's answer


@pytest.mark.parametrize("org", ORGS)
def test_a_member_asked_to_answer_here_who_asks_when_they_will_be_called_reaches_the_case(
    desk: TelegramDesk, org: str
) -> None:
    member, number = member_with_a_consultation(desk, org)
    sent = len(desk.telegram.sent_messages(member.chat_id))
    desk.staff(
        lambda cases: cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY), member.chat_id
    )
    [told] = desk.telegram.sent_messages(member.chat_id)[sent:]
    assert STAFF_REPLY in told["text"] and INVITATION in told["text"]

    member.transcript(
        f"""
        会員: いつ電話をもらえますか
        窓口: 受付番号 {number} {RELAYED}
        窓口: いまの状況です。
        窓口: 受付番号 {number}（担当者へのご相談、
        窓口: 回答の目安：
        窓口: {STAFF_REPLY}
        窓口にない: 受付済みのお申し出：
        窓口にない: ご用件を選んでください
        """
    )
    assert desk.member_messages(number) == ["いつ電話をもらえますか"]
    assert desk.cases.get(number).unread_messages == 1
    desk.sync_slack()
    assert "いつ電話をもらえますか" in desk.thread_text(CHANNEL_OF[org], number)


# ---------------------------------------------------------------- b. after a refusal


@pytest.mark.parametrize("org", ORGS)
def test_why_after_a_refusal_reaches_the_refused_case(desk: TelegramDesk, org: str) -> None:
    member, number = member_with_a_consultation(desk, org)
    desk.staff(
        lambda cases: cases.close(number, StaffActor.trusted("sato"), "refused", REFUSAL),
        member.chat_id,
    )
    assert REFUSAL in desk.telegram.sent_messages(member.chat_id)[-1]["text"]

    member.transcript(
        f"""
        会員: なぜですか
        窓口: 受付番号 {number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 受付済みのお申し出：
        窓口にない: ご用件を選んでください
        """
    )
    assert desk.member_messages(number) == ["なぜですか"]
    refused = desk.cases.get(number)
    assert refused.status == "refused"
    assert refused.member_contact_at == desk.clock()
    assert refused.unread_messages == 1


# ---------------------------------------------------------------- c. a complaint about delay


@pytest.mark.parametrize("org", ORGS)
def test_a_complaint_about_delay_reaches_the_case_supervisors_get_its_number_and_member_an_apology(
    desk: TelegramDesk, org: str
) -> None:
    member, number = member_with_a_consultation(desk, org)
    due = desk.cases.get(number).due_at
    assert due is not None
    desk.clock.advance(days=20)
    assert desk.clock() > due
    words = "対応が遅すぎます。責任者を出してください"

    member.transcript(
        f"""
        会員: {words}
        窓口: ご不便とご心配をおかけして申し訳
        窓口: 受付番号 {number} の担当者と責任者にお伝えしました。
        窓口: いまの状況です。
        窓口: 回答の目安の日を過ぎています
        窓口にない: 受付済みのお申し出：
        窓口にない: どなたからのお申し出ですか
        """
    )
    assert desk.member_messages(number) == [words]
    assert [e.kind for e in desk.events(number)][-2:] == ["member_message", "complaint"]
    assert len(desk.cases_of(member.chat_id)) == 1  # not a new consultation

    desk.sync_slack()
    to_supervisors = [m.text for m in desk.slack.messages(SUPERVISORS) if number in m.text]
    assert len(to_supervisors) == 1 and "ご不満" in to_supervisors[0]
    assert not any(
        "遅すぎ" in m.text or "責任者を出して" in m.text for m in desk.slack.messages(SUPERVISORS)
    )
    assert words in desk.thread_text(CHANNEL_OF[org], number)  # the words stay in the thread


# ---------------------------------------------------------------- d. a closed case


@pytest.mark.parametrize("org", ORGS)
def test_a_message_about_a_case_closed_last_month_reaches_it_and_staff_reopen_it(
    desk: TelegramDesk, org: str
) -> None:
    member, number = member_with_a_consultation(desk, org)
    desk.staff(
        lambda cases: cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True),
        member.chat_id,
    )
    due = desk.cases.get(number).due_at
    desk.clock.advance(days=30)

    member.transcript(
        f"""
        会員: 先月の件で、まだ聞きたいことがあります
        窓口: 受付番号 {number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 新しいお申し出として承るか
        """
    )
    marked = desk.cases.get(number)
    assert marked.status == "answered"
    assert marked.member_contact_at == desk.clock()  # 会員から連絡あり
    assert desk.member_messages(number) == ["先月の件で、まだ聞きたいことがあります"]
    desk.sync_slack()
    card = desk.card(CHANNEL_OF[org], number)
    assert "会員から連絡あり" in str(card.blocks)

    sent = len(desk.telegram.sent_messages(member.chat_id))
    reopened = desk.staff(
        lambda cases: cases.reopen(number, StaffActor.trusted("sato"), "会員から追加のご質問"),
        member.chat_id,
    )
    assert reopened.status == "in_progress" and reopened.due_at == due
    told = "\n".join(m["text"] for m in desk.telegram.sent_messages(member.chat_id)[sent:])
    assert "担当者が対応を再開しました" in told
    member.transcript(
        f"""
        会員: ありがとうございます。電話は夕方にお願いします
        窓口: 受付番号 {number} {RELAYED}
        """
    )


# ---------------------------------------------------------------- e. a question at a value step


@pytest.mark.parametrize("org", ORGS)
def test_asking_if_an_agent_may_apply_where_the_name_is_asked_is_answered_and_not_the_name(
    desk: TelegramDesk, org: str
) -> None:
    member = Phone(desk)
    member.start(org)
    member.transcript(
        """
        会員: 3
        会員: すべて
        会員: ご本人
        窓口: お名前（氏名）を入力してください
        会員: 代理人でもいいですか
        窓口: 法定代理人
        窓口: お名前（氏名）を入力してください
        窓口にない: フリガナ
        """
    )
    assert "name" not in desk.state(member.chat_id)["answers"]
    member.transcript(
        """
        会員: 山田 花子
        窓口: フリガナ
        """
    )
    assert desk.state(member.chat_id)["answers"]["name"] == "山田 花子"


# ---------------------------------------------------------------- f. a question about purposes


@pytest.mark.parametrize(
    ("org", "purposes", "one_purpose"),
    [
        (COOPDELI, "コープデリの利用目的は次のとおりです", "・出資金、組合員名簿の管理"),
        (KYOSAI, "生活クラブ共済連の利用目的は次のとおりです", "・組合員基礎データ管理"),
    ],
)
def test_asking_what_the_data_is_for_is_answered_from_the_published_purposes(
    desk: TelegramDesk, org: str, purposes: str, one_purpose: str
) -> None:
    member = Phone(desk)
    member.start(org)
    member.transcript(
        f"""
        会員: 何のために使っているの？
        窓口: {purposes}
        窓口: {one_purpose}
        窓口: 正式に「利用目的の通知」をご請求いただくこともできます
        窓口にない: どの情報、またはどのサービスについての通知をご希望ですか
        窓口にない: 手数料
        """
    )
    assert desk.cases_of(member.chat_id) == []
    assert desk.state(member.chat_id).get("flow") is None


# ---------------------------------------------------------------- g. notices before 送信する

TO_THE_SUMMARY = """
    会員: ご本人
    会員: 山田 花子
    会員: ヤマダ ハナコ
    会員: なし
    会員: 昭和50年1月2日
    会員: 090-1234-5678
    会員: わからない
"""


def summary_message(desk: TelegramDesk, member: Phone) -> dict[str, object]:
    """The confirmation screen as shown: the last message, with a 送信する button."""
    shown = desk.telegram.sent_messages(member.chat_id)[-1]
    labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert any("送信する" in label for label in labels), labels
    return shown


@pytest.mark.parametrize("org", ORGS)
def test_stopping_mail_in_ones_own_words_warns_that_statutory_notices_keep_coming_before_sending(
    desk: TelegramDesk, org: str
) -> None:
    member = Phone(desk)
    member.start(org)
    member.transcript(
        f"""
        会員: DMとメールを止めてほしいです
        窓口: 止める範囲を選んでください
        会員: すべての広告・ご案内
        {TO_THE_SUMMARY}
        窓口: 入力内容をご確認ください
        窓口: ・止める広告・ご案内：紙のDM・カタログ、メール
        窓口: 法律や定款
        """
    )
    assert "は引き続き届きます" in str(summary_message(desk, member)["text"])
    member.transcript(
        """
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )
    [case] = desk.cases_of(member.chat_id)
    assert case.request_type == "consent_withdrawal"


def test_coopdeli_shows_its_fee_notice_on_the_confirmation_screen_before_sending(
    desk: TelegramDesk,
) -> None:
    member = Phone(desk)
    member.start(COOPDELI)
    member.transcript(
        f"""
        会員: 3
        会員: すべて
        {TO_THE_SUMMARY}
        会員: メール
        会員: hanako@example.jp
        窓口: 入力内容をご確認ください
        窓口: ※この手続きには、実費相当分の手数料をいただく場合があります。
        窓口にない: 円
        """
    )
    assert "実費相当分の手数料" in str(summary_message(desk, member)["text"])
    assert desk.cases_of(member.chat_id) == []  # shown before anything is sent
    member.transcript(
        """
        会員: 送信する
        窓口: お申し出を受け付けました
        """
    )


# ---------------------------------------------------------------- h. a widow


@pytest.mark.parametrize(
    ("org", "short_name"), [(KYOSAI, "生活クラブ共済連"), (COOPDELI, "コープデリ")]
)
def test_a_widow_asking_about_her_late_husband_gets_condolence_and_is_recorded_as_herself(
    desk: TelegramDesk, org: str, short_name: str
) -> None:
    member = Phone(desk)
    member.start(org)
    member.transcript(
        f"""
        会員: 主人が先月亡くなりました。主人の登録情報を見たいのですが
        窓口: このたびは、心よりお悔やみ申し上げます。
        窓口: 取り扱いについては、{short_name}のプライバシーポリシーに記載がありません
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        会員: 山田 花子
        窓口: ご自身は、亡くなった方からみてどなたにあたりますか
        会員: 妻です
        窓口: ご自身の電話番号を入力してください
        会員: ０９０－１２３４－５６７８
        窓口: 亡くなった方のお名前（氏名）を入力してください
        会員: 山田 太郎
        窓口: 亡くなった方の生年月日を入力してください
        会員: 昭和20年1月2日
        会員: わからない
        窓口: 入力内容をご確認ください
        窓口: お申し出の方のお名前：山田 花子
        窓口: 亡くなった方との続柄：配偶者（夫・妻）
        窓口: お申し出の方の電話番号：090-1234-5678
        窓口: 亡くなった方のお名前：山田 太郎
        窓口にない: 心よりお悔やみ
        会員: 送信する
        窓口: お申し出を受け付けました
        窓口: お申し出の山田 花子さまに、お知らせいただいた電話番号へご連絡します
        窓口にない: ご本人確認
        窓口にない: ご登録の電話番号
        """
    )
    [case] = desk.cases_of(member.chat_id)
    assert case.requester == "deceased"
    assert {k: case.fields[k] for k in ("asker_name", "asker_relation", "asker_phone")} == {
        "asker_name": "山田 花子",
        "asker_relation": "spouse",
        "asker_phone": "090-1234-5678",
    }
    assert case.fields["deceased_name"] == "山田 太郎"
    assert not {"name", "phone", "birth_date"} & set(case.fields)  # she is not 本人
    said = "\n".join(member.answers)
    assert said.count("心よりお悔やみ申し上げます") == 1


# ---------------------------------------------------------------- i. which co-op


def test_kyosai_alone_with_both_coops_served_asks_which_coop(desk: TelegramDesk) -> None:
    member = Phone(desk)
    member.start()
    member.transcript(
        """
        会員: 共済のことで
        窓口: 「共済」という言葉は、いくつかの団体の名前に使われています
        窓口: ご利用の生協を選んでください
        窓口にない: 生活クラブ共済連の個人情報の窓口です
        窓口にない: コープデリの個人情報の窓口です
        """
    )
    assert desk.state(member.chat_id).get("org") is None
    member.transcript(
        """
        会員が押す: コープデリ
        窓口: コープデリの個人情報の窓口です
        """
    )
    assert desk.state(member.chat_id)["org"] == COOPDELI


# ---------------------------------------------------------------- j. an edited message


def test_an_edited_message_reaches_the_bot_once_even_if_telegram_delivers_it_again(
    desk: TelegramDesk,
) -> None:
    member, _ = member_with_a_consultation(desk, COOPDELI)
    member.says("補足です")
    update_id, answer = member.edits_last_message("補足です。夕方に電話をお願いします")
    assert answer  # answered, not dropped
    sent = len(desk.telegram.sent_messages(member.chat_id))
    desk.telegram.redeliver(update_id)
    desk.telegram.wait_for(lambda api: update_id not in api.pending_update_ids())
    member.says("よろしくお願いします")  # whatever the redelivery did is out before this
    assert len(desk.telegram.sent_messages(member.chat_id)) == sent + 1  # it did nothing
    lines = desk.member_lines(member.chat_id)
    assert sum("夕方に電話をお願いします" in line for line in lines) == 1


def test_an_edited_message_from_a_member_with_an_open_case_is_relayed_to_it_once(
    desk: TelegramDesk,
) -> None:
    member, number = member_with_a_consultation(desk, COOPDELI)
    member.says("補足です")
    update_id, answer = member.edits_last_message("補足です。夕方に電話をお願いします")
    desk.telegram.redeliver(update_id)
    desk.telegram.wait_for(lambda api: update_id not in api.pending_update_ids())
    member.says("よろしくお願いします")
    assert f"受付番号 {number} {RELAYED}" in answer
    assert desk.member_messages(number) == [
        "補足です",
        "補足です。夕方に電話をお願いします",
        "よろしくお願いします",
    ]
