"""Failed turns: a processed update's ``failed`` mark. A turn that raised is given up on (the
member is asked to send it again) and its key stored with this mark, so a platform's
redeliveries of a poison update are acknowledged instead of failing forever. Keys stored
before were all of turns that succeeded (false).

Revision ID: 0007
Revises: 0006
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: SQLite adds the column in place, no table copy.
    with op.batch_alter_table("processedupdate") as batch:
        batch.add_column(
            sa.Column("failed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
