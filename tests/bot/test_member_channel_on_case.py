"""Staff see which channel a member writes from (issue 17, point 4): their replies reach the
member there, so 「連絡手段：LINE」 says why a reply may cost a push or arrive later."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.config import Settings
from bot.slack.blocks import case_card
from flows.messages import Inbound
from tests.bot.conftest import madoguchi_command
from tests.conftest import Clock
from tests.flows.answers import COMPLAINT

ROOT = Path(__file__).resolve().parents[2]


def file_complaints(database_url: str) -> App:
    """A コープデリ member on LINE and one on Telegram, each with a case."""
    app = App.build(
        Settings(DATABASE_URL=database_url, MADOGUCHI_DEPLOYMENT=ROOT / "madoguchi.toml"),
        clock=Clock(),
    )
    for channel, chat in (("line", "U" + "1" * 32), ("telegram", "4242")):
        app.turns.process(
            Inbound(channel, chat, f"{channel}:0", command="start", argument="coopdeli")
        )
        for number, text in enumerate(COMPLAINT, 1):
            app.turns.process(Inbound(channel, chat, f"{channel}:{number}", text=text))
    return app


def card_fields(app: App, number: str) -> list[str]:
    case = app.cases.get(number)
    blocks = case_card(case, app.orgs[case.org_id], app.clock(), app.cases.queue_names)
    return [field["text"] for block in blocks for field in block.get("fields", [])]


def test_the_slack_card_says_which_channel_the_member_writes_from(database_url: str) -> None:
    app = file_complaints(database_url)
    try:
        on_line, on_telegram = sorted(app.cases.list_unaudited(), key=lambda case: case.id or 0)
        assert "*連絡手段*\nLINE" in card_fields(app, on_line.number)
        assert "*連絡手段*\nTelegram" in card_fields(app, on_telegram.number)
    finally:
        app.db.close()


def test_staff_list_and_show_say_which_channel_the_member_writes_from(
    database_url: str,
) -> None:
    app = file_complaints(database_url)
    on_line, on_telegram = sorted(app.cases.list_unaudited(), key=lambda case: case.id or 0)
    app.db.close()
    with madoguchi_command(database_url, "staff", staff="sato") as staff:
        listing = staff("list").output.splitlines()
        [line_row] = [row for row in listing if on_line.number in row]
        [telegram_row] = [row for row in listing if on_telegram.number in row]
        assert line_row.endswith("連絡手段 LINE")
        assert telegram_row.endswith("連絡手段 Telegram")
        shown = staff("show", on_line.number).output
        assert "連絡手段：LINE" in shown
        assert shown.count("連絡手段") == 1
