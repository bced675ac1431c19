"""Consent as a gate (partner types, photo/testimony purpose, supervisors' sharing overrides), rectification
history, legal holds and the anonymisation mark of a case.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:30:33.913387
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "beneficiary_corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("corrected_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_beneficiary_corrections_beneficiary_id_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_beneficiary_corrections_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"], ["users.id"], name=op.f("fk_beneficiary_corrections_corrected_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beneficiary_corrections")),
    )
    with op.batch_alter_table("beneficiary_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beneficiary_corrections_beneficiary_id"), ["beneficiary_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_beneficiary_corrections_case_id"), ["case_id"], unique=False)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("set_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("lifted_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lifted_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_legal_holds_case_id_cases")),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["users.id"], name=op.f("fk_legal_holds_lifted_by_id_users")),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_legal_holds_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index("ix_legal_holds_case_lifted", ["case_id", "lifted_at"], unique=False)

    op.create_table(
        "sharing_overrides",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("partner", sa.String(length=20), nullable=False),
        sa.Column("partner_name", sa.String(length=200), nullable=True),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("granted_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("used_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "basis IN ('legal_obligation', 'vital_interest', 'override')", name=op.f("ck_sharing_overrides_basis_known")
        ),
        sa.CheckConstraint(
            "used_at IS NULL OR referral_id IS NOT NULL", name=op.f("ck_sharing_overrides_used_by_referral")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_sharing_overrides_case_id_cases")),
        sa.ForeignKeyConstraint(["granted_by_id"], ["users.id"], name=op.f("fk_sharing_overrides_granted_by_id_users")),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_sharing_overrides_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_overrides")),
    )
    with op.batch_alter_table("sharing_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_overrides_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_overrides_referral_id"), ["referral_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", engine.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_types", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.drop_constraint(op.f("ck_consents_purpose_known"), type_="check")
        batch_op.create_check_constraint(
            "purpose_known", "purpose IN ('services', 'sharing_partners', 'reporting', 'photo_testimony')"
        )


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_consents_purpose_known"), type_="check")
        batch_op.create_check_constraint("purpose_known", "purpose IN ('services', 'sharing_partners', 'reporting')")
        batch_op.drop_column("partner_types")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")

    with op.batch_alter_table("sharing_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_overrides_referral_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_overrides_case_id"))

    op.drop_table("sharing_overrides")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_holds_case_lifted")

    op.drop_table("legal_holds")
    with op.batch_alter_table("beneficiary_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beneficiary_corrections_case_id"))
        batch_op.drop_index(batch_op.f("ix_beneficiary_corrections_beneficiary_id"))

    op.drop_table("beneficiary_corrections")
