"""What the member testers found after the first merge of issue 16, small items."""

from __future__ import annotations

import pytest

from flows.cases import CaseActionError, check_identity_method
from flows.parsing import ERR_NAME_YES_NO, parse_name
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import file_a_complaint, only_case

ASK_TO_REPLY = "お返事は、このチャットにそのまま入力してください。"


@pytest.mark.parametrize("typed", ["いいえ", "はい", "イイエ", "はい。", "ｎｏ", "OK"])
def test_a_yes_or_no_at_the_name_step_is_never_a_name(typed: str) -> None:
    parsed = parse_name(typed)
    assert (parsed.value, parsed.error) == (None, ERR_NAME_YES_NO)


def test_a_staff_reply_that_already_asks_for_an_answer_asks_once(desk: Desk) -> None:
    member = desk.member(org="coopdeli")
    file_a_complaint(member)
    case = only_case(desk)
    desk.app.cases.reply(
        case.number, StaffActor.trusted("sato"), f"お電話の時間を教えてください。{ASK_TO_REPLY}"
    )
    assert member.read().count(ASK_TO_REPLY) == 1


def test_a_wrong_identity_method_tells_staff_which_ones_there_are() -> None:
    with pytest.raises(CaseActionError) as refused:
        check_identity_method("ファックス")
    assert "登録電話へ折返し（phone_callback）" in refused.value.ja
