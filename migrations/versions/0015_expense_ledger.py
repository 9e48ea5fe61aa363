"""the execution ledger (집행 내역) in full: one row per expense entry, cancellations marked on it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:15:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expense_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("startup_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("program_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("vendor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("vendor_brn", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("supply_amount", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("payment_method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("cancels", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("entry_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ledger_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("cancelled_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("startup_id", "entry_id", name="uq_expense_entry_startup_entry"),
    )
    with op.batch_alter_table("expense_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_entry_startup_id"), ["startup_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_entry_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_entry_vendor_brn"), ["vendor_brn"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expense_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expense_entry_vendor_brn"))
        batch_op.drop_index(batch_op.f("ix_expense_entry_program_id"))
        batch_op.drop_index(batch_op.f("ix_expense_entry_startup_id"))
    op.drop_table("expense_entry")
