"""Team meeting follow-up (attendees, decision kinds and follow-ups) and notifications.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:31:26.500740
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email_mode", sa.String(length=16), nullable=False),
        sa.Column("last_digest_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "params", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=16), nullable=False),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("emailed_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["human_tasks.id"], name=op.f("fk_notifications_task_id_human_tasks"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "dedupe_key", name=op.f("uq_notifications_user_id_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_notifications_email_state", ["email_state", "user_id"], unique=False)
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)

    with op.batch_alter_table("team_attendees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.add_column(sa.Column("organisation", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_team_attendees_user_id_users"), "users", ["user_id"], ["id"])

    with op.batch_alter_table("team_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="task", nullable=False))
        batch_op.add_column(
            sa.Column("assignee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(
            sa.Column("instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("done_at", engine.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("done_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_foreign_key(batch_op.f("fk_team_decisions_assignee_id_users"), "users", ["assignee_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_team_decisions_instance_id_process_instances"),
            "process_instances",
            ["instance_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(batch_op.f("fk_team_decisions_done_by_id_users"), "users", ["done_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("team_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_team_decisions_done_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_team_decisions_instance_id_process_instances"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_team_decisions_assignee_id_users"), type_="foreignkey")
        batch_op.drop_column("done_by_id")
        batch_op.drop_column("done_at")
        batch_op.drop_column("outcome")
        batch_op.drop_column("instance_id")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("team_attendees", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_team_attendees_user_id_users"), type_="foreignkey")
        batch_op.drop_column("organisation")
        batch_op.drop_column("user_id")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_index("ix_notifications_email_state")
        batch_op.drop_index(batch_op.f("ix_notifications_case_id"))

    op.drop_table("notifications")
    op.drop_table("notification_preferences")
