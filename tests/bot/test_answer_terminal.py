"""``madoguchi staff send`` and ``staff posted`` at the terminal: the preview first, sent once
on confirmation, and a paper send recorded with its method, day and tracking number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bot.test_staff_terminal import NUMBER, env  # noqa: F401 (the fixture)
from tests.bot.test_terminal_end_to_end import DISCLOSURE, chat, run
from tests.storage.test_answer_delivery import PDF

CHAT_DISCLOSURE = [
    "チャット" if line in ("メール", "めーる") else line for line in DISCLOSURE if "@" not in line
]


def ready(env: dict[str, str]) -> None:  # noqa: F811
    assert "受付番号" in chat(env, CHAT_DISCLOSURE)
    assert run(["staff", "verify", NUMBER, "--method", "phone_callback"], env).returncode == 0


@pytest.fixture
def linked_env(env: dict[str, str]) -> dict[str, str]:  # noqa: F811
    return {**env, "ANSWER_LINK_BASE_URL": "https://desk.example"}


def test_staff_send_shows_the_preview_and_sends_only_when_confirmed(
    linked_env: dict[str, str], tmp_path: Path
) -> None:
    ready(linked_env)
    answer = tmp_path / "開示書.pdf"
    answer.write_bytes(PDF)
    declined = run(["staff", "send", NUMBER, str(answer)], linked_env, stdin="n\n")
    assert declined.returncode == 0, declined.stderr
    assert f"{NUMBER} で会員に送るもの" in declined.stdout
    assert "開示書.pdf（application/pdf、1KB" in declined.stdout
    assert "ダウンロード用のリンクと確認コード" in declined.stdout
    assert "リンクの期限" in declined.stdout and "送信しませんでした" in declined.stdout
    assert "https://desk.example/answer/" not in chat(linked_env, [])

    sent = run(["staff", "send", NUMBER, "--yes"], linked_env)
    assert sent.returncode == 0, sent.stderr
    assert "回答を送付しました" in sent.stdout
    again = run(["staff", "send", NUMBER, "--yes"], linked_env)  # run twice by mistake
    assert again.returncode == 1 and "送るファイルがありません" in again.stderr
    said = chat(linked_env, [])
    assert len(re.findall(r"https://desk\.example/answer/", said)) == 1  # sent once
    assert re.search(r"確認コード \d{6}", said)
    closed = run(["staff", "close", NUMBER, "--outcome", "回答済"], linked_env)
    assert closed.returncode == 0, closed.stderr


def test_staff_send_refuses_a_file_of_the_wrong_type_and_sends_nothing(
    linked_env: dict[str, str], tmp_path: Path
) -> None:
    ready(linked_env)
    program = tmp_path / "開示書.pdf"
    program.write_bytes(b"MZ\x90\x00 a program renamed")
    refused = run(["staff", "send", NUMBER, str(program), "--yes"], linked_env)
    assert refused.returncode == 1
    assert "PDF・CSV・JPEG・PNG" in refused.stderr
    missing = run(["staff", "send", NUMBER, "--yes"], linked_env)
    assert missing.returncode == 1 and "送るファイルがありません" in missing.stderr


def test_staff_posted_records_the_method_day_and_tracking_number(
    env: dict[str, str],  # noqa: F811
) -> None:
    ready(env)
    wrong = run(["staff", "posted", NUMBER, "--method", "宅急便"], env)
    assert wrong.returncode == 1 and "簡易書留" in wrong.stderr
    posted = run(
        [
            "staff",
            "posted",
            NUMBER,
            "--method",
            "簡易書留",
            "--tracking",
            "1234-5678",
            "--on",
            "2026-01-05",
        ],
        env,
    )
    assert posted.returncode == 0, posted.stderr
    assert "書面の送付を記録しました" in posted.stdout
    said = chat(env, [])
    assert "2026年1月5日" in said and "簡易書留でお送りしました" in said
    history = run(["staff", "show", NUMBER], env).stdout
    assert "回答書面の送付" in history and "1234-5678" in history
