"""a follow-up year's revenue as checked against the company's tax filing (신고 매출), read only with
its consent: checked, no_record, unchecked, or no_consent (patch followup-revenue-check)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followup_year") as batch:
        batch.add_column(sa.Column("revenue_check", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup_year") as batch:
        batch.drop_column("revenue_check")
