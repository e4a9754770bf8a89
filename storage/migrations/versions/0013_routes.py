"""How each request reached the co-op (``case.route``): chat, or a letter, a call, a visit or
an e-mail that staff entered; every case filed before this is a chat one.

Revision ID: 0013
Revises: 0012
Created: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case", sa.Column("route", sa.String(), nullable=False, server_default="chat"))


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("route")
