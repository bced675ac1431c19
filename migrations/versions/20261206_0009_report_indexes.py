"""report indexes: tasks completed after a moment (the report's work overdue at the end of a past period)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_human_tasks_completed_at_due",
            ["completed_at", "due_at", "office_id"],
            unique=False,
            postgresql_where=sa.text("state = 'completed'"),
            sqlite_where=sa.text("state = 'completed'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_human_tasks_completed_at_due",
            postgresql_where=sa.text("state = 'completed'"),
            sqlite_where=sa.text("state = 'completed'"),
        )
