"""Files that hold personal data are readable by their owner only (mode 0600).

The SQLite database (and the -wal and -shm files SQLite gives the database's own mode), every
export and every downloaded attachment are created through here, whatever the umask of the
process that writes them; ``madoguchi`` also sets a umask of 077 at start for anything else.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE = 0o600
PRIVATE_UMASK = 0o077


def restrict_umask() -> None:
    """Files and directories this process creates are its owner's only."""
    os.umask(PRIVATE_UMASK)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist yet; an existing file is left
    as it is (its owner may have chosen its mode)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return
    os.close(descriptor)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created or replaced) readable by its owner only; a symbolic
    link at ``path`` is refused (``OSError`` ELOOP), not followed."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    descriptor = os.open(path, flags, PRIVATE)
    with os.fdopen(descriptor, "wb") as handle:
        # O_CREAT's mode applies only to a new file: tighten a file that was already there.
        # Not a device or pipe (e.g. /dev/stdout), whose mode is not ours to change.
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fchmod(descriptor, PRIVATE)
        handle.write(data)


def readable_by_others(path: Path) -> bool:
    """Whether group or others may read ``path`` (e.g. a database from before 0600)."""
    try:
        return bool(path.stat().st_mode & 0o077)
    except FileNotFoundError:
        return False
