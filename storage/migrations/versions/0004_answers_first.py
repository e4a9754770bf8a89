"""Answers first: an outbox row's ``priority`` (1 for the answer to a member's own message,
0 for notices), so a member who is waiting is not queued behind thousands of notices in the
platform's overall rate limit. Rows written before are notices (0): they go out in id order,
as they did.

Revision ID: 0004
Revises: 0003
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: SQLite adds the column in place, no table copy, triggers untouched.
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
