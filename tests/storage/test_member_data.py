"""What madoguchi holds about one member, for a disclosure: all of theirs, none of anyone else's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from flows.cases import CaseActionError
from storage.member_data import (
    BY_MEMBER_NUMBER,
    BY_PHONE_AND_NAME,
    LINKED,
    LINKED_BY_STAFF,
    THIS_CASE,
    UNLINKED,
    MemberData,
    MemberKeys,
    PossibleMatch,
    collect,
)
from storage.models import CaseEvent, Conversation
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, Member, build_desk
from tests.flows.answers import GOOD_ANSWERS, MENU_NUMBER, pending_step

KYOSAI = "seikatsuclub-kyosai"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FILES_ON = (
    'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
    "[attachments.seikatsuclub-kyosai]\nallowed = true\n"
)
HANAKO = {"member_number": "1234-5678", "phone": "090-1234-5678"}
# Same household phone, another person: must never appear in Hanako's disclosure.
TARO = {"name": "山田 太郎", "kana": "ヤマダ タロウ", "phone": "090-1234-5678"}
OTHER = {"name": "佐藤 一郎", "kana": "サトウ イチロウ", "phone": "03-1111-2222"}
# Someone who knows Hanako's member number and types it as theirs.
IMPOSTOR = {
    "name": "鈴木 次郎",
    "kana": "スズキ ジロウ",
    "phone": "080-5555-6666",
    "member_number": "1234-5678",
}


def state_of(desk: Desk, chat_id: str) -> dict[str, object]:
    with desk.app.db.transaction() as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.chat_id == chat_id)
        ).one()
        return dict(conversation.state)


def file_request(
    member: Member,
    request_type: str,
    answers: dict[str, str],
    *,
    send: bool = True,
    started: bool = False,
) -> None:
    """Answer every question of ``request_type`` with ``GOOD_ANSWERS`` and ``answers``."""
    desk, given = member.desk, GOOD_ANSWERS | answers
    if not started:
        member.says(MENU_NUMBER[request_type])
    for _ in range(40):
        state = state_of(desk, member.chat_id)
        if state["mode"] == "summary":
            if send:
                member.says("送信する")
            return
        if state["mode"] == "reuse":  # answers of an earlier request offered: typed anew
            member.says("使わない")
            continue
        step = pending_step(desk.app.engine, state)  # type: ignore[arg-type]
        assert step is not None
        member.says(given[step])
    raise AssertionError("the flow did not end")


@dataclass
class Scene:
    desk: Desk
    disclosure: str  # Hanako's disclosure request
    withdrawal: str  # Hanako's earlier consent withdrawal, same chat
    elsewhere: str  # Hanako again, from another chat, same member number
    taro: str
    other: str


@contextmanager
def scene_on(database_url: str, clock: Clock, directory: Path) -> Iterator[Scene]:
    """Hanako's withdrawal (with a file), then her disclosure, from one chat; a request of hers
    from another chat with her member number; Taro on her household phone; someone else; and
    a correction Hanako has started but not sent."""
    deployment = directory / "madoguchi.toml"
    deployment.write_text(FILES_ON, encoding="utf-8")
    desk = build_desk(database_url, clock, deployment)
    numbers = lambda: [c.number for c in desk.app.cases.list_unaudited()]  # noqa: E731
    try:
        hanako = desk.member("hanako", org=KYOSAI)
        hanako.says(MENU_NUMBER["consent_withdrawal"])
        hanako.sends_file(PDF, name="委任状.pdf", caption="念のため")
        file_request(hanako, "consent_withdrawal", HANAKO | {"channels": "1、3"}, started=True)
        withdrawal = numbers()[-1]
        clock.advance(days=1)
        file_request(hanako, "disclosure", HANAKO)
        disclosure = numbers()[-1]
        desk.app.cases.claim(disclosure, StaffActor.trusted("sato"))
        desk.app.cases.reply(disclosure, StaffActor.trusted("sato"), "開示の準備をしています。")

        again = desk.member("hanako-phone", org=KYOSAI)
        file_request(again, "purpose_notice", HANAKO | {"phone": "03-9999-0000"})
        elsewhere = numbers()[-1]
        taro = desk.member("taro", org=KYOSAI)
        file_request(taro, "disclosure", TARO)
        other = desk.member("other", org=KYOSAI)
        file_request(other, "consent_withdrawal", OTHER)
        file_request(hanako, "correction", HANAKO, send=False)
        yield Scene(desk, disclosure, withdrawal, elsewhere, numbers()[-2], numbers()[-1])
    finally:
        desk.app.db.close()


@pytest.fixture
def scene(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[Scene]:
    with scene_on(database_url, clock, tmp_path) as built:
        yield built


def verified_and_linked(scene: Scene) -> None:
    """Staff check Hanako's identity on her disclosure, compare her request from the other chat
    and vouch that it is hers."""
    cases = scene.desk.app.cases
    cases.verify_identity(scene.disclosure, StaffActor.trusted("sato"), "phone_callback")
    cases.link_member(scene.disclosure, StaffActor.trusted("sato"), scene.elsewhere.lower())


def test_before_the_identity_check_a_disclosure_holds_only_the_requesting_conversation(
    scene: Scene,
) -> None:
    data = collect(scene.desk.app.db, scene.disclosure.lower())

    assert data.case.number == scene.disclosure and not data.verified
    # Her other chat has her member number and name, but typed details prove nothing.
    assert [(c.conversation.chat_id, c.matched_by) for c in data.conversations] == [
        ("hanako", THIS_CASE)
    ]
    assert [r.case.number for r in data.cases] == [scene.withdrawal, scene.disclosure]
    assert scene.elsewhere not in repr(data) and "03-9999-0000" not in repr(data)
    # Staff are told where to look, by case number only.
    assert scene.desk.app.cases.possible_matches(scene.disclosure) == [
        PossibleMatch(scene.elsewhere, BY_MEMBER_NUMBER)
    ]


def test_a_disclosure_gathers_all_of_the_members_cases_lines_consents_and_files(
    scene: Scene,
) -> None:
    verified_and_linked(scene)
    data = collect(scene.desk.app.db, scene.disclosure.lower())

    assert data.case.number == scene.disclosure
    assert [r.case.number for r in data.cases] == [
        scene.withdrawal,
        scene.disclosure,
        scene.elsewhere,
    ]
    by_number = {r.case.number: r for r in data.cases}
    assert [e.kind for e in by_number[scene.disclosure].events] == [
        "created",
        "claimed",
        "replied",
        "identity_verified",
        LINKED,
    ]
    assert [e.kind for e in by_number[scene.withdrawal].events] == ["created", "attachment"]
    assert [(c.conversation.chat_id, c.matched_by, c.linked_via) for c in data.conversations] == [
        ("hanako", THIS_CASE, None),
        ("hanako-phone", LINKED_BY_STAFF, scene.elsewhere),
    ]
    assert sorted(c.channel for c in data.consents) == ["email", "paper_dm"]
    assert {c.case_id for c in data.consents} == {by_number[scene.withdrawal].case.id}
    [file] = data.files
    assert (file.name, file.mime, file.size, file.case_number) == (
        "委任状.pdf",
        "application/pdf",
        len(PDF),
        scene.withdrawal,
    )
    assert not hasattr(file, "data")
    assert scene.desk.app.cases.possible_matches(scene.disclosure) == []


def test_every_transcript_line_of_the_members_conversations_is_there(scene: Scene) -> None:
    verified_and_linked(scene)
    data = collect(scene.desk.app.db, scene.disclosure)
    with scene.desk.app.db.transaction() as session:
        mine = [c.conversation.id for c in data.conversations]
        every = session.exec(select(Conversation)).all()
        assert len(every) == 4
    lines = [line for record in data.conversations for line in record.transcript]
    assert {line.conversation_id for line in lines} == set(mine)
    texts = [line.text for line in lines]
    assert "開示の準備をしています。" in "\n".join(texts)
    assert "/start seikatsuclub-kyosai" in texts
    assert data.counts()["lines"] == len(lines) > 20


def test_a_request_being_entered_is_part_of_what_is_held(scene: Scene) -> None:
    data = collect(scene.desk.app.db, scene.disclosure)
    [hanako] = [c for c in data.conversations if c.conversation.chat_id == "hanako"]
    assert hanako.in_progress is not None
    assert hanako.in_progress.request_type == "correction"
    assert hanako.in_progress.answers["name"] == "山田 花子"
    assert all(c.in_progress is None for c in data.conversations if c is not hanako)


def test_someone_sharing_the_phone_or_anyone_else_is_not_included(scene: Scene) -> None:
    verified_and_linked(scene)
    scene.desk.app.cases.verify_identity(scene.taro, StaffActor.trusted("suzuki"), "document")
    data = collect(scene.desk.app.db, scene.disclosure)
    numbers = {r.case.number for r in data.cases}
    assert scene.taro not in numbers and scene.other not in numbers
    everything = repr(data)
    for theirs in ("山田 太郎", "佐藤 一郎", "03-1111-2222"):
        assert theirs not in everything

    # And the other way round: Taro's disclosure holds nothing of Hanako's.
    taros: MemberData = collect(scene.desk.app.db, scene.taro)
    assert [r.case.number for r in taros.cases] == [scene.taro]
    assert "山田 花子" not in repr(taros) and taros.consents == [] and taros.files == []
    # A shared household phone with another name is not even a possible match.
    assert scene.desk.app.cases.possible_matches(scene.taro) == []


def test_possible_matches_are_by_member_number_or_by_phone_with_name() -> None:
    hanako = MemberKeys.of({"name": "山田 花子", "phone": "090-1234-5678"})
    assert hanako.match(MemberKeys.of({"name": "山田　花子", "phone": "０９０１２３４５６７８"}))
    assert hanako.match(MemberKeys.of({"kana": "やまだ はなこ", "phone": "09012345678"})) is None
    assert MemberKeys.of({"kana": "ヤマダ ハナコ", "phone": "090-1234-5678"}).match(
        MemberKeys.of({"kana": "やまだ　はなこ", "phone": "09012345678"})
    )
    assert hanako.match(MemberKeys.of({"name": "山田 太郎", "phone": "090-1234-5678"})) is None
    numbered = MemberKeys.of({"member_number": "１２３４－５６７８"})
    assert numbered.match(MemberKeys.of({"member_number": "12345678"})) == BY_MEMBER_NUMBER
    assert MemberKeys.of({"member_number": ""}).match(MemberKeys.of({"member_number": ""})) is None


def test_an_unknown_case_is_an_error(desk: Desk) -> None:
    with pytest.raises(CaseActionError):
        collect(desk.app.db, "KY-2026-09999")


def test_a_member_who_claims_someone_elses_member_number_gets_only_their_own_data(
    scene: Scene,
) -> None:
    impostor = scene.desk.member("impostor", org=KYOSAI)
    file_request(impostor, "disclosure", IMPOSTOR)
    number = scene.desk.app.cases.list_unaudited()[-1].number
    # Even with their own identity checked, the number they typed proves nothing.
    scene.desk.app.cases.verify_identity(number, StaffActor.trusted("sato"), "document")

    data = collect(scene.desk.app.db, number)

    assert [c.conversation.chat_id for c in data.conversations] == ["impostor"]
    assert [r.case.number for r in data.cases] == [number]
    assert data.consents == [] and data.files == []
    everything = repr(data)
    for hers in ("山田 花子", "090-1234-5678", "03-9999-0000", "念のため", "委任状.pdf"):
        assert hers not in everything
    # Staff may see that the number is Hanako's, as case numbers to check, not her data.
    matches = scene.desk.app.cases.possible_matches(number)
    assert {m.number for m in matches} == {scene.withdrawal, scene.disclosure, scene.elsewhere}
    assert {m.why for m in matches} == {BY_MEMBER_NUMBER}


def test_the_same_phone_and_the_same_name_is_still_not_merged_until_staff_link(
    scene: Scene,
) -> None:
    twin = scene.desk.member("hanako-tablet", org=KYOSAI)
    file_request(twin, "purpose_notice", {"phone": "090-1234-5678"})
    tablet = scene.desk.app.cases.list_unaudited()[-1].number
    scene.desk.app.cases.verify_identity(
        scene.disclosure, StaffActor.trusted("sato"), "phone_callback"
    )

    data = collect(scene.desk.app.db, scene.disclosure)

    assert [c.conversation.chat_id for c in data.conversations] == ["hanako"]
    assert tablet not in {r.case.number for r in data.cases}
    assert PossibleMatch(tablet, BY_PHONE_AND_NAME) in scene.desk.app.cases.possible_matches(
        scene.disclosure
    )


def test_after_the_identity_check_a_staff_link_brings_in_that_conversation_on_record(
    scene: Scene,
) -> None:
    cases = scene.desk.app.cases
    cases.verify_identity(scene.disclosure, StaffActor.trusted("sato"), "phone_callback")
    cases.link_member(
        scene.disclosure, StaffActor.trusted("sato"), scene.elsewhere, key="cli:link:1"
    )
    cases.link_member(
        scene.disclosure, StaffActor.trusted("sato"), scene.elsewhere
    )  # twice: still one link

    data = collect(scene.desk.app.db, scene.disclosure)
    assert [c.conversation.chat_id for c in data.conversations] == ["hanako", "hanako-phone"]
    assert scene.elsewhere in {r.case.number for r in data.cases}
    [link] = [e for e in events_of(scene, scene.disclosure) if e.kind == LINKED]
    assert link.actor == "sato" and link.data["linked_case"] == scene.elsewhere
    [entry] = [e for e in scene.desk.app.audit.entries() if e.action == LINKED]
    assert (entry.actor, entry.case_number) == ("cli:sato", scene.disclosure)
    assert entry.detail == {
        "linked_case": scene.elsewhere,
        "conversation": link.data["conversation"],
    }

    # A mistaken link is undone the same way, on record; later exports leave it out.
    cases.unlink_member(scene.disclosure, StaffActor.trusted("suzuki"), scene.elsewhere)
    assert [
        c.conversation.chat_id for c in collect(scene.desk.app.db, scene.disclosure).conversations
    ] == ["hanako"]
    assert [e.action for e in scene.desk.app.audit.entries()][-1] == UNLINKED
    with pytest.raises(CaseActionError):
        cases.unlink_member(scene.disclosure, StaffActor.trusted("suzuki"), scene.elsewhere)


def test_staff_cannot_link_before_the_identity_check_nor_across_co_ops_or_the_same_chat(
    scene: Scene,
) -> None:
    cases = scene.desk.app.cases
    before = scene.desk.app.audit.entries()
    with pytest.raises(CaseActionError, match="Verify the requester"):
        cases.link_member(scene.disclosure, StaffActor.trusted("sato"), scene.elsewhere)
    assert scene.desk.app.audit.entries() == before

    cases.verify_identity(scene.disclosure, StaffActor.trusted("sato"), "phone_callback")
    with pytest.raises(CaseActionError, match="same conversation"):
        cases.link_member(scene.disclosure, StaffActor.trusted("sato"), scene.withdrawal)
    elsewhere_org = scene.desk.member("hanako-coopdeli", org="coopdeli")
    file_request(elsewhere_org, "purpose_notice", HANAKO)
    coopdeli = cases.list_unaudited()[-1].number
    with pytest.raises(CaseActionError, match="same co-op"):
        cases.link_member(scene.disclosure, StaffActor.trusted("sato"), coopdeli)
    assert not [e for e in events_of(scene, scene.disclosure) if e.kind == LINKED]


def events_of(scene: Scene, number: str) -> list[CaseEvent]:
    return scene.desk.app.cases.detail_unaudited(number).events


@pytest.mark.parametrize(
    ("mode", "resume_mode"),
    [("reuse", None), ("reuse_fix", None), ("resume", None), ("unclear", "flow")],
)
def test_a_request_left_at_a_question_inside_the_form_is_still_part_of_what_is_held(
    scene: Scene, mode: str, resume_mode: str | None
) -> None:
    """Left at 「前回と同じ内容を使いますか」, at the resume question, or at 「担当者に
    伝えますか」: the answers entered are still held, so the disclosure shows them."""
    with scene.desk.app.db.transaction() as session:
        hanako = session.exec(select(Conversation).where(Conversation.chat_id == "hanako")).one()
        hanako.state = {**hanako.state, "mode": mode, "resume_mode": resume_mode}
        session.add(hanako)
    data = collect(scene.desk.app.db, scene.disclosure)
    [record] = [c for c in data.conversations if c.conversation.chat_id == "hanako"]
    assert record.in_progress is not None
    assert record.in_progress.answers["name"] == "山田 花子"
