"""The web chat: a session per browser (the cookie's token hashed, the chat it opens, the
page's CSRF token) and the one-time codes that open a filed case's chat in another browser.

Revision ID: 0012
Revises: 0011
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "websession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("csrf", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_websession_token_hash", "websession", ["token_hash"], unique=True)
    op.create_index("ix_websession_chat_id", "websession", ["chat_id"], unique=False)
    op.create_table(
        "webresumecode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(), nullable=False),
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webresumecode_case_number", "webresumecode", ["case_number"])


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
