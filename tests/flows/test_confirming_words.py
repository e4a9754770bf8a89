"""The yes an older member types at a confirmation: 「はい、これで送ってください」
「これで大丈夫です」「問題ありません」 send the request; a yes taken back (「はい、でも住所を
直したい」), a negation or a plain wait never does. The other yes/no confirmations take
「はい、」 before their own word or a polite 「お願いします」 the same way."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.dialogue import choosing
from flows.dialogue.choosing import SUMMARY_OPTIONS, Given, resolve
from flows.dialogue.names import CANCEL, CONTINUE, EDIT, NO, SUBMIT, YES
from flows.i18n import Translator
from flows.steps import Option
from tests.conftest import Desk
from tests.flows.answers import only_case
from tests.flows.test_more_than_the_choice import TO_THE_METHOD

JA = Translator("ja")
FAST = settings(max_examples=200, deadline=None)

# Every confirmation or offer with a yes: the option 「はい」 picks, and the list.
CONFIRMATIONS = {
    "summary": choosing.SUMMARY_OPTIONS,
    "restart": choosing.CONFIRM_RESTART_OPTIONS,
    "org_switch": choosing.CONFIRM_ORG_SWITCH_OPTIONS,
    "withdraw": choosing.CONFIRM_WITHDRAW_OPTIONS,
    "cancel": choosing.CONFIRM_CANCEL_OPTIONS,
    "reuse": choosing.REUSE_OPTIONS,
    "resume": choosing.RESUME_OPTIONS,
}


def picked(typed: str, options: Sequence[Option]) -> str | None:
    option = resolve(Given(choice=None, text=typed), options, JA)
    return option.id if option else None


@pytest.mark.parametrize(
    "typed",
    [
        "はい、これで送ってください",
        "はい、これでお願いします",
        "これで大丈夫です",
        "それでお願いします",
        "はい、送信してください",
        "問題ありません",
        "特に問題ありません。",
        "これでいいです",
        "この内容でお願いいたします",
        "はい。お願いします",
        "はい、そうしんしてください",
        "ハイ、コレデオネガイシマス",
    ],
)
def test_a_polite_yes_at_the_summary_sends(typed: str) -> None:
    assert picked(typed, SUMMARY_OPTIONS) == SUBMIT


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("送信しないでください", None),
        ("いいえ", None),
        ("ちょっと待ってください", None),
        ("これではなくて", None),
        ("はい、でも住所を直したい", None),
        ("はい、ただ少し待ってください", None),
        ("大丈夫です", None),  # as often a polite 'no, thank you' as a yes
        ("はい、やめます", None),  # a yes and 'stop': two answers
        ("これでいいですか？", None),
        ("はい、修正します", None),
        ("修正したいです", EDIT),
        ("やめる", CANCEL),
    ],
)
def test_a_negation_a_wait_or_a_yes_taken_back_never_sends(
    typed: str, expected: str | None
) -> None:
    assert picked(typed, SUMMARY_OPTIONS) == expected


@pytest.mark.parametrize(
    ("confirmation", "typed", "expected"),
    [
        ("restart", "はい、やり直します", YES),
        ("restart", "はい、お願いします", YES),
        ("restart", "はい、続けます", None),  # yes to 'start again?' and 'go on': ask again
        ("org_switch", "はい、切り替えてください", YES),
        ("org_switch", "はい、お願いいたします", YES),
        ("withdraw", "はい、取り下げてください", YES),
        ("cancel", "はい、やめてください", YES),
        ("cancel", "はい、お願いします", YES),
        ("cancel", "はい、でも少し考えます", None),
        ("reuse", "はい、使います", YES),
        ("reuse", "はい、それでお願いします", YES),
        ("reuse", "はい、修正します", None),
        ("resume", "はい、続けます", CONTINUE),
        ("resume", "はい、続きからお願いします", CONTINUE),
        ("resume", "はい、でも最初からにします", None),
        ("cancel", "いいえ、続けます", NO),
    ],
)
def test_a_leading_yes_before_the_choices_own_word_or_a_please_picks_yes(
    confirmation: str, typed: str, expected: str | None
) -> None:
    assert picked(typed, CONFIRMATIONS[confirmation]) == expected


def yes_of(options: Sequence[Option]) -> Option:
    option = resolve(Given(choice=None, text="はい"), options, JA)
    assert option is not None
    return option


SAID = ["{w}", "{w}です", "{w}でお願いします", "{w}にします", "{w}してください", "{w}。"]
YESES = ["はい、", "はい。", "はい ", "ええ、"]


@FAST
@given(
    options=st.sampled_from(list(CONFIRMATIONS.values())),
    data=st.data(),
    said=st.sampled_from(SAID),
    yes=st.sampled_from(YESES),
)
def test_a_leading_yes_never_changes_what_the_rest_picks_into_another_choice(
    options: Sequence[Option], data: st.DataObject, said: str, yes: str
) -> None:
    """「はい、」 before any choice's word picks that word's choice if it is the yes, and
    nothing otherwise: a yes is never read as 'stop' or 'edit', nor the other way round."""
    words = sorted({w for o in options for w in (JA(o.label), *o.aliases)} - {"はい"})
    rest = said.format(w=data.draw(st.sampled_from(words)))
    alone = resolve(Given(choice=None, text=rest), options, JA)
    after_yes = resolve(Given(choice=None, text=yes + rest), options, JA)
    if alone == yes_of(options):
        assert after_yes == alone, yes + rest
    else:
        assert after_yes in (None, alone if alone and alone.label.startswith("はい") else None)


@FAST
@given(
    options=st.sampled_from(list(CONFIRMATIONS.values())),
    but=st.sampled_from(["でも", "ただ", "けど", "だけど", "しかし", "いいえ"]),
    rest=st.text(alphabet="送信お願いしますこれでやめ取り下げ使う続け直住所、。", max_size=15),
)
def test_a_yes_taken_back_picks_nothing(options: Sequence[Option], but: str, rest: str) -> None:
    assert resolve(Given(choice=None, text=f"はい、{but}{rest}"), options, JA) is None


# --- the same at the desk, as a member types it ---------------------------------------------

TO_THE_SUMMARY = (
    TO_THE_METHOD
    + """
    会員: 郵送
    会員: 160-0022
    会員: 東京都新宿区新宿6-24-20
    窓口: 入力内容をご確認ください
"""
)


def test_a_member_who_answers_the_summary_in_her_own_polite_words_sends_after_the_wait(
    desk: Desk,
) -> None:
    desk.member(org="coopdeli").transcript(
        TO_THE_SUMMARY
        + """
        会員: ちょっと待ってください
        窓口: 「送信する」「修正する」「やめる」から選んでください
        窓口にない: 受け付けました
        会員: 送信しないでください
        窓口にない: 受け付けました
        会員: はい、でも住所を直したい
        窓口: 送り先のご住所を入力してください
        窓口にない: 受け付けました
        会員: 東京都新宿区新宿6-24-20 B1F
        窓口: 入力内容をご確認ください
        窓口: ・住所：東京都新宿区新宿6-24-20 B1F
        会員: はい、修正します
        窓口: 修正する項目を選んでください
        窓口にない: 受け付けました
        会員: 戻る
        窓口: 入力内容をご確認ください
        会員: はい、これで送ってください
        窓口: 受け付けました
        """
    )
    assert only_case(desk).fields["address"] == "東京都新宿区新宿6-24-20 B1F"


@pytest.mark.parametrize("typed", ["これで大丈夫です", "問題ありません", "それでお願いします"])
def test_a_member_who_agrees_with_the_summary_without_the_button_word_sends(
    desk: Desk, typed: str
) -> None:
    desk.member(org="coopdeli").transcript(
        TO_THE_SUMMARY
        + f"""
        会員: {typed}
        窓口: 受け付けました
        """
    )
    assert only_case(desk).request_type == "disclosure"
