"""A choice step answered with a sentence that says more than the choice: the choice is taken and
the whole sentence goes to staff with the request (「郵送でお願いします。住所は先月変わりました」);
when the rest may change the choice (「本人です。でも娘が代わりに書いています」), nothing is
guessed: the sentence is kept for staff and the member is asked to choose again."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.dialogue import more_words, values
from flows.dialogue.choosing import Given
from flows.i18n import Translator
from flows.requests import consent_withdrawal
from flows.steps import DISCLOSURE_METHOD_OPTIONS, REQUESTER_OPTIONS, Option
from tests.conftest import Desk
from tests.flows.answers import only_case

JA = Translator("ja")
ORGS = ["seikatsuclub-kyosai", "coopdeli"]
METHODS = tuple(DISCLOSURE_METHOD_OPTIONS.values())


@pytest.mark.parametrize(
    ("text", "options", "chosen", "may_change"),
    [
        ("郵送でお願いします。住所は先月変わりました", METHODS, "postal", False),
        ("住所が変わったのですが、郵送でお願いします", METHODS, "postal", False),
        ("郵送ではなく、メールで", METHODS, "email", False),
        ("本人です。でも娘が代わりに書いています", REQUESTER_OPTIONS, "self", True),
        ("郵送で。ただ、しばらく留守にします", METHODS, "postal", True),
        ("本人です、間違えたかもしれません", REQUESTER_OPTIONS, "self", True),
        ("メールで、いや郵送で", METHODS, "email", True),  # another choice named after it
        ("郵送で。いつでも大丈夫です", METHODS, "postal", False),
    ],
)
def test_a_choice_with_more_words_names_the_choice_and_whether_the_rest_may_change_it(
    text: str, options: Sequence[Option], chosen: str, may_change: bool
) -> None:
    assert more_words.read(text, options, JA) == more_words.MoreWords(
        next(o for o in options if o.id == chosen), may_change
    )


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("郵送でお願いします", METHODS),  # the choice alone
        ("はい、郵送で。よろしくお願いします", METHODS),  # the choice alone, politely
        ("母の代わりです。よろしくお願いします", REQUESTER_OPTIONS),  # no choice's words
        ("紙でおくってほしいです", METHODS),  # one sentence
    ],
)
def test_a_choice_alone_two_choices_or_none_is_not_more_words(
    text: str, options: Sequence[Option]
) -> None:
    assert more_words.read(text, options, JA) is None


@pytest.mark.parametrize(
    ("text", "more"),
    [
        ("郵送で送ってほしいのですが住所が先月変わりました", True),
        ("住所が変わったので郵送でお願いします", True),
        ("紙でおくってほしいです", False),
        ("やっぱり郵送で", False),
        ("書面で郵送してください", False),
        ("ゆうそうでおくってください", False),
    ],
)
def test_a_sentence_around_a_choices_word_says_more_unless_it_is_a_polite_frame(
    text: str, more: bool
) -> None:
    assert more_words.says_more(text, DISCLOSURE_METHOD_OPTIONS["postal"], JA) is more


# The member herself, as the identity steps ask (本人 to 組合員番号).
AS_HERSELF = """
    会員: 本人
    会員: 山田 花子
    会員: ヤマダ ハナコ
    会員: なし
    会員: 1950年1月2日
    会員: 090-1234-5678
    会員: わからない
"""
TO_THE_METHOD = (
    """
    会員: 開示をお願いしたいです
    会員: すべて
"""
    + AS_HERSELF
    + """
    窓口: 開示の方法を選んでください
"""
)
# The same in English, up to the question of how the answer is sent.
EN_TO_THE_METHOD = """
    会員: I want to see my data
    会員: all
    会員: myself
    会員: Hanako Yamada
    会員: ヤマダ ハナコ
    会員: none
    会員: 1950-01-02
    会員: 090-1234-5678
    会員: I don't know
    窓口: How would you like to receive
"""


@pytest.mark.parametrize("org", ORGS)
def test_a_method_said_with_news_of_a_move_is_taken_and_the_news_reaches_staff(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        TO_THE_METHOD
        + """
        会員: 郵送でお願いします。住所は先月変わりました
        窓口: 「書面を郵送で受け取る」として伺いました。
        窓口: お書き添えの内容は、お申し出に書き添えて担当者にお伝えします。
        窓口: 送り先の郵便番号を入力してください
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: ・開示の方法：書面を郵送で受け取る
        窓口: ・担当者へのご質問・ご要望：郵送でお願いします。住所は先月変わりました
        会員: 送信する
        窓口: 受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["method"] == "postal"
    moved = "郵送でお願いします。住所は先月変わりました"
    assert case.fields["questions_for_staff"] == [moved]
    # What staff see on the case, beside the answers.
    assert ["担当者へのご質問・ご要望", moved] in case.summary


def test_a_method_named_inside_one_long_sentence_keeps_the_sentence(desk: Desk) -> None:
    desk.member(org="coopdeli").transcript(
        TO_THE_METHOD
        + """
        会員: 郵送で送ってほしいのですが住所が先月変わりました
        窓口: 「書面を郵送で受け取る」として伺いました。
        窓口: 送り先の郵便番号を入力してください
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: ・担当者へのご質問・ご要望：郵送で送ってほしいのですが住所が先月変わりました
        会員: 送信する
        """
    )
    assert only_case(desk).fields["method"] == "postal"


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_is_herself_but_has_her_daughter_type_is_asked_again_not_guessed(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 開示をお願いしたいです
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: 本人です。でも娘が代わりに書いています
        窓口: 「ご本人」とも読めますが、続きのお言葉によっては別の選択肢になるかもしれません。
        窓口: お書きの内容は、お申し出に書き添えて担当者にお伝えします。
        窓口: どなたからのお申し出ですか
        窓口にない: 代理人の方（ご自身）のお名前
        会員: 本人です
        窓口: お名前（氏名）を入力してください
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 1950年1月2日
        会員: 090-1234-5678
        会員: わからない
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口: ・請求する方：ご本人
        窓口: ・担当者へのご質問・ご要望：本人です。でも娘が代わりに書いています
        会員: はい、これでお願いします
        窓口: 受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["requester"] == "self"
    assert case.fields["questions_for_staff"] == ["本人です。でも娘が代わりに書いています"]
    assert ["担当者へのご質問・ご要望", "本人です。でも娘が代わりに書いています"] in case.summary


@pytest.mark.parametrize("org", ORGS)
def test_what_is_that_asked_at_a_choice_step_is_answered_and_never_kept_as_a_question(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        TO_THE_METHOD
        + """
        会員: それは何ですか？
        窓口: 近いものを番号で選んでください
        窓口: 開示の方法を選んでください
        窓口にない: このご質問は、お申し出といっしょに担当者にお伝えします
        会員: 郵送
        会員: 160-0022
        会員: 東京都新宿区新宿6-24-20
        窓口にない: 担当者へのご質問・ご要望
        会員: 送信する
        窓口: 受け付けました
        """
    )
    assert "questions_for_staff" not in only_case(desk).fields


@pytest.mark.parametrize("org", ORGS)
def test_all_ads_but_the_general_meeting_notices_is_asked_again_with_the_words_kept(
    desk: Desk, org: str
) -> None:
    wish = "すべてです。ただ総代会のお知らせは欲しいです"
    desk.member(org=org).transcript(
        f"""
        会員: 8
        会員: 電話とメール
        窓口: 止める範囲を選んでください
        会員: {wish}
        窓口: 「すべての広告・ご案内」とも読めますが
        窓口: 止める範囲を選んでください
        窓口にない: どなたからのお申し出ですか
        会員: すべて
        窓口: どなたからのお申し出ですか
        {AS_HERSELF}
        窓口: ・担当者へのご質問・ご要望：{wish}
        会員: 送信する
        """
    )
    assert only_case(desk).fields["questions_for_staff"] == [wish]


@pytest.mark.parametrize("none", ["ありません", "特にございません", "ないです"])
def test_no_former_name_said_politely_is_taken_as_none(desk: Desk, none: str) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        会員: 開示をお願いしたいです
        会員: すべて
        会員: 本人
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: {none}
        窓口: 生年月日を入力してください
        """
    )


MULTI_CASES = [
    # (what the member wrote, the channels it names, whether the rest may change them)
    ("1と3です。カタログは夫あての分も止めてほしいです", ["paper_dm", "email"], False),
    ("電話とメールです。夜の電話が特に困ります", ["phone", "email"], False),
    ("1,3。でも紙のほうは少し考えます", ["paper_dm", "email"], True),
    ("1と3です。LINEも困ります", ["paper_dm", "email"], True),  # names one not picked
]


@pytest.mark.parametrize(("wish", "channels", "may_change"), MULTI_CASES)
def test_ads_to_stop_said_with_more_words_keep_the_words_for_staff(
    desk: Desk, wish: str, channels: list[str], may_change: bool
) -> None:
    member = desk.member(org="coopdeli")
    then = "とも読めますが" if may_change else "止める範囲を選んでください"
    member.transcript(
        f"""
        会員: 8
        窓口: 止めたいものを選んでください
        会員: {wish}
        窓口: お申し出に書き添えて担当者にお伝えします
        窓口: {then}
        """
    )
    if may_change:
        member.transcript(
            """
            会員: 1,3
            窓口: 止める範囲を選んでください
            """
        )
    member.transcript(
        f"""
        会員: すべて
        {AS_HERSELF}
        窓口: ・担当者へのご質問・ご要望：{wish}
        会員: 送信する
        窓口: 受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["channels"] == channels
    assert case.fields["questions_for_staff"] == [wish]


@pytest.mark.parametrize(
    "wish", ["1と3です", "1と3です。よろしくお願いします", "1、3でお願いします"]
)
def test_ads_to_stop_said_politely_are_just_taken(desk: Desk, wish: str) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        会員: 8
        会員: {wish}
        窓口: 止める範囲を選んでください
        窓口にない: 担当者にお伝えします
        会員: すべて
        {AS_HERSELF}
        窓口にない: 担当者へのご質問・ご要望
        会員: 送信する
        窓口: 受け付けました
        """
    )
    case = only_case(desk)
    assert case.fields["channels"] == ["paper_dm", "email"]
    assert "questions_for_staff" not in case.fields


EN = Translator("en")
CHANNELS = consent_withdrawal.CHANNELS


@pytest.mark.parametrize(
    ("typed", "picked"),
    [
        ("1,3", ["paper_dm", "email"]),
        ("1と3です", ["paper_dm", "email"]),
        ("1、3でお願いします", ["paper_dm", "email"]),
        ("電話とメール", ["phone", "email"]),
        ("電話 メール", ["phone", "email"]),
        ("1 and 3", ["paper_dm", "email"]),
        ("Phone and email, please", ["phone", "email"]),
        ("Paper mail and e-mail", ["paper_dm", "email"]),
    ],
)
def test_several_choices_are_read_from_numbers_or_words_in_a_polite_frame(
    typed: str, picked: list[str]
) -> None:
    translator = EN if typed.isascii() and not typed[0].isdigit() else JA
    parsed = values.parse_multi(translator, Given(choice=None, text=typed), CHANNELS)
    assert parsed.ok and parsed.value == picked


@pytest.mark.parametrize("typed", ["1と9", "電話とぶどう", "phone and grapes", "", "と"])
def test_a_list_with_a_part_that_names_no_choice_is_refused_whole(typed: str) -> None:
    parsed = values.parse_multi(JA, Given(choice=None, text=typed), CHANNELS)
    assert not parsed.ok


@given(
    numbers=st.lists(st.integers(1, len(CHANNELS)), min_size=1, max_size=4),
    join=st.sampled_from([",", "、", "と", " ", " and ", "・", "，"]),
    frame=st.sampled_from(["", "です", "でお願いします", "。", "をお願いいたします"]),
)
def test_any_list_of_shown_numbers_reads_back_in_any_join_and_frame(
    numbers: list[int], join: str, frame: str
) -> None:
    typed = join.join(str(n) for n in numbers) + frame
    parsed = values.parse_multi(JA, Given(choice=None, text=typed), CHANNELS)
    assert parsed.ok, typed
    assert parsed.value == list(dict.fromkeys(CHANNELS[n - 1].id for n in numbers))


@given(text=st.text(max_size=80))
def test_any_text_at_a_step_of_several_choices_is_read_or_refused_never_a_crash(text: str) -> None:
    parsed = values.parse_multi(JA, Given(choice=None, text=text), CHANNELS)
    assert parsed.ok or parsed.error
    if parsed.ok:
        assert set(parsed.value) <= {option.id for option in CHANNELS}


@pytest.mark.parametrize("org", ORGS)
def test_a_son_unsure_whether_he_is_a_legal_representative_is_told_the_difference_not_guessed(
    desk: Desk, org: str
) -> None:
    unsure = "どちらになるのかよく分かりません。母は認知症気味ですが、後見人の手続きはしていません"
    desk.member(org=org).transcript(
        f"""
        会員: 開示をお願いしたいです
        会員: すべて
        窓口: どなたからのお申し出ですか
        会員: {unsure}
        窓口: 家庭裁判所で選ばれた成年後見人は「法定代理人」です
        窓口: ご本人から頼まれてお手続きをする方は「任意代理人」です
        窓口: どなたからのお申し出ですか
        窓口にない: として伺います
        会員: 任意代理人
        窓口: 代理人の方（ご自身）のお名前を入力してください
        """
    )


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("まちがいを直す", Option("correct", "まちがいを直す（訂正）", ("訂正", "直す"))),
        ("このチャットで", DISCLOSURE_METHOD_OPTIONS["chat"]),
    ],
)
def test_a_choices_own_words_typed_out_are_the_choice_not_more_words(
    text: str, option: Option
) -> None:
    assert not more_words.says_more(text, option, JA)


@pytest.mark.parametrize("said", ["by email please", "Email, please", "via email"])
def test_an_english_method_in_a_polite_frame_is_the_method_not_a_switch_to_stop_ads(
    desk: Desk, said: str
) -> None:
    desk.member(org="coopdeli", lang="en").transcript(
        f"""
        {EN_TO_THE_METHOD}
        会員: {said}
        窓口: Please enter the email address
        窓口にない: switch
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_questions_about_id_documents_and_days_asked_in_a_form_are_answered_from_the_policy(
    desk: Desk, org: str
) -> None:
    desk.member(org=org).transcript(
        """
        会員: 開示をお願いしたいです
        会員: すべて
        会員: 本人
        窓口: お名前（氏名）を入力してください
        会員: 本人確認にはどんな書類が要りますか？
        窓口: プライバシーポリシーには、本人確認に使う書類の記載がありません
        窓口: 担当者から個別にご案内します
        窓口にない: お名前は、生協にご登録の内容と照らし合わせて
        会員: 山田 花子
        窓口: フリガナ
        会員: どのくらい日数がかかりますか
        窓口: 14日
        窓口にない: このご質問は、お申し出といっしょに担当者にお伝えします
        """
    )


def test_an_english_no_for_a_former_surname_is_none(desk: Desk) -> None:
    desk.member(org="coopdeli", lang="en").transcript(
        """
        会員: I want to see my data
        会員: all
        会員: myself
        会員: Hanako Yamada
        会員: ヤマダ ハナコ
        会員: no
        窓口: Please enter the date of birth
        """
    )


def test_a_first_message_asking_for_two_things_starts_one_and_keeps_the_other(
    desk: Desk,
) -> None:
    both = (
        "母の住所を施設の住所に直していただきたいのと、"
        "母の情報をもう使わないでほしいのですが、可能でしょうか。"
    )
    desk.member(org="coopdeli").transcript(
        f"""
        会員: {both}
        窓口: 「利用停止・消去」のご希望も承りました。まず「訂正・追加・削除」を伺います。
        窓口: 送信したあとで「メニュー」と入力すると、続けてお申し込みいただけます
        窓口: ご希望の内容を選んでください
        """
    )


def test_an_english_first_message_asking_for_three_things_names_the_other_two(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli", lang="en").transcript(
        """
        会員: I would like a copy of all the data you have on me. Also please stop ads by email.
        窓口: We have also noted your wish for:
        窓口: Once it is sent, type "menu" to make the next request
        """
    )


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("総代会のお知らせは、カタログを止めても届きますか？", "総代会のお知らせなど"),
        ("総代会のお知らせはこれからも届くのでしょうか。", "引き続き届きます"),
        ("どんな個人情報を持っているんですか？", "取得する個人情報の種類"),
    ],
)
def test_a_question_that_names_a_requests_words_is_answered_not_taken_as_the_request(
    desk: Desk, asked: str, answered: str
) -> None:
    desk.member(org="coopdeli").transcript(
        f"""
        会員: {asked}
        窓口: {answered}
        窓口にない: 手続きです
        """
    )


def test_a_widow_asking_for_her_own_stop_and_her_late_husbands_is_told_both_are_heard(
    desk: Desk,
) -> None:
    both = (
        "はじめまして。八十になる年寄りでございます。カタログと電話を止めていただきたいのです。"
        "それと、昨年亡くなった主人の名前でもカタログが届いておりますので、"
        "そちらも止めていただけますでしょうか。"
    )
    desk.member(org="coopdeli").transcript(
        f"""
        会員: {both}
        窓口: 心よりお悔やみ申し上げます
        窓口: 「同意の撤回・広告等の停止」のご希望も承りました。まず「担当者へのご相談」を伺います。
        窓口: お申し出になる方（ご自身）のお名前を入力してください
        """
    )


def test_an_english_son_unsure_whether_he_is_a_guardian_is_told_the_difference(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli", lang="en").transcript(
        """
        会員: I want to see my data
        会員: all
        会員: I'm not sure which one. I look after my mother but I am not her guardian.
        窓口: a guardian appointed by the family court are "legal representatives"
        窓口: Who is making this request?
        窓口にない: We will take this as
        """
    )
