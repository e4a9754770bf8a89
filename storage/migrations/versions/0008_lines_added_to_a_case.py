"""Lines added to a case: a file or words a member sent to an existing case, and the desk's
acknowledgement, are now written tied to that case (``transcriptline.case_id``), so its purge
removes them. Lines written before were left untied, inside the next case's segment or in idle
chat, and outlived the case's purge (a file's caption with a name and phone number).

This ties those old lines: the untied lines of a turn (same conversation, same ``created_at``,
the one clock reading a turn writes with) in which a file was attached to, or words were passed
on to, a case of that conversation, unless that turn filed the case (its lines are already its
intake segment). Words typed in one turn and passed on with a button in a later one are not
found this way and stay as they were.

Revision ID: 0008
Revises: 0007
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The case a line was added to: an event of a turn that added to an existing case, at the
# line's own moment, for a case of the line's conversation. Only reads the append-only events.
_ADDED_TO = """
    SELECT MAX(added.case_id)
    FROM caseevent AS added
    JOIN "case" AS target ON target.id = added.case_id
    WHERE target.conversation_id = transcriptline.conversation_id
      AND added.kind IN ('attachment', 'member_message')
      AND added.created_at = transcriptline.created_at
      AND NOT EXISTS (
          SELECT 1 FROM caseevent AS filed
          WHERE filed.case_id = added.case_id
            AND filed.kind = 'created'
            AND filed.created_at = added.created_at
      )
"""


def upgrade() -> None:
    op.execute(
        f"UPDATE transcriptline SET case_id = ({_ADDED_TO}) "
        f"WHERE case_id IS NULL AND ({_ADDED_TO}) IS NOT NULL"
    )


def downgrade() -> None:
    raise NotImplementedError("madoguchi migrations go forward only; restore a backup instead")
