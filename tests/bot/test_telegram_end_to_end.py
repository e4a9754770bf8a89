"""Members on Telegram, end to end: the real ``madoguchi serve`` process and python-telegram-bot
talking HTTP to the fake Bot API in tests/fakes, in polling and in webhook mode."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.bot.served import (
    SECRET,
    Member,
    eventually,
    last_message,
    member_with_a_case,
    serving,
    staff_reply,
)
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT, MENU_NUMBER

# ---------------------------------------------------------------- the member's side


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_every_request_flow_ends_as_a_case_with_buttons_and_with_free_text(
    database_url: str, fake: FakeBotApi, tmp_path: Path, webhook: bool
) -> None:
    with serving(fake, database_url, webhook=webhook) as served:

        def one_member(number: int, request_type: str, with_buttons: bool) -> None:
            member = Member(fake, served, number * 10 + with_buttons)
            assert "ご用件を選んでください" in member.command("start", "coopdeli")
            reply = member.completes(request_type, with_buttons=with_buttons)
            assert "お申し出を受け付けました" in reply, (request_type, with_buttons, reply)

        # Members in parallel, as on a real day: each chat is paced at about a message a second.
        jobs = [
            (number, request_type, with_buttons)
            for number, request_type in enumerate(MENU_NUMBER, start=1)
            for with_buttons in (True, False)
        ]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            for done in [pool.submit(one_member, *job) for job in jobs]:
                done.result()
        cases = served.query('SELECT request_type, queue FROM "case"')
    assert sorted(t for t, _ in cases) == sorted(list(MENU_NUMBER) * 2)
    assert {q for _, q in cases} == {"takuhai-center"}


def test_a_pressed_button_is_shown_on_its_message_and_free_text_is_understood(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        member = Member(fake, served, 1)
        member.command("start", "coopdeli")
        menu_message_id = last_message(fake, 1)["message_id"]
        member.presses("開示")
        fake.wait_for(lambda api: api.calls_to("editMessageText") != [])
        edited = next(m for m in fake.bot_messages(1) if m["message_id"] == menu_message_id)
        assert edited["text"].endswith("▶ 生協が持っている自分の情報を見たい（開示）")
        assert "reply_markup" not in edited or not edited["reply_markup"]

        other = Member(fake, served, 2)
        other.command("start", "coopdeli")
        reply = other.says("DMもう要らない")
        assert "紙のDM・カタログ" in reply
        assert fake.calls_to("answerCallbackQuery")


def test_commands_are_registered_in_japanese_and_english(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url):
        languages = {call.params.get("language_code") for call in fake.calls_to("setMyCommands")}
    assert {"ja", "en"} <= languages
    names = [c["command"] for c in fake.calls_to("setMyCommands")[0].params["commands"]]
    assert names == ["start", "help", "status", "cancel", "lang"]


def test_start_deep_link_help_status_cancel_and_lang(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        member = Member(fake, served, 5)
        assert "生活クラブ共済連の個人情報の窓口です" in member.command(
            "start", "seikatsuclub-kyosai"
        )
        assert "「戻る」：ひとつ前の質問に戻ります" in member.command("help")
        assert "受付済みのお申し出はありません" in member.command("status")
        member.presses("開示")
        member.presses("すべて")
        assert "この手続きをやめますか" in member.command("cancel")
        assert "I will reply in English from now on." in member.command("lang")
        health = urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=5)
        assert json.loads(health.read()) == {"ok": True}


def test_a_file_gets_a_clear_explanation_and_nothing_is_lost(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        member = Member(fake, served, 6)
        member.command("start", "coopdeli")
        before = len(fake.sent_messages(6))
        fake.send_photo(6, b"\x89PNG fake")
        reply = member._await_answer(before)
        assert "写真や書類のファイルはお受けしていません" in reply
        assert "ご用件を選んでください" in reply


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)


def test_where_files_are_accepted_they_are_stored_with_the_request_and_a_checksum(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n'
        "[attachments.coopdeli]\nallowed = true\nmax_mb = 1\n",
        encoding="utf-8",
    )
    with serving(fake, database_url, deployment=deployment) as served:
        member = Member(fake, served, 11)
        member.command("start", "coopdeli")
        member.says(COMPLAINT[0])

        before = len(fake.sent_messages(11))
        fake.fail_next("getFile", status=502)  # retried, the member notices nothing
        fake.send_document(11, PDF, file_name="委任状.pdf", mime_type="application/pdf")
        assert "「委任状.pdf」（1 KB）を受け取りました" in member._await_answer(before)

        before = len(fake.sent_messages(11))
        photo_update = fake.send_photo(11, JPEG, caption="本人確認書類です")
        assert "「写真」（1 KB）を受け取りました" in member._await_answer(before)

        before = len(fake.sent_messages(11))
        fake.send_document(
            11, PDF + bytes(1024 * 1024), file_name="big.pdf", mime_type="application/pdf"
        )
        assert "1MBまでのファイルを送ってください" in member._await_answer(before)

        for line in COMPLAINT[1:]:
            member.says(line)
        stored = served.query(
            "SELECT a.name, a.mime, a.size, a.sha256, a.caption, c.number "
            'FROM attachment a JOIN "case" c ON c.id = a.case_id ORDER BY a.id'
        )
    number = stored[0][5]
    assert stored == [
        ("委任状.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), None, number),
        (
            None,
            "image/jpeg",
            len(JPEG),
            hashlib.sha256(JPEG).hexdigest(),
            "本人確認書類です",
            number,
        ),
    ]
    downloads = [c.params["file_id"] for c in fake.calls_to("getFile") if c.status == 200]
    photo_sizes = fake.update(photo_update)["message"]["photo"]
    assert photo_sizes[-1]["file_id"] in downloads  # the largest size, not the thumbnail
    assert len(downloads) == 2  # the oversized one was never fetched


def test_a_staff_reply_from_the_terminal_arrives_in_the_chat(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        _, number = member_with_a_case(fake, served, 7, "disclosure")
        before = len(fake.sent_messages(7))
        staff_reply(served, number, "書類を郵送しました。")
        messages = fake.wait_for_messages(7, before + 1, timeout=20)
        assert "書類を郵送しました。" in messages[-1]["text"]


# ---------------------------------------------------------------- webhook security


@pytest.mark.parametrize("secret", [None, "wrong", SECRET[:-1]])
def test_a_webhook_call_without_the_right_secret_gets_403_and_changes_nothing(
    database_url: str, fake: FakeBotApi, tmp_path: Path, secret: str | None
) -> None:
    with serving(fake, database_url, webhook=True) as served:
        forged = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 66, "type": "private"},
                "from": {"id": 66, "is_bot": False, "first_name": "x"},
                "text": "/start coopdeli",
            },
        }
        status = fake.post_raw_webhook(json.dumps(forged).encode(), secret=secret)
        assert status == 403
        assert served.query("SELECT count(*) FROM conversation") == [(0,)]


# ---------------------------------------------------------------- delivery under failure


def test_429_and_5xx_are_retried_and_the_chat_keeps_its_order(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        member = Member(fake, served, 8)
        member.command("start", "coopdeli")
        fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=8)
        fake.fail_next("sendMessage", status=502, chat_id=8)
        fake.send_text(8, "3")
        fake.send_text(8, "すべて")
        messages = fake.wait_for_messages(8, 3, timeout=30)
    assert "どの情報の開示をご希望ですか" in messages[1]["text"]
    assert "どなたからのお申し出ですか" in messages[2]["text"]
    refused = [c for c in fake.calls_to("sendMessage") if c.status != 200]
    assert [c.status for c in refused] == [429, 502]


def test_a_send_that_times_out_is_sent_again(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url, TELEGRAM_TIMEOUT="1") as served:
        member = Member(fake, served, 12)
        member.command("start", "coopdeli")
        fake.fail_next("sendMessage", status=502, delay=4, chat_id=12)
        assert "どの情報の開示をご希望ですか" in member.says("3")

    def asked(api: FakeBotApi) -> list[int]:
        return [
            c.status
            for c in api.calls_to("sendMessage")
            if "どの情報の開示をご希望ですか" in str(c.params.get("text"))
        ]

    fake.wait_for(lambda api: len(asked(api)) == 2, timeout=10)
    # Calls are listed as answered: the resend arrived while the first was still hanging.
    assert asked(fake) == [200, 502]


def test_a_member_who_blocked_the_bot_is_marked_unreachable_on_their_case(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        _, number = member_with_a_case(fake, served, 9, "human")
        fake.block(9)
        staff_reply(served, number, "お電話します。")
        fake.wait_for(
            lambda api: any(c.status == 403 for c in api.calls_to("sendMessage")), timeout=20
        )
        eventually(lambda: served.query("SELECT reachable FROM conversation") == [(0,)])
        events = served.query("SELECT kind FROM caseevent")
    assert ("member_unreachable",) in events


# ---------------------------------------------------------------- crash and redelivery


# Updates accepted from Telegram (other once-only keys, e.g. staff actions, are not counted).
TELEGRAM_UPDATES = "SELECT count(*) FROM processedupdate WHERE key LIKE 'telegram:%'"


def test_killing_the_server_mid_burst_loses_and_doubles_nothing(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    db_path = database_url
    chats = range(100, 160)
    script = COMPLAINT
    with serving(fake, db_path) as served:
        with fake.atomically():
            for chat in chats:
                fake.send_command(chat, "start", "coopdeli")
                for text in script:
                    fake.send_text(chat, text)
        total = len(chats) * (1 + len(script))
        # Answers go out once their turns commit, and turns of different chats commit
        # together (group commit): kill at the first answer, when only the first of the
        # three getUpdates pages (100 updates each at most) can have been committed.
        fake.wait_for(lambda api: len(api.sent_messages()) >= 1, timeout=30)
        served.process.kill()  # no shutdown: whatever was in flight is cut off
        served.process.wait(timeout=10)
        processed_before_restart = served.query(TELEGRAM_UPDATES)[0][0]
    assert processed_before_restart < total  # the kill really interrupted the burst

    with serving(fake, db_path) as served:
        fake.wait_for(lambda api: not api.pending_update_ids(), timeout=60)
        fake.wait_for(
            lambda api: all(len(api.sent_messages(chat)) >= 1 + len(script) for chat in chats),
            timeout=60,
        )
        eventually(
            lambda: (
                served.query("SELECT count(*) FROM outboxmessage WHERE status='pending'") == [(0,)]
            ),
            timeout=60,
        )
        processed = served.query(TELEGRAM_UPDATES)[0][0]
        cases = served.query('SELECT conversation_id, count(*) FROM "case" GROUP BY 1')
        member_lines = served.query("SELECT count(*) FROM transcriptline WHERE direction='member'")[
            0
        ][0]
    assert processed == total  # nothing lost
    assert len(cases) == len(chats) and all(n == 1 for _, n in cases)  # nothing doubled
    assert member_lines == total  # every update had exactly one effect


def test_a_redelivered_update_has_no_second_effect(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        member = Member(fake, served, 11)
        member.command("start", "coopdeli")
        update_id = fake.send_text(11, "3")
        fake.wait_for_messages(11, 2)
        fake.redeliver(update_id)
        fake.wait_for(lambda api: update_id not in api.pending_update_ids())
        follow_up = member.says("すべて")
        assert "どなたからのお申し出ですか" in follow_up
        assert served.query("SELECT count(*) FROM transcriptline WHERE text='3'") == [(1,)]
