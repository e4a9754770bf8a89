"""Staff in Slack, rule by rule: who may act, what a retry or a double submission does, the
supervisors' commands, pacing, transfers, extensions, take-overs, App Home and members' files.

Most tests share one ``madoguchi serve`` process (a module fixture) and each files its own case
from its own chat, so they stay independent while the file stays fast. Facts only the server's
database knows are polled with ``eventually``; everything Slack or Telegram sees is awaited.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from bot.slack.blocks import MAX_REPLY
from flows.i18n import Translator
from flows.office_calendar import is_open, last_open_day
from flows.profiles import OfficeDays
from flows.safe_text import BIDI_CONTROLS
from tests.bot.served import Member, eventually
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    OUTSIDER,
    STAFF,
    SUPERVISOR,
    Desk,
    _block_text,
    desk_running,
    file_request,
)
from tests.bot.test_terminal_end_to_end import ROOT, run
from tests.conftest import DATABASES, database_for
from tests.fakes.slack_api import (
    Ephemeral,
    FakeSlackApi,
    Message,
    Outgoing,
    SlackReply,
    UploadedFile,
    datepicker,
    plain_text,
    radio_buttons,
    static_select,
)
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

JST = ZoneInfo("Asia/Tokyo")
KYOSAI, COOPDELI = "seikatsuclub-kyosai", "coopdeli"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_chats = itertools.count(300)
# The sync spaces a channel's posts exactly 1.0 s apart when it sends them; where the fake
# stamps their arrival, a gap can come out a tenth of a millisecond short (seen: 0.9999 s).
ARRIVAL_JITTER = 0.05


# ---------------------------------------------------------------------- fixtures and helpers


def served_desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """One serve process with the fake Telegram and Slack, on the database the fixture's
    ``request.param`` names: the module-scoped ``desk`` of every Slack staff test file."""
    directory = tmp_path_factory.mktemp("desk")
    with (
        database_for(request.param, directory) as database,
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(fake, slack, directory, database=database) as running,
    ):
        yield running


@pytest.fixture(scope="module", params=DATABASES)
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """One serve process for the tests that need nothing special of it, per database."""
    yield from served_desk(request, tmp_path_factory)


def json_column(value: Any) -> Any:
    """A JSON column as read with plain SQL: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def new_case(desk: Desk, org: str, request_type: str = "human") -> tuple[int, str, Message]:
    """A member files a request; returns their chat, the case number and its card (with the
    thread's intake posted, so later thread posts are the sync's reaction to later events)."""
    chat_id = next(_chats)
    number = file_request(desk, chat_id, org, request_type)
    card = desk.card(CHANNELS[org], number)
    desk.wait_thread(CHANNELS[org], card.ts, "これまでのやりとり")
    return chat_id, number, card


def events(desk: Desk, number: str, kind: str | None = None) -> list[tuple[str, str, Any]]:
    """The case's events as (kind, actor, data), oldest first."""
    rows = desk.served.query(
        'SELECT e.kind, e.actor, e.data FROM caseevent e JOIN "case" c ON c.id = e.case_id '
        f"WHERE c.number = '{number}' ORDER BY e.id"
    )
    found = [(k, a, json_column(d)) for k, a, d in rows]
    return [e for e in found if kind is None or e[0] == kind]


def audit(desk: Desk, actor: str) -> list[tuple[str, str | None, int, Any]]:
    """The audit entries of one actor as (action, case_number, allowed, detail)."""
    rows = desk.served.query(
        "SELECT action, case_number, allowed, detail FROM auditentry "
        f"WHERE actor = '{actor}' ORDER BY id"
    )
    return [(a, n, int(ok), json_column(d)) for a, n, ok, d in rows]


def column(desk: Desk, number: str, name: str) -> Any:
    [(value,)] = desk.served.query(f"SELECT {name} FROM \"case\" WHERE number = '{number}'")
    return value


def mirrored(desk: Desk, number: str) -> bool:
    """Every event of the case is already reflected in its Slack thread (or needs no post)."""
    [(cursor, last)] = desk.served.query(
        "SELECT k.event_cursor, (SELECT MAX(e.id) FROM caseevent e WHERE e.case_id = c.id) "
        f"FROM \"case\" c JOIN casecard k ON k.case_id = c.id WHERE c.number = '{number}'"
    )
    return bool(cursor >= last)


def new_ephemeral(
    slack: FakeSlackApi, user: str, before: int, match: Callable[[Ephemeral], bool] = bool
) -> Ephemeral:
    """The first ephemeral shown to ``user`` after the first ``before`` ones (and matching)."""

    def found(api: FakeSlackApi) -> Ephemeral | None:
        return next((e for e in api.ephemerals(user)[before:] if match(e)), None)

    slack.wait_for(lambda api: found(api) is not None)
    shown = found(slack)
    assert shown is not None
    return shown


def note_barrier(desk: Desk, number: str, card: Message, staff: str, text: str) -> None:
    """A genuine internal note, awaited in the database: whatever was sent before it has had
    its turn, so counting afterwards can show that something did *not* happen."""
    reply = desk.sender.message(staff, card.channel, text, thread_ts=card.ts)
    assert reply.status == 200, reply
    eventually(lambda: any(d.get("text") == text for _, _, d in events(desk, number, "note")))


def resend(desk: Desk, **options: Any) -> SlackReply:
    """Slack sends the very same request again (a retry, or a double submission)."""
    last = desk.sender.last
    assert last is not None
    return desk.sender.send(last, **options)


def due_date(desk: Desk, number: str) -> date:
    """The case's current due date as staff see it (Japan)."""
    stored = datetime.fromisoformat(str(column(desk, number, "due_at")))
    return stored.replace(tzinfo=UTC).astimezone(JST).date()


def texts_to(fake: FakeBotApi, chat_id: int, part: str) -> list[str]:
    return [str(m["text"]) for m in fake.sent_messages(chat_id) if part in str(m["text"])]


# ---------------------------------------------------------------------- the thread


def test_the_thread_shows_the_desks_questions_with_each_choice_list_short_and_marks_the_request(
    desk: Desk,
) -> None:
    _, _, card = new_case(desk, KYOSAI, "disclosure")
    thread = "\n".join(_block_text(m.blocks) for m in desk.slack.thread(CHANNELS[KYOSAI], card.ts))
    chat = thread.split("これまでのやりとり")[1]
    assert "（メニューを表示）" in chat and "（選択肢 " in chat
    assert "[送信する]" not in chat and "[やめる]" not in chat  # no option list
    before, after = chat.split("―― ここから申出 ――")  # the chat before it stays
    assert "（メニューを表示）" in before and "会員: /start" in before
    assert "送信する" in after


# ---------------------------------------------------------------------- who may act


def test_forged_unsigned_and_stale_requests_are_refused_and_change_nothing(desk: Desk) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    before = events(desk, number)
    sender = desk.sender

    forged = sender.block_action(
        staff, "case_claim", channel=channel, message_ts=card.ts, secret="not-our-secret"
    )
    unsigned = sender.block_action(
        staff, "case_claim", channel=channel, message_ts=card.ts, signed=False
    )
    stale = sender.block_action(
        staff, "case_claim", channel=channel, message_ts=card.ts, timestamp=int(time.time()) - 600
    )
    forged_note = sender.message(
        staff, channel, "偽のメモ", thread_ts=card.ts, secret="not-our-secret"
    )
    assert [forged.status, unsigned.status, stale.status, forged_note.status] == [401] * 4

    # The same click, signed by Slack, does take effect: the refusals above were the signature.
    desk.click(staff, "case_claim", channel, card.ts)
    eventually(lambda: len(events(desk, number)) > len(before))
    after = events(desk, number)
    assert after[: len(before)] == before
    assert [(k, a) for k, a, _ in after[len(before) :]] == [("claimed", f"slack:{staff}")]
    assert not events(desk, number, "note")


def test_someone_not_staff_of_the_queue_cannot_claim_and_the_refusal_is_audited(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel = CHANNELS[COOPDELI]
    other_org_staff = STAFF[KYOSAI]

    for user in (OUTSIDER, other_org_staff):
        shown = len(desk.slack.ephemerals(user))
        desk.click(user, "case_claim", channel, card.ts)
        refusal = new_ephemeral(desk.slack, user, shown)
        assert "権限がありません" in refusal.text
        eventually(
            lambda user=user: (
                ("denied:claim", number, 0) in [r[:3] for r in audit(desk, f"slack:{user}")]
            )
        )
    assert column(desk, number, "assignee") is None
    assert not events(desk, number, "claimed")
    shown_card = desk.slack.message(channel, card.ts)
    assert shown_card is not None and "未割当" in _block_text(shown_card.blocks)

    # The queue's own staff can: the refusals were about who clicked.
    desk.click(STAFF[COOPDELI], "case_claim", channel, card.ts)
    eventually(lambda: bool(events(desk, number, "claimed")))
    assert [a for _, a, _ in events(desk, number, "claimed")] == [f"slack:{STAFF[COOPDELI]}"]


def test_someone_not_staff_who_opens_a_form_sees_the_refusal_in_the_modal(desk: Desk) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel = CHANNELS[COOPDELI]

    desk.click(OUTSIDER, "case_reply", channel, card.ts)

    def refusal(api: FakeSlackApi) -> bool:
        stack = api.open_modals(OUTSIDER)
        return bool(stack) and "権限がありません" in _block_text(stack[-1]["blocks"])

    desk.slack.wait_for(refusal)
    [top] = desk.slack.open_modals(OUTSIDER)
    assert top["callback_id"] == "case_notice" and "submit" not in top
    eventually(lambda: ("denied:reply", number, 0) in [r[:3] for r in audit(desk, "slack:UOUT")])

    # A button of a case that is not there (e.g. a card left over): the modal says so.
    staff = STAFF[COOPDELI]
    gone = desk.sender.block_action(
        staff, "case_close", "CD-2001-99999", channel=channel, message_ts=card.ts
    )
    assert gone.status == 200
    desk.slack.wait_for(
        lambda api: any(
            "見つかりませんでした" in _block_text(v["blocks"]) for v in api.open_modals(staff)
        )
    )


# ---------------------------------------------------------------------- retries and doubles


def test_a_retried_thread_message_is_one_internal_note_never_sent_to_the_member(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    member_saw = len(desk.telegram.sent_messages(chat_id))
    note = "電話で住所変更の件を確認済み（内部メモ）"

    first = desk.sender.message(staff, channel, note, thread_ts=card.ts, event_id="Ev0NOTE0001")
    assert first.status == 200, first
    eventually(lambda: bool(events(desk, number, "note")))
    retried = resend(desk, retry_num=1, retry_reason="http_timeout")
    assert retried.status == 200, retried
    note_barrier(desk, number, card, staff, "次のメモ")
    eventually(lambda: mirrored(desk, number))  # the sync has had every note

    assert sorted(d["text"] for _, _, d in events(desk, number, "note")) == sorted(
        [note, "次のメモ"]
    )
    assert note not in desk.thread_text(channel, card.ts)  # not echoed back by the sync
    assert len(desk.telegram.sent_messages(chat_id)) == member_saw
    assert not desk.served.query(f"SELECT id FROM outboxmessage WHERE text LIKE '%{note}%'")


def test_submitting_the_reply_confirmation_twice_sends_one_reply(desk: Desk) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    reply_text = "ご依頼の件、書類を郵送します。"

    desk.click(staff, "case_reply", channel, card.ts)
    preview = desk.submit(staff, "case_reply", {"reply": {"value": plain_text(reply_text)}})
    assert preview.json()["response_action"] == "update"
    desk.submit(staff, "case_reply_confirm", {})
    again = resend(desk)
    assert again.status == 200, again
    desk.telegram.wait_for(lambda api: bool(texts_to(api, chat_id, reply_text)), timeout=20)
    note_barrier(desk, number, card, staff, "返信済み")

    assert len(events(desk, number, "replied")) == 1
    unsent = f"SELECT id FROM outboxmessage WHERE chat_id = '{chat_id}' AND status != 'sent'"
    eventually(lambda: not desk.served.query(unsent))
    assert len(texts_to(desk.telegram, chat_id, reply_text)) == 1


def test_the_longest_reply_full_of_characters_slack_escapes_is_previewed_and_sent_whole(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    line = '「控え」&<写し>を"郵送"します\\。\n'  # &<> grow when escaped; " and \ in JSON
    reply_text = ("ご依頼の件です。" + line * MAX_REPLY)[: MAX_REPLY - 1] + "。"
    assert len(reply_text) == MAX_REPLY

    desk.click(staff, "case_reply", channel, card.ts)
    preview = desk.submit(staff, "case_reply", {"reply": {"value": plain_text(reply_text)}})
    view = preview.json()["view"]
    assert reply_text not in view["private_metadata"] and len(view["private_metadata"]) < 200
    texts = [b["text"] for b in view["blocks"] if b["type"] == "section"]
    sections = [text["text"] for text in texts]
    # Unescaped, the longest reply fits one section; a longer preview is split (never cut).
    assert sections and all(len(text) <= 3000 for text in sections)
    # Shown as characters, not markup: plain_text, which Slack shows as written (an entity
    # there would be read as "&lt;").
    assert all(text["type"] == "plain_text" for text in texts)
    assert "&<写し>" in sections[0] and "&lt;" not in sections[0]
    shown = "".join(sections)
    assert re.sub(r"\s", "", reply_text) in re.sub(r"\s", "", shown)  # split, never cut

    desk.submit(staff, "case_reply_confirm", {})
    desk.telegram.wait_for(lambda api: bool(texts_to(api, chat_id, reply_text)), timeout=20)
    [(_, _, data)] = events(desk, number, "replied")
    assert data["text"] == reply_text
    desk.wait_thread(channel, card.ts, "会員へ返信しました")


def test_the_confirmation_sends_the_stored_text_whatever_the_client_sends_back(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    reply_text = "確認のうえ、書類をお送りします。"
    desk.click(staff, "case_reply", channel, card.ts)
    desk.submit(staff, "case_reply", {"reply": {"value": plain_text(reply_text)}})
    [confirmation] = desk.slack.open_modals(staff)
    assert confirmation["callback_id"] == "case_reply_confirm"

    # Someone else submits this staff member's confirmation: refused, nothing sent.
    shown = len(desk.slack.ephemerals(SUPERVISOR))
    assert desk.sender.view_submission(SUPERVISOR, confirmation, {}).status == 200
    assert "ほかの方" in new_ephemeral(desk.slack, SUPERVISOR, shown).text

    # The staff member's own confirmation, with text slipped into its metadata.
    outgoing = desk.sender.build_view_submission(staff, confirmation, {})
    meta = json.loads(outgoing.payload["view"]["private_metadata"])
    meta["text"] = "改ざんされた文面"
    outgoing.payload["view"]["private_metadata"] = json.dumps(meta, ensure_ascii=False)
    form = {"payload": json.dumps(outgoing.payload, ensure_ascii=False)}
    forged = Outgoing(urlencode(form).encode(), outgoing.content_type, outgoing.payload)
    assert desk.sender.send(forged).status == 200

    desk.telegram.wait_for(lambda api: bool(texts_to(api, chat_id, reply_text)), timeout=20)
    assert not texts_to(desk.telegram, chat_id, "改ざん")
    assert [d["text"] for _, _, d in events(desk, number, "replied")] == [reply_text]


def test_a_double_click_on_claim_records_one_claim(desk: Desk) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]

    desk.click(staff, "case_claim", channel, card.ts)
    desk.click(staff, "case_claim", channel, card.ts)
    note_barrier(desk, number, card, staff, "担当しました")

    assert len(events(desk, number, "claimed")) == 1


# ---------------------------------------------------------------------- supervisors' commands


def test_a_supervisor_reads_the_transcript_on_record_and_staff_are_refused(desk: Desk) -> None:
    _, number, _card = new_case(desk, COOPDELI)
    slack = desk.slack

    shown = len(slack.ephemerals(SUPERVISOR))
    reply = desk.sender.slash_command(SUPERVISOR, text=f"transcript {number}", channel="C0SUPER")
    assert reply.status == 200, reply
    answer = new_ephemeral(slack, SUPERVISOR, shown, lambda e: number in e.text)
    assert answer.via == "response_url"
    transcript = _block_text(answer.blocks)
    assert "会員: /start coopdeli" in transcript and "ご用件：相談" in transcript
    eventually(
        lambda: ("view_transcript", number, 1) in [r[:3] for r in audit(desk, "slack:USUPER")]
    )

    staff = STAFF[COOPDELI]
    shown = len(slack.ephemerals(staff))
    desk.sender.slash_command(staff, text=f"transcript {number}", channel=CHANNELS[COOPDELI])
    refusal = new_ephemeral(slack, staff, shown)
    assert "責任者だけ" in refusal.text
    assert "/start" not in refusal.text + _block_text(refusal.blocks)
    eventually(
        lambda: ("denied:transcript", number, 0) in [r[:3] for r in audit(desk, f"slack:{staff}")]
    )
    assert ("view_transcript", number, 1) not in [r[:3] for r in audit(desk, f"slack:{staff}")]


def test_a_supervisor_finds_a_case_by_phone_in_any_width_and_the_search_is_audited(
    desk: Desk,
) -> None:
    _, number, _card = new_case(desk, COOPDELI, "purpose_notice")
    slack = desk.slack
    searches = ["03-5285-1865", "０３－５２８５－１８６５", "03-9999-0000"]
    answers = []
    for query in searches:
        shown = len(slack.ephemerals(SUPERVISOR))
        reply = desk.sender.slash_command(SUPERVISOR, text=f"find {query}", channel="C0SUPER")
        assert reply.status == 200, reply
        answers.append(new_ephemeral(slack, SUPERVISOR, shown).text)

    assert number in answers[0] and number in answers[1]
    assert number not in answers[2] and "見つかりませんでした" in answers[2]

    def finds() -> list[Any]:
        return [r for r in audit(desk, "slack:USUPER") if r[0] == "find"]

    eventually(lambda: len(finds()) >= 3)
    assert [number in r[3]["matched"] for r in finds()[-3:]] == [True, True, False]
    assert all(r[2] == 1 for r in finds())


def test_the_members_data_of_a_disclosure_goes_into_its_thread_for_its_staff_only(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    assert "保有データを出力" in _block_text(card.blocks)

    shown = len(desk.slack.ephemerals(OUTSIDER))
    desk.click(OUTSIDER, "case_member_data", channel, card.ts)
    assert "権限がありません" in new_ephemeral(desk.slack, OUTSIDER, shown).text
    eventually(
        lambda: ("denied:member_data", number, 0) in [r[:3] for r in audit(desk, "slack:UOUT")]
    )

    desk.click(staff, "case_member_data", channel, card.ts)
    name = f"{number}-member-data.html"
    desk.slack.wait_for(lambda api: any(f.filename == name for f in api.uploaded_files()))
    [upload] = [f for f in desk.slack.uploaded_files() if f.filename == name]
    assert (upload.channel, upload.thread_ts) == (channel, card.ts)
    html = upload.data.decode("utf-8")
    assert "madoguchi が保有するお客様の情報" in html and "山田 花子" in html
    assert f"出力者 slack:{staff}" in html
    [(_, case_number, allowed, detail)] = [
        r for r in audit(desk, f"slack:{staff}") if r[0] == "view_member_data"
    ]
    # Every member in this file has the same name and phone, but before staff check the
    # requester's identity and link another chat, only this chat's data goes out.
    assert (case_number, allowed, detail["format"]) == (number, 1, "html")
    assert (detail["conversations"], detail["cases"]) == (1, 1) and number in html
    assert "本人確認の前のため" in upload.initial_comment


def test_eight_clicks_and_a_retry_upload_the_members_data_once_until_it_changes(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    name = f"{number}-member-data.html"

    def uploads() -> int:
        return sum(1 for f in desk.slack.uploaded_files() if f.filename == name)

    def told_already() -> int:
        return sum(1 for e in desk.slack.ephemerals(staff) if "すでにこのスレッドに" in e.text)

    def on_record() -> int:
        return sum(
            1 for r in audit(desk, f"slack:{staff}") if r[:2] == ("view_member_data", number)
        )

    told = told_already()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: desk.click(staff, "case_member_data", channel, card.ts), range(8)))
    assert resend(desk).status == 200  # Slack delivers the last click once more
    desk.slack.wait_for(lambda _api: told_already() == told + 8 and uploads() == 1)
    note_barrier(desk, number, card, staff, "書類を確認しました")  # new data from here on

    assert uploads() == 1 and on_record() == 1
    desk.click(staff, "case_member_data", channel, card.ts)
    desk.slack.wait_for(lambda _api: uploads() == 2)
    eventually(lambda: on_record() == 2)


def test_staff_link_another_chat_of_the_member_in_slack_only_after_the_identity_check(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI, "disclosure")
    _, other, _ = new_case(desk, COOPDELI, "disclosure")  # same name and phone, another chat
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]

    def form_shows(text: str) -> Callable[[FakeSlackApi], bool]:
        def check(api: FakeSlackApi) -> bool:
            stack = api.open_modals(staff)
            return bool(stack) and text in _block_text(stack[-1]["blocks"])

        return check

    desk.click(staff, "case_member_link", channel, card.ts)
    desk.slack.wait_for(form_shows("まだ本人確認をしていません"))
    assert "submit" not in desk.slack.open_modals(staff)[-1]

    desk.click(staff, "case_verify", channel, card.ts)
    desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
    eventually(lambda: bool(events(desk, number, "identity_verified")))
    desk.click(staff, "case_member_link", channel, card.ts)
    desk.slack.wait_for(form_shows(f"{other}（電話番号とお名前が同じ）"))

    own = desk.submit(
        staff, "case_member_link", {"other": {"value": plain_text(number)}, "action": {}}
    )
    assert own.json()["response_action"] == "errors" and "同じ会話" in own.json()["errors"]["other"]
    desk.submit(
        staff,
        "case_member_link",
        {"other": {"value": plain_text(other.lower())}, "action": {"value": radio_buttons("link")}},
    )
    eventually(lambda: bool(events(desk, number, "member_linked")))
    [(_, actor, data)] = events(desk, number, "member_linked")
    assert (actor, data["linked_case"]) == (f"slack:{staff}", other)
    assert ("member_linked", number, 1) in [r[:3] for r in audit(desk, f"slack:{staff}")]
    desk.wait_thread(channel, card.ts, f"{other} の会話をご本人のものとして結び付けました")

    desk.click(staff, "case_member_data", channel, card.ts)
    name = f"{number}-member-data.html"
    desk.slack.wait_for(lambda api: any(f.filename == name for f in api.uploaded_files()))
    [upload] = [f for f in desk.slack.uploaded_files() if f.filename == name]
    html = upload.data.decode("utf-8")
    assert other in html and "担当者がご本人のものと確かめた会話 1件" in html


def test_a_disclosure_without_an_identity_check_cannot_be_answered_from_the_close_form(
    desk: Desk,
) -> None:
    chat_id, number, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    before = len(desk.telegram.sent_messages(chat_id))

    desk.click(staff, "case_close", channel, card.ts)
    answered = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
    assert answered.json()["response_action"] == "errors"
    assert "本人確認の記録がないため" in answered.json()["errors"]["outcome"]
    partial = desk.submit(
        staff,
        "case_close",
        {
            "outcome": {"value": radio_buttons("partial")},
            "reason": {"value": plain_text("一部の記録のみお送りします")},
        },
    )
    assert partial.json()["response_action"] == "errors"  # refused before any preview
    assert "本人確認の記録がないため" in partial.json()["errors"]["outcome"]
    assert not events(desk, number, "closed")
    assert len(desk.telegram.sent_messages(chat_id)) == before  # the member heard nothing

    desk.click(staff, "case_verify", channel, card.ts)
    desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
    eventually(lambda: bool(events(desk, number, "identity_verified")))
    desk.click(staff, "case_close", channel, card.ts)
    unsent = desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
    assert "まだ回答を送っていない" in unsent.json()["errors"]["outcome"]  # 回答済 needs it sent
    posted = run(
        ["staff", "posted", number, "--method", "簡易書留"],
        {
            **os.environ,
            "DATABASE_URL": desk.served.db_url,
            "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
            "MADOGUCHI_STAFF": "sato",
        },
    )
    assert posted.returncode == 0, posted.stderr
    desk.submit(staff, "case_close", {"outcome": {"value": radio_buttons("answered")}})
    eventually(lambda: column(desk, number, "status") == "answered")


def test_a_second_identity_check_in_slack_is_refused_politely_and_never_recorded(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI, "disclosure")
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]

    def form_of(user: str) -> dict[str, Any] | None:
        stack = desk.slack.open_modals(user)
        return stack[-1] if stack and stack[-1]["callback_id"] == "case_verify" else None

    # Two people open the form before either records the check.
    desk.click(SUPERVISOR, "case_verify", channel, card.ts)
    desk.slack.wait_for(lambda api: form_of(SUPERVISOR) is not None)
    stale = form_of(SUPERVISOR)
    assert stale is not None
    desk.click(staff, "case_verify", channel, card.ts)
    desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
    eventually(lambda: bool(events(desk, number, "identity_verified")))
    desk.card_shows(channel, card.ts, "登録電話へ折返し")

    shown = len(desk.slack.ephemerals(SUPERVISOR))
    late = desk.sender.view_submission(
        SUPERVISOR, stale, {"method": {"value": radio_buttons("document")}}
    )
    assert late.status == 200
    desk.slack.wait_for(
        lambda api: any(
            "記録済みです（登録電話へ折返し）" in e.text for e in api.ephemerals(SUPERVISOR)[shown:]
        )
    )
    assert [d["method"] for _, _, d in events(desk, number, "identity_verified")] == [
        "phone_callback"
    ]

    # The button again: the modal says so, with nothing to submit.
    desk.click(staff, "case_verify", channel, card.ts)
    desk.slack.wait_for(
        lambda api: any(
            m["callback_id"] == "case_notice" and "記録済みです" in _block_text(m["blocks"])
            for m in api.open_modals(staff)
        )
    )
    assert "submit" not in desk.slack.open_modals(staff)[-1]
    assert column(desk, number, "identity_method") == "phone_callback"


# ---------------------------------------------------------------------- moving cases on


SECOND_QUEUE = (
    '\n[queues.takuhai-soudan]\norg = "coopdeli"\nname = "宅配相談室"\n'
    '\n[slack.queues.takuhai-soudan]\nchannel = "C0SOUDAN"\nstaff = ["USOUDAN"]\n'
)
"""A second queue of coopdeli: a coopdeli case may be transferred there, never to kyosai-bu."""
SOUDAN, SOUDAN_STAFF = "C0SOUDAN", "USOUDAN"


@pytest.fixture(scope="module", params=DATABASES)
def two_queues(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """A serve process whose deployment gives coopdeli a second queue."""
    directory = tmp_path_factory.mktemp("queues")
    with (
        database_for(request.param, directory) as database,
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(
            fake, slack, directory, database=database, more_deployment=SECOND_QUEUE
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def transferred(two_queues: Desk) -> tuple[str, Message, str]:
    """A coopdeli case that its staff transferred to its second queue: (number, card, note)."""
    desk = two_queues
    _, number, card = new_case(desk, COOPDELI)
    note = "相談室の担当のため、こちらでお願いします"
    staff = STAFF[COOPDELI]
    desk.click(staff, "case_transfer", CHANNELS[COOPDELI], card.ts)
    desk.submit(
        staff,
        "case_transfer",
        {"queue": {"value": static_select("takuhai-soudan")}, "note": {"value": plain_text(note)}},
    )
    return number, card, note


def test_a_transferred_case_gets_a_new_card_and_the_old_one_says_where_it_went(
    two_queues: Desk, transferred: tuple[str, Message, str]
) -> None:
    desk = two_queues
    number, old, _note = transferred
    new = desk.card(SOUDAN, number)
    assert "未割当" in _block_text(new.blocks) and "宅配相談室" in _block_text(new.blocks)
    moved = desk.card_shows(CHANNELS[COOPDELI], old.ts, "宅配相談室 へ転送しました")
    assert not any(b.get("type") == "actions" for b in moved.blocks)
    assert column(desk, number, "queue") == "takuhai-soudan"

    # The case now belongs to the second queue's staff.
    desk.click(SOUDAN_STAFF, "case_claim", SOUDAN, new.ts)
    desk.card_shows(SOUDAN, new.ts, f"<@{SOUDAN_STAFF}>")


def test_the_transfer_note_reaches_the_new_queue(
    two_queues: Desk, transferred: tuple[str, Message, str]
) -> None:
    desk = two_queues
    number, _old, note = transferred
    new = desk.card(SOUDAN, number)
    desk.wait_thread(SOUDAN, new.ts, "これまでのやりとり")
    eventually(lambda: mirrored(desk, number))
    assert note in desk.thread_text(SOUDAN, new.ts)


def test_the_transfer_form_never_offers_another_co_ops_queue(two_queues: Desk) -> None:
    desk = two_queues
    _, number, card = new_case(desk, COOPDELI)
    staff = STAFF[COOPDELI]
    before = {m["id"] for m in desk.slack.open_modals(staff)}  # an earlier test's form
    desk.click(staff, "case_transfer", CHANNELS[COOPDELI], card.ts)

    def transfer_form(api: FakeSlackApi) -> dict[str, Any] | None:
        """The form this click opened, once filled in. The click first opens a loading modal
        (「… を読み込んでいます」, which names the case too) and updates it in place after the
        lookups: waiting for the case number alone could catch that placeholder."""
        return next(
            (
                m
                for m in api.open_modals(staff)
                if m["id"] not in before
                and m["callback_id"] == "case_transfer"
                and number in m["private_metadata"]
            ),
            None,
        )

    desk.slack.wait_for(lambda api: transfer_form(api) is not None)
    form = json.dumps(transfer_form(desk.slack), ensure_ascii=False)
    assert "宅配相談室" in form and "共済部" not in form and "kyosai-bu" not in form


def submit_extension(desk: Desk, staff: str, day: date, reason: str) -> Any:
    """The 期限延長 form, sent with a date picked and a reason typed."""
    return desk.submit(
        staff,
        "case_extend",
        {"due": {"value": datepicker(day.isoformat())}, "reason": {"value": plain_text(reason)}},
    )


def test_an_extension_tells_the_member_why_and_an_earlier_date_is_refused(desk: Desk) -> None:
    chat_id, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    due = due_date(desk, number)
    reason = "保存書庫からの取り寄せに時間がかかるため"

    desk.click(staff, "case_extend", channel, card.ts)
    earlier = submit_extension(desk, staff, due - timedelta(days=3), reason)
    assert earlier.json()["response_action"] == "errors"
    assert "due" in earlier.json()["errors"]
    assert not events(desk, number, "extended")

    before = len(desk.telegram.sent_messages(chat_id))
    later = due + timedelta(days=14)
    # On the real clock two weeks on may be a closed day: the date promised is the one before.
    promised = last_open_day(later, OfficeDays())
    preview = submit_extension(desk, staff, later, reason)
    assert preview.json()["view"]["callback_id"] == "case_extend_confirm"
    assert reason in _block_text(preview.json()["view"]["blocks"])
    assert not events(desk, number, "extended")  # nothing reaches the member before 延長する
    desk.submit(staff, "case_extend_confirm", {})
    told = Member(desk.telegram, desk.served, chat_id)._await_answer(before)
    assert reason in told and number in told
    assert Translator("ja").date(promised) in told
    eventually(lambda: due_date(desk, number) == promised)
    [(_, actor, data)] = events(desk, number, "extended")
    assert actor == f"slack:{staff}" and data["reason"] == reason


def test_an_extension_past_the_two_weeks_the_policy_allows_is_refused_in_the_form(
    desk: Desk,
) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    due = due_date(desk, number)

    desk.click(staff, "case_extend", channel, card.ts)
    past_cap = due + timedelta(days=15)  # an open day: a closed one could move back inside
    while not is_open(past_cap, OfficeDays()):
        past_cap += timedelta(days=1)
    beyond = submit_extension(desk, staff, past_cap, "取り寄せに時間がかかるため")
    assert beyond.json()["response_action"] == "errors"
    assert "合わせて14日まで" in beyond.json()["errors"]["due"]
    assert not events(desk, number, "extended")


def test_picking_the_current_due_date_is_not_an_extension(desk: Desk) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    due = due_date(desk, number)

    desk.click(staff, "case_extend", channel, card.ts)
    same = submit_extension(desk, staff, due, "確認中")
    assert (same.json() or {}).get("response_action") == "errors"


def test_a_supervisor_takes_over_a_claimed_case_only_after_confirming(desk: Desk) -> None:
    _, number, card = new_case(desk, KYOSAI)
    channel, staff = CHANNELS[KYOSAI], STAFF[KYOSAI]
    desk.click(staff, "case_claim", channel, card.ts)
    desk.card_shows(channel, card.ts, f"<@{staff}>")

    desk.click(SUPERVISOR, "case_claim", channel, card.ts)
    desk.slack.wait_for(
        lambda api: [v["callback_id"] for v in api.open_modals(SUPERVISOR)] == ["case_takeover"]
    )
    assert column(desk, number, "assignee") == f"slack:{staff}"
    assert len(events(desk, number, "claimed")) == 1

    desk.submit(SUPERVISOR, "case_takeover", {})
    desk.card_shows(channel, card.ts, f"<@{SUPERVISOR}>")
    assert column(desk, number, "assignee") == f"slack:{SUPERVISOR}"
    last = events(desk, number, "claimed")[-1]
    assert last[1:] == (f"slack:{SUPERVISOR}", {"previous": f"slack:{staff}"})
    desk.wait_thread(channel, card.ts, f"（<@{staff}> から引き継ぎ）")


def test_app_home_lists_the_cases_a_staff_member_has_claimed(desk: Desk) -> None:
    _, number, card = new_case(desk, COOPDELI)
    channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]
    desk.click(staff, "case_claim", channel, card.ts)
    desk.card_shows(channel, card.ts, f"<@{staff}>")

    def mine(user: str) -> str:
        """The "担当している案件" part of the user's home, once published."""
        desk.slack.wait_for(lambda api: api.published_home(user) is not None)
        home = desk.slack.published_home(user)
        assert home is not None
        part: list[dict[str, Any]] = []
        for block in home["blocks"][2:]:
            if block["type"] == "divider":
                break
            part.append(block)
        return _block_text(part)

    for user in (staff, SUPERVISOR):
        assert desk.sender.app_home_opened(user).status == 200
    assert number in mine(staff)
    assert number not in mine(SUPERVISOR)  # sees the queue, but the case is not theirs


# ---------------------------------------------------------------------- pacing (own process)


def test_a_429_delays_a_card_but_does_not_lose_it_and_posts_keep_to_one_a_second(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    channel = CHANNELS[COOPDELI]
    slack.fail_next("chat.postMessage", retry_after=1, channel=channel)
    with (
        desk_running(fake, slack, tmp_path, database=database_url) as desk,
        ThreadPoolExecutor(2) as pool,
    ):
        # Two members at once, so both cases' posts queue up for the one channel.
        numbers = list(pool.map(lambda chat: file_request(desk, chat, COOPDELI, "human"), (1, 2)))
        cards = [desk.card(channel, n) for n in numbers]
        for card in cards:
            desk.wait_thread(channel, card.ts, "これまでのやりとり")

    [limited] = [c for c in slack.calls_to("chat.postMessage") if c.status == 429]
    posted = [c for c in slack.calls_to("chat.postMessage") if c.ok]
    assert posted[0].params.get("thread_ts") is None  # the refused post was retried: a card
    assert posted[0].at - limited.at >= 1.0 - ARRIVAL_JITTER  # after Retry-After
    for number in numbers:
        assert (
            sum(1 for m in slack.messages(channel) if m.thread_ts is None and number in m.text) == 1
        )
    assert len(slack.post_times(channel)) >= 6
    assert slack.max_rate(channel, 1.0 - ARRIVAL_JITTER) <= 1  # one post a second


# ---------------------------------------------------------------------- modals open first


def test_a_slow_group_lookup_still_gets_the_staff_member_the_form(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    """A trigger_id lives 3 seconds: the modal opens before the groups are looked up, and the
    lookup (4 s on the fake's trigger clock) fills it in afterwards."""
    with desk_running(fake, slack, tmp_path, database=database_url) as desk:
        number = file_request(desk, 1, COOPDELI, "human")
        channel, staff = CHANNELS[COOPDELI], STAFF[COOPDELI]  # staff through group STAKU
        card = desk.card(channel, number)
        slack.slow_next("usergroups.users.list", 4.0)

        desk.click(staff, "case_reply", channel, card.ts)

        desk.submit(staff, "case_reply", {"reply": {"value": plain_text("確認いたします。")}})
        [opened] = slack.views_opened()
        assert opened.user == staff and opened.view["callback_id"] == "case_loading"
        assert not [c for c in slack.calls_to("views.open") if c.error]
        [update] = [c for c in slack.calls_to("views.update") if c.ok]
        assert update.params["hash"] == opened.view["hash"]


# ---------------------------------------------------------------------- members' files


FILES_ON = "\n[attachments.coopdeli]\nallowed = true\nmax_mb = 1\n"
# PDFs all three: one named as a web page, one whose name a right-to-left override turns
# around on screen (「写し\u202efdp.exe」 reads 「写しexe.pdf」).
DISGUISED = PDF.replace(b"%PDF-1.4", b"%PDF-1.5")
REVERSED = PDF.replace(b"%PDF-1.4", b"%PDF-1.6")
FILES = [(PDF, "委任状.pdf"), (DISGUISED, "委任状.html"), (REVERSED, "写し\u202efdp.exe")]


@pytest.fixture(scope="module", params=DATABASES)
def pdf_case(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Desk, str, Message]]:
    """A coopdeli request with a 委任状 PDF sent while it was being entered."""
    directory = tmp_path_factory.mktemp("files")
    with (
        database_for(request.param, directory) as database,
        FakeBotApi() as fake,
        FakeSlackApi() as slack,
        desk_running(
            fake, slack, directory, database=database, more_deployment=FILES_ON + SECOND_QUEUE
        ) as desk,
    ):
        member = Member(fake, desk.served, 50)
        member.command("start", COOPDELI)
        member.says(COMPLAINT[0])
        for data, name in FILES:
            before = len(fake.sent_messages(50))
            fake.send_document(50, data, file_name=name, mime_type="application/pdf")
            assert "受け取りました" in member._await_answer(before)
        for line in COMPLAINT[1:]:
            member.says(line)
        [(number,)] = desk.served.query('SELECT number FROM "case"')
        yield desk, str(number), desk.card(CHANNELS[COOPDELI], str(number))


def test_a_members_file_is_uploaded_into_the_cases_thread(
    pdf_case: tuple[Desk, str, Message],
) -> None:
    desk, _number, card = pdf_case
    desk.slack.wait_for(lambda api: any(f.data == PDF for f in api.uploaded_files()), timeout=20)
    [upload] = [f for f in desk.slack.uploaded_files() if f.data == PDF]
    assert (upload.channel, upload.thread_ts) == (CHANNELS[COOPDELI], card.ts)
    assert upload.filename == f"{_number}-file-1.pdf"
    assert "元のファイル名：委任状.pdf" in (upload.initial_comment or "")


def test_members_files_reach_staff_under_safe_names_with_their_own_names_as_text(
    pdf_case: tuple[Desk, str, Message],
) -> None:
    desk, number, card = pdf_case

    def uploads(api: FakeSlackApi) -> dict[bytes, UploadedFile]:
        return {f.data: f for f in api.uploaded_files() if f.thread_ts == card.ts}

    desk.slack.wait_for(lambda api: len(uploads(api)) == len(FILES), timeout=20)
    shown = uploads(desk.slack)
    for place, (data, _) in enumerate(FILES, start=1):
        upload = shown[data]
        assert upload.filename == upload.title == f"{number}-file-{place}.pdf"
        assert not BIDI_CONTROLS & set(upload.initial_comment or "")
    assert "元のファイル名：委任状.html" in (shown[DISGUISED].initial_comment or "")
    assert "元のファイル名：写しfdp.exe" in (shown[REVERSED].initial_comment or "")


def test_a_members_file_follows_the_case_to_the_new_queue(
    pdf_case: tuple[Desk, str, Message],
) -> None:
    desk, number, card = pdf_case
    staff = STAFF[COOPDELI]
    desk.slack.wait_for(lambda api: any(f.data == PDF for f in api.uploaded_files()), timeout=20)
    desk.click(staff, "case_transfer", CHANNELS[COOPDELI], card.ts)
    desk.submit(
        staff,
        "case_transfer",
        {
            "queue": {"value": static_select("takuhai-soudan")},
            "note": {"value": plain_text("相談室の担当です")},
        },
    )
    new = desk.card(SOUDAN, number)
    desk.wait_thread(SOUDAN, new.ts, "これまでのやりとり")
    eventually(lambda: mirrored(desk, number))
    assert any(
        f.data == PDF and f.channel == SOUDAN and f.thread_ts == new.ts
        for f in desk.slack.uploaded_files()
    )
