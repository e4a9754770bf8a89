"""The terminal staff tool speaks Japanese, lists what needs staff first, and reopens cases."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

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


@pytest.mark.parametrize("ask", [["help"], ["--help"]])
def test_staff_help_lists_the_commands_in_japanese_by_default(
    env: dict[str, str], ask: list[str]
) -> None:
    done = run(["staff", *ask], env)
    assert done.returncode == 0, done.stderr
    assert "madoguchi staff のコマンド" in done.stdout
    assert "reopen 受付番号 理由" in done.stdout
    assert "完了した案件を対応中に戻す（回答期限は元のまま）" in done.stdout
    assert "close 受付番号 --outcome 回答済|一部対応|対応不可" in done.stdout


def test_staff_help_is_complete_in_english_when_asked(env: dict[str, str]) -> None:
    done = run(["staff", "help"], {**env, "MADOGUCHI_STAFF_LANG": "en"})
    assert "madoguchi staff commands" in done.stdout
    assert "Reopen a closed case (the due date stays the original one)" in done.stdout
    claimed = run(["staff", "claim", NUMBER], {**env, "MADOGUCHI_STAFF_LANG": "en"})
    assert "Not possible" in claimed.stderr


def test_staff_list_marks_unread_member_messages_until_the_case_is_read(
    env: dict[str, str],
) -> None:
    chat(env, [*DISCLOSURE, "電話は夕方にお願いします"])
    listing = run(["staff", "list"], env).stdout
    assert NUMBER in listing and "【未読 1件】" in listing
    shown = run(["staff", "show", NUMBER], env).stdout
    assert "電話は夕方にお願いします" in shown
    assert "【未読" not in run(["staff", "list"], env).stdout


def test_staff_list_marks_overdue_cases(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    assert "【期限超過】" not in run(["staff", "list"], env).stdout
    engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text('UPDATE "case" SET due_at = :due'),
            {"due": datetime.now(UTC) - timedelta(days=1)},
        )
    engine.dispose()
    assert "【期限超過】" in run(["staff", "list"], env).stdout


def test_staff_reopen_a_closed_case_at_the_terminal_and_the_member_is_told(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    not_yet = run(["staff", "reopen", NUMBER, "再確認"], env)
    assert not_yet.returncode == 1
    assert "再開できるのは、完了した案件だけです" in not_yet.stderr
    run(
        ["staff", "close", NUMBER, "--outcome", "対応不可", "--reason", "ご本人確認ができません"],
        env,
    )
    back = chat(env, ["なぜですか"])
    assert f"受付番号 {NUMBER} のお申し出は完了していますが" in back
    assert "【会員から連絡あり】" in run(["staff", "list"], env).stdout

    done = run(["staff", "reopen", NUMBER, "会員から理由のお問い合わせ"], env)
    assert done.returncode == 0, done.stderr
    assert f"{NUMBER}: 対応中に戻しました（状況：対応中）" in done.stdout
    listing = run(["staff", "list"], env).stdout
    assert "[対応中]" in listing and "【会員から連絡あり】" not in listing
    assert "担当者が対応を再開しました" in chat(env, [])
    history = run(["staff", "show", NUMBER], env).stdout
    assert "案件の再開" in history


def test_a_member_complaint_stays_marked_in_staff_list_after_it_is_read_until_the_case_closes(
    env: dict[str, str],
) -> None:
    chat(env, [*DISCLOSURE, "対応が遅すぎます。責任者を出してください"])
    assert "【苦情あり】" in run(["staff", "list"], env).stdout
    shown = run(["staff", "show", NUMBER], env).stdout
    assert "【苦情あり】" in shown
    listing = run(["staff", "list"], env).stdout
    assert "【未読" not in listing and "【苦情あり】" in listing
    run(["staff", "verify", NUMBER, "--method", "phone_callback"], env)
    run(["staff", "posted", NUMBER, "--method", "簡易書留"], env)  # 回答済 needs the answer sent
    closed = run(["staff", "close", NUMBER, "--outcome", "回答済", "--force"], env)
    assert closed.returncode == 0, closed.stderr
    assert "【苦情あり】" not in run(["staff", "list"], env).stdout


def test_closing_a_case_with_an_unread_member_message_is_held_until_read_or_forced(
    env: dict[str, str],
) -> None:
    chat(env, [*DISCLOSURE, "電話は夕方にお願いします"])
    close = ["staff", "close", NUMBER, "--outcome", "対応不可", "--reason", "確認できません"]
    held = run(close, env)
    assert held.returncode == 1
    assert "会員からの未読メッセージが1件あります" in held.stderr
    assert f"madoguchi staff show {NUMBER}" in held.stderr and "--force" in held.stderr
    assert "[受付]" in run(["staff", "list"], env).stdout
    forced = run([*close, "--force"], env)
    assert forced.returncode == 0, forced.stderr
    assert "[対応不可]" in run(["staff", "list"], env).stdout


def test_closing_a_paused_case_is_held_with_how_to_resume_or_force(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    assert run(["staff", "pause", NUMBER, "--waiting-for", "委任状"], env).returncode == 0
    close = ["staff", "close", NUMBER, "--outcome", "対応不可", "--reason", "確認できません"]
    held = run(close, env)
    assert held.returncode == 1
    assert "回答期限を一時停止しています" in held.stderr
    assert f"madoguchi staff resume {NUMBER}" in held.stderr
    english = run(close, {**env, "MADOGUCHI_STAFF_LANG": "en"})
    assert "The due date is paused" in english.stderr and "--force" in english.stderr
    assert run([*close, "--force"], env).returncode == 0


def test_closing_a_complaint_never_replied_to_as_answered_is_held_until_a_reply_or_force(
    env: dict[str, str],
) -> None:
    chat(env, [*DISCLOSURE, "対応が遅すぎます。責任者を出してください"])
    run(["staff", "show", NUMBER], env)  # the member's words are read: only the reply is missing
    run(["staff", "verify", NUMBER, "--method", "phone_callback"], env)
    close = ["staff", "close", NUMBER, "--outcome", "回答済"]
    held = run(close, env)
    assert held.returncode == 1
    assert "会員にまだ一度も返信していません" in held.stderr
    assert f"madoguchi staff reply {NUMBER}" in held.stderr and "--force" in held.stderr
    english = run(close, {**env, "MADOGUCHI_STAFF_LANG": "en"})
    assert "No reply was ever sent to the member" in english.stderr
    assert "--force" in english.stderr
    assert "[対応中]" in run(["staff", "list"], env).stdout

    replied = run(["staff", "reply", NUMBER, "ご不便をおかけしました。書類をお送りしました。"], env)
    assert replied.returncode == 0, replied.stderr
    run(["staff", "posted", NUMBER, "--method", "簡易書留"], env)  # 回答済 needs the answer sent
    closed = run(close, env)
    assert closed.returncode == 0, closed.stderr
    assert "[回答済]" in run(["staff", "list"], env).stdout


def test_a_second_identity_check_is_refused_at_the_terminal_saying_it_is_recorded(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    first = run(["staff", "verify", NUMBER, "--method", "書面"], env)
    assert first.returncode == 0, first.stderr
    again = run(["staff", "verify", NUMBER, "--method", "phone_callback"], env)
    assert again.returncode == 1
    assert f"{NUMBER} の本人確認は、" in again.stderr and "記録済みです（書面）" in again.stderr
    english = run(
        ["staff", "verify", NUMBER, "--method", "書面"], {**env, "MADOGUCHI_STAFF_LANG": "en"}
    )
    assert "already recorded" in english.stderr
    history = run(["staff", "show", NUMBER], env).stdout
    assert history.count("本人確認") >= 1 and history.count("method=書面") == 1


def test_staff_list_rows_are_wholly_english_when_the_staff_language_is_english(
    env: dict[str, str],
) -> None:
    chat(env, [*DISCLOSURE, "電話は夕方にお願いします"])
    run(["staff", "claim", NUMBER], env)
    english = {**env, "MADOGUCHI_STAFF_LANG": "en"}
    [row] = run(["staff", "list"], english).stdout.splitlines()
    assert row.isascii(), row  # labels, status, type, co-op, queue and dates alike
    assert NUMBER in row and "Received " in row and "Due " in row and "Assigned to sato" in row
    [japanese] = run(["staff", "list"], env).stdout.splitlines()
    assert "受付 " in japanese and "期限 " in japanese and "担当 sato" in japanese


def test_staff_show_prints_each_menu_the_member_was_sent_as_one_short_line(
    env: dict[str, str],
) -> None:
    chat(env, [DISCLOSURE[0], "メニュー", "メニュー", *DISCLOSURE[1:]])
    shown = run(["staff", "show", NUMBER], env).stdout
    chat_part = shown.split("── やりとり")[1]
    assert chat_part.count("窓口: ご用件を選んでください。（メニューを表示）") == 3
    assert "生協が持っている自分の情報を見たい（開示）" not in chat_part  # no menu item
    assert chat_part.count("会員: メニュー") == 2  # the member's words stay
    assert "        [戻る]" not in chat_part  # a step's choices are short too
    english = run(["staff", "show", NUMBER], {**env, "MADOGUCHI_STAFF_LANG": "en"}).stdout
    assert english.count("ご用件を選んでください。 (the menu was shown)") == 3


def test_staff_show_keeps_the_desks_questions_with_each_choice_list_as_one_short_line(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    chat_part = run(["staff", "show", NUMBER], env).stdout.split("── やりとり")[1]
    assert "窓口: ご利用の生協を選んでください。（選択肢 2件）" in chat_part  # the org pick
    assert "窓口: どの情報の開示をご希望ですか。（選択肢 4件）" in chat_part
    assert "開示の方法を選んでください。" in chat_part and "[書面を郵送で受け取る]" not in chat_part
    # The summary keeps the member's answers; only 送信する・修正する・やめる are short.
    assert "・氏名：山田 花子" in chat_part and "[送信する]" not in chat_part
    assert "「修正する」を選んでください。（選択肢 3件）" in chat_part
    assert "会員: S50.1.2" in chat_part and "会員: 送信する" in chat_part
    english = run(["staff", "show", NUMBER], {**env, "MADOGUCHI_STAFF_LANG": "en"}).stdout
    assert "どの情報の開示をご希望ですか。 (4 choices)" in english


def test_staff_show_keeps_the_chat_before_the_request_and_marks_where_the_request_starts(
    env: dict[str, str],
) -> None:
    chat(env, ["こんにちは", "1", "ありがとう", *DISCLOSURE[1:]])
    chat_part = run(["staff", "show", NUMBER], env).stdout.split("── やりとり")[1]
    marker = chat_part.index("  ―― ここから申出 ――\n")
    assert chat_part.index("会員: こんにちは") < marker  # nothing the member wrote vanishes
    assert chat_part.index("会員: ありがとう") < marker
    assert chat_part.index("（メニューを表示）") < marker
    assert chat_part[marker:].split("\n")[1].endswith("会員: 3")  # the request's first words
    assert chat_part.count("ここから申出") == 1
    english = run(["staff", "show", NUMBER], {**env, "MADOGUCHI_STAFF_LANG": "en"}).stdout
    assert "  -- the request starts here --\n" in english


def _command_names() -> list[str]:
    from bot.staff.terminal import staff_app

    """Every staff command but ``help`` (whose help is the whole command list)."""
    commands = staff_app.registered_commands
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in commands]
    return [name for name in names if name != "help"]


@pytest.mark.parametrize("command", _command_names())
def test_every_staff_command_help_speaks_the_staff_language(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.staff.terminal import ARGUMENT_HELP, run_staff_command

    monkeypatch.delenv("MADOGUCHI_STAFF_LANG", raising=False)
    assert run_staff_command([command, "--help"]) == 0
    japanese = capsys.readouterr().out
    assert japanese.startswith(f"madoguchi staff {command}")
    for english in ("Usage", "Options", "Show this message", "Arguments"):
        assert english not in japanese
    assert command in ARGUMENT_HELP  # every option and argument is explained
    monkeypatch.setenv("MADOGUCHI_STAFF_LANG", "en")
    assert run_staff_command([command, "-h"]) == 0
    english_help = capsys.readouterr().out
    second_line = english_help.splitlines()[1]
    assert second_line.isascii(), second_line


def test_staff_close_help_at_the_command_line_is_japanese_and_lists_force(
    env: dict[str, str],
) -> None:
    done = run(["staff", "close", NUMBER, "--help"], env)
    assert done.returncode == 0, done.stderr
    assert "Usage" not in done.stdout and "Show this message" not in done.stdout
    assert "一部対応・対応不可のときは必須（会員に伝わります）" in done.stdout
    assert "--force" in done.stdout


def test_staff_show_labels_the_answers_and_history_from_the_catalog_in_the_staff_language(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    shown = run(["staff", "show", NUMBER], env).stdout
    assert "組織：生活クラブ共済連" in shown and "申出者：ご本人" in shown
    assert "氏名：山田 花子" in shown and "開示の範囲：すべての情報" in shown
    history = shown.split("── 経過")[1].split("── やりとり")[0]
    assert "受付" in history and "created" not in history

    english = run(["staff", "show", NUMBER], {**env, "MADOGUCHI_STAFF_LANG": "en"}).stdout
    assert "Org: Seikatsu Club Kyosai Federation" in english
    assert "Full name: 山田 花子" in english
    assert "Information you want to see: All my information" in english
    request = english.split("── Request")[1].split("── History")[0]
    assert "氏名" not in request and "開示の範囲" not in request


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("書面", "書面"),
        ("登録電話へ折返し", "登録電話へ折返し"),
        ("Document", "書面"),
        ("document", "書面"),
        ("来所", "来所"),
    ],
)
def test_staff_record_the_identity_check_by_the_label_the_refusal_shows(
    env: dict[str, str], typed: str, label: str
) -> None:
    chat(env, DISCLOSURE)
    done = run(["staff", "verify", NUMBER, "--method", typed], env)
    assert done.returncode == 0, done.stderr
    assert f"method={label}" in run(["staff", "show", NUMBER], env).stdout


def test_staff_list_marks_a_paused_case_until_it_resumes(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    assert run(["staff", "pause", NUMBER, "--waiting-for", "委任状"], env).returncode == 0
    assert "【期限一時停止中】" in run(["staff", "list"], env).stdout
    assert (
        "[DUE DATE PAUSED]" in run(["staff", "list"], {**env, "MADOGUCHI_STAFF_LANG": "en"}).stdout
    )
    assert run(["staff", "resume", NUMBER], env).returncode == 0
    assert "【期限一時停止中】" not in run(["staff", "list"], env).stdout


def test_staff_cannot_transfer_a_case_to_another_co_ops_queue_and_hear_their_own_queues(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    refused = run(["staff", "transfer", NUMBER, "takuhai-center", "--note", "誤り"], env)
    assert refused.returncode == 1
    assert "宅配センターはほかの組合の窓口のため、転送できません" in refused.stderr
    assert "この案件の組合の窓口：共済部（kyosai-bu）" in refused.stderr
    assert "共済部" in run(["staff", "list"], env).stdout


def test_staff_list_puts_what_needs_staff_first_with_marks_co_op_and_queue_by_name(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)  # KY-2026-00001: quiet
    lines = [*DISCLOSURE, "対応が遅すぎます。責任者を出してください"]
    assert run(["chat", "--user", "taro"], env, "\n".join(lines) + "\n").returncode == 0
    listing = run(["staff", "list"], env).stdout.splitlines()
    assert listing[0].startswith("【苦情あり】") and "KY-2026-00002" in listing[0]
    assert listing[1].startswith("KY-2026-00001")
    assert "生活クラブ共済連" in listing[1] and "共済部" in listing[1]
    assert "kyosai-bu" not in "\n".join(listing)
    assert run(["staff", "list", "--queue", "共済部"], env).stdout.count("KY-2026-") == 2
    assert "案件はありません" in run(["staff", "list", "--queue", "宅配センター"], env).stdout
    unknown = run(["staff", "list", "--queue", "宅配"], env)
    assert unknown.returncode == 1 and "窓口「宅配」はありません" in unknown.stderr
    assert "宅配センター（takuhai-center）" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "japanese", "english"),
    [
        (["verify", NUMBER], "--method が指定されていません。", "--method is missing."),
        (["claim"], "受付番号 が指定されていません。", "case number is missing."),
        (
            ["extend", NUMBER, "--reason", "確認中", "--days", "十四"],
            "--days の値が正しくありません",
            "The value of --days is not valid",
        ),
        (["extend", NUMBER, "--days"], "--days の後に値を指定してください。", "after --days"),
        (["list", "--bogus"], "--bogus というオプションはありません。", "no option --bogus"),
        (["しょう"], "「しょう」というコマンドはありません。", 'no command "しょう"'),
    ],
)
def test_usage_errors_of_the_staff_tool_speak_the_staff_language_with_the_usage(
    args: list[str],
    japanese: str,
    english: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.staff.terminal import run_staff_command

    monkeypatch.delenv("MADOGUCHI_STAFF_LANG", raising=False)
    assert run_staff_command(args) == 2
    said = capsys.readouterr().err
    assert japanese in said and "Missing" not in said and "No such" not in said
    if args[0] != "しょう":
        assert f"使い方：madoguchi staff {args[0]}" in said
    monkeypatch.setenv("MADOGUCHI_STAFF_LANG", "en")
    assert run_staff_command(args) == 2
    assert english in capsys.readouterr().err


def test_staff_extend_by_days_typed_in_full_width(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    done = run(["staff", "extend", NUMBER, "--days", "１０", "--reason", "書庫の確認のため"], env)
    assert done.returncode == 0, done.stderr
    assert "期限を" in done.stdout


@pytest.mark.parametrize("typed", ["電話", "折返し", "電話折り返し", "登録電話への折り返し"])
def test_staff_record_a_phone_callback_in_the_words_they_use(
    env: dict[str, str], typed: str
) -> None:
    chat(env, DISCLOSURE)
    done = run(["staff", "verify", NUMBER, "--method", typed], env)
    assert done.returncode == 0, done.stderr
    assert "method=登録電話へ折返し" in run(["staff", "show", NUMBER], env).stdout


def test_staff_refusals_name_the_japanese_values_the_reason_and_the_take_over_option(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    method = run(["staff", "verify", NUMBER, "--method", "メール"], env)
    assert "登録電話へ折返し（phone_callback）" in method.stderr
    outcome = run(["staff", "close", NUMBER, "--outcome", "解決"], env)
    assert "「回答済」「一部対応」「対応不可」のどれか" in outcome.stderr
    reason = run(["staff", "close", NUMBER, "--outcome", "一部対応"], env)
    assert "理由が必要です" in reason.stderr
    run(["staff", "claim", NUMBER], {**env, "MADOGUCHI_STAFF": "suzuki"})
    taken = run(["staff", "claim", NUMBER], env)
    assert "suzuki" in taken.stderr and "--take-over を付けてください" in taken.stderr


def test_staff_show_history_names_queues_types_and_outcomes_by_their_labels(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    run(["staff", "claim", NUMBER], env)
    run(["staff", "verify", NUMBER, "--method", "書面"], env)
    run(["staff", "close", NUMBER, "--outcome", "partial", "--reason", "一部のみ保有"], env)
    shown = run(["staff", "show", NUMBER], env).stdout
    history = shown.split("── 経過")[1].split("── やりとり")[0]
    assert "queue=共済部" in history and "outcome=一部対応" in history
    assert "None" not in history and "kyosai-bu" not in history and "partial" not in history
    assert "type=disclosure" not in history


def test_staff_actions_need_the_staff_name_set_not_the_machine_login(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    nameless = {k: v for k, v in env.items() if k != "MADOGUCHI_STAFF"}
    refused = run(["staff", "claim", NUMBER], nameless)
    assert refused.returncode == 1
    assert "MADOGUCHI_STAFF にお名前を設定してください" in refused.stderr
    assert "[受付]" in run(["staff", "list"], nameless).stdout


def test_an_extension_to_a_closed_day_tells_staff_why_it_is_the_open_day_before(
    env: dict[str, str],
) -> None:
    import json

    from flows.i18n import JST, Translator
    from flows.office_calendar import is_open, last_open_day
    from flows.profiles import OfficeDays

    chat(env, DISCLOSURE)
    [case] = json.loads(run(["cases", "--json"], env).stdout)
    due = datetime.fromisoformat(case["due_at"]).astimezone(JST).date()
    closed = next(
        due + timedelta(days=n)
        for n in range(1, 15)
        if not is_open(due + timedelta(days=n), OfficeDays())
        and last_open_day(due + timedelta(days=n), OfficeDays()) > due
    )
    done = run(
        ["staff", "extend", NUMBER, "--until", closed.isoformat(), "--reason", "書庫の確認のため"],
        env,
    )
    assert done.returncode == 0, done.stderr
    ja = Translator("ja")
    opened = last_open_day(closed, OfficeDays())
    assert f"{ja.date(closed)}は休業日のため、{ja.date(opened)}にしました。" in done.stdout


def test_staff_list_marks_a_case_about_a_deceased_person(env: dict[str, str]) -> None:
    chat(env, DISCLOSURE)
    assert "【亡くなった方について】" not in run(["staff", "list"], env).stdout
    engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text('UPDATE "case" SET flags = :flags'), {"flags": '["deceased"]'})
    engine.dispose()
    assert "【亡くなった方について】" in run(["staff", "list"], env).stdout
    assert "注意：亡くなった方について" in run(["staff", "show", NUMBER], env).stdout


def test_the_case_register_names_queue_type_and_status_by_their_labels(
    env: dict[str, str],
) -> None:
    chat(env, DISCLOSURE)
    register = run(["cases"], env).stdout
    assert f"{NUMBER}  共済部  開示  受付" in register
    assert "disclosure" not in register and "kyosai-bu" not in register
