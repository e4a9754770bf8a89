"""The whole loop as a person at a terminal would run it: real processes, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.i18n import JST, Translator
from flows.office_calendar import is_open, promised_due
from flows.profiles import OfficeDays

ROOT = Path(__file__).resolve().parents[2]
MADOGUCHI = [sys.executable, "-m", "bot"]
JA = Translator("ja")
DISCLOSURE = [
    "1",  # 生活クラブ共済連
    "3",  # 開示
    "すべて",
    "ご本人",
    "山田 花子",
    "ヤマダ ハナコ",
    "なし",
    "S50.1.2",
    "03-5285-1865",
    "わからない",
    "メール",
    "hanako@example.jp",
    "送信する",
]


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MADOGUCHI, *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def chat(env: dict[str, str], lines: list[str]) -> str:
    done = run(["chat", "--user", "hanako"], env, "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_chat_over_a_pipe_prompts_at_line_start_and_exits_cleanly_at_end_of_input(
    env: dict[str, str],
) -> None:
    out = chat(env, ["1"])
    assert out.startswith(
        "ご利用の生協を選んでください。\n  1. 生活クラブ共済連\n  2. コープデリ\n\n> "
    )
    assert out.count("\n> ") == 2  # once before each read, the last one meets end of input
    assert out.endswith("> \n")


def test_a_disclosure_ends_in_kyosai_bu_and_the_staff_answer_reaches_the_member(
    env: dict[str, str],
) -> None:
    out = chat(env, DISCLOSURE)
    assert "受付番号：KY-2026-00001" in out

    cases = json.loads(run(["cases", "--json"], env).stdout)
    assert [(c["number"], c["queue"], c["type"], c["status"]) for c in cases] == [
        ("KY-2026-00001", "kyosai-bu", "disclosure", "received")
    ]
    assert set(cases[0]) >= {
        "id",
        "number",
        "org",
        "queue",
        "type",
        "status",
        "requester",
        "fields",
        "received_at",
        "due_at",
    }

    listing = run(["staff", "list", "--queue", "kyosai-bu"], env).stdout
    assert "KY-2026-00001" in listing and "開示" in listing
    shown = run(["staff", "show", "KY-2026-00001"], env).stdout
    assert "氏名：山田 花子" in shown and "会員: 送信する" in shown
    engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.NullPool)
    with engine.connect() as db:
        looks = [
            tuple(row)
            for row in db.exec_driver_sql("SELECT action, case_number, surface FROM auditentry")
        ]
    engine.dispose()
    assert looks == [  # identity fields were shown, by the JSON listing and by show
        ("list_cases", None, "cli"),
        ("list_cases", None, "cli"),  # staff list: every staff read is on record
        ("view_case", "KY-2026-00001", "cli"),
    ]

    for args in (
        ["claim", "KY-2026-00001"],
        ["verify", "KY-2026-00001", "--method", "phone_callback"],
        ["reply", "KY-2026-00001", "開示する情報をメールでお送りしました。"],
        ["extend", "KY-2026-00001", "--days", "14", "--reason", "資料の確認に時間がかかるため"],
    ):
        done = run(["staff", *args], env)
        assert done.returncode == 0, done.stderr

    # The first open day past 28 days from arrival: past the cap whatever day the real clock
    # says it is (a day after the cap could be a closed day, moved back inside it).
    past_cap = datetime.fromisoformat(cases[0]["received_at"]).astimezone(JST).date()
    past_cap += timedelta(days=29)
    while not is_open(past_cap, OfficeDays()):
        past_cap += timedelta(days=1)
    beyond = run(
        ["staff", "extend", "KY-2026-00001", "--until", past_cap.isoformat(), "--reason", "再確認"],
        env,
    )
    assert beyond.returncode != 0 and "延長できるのは合わせて14日までです" in beyond.stderr
    refused = run(["staff", "close", "KY-2026-00001", "--outcome", "partial"], env)
    assert refused.returncode != 0 and "理由が必要です（会員に伝わります）" in refused.stderr
    closed = run(
        [
            "staff",
            "close",
            "KY-2026-00001",
            "--outcome",
            "partial",
            "--reason",
            "一部の記録は保存期間を過ぎていました",
        ],
        env,
    )
    assert closed.returncode == 0, closed.stderr

    back = chat(env, ["状況"])
    assert (
        "【受付番号 KY-2026-00001】担当者からのご連絡です。\n開示する情報をメールでお送りしました。"
        in back
    )
    # Two weeks after the due date the case was given, or the last open day before that (the
    # processes run on the real clock).
    two_weeks = datetime.fromisoformat(cases[0]["due_at"]) + timedelta(days=14)
    extended_to = JA.date(promised_due(two_weeks, OfficeDays()))
    assert (
        f"回答の目安を{extended_to}に延ばします。\nお待たせして申し訳ございません。\n"
        "理由：資料の確認に時間がかかるため"
    ) in back
    assert "一部について対応しました。\n理由：一部の記録は保存期間を過ぎていました" in back
    assert "担当者が決まりました" in back and "ご本人確認ができました" in back
    assert "受付番号 KY-2026-00001（開示、" in back  # 「状況」: the one case, in full
    assert "お申し出の一部について対応しました。" in back

    history = run(["staff", "show", "KY-2026-00001"], env).stdout
    for kind in ("受付", "担当決定", "本人確認", "回答送信", "期限延長", "完了"):
        assert kind in history


def test_staff_cannot_answer_a_disclosure_at_the_terminal_before_the_identity_check(
    env: dict[str, str],
) -> None:
    assert "受付番号：KY-2026-00001" in chat(env, DISCLOSURE)
    refused = run(["staff", "close", "KY-2026-00001", "--outcome", "回答済"], env)
    assert refused.returncode == 1
    assert (
        "できません: 本人確認の記録がないため、「回答済」「一部対応」では完了できません。"
        "先に本人確認を記録してください。" in refused.stderr
    )
    verified = run(["staff", "verify", "KY-2026-00001", "--method", "document"], env)
    assert verified.returncode == 0, verified.stderr
    unsent = run(["staff", "close", "KY-2026-00001", "--outcome", "回答済"], env)
    assert unsent.returncode == 1 and "まだ回答を送っていない" in unsent.stderr
    posted = run(["staff", "posted", "KY-2026-00001", "--method", "本人限定受取郵便"], env)
    assert posted.returncode == 0, posted.stderr
    closed = run(["staff", "close", "KY-2026-00001", "--outcome", "回答済"], env)
    assert closed.returncode == 0, closed.stderr
    assert "状況：回答済" in closed.stdout


def test_staff_get_a_clear_message_for_an_unknown_case(env: dict[str, str]) -> None:
    done = run(["staff", "claim", "KY-2026-99999"], env)
    assert done.returncode == 1
    assert "KY-2026-99999" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_interactive_staff_shell_reads_commands_until_end_of_input(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    done = run(["staff"], env, "list\nclaim KY-2026-00001\nquit\n")
    assert done.returncode == 0
    assert "KY-2026-00001: 担当しました（状況：本人確認待ち）" in done.stdout


@pytest.mark.parametrize(
    ("first_message", "starts", "filled_in"),
    [
        (
            "退会したので私の情報消して",
            "消すこと（消去）を、ご請求いただく手続きです",
            "理由：もう使う必要がない",
        ),
        ("DMもう要らない", "広告やご案内を止める手続きです", "紙のDM・カタログ"),
        (
            "かいじせいきゅうしたい",
            "開示（内容をお知らせすること）をご請求いただく手続きです",
            None,
        ),
    ],
)
def test_typing_a_request_at_the_terminal_starts_its_flow_with_what_was_said(
    env: dict[str, str], first_message: str, starts: str, filled_in: str | None
) -> None:
    out = chat(env, ["生活クラブ共済連", first_message])
    after = out.split(first_message, 1)[-1] if first_message in out else out
    assert starts in after
    if filled_in:
        assert filled_in in after


def test_acting_for_a_mother_at_the_terminal_fills_in_the_agent(env: dict[str, str]) -> None:
    out = chat(env, ["2", "母の代わりに申し込みたい", "3"])
    assert "任意代理人（ご本人から頼まれた方）" in out
    assert "ご本人との続柄：子（息子・娘）" in out


def test_unclear_text_at_the_terminal_gets_candidates(env: dict[str, str]) -> None:
    out = chat(env, ["2", "情報のことで"])
    assert "次のどれにあたりますか" in out
    assert "担当者と話す" in out


def test_typing_start_at_the_terminal_restarts_the_chat_even_when_staff_await_an_answer(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    asked = run(["staff", "reply", "KY-2026-00001", "ご都合のよい日をお知らせください。"], env)
    assert asked.returncode == 0, asked.stderr
    out = chat(env, ["/start"])
    # As on Telegram: the command shows the start again, and nothing reaches the case.
    assert "担当者にお伝えしました" not in out
    assert out.count("ご用件を選んでください。") == 2  # the chat's start, then /start
    history = run(["staff", "show", "KY-2026-00001"], env).stdout.split("── やりとり")[0]
    assert "会員からの連絡" not in history
