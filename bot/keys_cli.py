"""``madoguchi keys``: the master keys that encrypt personal data at rest.

Nothing here prints a stored value or an existing secret: only key ids and counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bot.app import utc_now
from bot.audit_cli import terminal_actor
from bot.config import Settings
from bot.progress import Quiet, progress_bar
from storage import crypto, lookup
from storage.audit import AuditLog
from storage.db import Database, open_database

keys_cli = typer.Typer(
    help="Encryption of personal data at rest (MADOGUCHI_DATA_KEYS): new, rotate, status.",
    no_args_is_help=True,
)


def master_keys(settings: Settings, who: str) -> list[crypto.MasterKey]:
    """MADOGUCHI_DATA_KEYS parsed, or one line naming the command (``who``) and exit 2."""
    secret = settings.data_keys.get_secret_value() if settings.data_keys else None
    try:
        return crypto.parse_master_keys(secret)
    except ValueError as problem:
        typer.echo(f"{who}: {problem}", err=True)
        raise typer.Exit(2) from problem


@contextmanager
def _opened(
    settings: Settings, keys: list[crypto.MasterKey]
) -> Iterator[tuple[Database, crypto.Keyring | None]]:
    """The database with its keyring installed for the command, as before afterwards."""
    previous = crypto.active()
    db = open_database(settings.database_url)
    try:
        keyring = crypto.Keyring(keys, db) if keys else None
        crypto.install(keyring)
        yield db, keyring
    except crypto.EncryptionError as problem:
        typer.echo(f"madoguchi keys: {problem}", err=True)
        raise typer.Exit(1) from problem
    finally:
        crypto.install(previous)
        db.close()


@keys_cli.command()
def new() -> None:
    """Print a fresh master key: put it first in MADOGUCHI_DATA_KEYS, then `keys rotate`."""
    existing = master_keys(Settings(), "madoguchi keys new")
    line = crypto.new_master_key(existing)
    typer.echo(line)
    if existing:
        others = ",".join(f"{key.id}:…" for key in existing)
        hint = f"MADOGUCHI_DATA_KEYS={line.split(':')[0]}:…,{others}, then `madoguchi keys rotate`"
    else:
        hint = "MADOGUCHI_DATA_KEYS=<this line>; keep it safe: without it nothing can be read"
    typer.echo(f"Set {hint}.", err=True)


@keys_cli.command()
def rotate(
    batch: Annotated[int, typer.Option(min=1, help="Rows re-encrypted per transaction")] = 200,
    vacuum: Annotated[
        bool, typer.Option(help="SQLite: rebuild the file so no free page keeps old bytes")
    ] = True,
    quiet: Quiet = False,
) -> None:
    """Wrap every data key with the first master key, start a new data key, re-encrypt.

    Mutable tables are rewritten under the new data key (rows still in clear included);
    append-only case events and consent records keep their ciphertext, readable because
    their data key is now wrapped by the new master key. Afterwards the other master keys can
    be dropped from MADOGUCHI_DATA_KEYS.
    """
    settings = Settings()
    keys = master_keys(settings, "madoguchi keys rotate")
    if not keys:
        typer.echo(
            "madoguchi keys rotate: encryption is off. Set MADOGUCHI_DATA_KEYS first "
            "(`madoguchi keys new` makes a key).",
            err=True,
        )
        raise typer.Exit(2)
    with _opened(settings, keys) as (db, keyring):
        assert keyring is not None
        data_key = keyring.rotate()
        with progress_bar(quiet) as report:
            rewritten = crypto.reencrypt(db, batch, report)
        clear = crypto.plaintext_counts(db)
        compacted = crypto.compact(db, vacuum=vacuum)
        AuditLog(db, utc_now).record(
            terminal_actor(),
            "keys_rotate",
            detail={"data_key": data_key, "master_key": keyring.current_master, **rewritten},
        )
    typer.echo(
        f"Data key {data_key} now encrypts new writes; every data key is wrapped by "
        f"master key {keyring.current_master}."
    )
    typer.echo("Re-encrypted: " + ", ".join(f"{t} {n}" for t, n in rewritten.items()))
    kept = [f"{t} {clear[t][1]} ({clear[t][0]} in clear)" for t in sorted(crypto.APPEND_ONLY)]
    typer.echo("Kept as written (append-only): " + ", ".join(kept))
    if compacted is not None:
        rebuilt = "file rebuilt (VACUUM), " if vacuum else ""
        typer.echo(f"SQLite: {rebuilt}write-ahead log emptied: {compacted}.")
    old = [key.id for key in keys[1:]]
    if old:
        typer.echo(
            f"Master key(s) {', '.join(old)} no longer needed: remove them from "
            "MADOGUCHI_DATA_KEYS and restart every madoguchi process."
        )


@keys_cli.command()
def status() -> None:
    """Which master key wraps which data key, and how many rows are still in clear."""
    settings = Settings()
    keys = master_keys(settings, "madoguchi keys status")
    db = open_database(settings.database_url)
    try:
        stored = crypto.data_key_rows(db)
        clear = crypto.plaintext_counts(db)
        problems = crypto.key_problems(keys, db)  # none: a database still in clear
    finally:
        db.close()
    if keys:
        typer.echo(f"Encryption: on; master key {keys[0].id} encrypts, {len(keys)} configured.")
    else:
        typer.echo("Encryption: off (MADOGUCHI_DATA_KEYS is not set).")
    current = max((i for i, p, _k, r, _c in stored if p == crypto.DATA and not r), default=None)
    for key_id, purpose, kek, retired, created in stored:
        state = "current" if key_id == current else "retired" if retired else ""
        typer.echo(
            f"  data key {key_id:>3}  {purpose:<5}  wrapped by {kek:<8} "
            f"{created:%Y-%m-%d}  {state}".rstrip()
        )
    wrapping = {kek for _i, _p, kek, _r, _c in stored}
    for position, key in enumerate(keys):
        if key.id in wrapping or not stored:
            continue
        if position == 0:
            typer.echo(f"  master key {key.id} wraps nothing yet: run `madoguchi keys rotate`.")
        else:
            typer.echo(f"  master key {key.id} wraps nothing: it can be removed.")
    for problem in problems:
        typer.echo(f"  problem: {problem}")
    typer.echo("Rows with personal data in clear:")
    for table, (in_clear, total) in clear.items():
        note = "  (append-only: stays as written)" if table in crypto.APPEND_ONLY else ""
        typer.echo(f"  {table:<14} {in_clear:>6} of {total}{note}")
    if problems:
        raise typer.Exit(1)


@keys_cli.command()
def reindex(quiet: Quiet = False) -> None:
    """Recompute the lookup hashes of every case (e.g. cases from before the index existed)."""
    settings = Settings()
    keys = master_keys(settings, "madoguchi keys reindex")
    with (
        _opened(settings, keys) as (db, _keyring),
        db.transaction() as session,
        progress_bar(quiet) as report,
    ):
        count = lookup.rebuild(session, progress=report)  # under the keyring's index key, if any
    typer.echo(f"Lookup hashes recomputed for {count} case(s).")
