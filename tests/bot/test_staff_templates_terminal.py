"""Reply templates at the terminal: list those that fit a case, fill one, edit it in $EDITOR,
see what the member will read, confirm, and the member gets it; nothing goes unconfirmed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.bot.test_terminal_end_to_end import DISCLOSURE, ROOT, chat, run

NUMBER = "KY-2026-00001"


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
    }


def editor(tmp_path: Path, line: str) -> str:
    """An $EDITOR that adds ``line`` to the file it is given, as staff would type it."""
    script = tmp_path / "edit.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{line}' >> \"$1\"\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_staff_list_the_templates_that_fit_a_disclosure(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    listing = run(["staff", "templates", NUMBER], env)
    assert listing.returncode == 0, listing.stderr
    assert "KY-2026-00001 に使える定型文：" in listing.stdout
    assert "refusal_harm  開示できない（生命・身体・財産などを害するおそれ）" in listing.stdout
    assert "correction_done" not in listing.stdout  # a correction's, not a disclosure's


def test_staff_pick_a_refusal_edit_it_see_the_preview_confirm_and_the_member_gets_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    chat(env, DISCLOSURE)
    edited = {**env, "EDITOR": editor(tmp_path, "担当：佐藤"), "VISUAL": ""}
    sent = run(["staff", "reply", NUMBER, "--template", "refusal_harm", "--edit"], edited, "y\n")
    assert sent.returncode == 0, sent.stderr
    assert "会員には次のとおり届きます：" in sent.stdout
    assert "  | 【受付番号 KY-2026-00001】担当者からのご連絡です。" in sent.stdout
    assert "ご本人やほかの方の命、体、財産などを傷つけるおそれがあるため" in sent.stdout
    assert "  | 担当：佐藤" in sent.stdout
    assert "この内容で送信しますか？" in sent.stdout
    assert "KY-2026-00001: 会員に返信しました" in sent.stdout
    member = chat(env, [])  # the member's chat shows what came while away
    assert "第33条第2項第1号" in member and "担当：佐藤" in member


def test_staff_who_answer_no_at_the_confirmation_send_nothing(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    held = run(["staff", "reply", NUMBER, "--template", "no_data"], env, "n\n")
    assert held.returncode == 0, held.stderr
    assert "送信をやめました。" in held.stdout
    assert "保有個人データはありませんでした" not in chat(env, [])


def test_an_extension_apology_before_any_extension_is_refused_in_japanese_naming_the_gap(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    refused = run(["staff", "reply", NUMBER, "--template", "extension_apology"], env, "y\n")
    assert refused.returncode == 1
    assert "「延長後の回答期限」「延長の理由」の記録がないため" in refused.stderr
    assert "会員には次のとおり届きます" not in refused.stdout
    extended = run(
        ["staff", "extend", NUMBER, "--days", "7", "--reason", "資料の確認に時間がかかるため"], env
    )
    assert extended.returncode == 0, extended.stderr
    sent = run(["staff", "reply", NUMBER, "--template", "extension_apology", "--yes"], env)
    assert sent.returncode == 0, sent.stderr
    assert "延長の理由：資料の確認に時間がかかるため" in chat(env, [])


def test_edited_text_with_a_placeholder_left_in_is_refused(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    refused = run(
        ["staff", "reply", NUMBER, "--template", "answer_sent", "--text", "期限は{due}です。"],
        env,
        "y\n",
    )
    assert refused.returncode == 1
    assert "差し込み欄 {due} が残っています" in refused.stderr
