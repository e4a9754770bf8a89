"""Several processes, encryption at rest, keyed lookups and a hash-chained audit log.

- outbox rows carry a claim (``claimed_by``/``claimed_until``) and singleton jobs a ``lease``;
- personal columns become text that holds ciphertext when keys are set (rows written before
  stay readable as they are; ``madoguchi keys rotate`` encrypts them); wrapped data keys live
  in ``datakey``, and ``caselookup`` holds keyed hashes of phones, names and member numbers;
- audit entries are numbered and chained (existing entries are chained in id order here);
- the append-only triggers exist on PostgreSQL too (SQLite's are re-made: altering a table
  there copies it, which drops its triggers).

Revision ID: 0002
Revises: 0001
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

# (table, column, was JSON) for every column that now holds ciphertext in text
SEALED_TEXT = [
    ("attachment", "name", False),
    ("attachment", "caption", False),
    ("case", "fields", True),
    ("case", "summary", True),
    ("case", "outcome_reason", False),
    ("case", "last_staff_reply", False),
    ("caseevent", "data", True),
    ("consentrecord", "member_ref", False),
    ("consentrecord", "member_number", False),
    ("conversation", "state", True),
    ("outboxmessage", "text", False),
    ("outboxmessage", "choices", True),
    ("transcriptline", "text", False),
]
NULLABLE = {("attachment", "name"), ("attachment", "caption"), ("case", "outcome_reason")}
NULLABLE |= {("case", "last_staff_reply"), ("consentrecord", "member_number")}


def _append_only(dialect: str) -> list[str]:
    """The append-only triggers as of this revision (see ``storage.schema``)."""
    statements: list[str] = []
    for table, what in (("caseevent", "case events"), ("auditentry", "audit entries")):
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{what} are append-only'); END"
                )
        else:
            statements += [
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '{what} are append-only'; END $$",
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
            ]
    return statements


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        for table in ("caseevent", "auditentry"):
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")

    op.create_table(
        "auditchainhead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "datakey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "lease",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "caselookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("caselookup") as batch:
        batch.create_index("ix_caselookup_case_id", ["case_id"], unique=False)
        batch.create_index("ix_caselookup_digest", ["kind", "digest"], unique=False)

    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))

    for table, column, was_json in SEALED_TEXT:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.JSON() if was_json else sa.String(),
                type_=sa.Text(),
                existing_nullable=(table, column) in NULLABLE,
                postgresql_using=f"{column}::text",
            )

    with op.batch_alter_table("auditentry") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(), nullable=True))
    _chain_existing_audit_entries(bind)
    with op.batch_alter_table("auditentry") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(), nullable=False)
        batch.create_unique_constraint("uq_auditentry_seq", ["seq"])

    _index_existing_cases(bind)
    for statement in _append_only(dialect):
        op.execute(statement)


def _chain_existing_audit_entries(bind: sa.Connection) -> None:
    """Number and chain the entries written before the chain, in the order they were written."""
    from storage.audit import entry_hash
    from storage.models import AuditEntry

    columns = ("id", "at", "actor", "surface", "action", "case_number", "allowed", "detail")
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    rows = bind.execute(sa.select(*(table.c[name] for name in columns)).order_by(table.c.id)).all()
    previous, seq = GENESIS, 0
    for row in rows:
        seq += 1
        entry = AuditEntry(seq=seq, prev_hash=previous, entry_hash="", **row._asdict())
        link = entry_hash(previous, entry)
        bind.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(seq=seq, prev_hash=previous, entry_hash=link)
        )
        previous = link
    bind.execute(
        sa.text("INSERT INTO auditchainhead (id, seq, hash) VALUES (1, :seq, :hash)"),
        {"seq": seq, "hash": previous},
    )


def _index_existing_cases(bind: sa.Connection) -> None:
    """Keyed hashes for finding cases made before the lookup table."""
    from storage import lookup

    with Session(bind=bind) as session:
        lookup.rebuild(session)
        session.flush()


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
