"""Where the follow-up dialogue tests start, named as the story goes: a member files a
request, staff take it and write back or refuse it, the member reads what came. Each scene
is what a test used to write out line by line before its transcript; the transcript itself
stays in the test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import select

from storage.models import Case, CaseEvent, Conversation
from storage.staff import StaffActor
from tests.conftest import Desk, Member
from tests.flows.answers import MENU_NUMBER, answered_to_the_end, file_a_complaint

ORGS = ["seikatsuclub-kyosai", "coopdeli"]
STAFF = "sato"
# A member's own details typed through to a form's answer-method question (any request).
SELF_UP_TO_THE_METHOD = """
        会員: ほんにん
        会員: 山田 花子
        会員: ヤマダ ハナコ
        会員: なし
        会員: 昭和50年1月2日
        会員: 090-1234-5678
        会員: 1234-5678
"""


def stored_state(desk: Desk, member: Member) -> dict[str, Any]:
    """The member's dialogue state, as the desk stored it."""
    with desk.app.db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.chat_id == member.chat_id)
        ).one()
        return dict(conversation.state)


def finish_request(desk: Desk, member: Member, answers: Mapping[str, str] | None = None) -> Case:
    """Answer whatever the form asks with good answers (``answers`` first), then send; the
    new case."""
    before = {c.number for c in desk.app.cases.list_unaudited()}
    answered_to_the_end(
        desk.app.engine, lambda: stored_state(desk, member), member.says, answers=answers
    )
    (case,) = [c for c in desk.app.cases.list_unaudited() if c.number not in before]
    return case


def file_request(
    desk: Desk, member: Member, request_type: str, answers: Mapping[str, str] | None = None
) -> Case:
    """Take ``request_type`` to its end with good answers (``answers`` first); the new case."""
    member.says(MENU_NUMBER[request_type])
    return finish_request(desk, member, answers)


def filed(desk: Desk, org: str, request_type: str) -> tuple[Member, Case]:
    """A member of ``org`` who has sent ``request_type`` and read the receipt."""
    member = desk.member(org=org)
    case = file_request(desk, member, request_type)
    member.read()
    return member, case


def filed_disclosure(desk: Desk, org: str) -> tuple[Member, Case]:
    """A member of ``org`` who has sent a 開示 and read the receipt."""
    return filed(desk, org, "disclosure")


def filed_complaint(member: Member) -> Case:
    """The member's complaint handed to a person (``answers.COMPLAINT``), as the desk's only
    case so far."""
    file_a_complaint(member)
    (case,) = member.desk.app.cases.list_unaudited()
    return case


def staff_replied(desk: Desk, member: Member, case: Case, text: str) -> None:
    """Staff take the case and write ``text`` to the member, who reads it."""
    desk.app.cases.claim(case.number, StaffActor.trusted(STAFF))
    desk.app.cases.reply(case.number, StaffActor.trusted(STAFF), text)
    member.read()


def staff_refused(desk: Desk, case: Case, reason: str, *, identity_checked: bool = False) -> None:
    """Staff close the case as 対応不可 with ``reason`` (after recording the identity check,
    which a 開示 needs before it can close any other way)."""
    if identity_checked:
        desk.app.cases.verify_identity(case.number, StaffActor.trusted(STAFF), "phone_callback")
    desk.app.cases.close(case.number, StaffActor.trusted(STAFF), "refused", reason)


def member_messages(desk: Desk, number: str) -> list[str]:
    """The member's words passed on to the case, as staff read them."""
    case = desk.app.cases.get(number)
    with desk.app.db.transaction() as session:
        events = session.exec(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "member_message"
            )
        ).all()
    return [e.data.get("text", "") for e in events]


def kinds(desk: Desk, number: str) -> list[str]:
    """The kinds of the case's events, oldest first."""
    return [e.kind for e in desk.app.cases.detail_unaudited(number).events]
