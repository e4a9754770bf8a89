"""What member testers found after issue 16's second round, as transcripts (会員/窓口) with the
engine alone: a parent applying for a minor child is 法定代理人 even when the sentence ends
politely (「〜たいのですが」)."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from tests.flows.engine_chat import EngineChat

ORGS = ["seikatsuclub-kyosai", "coopdeli"]


def play(chat: EngineChat, script: str) -> str:
    """Play 会員:/窓口:/窓口にない: lines; each 窓口 line must be in the reply to the last 会員."""
    reply = ""
    for raw in textwrap.dedent(script).strip().splitlines():
        speaker, _, text = raw.strip().partition(":")
        text = text.strip()
        if speaker == "会員":
            reply = chat.says(text)
        elif speaker == "窓口":
            assert text in reply, f"expected {text!r} in:\n{chat.transcript}"
        elif speaker == "窓口にない":
            assert text not in reply, f"did not expect {text!r} in:\n{chat.transcript}"
        else:
            raise ValueError(f"not a transcript line: {raw!r}")
    return reply


def at_own_name(org: str) -> EngineChat:
    """A 開示 for oneself, at the name step."""
    chat = EngineChat(org)
    play(
        chat,
        """
        会員: 3
        会員: 1
        窓口: どなたからのお申し出ですか
        会員: 1
        窓口: お名前（氏名）を入力してください
        """,
    )
    return chat


@pytest.mark.parametrize("org", ORGS)
def test_a_parent_applying_for_her_15_year_old_at_the_menu_is_taken_as_legal_agent(
    org: str,
) -> None:
    play(
        EngineChat(org),
        """
        会員: 15歳の娘の代わりに申し込みたいのですが
        窓口: ご家族などの代わりのお申し出ですね
        窓口にない: 法律で決まった代理人
        会員: 3
        窓口: ・請求する方：法定代理人
        窓口: ・法定代理人の種類：親権者（未成年のお子さまの親）
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_parent_applying_for_her_15_year_old_at_the_requester_step_is_taken_as_legal_agent(
    org: str,
) -> None:
    play(
        EngineChat(org),
        """
        会員: 3
        会員: 1
        窓口: どなたからのお申し出ですか
        会員: 15歳の娘の代わりに申し込みたいのですが
        窓口: 「法定代理人（お子さまの親・後見人など）」として伺います
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_asking_whether_one_may_apply_for_ones_mother_is_still_a_question(org: str) -> None:
    play(
        EngineChat(org),
        """
        会員: 母の代わりに申し込めますか
        窓口: 任意代理人もお申し出ができます
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_who_gets_my_data_is_answered_in_plain_words_then_pointed_to_the_policy(
    org: str,
) -> None:
    play(
        EngineChat(org),
        """
        会員: 個人情報を誰に渡していますか
        窓口: 原則として、ご本人の同意なしに組合員さまの情報をほかの会社や団体に渡すことはありません
        窓口: 正式な文言は、プライバシーポリシーの
        窓口にない: 国の機関若しくは地方公共団体
        窓口にない: 国の機関もしくは地方公共団体
        窓口にない: 当該事務の遂行に支障を及ぼすおそれ
        """,
    )


def test_coopdelis_contact_answer_says_plainly_that_no_phone_number_is_published() -> None:
    play(
        EngineChat("coopdeli"),
        """
        会員: 窓口の電話番号を教えてください
        窓口: 宅配センターや店舗など生協の事業所
        窓口: 電話番号は、プライバシーポリシーに記載されていません。
        窓口: 住所は、プライバシーポリシーに記載されていません。
        窓口: 記載のない点は、担当者からご案内します。
        """,
    )


def test_kyosais_contact_answer_gives_its_numbers_and_says_what_is_not_published() -> None:
    play(
        EngineChat("seikatsuclub-kyosai"),
        """
        会員: 窓口の電話番号を教えてください
        窓口: 03-5285-1865
        窓口にない: 電話番号は、プライバシーポリシーに記載されていません
        窓口: 「個人情報の取扱いに関する問合せ相談」の受付時間は
        窓口: 記載のない点は、担当者からご案内します。
        """,
    )


@pytest.mark.parametrize(
    ("org", "example"),
    [
        ("coopdeli", "総代会のお知らせなど、組合員の皆さまに法律や定款でお送りするお知らせ"),
        ("seikatsuclub-kyosai", "法律や定款にもとづいてお送りするお知らせ"),
    ],
)
def test_stopping_ads_names_the_notices_that_keep_coming_as_the_org_would(
    org: str, example: str
) -> None:
    reply = play(
        EngineChat(org),
        f"""
        会員: 8
        窓口: 広告やご案内を止めても、{example}は引き続き届きます。
        """,
    )
    if org != "coopdeli":
        assert "総代会" not in reply  # a consumer co-op's word, not the federation's


@pytest.mark.parametrize("org", ORGS)
def test_not_knowing_at_the_agents_name_step_is_asked_for_the_name_once(org: str) -> None:
    chat = EngineChat(org)
    reply = play(
        chat,
        """
        会員: 3
        会員: 1
        会員: 3
        窓口: 代理人の方（ご自身）のお名前を入力してください。
        会員: わかりません
        窓口: ご本人（代理される方）のお名前は、このあと伺います。
        """,
    )
    assert reply.count("代理人の方（ご自身）のお名前を入力してください。") == 1, chat.transcript


@pytest.mark.parametrize("org", ORGS)
def test_not_knowing_at_the_deceased_asker_name_step_is_asked_for_the_name_once(org: str) -> None:
    chat = EngineChat(org)
    reply = play(
        chat,
        """
        会員: 3
        会員: 1
        会員: 4
        窓口: お申し出になる方（ご自身）のお名前を入力してください。
        会員: わかりません
        窓口: 亡くなった方のお名前は、このあと伺います。
        """,
    )
    assert reply.count("お申し出になる方（ご自身）のお名前を入力してください。") == 1, reply


def at_former_name(org: str) -> EngineChat:
    chat = at_own_name(org)
    play(
        chat,
        """
        会員: 山田 花子
        会員: ヤマダ ハナコ
        窓口: 旧姓を入力してください
        """,
    )
    return chat


@pytest.mark.parametrize("org", ORGS)
def test_the_former_name_steps_refusals_name_the_former_name(org: str) -> None:
    play(
        at_former_name(org),
        """
        会員: 本人
        窓口: 旧姓（例：山田）を入力してください。
        窓口にない: お名前（例：山田 花子）
        会員: 昭和20年1月2日
        窓口: 日付のようです。旧姓（例：山田）を入力してください。
        会員: 佐藤 3
        窓口: 旧姓に数字や記号、絵文字は使えません
        窓口にない: お名前に
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_co_ops_word_at_a_name_step_is_called_a_word_and_never_stored(org: str) -> None:
    chat = at_own_name(org)
    play(
        chat,
        """
        会員: 共済
        窓口: 「共済」は、お名前ではないようです。
        窓口にない: という「お名前」
        会員: 生協です
        窓口: 「生協」は、お名前ではないようです。
        会員: 山田 花子
        窓口: フリガナ
        会員: ヤマダ ハナコ
        会員: コープ
        窓口: 「コープ」は、旧姓ではないようです。
        """,
    )
    assert isinstance(chat.state, dict)
    assert chat.state["answers"]["name"] == "山田 花子"
    assert "former_name" not in chat.state["answers"]


def test_a_shared_word_before_the_co_op_is_chosen_is_called_a_word_not_a_name() -> None:
    chat = EngineChat("")  # no co-op chosen yet
    reply = chat.says("共済の情報を見たい")
    assert "「共済」という言葉は、いくつかの団体の名前に使われています。" in reply, chat.transcript
    assert "というお名前" not in reply


@pytest.mark.parametrize("org", ORGS)
def test_a_name_typed_after_the_stop_question_is_taken_for_the_name_step(org: str) -> None:
    chat = at_own_name(org)
    reply = play(
        chat,
        """
        会員: もうやめたいです
        窓口: この手続きをやめますか
        会員: 山田 花子
        窓口: 続けます。
        窓口: フリガナを入力してください
        窓口にない: この手続きをやめますか
        会員: ヤマダ ハナコ
        窓口にない: この手続きをやめますか
        """,
    )
    assert "旧姓" in reply
    assert isinstance(chat.state, dict)
    assert chat.state["answers"]["name"] == "山田 花子"


@pytest.mark.parametrize("org", ORGS)
def test_the_stop_question_is_asked_once_more_then_dropped(org: str) -> None:
    chat = at_own_name(org)
    play(
        chat,
        """
        会員: もうやめたいです
        窓口: この手続きをやめますか
        会員: どうしましょうか？
        窓口: やめる場合は「はい」、続ける場合は「いいえ」と入力してください。
        窓口: この手続きをやめますか
        会員: どうしましょうか？
        窓口: 続けます。
        窓口: お名前（氏名）を入力してください
        窓口にない: この手続きをやめますか
        会員: 山田 花子
        窓口: フリガナを入力してください
        """,
    )


@pytest.mark.parametrize("org", ORGS)
def test_coming_back_twice_with_a_greeting_counts_only_the_answers_given(org: str) -> None:
    chat = at_own_name(org)
    play(
        chat,
        """
        会員: 山田 花子
        窓口: フリガナを入力してください
        """,
    )
    chat.now += timedelta(days=1)
    play(
        chat,
        """
        会員: こんにちは
        窓口: 入力済みの内容は3件です。
        会員: 続ける
        窓口: フリガナを入力してください
        窓口にない: 担当者にお伝えします
        会員: ヤマダ ハナコ
        窓口: 旧姓を入力してください
        """,
    )
    chat.now += timedelta(days=1)
    reply = play(
        chat,
        """
        会員: こんにちは
        窓口: 入力済みの内容は4件です。
        窓口にない: 担当者へのご質問・ご要望
        """,
    )
    listed = [line for line in reply.splitlines() if line.startswith("・")]
    assert len(listed) == 4, chat.transcript  # the count is the answers listed, no more
