"""a staff member's recorded employer (app_user.employer_brn), for the evaluator pool's known relations

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:35:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("employer_brn", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("employer_brn")
