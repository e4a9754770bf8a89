"""Telegram's limits, kept: long text arrives whole in ordered parts, button data fits, and a
callback query is answered at once and never breaks a turn when Telegram refuses the answer.

In-process tests drive the channel and its outbox worker against the fake Bot API; the
end-to-end ones run the real ``madoguchi serve`` (and the staff CLI in another process)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.telegram_limits import CHANNEL, TEXT_LIMIT
from bot.config import Settings
from flows.cases import MAX_STAFF_TEXT
from flows.messages import Inbound
from flows.safe_text import utf16_length
from storage.models import Conversation
from storage.staff import StaffActor
from storage.turns import TurnOutcome, enqueue
from tests.bot.served import (
    ENGINE,
    Member,
    eventually,
    member_with_a_case,
    serving,
    staff_reply,
)
from tests.bot.test_telegram_channel import polling
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT, GOOD_ANSWERS, pending_step
from tests.turn_wrappers import WrappedTurns

ROOT = Path(__file__).resolve().parents[2]
# A staff reply as long as staff may write (4,096 characters), in sentences; with its header
# and footer it is longer than one Telegram message.
LONG_REPLY = "".join(f"{n}番目のご連絡です。" for n in range(1, 1000))[: MAX_STAFF_TEXT - 1] + "。"


def build(tmp_path: Path, **options: Any) -> App:
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml",
    )
    return App.build(settings, one_message_per_turn=frozenset({CHANNEL}), **options)


def open_case(app: App, fake: FakeBotApi, chat_id: int) -> str:
    """A member's complaint handed to a person, entered as turns; returns the case number."""
    fake.ensure_chat(chat_id)
    chat = str(chat_id)
    app.turns.process(Inbound(CHANNEL, chat, "s", command="start", argument="coopdeli"))
    outcome = TurnOutcome(duplicate=True)
    for n, text in enumerate(COMPLAINT):
        outcome = app.turns.process(Inbound(CHANNEL, chat, f"c{n}", text=text))
    assert outcome.case_number is not None
    return outcome.case_number


def queue(app: App, chat_id: int, text: str, choices: list[list[str]]) -> None:
    """A message waiting in the outbox for a member, queued with the app's text limits."""
    now = app.clock()
    with app.db.transaction() as session:
        conversation = Conversation(
            channel=CHANNEL, chat_id=str(chat_id), created_at=now, updated_at=now
        )
        session.add(conversation)
        session.flush()
        limit = app.turns.text_limits.get(CHANNEL)
        enqueue(session, conversation, text, now, choices=choices, limit=limit)


def texts(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [str(m["text"]) for m in fake.sent_messages(chat_id)]


class WaitingForTheAnswer(WrappedTurns):
    """Wraps the turn store; a button's turn finishes only once Telegram saw the button
    answered, as a turn held up by a busy database would."""

    def __init__(self, real: Any, fake: FakeBotApi) -> None:
        super().__init__(real)
        self.fake = fake

    def process(self, inbound: Inbound) -> TurnOutcome:
        if inbound.choice is not None:
            self.fake.wait_for(lambda api: api.calls_to("answerCallbackQuery") != [], timeout=5)
        outcome: TurnOutcome = self.real.process(inbound)
        return outcome


# ---------------------------------------------------------------- long text, in process


def test_a_staff_reply_as_long_as_allowed_reaches_the_member_whole_in_ordered_parts(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            await fake.wait_for_messages_async(5, 5, timeout=20)
            app.cases.reply(number, StaffActor.trusted("sato"), LONG_REPLY)
            await fake.wait_for_messages_async(5, 7, timeout=20)

    with FakeBotApi() as fake:
        number = open_case(app, fake, 5)
        asyncio.run(scenario(fake))
        parts = texts(fake, 5)[5:]
    assert len(parts) == 2
    assert all(utf16_length(part) <= 4096 for part in parts)
    assert parts[0].startswith(f"【受付番号 {number}】担当者からのご連絡です。")
    assert parts[-1].endswith("お返事は、このチャットにそのまま入力してください。")
    assert LONG_REPLY in "".join(parts)  # cut between sentences: nothing lost


def test_a_long_message_queued_without_the_limit_is_sent_in_parts_with_its_buttons_last(
    tmp_path: Path,
) -> None:
    app = build(tmp_path, text_limits={})  # as rows queued before they were split
    text = "\n".join(f"{n}. 項目：" + "あ" * 100 for n in range(60))
    queue(app, 6, text, [["submit", "送信する"]])

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            await fake.wait_for_messages_async(6, 2, timeout=20)

    with FakeBotApi() as fake:
        fake.ensure_chat(6)
        asyncio.run(scenario(fake))
        sent = fake.sent_messages(6)
    assert "\n".join(m["text"] for m in sent) == text
    assert [bool(m.get("reply_markup")) for m in sent] == [False, True]


# ---------------------------------------------------------------- callback queries


def test_a_pressed_button_is_answered_before_its_turn_is_done(tmp_path: Path) -> None:
    app = build(tmp_path)

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            fake.send_command(7, "start", "coopdeli")
            await fake.wait_for_messages_async(7, 1, timeout=20)
            app.turns = WaitingForTheAnswer(app.turns, fake)  # type: ignore[assignment]
            fake.press(7, "disclosure")
            await fake.wait_for_messages_async(7, 2, timeout=20)

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        [answer] = fake.calls_to("answerCallbackQuery")
        reply = texts(fake, 7)[-1]
    assert answer.status == 200
    assert "どの情報の開示をご希望ですか" in reply


def test_a_press_too_old_to_answer_still_gets_its_turn_its_reply_and_is_confirmed(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            fake.send_command(8, "start", "coopdeli")
            await fake.wait_for_messages_async(8, 1, timeout=20)
            # Delivered after Telegram stopped taking answers (the desk was down meanwhile).
            update_id = fake.press(8, "disclosure", age=fake.query_lifetime + 5)
            await fake.wait_for_messages_async(8, 2, timeout=20)
            await fake.wait_for_async(lambda api: api.confirmed_offset > update_id, timeout=20)

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        [answer] = fake.calls_to("answerCallbackQuery")
        reply = texts(fake, 8)[-1]
        menu = fake.bot_messages(8)[0]
    assert answer.status == 400 and "query is too old" in str(answer.description)
    assert "どの情報の開示をご希望ですか" in reply
    assert menu["text"].endswith("▶ 生協が持っている自分の情報を見たい（開示）")


def test_a_button_pressed_on_a_full_message_takes_the_keyboard_away_and_keeps_the_text(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    full = "😀" * 2044 + "よろしいですか"  # 4,095 UTF-16 units: no room for "▶ はい"
    assert TEXT_LIMIT.fits(full) and not TEXT_LIMIT.fits(full + "\n\n▶ はい")
    chat = 9

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            await fake.wait_for_messages_async(chat, 1, timeout=20)
            fake.press(chat, "yes")
            await fake.wait_for_async(
                lambda api: api.calls_to("editMessageReplyMarkup") != [], timeout=20
            )

    queue(app, chat, full, [["yes", "はい"]])
    with FakeBotApi() as fake:
        fake.ensure_chat(chat)
        asyncio.run(scenario(fake))
        message = fake.bot_messages(chat)[0]
        refused = [c for c in fake.calls if c.status >= 400 and c.method.startswith("edit")]
    assert message["text"] == full
    assert not message.get("reply_markup")
    assert refused == []


# ---------------------------------------------------------------- end to end


def confirmation_parts(fake: FakeBotApi, chat_id: int) -> list[dict[str, Any]]:
    """The confirmation screen as it arrived: from its first line to the part with buttons."""
    messages = fake.bot_messages(chat_id)
    first = max(i for i, m in enumerate(messages) if m["text"].startswith("入力内容をご確認"))
    return messages[first:]


def test_a_members_3900_character_answer_and_the_whole_confirmation_arrive_in_ordered_parts(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    detail = "".join(f"{n}年の共済の請求の記録です。" for n in range(1000, 1400))[:3899] + "。"
    with serving(fake, database_url) as served:
        member = Member(fake, served, 21)
        member.command("start", "coopdeli")
        member.presses("開示")
        member.presses("一部")
        member.says(detail)
        while (state := served.state(21)).get("mode") == "flow":
            step = pending_step(ENGINE, state)
            assert step is not None
            member.answer(GOOD_ANSWERS[step], with_buttons=True)
        fake.wait_for(lambda api: bool(api.bot_messages(21)[-1].get("reply_markup")), timeout=20)
        parts = confirmation_parts(fake, 21)
        accepted = member.presses("送信する")
        [(fields,)] = served.query('SELECT fields FROM "case"')
    screen = "\n".join(part["text"] for part in parts)
    assert len(parts) == 2
    assert all(utf16_length(part["text"]) <= 4096 for part in parts)
    assert [bool(part.get("reply_markup")) for part in parts] == [False, True]
    assert detail in "".join(part["text"] for part in parts)
    for answer in ("03-5285-1865", "東京都新宿区新宿6-24-20", "山田 花子"):
        assert answer in screen
    assert parts[-1]["text"].endswith("「修正する」を選んでください。")
    assert "お申し出を受け付けました" in accepted
    assert detail in str(fields)


def test_killing_the_server_between_the_parts_of_a_reply_neither_loses_nor_doubles_a_part(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url) as served:
        _, number = member_with_a_case(fake, served, 22, "human")
        before = len(fake.sent_messages(22))
        fake.fail_next("sendMessage", status=200, chat_id=22)  # the first part goes through
        # The second hangs on the wire, then fails: the kill comes while it hangs.
        fake.fail_next("sendMessage", status=502, delay=30, chat_id=22)
        staff_reply(served, number, LONG_REPLY)  # another process, as staff at a terminal
        fake.wait_for(lambda api: api.faults_left("sendMessage") == 0, timeout=30)
        served.process.kill()
        served.process.wait(timeout=10)
        assert len(fake.sent_messages(22)) == before + 1  # the kill came between the parts

    with serving(fake, database_url) as served:
        fake.wait_for_messages(22, before + 2, timeout=30)
        eventually(
            lambda: (
                served.query("SELECT count(*) FROM outboxmessage WHERE status='pending'") == [(0,)]
            )
        )
    parts = texts(fake, 22)[before:]
    assert len(parts) == 2  # the sent part was not sent again
    assert parts[0].startswith(f"【受付番号 {number}】")
    assert LONG_REPLY in "".join(parts)
