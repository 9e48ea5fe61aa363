"""vendors' opening dates (개업일자) from the tax authority, for the new_vendor risk flag

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_opening",
        sa.Column("brn", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("brn"),
    )


def downgrade() -> None:
    op.drop_table("vendor_opening")
