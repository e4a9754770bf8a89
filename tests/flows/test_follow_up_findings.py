"""What member testers found: a follow-up reaches the case it is about, a published question
is answered even while a case is open, a family member's death is never a correction, and a
member's view of their cases says only what is true of each case."""

from __future__ import annotations

import pytest

from flows import published
from flows.i18n import Translator
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.scenes import (
    ORGS,
    file_request,
    filed_complaint,
    filed_disclosure,
    member_messages,
    staff_refused,
)
from tests.flows.test_followups import REFUSAL

DISCLOSURE_REFUSAL = "ご登録の記録の中に、お申し出の情報は見つかりませんでした。"


@pytest.mark.parametrize("org", ORGS)
def test_why_after_a_refusal_reaches_the_refused_case_not_the_newest_open_one(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    refused = filed_complaint(member)
    staff_refused(desk, refused, REFUSAL)
    desk.clock.advance(days=1)
    newest = file_request(desk, member, "disclosure")
    member.read()
    member.transcript(
        f"""
        会員: なぜですか
        窓口: 受付番号 {refused.number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 受付番号 {newest.number} の担当者にお伝えしました。
        """
    )
    assert member_messages(desk, refused.number) == ["なぜですか"]
    assert member_messages(desk, newest.number) == []


@pytest.mark.parametrize("org", ORGS)
def test_a_member_who_asks_why_their_disclosure_was_refused_reaches_that_case_not_a_new_one(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    complaint = filed_complaint(member)
    disclosure = file_request(desk, member, "disclosure")
    staff_refused(desk, disclosure, DISCLOSURE_REFUSAL, identity_checked=True)
    desk.clock.advance(days=1)
    staff_refused(desk, complaint, REFUSAL)  # staff wrote last here
    member.read()
    words = (
        "先週、開示をおねがいしましたが、できませんでしたというお返事でした。"
        "なぜですか。わたしは本人です。"
    )
    member.transcript(
        f"""
        会員: {words}
        窓口: 受付番号 {disclosure.number} のお申し出は完了していますが、
        窓口: このご連絡は担当者にお伝えしました。
        窓口にない: 開示のお申し出ですね
        """
    )
    assert member_messages(desk, disclosure.number) == [words]
    assert len(desk.app.cases.list_unaudited()) == 2  # no new request was filed


@pytest.mark.parametrize("org", ORGS)
def test_why_with_two_cases_that_fit_equally_asks_which_case_with_its_type_and_date(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    first = filed_complaint(member)
    second = file_request(desk, member, "disclosure")
    member.read()
    member.transcript(
        f"""
        会員: どうしてですか
        窓口: どのお申し出についてのご連絡ですか。
        窓口: 受付番号 {first.number}（担当者へのご相談、
        窓口: 受付番号 {second.number}（開示、
        窓口にない: の担当者にお伝えしました。
        会員: 1
        窓口: 受付番号{first.number}の担当者にお伝えしました。
        """
    )
    assert member_messages(desk, first.number) == ["どうしてですか"]
    assert member_messages(desk, second.number) == []


PUBLISHED_QUESTIONS = [
    ("代表者はどなたですか", "representative"),
    ("誰かに渡していますか", "third_party"),
    ("受付時間は何時までですか", "contact"),
    ("お金はかかりますか。", "fees"),
    ("私の情報は何につかわれているのでしょうか。", "purposes"),
]


def first_line(topic: str, org: str, desk: Desk) -> str:
    return published.answer(topic, desk.app.orgs[org], Translator("ja")).splitlines()[0]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("closed", [False, True], ids=["open", "recently_closed"])
def test_a_published_question_while_a_case_is_open_or_recently_closed_is_relayed_and_answered(
    desk: Desk, org: str, closed: bool
) -> None:
    """Whatever the member writes later reaches a person; the published answer is given too."""
    member = desk.member(org=org)
    case = file_request(desk, member, "disclosure")
    if closed:
        staff_refused(desk, case, DISCLOSURE_REFUSAL, identity_checked=True)
    member.read()
    for question, topic in PUBLISHED_QUESTIONS:
        reply = member.transcript(
            f"""
            会員: {question}
            窓口: 受付番号 {case.number}
            窓口: 担当者にお伝えしました。
            窓口: {first_line(topic, org, desk)}
            """
        )
        assert reply.index("担当者にお伝えしました") < reply.index(first_line(topic, org, desk))
    assert member_messages(desk, case.number) == [q for q, _ in PUBLISHED_QUESTIONS]


@pytest.mark.parametrize("org", ORGS)
def test_a_timing_question_while_a_case_is_open_still_reaches_its_staff(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        f"""
        会員: 私の件の手数料はいつ払えばいいですか
        窓口: 受付番号 {case.number} の担当者にお伝えしました。
        """
    )


PURPOSE_QUESTIONS = [
    "私の情報は何につかわれているのでしょうか。",
    "わたしの情報を何につかっているのか、おしえてください",
    "何のために私の情報を使っているのですか。",
]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("question", PURPOSE_QUESTIONS)
def test_a_member_asking_what_their_data_is_used_for_gets_the_published_purposes(
    desk: Desk, org: str, question: str
) -> None:
    member = desk.member(org=org)
    member.transcript(
        f"""
        会員: {question}
        窓口: の利用目的は次のとおりです。
        窓口: 正式に「利用目的の通知」をご請求いただくこともできます。
        """
    )
    assert desk.app.cases.list_unaudited() == []


_WHO = ["", "私の情報は", "わたしの情報を", "私の個人情報は", "組合員の情報を"]
_HOW = [
    "何に使っている",
    "何につかっている",
    "なにに使われている",
    "何につかわれている",
    "何のために使っている",
    "なんのためにつかっている",
    "どう使っている",
    "どのようにつかわれている",
]
_ENDING = [
    "のですか。",
    "のでしょうか。",
    "のか、おしえてください",
    "のか教えてください",
    "の？",
    "んですか",
]


@pytest.mark.parametrize("ending", _ENDING)
@pytest.mark.parametrize("how", _HOW)
def test_every_way_of_asking_what_the_data_is_used_for_reads_as_the_purposes_question(
    how: str, ending: str
) -> None:
    for who in _WHO:
        question = f"{who}{how}{ending}"
        topic = published.question_about(question)
        assert topic is not None and topic.id == "purposes", question


@pytest.mark.parametrize("org", ORGS)
def test_the_third_party_answer_is_the_profiles_plain_words_once(desk: Desk, org: str) -> None:
    member = desk.member(org=org)
    reply = member.says("誰かに渡していますか")
    profile = desk.app.orgs[org]
    assert profile.third_party_plain is not None
    assert reply.count(profile.third_party_plain.ja) == 1
    for case in [*profile.third_party_exceptions, *profile.not_third_party]:
        assert case.ja not in reply, case.ja  # the legal list is in the policy, not read out


@pytest.mark.parametrize(
    ("org", "words"),
    [
        (None, "生活クラブの共済です。主人が入っていました"),
        ("seikatsuclub-kyosai", "生活クラブの共済です。主人が入っていました"),
        ("coopdeli", "夫がコープ共済に入っていました"),
        ("seikatsuclub-kyosai", "母が亡くなりました。共済のことで相談です"),
    ],
)
def test_a_member_whose_spouse_was_a_member_is_taken_to_a_person_not_a_correction(
    desk: Desk, org: str | None, words: str
) -> None:
    member = desk.member(org=org)
    reply = member.says(words)
    if org is None:
        assert "このたびは、心よりお悔やみ申し上げます。" in reply
        reply = member.says("生活クラブ共済連")
    else:
        assert "このたびは、心よりお悔やみ申し上げます。" in reply
    assert "亡くなった方の情報についてのご相談は、担当者がお受けします。" in reply
    assert "訂正" not in reply


def test_a_death_told_before_the_org_is_chosen_gets_condolence_first_and_is_taken_up_after(
    desk: Desk,
) -> None:
    for org in ("生活クラブ共済連", "コープデリ"):
        member = desk.member(chat_id=org)
        member.transcript(
            f"""
            会員: こんにちは。先月、主人が亡くなりました。
            窓口: このたびは、心よりお悔やみ申し上げます。
            窓口: ありがとうございます。ご用件は、生協を選んだあとに続けて伺います。
            会員: {org}
            窓口: {org}の個人情報の窓口です。
            窓口: 亡くなった方の情報についてのご相談は、担当者がお受けします。
            窓口: 担当者におつなぎします。
            窓口にない: お悔やみ
            """
        )
        assert "お申し出になる方（ご自身）のお名前" in member.received[-1].text


@pytest.mark.parametrize("org", ORGS)
def test_a_reopened_case_whose_identity_was_never_checked_does_not_claim_it_was(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    case = filed_complaint(member)
    staff_refused(desk, case, REFUSAL)
    desk.app.cases.reopen(case.number, StaffActor.trusted("sato"), "会員から再度のお問い合わせ")
    member.read()
    member.transcript(
        f"""
        会員: 状況
        窓口: 受付番号 {case.number}（
        窓口: 担当者が手続きを進めています。
        窓口にない: ご本人確認が済み
        """
    )
    desk.app.cases.verify_identity(case.number, StaffActor.trusted("sato"), "phone_callback")
    member.read()
    member.transcript(
        """
        会員: 状況
        窓口: ご本人確認が済み、担当者が手続きを進めています。
        """
    )


@pytest.mark.parametrize("org", ORGS)
def test_a_closed_case_in_the_list_shows_its_outcome_and_close_date_never_a_due_date(
    desk: Desk, org: str
) -> None:
    member = desk.member(org=org)
    late = file_request(desk, member, "disclosure")
    closed = file_request(desk, member, "disclosure")
    staff_refused(desk, closed, DISCLOSURE_REFUSAL, identity_checked=True)
    desk.clock.advance(days=60)
    member.read()
    reply = member.says("状況")
    (closed_line,) = [line for line in reply.splitlines() if line.startswith(closed.number)]
    assert "お申し出のとおりの対応はできませんでした。" in closed_line
    assert "完了日：" in closed_line and "回答期限" not in closed_line
    lines = reply.splitlines()
    after_closed = lines[lines.index(closed_line) + 1]
    assert "お待たせしており申し訳ございません" not in after_closed  # the apology is the other's
    (late_line,) = [line for line in lines if line.startswith(late.number)]
    assert "回答期限の目安" in late_line
    assert "お待たせしており申し訳ございません" in lines[lines.index(late_line) + 1]


@pytest.mark.parametrize("org", ORGS)
def test_asking_why_the_co_op_uses_their_data_while_a_case_is_open_is_answered_and_relayed(
    desk: Desk, org: str
) -> None:
    member, case = filed_disclosure(desk, org)
    member.transcript(
        """
        会員: 申請方法を教えてください
        窓口: 担当者にお伝えしました
        会員: なぜ私の情報を使っているのですか。
        窓口: 担当者にお伝えしました
        窓口: の利用目的は次のとおりです。
        """
    )
    assert member_messages(desk, case.number) == [
        "申請方法を教えてください",
        "なぜ私の情報を使っているのですか。",
    ]
