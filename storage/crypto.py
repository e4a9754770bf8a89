"""Encryption at rest: master keys from the environment wrap data keys kept in the database.

Envelope encryption, because case events and consent records are append-only (triggers
refuse UPDATE): rotating a master key re-wraps the few ``DataKey`` rows and never needs to
rewrite those. Values are AES-256-GCM with the column's name as associated data; lookups use
an HMAC-SHA256 blind index under an ``index`` data key that never changes
(``storage.lookup``).

Ciphertext layout: ``MDG1`` + data key id (4 bytes, big-endian) + 12-byte nonce +
ciphertext and tag. The header is authenticated too.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    ColumnElement,
    LargeBinary,
    Table,
    Text,
    and_,
    bindparam,
    func,
    literal,
    not_,
    or_,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from storage import lookup
from storage.db import Database
from storage.models import DataKey
from storage.progress import Progress, silent
from storage.sealed import (
    MAGIC,
    TEXT_PREFIX,
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    EncryptionError,
    active,
    install,
    keyed_digest,
)

__all__ = [
    "APPEND_ONLY",
    "BadMasterKeys",
    "EncryptionError",
    "Keyring",
    "MasterKey",
    "active",
    "install",
    "new_master_key",
    "parse_master_keys",
]

KEY_BYTES = 32
NONCE_BYTES = 12
DATA = "data"
INDEX = "index"
_HEADER = struct.Struct(">4sI")
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")

# Never rewritten (triggers or the ledger's nature): they stay under the data key they were
# written with, which rotation keeps readable by re-wrapping it.
APPEND_ONLY = frozenset({"caseevent", "consentrecord"})  # CaseEvent, ConsentRecord


class BadMasterKeys(EncryptionError, ValueError):
    """MADOGUCHI_DATA_KEYS cannot be read: a start-up error for the operator, not a crash."""


@dataclass(frozen=True)
class MasterKey:
    """A key-encryption key from ``MADOGUCHI_DATA_KEYS``; ``repr`` never shows the secret."""

    id: str
    secret: bytes

    def __repr__(self) -> str:
        return f"MasterKey({self.id!r})"


def parse_master_keys(spec: str | None) -> list[MasterKey]:
    """``id1:BASE64,id2:BASE64`` (the first is current); empty means encryption is off.

    Errors name the key id, never the secret.
    """
    keys: list[MasterKey] = []
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise BadMasterKeys(
                "MADOGUCHI_DATA_KEYS must look like 'k01:BASE64,k00:BASE64' "
                "(ids of letters, digits, '_', '.', '-')"
            )
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise BadMasterKeys(f"master key {key_id!r} is not valid base64") from None
        if len(secret) != KEY_BYTES:
            raise BadMasterKeys(f"master key {key_id!r} must be {KEY_BYTES} bytes (base64 of them)")
        if any(k.id == key_id for k in keys):
            raise BadMasterKeys(f"master key id {key_id!r} appears twice in MADOGUCHI_DATA_KEYS")
        keys.append(MasterKey(key_id, secret))
    return keys


def new_master_key(existing: Sequence[MasterKey] = ()) -> str:
    """A fresh ``kNN:BASE64`` entry, numbered after the ``kNN`` ids already in use."""
    numbers = [int(m.group(1)) for k in existing if (m := re.fullmatch(r"k(\d+)", k.id))]
    number = max(numbers, default=0) + 1
    secret = base64.b64encode(AESGCM.generate_key(bit_length=KEY_BYTES * 8)).decode("ascii")
    return f"k{number:02d}:{secret}"


@dataclass(frozen=True)
class _StoredKey:
    id: int
    purpose: str
    wrapped: bytes
    kek_id: str
    retired: bool


def _wrap_aad(key_id: int, purpose: str) -> bytes:
    return f"madoguchi datakey {key_id} {purpose}".encode()


class Keyring:
    """The master keys and the unwrapped data keys of one database."""

    def __init__(self, master_keys: Sequence[MasterKey], db: Database) -> None:
        if not master_keys:
            raise ValueError("a keyring needs at least one master key")
        self._masters = {key.id: key.secret for key in master_keys}
        self.current_master = master_keys[0].id
        self._db = db
        self._lock = threading.Lock()
        self._ciphers: dict[int, AESGCM] = {}
        self._current = 0
        self._index_key = b""
        self._ensure_keys()

    # ------------------------------------------------------------------ using keys

    @property
    def current_data_key(self) -> int:
        return self._current

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        with self._lock:  # the id and its cipher from the same generation of keys
            key_id, cipher = self._current, self._ciphers[self._current]
        header = _HEADER.pack(MAGIC, key_id)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + cipher.encrypt(nonce, plaintext, header + aad)

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < _HEADER.size + NONCE_BYTES + 16 or not blob.startswith(MAGIC):
            raise EncryptionError("not a madoguchi ciphertext")
        _magic, key_id = _HEADER.unpack_from(blob)
        cipher = self._ciphers.get(key_id)
        if cipher is None:  # another process rotated since we loaded the keys
            self._reload()
            cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise EncryptionError(f"data key {key_id} is not in this database")
        header = blob[: _HEADER.size]
        nonce = blob[_HEADER.size : _HEADER.size + NONCE_BYTES]
        try:
            return cipher.decrypt(nonce, blob[_HEADER.size + NONCE_BYTES :], header + aad)
        except InvalidTag:
            raise EncryptionError(
                f"a value encrypted with data key {key_id} failed its integrity check: "
                "altered, or copied from another column"
            ) from None

    def blind_index(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of kind and ``value`` (normalised by ``storage.lookup``), hex, 32 chars."""
        return keyed_digest(self._index_key, kind, value)

    # ------------------------------------------------------------------ managing keys

    def rotate(self, new_master: MasterKey | None = None) -> int:
        """Re-wrap every data key under the current (or ``new_master``) master key, retire
        the data key in use and start a new one. Returns the new data key's id.

        Rows are not touched here; ``reencrypt`` moves the mutable tables to the new key.
        """
        if new_master is not None:
            known = self._masters.get(new_master.id)
            if known is not None and known != new_master.secret:
                raise ValueError(f"master key id {new_master.id!r} is already used for a key")
            self._masters[new_master.id] = new_master.secret
            self.current_master = new_master.id
        with self._db.transaction() as session:
            rows = list(session.exec(select(DataKey).with_for_update()).all())
            stored: list[_StoredKey] = []
            for row in rows:
                secret = self._unwrap(_stored_key(row))
                assert row.id is not None
                row.wrapped = self._wrap(row.id, row.purpose, secret)
                row.kek_id = self.current_master
                row.retired = row.retired or row.purpose == DATA
                session.add(row)
                stored.append(_stored_key(row))
            fresh = self._new_key(session, DATA, max((k.id for k in stored), default=0) + 1)
            stored.append(fresh)
        self._adopt(stored)  # only once committed: never encrypt with a key not stored
        return fresh.id

    def _ensure_keys(self) -> None:
        """Load the data keys; create the index key and a data key if there are none.

        The first index key is created while the rows are still plaintext (no keys existed),
        so the lookup digests written with the built-in key are recomputed in the same
        transaction. Ids are chosen here, so two processes creating keys at once conflict on
        the primary key and the loser simply loads what the winner wrote.
        """
        for attempt in range(3):
            try:
                with self._db.transaction() as session:
                    stored = [_stored_key(r) for r in session.exec(select(DataKey)).all()]
                    next_id = max((k.id for k in stored), default=0) + 1
                    new_index = not any(k.purpose == INDEX for k in stored)
                    if new_index:
                        stored.append(self._new_key(session, INDEX, next_id))
                        next_id += 1
                    if not any(k.purpose == DATA and not k.retired for k in stored):
                        stored.append(self._new_key(session, DATA, next_id))
                    self._adopt(stored)
                    if new_index:
                        lookup.rebuild(session, self.blind_index)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def _reload(self) -> None:
        """Read the key table again, outside any session.

        The caller may hold an open write transaction (on SQLite every transaction starts
        with BEGIN IMMEDIATE), so a new ``db.transaction()`` here would wait for ever; a plain
        SELECT on a pooled connection reads what other processes committed.
        """
        table = DataKey.__tablename__
        connection = self._db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(f"SELECT id, purpose, wrapped, kek_id, retired FROM {table}")
            rows = cursor.fetchall()
            cursor.close()
        finally:
            connection.close()
        self._adopt(
            [_StoredKey(int(i), str(p), bytes(w), str(k), bool(r)) for i, p, w, k, r in rows]
        )

    def _adopt(self, stored: Sequence[_StoredKey]) -> None:
        ciphers: dict[int, AESGCM] = {}
        index: list[tuple[int, bytes]] = []
        current = 0
        for key in stored:
            secret = self._unwrap(key)
            if key.purpose == INDEX:
                index.append((key.id, secret))
                continue
            ciphers[key.id] = AESGCM(secret)
            if not key.retired:
                current = max(current, key.id)
        if not index or not current:
            raise EncryptionError("the database has no index key or no current data key")
        with self._lock:
            self._ciphers = ciphers
            self._index_key = min(index)[1]
            self._current = current

    def _new_key(self, session: Session, purpose: str, key_id: int) -> _StoredKey:
        secret = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        row = DataKey(
            id=key_id,
            purpose=purpose,
            wrapped=self._wrap(key_id, purpose, secret),
            kek_id=self.current_master,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        return _stored_key(row)

    def _wrap(self, key_id: int, purpose: str, secret: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        kek = AESGCM(self._masters[self.current_master])
        return nonce + kek.encrypt(nonce, secret, _wrap_aad(key_id, purpose))

    def _unwrap(self, key: _StoredKey) -> bytes:
        return _unwrap(self._masters, key)


def _unwrap(masters: Mapping[str, bytes], key: _StoredKey) -> bytes:
    master = masters.get(key.kek_id)
    if master is None:
        raise EncryptionError(
            f"data key {key.id} is wrapped by master key {key.kek_id!r}, which "
            "MADOGUCHI_DATA_KEYS does not hold"
        )
    nonce, wrapped = key.wrapped[:NONCE_BYTES], key.wrapped[NONCE_BYTES:]
    try:
        return AESGCM(master).decrypt(nonce, wrapped, _wrap_aad(key.id, key.purpose))
    except InvalidTag:
        raise EncryptionError(
            f"master key {key.kek_id!r} does not open data key {key.id}: "
            "is MADOGUCHI_DATA_KEYS holding the right secret for that id?"
        ) from None


def _stored_key(row: DataKey) -> _StoredKey:
    assert row.id is not None
    return _StoredKey(row.id, row.purpose, bytes(row.wrapped), row.kek_id, row.retired)


def key_problems(master_keys: Sequence[MasterKey], db: Database) -> list[str]:
    """Why some stored data key cannot be opened with ``master_keys`` (nothing is written)."""
    with db.transaction() as session:
        return stored_key_problems(master_keys, session)


def stored_key_problems(master_keys: Sequence[MasterKey], session: Session) -> list[str]:
    """:func:`key_problems` in a session of the caller's (``madoguchi doctor`` reads the
    database without opening it as a desk, which could create or upgrade its schema)."""
    masters = {key.id: key.secret for key in master_keys}
    problems: list[str] = []
    for row in session.exec(select(DataKey).order_by(col(DataKey.id))).all():
        try:
            _unwrap(masters, _stored_key(row))
        except EncryptionError as problem:
            problems.append(str(problem))
    return problems


# ---------------------------------------------------------------------- whole tables

_SEALED_TYPES = (EncryptedText, EncryptedJSON, EncryptedBytes)


def encrypted_columns() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Every table with encrypted columns, and those columns, in dependency order."""
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, _SEALED_TYPES)]
        if columns:
            yield table, columns


def _in_clear(column: Column[Any]) -> ColumnElement[bool]:
    """The stored value is there and is not a ciphertext (looked at without decrypting)."""
    if isinstance(column.type, EncryptedBytes):
        head = func.substr(type_coerce(column, LargeBinary), 1, len(MAGIC))
        sealed: ColumnElement[bool] = head == literal(MAGIC, LargeBinary)
    else:
        sealed = type_coerce(column, Text).startswith(TEXT_PREFIX, autoescape=True)
    return and_(column.is_not(None), not_(sealed))


def plaintext_counts(db: Database) -> dict[str, tuple[int, int]]:
    """Per table: (rows with a personal field still in clear, all rows)."""
    counts: dict[str, tuple[int, int]] = {}
    with db.engine.connect() as connection:
        for table, columns in encrypted_columns():
            clear = or_(*(_in_clear(c) for c in columns))
            in_clear = connection.execute(sa_select(func.count()).select_from(table).where(clear))
            total = connection.execute(sa_select(func.count()).select_from(table))
            counts[table.name] = (int(in_clear.scalar_one()), int(total.scalar_one()))
    return counts


def reencrypt(db: Database, batch: int = 200, progress: Progress = silent) -> dict[str, int]:
    """Write every mutable row's encrypted columns again under the current data key.

    Needs the keyring installed. Rows still in clear (written before encryption was on) are
    encrypted now. Each batch is one transaction whose rows are read FOR UPDATE, so a turn
    running meanwhile is never overwritten with what was read before it. On SQLite the
    connection erases freed space (``secure_delete``) so old plaintext does not linger.
    Tables with files go a few rows at a time (a file may be megabytes).
    """
    if active() is None:
        raise EncryptionError("encryption is off: set MADOGUCHI_DATA_KEYS first")
    done: dict[str, int] = {}
    for table, columns in encrypted_columns():
        if table.name in APPEND_ONLY:
            continue
        files = any(isinstance(c.type, EncryptedBytes) for c in columns)
        size = max(1, batch // 50) if files else batch
        last, count = 0, 0
        total = _row_count(db, table)
        progress(table.name, 0, total)
        while True:
            work = functools.partial(_reencrypt_batch, db, table, columns, last, size)
            moved = db.retrying(work)
            if moved is None:
                break
            last, count = moved[0], count + moved[1]
            progress(table.name, count, total)
        done[table.name] = count
    return done


def _row_count(db: Database, table: Table) -> int:
    with db.transaction() as session:
        count = session.connection().execute(sa_select(func.count()).select_from(table))
        return int(count.scalar_one())


def _reencrypt_batch(
    db: Database, table: Table, columns: list[Column[Any]], after: int, size: int
) -> tuple[int, int] | None:
    """Rewrite up to ``size`` rows with an id above ``after``: (last id, rows), or None."""
    key = table.c.id
    with db.transaction() as session:
        connection = session.connection()
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
        rows = connection.execute(
            sa_select(key, *columns).where(key > after).order_by(key).limit(size).with_for_update()
        ).all()
        if not rows:
            return None
        statement = (
            update(table)
            .where(key == bindparam("row_id"))
            .values({c.name: bindparam(f"new_{c.name}", type_=c.type) for c in columns})
        )
        connection.execute(
            statement,
            [
                {"row_id": row[0], **{f"new_{c.name}": row[i + 1] for i, c in enumerate(columns)}}
                for row in rows
            ],
        )
        return int(rows[-1][0]), len(rows)


def compact(db: Database, vacuum: bool = True) -> str | None:
    """SQLite only: rebuild the file (no free page keeps an old plaintext) and empty the WAL.

    Returns what SQLite said about the checkpoint, or None for other databases.
    """
    if db.engine.dialect.name != "sqlite":
        return None
    connection = db.engine.raw_connection()  # autocommit: VACUUM cannot run in a transaction
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        if vacuum:
            cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, frames, moved = cursor.fetchone() or (1, -1, -1)
        cursor.close()
    finally:
        connection.close()
    return "ok" if not busy else f"busy ({moved} of {frames} WAL frames written back)"


def data_key_rows(db: Database) -> list[tuple[int, str, str, bool, datetime]]:
    """(id, purpose, master key id, retired, created) of the stored data keys; no secrets."""
    with db.transaction() as session:
        rows = session.exec(select(DataKey).order_by(col(DataKey.id))).all()
        return [(r.id or 0, r.purpose, r.kek_id, r.retired, r.created_at) for r in rows]
