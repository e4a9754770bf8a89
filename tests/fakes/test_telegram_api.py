"""The fake Bot API against the real python-telegram-bot: if PTB accepts the fake's answers and
raises the right exceptions for its faults, end-to-end tests built on it mean something."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeBotApi, UploadedFile

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


def make_bot(
    fake: FakeBotApi, *, read_timeout: float = 5.0, token: str | None = None
) -> telegram.Bot:
    return telegram.Bot(
        token or fake.token,
        base_url=fake.api_url,
        base_file_url=fake.file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


def run_with_bot(
    fake: FakeBotApi,
    scenario: Callable[[telegram.Bot], Awaitable[None]],
    *,
    read_timeout: float = 5.0,
) -> None:
    """PTB is async; every test runs its scenario in a fresh loop with an initialised Bot."""

    async def main() -> None:
        async with make_bot(fake, read_timeout=read_timeout) as bot:
            await scenario(bot)

    asyncio.run(main())


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in labels_and_data]]
    )


def raw_call(fake: FakeBotApi, method: str, body: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{fake.api_url}{fake.token}/{method}",
        data=body,
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Receiver:
    """A webhook endpoint the test controls: answers with scripted statuses, records requests."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.cond:
                    receiver.requests.append((dict(self.headers.items()), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/telegram"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def update_ids(self) -> list[int]:
        with self.cond:
            return [json.loads(body)["update_id"] for _, body in self.requests]


# ---------------------------------------------------------------- basics


def test_get_me_returns_the_bot_derived_from_the_token(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        me = await bot.get_me()
        assert me.id == 123456
        assert me.is_bot
        assert bot.username == "madoguchi_test_bot"

    run_with_bot(fake, scenario)


def test_wrong_token_is_refused_as_invalid(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        bot = make_bot(fake, token="999:WRONG")
        with pytest.raises(InvalidToken):
            await bot.initialize()

    asyncio.run(scenario())
    assert fake.calls[-1].status == 401


def test_unknown_method_answers_404(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendHologram", api_kwargs={"chat_id": CHAT})

    run_with_bot(fake, scenario)
    assert fake.calls_to("sendHologram")[0].status == 404


# ---------------------------------------------------------------- updates


def test_long_poll_is_answered_as_soon_as_a_text_and_a_command_arrive(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_for_async(lambda f: f.polls_waiting == 1)
        started = time.monotonic()
        with fake.atomically():  # both in one answer
            fake.send_command(CHAT, "start", "coopdeli")
            fake.send_text(CHAT, "個人情報の開示をお願いします", language_code="en")
        updates = await poll
        assert time.monotonic() - started < 2

        command, text = (update.message for update in updates)
        assert command is not None and text is not None
        assert command.text == "/start coopdeli"
        assert [(e.type, e.offset, e.length) for e in command.entities] == [("bot_command", 0, 6)]
        assert command.chat.type == "private" and command.chat.id == CHAT
        assert text.text == "個人情報の開示をお願いします"
        assert text.from_user is not None
        assert text.from_user.first_name == f"会員{CHAT}"
        assert text.from_user.language_code == "en"

    run_with_bot(fake, scenario)


def test_offset_confirms_and_drops_earlier_updates(fake: FakeBotApi) -> None:
    first = fake.send_text(CHAT, "一")
    second = fake.send_text(CHAT, "二")
    third = fake.send_text(CHAT, "三")

    async def scenario(bot: telegram.Bot) -> None:
        assert [u.update_id for u in await bot.get_updates()] == [first, second, third]
        # Not confirmed yet: Telegram hands them out again.
        assert len(await bot.get_updates()) == 3
        assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
        assert await bot.get_updates(offset=third + 1) == ()

    run_with_bot(fake, scenario)
    assert fake.confirmed_offset == third + 1
    assert fake.pending_update_ids() == []


def test_limit_caps_the_batch(fake: FakeBotApi) -> None:
    ids = [fake.send_text(CHAT, str(n)) for n in range(3)]

    async def scenario(bot: telegram.Bot) -> None:
        assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]

    run_with_bot(fake, scenario)


def test_redelivered_update_comes_again_after_its_offset_was_confirmed(fake: FakeBotApi) -> None:
    first = fake.send_text(CHAT, "同じ依頼")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.get_updates()
        assert await bot.get_updates(offset=first + 1) == ()
        fake.redeliver(first)
        again = await bot.get_updates(offset=first + 1)
        assert [u.update_id for u in again] == [first]
        assert again[0].message is not None and again[0].message.text == "同じ依頼"

    run_with_bot(fake, scenario)


def test_a_second_poller_terminates_the_first_with_conflict(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        first = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_for_async(lambda f: f.polls_waiting == 1)
        second = asyncio.create_task(bot.get_updates(timeout=30))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await first
        fake.send_text(CHAT, "やあ")
        assert len(await second) == 1

    run_with_bot(fake, scenario)


def test_press_sends_a_callback_query_carrying_the_message(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "最初")
        sent = await bot.send_message(
            CHAT, "どちらの生協ですか？", reply_markup=keyboard(("コープデリ", "org:coopdeli"))
        )
        fake.press(CHAT, "org:coopdeli")
        updates = await bot.get_updates(offset=-1)
        query = updates[-1].callback_query
        assert query is not None
        assert query.data == "org:coopdeli"
        assert query.from_user.id == CHAT
        message = query.message
        assert isinstance(message, telegram.Message)
        assert message.message_id == sent.message_id
        assert message.text == "どちらの生協ですか？"
        assert message.reply_markup == sent.reply_markup
        assert await query.answer("受け付けました")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await query.answer()

    run_with_bot(fake, scenario)
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == "受け付けました"


def test_pressing_a_button_the_message_does_not_have_fails_the_test(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "はい？", reply_markup=keyboard(("はい", "yes")))

    run_with_bot(fake, scenario)
    with pytest.raises(AssertionError, match="no button 'no'"):
        fake.press(CHAT, "no")
    fake.press(CHAT, "forged", require_button=False)


def test_photo_document_and_sticker_updates_parse_in_ptb(fake: FakeBotApi) -> None:
    fake.send_photo(CHAT, b"\xff\xd8jpeg", caption="保険証")
    fake.send_document(CHAT, b"%PDF", file_name="委任状.pdf", mime_type="application/pdf")
    fake.send_sticker(CHAT)

    async def scenario(bot: telegram.Bot) -> None:
        photo, document, sticker = (u.message for u in await bot.get_updates())
        assert photo is not None and document is not None and sticker is not None
        assert photo.caption == "保険証"
        assert photo.photo[-1].width > photo.photo[0].width
        assert document.document is not None
        assert document.document.file_name == "委任状.pdf"
        assert sticker.sticker is not None and sticker.text is None

    run_with_bot(fake, scenario)


def test_get_file_downloads_the_bytes_a_member_sent(fake: FakeBotApi) -> None:
    data = bytes(range(256)) * 40
    fake.send_document(CHAT, data, file_name="本人確認書類.pdf", mime_type="application/pdf")

    async def scenario(bot: telegram.Bot) -> None:
        (update,) = await bot.get_updates()
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        assert file.file_size == len(data)
        assert bytes(await file.download_as_bytearray()) == data
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("nope")

    run_with_bot(fake, scenario)


# ---------------------------------------------------------------- what the bot sends


def test_inline_keyboard_is_recorded_with_its_buttons(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        message = await bot.send_message(
            CHAT, "よろしいですか？", reply_markup=keyboard(("はい", "yes"), ("いいえ", "no"))
        )
        assert message.from_user is not None and message.from_user.is_bot
        assert message.reply_markup is not None

    run_with_bot(fake, scenario)
    (sent,) = fake.wait_for_messages(CHAT, 1)
    assert sent["text"] == "よろしいですか？"
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "はい", "callback_data": "yes"}, {"text": "いいえ", "callback_data": "no"}]
        ]
    }
    assert isinstance(sent["message_id"], int)


def test_messages_to_a_chat_that_never_wrote_are_refused(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999, "こんにちは")
        fake.ensure_chat(999)
        await bot.send_message(999, "こんにちは")

    run_with_bot(fake, scenario)


def test_parse_modes_are_checked_like_telegram(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        html = await bot.send_message(CHAT, "<b>受付番号</b> A&amp;B", parse_mode="HTML")
        assert html.text == "受付番号 A&B"
        with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
            await bot.send_message(CHAT, "<div>x</div>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)Character '-' is reserved"):
            await bot.send_message(CHAT, "電話 03-1234-5678", parse_mode="MarkdownV2")
        ok = await bot.send_message(CHAT, r"*電話* 03\-1234\-5678", parse_mode="MarkdownV2")
        assert ok.text == "電話 03-1234-5678"
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "x", reply_markup=keyboard(("長い", "あ" * 22)))

    run_with_bot(fake, scenario)


def test_edits_update_the_message_and_refuse_no_op_edits(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        sent = await bot.send_message(CHAT, "選択", reply_markup=keyboard(("A", "a")))
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await sent.edit_text("選択", reply_markup=keyboard(("A", "a")))
        edited = await sent.edit_text("選択済み: A")
        assert isinstance(edited, telegram.Message)
        assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard

    run_with_bot(fake, scenario)
    assert fake.bot_messages(CHAT)[-1]["text"] == "選択済み: A"


def test_bot_uploads_arrive_as_files_with_their_names(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        message = await bot.send_document(CHAT, b"%PDF-1.7", filename='開示請求書 "控".pdf')
        assert message.document is not None
        assert message.document.file_name == '開示請求書 "控".pdf'

    run_with_bot(fake, scenario)
    upload = fake.calls_to("sendDocument")[0].params["document"]
    assert upload == UploadedFile('開示請求書 "控".pdf', "application/pdf", b"%PDF-1.7")


def test_empty_and_oversized_uploads_are_refused_like_telegram(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")
    fake.max_upload = 1024  # Telegram's 50 MB, made small so the test sends little

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(telegram.error.BadRequest, match="non-empty"):
            await bot.send_document(CHAT, b"", filename="空.pdf")
        with pytest.raises(telegram.error.NetworkError, match="Too Large"):
            await bot.send_document(CHAT, b"%PDF" + b"0" * 1024, filename="大.pdf")
        await bot.send_document(CHAT, b"%PDF-1.7", filename="小.pdf", caption="ご回答")

    run_with_bot(fake, scenario)
    [sent] = fake.sent_documents(CHAT)
    assert sent["caption"] == "ご回答"
    assert (sent["document"]["file_name"], sent["document"]["data"]) == ("小.pdf", b"%PDF-1.7")


def test_json_and_form_bodies_are_accepted_like_ptbs_own(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")
    markup = {"inline_keyboard": [[{"text": "はい", "callback_data": "yes"}]]}
    status, answer = raw_call(
        fake,
        "sendMessage",
        json.dumps({"chat_id": CHAT, "text": "123", "reply_markup": markup}).encode(),
        "application/json",
    )
    assert status == 200 and answer["result"]["reply_markup"] == markup
    status, answer = raw_call(
        fake, "sendmessage", b"chat_id=abc&text=x", "application/x-www-form-urlencoded"
    )
    assert status == 400 and answer["description"] == "Bad Request: chat not found"
    assert [m["text"] for m in fake.sent_messages(CHAT)] == ["123"]


def test_set_my_commands_is_recorded_per_language(fake: FakeBotApi) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        await bot.set_my_commands([("start", "受付を始める")], language_code="ja")
        await bot.set_my_commands([("start", "Start a request")], language_code="en")
        assert [c.description for c in await bot.get_my_commands(language_code="ja")] == [
            "受付を始める"
        ]
        await bot.delete_my_commands(language_code="en")
        assert await bot.get_my_commands(language_code="en") == ()
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([("Start", "大文字")])

    run_with_bot(fake, scenario)
    assert fake.calls_to("setMyCommands")[0].params["language_code"] == "ja"
    assert fake.commands_for("ja") == [{"command": "start", "description": "受付を始める"}]
    assert fake.commands_for("en") == []


def test_ptb_application_polls_answers_and_confirms_on_stop(fake: FakeBotApi) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"ようこそ {' '.join(context.args or [])}", reply_markup=keyboard(("はい", "yes"))
        )

    async def pressed(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"了解: {query.data}")

    async def scenario() -> None:
        app = (
            Application.builder()
            .token(fake.token)
            .base_url(fake.api_url)
            .base_file_url(fake.file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=10)
            fake.send_command(CHAT, "start", "coopdeli")
            (welcome,) = await fake.wait_for_messages_async(CHAT, 1)
            assert welcome["text"] == "ようこそ coopdeli"
            last = fake.press(CHAT, "yes")
            await fake.wait_for_async(lambda f: bool(f.calls_to("editMessageText")))
            await app.updater.stop()
            await app.stop()
        assert fake.confirmed_offset == last + 1

    asyncio.run(scenario())
    assert [m["text"] for m in fake.bot_messages(CHAT)] == ["了解: yes"]


# ---------------------------------------------------------------- faults


def test_429_with_retry_after_raises_retry_after(
    fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.send_command(CHAT, "start")
    fake.fail_next("sendMessage", status=429, retry_after=7)

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "混雑中")
        assert caught.value.retry_after == timedelta(seconds=7)
        await bot.send_message(CHAT, "再送")

    run_with_bot(fake, scenario)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]
    assert fake.calls_to("sendMessage")[0].description == "Too Many Requests: retry after 7"


def test_5xx_raises_network_error(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")
    fake.fail_next("sendMessage", 2, status=502)

    async def scenario(bot: telegram.Bot) -> None:
        for _ in range(2):
            with pytest.raises(NetworkError, match="Bad Gateway") as caught:
                await bot.send_message(CHAT, "x")
            assert not isinstance(caught.value, TimedOut | RetryAfter)
        await bot.send_message(CHAT, "x")

    run_with_bot(fake, scenario)


def test_faults_can_target_one_chat(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")
    fake.send_command(CHAT + 1, "start")
    fake.fail_next("sendMessage", status=500, chat_id=CHAT + 1)

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "ok")
        with pytest.raises(NetworkError):
            await bot.send_message(CHAT + 1, "x")

    run_with_bot(fake, scenario)


def test_throttle_refuses_a_share_of_calls_with_retry_after_until_turned_off(
    fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.send_command(CHAT, "start")
    fake.throttle("sendMessage", 1.0, retry_after=3)

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "混雑中")
        await bot.send_chat_action(CHAT, "typing")  # other methods are not throttled
        fake.throttle("sendMessage", 0)
        await bot.send_message(CHAT, "再送")

    run_with_bot(fake, scenario)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]
    assert fake.calls_to("sendMessage")[0].description == "Too Many Requests: retry after 3"

    fake.throttle("getMe", 0.25, seed=1)
    statuses = [raw_call(fake, "getMe", b"", "application/json")[0] for _ in range(200)]
    assert 25 < statuses.count(429) < 75  # about a quarter


def test_blocked_chat_raises_forbidden(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")
    fake.block(CHAT)

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(CHAT, "x")
        with pytest.raises(Forbidden):
            await bot.send_chat_action(CHAT, "typing")

    run_with_bot(fake, scenario)
    assert fake.sent_messages(CHAT) == []


def test_answer_slower_than_read_timeout_raises_timed_out_yet_delivers(
    fake: FakeBotApi,
) -> None:
    fake.send_command(CHAT, "start")
    fake.fail_next("sendMessage", status=200, delay=0.3)

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "届いた？")

    run_with_bot(fake, scenario, read_timeout=0.05)
    # Telegram did deliver it although the client gave up: the duplicate-send hazard.
    assert [m["text"] for m in fake.wait_for_messages(CHAT, 1, timeout=5)] == ["届いた？"]


def test_wait_for_reports_recent_traffic_on_timeout(fake: FakeBotApi) -> None:
    with pytest.raises(AssertionError, match="pending updates"):
        fake.wait_for(lambda f: False, timeout=0.05)


# ---------------------------------------------------------------- webhook


def test_webhook_posts_updates_with_the_secret_header(fake: FakeBotApi) -> None:
    with Receiver() as receiver:

        async def scenario(bot: telegram.Bot) -> None:
            assert await bot.set_webhook(receiver.url, secret_token="s3cret-token")
            with pytest.raises(Conflict, match="webhook is active"):
                await bot.get_updates()
            info = await bot.get_webhook_info()
            assert info.url == receiver.url

        run_with_bot(fake, scenario)
        update_id = fake.send_text(CHAT, "webhook経由")
        fake.wait_for(lambda f: (update_id, 200) in f.webhook_deliveries)

        headers, body = receiver.requests[0]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret-token"
        assert headers["Content-Type"] == "application/json"
        update = telegram.Update.de_json(json.loads(body), None)
        assert update.message is not None and update.message.text == "webhook経由"
        assert fake.pending_update_ids() == []

        assert fake.post_raw_webhook(b"{}", secret=None) == 200
        assert receiver.requests[-1][0].get("X-Telegram-Bot-Api-Secret-Token") is None


def test_webhook_failure_redelivers_the_same_update_before_the_next(fake: FakeBotApi) -> None:
    with Receiver(statuses=[500]) as receiver:

        async def scenario(bot: telegram.Bot) -> None:
            await bot.set_webhook(receiver.url, secret_token="s")

        run_with_bot(fake, scenario)
        with fake.atomically():
            first = fake.send_text(CHAT, "一")
            second = fake.send_text(CHAT, "二")
        fake.wait_for(lambda f: len(f.webhook_deliveries) == 3)

        assert fake.webhook_deliveries == [(first, 500), (first, 200), (second, 200)]
        assert receiver.update_ids() == [first, first, second]

        async def info(bot: telegram.Bot) -> None:
            webhook = await bot.get_webhook_info()
            assert (
                webhook.last_error_message
                == "Wrong response from the webhook: 500 Internal Server Error"
            )

        run_with_bot(fake, info)


def test_unreachable_webhook_is_retried_and_recorded_as_status_0(fake: FakeBotApi) -> None:
    receiver = Receiver()
    url = receiver.url
    receiver.server.server_close()  # the port is now refused

    async def scenario(bot: telegram.Bot) -> None:
        await bot.set_webhook(url)

    run_with_bot(fake, scenario)
    update_id = fake.send_text(CHAT, "誰もいない")
    fake.wait_for(lambda f: f.webhook_deliveries[:2] == [(update_id, 0), (update_id, 0)])

    async def back_to_polling(bot: telegram.Bot) -> None:
        await bot.delete_webhook()
        assert [u.update_id for u in await bot.get_updates()] == [update_id]

    run_with_bot(fake, back_to_polling)


# ---------------------------------------------------------------- as strict as Telegram


def test_text_longer_than_4096_utf16_units_is_refused_when_sent_or_edited(
    fake: FakeBotApi,
) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "あ" * 4096)  # 4,096 units: the most one message holds
        with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
            await bot.send_message(CHAT, "あ" * 4097)
        # An emoji outside the BMP is two units: 2,049 of them are 4,098 units.
        await bot.send_message(CHAT, "😀" * 2048)
        with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
            await bot.send_message(CHAT, "😀" * 2049)
        # Counted after entity parsing: the tags of HTML do not count.
        await bot.send_message(CHAT, "<b>" + "あ" * 4096 + "</b>", parse_mode="HTML")
        sent = await bot.send_message(CHAT, "短い")
        with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
            await sent.edit_text("い" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(CHAT, "")

    run_with_bot(fake, scenario)
    refused = [c.description for c in fake.calls_to("sendMessage") if c.status == 400]
    assert refused[:2] == ["Bad Request: message is too long"] * 2


def test_callback_data_over_64_bytes_of_utf8_is_refused(fake: FakeBotApi) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "x", reply_markup=keyboard(("a", "a" * 64)))
        await bot.send_message(CHAT, "x", reply_markup=keyboard(("あ", "あ" * 21 + "a")))
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "x", reply_markup=keyboard(("a", "a" * 65)))
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):  # 22 × 3 bytes
            await bot.send_message(CHAT, "x", reply_markup=keyboard(("あ", "あ" * 22)))
        sent = await bot.send_message(CHAT, "x")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await sent.edit_text("y", reply_markup=keyboard(("a", "a" * 65)))

    run_with_bot(fake, scenario)


def test_a_callback_query_answered_after_its_lifetime_is_refused_as_too_old(
    fake: FakeBotApi,
) -> None:
    fake.send_command(CHAT, "start")

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(CHAT, "はい？", reply_markup=keyboard(("はい", "yes")))
        fake.press(CHAT, "yes")
        fake.press(CHAT, "yes")
        fake.press(CHAT, "yes", age=fake.query_lifetime + 1)  # waited while the bot was down
        answered_in_time, answered_late, delivered_late = [
            u.callback_query for u in (await bot.get_updates())[-3:]
        ]
        assert answered_in_time and answered_late and delivered_late
        assert await answered_in_time.answer()
        fake.advance(fake.query_lifetime + 1)  # no real waiting
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await answered_late.answer()
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await delivered_late.answer()

    run_with_bot(fake, scenario)
