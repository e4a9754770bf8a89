"""Follow-ups reach a person: a case counts the member's messages staff have not read yet
(``case.unread_messages``, shown on the Slack card and in ``staff list``) and notes when a
member wrote about it after it closed (``case.member_contact_at``: 会員から連絡あり).

Revision ID: 0009
Revises: 0008
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): both SQLite and PostgreSQL add these in place.
    op.add_column(
        "case", sa.Column("unread_messages", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("case", sa.Column("member_contact_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("member_contact_at")
        batch.drop_column("unread_messages")
