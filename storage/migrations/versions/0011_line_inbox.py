"""Members on LINE: the inbox of webhook events stored before LINE's webhook is answered and
worked after (one row per event, keyed by its idempotency key, the payload encrypted), and the
count of push messages per month against the channel's monthly quota.

Revision ID: 0011
Revises: 0010
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inboxevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inboxevent_key", "inboxevent", ["key"], unique=True)
    op.create_index("ix_inboxevent_channel", "inboxevent", ["channel", "id"], unique=False)
    op.create_table(
        "linepushmonth",
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("month"),
    )


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
