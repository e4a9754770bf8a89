# ruff: noqa: E501  (the trigger SQL is kept verbatim, as it was at this revision)
"""Retention: a record of every purge, and case events that only a recorded purge may touch.

- ``purgerecord`` (append-only, no foreign key: it outlives the case it names);
- the case event triggers now let a case's events be redacted or deleted once a purge record
  names that case (by id and number), and even then only their ``data`` may change.

Revision ID: 0003
Revises: 0002
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The trigger statements as of this revision (``storage.schema.append_only_statements``).
SQLITE = [
    "DROP TRIGGER IF EXISTS caseevent_no_update",
    'CREATE TRIGGER caseevent_no_update BEFORE UPDATE ON caseevent WHEN NOT EXISTS (SELECT 1 FROM purgerecord JOIN "case" ON "case".id = purgerecord.case_id AND "case".number = purgerecord.case_number WHERE purgerecord.case_id = OLD.case_id) OR NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id OR NEW.kind IS NOT OLD.kind OR NEW.actor IS NOT OLD.actor OR NEW.created_at IS NOT OLD.created_at BEGIN SELECT RAISE(ABORT, \'case events are append-only\'); END',
    "DROP TRIGGER IF EXISTS caseevent_no_delete",
    'CREATE TRIGGER caseevent_no_delete BEFORE DELETE ON caseevent WHEN NOT EXISTS (SELECT 1 FROM purgerecord JOIN "case" ON "case".id = purgerecord.case_id AND "case".number = purgerecord.case_number WHERE purgerecord.case_id = OLD.case_id) BEGIN SELECT RAISE(ABORT, \'case events are append-only\'); END',
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_update BEFORE UPDATE ON auditentry BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_delete BEFORE DELETE ON auditentry BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS purgerecord_no_update BEFORE UPDATE ON purgerecord BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS purgerecord_no_delete BEFORE DELETE ON purgerecord BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION caseevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NOT EXISTS (SELECT 1 FROM purgerecord JOIN \"case\" ON \"case\".id = purgerecord.case_id AND \"case\".number = purgerecord.case_number WHERE purgerecord.case_id = OLD.case_id) THEN RAISE EXCEPTION 'case events are append-only'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; IF NEW.id IS DISTINCT FROM OLD.id OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.actor IS DISTINCT FROM OLD.actor OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN RAISE EXCEPTION 'case events are append-only'; END IF; RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS caseevent_append_only ON caseevent",
    "CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON caseevent FOR EACH ROW EXECUTE FUNCTION caseevent_append_only()",
    "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$",
    "DROP TRIGGER IF EXISTS auditentry_append_only ON auditentry",
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()",
    "CREATE OR REPLACE FUNCTION purgerecord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'purge records are append-only'; END $$",
    "DROP TRIGGER IF EXISTS purgerecord_append_only ON purgerecord",
    "CREATE TRIGGER purgerecord_append_only BEFORE UPDATE OR DELETE ON purgerecord FOR EACH ROW EXECUTE FUNCTION purgerecord_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "purgerecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_number", sa.String(), nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_purgerecord_case_id", "purgerecord", ["case_id"], unique=False)
    statements = SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
