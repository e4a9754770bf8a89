"""``madoguchi db``: the schema's revision, and upgrading it with Alembic migrations."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.db import probe_engine
from storage.schema import current_revision, head_revision, upgrade_to_head

db_cli = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)


def _where(url: str) -> str:
    """The database named without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@db_cli.command()
def upgrade() -> None:
    """Apply every pending migration (run once before starting new processes)."""
    url = Settings().database_url
    engine = probe_engine(url)
    try:
        before, after = upgrade_to_head(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"{_where(url)}: already at revision {after}.")
    elif before is None:
        typer.echo(f"{_where(url)}: created, schema at revision {after}.")
    else:
        typer.echo(f"{_where(url)}: upgraded from revision {before} to {after}.")


@db_cli.command()
def current() -> None:
    """Print the database's revision and the newest one this madoguchi knows."""
    url = Settings().database_url
    engine = probe_engine(url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    typer.echo(f"{_where(url)}: revision {revision or 'none'} (newest: {head_revision()})")
