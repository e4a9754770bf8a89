"""The requester's identity check is recorded once: a second record is refused politely, saying
when and how it was recorded, and the member never hears of a second check."""

from __future__ import annotations

import pytest

from flows.cases import IdentityAlreadyRecorded
from storage.staff import StaffActor
from tests.conftest import Desk
from tests.storage.test_identity_guard import filed
from tests.storage.test_member_data import file_request


def test_a_second_identity_check_on_a_case_is_refused_saying_when_and_how_it_was_recorded(
    desk: Desk,
) -> None:
    member = desk.member("hanako", org="coopdeli")
    file_request(member, "disclosure", {})
    number = desk.app.cases.list_unaudited()[-1].number
    member.read()
    desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "phone_callback")
    assert "ご本人確認ができました" in member.read()

    for actor, method in (("sato", "phone_callback"), ("suzuki", "document")):
        with pytest.raises(IdentityAlreadyRecorded) as refused:
            desk.app.cases.verify_identity(number, StaffActor.trusted(actor), method)
        assert "記録済みです（登録電話へ折返し）" in refused.value.ja
        assert "2026年11月22日(日)" in refused.value.ja
        assert "already recorded" in str(refused.value)
    with pytest.raises(IdentityAlreadyRecorded):
        desk.app.cases.check_identity_unrecorded(number)  # what the Slack form asks first

    detail = desk.app.cases.detail_unaudited(number)
    assert detail.case.identity_method == "phone_callback"
    assert [e.actor for e in detail.events if e.kind == "identity_verified"] == ["sato"]
    assert member.read() == ""  # the member hears of no second check


def test_a_retried_identity_check_with_its_key_is_a_silent_no_op(desk: Desk) -> None:
    number = filed(desk, "disclosure")
    desk.app.cases.verify_identity(
        number, StaffActor.trusted("sato"), "document", key="slack:view:V1"
    )
    again = desk.app.cases.verify_identity(
        number, StaffActor.trusted("sato"), "document", key="slack:view:V1"
    )
    assert again.identity_method == "document"
    events = desk.app.cases.detail_unaudited(number).events
    assert len([e for e in events if e.kind == "identity_verified"]) == 1
