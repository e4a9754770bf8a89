"""Where an export command's document goes: a private file, or standard output.

``--out -`` (or no ``--out``) means standard output, as usual for command-line tools; a file is
written readable by its owner only and never through a symbolic link (one planted where the
export is expected would otherwise send personal data wherever it points). A file that cannot
be written is one line on stderr and exit status 1, not a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

import typer

from storage.private_files import write_private

STDOUT = Path("-")


def write_document(command: str, out: Path | None, document: bytes) -> bool:
    """Write ``document`` to ``out`` (``None`` or ``-``: standard output); whether it went to
    a file."""
    if out is None or out == STDOUT:
        typer.get_binary_stream("stdout").write(document)
        return False
    try:
        write_private(out, document)
    except OSError as error:
        why = (
            "it is a symbolic link; give the real path"
            if error.errno == errno.ELOOP
            else error.strerror or type(error).__name__
        )
        typer.echo(f"madoguchi {command}: cannot write {out}: {why}", err=True)
        raise typer.Exit(1) from None
    return True
