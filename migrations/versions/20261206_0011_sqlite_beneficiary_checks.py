"""sqlite beneficiary checks: restore the two CHECK constraints that the SQLite table rebuild of 0004 dropped

SQLite cannot add a constraint to a table; batch mode rebuilds the table from its reflection, and SQLite's
reflection does not return CHECK constraints, so the rebuild in 0004 lost them. PostgreSQL kept them: nothing to do
there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "sex_known": "sex IS NULL OR sex IN ('female', 'male', 'not_stated')",
    "legal_status_dates_in_order": (
        "legal_status_valid_until IS NULL OR legal_status_decision_date IS NULL"
        " OR legal_status_valid_until >= legal_status_decision_date"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("beneficiaries", recreate="always") as batch_op:
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_beneficiaries_{name}"), condition)


def downgrade() -> None:
    # The constraints belong to the schema since 0004; going back past this step leaves them in place.
    pass
