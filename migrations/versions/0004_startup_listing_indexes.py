"""startup listing indexes: (filter, startup_id) in place of single-column filter indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 23:10:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FILTERS = ("program_id", "stage", "phase", "sector", "region", "overdue")


def upgrade() -> None:
    with op.batch_alter_table("startup", schema=None) as batch_op:
        for name in FILTERS:
            batch_op.drop_index(f"ix_startup_{name}")
            batch_op.create_index(f"ix_startup_{name}_listing", [name, "startup_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("startup", schema=None) as batch_op:
        for name in FILTERS:
            batch_op.drop_index(f"ix_startup_{name}_listing")
            batch_op.create_index(f"ix_startup_{name}", [name], unique=False)
