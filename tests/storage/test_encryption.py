"""Encryption at rest: the database alone shows no name, phone or message; keys rotate;
cases are still found by number, phone and name."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import cli
from storage import crypto
from storage.db import Database
from storage.models import Attachment, CaseEvent, TranscriptLine
from storage.sealed import EncryptedBytes, EncryptedJSON, EncryptedText, EncryptionError
from storage.staff import StaffActor
from tests.conftest import Clock, Desk, build_desk

ROOT = Path(__file__).resolve().parents[2]


def master(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


K1, K2 = master("k1"), master("k2")

FILES_ON = """
orgs = ["seikatsuclub-kyosai", "coopdeli"]

[attachments.coopdeli]
allowed = true
max_mb = 1
"""
PDF = b"%PDF-1.4\n% MADOGUCHI-SECRET-SCAN\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
MESSAGE = "引っ越し前の住所と2024年以降の注文の記録"
STAFF_REPLY = "開示の書類を郵送しました"
REQUEST = [
    "3",
    "一部",
    MESSAGE,
    "ご本人",
    "山田花子",
    "ヤマダ ハナコ",
    "なし",
    "1975/1/2",
    "090-1234-5678",
    "１２３４－５６７８",
    "メール",
    "hanako@example.jp",
    "送信する",
]
# What must never be readable in the files (long enough not to occur in base64 by chance).
SECRETS = [
    "山田花子",
    "山田",
    "花子",
    "ヤマダ",
    "ハナコ",
    "09012345678",
    "090-1234-5678",
    "+819012345678",
    MESSAGE,
    "引っ越し",
    STAFF_REPLY,
    "hanako@example.jp",
    "委任状",
    "MADOGUCHI-SECRET-SCAN",
]
# A request made while encryption was still off (佐藤一郎, 03-5285-1865).
PLAIN_REQUEST = [
    "3",
    "すべて",
    "ご本人",
    "佐藤 一郎",
    "サトウ イチロウ",
    "なし",
    "1960/3/4",
    "03-5285-1865",
    "わからない",
    "メール",
    "ichiro@example.jp",
    "送信する",
]
PLAIN_SECRETS = ["佐藤", "一郎", "サトウ", "イチロウ", "03-5285-1865", "0352851865", "ichiro@"]


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    """Secrets found in ``data`` as UTF-8 or as JSON ``\\u`` escapes."""
    found = []
    for secret in secrets:
        forms = {secret.encode(), json.dumps(secret)[1:-1].encode()}
        if any(form in data for form in forms):
            found.append(secret)
    return found


def sqlite_bytes(path: Path) -> bytes:
    """The database file and, if there is one, its write-ahead log."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.fixture(autouse=True)
def _no_keyring_left_behind() -> Iterator[None]:
    yield
    crypto.install(None)


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    path = tmp_path / "madoguchi.toml"
    path.write_text(FILES_ON, encoding="utf-8")
    return path


@pytest.fixture
def secure_desk(database_url: str, clock: Clock, deployment: Path) -> Iterator[Desk]:
    desk = build_desk(database_url, clock, deployment, MADOGUCHI_DATA_KEYS=K1)
    yield desk
    desk.app.db.close()


def file_request(
    desk: Desk, lines: list[str], chat_id: str = "alice", org: str = "coopdeli"
) -> str:
    """Play a request (with a file, where the org takes files); returns its case number."""
    member = desk.member(chat_id, org=org)
    for position, line in enumerate(lines):
        reply = member.says(line)
        if position == 2 and org == "coopdeli":
            member.sends_file(PDF, name="山田花子の委任状.pdf", caption="委任状です")
    assert "受け付けました" in reply
    return desk.app.cases.list_unaudited()[-1].number


def invoke(database_url: str, *args: str, keys: str | None = None) -> Result:
    env = {
        "DATABASE_URL": database_url,
        "MADOGUCHI_DEPLOYMENT": str(ROOT / "madoguchi.toml"),
        "MADOGUCHI_STAFF": "sato",
        "MADOGUCHI_DATA_KEYS": keys or "",
    }
    before = structlog.get_config()  # the command configures logging for itself
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        structlog.configure(**before)


# ---------------------------------------------------------------------- at rest


def test_with_keys_the_database_files_hold_no_name_phone_message_or_file(
    sqlite_url: str, clock: Clock, deployment: Path
) -> None:
    desk = build_desk(sqlite_url, clock, deployment, MADOGUCHI_DATA_KEYS=K1)
    number = file_request(desk, REQUEST)
    desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    desk.member("alice").says("ありがとうございました")  # the member answers back

    while_open = sqlite_bytes(desk.db_path)
    desk.app.db.close()  # the last connection writes the log back into the file
    assert leaks(while_open, SECRETS) == []
    assert leaks(sqlite_bytes(desk.db_path), SECRETS) == []
    # and the same request without keys would have shown them: the check can see them
    plain = build_desk(desk.db_path.with_name("plain.sqlite3"), clock, deployment)
    file_request(plain, REQUEST)
    assert {"山田花子", MESSAGE} <= set(leaks(sqlite_bytes(plain.db_path), SECRETS))
    plain.app.db.close()


def test_everything_reads_back_through_the_app(secure_desk: Desk) -> None:
    number = file_request(secure_desk, REQUEST)
    secure_desk.app.cases.reply(number, StaffActor.trusted("sato"), STAFF_REPLY)
    secure_desk.app.cases.close(number, StaffActor.trusted("sato"), "refused", "記録がありません")

    detail = secure_desk.app.cases.detail_unaudited(number)
    case = detail.case
    assert case.fields["name"] == "山田花子" and case.fields["phone"] == "090-1234-5678"
    assert case.fields["scope_detail"] == MESSAGE
    assert ["氏名", "山田花子"] in case.summary
    assert (case.last_staff_reply, case.outcome_reason) == (STAFF_REPLY, "記録がありません")
    said = "\n".join(line.text for line in detail.transcript)
    assert MESSAGE in said and "山田花子" in said
    assert [e.kind for e in detail.events][:2] == ["created", "attachment"]
    assert "replied" in [e.kind for e in detail.events]
    [attachment] = detail.attachments
    assert (attachment.data, attachment.name, attachment.caption) == (
        PDF,
        "山田花子の委任状.pdf",
        "委任状です",
    )
    sent = "\n".join(m.text for m in secure_desk.member("alice").received)
    assert STAFF_REPLY in sent  # the outbox decrypts for delivery


def test_cases_are_found_by_number_phone_member_number_and_name(secure_desk: Desk) -> None:
    number = file_request(secure_desk, REQUEST)
    file_request(secure_desk, PLAIN_REQUEST, chat_id="bob", org="seikatsuclub-kyosai")

    def found(query: str) -> list[str]:
        return [
            case.number
            for case in secure_desk.app.cases.find(query, StaffActor.trusted("cli:chief"))
        ]

    for query in (
        number,
        number.lower(),
        "090-1234-5678",
        "０９０－１２３４－５６７８",
        "09012345678",
        "+81 90 1234 5678",
        "1234-5678",  # 組合員番号
        "山田花子",
        "山田 花子",
        "ヤマダハナコ",
        "やまだ　はなこ",
        "ﾔﾏﾀﾞ ﾊﾅｺ",
        "やまだ",  # one part of the フリガナ
    ):
        assert found(query) == [number], query
    assert found("佐藤") == found("03-5285-1865") == ["KY-2026-00001"]
    assert found("山") == []  # whole names or their parts, not substrings
    assert found("090-9999-0000") == found("鈴木") == found("  ") == []


def test_without_keys_lookups_work_the_same(desk: Desk) -> None:
    number = file_request(desk, PLAIN_REQUEST, org="seikatsuclub-kyosai")
    assert [
        c.number
        for c in desk.app.cases.find("０３５２８５１８６５", StaffActor.trusted("cli:chief"))
    ] == [number]
    assert [
        c.number for c in desk.app.cases.find("さとう いちろう", StaffActor.trusted("cli:chief"))
    ] == [number]


def test_reindex_gives_older_cases_their_lookup_hashes(desk: Desk) -> None:
    number = file_request(desk, PLAIN_REQUEST, org="seikatsuclub-kyosai")
    with desk.app.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM caselookup"))  # as if made before the index
    assert desk.app.cases.find("佐藤", StaffActor.trusted("cli:chief")) == []
    result = invoke(desk.db_url, "keys", "reindex")
    assert result.exit_code == 0 and "for 1 case" in result.stdout, result.output
    assert [c.number for c in desk.app.cases.find("佐藤", StaffActor.trusted("cli:chief"))] == [
        number
    ]


# ---------------------------------------------------------------------- integrity


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(secure_desk: Desk) -> None:
    number = file_request(secure_desk, REQUEST)
    with secure_desk.app.db.engine.begin() as connection:
        connection.execute(
            text(
                'UPDATE "case" SET last_staff_reply = '
                "(SELECT text FROM transcriptline WHERE direction = 'member' LIMIT 1)"
            )
        )
    with pytest.raises(EncryptionError, match="another column"):
        secure_desk.app.cases.get(number)


def test_altered_ciphertext_is_refused_not_returned(secure_desk: Desk) -> None:
    number = file_request(secure_desk, REQUEST)
    with secure_desk.app.db.engine.begin() as connection:
        line_id, stored = connection.execute(
            text("SELECT id, text FROM transcriptline ORDER BY id DESC LIMIT 1")
        ).one()
        blob = bytearray(base64.b64decode(stored.removeprefix("mdg1:")))
        blob[-20] ^= 0x01
        altered = "mdg1:" + base64.b64encode(bytes(blob)).decode()
        connection.execute(
            text("UPDATE transcriptline SET text = :t WHERE id = :i"), {"t": altered, "i": line_id}
        )
    with pytest.raises(EncryptionError, match="integrity"):
        secure_desk.app.cases.detail_unaudited(number)

    keyring = secure_desk.app.keyring
    assert keyring is not None
    sealed = keyring.encrypt(b"abc", b"label")
    for bad in (sealed[:-1], sealed[:20], b"MDG2" + sealed[4:]):
        with pytest.raises(EncryptionError):
            keyring.decrypt(bad, b"label")
    with pytest.raises(EncryptionError):
        keyring.decrypt(sealed, b"other label")


def test_encrypted_data_without_keys_gives_a_clear_error(
    secure_desk: Desk, clock: Clock, deployment: Path
) -> None:
    number = file_request(secure_desk, REQUEST)
    secure_desk.app.db.close()
    keyless = build_desk(secure_desk.db_url, clock, deployment)
    with pytest.raises(EncryptionError, match="MADOGUCHI_DATA_KEYS"):
        keyless.app.cases.get(number)
    keyless.app.db.close()


def test_a_key_another_process_made_is_loaded_inside_an_open_transaction(
    database_url: str,
) -> None:
    """A writer process rotated; this one meets its new data key in the middle of a turn."""
    keys = crypto.parse_master_keys(K1)
    mine, theirs = Database(database_url), Database(database_url)
    try:
        ring = crypto.Keyring(keys, mine)
        other = crypto.Keyring(keys, theirs)
        new_key = other.rotate()
        sealed = other.encrypt("山田花子".encode(), b"case.fields")
        assert ring.current_data_key < new_key
        with mine.transaction() as session:
            session.exec(select(TranscriptLine)).all()  # the write lock is held
            assert ring.decrypt(sealed, b"case.fields").decode() == "山田花子"
        assert ring.current_data_key == new_key
        assert ring.blind_index("name", "やまだ") == other.blind_index("name", "やまだ")
    finally:
        mine.close()
        theirs.close()


# ---------------------------------------------------------------------- rotation


def test_rotation_re_encrypts_and_the_old_master_key_can_be_dropped(
    database_url: str, clock: Clock, deployment: Path
) -> None:
    # Before encryption: a request stored in clear.
    plain = build_desk(database_url, clock, deployment)
    bob = file_request(plain, PLAIN_REQUEST, chat_id="bob", org="seikatsuclub-kyosai")
    plain.app.db.close()

    # Keys on (k1): old rows still read, and are found under the new index key.
    first = build_desk(database_url, clock, deployment, MADOGUCHI_DATA_KEYS=K1)
    assert [
        c.number for c in first.app.cases.find("佐藤 一郎", StaffActor.trusted("cli:chief"))
    ] == [bob]
    assert first.app.cases.get(bob).fields["phone"] == "03-5285-1865"
    alice = file_request(first, REQUEST)
    first.app.cases.reply(alice, StaffActor.trusted("sato"), STAFF_REPLY)
    first.app.db.close()
    path = Path(database_url.removeprefix("sqlite:///"))
    if database_url.startswith("sqlite:///"):  # bob's rows are still in clear
        assert "佐藤" in leaks(sqlite_bytes(path), PLAIN_SECRETS)
    status = invoke(database_url, "keys", "status", keys=K1)
    assert status.exit_code == 0, status.output
    assert "transcriptline" in status.stdout and "of" in status.stdout

    rotated = invoke(database_url, "keys", "rotate", "--batch", "7", keys=f"{K2},{K1}")
    assert rotated.exit_code == 0, rotated.output
    assert "Data key 3 now encrypts new writes" in rotated.stdout
    assert "master key k2" in rotated.stdout and "k1 no longer needed" in rotated.stdout
    assert "case 2, " in rotated.stdout and "attachment 1" in rotated.stdout  # batches of 7
    assert leaks(rotated.stdout.encode(), SECRETS + PLAIN_SECRETS) == []

    # Only k2 from now on: everything reads, append-only case events included.
    after = invoke(database_url, "keys", "status", keys=K2)
    assert after.exit_code == 0, after.output
    for table in ("conversation", "transcriptline", "case", "attachment", "outboxmessage"):
        assert any(line.split()[:2] == [table, "0"] for line in after.stdout.splitlines()), (
            after.stdout
        )
    assert "wrapped by k1" not in after.stdout

    last = build_desk(database_url, clock, deployment, MADOGUCHI_DATA_KEYS=K2)
    detail = last.app.cases.detail_unaudited(alice)
    assert detail.case.fields["name"] == "山田花子"
    assert detail.case.last_staff_reply == STAFF_REPLY
    assert detail.attachments[0].data == PDF
    assert {"created", "attachment", "replied"} <= {e.kind for e in detail.events}
    assert MESSAGE in "\n".join(line.text for line in detail.transcript)
    assert last.app.cases.detail_unaudited(bob).case.fields["kana"] == "サトウ イチロウ"
    assert [
        c.number
        for c in last.app.cases.find("０９０１２３４５６７８", StaffActor.trusted("cli:chief"))
    ] == [alice]
    assert [
        c.number for c in last.app.cases.find("03-5285-1865", StaffActor.trusted("cli:chief"))
    ] == [bob]
    with last.app.db.transaction() as session:
        events = session.exec(select(CaseEvent)).all()  # written under the retired key
        assert all(isinstance(e.data, dict) for e in events)
        stored = session.execute(text("SELECT text FROM transcriptline")).scalars().all()
    assert all(s.startswith("mdg1:") for s in stored)  # bob's lines, once plain, too
    last.member("alice").says("状況")
    with last.app.db.engine.connect() as connection:
        newest = connection.execute(
            text("SELECT text FROM transcriptline ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert base64.b64decode(newest.removeprefix("mdg1:"))[4:8] == (3).to_bytes(4, "big")
    last.app.db.close()

    with pytest.raises(EncryptionError, match="'k2'"):
        build_desk(database_url, clock, deployment, MADOGUCHI_DATA_KEYS=K1)
    for wrong in (K1, master("k2"), ""):
        refused = invoke(database_url, "keys", "status", keys=wrong)
        assert refused.exit_code == 1 and "problem: " in refused.stdout, refused.output

    if database_url.startswith("sqlite:///"):
        assert leaks(sqlite_bytes(path), SECRETS + PLAIN_SECRETS) == []


def test_rotate_refuses_when_encryption_is_off(sqlite_url: str) -> None:
    result = invoke(sqlite_url, "keys", "rotate")
    assert result.exit_code == 2
    assert "encryption is off" in result.stderr


def test_keys_new_prints_a_fresh_key_numbered_after_the_ones_in_use(sqlite_url: str) -> None:
    first = invoke(sqlite_url, "keys", "new")
    assert first.exit_code == 0, first.output
    [line] = first.stdout.split()
    [key] = crypto.parse_master_keys(line)
    assert key.id == "k01" and len(key.secret) == 32
    second = invoke(sqlite_url, "keys", "new", keys=line)
    assert second.stdout.startswith("k02:") and second.stdout.strip() != line
    assert line.split(":")[1] not in second.stdout + second.stderr  # no secret echoed


def test_malformed_keys_are_refused_without_showing_them() -> None:
    secret = base64.b64encode(os.urandom(32)).decode()
    for spec, problem in (
        ("k1", "must look like"),
        ("k1:not base64!", "base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (f"k1:{secret},k1:{secret}", "twice"),
    ):
        with pytest.raises(ValueError, match=problem) as error:
            crypto.parse_master_keys(spec)
        assert secret not in str(error.value)
    assert crypto.parse_master_keys(" ") == []
    assert secret not in repr(crypto.parse_master_keys(f"k1:{secret}"))


def test_a_wrong_key_setting_stops_the_command_with_a_message(sqlite_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url, "MADOGUCHI_DATA_KEYS": "k1:c2hvcnQ="}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "cases"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    assert "32 bytes" in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------------- column types


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[crypto.Keyring]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('keys') / 'keys.sqlite3'}")
    yield crypto.Keyring(crypto.parse_master_keys(K1), db)
    db.close()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def round_trip(column_type: Any, value: Any) -> tuple[Any, Any]:
    dialect = sqlite.dialect()
    stored = column_type.process_bind_param(value, dialect)
    return stored, column_type.process_result_value(stored, dialect)


@given(words=st.text(), data=JSON_VALUES, blob=st.binary())
def test_every_value_survives_encryption(
    keyring: crypto.Keyring, words: str, data: Any, blob: bytes
) -> None:
    crypto.install(keyring)
    try:
        stored, back = round_trip(EncryptedText("t.text"), words)
        assert back == words and stored.startswith("mdg1:")
        stored, back = round_trip(EncryptedJSON("t.json"), {"v": data})
        assert back == {"v": data} and stored.startswith("mdg1:")
        stored, back = round_trip(EncryptedBytes("t.blob"), blob)
        assert back == blob and stored.startswith(b"MDG1")
        assert keyring.decrypt(keyring.encrypt(blob, b"aad"), b"aad") == blob
    finally:
        crypto.install(None)
    assert round_trip(EncryptedText("t.text"), words) == (words, words)  # keys off: as is
    assert round_trip(EncryptedBytes("t.blob"), blob) == (blob, blob)


def test_plaintext_that_looks_like_a_prefix_still_reads(keyring: crypto.Keyring) -> None:
    crypto.install(keyring)
    for value in ("mdg1:", "mdg1:hello", "mdg1:TURHMQ=="):
        assert EncryptedText("t.text").process_result_value(value, sqlite.dialect()) == value


def test_attachments_in_clear_are_counted_and_rotated(
    sqlite_url: str, clock: Clock, deployment: Path
) -> None:
    plain = build_desk(sqlite_url, clock, deployment)
    file_request(plain, REQUEST)
    plain.app.db.close()
    status = invoke(sqlite_url, "keys", "status")
    assert "Encryption: off" in status.stdout
    assert any(line.split()[:2] == ["attachment", "1"] for line in status.stdout.splitlines())
    assert invoke(sqlite_url, "keys", "rotate", keys=K1).exit_code == 0
    secure = build_desk(sqlite_url, clock, deployment, MADOGUCHI_DATA_KEYS=K1)
    with secure.app.db.transaction() as session:
        [attachment] = session.exec(select(Attachment)).all()
        assert attachment.data == PDF
        raw = session.execute(text("SELECT data FROM attachment")).scalar_one()
    assert bytes(raw).startswith(b"MDG1")
    secure.app.db.close()
