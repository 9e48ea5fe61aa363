"""company_binding: which person may act for which company, and how that was proven

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_binding",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False, index=True),
        sa.Column("brn", sa.String(), nullable=False, index=True),
        sa.Column("proof", sa.String(), nullable=False),
        sa.Column("bound_by", sa.String(), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("company_binding")
