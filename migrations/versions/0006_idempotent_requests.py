"""idempotent requests: each action's Idempotency-Key with what it was first used for and its answer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotent_request",
        sa.Column("startup_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("startup_id", "actor_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("idempotent_request")
