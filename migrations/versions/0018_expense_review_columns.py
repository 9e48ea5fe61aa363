"""the finance officer's review (집행 검토) in the ledger's read model: the decision that stands on
each expense entry, with its reason, the won disallowed, who decided and when

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("expense_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("disallow_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("disallowed_amount", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("expense_entry", schema=None) as batch_op:
        for column in ("review_seq", "reviewed_at", "reviewed_by", "review_note", "disallowed_amount",
                       "disallow_reason", "review"):
            batch_op.drop_column(column)
