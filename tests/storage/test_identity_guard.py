"""Personal-data requests are answered only after the requester is confirmed (both co-ops'
policies promise it): 回答済 and 一部対応 need a recorded identity check, 対応不可 does not."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from flows.cases import CaseActionError
from storage.models import Case
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import COMPLAINT
from tests.storage.test_member_data import file_request

IDENTITY_BOUND = (
    "disclosure",
    "third_party_record",
    "correction",
    "suspension",
    "third_party_stop",
)
# A question for a person, then the name.
INQUIRY = ("1", "その他", "家族の分もまとめて頼めますか", "山田 花子")
REFUSAL = "本人確認の記録がないため、「回答済」「一部対応」では完了できません。"


def filed(desk: Desk, request_type: str) -> str:
    file_request(desk.member("hanako", org="coopdeli"), request_type, {})
    return desk.app.cases.list_unaudited()[-1].number


def told_member(desk: Desk) -> str:
    return "\n".join(m.text for m in desk.member("hanako").received)


@pytest.mark.parametrize("request_type", IDENTITY_BOUND)
@pytest.mark.parametrize("outcome", ["answered", "partial"])
def test_a_personal_data_request_without_an_identity_check_cannot_close_as_answered(
    desk: Desk, request_type: str, outcome: str
) -> None:
    number = filed(desk, request_type)
    heard = told_member(desk)
    with pytest.raises(CaseActionError) as refused:
        desk.app.cases.close(
            number, StaffActor.trusted("sato"), outcome, "一部の記録のみお送りします"
        )
    assert REFUSAL in refused.value.ja
    with pytest.raises(CaseActionError):
        desk.app.cases.check_close(number, outcome)
    with pytest.raises(CaseActionError):
        desk.app.cases.draft(
            number, StaffActor.trusted("sato"), "close", "一部の記録のみ", outcome=outcome
        )
    assert desk.app.cases.detail_unaudited(number).case.status == "received"
    assert told_member(desk) == heard  # nothing reached the member

    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    if outcome == "answered" and request_type in ("disclosure", "third_party_record"):
        # 回答済 also needs the answer sent (test_answer_delivery); here it went by post.
        desk.app.cases.record_paper_send(
            number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 22)
        )
    closed = desk.app.cases.close(
        number, StaffActor.trusted("sato"), outcome, "一部の記録のみお送りします"
    )
    assert closed.status == outcome


def test_a_draft_written_before_the_check_was_undone_cannot_be_confirmed(desk: Desk) -> None:
    """The rule holds at confirmation too: a draft is not a way around it."""
    number = filed(desk, "disclosure")
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "document")
    draft = desk.app.cases.draft(
        number, StaffActor.trusted("sato"), "close", "一部のみ", outcome="partial"
    )
    with desk.app.db.transaction() as session:  # as if the check were never recorded
        case = session.exec(select(Case).where(Case.number == number)).one()
        case.identity_method = None
    with pytest.raises(CaseActionError, match="No identity check"):
        desk.app.cases.send_draft(draft, number, StaffActor.trusted("sato"))
    assert desk.app.cases.detail_unaudited(number).case.status == "in_progress"


@pytest.mark.parametrize("request_type", IDENTITY_BOUND)
def test_a_request_whose_requester_could_not_be_confirmed_can_still_be_refused(
    desk: Desk, request_type: str
) -> None:
    number = filed(desk, request_type)
    reason = "ご本人であることを確認できなかったため"
    draft = desk.app.cases.draft(
        number, StaffActor.trusted("sato"), "close", reason, outcome="refused"
    )
    closed = desk.app.cases.send_draft(draft, number, StaffActor.trusted("sato"))
    assert (closed.status, closed.outcome_reason) == ("refused", reason)
    assert reason in told_member(desk)


@pytest.mark.parametrize("request_type", ["inquiry", "human"])
def test_an_inquiry_or_a_handover_closes_as_answered_without_an_identity_check(
    desk: Desk, request_type: str
) -> None:
    member = desk.member("hanako", org="coopdeli")
    for line in COMPLAINT if request_type == "human" else INQUIRY:
        member.says(line)
    [case] = desk.app.cases.list_unaudited()
    assert case.request_type == request_type
    # Confirmed: staff answered by phone (closing a question never replied to asks first).
    closed = desk.app.cases.close(
        case.number, StaffActor.trusted("sato"), "answered", confirmed=True
    )
    assert closed.status == "answered"
