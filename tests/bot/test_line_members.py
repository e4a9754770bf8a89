"""A member on LINE, as they would use it: adding the account, tapping quick replies and the
rich menu, typing sentences, sending what the desk cannot read, sending files, leaving."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import cli
from storage.models import Attachment
from storage.staff import StaffActor
from tests.bot.line_desk import LineDesk, LineMember, line_desk
from tests.fakes.line import FakeLine
from tests.fakes.slack_api import FakeSlackApi, Message
from tests.flows.answers import COMPLAINT

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)
FILES_ALLOWED = (
    'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
    "[attachments.coopdeli]\nallowed = true\nmax_mb = 1\n"
)
TAKUHAI = "C0TAKU"  # コープデリ's queue's channel in the Slack end-to-end tests' deployment
PLEASE_TYPE = "このチャットでは、文字でのご入力とボタンだけをお受けしています。"


def madoguchi(args: list[str], env: dict[str, str]) -> Result:
    """``madoguchi …`` in this process; the logging it configures is put back after."""
    before = structlog.get_config()
    try:
        return CliRunner().invoke(cli, args, env=env)
    finally:
        structlog.configure(**before)


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as api:
        yield api


@pytest.fixture
def desk(tmp_path: Path, fake: FakeLine) -> Iterator[LineDesk]:
    with line_desk(tmp_path, fake) as running:
        yield running


def test_adding_the_account_as_a_friend_is_greeted_with_the_choice_of_co_op(
    desk: LineDesk,
) -> None:
    member = LineMember(desk)
    greeting = member.follows()
    assert "ご利用の生協を選んでください" in greeting
    assert [label for label, _ in desk.fake.buttons(member.user_id)] == [
        "1. 生活クラブ共済連",
        "2. コープデリ",
    ]


def test_a_member_completes_a_disclosure_request_with_quick_replies(desk: LineDesk) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    receipt = member.completes("disclosure", with_buttons=True)
    assert "受付番号：CD-2026-00001" in receipt
    [case] = desk.cases_of(member.user_id)
    assert case.request_type == "disclosure" and case.channel == "line"
    # Every answer arrived as a free reply: nothing of the month's quota was spent.
    assert desk.fake.calls_to("push") == []


def test_a_member_completes_a_disclosure_request_in_their_own_words(desk: LineDesk) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    member.transcript(
        """
        会員: 私の情報を見せてほしいのですが
        窓口: 開示
        会員: 全部お願いします
        窓口: どなたからのお申し出ですか
        会員: 本人です
        窓口: お名前
        会員: 山田 花子
        窓口: フリガナ
        会員: ヤマダ ハナコ
        """
    )
    receipt = member.finishes(with_buttons=False)
    assert "受付番号" in receipt
    [case] = desk.cases_of(member.user_id)
    assert case.fields["name"] == "山田 花子"


@pytest.mark.parametrize("send", ["send_sticker", "send_location", "send_video", "send_audio"])
def test_what_the_desk_cannot_read_gets_a_polite_please_type_it_and_the_question_again(
    desk: LineDesk, send: str
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    answer = member._answer_to(lambda: getattr(desk.fake, send)(member.user_id))
    assert PLEASE_TYPE in answer
    assert "ご用件を選んでください" in answer


def test_a_message_of_a_kind_line_adds_later_is_answered_like_a_sticker(desk: LineDesk) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    new_kind = {"type": "message", "message": {"type": "hologram", "id": "5"}}
    answer = member._answer_to(lambda: desk.fake.send_event(member.user_id, new_kind))
    assert PLEASE_TYPE in answer


def test_a_message_edited_inside_a_form_is_not_taken_as_an_answer(desk: LineDesk) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    member.says("3")  # 開示
    member.says("すべての情報")
    edited = {
        "type": "messageEdited",
        "message": {"type": "text", "id": "7", "quoteToken": "q", "text": "一部の情報"},
    }
    answer = member._answer_to(lambda: desk.fake.send_event(member.user_id, edited))
    assert "送信したあとで編集されたメッセージは、お手続きに使うことができません" in answer
    assert "どなたからのお申し出ですか" in answer


def test_a_button_the_member_was_never_shown_is_refused_politely(desk: LineDesk) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    member.says("3")  # 開示: its first question
    answer = member._answer_to(
        lambda: desk.fake.press(member.user_id, "withdraw:CD-2026-99999", require_button=False)
    )
    assert "表示された番号か、選択肢の言葉でお選びください" in answer
    assert "どの情報の開示をご希望ですか" in answer


def test_unfollowing_marks_the_member_unreachable_on_open_cases_and_holds_messages(
    desk: LineDesk,
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    for line in COMPLAINT:
        member.says(line)
    [case] = desk.cases_of(member.user_id)
    event_id = desk.fake.unfollow(member.user_id)
    desk.settle()
    conversation = desk.conversation(member.user_id)
    assert conversation is not None and not conversation.reachable
    assert len(desk.events(case.number, "member_unreachable")) == 1
    assert desk.fake.redeliver(event_id) == 200
    desk.settle()
    assert len(desk.events(case.number, "member_unreachable")) == 1  # once

    desk.fake.advance(3600)
    desk.app.cases.reply(case.number, StaffActor.trusted("sato"), "お電話いたします。")
    desk.settle()
    assert desk.fake.calls_to("push") == []  # not spent on someone who left
    assert len(desk.pending(member.user_id)) == 1

    # Back as a friend: greeted, and what waited arrives.
    answer = member._answer_to(lambda: desk.fake.follow(member.user_id, unblocked=True))
    assert "お電話いたします。" in answer
    assert desk.pending(member.user_id) == []


def test_unfollowing_is_shown_in_the_cases_slack_thread_at_once(
    tmp_path: Path, fake: FakeLine
) -> None:
    """The card sync is woken by the unfollow itself, not left to its timer (an hour here),
    so staff know before they write a reply that will not arrive."""
    with FakeSlackApi() as slack, line_desk(tmp_path, fake, slack=slack) as desk:
        member = LineMember(desk)
        member.at_the_menu()
        for line in COMPLAINT:
            member.says(line)
        [case] = desk.cases_of(member.user_id)

        def card(api: FakeSlackApi) -> Message | None:
            return next(
                (m for m in api.messages(TAKUHAI) if m.thread_ts is None and case.number in m.text),
                None,
            )

        slack.wait_for(lambda api: card(api) is not None)  # the member's turn woke it
        posted = card(slack)
        assert posted is not None
        fake.unfollow(member.user_id)
        desk.settle()
        slack.wait_for(
            lambda api: any(
                "メッセージが届きません" in m.text for m in api.thread(TAKUHAI, posted.ts)
            )
        )


def test_a_file_where_the_org_allows_files_is_fetched_and_checked_by_its_bytes(
    tmp_path: Path, fake: FakeLine
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(FILES_ALLOWED, encoding="utf-8")
    with line_desk(tmp_path, fake, deployment=deployment) as desk:
        member = LineMember(desk)
        member.at_the_menu()
        member.says(COMPLAINT[0])
        fake.fail_next("content", status=502)  # retried: the member notices nothing
        answer = member._answer_to(lambda: fake.send_file(member.user_id, PDF, name="委任状.pdf"))
        assert "「委任状.pdf」（1 KB）を受け取りました" in answer
        answer = member._answer_to(lambda: fake.send_image(member.user_id, JPEG))
        assert "「写真」（1 KB）を受け取りました" in answer
        answer = member._answer_to(
            lambda: fake.send_file(member.user_id, b"MZ\x90\x00" + bytes(300), name="書類.pdf")
        )
        assert "この種類のファイルはお受けできません" in answer
        fetched = len(fake.calls_to("content"))
        answer = member._answer_to(
            lambda: fake.send_file(member.user_id, PDF + bytes(1024 * 1024), name="big.pdf")
        )
        assert "1MBまでのファイルを送ってください" in answer
        assert len(fake.calls_to("content")) == fetched  # refused by its declared size
        with desk.app.db.transaction() as session:
            stored = [(a.name, a.mime, a.sha256) for a in session.exec(select(Attachment))]
        assert stored == [
            ("委任状.pdf", "application/pdf", hashlib.sha256(PDF).hexdigest()),
            (None, "image/jpeg", hashlib.sha256(JPEG).hexdigest()),
        ]


def test_where_files_are_off_a_photo_is_explained_and_never_downloaded(
    desk: LineDesk,
) -> None:
    member = LineMember(desk)
    member.at_the_menu()
    answer = member._answer_to(lambda: desk.fake.send_image(member.user_id, JPEG))
    assert "写真や書類のファイルはお受けしていません" in answer
    assert desk.fake.calls_to("content") == []


def test_a_slow_turn_shows_lines_loading_animation(tmp_path: Path, fake: FakeLine) -> None:
    with line_desk(tmp_path, fake) as desk:
        desk.channel.loading_after = 0.0  # every turn counts as slow
        member = LineMember(desk)
        member.follows()
        fake.wait_for(lambda api: bool(api.calls_to("loading")))
        [call] = fake.calls_to("loading")
        assert call.body == {"chatId": member.user_id, "loadingSeconds": 20}
        assert call.status == 202


def test_line_setup_makes_the_rich_menu_once_and_its_buttons_reach_the_engine(
    tmp_path: Path, fake: FakeLine, desk: LineDesk
) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'setup.sqlite3'}",
        "LINE_CHANNEL_SECRET": fake.channel_secret,
        "LINE_CHANNEL_ACCESS_TOKEN": fake.access_token,
        "LINE_API_BASE_URL": fake.base_url,
        "LINE_DATA_API_BASE_URL": fake.base_url,
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }
    first = madoguchi(["line", "setup"], env=env)
    assert first.exit_code == 0, first.output
    assert "created and set as the default" in first.output
    again = madoguchi(["line", "setup"], env=env)
    assert "already the default" in again.output
    assert len(fake.rich_menus) == 1
    [menu] = fake.rich_menus.values()
    assert fake.default_rich_menu == menu["richMenuId"]
    assert [a["action"]["label"] for a in menu["areas"]] == [
        "開示",
        "訂正",
        "停止",
        "状況",
        "担当者",
    ]

    designed = tmp_path / "menu.png"
    from bot.channels.line.setup import plain_image

    designed.write_bytes(plain_image() + b"designed")
    third = madoguchi(["line", "setup", "--image", str(designed)], env=env)
    assert "Removed 1 earlier" in third.output
    assert len(fake.rich_menus) == 1 and fake.default_rich_menu != menu["richMenuId"]

    member = LineMember(desk)
    member.at_the_menu()
    assert "どの情報の開示をご希望ですか" in member.taps_menu("disclosure")
    # Inside that form, 訂正 offers to switch rather than being taken as an answer.
    assert "「訂正・追加・削除」のお手続きに切り替えますか" in member.taps_menu("correction")
    assert "受付済みのお申し出はありません" in member.taps_menu("status")


def test_line_needs_both_its_secret_and_its_token(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'setup.sqlite3'}",
        "LINE_CHANNEL_SECRET": "only-the-secret",
    }
    done = madoguchi(["line", "setup"], env=env)
    assert done.exit_code != 0
    assert (
        "LINE_CHANNEL_SECRET is set but LINE_CHANNEL_ACCESS_TOKEN is not"
        in str(done.exception) + done.output
    )
