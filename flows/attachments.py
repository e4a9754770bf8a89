"""Checking a member's file against the org's rule: type from the bytes, size, emptiness.

The type comes from the file's content (``filetype`` reads its signature), never from the name
or the type the sender's app declared, so a renamed executable is not taken for a PDF.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import filetype

from flows.i18n import Translator
from flows.messages import ReceivedFile
from flows.profiles import ATTACHMENT_TYPES, AttachmentRule

MAX_NAME_LENGTH = 120
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class FileVerdict:
    """``mime`` when the file can be accepted, otherwise the member-facing ``error``."""

    mime: str | None = None
    error: str | None = None


def detected_mime(data: bytes) -> str | None:
    """The MIME type the bytes themselves announce, if ``filetype`` knows the signature."""
    kind = filetype.guess(data)
    return kind.mime if kind is not None else None


def check(file: ReceivedFile, rule: AttachmentRule, t: Translator) -> FileVerdict:
    """Whether ``file`` may be stored under ``rule``; errors are polite and say what works."""
    if file.problem == "too_large" or (file.data is not None and len(file.data) > rule.max_bytes):
        return FileVerdict(
            error=t(
                "ファイルが大きすぎるため、お受けできませんでした。"
                "{limit}MBまでのファイルを送ってください。",
                limit=rule.max_mb,
            )
        )
    if file.data is None:
        return FileVerdict(
            error=t("ファイルを受け取れませんでした。お手数ですが、もう一度送ってください。")
        )
    if not file.data:
        return FileVerdict(error=t("空のファイルが届きました。もう一度送ってください。"))
    mime = detected_mime(file.data)
    if mime not in rule.types:
        return FileVerdict(
            error=t(
                "この種類のファイルはお受けできません。{types}で送ってください。",
                types=accepted_types(rule, t),
            )
        )
    return FileVerdict(mime=mime)


def accepted_types(rule: AttachmentRule, t: Translator) -> str:
    """The accepted kinds as the member reads them, e.g. 「写真（JPEG）・画像（PNG）・PDF」."""
    separator = "・" if t.lang == "ja" else ", "
    return separator.join(ATTACHMENT_TYPES[mime].get(t.lang) for mime in rule.types)


def safe_name(name: str | None) -> str | None:
    """A file name fit to show staff and to save: no control characters or paths, bounded."""
    if not name:
        return None
    cleaned = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    return cleaned[:MAX_NAME_LENGTH] or None


def size_label(size: int) -> str:
    """A size as people say it: 820 KB, 1.4 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
