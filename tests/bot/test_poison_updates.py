"""Updates no one foresaw, against a real ``madoguchi serve`` and the fake Bot API: invalid
Unicode, NUL and control characters in any field just work, and a turn that still fails is
given up (the member is asked to send it again) without stalling anyone behind it."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from flows.safe_text import BIDI_CONTROLS
from tests.bot.served import ROOT, Member, Served, eventually, serving
from tests.fakes.telegram_api import FakeBotApi
from tests.flows.answers import COMPLAINT

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)
APOLOGY = "申し訳ありません。うまく受け付けられませんでした。お手数ですが、もう一度お送りください。"
# The message whose turn is made to fail, as a bug would, by the hook below.
BOOM = "この一通だけ処理に失敗します"
FAILING_TURN = f"""
import flows.engine

_real_turn = flows.engine.Engine.turn


def _turn(self, state, inbound, now, cases=()):
    if inbound.text == {BOOM!r}:
        raise RuntimeError("a bug in one turn")
    return _real_turn(self, state, inbound, now, cases)


flows.engine.Engine.turn = _turn
"""


def _files_allowed(tmp_path: Path) -> Path:
    deployment = tmp_path / "madoguchi.toml"
    deployment.write_text(
        'orgs = ["seikatsuclub-kyosai", "coopdeli"]\n[attachments.coopdeli]\nallowed = true\n',
        encoding="utf-8",
    )
    return deployment


def _failing_turn(tmp_path: Path) -> str:
    """A ``PYTHONPATH`` for ``serving`` that loads a hook making the turn of ``BOOM`` raise."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FAILING_TURN, encoding="utf-8")
    return f"{hook}:{ROOT}"


def _unsafe(text: str) -> list[str]:
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t") or ch in BIDI_CONTROLS
    ]


def _staff_show(served: Served, number: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "show", number],
        env={**served.env, "MADOGUCHI_STAFF": "sato"},
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")  # strict: a lone surrogate could not have been printed


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_invalid_unicode_and_control_characters_in_any_field_are_cleaned_and_answered(
    database_url: str, fake: FakeBotApi, tmp_path: Path, webhook: bool
) -> None:
    with serving(
        fake, database_url, webhook=webhook, deployment=_files_allowed(tmp_path)
    ) as served:
        member = Member(fake, served, 21)
        member.command("start", "coopdeli")
        member.says(COMPLAINT[0])

        before = len(fake.sent_messages(21))
        fake.send_photo(21, JPEG, caption="本人確認\ud800書類\x1b[2J\x1b]0;x\x07です\u202e")
        assert "を受け取りました" in member._await_answer(before)

        before = len(fake.sent_messages(21))
        fake.send_document(
            21, PDF, file_name="委任状\udc00\u202efdp.exe.pdf", mime_type="application/pdf"
        )
        assert "を受け取りました" in member._await_answer(before)

        before = len(fake.sent_messages(21))
        fake.press(21, "\ud800", require_button=False)  # forged button data
        member._await_answer(before)

        assert member.says("苦情・ご意見\x00")  # NUL, which PostgreSQL cannot store
        for line in COMPLAINT[2:]:
            member.says(line)
        [(number,)] = served.query('SELECT number FROM "case"')
        stored = served.query("SELECT name, caption FROM attachment ORDER BY id")
        lines = [text for (text,) in served.query("SELECT text FROM transcriptline")]
        failed = served.query("SELECT count(*) FROM processedupdate WHERE failed = true")
        shown = _staff_show(served, number)
    assert stored[0][1] == "本人確認\ufffd書類[2J]0;xです"
    assert stored[1][0] is not None and "\ufffd" in stored[1][0]
    for text in [*(t for row in stored for t in row if t), *lines, shown]:
        assert _unsafe(text) == [], text
    assert "苦情・ご意見" in lines  # the NUL went, the answer was taken
    assert failed == [(0,)]  # cleaned, these just worked


def test_a_turn_that_fails_is_given_up_and_the_150_members_behind_it_are_answered(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    log_file = tmp_path / "serve.log"
    with serving(
        fake, database_url, log_file=log_file, PYTHONPATH=_failing_turn(tmp_path)
    ) as served:
        member = Member(fake, served, 1)
        member.command("start", "coopdeli")
        others = range(1000, 1150)
        with fake.atomically():
            poison = fake.send_text(1, BOOM)
            for chat in others:
                fake.send_command(chat, "start", "coopdeli")
        fake.wait_for(lambda api: all(api.sent_messages(chat) for chat in others), timeout=90)
        messages = fake.wait_for_messages(1, 2, timeout=20)
        assert messages[-1]["text"] == APOLOGY
        # Nothing of the failed turn was kept: the member carries on where they were.
        assert "どの情報の開示をご希望ですか" in member.says("3")
        fake.wait_for(lambda api: not api.pending_update_ids(), timeout=30)
        marked = served.query(f"SELECT failed FROM processedupdate WHERE key = 'telegram:{poison}'")
    fetched = [
        [u["update_id"] for u in call.result]
        for call in fake.calls_to("getUpdates")
        if isinstance(call.result, list)
    ]
    assert sum(poison in ids for ids in fetched) == 1  # confirmed with the batch, not again
    assert marked in ([(1,)], [(True,)])
    log = log_file.read_text(encoding="utf-8")
    assert '"event": "telegram.turn_failed"' in log and "RuntimeError" in log
    assert BOOM not in log and "a bug in one turn" not in log


def test_in_webhook_mode_a_turn_that_fails_is_answered_200_and_not_sent_again(
    database_url: str, fake: FakeBotApi, tmp_path: Path
) -> None:
    with serving(fake, database_url, webhook=True, PYTHONPATH=_failing_turn(tmp_path)) as served:
        member = Member(fake, served, 2)
        member.command("start", "coopdeli")
        before = len(fake.sent_messages(2))
        poison = fake.send_text(2, BOOM)
        assert member._await_answer(before) == APOLOGY
        assert "どの情報の開示をご希望ですか" in member.says("3")
        eventually(
            lambda: (
                served.query(f"SELECT failed FROM processedupdate WHERE key = 'telegram:{poison}'")
                in ([(1,)], [(True,)])
            )
        )
    assert [status for u, status in fake.webhook_deliveries if u == poison] == [200]
