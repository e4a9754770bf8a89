"""A question or a complaint closed as 回答済 tells the member it was answered: when staff never
sent them a reply, the case service asks staff to confirm first (the terminal's ``--force``,
Slack's tick), as it does for unread messages and a paused due date."""

from __future__ import annotations

from datetime import date

import pytest

from flows.cases import CloseNeedsConfirmation
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.flows.answers import COMPLAINT
from tests.storage.test_identity_guard import INQUIRY
from tests.storage.test_member_data import file_request


def filed(desk: Desk, lines: tuple[str, ...] | list[str]) -> str:
    member = desk.member("hanako", org="coopdeli")
    for line in lines:
        member.says(line)
    return desk.app.cases.list_unaudited()[-1].number


@pytest.mark.parametrize("lines", [INQUIRY, COMPLAINT], ids=["question", "complaint"])
def test_a_question_or_complaint_never_replied_to_is_not_closed_as_answered_unconfirmed(
    desk: Desk, lines: tuple[str, ...]
) -> None:
    number = filed(desk, lines)
    with pytest.raises(CloseNeedsConfirmation) as held:
        desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    assert held.value.unanswered and not held.value.unread and not held.value.paused
    assert "会員にまだ一度も返信していません" in held.value.ja
    assert desk.app.cases.get(number).status == "received"
    with pytest.raises(CloseNeedsConfirmation):
        desk.app.cases.check_close(number, "answered")  # what the Slack form checks
    with pytest.raises(CloseNeedsConfirmation):  # nor through a draft (a reason to preview)
        desk.app.cases.draft(
            number,
            StaffActor.trusted("sato"),
            "close",
            "お電話でお答えしました",
            outcome="answered",
        )

    closed = desk.app.cases.close(number, StaffActor.trusted("sato"), "answered", confirmed=True)
    assert closed.status == "answered"


@pytest.mark.parametrize("lines", [INQUIRY, COMPLAINT], ids=["question", "complaint"])
def test_a_question_or_complaint_replied_to_closes_as_answered_without_asking(
    desk: Desk, lines: tuple[str, ...]
) -> None:
    number = filed(desk, lines)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), "ご家族の分もまとめて承ります。")
    assert desk.app.cases.close(number, StaffActor.trusted("sato"), "answered").status == "answered"


def test_a_question_never_replied_to_may_be_refused_with_its_reason_without_asking(
    desk: Desk,
) -> None:
    number = filed(desk, INQUIRY)
    refused = desk.app.cases.close(
        number, StaffActor.trusted("sato"), "refused", "お答えできる内容ではないため"
    )
    assert refused.status == "refused"  # the reason itself reaches the member


def test_a_complaint_made_on_a_request_asks_before_it_closes_as_answered_with_no_reply(
    desk: Desk,
) -> None:
    member = desk.member("hanako", org="coopdeli")
    file_request(member, "disclosure", {})
    number = desk.app.cases.list_unaudited()[-1].number
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    member.says("対応が遅すぎます。責任者を出してください")
    desk.app.cases.mark_read(number)
    with pytest.raises(CloseNeedsConfirmation) as held:
        desk.app.cases.close(number, StaffActor.trusted("sato"), "answered")
    assert held.value.unanswered


def test_a_request_answered_by_post_closes_as_answered_with_no_chat_reply(desk: Desk) -> None:
    member = desk.member("hanako", org="coopdeli")
    file_request(member, "disclosure", {})
    number = desk.app.cases.list_unaudited()[-1].number
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    desk.app.cases.record_paper_send(
        number, StaffActor.trusted("sato"), "簡易書留", date(2026, 11, 22)
    )
    assert desk.app.cases.close(number, StaffActor.trusted("sato"), "answered").status == "answered"
