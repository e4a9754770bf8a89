"""A member's complaint marks the case (``case.complained_at``: 苦情あり on the Slack card, App
Home and ``staff list``/``show``) until the case is closed, not only while it is unread.

Revision ID: 0010
Revises: 0009
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): both SQLite and PostgreSQL add it in place.
    op.add_column("case", sa.Column("complained_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("complained_at")
