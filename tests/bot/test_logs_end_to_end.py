"""No personal data in logs, anywhere: a whole request from a member on Telegram through staff
in Slack and back, plus the staff and supervisor commands, with every log at DEBUG; then the
logs are searched for what the member and staff wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.bot.served import Member, run_madoguchi
from tests.bot.test_slack_end_to_end import (
    CHANNELS,
    STAFF,
    desk_running,
    file_request,
    plain_text,
    radio_buttons,
)
from tests.fakes.slack_api import FakeSlackApi, checkboxes
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import GOOD_ANSWERS

ORG = "coopdeli"
FREE_TEXT = "玄関の鍵は青い植木鉢の下に置いてあります"
STAFF_REPLY = "書留で開示の書類を郵送します"
CLOSE_REASON = "二〇一九年以前の配達記録は残っていませんでした"


def _forms(value: str) -> set[str]:
    """A value as it could appear in a log: as written, without separators, JSON-escaped."""
    forms = {value, value.replace(" ", ""), value.replace("-", ""), value.replace("/", "")}
    forms |= {json.dumps(form)[1:-1] for form in list(forms)}  # \\u escapes of Japanese text
    return {form for form in forms if len(form) >= 4}


def _secrets() -> dict[str, set[str]]:
    name = GOOD_ANSWERS["name"]
    family, given = name.split()
    return {
        "name": _forms(name) | _forms(GOOD_ANSWERS["kana"]) | {family + given},
        "phone": _forms(GOOD_ANSWERS["phone"]),
        "email": _forms(GOOD_ANSWERS["email"]),
        "birth date": _forms(GOOD_ANSWERS["birth_date"]),
        "message text": _forms(FREE_TEXT) | _forms(FREE_TEXT[:10]),
        "staff reply": _forms(STAFF_REPLY),
        "close reason": _forms(CLOSE_REASON),
    }


def _leaks(text: str) -> list[str]:
    return [
        f"{what}: {form!r}" for what, forms in _secrets().items() for form in forms if form in text
    ]


def _command(args: list[str], env: dict[str, str]) -> str:
    """Run a staff/supervisor command; returns its log output (stderr)."""
    done = run_madoguchi(args, env)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_a_whole_request_at_debug_level_logs_no_name_phone_or_text(
    database_url: str, fake: FakeBotApi, slack: FakeSlackApi, tmp_path: Path
) -> None:
    log_file = tmp_path / "serve.log"
    with desk_running(
        fake,
        slack,
        tmp_path,
        database=database_url,
        log_file=log_file,
        MADOGUCHI_LOG_LEVEL="DEBUG",
    ) as desk:
        member = Member(fake, desk.served, 300)
        number = file_request(desk, 300, ORG)
        channel, staff = CHANNELS[ORG], STAFF[ORG]
        card = desk.card(channel, number)
        desk.wait_thread(channel, card.ts, GOOD_ANSWERS["name"])  # identity reached Slack

        told = len(fake.sent_messages(300))
        desk.click(staff, "case_claim", channel, card.ts)
        desk.click(staff, "case_verify", channel, card.ts)
        desk.submit(staff, "case_verify", {"method": {"value": radio_buttons("phone_callback")}})
        # The member is told of both (claim, then identity) before staff's reply comes.
        assert "ご本人確認ができました" in member._await_answer(told + 1)
        desk.click(staff, "case_reply", channel, card.ts)
        desk.submit(staff, "case_reply", {"reply": {"value": plain_text(STAFF_REPLY)}})
        before = len(fake.sent_messages(300))
        desk.submit(staff, "case_reply_confirm", {})
        assert STAFF_REPLY in member._await_answer(before)
        assert "担当者にお伝えしました" in member.says(FREE_TEXT)
        desk.wait_thread(channel, card.ts, FREE_TEXT)
        desk.click(staff, "case_close", channel, card.ts)
        before = len(fake.sent_messages(300))
        desk.submit(
            staff,
            "case_close",
            {
                "outcome": {"value": radio_buttons("partial")},
                "reason": {"value": plain_text(CLOSE_REASON)},
                "confirm": {"value": checkboxes(["close_anyway"])},  # FREE_TEXT is unread
            },
        )
        desk.submit(staff, "case_close_confirm", {})
        assert CLOSE_REASON in member._await_answer(before)

        env = {
            **os.environ,
            **{k: v for k, v in desk.served.env.items() if k.startswith(("DATABASE", "MADOGUCHI"))},
            "MADOGUCHI_LOG_LEVEL": "DEBUG",
            "MADOGUCHI_STAFF": "sato",
        }
        command_logs = [
            _command(["staff", "show", number], env),
            _command(["transcript", number, "--out", str(tmp_path / "t.html")], env),
            _command(["member-data", number, "--out", str(tmp_path / "m.html")], env),
            _command(["cases", "--json"], env),
            _command(["audit", "--case", number], env),
        ]

    serve_log = log_file.read_text(encoding="utf-8")
    assert number in serve_log or "turn.done" in serve_log  # the logs are really there
    assert _leaks(serve_log) == []
    for log in command_logs:
        assert _leaks(log) == []
    # The exports themselves do hold the data: that is where it belongs.
    assert _leaks((tmp_path / "t.html").read_text(encoding="utf-8"))
