"""plan print analytics: the gateway passages the engine records for the process heat map

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_passages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("gateway_id", sa.String(length=200), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=False),
        sa.Column("passed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_gateway_passages_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_passages")),
    )
    op.create_index(op.f("ix_gateway_passages_instance_id"), "gateway_passages", ["instance_id"], unique=False)
    op.create_index(
        "ix_gateway_passages_process_gateway", "gateway_passages", ["process_id", "gateway_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_gateway_passages_process_gateway", table_name="gateway_passages")
    op.drop_index(op.f("ix_gateway_passages_instance_id"), table_name="gateway_passages")
    op.drop_table("gateway_passages")
