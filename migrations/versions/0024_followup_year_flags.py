"""a follow-up year's figures as checked against the public registers: the flags the officer looks
at (typed vs 고용보험 피보험자 수) and how the year was checked (checked, no_record, unchecked)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:50:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followup_year") as batch:
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("figures_check", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup_year") as batch:
        batch.drop_column("figures_check")
        batch.drop_column("flags")
