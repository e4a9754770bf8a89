"""On Telegram the buttons carry the numbers the terminal shows, and a typed number works."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.bot.test_telegram_channel import build, polling
from tests.fakes.telegram_api import FakeBotApi


def test_a_member_on_telegram_sees_numbered_buttons_and_typing_the_number_for_yameru_asks(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    said = ["3", "すべて", "ご本人", "2"]

    async def scenario(fake: FakeBotApi) -> None:
        async with polling(app, fake):
            fake.send_command(1, "start", "coopdeli")
            await fake.wait_for_messages_async(1, 1, timeout=20)
            for count, text in enumerate(said, 2):
                fake.send_text(1, text)
                await fake.wait_for_messages_async(1, count, timeout=20)

    with FakeBotApi() as fake:
        asyncio.run(scenario(fake))
        messages = fake.sent_messages(1)
    name_step, stop_question = messages[-2], messages[-1]
    labels = [b["text"] for row in name_step["reply_markup"]["inline_keyboard"] for b in row]
    assert "お名前（氏名）を入力してください" in name_step["text"]
    assert labels == ["1. 戻る", "2. やめる"]
    assert "この手続きをやめますか" in stop_question["text"]
    assert "数字や記号" not in stop_question["text"]
