"""What a member's file is called when madoguchi puts it into a case's Slack thread.

The member chose the file's name, so it is never used as one: ``委任状.html`` that is really
a PDF, or a name with a right-to-left override that makes ``exe.pdf`` read as ``fdp.exe``,
would mislead the staff member who opens it. The uploaded name is made from the case number,
the file's place in the case and an extension for the type detected from its bytes; the
member's name is shown beside it as text.
"""

from __future__ import annotations

from bot.escaping import for_slack
from flows.safe_text import clean_inbound

# Extensions for the types a profile may accept (``flows.profiles.ATTACHMENT_TYPES``).
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def upload_name(number: str, index: int, mime: str) -> str:
    """E.g. ``CD-2026-00012-file-2.pdf``: the extension says what the bytes are."""
    return f"{number}-file-{index}.{EXTENSIONS.get(mime, 'bin')}"


def original_name_line(name: str | None) -> str:
    """The member's own file name, as characters: cleaned of bidi and control characters and
    escaped for mrkdwn. Empty when the file came without a name (a photo)."""
    if not name:
        return ""
    return f"\n元のファイル名：{for_slack(clean_inbound(name))}"
