"""Column types that encrypt personal data with the process's keyring, and the lookup hash.

SQLAlchemy types do not know their engine, so the keyring is process-wide: ``install`` it once
the database is open (``storage.crypto.Keyring``). This module imports nothing of the project,
so ``storage.models`` can use the types while ``storage.crypto`` uses the models.

With no keyring installed values are stored as before (plaintext), and plaintext is always
accepted on reading, so rows written before encryption was turned on still read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any, Protocol

import orjson
from sqlalchemy import Dialect, LargeBinary, Text
from sqlalchemy.types import TypeDecorator

MAGIC = b"MDG1"  # first bytes of every ciphertext
TEXT_PREFIX = "mdg1:"  # a text column holding ciphertext: the prefix, then base64
MIN_BLOB = len(MAGIC) + 4 + 12 + 16  # magic, data key id, nonce, GCM tag
DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256 are plenty to tell cases apart

# Without keys the index is only a hash: anyone holding the database can test guesses against
# it. A fixed key keeps lookups working the same way whether encryption is on or off.
_UNKEYED_INDEX_KEY = hashlib.sha256(b"madoguchi lookup index without keys").digest()


class EncryptionError(RuntimeError):
    """A stored value cannot be decrypted; the message never holds the value."""


class Sealer(Protocol):
    """What the column types need from a keyring (``storage.crypto.Keyring``)."""

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes: ...

    def decrypt(self, blob: bytes, aad: bytes) -> bytes: ...

    def blind_index(self, kind: str, value: str) -> str: ...


_active: Sealer | None = None


def install(sealer: Sealer | None) -> None:
    """Make ``sealer`` encrypt every write from now on (``None``: plaintext, as before)."""
    global _active
    _active = sealer


def active() -> Sealer | None:
    return _active


def keyed_digest(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of kind and an already normalised value; the kind keeps phones and names
    apart, the NUL keeps ``kind + value`` unambiguous."""
    message = f"{kind}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGEST_CHARS]


def index_digest(kind: str, value: str) -> str:
    """The lookup digest under the active keyring's index key, or the built-in one."""
    sealer = _active
    if sealer is None:
        return keyed_digest(_UNKEYED_INDEX_KEY, kind, value)
    return sealer.blind_index(kind, value)


def looks_sealed(blob: bytes) -> bool:
    return len(blob) >= MIN_BLOB and blob.startswith(MAGIC)


def _no_keys(label: str) -> EncryptionError:
    return EncryptionError(
        f"{label} is encrypted but no keys are configured: set MADOGUCHI_DATA_KEYS "
        "(the master keys this database was encrypted with)."
    )


def seal_bytes(value: bytes, label: str) -> bytes:
    sealer = _active
    return value if sealer is None else sealer.encrypt(value, label.encode())


def open_bytes(stored: bytes, label: str) -> bytes:
    if not looks_sealed(stored):
        return stored  # written before encryption was on
    sealer = _active
    if sealer is None:
        raise _no_keys(label)
    return sealer.decrypt(stored, label.encode())


def seal_text(value: str, label: str) -> str:
    sealer = _active
    if sealer is None:
        return value
    blob = sealer.encrypt(value.encode(), label.encode())
    return TEXT_PREFIX + base64.b64encode(blob).decode("ascii")


def open_text(stored: str, label: str) -> str:
    if not stored.startswith(TEXT_PREFIX):
        return stored  # written before encryption was on
    try:
        blob = base64.b64decode(stored[len(TEXT_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return stored  # plaintext that merely starts like a ciphertext
    if not looks_sealed(blob):
        return stored
    sealer = _active
    if sealer is None:
        raise _no_keys(label)
    return sealer.decrypt(blob, label.encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A ``str`` column stored as ``mdg1:`` + base64 ciphertext when a keyring is installed.

    ``label`` (e.g. ``transcriptline.text``) is the associated data, so a ciphertext copied
    into another column fails to decrypt instead of showing up in the wrong place.
    """

    impl = Text
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal_text(value, self.label)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else open_text(value, self.label)


# orjson where it gives what json gives: a conversation's state is encoded and decoded on every
# turn, and the standard library's encoder was about a tenth of a turn's CPU. Datetimes and
# dataclasses are passed through to fail as they do in json; what orjson refuses (integers
# beyond 64 bits, NaN) goes through json as before.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def dumps(value: Any) -> str:
    """JSON text of ``value`` (UTF-8 kept as is, keys in their order)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False)


def loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, Infinity: json reads them, orjson does not
        return json.loads(text)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (dict, list…) stored as encrypted text; plaintext JSON when keys are off.

    Keys keep their order (no ``sort_keys``), as the JSON column did: exports list event data
    in the order it was written.
    """

    impl = Text
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return seal_text(dumps(value), self.label)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return loads(open_text(value, self.label))


class EncryptedBytes(TypeDecorator[bytes]):
    """Raw bytes stored as the raw ciphertext (no base64: files can be large)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else seal_bytes(bytes(value), self.label)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else open_bytes(bytes(value), self.label)
