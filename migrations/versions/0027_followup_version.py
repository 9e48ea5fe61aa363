"""a program's follow-up read model's version, bumped with each follow-up year written: the key
under which the outcome report reuses its figures (store/followup_tables.py, api/services/outcome_cache.py)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 06:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_version",
        sa.Column("program_id", AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("program_id"),
    )


def downgrade() -> None:
    op.drop_table("followup_version")
