"""audit chain two factor

The audit log becomes a hash chain (position, previous hash, own hash, and the purpose of the action); the
append-only triggers now allow exactly one change, the linking of a row that has no hash yet, and refuse
TRUNCATE on PostgreSQL. Existing rows are linked here, in id order.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The fields a linking update must leave as they are.
CONTENT = ("id", "occurred_at", "kind", "actor_id", "actor_name", "office_id", "case_id", "instance_id",
           "details", "purpose")


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("seq", BIGINT, nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_events_seq"), ["seq"], unique=True)
    _guard_allows_linking()
    _link_existing_rows()
    _two_factor_tables()


def _guard_allows_linking() -> None:
    unchanged = " AND ".join(f"NEW.{name} IS NOT DISTINCT FROM OLD.{name}" for name in CONTENT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL AND {unchanged} THEN
                        RETURN NEW;
                    END IF;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        same = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in CONTENT)
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"WHEN NOT (OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL AND {same}) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )


def _link_existing_rows() -> None:
    from engine.audit.chain import GENESIS, hash_of

    # The table as this revision leaves it (not the model, which later revisions may change).
    table = sa.table(
        "audit_events",
        sa.column("id", BIGINT),
        sa.column("occurred_at", engine.db.UTCDateTime()),
        sa.column("kind", sa.String()),
        sa.column("actor_id", sa.Integer()),
        sa.column("actor_name", sa.String()),
        sa.column("office_id", sa.Integer()),
        sa.column("case_id", BIGINT),
        sa.column("instance_id", BIGINT),
        sa.column("details", engine.db.JSONType),
        sa.column("purpose", sa.String()),
        sa.column("seq", BIGINT),
        sa.column("prev_hash", sa.String()),
        sa.column("row_hash", sa.String()),
    )
    bind = op.get_bind()
    prev_hash, seq = GENESIS, 0
    for row in bind.execute(sa.select(table).order_by(table.c.id)).all():
        seq += 1
        row_hash = hash_of(row, prev_hash, seq)
        bind.execute(
            table.update().where(table.c.id == row.id).values(seq=seq, prev_hash=prev_hash, row_hash=row_hash)
        )
        prev_hash = row_hash


def _two_factor_tables() -> None:
    op.create_table(
        "two_factor_role_policies",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("changed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_two_factor_role_policies")),
    )
    op.create_table(
        "two_factor_recovery_codes",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_two_factor_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor_recovery_codes")),
    )
    with op.batch_alter_table("two_factor_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_two_factor_recovery_codes_user_id"), ["user_id"], unique=False)
    op.create_table(
        "two_factor_secrets",
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_two_factor_secrets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_two_factor_secrets")),
    )


def downgrade() -> None:
    op.drop_table("two_factor_secrets")
    with op.batch_alter_table("two_factor_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_two_factor_recovery_codes_user_id"))
    op.drop_table("two_factor_recovery_codes")
    op.drop_table("two_factor_role_policies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute(
            """
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    # Dropping the columns rebuilds the table on SQLite, which loses its triggers: they are made again after.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_seq"))
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("purpose")
    if op.get_bind().dialect.name != "postgresql":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{action.lower()}")
            op.execute(
                f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
